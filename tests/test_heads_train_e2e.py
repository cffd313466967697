"""End to end (slow): a scaffolded script tunes its threshold on the validation rows, saves it,
and predict_labels() reads it back; the plots are written (or not, with --no-plots).

``python -m pytest -m slow tests/test_heads_train_e2e.py``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from outhead.render import ScaffoldOptions
from outhead.scaffold import scaffold_script
from tests.conftest import SAMPLE_DATA
from tests.test_scaffold_e2e import load_model, load_script, run_script

pytestmark = pytest.mark.slow


def binary_data(folder: Path, n: int = 800) -> tuple[Path, Path]:
    """Two features with signal; about 15 % positives."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 1.2).astype(int)
    target, features = folder / "y.csv", folder / "x.csv"
    pd.DataFrame({"failed": np.where(y == 1, "yes", "no")}).to_csv(target, index=False)
    pd.DataFrame({"a": x[:, 0].round(4), "b": x[:, 1].round(4)}).to_csv(features, index=False)
    return target, features


def scaffold(folder: Path, target: Path | str, features: Path | str) -> Path:
    result = scaffold_script(
        str(target), features_path=str(features), options=ScaffoldOptions(), script_dir=str(folder)
    )
    script = folder / "train.py"
    script.write_text(result.script, encoding="utf-8")
    return script


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("tuned")
    target, features = binary_data(folder)
    script = scaffold(folder, target, features)
    out = folder / "out"
    proc = run_script(script, "--epochs", "30", "--output-dir", str(out), cwd=folder)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"script": script, "out": out, "features": features, "stdout": proc.stdout}


def test_the_threshold_is_tuned_saved_and_scored(binary_run: dict[str, Any]) -> None:
    out = binary_run["out"]
    labels = json.loads((out / "labels.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    threshold = labels["threshold"]
    assert isinstance(threshold, float) and 0.0 < threshold < 1.0
    assert labels["threshold_metric"] == "f1"
    decision = metrics["decision"]
    assert decision["threshold_metric"] == "f1"
    assert decision["at_0.5"]["threshold"] == 0.5
    assert decision["tuned"]["threshold"] == threshold
    for scores in (decision["at_0.5"], decision["tuned"]):
        assert set(scores) == {"threshold", "binary_accuracy", "precision", "recall", "f1"}
    # The model has signal: it beats the baseline, and the tuned F1 is a real F1.
    assert metrics["test"]["auc"] > metrics["baseline"]["auc"] + 0.2
    assert decision["tuned"]["f1"] > 0.5
    assert "threshold (f1 on the validation rows)" in binary_run["stdout"]


def test_predict_labels_reads_the_tuned_threshold(
    binary_run: dict[str, Any], tmp_path: Path
) -> None:
    import keras

    module = load_script(binary_run["script"])
    model = load_model(keras, binary_run["out"] / "model.keras")
    rows = pd.read_csv(binary_run["features"]).iloc[:200]
    labels = json.loads((binary_run["out"] / "labels.json").read_text())
    predicted = module.predict_labels(model, rows, output_dir=binary_run["out"])
    inputs = module.prepare_features(rows, labels["feature_kinds"], labels["feature_fill"])
    p = np.asarray(model.predict(inputs, verbose=0))[:, 0]
    assert predicted == ["yes" if v >= labels["threshold"] else "no" for v in p]
    # The threshold comes from labels.json: moved there, the predictions follow.
    for threshold, expected in ((0.0, {"yes"}), (1.01, {"no"})):
        folder = tmp_path / str(threshold)
        folder.mkdir()
        (folder / "labels.json").write_text(json.dumps({**labels, "threshold": threshold}))
        assert set(module.predict_labels(model, rows, output_dir=folder)) == expected


def test_the_plots_are_written(binary_run: dict[str, Any]) -> None:
    for name in ("learning_curves.png", "confusion_matrix.png"):
        data = (binary_run["out"] / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_multilabel_thresholds_per_label_and_no_plots(tmp_path: Path) -> None:
    script = scaffold(
        tmp_path, SAMPLE_DATA / "noble_gas_presence.csv", SAMPLE_DATA / "gas_features.csv"
    )
    out = tmp_path / "out"
    args = ("--epochs", "10", "--threshold-metric", "balanced-accuracy", "--no-plots")
    proc = run_script(script, *args, "--output-dir", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    labels = json.loads((out / "labels.json").read_text())
    assert len(labels["threshold"]) == 6 and all(0 < t < 1 for t in labels["threshold"])
    assert labels["threshold_metric"] == "balanced-accuracy"
    assert (
        json.loads((out / "metrics.json").read_text())["decision"]["tuned"]["threshold"]
        == (labels["threshold"])
    )
    assert not list(out.glob("*.png"))
