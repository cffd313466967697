"""End to end, several outputs: scaffold a three-output script (a price-like regression, a
class and a rarer yes/no) on a table this test makes, train it with TensorFlow, and check that
each output beats its own trivial baseline, that model.keras has one named head per target,
that predict_labels() gives a prediction per output in the target's terms, and that the yes/no
output's threshold, tuned on the validation rows, is saved in labels.json and applied by
predict_labels().

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
    """Features with signal for every target: price follows size and city, the class age, and
    sold (about 1 row in 5 is "yes") size and age with noise."""
    rng = np.random.default_rng(11)
    size = rng.normal(0.0, 1.0, N)
    age = rng.normal(0.0, 1.0, N)
    city = rng.choice(["north", "south", "east"], N)
    noise = rng.normal(0.0, 1.0, N)
    price = 250_000 + 60_000 * size + 40_000 * (city == "north") + 8_000 * noise
    segment = np.where(age > 0.5, "vintage", np.where(age < -0.5, "new", "recent"))
    sold = np.where(size - 0.5 * age + rng.normal(0.0, 0.5, N) > 1.0, "yes", "no")
    lines = ["id,size,age,city,price,segment,sold"]
    for i in range(N):
        lines.append(
            f"{i},{size[i]:.4f},{age[i]:.4f},{city[i]},{price[i]:.0f},{segment[i]},{sold[i]}"
        )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("multi_e2e")
    write_table(folder / "homes.csv")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = scaffold_script(
            "homes.csv", target_columns=["price", "segment", "sold"], drop=["id"], script_dir="."
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
    sold = metrics["outputs"]["sold"]
    assert sold["task"] == "binary" and sold["test"]["loss"] < sold["baseline"]["loss"]
    assert sold["test"]["auc"] > 0.85 > sold["baseline"]["auc"]
    assert set(metrics["loss_weights"]) == {"price", "segment", "sold"}


def test_the_tuned_threshold_is_saved_and_scored(run: Path) -> None:
    labels = json.loads((run / "out" / "labels.json").read_text())
    decision = json.loads((run / "out" / "metrics.json").read_text())["outputs"]["sold"]["decision"]
    head = labels["outputs"]["sold"]
    assert head["decision"] == "threshold" and head["threshold_metric"] == "f1"
    assert decision["threshold_metric"] == "f1" and decision["at_0.5"]["threshold"] == 0.5
    assert decision["tuned"]["threshold"] == head["threshold"]
    assert 0.0 < head["threshold"] < 1.0 and head["threshold"] != 0.5
    for part in ("at_0.5", "tuned"):
        assert set(decision[part]) == {
            "threshold", "binary_accuracy", "precision", "recall", "f1"
        }
    # the other outputs keep no threshold
    assert labels["outputs"]["segment"]["threshold"] is None
    assert "decision" not in json.loads((run / "out" / "metrics.json").read_text())["outputs"][
        "segment"
    ]


def test_saved_model_and_predict_labels(run: Path, keras: Any) -> None:
    import pandas as pd

    labels = json.loads((run / "out" / "labels.json").read_text())
    assert labels["outputs"]["segment"]["classes"] == ["new", "recent", "vintage"]
    assert labels["outputs"]["price"]["target_scaling"]["std"] > 1000
    model = keras.models.load_model(run / "out" / "model.keras")
    assert sorted(model.output_names) == ["price", "segment", "sold"]
    spec = importlib.util.spec_from_file_location("train_multi_e2e", run / "train.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = pd.DataFrame(
        {"size": [2.0, -2.0], "age": [1.5, -1.5], "city": ["north", "east"]}
    )
    predicted = module.predict_labels(model, rows, labels)
    assert set(predicted) == {"price", "segment", "sold"}
    assert predicted["segment"] == ["vintage", "new"]
    big, small = predicted["price"]
    assert big > 300_000 > 200_000 > small  # in the target's units, following size and city
    assert predicted["sold"][1] == "no"  # small and new: far below the line
    # predict_labels() reads the threshold of labels.json: "yes" exactly where p >= it
    grid = pd.DataFrame(
        {"size": np.linspace(-2, 3, 41), "age": np.zeros(41), "city": ["south"] * 41}
    )
    inputs = module.prepare_features(grid, labels["feature_kinds"], labels["feature_fill"])
    rows = module.tf.data.Dataset.from_tensor_slices(inputs).batch(64)
    p = np.asarray(model.predict(rows, verbose=0)["sold"])[:, 0]
    threshold = labels["outputs"]["sold"]["threshold"]
    expected = ["yes" if q >= threshold else "no" for q in p]
    assert expected[0] == "no" and expected[-1] == "yes"  # sold follows size
    assert module.predict_labels(model, grid, labels)["sold"] == expected
    for moved, answer in ((0.0, "yes"), (1.01, "no")):
        labels["outputs"]["sold"]["threshold"] = moved
        assert set(module.predict_labels(model, grid, labels)["sold"]) == {answer}
