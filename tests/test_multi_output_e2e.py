"""End to end, several outputs: scaffold a two-output script (a price-like regression and a
class) on a table this test makes, train it with TensorFlow, and check that each output beats
its own trivial baseline, that model.keras has one named head per target, and that
predict_labels() gives a prediction per output in the target's terms.

Marked ``slow``: ``python -m pytest -m slow tests/test_multi_output_e2e.py`` (one TensorFlow
run of a few seconds).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from outhead.scaffold import scaffold_script

pytestmark = pytest.mark.slow

N = 600


def write_table(path: Path) -> None:
    """Features with signal for both targets: price follows size and city, the class age."""
    rng = np.random.default_rng(11)
    size = rng.normal(0.0, 1.0, N)
    age = rng.normal(0.0, 1.0, N)
    city = rng.choice(["north", "south", "east"], N)
    noise = rng.normal(0.0, 1.0, N)
    price = 250_000 + 60_000 * size + 40_000 * (city == "north") + 8_000 * noise
    segment = np.where(age > 0.5, "vintage", np.where(age < -0.5, "new", "recent"))
    lines = ["id,size,age,city,price,segment"]
    for i in range(N):
        lines.append(f"{i},{size[i]:.4f},{age[i]:.4f},{city[i]},{price[i]:.0f},{segment[i]}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("multi_e2e")
    write_table(folder / "homes.csv")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = scaffold_script(
            "homes.csv", target_columns=["price", "segment"], drop=["id"], script_dir="."
        )
    finally:
        os.chdir(cwd)
    assert result.multi is not None
    script = folder / "train.py"
    script.write_text(result.script)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, str(script), "--epochs", "40", "--output-dir", "out"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return folder


def test_each_output_beats_its_baseline(run: Path) -> None:
    metrics = json.loads((run / "out" / "metrics.json").read_text())
    price, segment = metrics["outputs"]["price"], metrics["outputs"]["segment"]
    assert price["task"] == "regression" and segment["task"] == "multiclass"
    # Lower is better for the regression errors, higher for the accuracy; by a clear margin.
    for name in ("loss", "root_mean_squared_error", "mean_absolute_error"):
        assert price["test"][name] < 0.5 * price["baseline"][name], name
    assert segment["test"]["loss"] < segment["baseline"]["loss"]
    accuracy = segment["test"]["sparse_categorical_accuracy"]
    assert accuracy > segment["baseline"]["sparse_categorical_accuracy"] + 0.2
    assert set(metrics["loss_weights"]) == {"price", "segment"}


def test_saved_model_and_predict_labels(run: Path, keras: Any) -> None:
    import pandas as pd

    labels = json.loads((run / "out" / "labels.json").read_text())
    assert labels["outputs"]["segment"]["classes"] == ["new", "recent", "vintage"]
    assert labels["outputs"]["price"]["target_scaling"]["std"] > 1000
    model = keras.models.load_model(run / "out" / "model.keras")
    assert sorted(model.output_names) == ["price", "segment"]
    spec = importlib.util.spec_from_file_location("train_multi_e2e", run / "train.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = pd.DataFrame(
        {"size": [2.0, -2.0], "age": [1.5, -1.5], "city": ["north", "east"]}
    )
    predicted = module.predict_labels(model, rows, labels)
    assert set(predicted) == {"price", "segment"}
    assert predicted["segment"] == ["vintage", "new"]
    big, small = predicted["price"]
    assert big > 300_000 > 200_000 > small  # in the target's units, following size and city
