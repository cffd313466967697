"""Heads that train well: the initial output bias, tuned thresholds, focal losses, the target's
histogram (issue 11). Fast tests: the rendered functions are run with numpy, without Keras.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from outhead.cli import app
from outhead.render import ScaffoldOptions
from outhead.scaffold import scaffold_script
from outhead.stats.histogram import FINE_BINS, HistogramAccumulator


def write_csv(path: Path, header: str, rows: list[Any]) -> str:
    lines = [header, *(",".join(map(str, r)) if isinstance(r, tuple) else str(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def features(tmp_path: Path, n: int) -> str:
    rng = np.random.default_rng(0)
    return write_csv(
        tmp_path / "x.csv", "a,b", [(round(a, 3), round(b, 3)) for a, b in rng.normal(size=(n, 2))]
    )


def inspect_json(path: str, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["inspect", path, "--json", *args])
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def render(target: str, x: str, **options: Any) -> str:
    return scaffold_script(target, features_path=x, options=ScaffoldOptions(**options)).script


def script_function(script: str, name: str, **namespace: Any) -> Any:
    """One function of a rendered script, defined with numpy (and the given names) around it."""
    tree = ast.parse(script)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    scope: dict[str, Any] = {"np": np, **namespace}
    exec(compile(ast.Module([node], []), "<script>", "exec"), scope)
    return scope[name]


def logit(p: float) -> float:
    return math.log(p / (1 - p))


# --- the initial output bias ---------------------------------------------------------------


def test_inspect_gives_the_binary_bias_from_the_priors(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "y.csv", "y", [1] * 40 + [0] * 60)  # 40 %: no class weight
    doc = inspect_json(target)
    assert doc["class_weight"] is None
    assert doc["initial_bias"] == [pytest.approx(logit(0.4), abs=1e-4)]
    assert "bias_initializer=keras.initializers.Constant([-0.4055])" in doc["layer_code"]
    human = CliRunner().invoke(app, ["inspect", target, "--width", "200"]).stdout
    assert "bias_initializer=keras.initializers.Constant([-0.4055])" in human


def test_softmax_bias_gives_back_the_class_priors(tmp_path: Path) -> None:
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    doc = inspect_json(write_csv(tmp_path / "y.csv", "y", labels))
    bias = np.array(doc["initial_bias"])
    assert abs(bias.sum()) < 1e-3  # centred
    softmax = np.exp(bias) / np.exp(bias).sum()
    assert softmax == pytest.approx([0.5, 0.3, 0.2], abs=1e-3)


def test_multilabel_bias_is_one_logit_per_label(tmp_path: Path) -> None:
    rows = [(int(i < 30), int(i < 70), int(i % 2 == 0)) for i in range(100)]
    doc = inspect_json(write_csv(tmp_path / "y.csv", "p,q,r", rows))
    assert doc["task"] == "multilabel"
    assert doc["initial_bias"] == pytest.approx([logit(0.3), logit(0.7), 0.0], abs=1e-4)


def test_regression_bias_is_the_mean_and_class_weights_leave_it_out(tmp_path: Path) -> None:
    values = [round(100 + 7.5 * i, 2) for i in range(60)]
    doc = inspect_json(write_csv(tmp_path / "y.csv", "price", values))
    assert doc["initial_bias"] == [pytest.approx(float(np.mean(values)), abs=1e-3)]
    weighted = inspect_json(write_csv(tmp_path / "w.csv", "y", [1] * 10 + [0] * 90))
    assert weighted["class_weight"] is not None and weighted["initial_bias"] is None
    assert any("no initial bias: with class_weight" in w for w in weighted["why"])


def test_a_class_that_never_occurs_gives_a_clipped_bias(tmp_path: Path) -> None:
    rows = [(int(i < 50), 0) for i in range(100)]  # the second label is never on
    doc = inspect_json(write_csv(tmp_path / "y.csv", "p,q", rows), "--task", "multilabel")
    assert doc["initial_bias"][1] == pytest.approx(logit(1e-4), abs=1e-3)
    assert all(math.isfinite(b) for b in doc["initial_bias"])


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        ([1] * 40 + [0] * 60, "y", lambda y: [logit(y[:, 0].mean())]),
        (["a"] * 50 + ["b"] * 30 + ["c"] * 20, "y", None),
        ([(int(i < 30), int(i % 3 == 0)) for i in range(100)], "p,q", "sigmoid"),
        ([round(0.1 + 0.008 * i, 3) for i in range(100)], "share", "bounded"),
        ([round(100 + 7.5 * i, 2) for i in range(100)], "price", "zeros"),
        ([1] * 10 + [0] * 90, "y", "zeros"),  # class weights: a uniform prior
    ],
    ids=["binary", "softmax", "multilabel", "bounded", "standardized", "class-weighted"],
)
def test_the_script_computes_the_bias_from_the_training_rows(
    tmp_path: Path, rows: list[Any], header: str, expected: Any
) -> None:
    script = render(write_csv(tmp_path / "y.csv", header, rows), features(tmp_path, len(rows)))
    assert "bias_initializer=keras.initializers.Constant(output_bias)" in script
    assert "output_bias = initial_bias(y[train])" in script
    initial_bias = script_function(script, "initial_bias", CLASSES=["a", "b", "c"])
    rng = np.random.default_rng(1)
    if header == "y" and expected is None:  # softmax on class ids
        y = rng.integers(0, 3, 500)
        bias = initial_bias(y)
        prior = np.bincount(y, minlength=3) / len(y)
        assert np.exp(bias) / np.exp(bias).sum() == pytest.approx(prior, abs=1e-5)
        return
    y = (rng.random((500, 2)) < [0.03, 0.6]).astype("float32")
    if expected == "zeros":
        assert np.all(initial_bias(y[:, :1]) == 0)
    elif expected == "bounded":
        share = rng.uniform(0.1, 0.9, (500, 1))
        assert initial_bias(share) == pytest.approx([logit(share.mean())], abs=1e-4)
    elif expected == "sigmoid":
        assert initial_bias(y) == pytest.approx(
            [logit(y[:, 0].mean()), logit(y[:, 1].mean())], abs=1e-4
        )
    else:
        assert initial_bias(y[:, :1]) == pytest.approx(expected(y), abs=1e-4)


# --- tuned thresholds ----------------------------------------------------------------------


def brute_force(y: np.ndarray, p: np.ndarray, metric: str, min_recall: float) -> float:
    """The best threshold by trying every distinct probability (ties: the highest), moved
    halfway to the next lower distinct probability."""
    best, best_t = -math.inf, 0.5
    candidates = sorted(set(p.tolist()), reverse=True)
    for t in candidates:
        on = p >= t
        tp, fp = int((on & (y == 1)).sum()), int((on & (y == 0)).sum())
        fn, tn = int((~on & (y == 1)).sum()), int((~on & (y == 0)).sum())
        recall = tp / (tp + fn)
        if metric == "f1":
            score = 2 * tp / (2 * tp + fp + fn)
        elif metric == "balanced-accuracy":
            score = (recall + tn / (tn + fp)) / 2
        else:
            score = tp / (tp + fp) if recall >= min_recall else -1.0
        if score > best + 1e-12:
            best, best_t = score, t
    lower = [c for c in candidates if c < best_t]
    return (best_t + lower[0]) / 2 if lower else best_t


@pytest.fixture(scope="module")
def threshold_functions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("thresholds")
    rows = [(int(i < 30), int(i % 3 == 0)) for i in range(100)]
    script = render(write_csv(tmp_path / "y.csv", "p,q", rows), features(tmp_path, 100))
    tune = script_function(script, "tune_threshold")
    return {
        "tune_threshold": tune,
        "tune_thresholds": script_function(script, "tune_thresholds", tune_threshold=tune),
        "decision_scores": script_function(script, "decision_scores"),
    }


@settings(max_examples=60, deadline=None)
@given(
    y=st.lists(st.integers(0, 1), min_size=4, max_size=60),
    seed=st.integers(0, 2**16),
    metric=st.sampled_from(["f1", "balanced-accuracy", "precision-at-recall"]),
    min_recall=st.sampled_from([0.5, 0.9]),
)
def test_the_tuned_threshold_is_the_best_one(
    threshold_functions: dict[str, Any], y: list[int], seed: int, metric: str, min_recall: float
) -> None:
    labels = np.array(y)
    if labels.sum() in (0, len(labels)):
        assert (
            threshold_functions["tune_threshold"](labels, np.full(len(y), 0.3), metric, 0.9) == 0.5
        )
        return
    # Rounded: ties between rows are common, as with a real model's outputs.
    p = np.round(np.random.default_rng(seed).random(len(y)) * 0.5 + 0.4 * labels, 2)
    chosen = threshold_functions["tune_threshold"](labels, p, metric, min_recall)
    assert chosen == pytest.approx(brute_force(labels, p, metric, min_recall))


def test_multilabel_thresholds_are_one_per_label_and_scored_micro(
    threshold_functions: dict[str, Any],
) -> None:
    y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype="float32")
    p = np.array([[0.9, 0.2], [0.6, 0.7], [0.4, 0.8], [0.1, 0.3]], dtype="float32")
    thresholds = threshold_functions["tune_thresholds"](y, p, "f1", 0.9)
    # The best cuts, 0.6 and 0.7, moved halfway down to the next probability (0.4 and 0.3).
    assert thresholds == pytest.approx([0.5, 0.5])
    scores = threshold_functions["decision_scores"](y, p, thresholds)
    assert scores["precision"] == scores["recall"] == scores["f1"] == 1.0
    at_half = threshold_functions["decision_scores"](y, p, 0.5)
    # At 0.5: hits (0,0) (1,0) (1,1) (2,1); false alarm none; misses none; 0.4 of row 2 is off.
    assert at_half["binary_accuracy"] == pytest.approx(1.0)
    low = threshold_functions["decision_scores"](y, p, 0.15)
    assert low["precision"] == pytest.approx(4 / 7) and low["recall"] == 1.0


def test_the_script_saves_and_reads_the_tuned_threshold(tmp_path: Path) -> None:
    rows = [(int(i < 30), int(i % 3 == 0)) for i in range(100)]
    script = render(write_csv(tmp_path / "y.csv", "p,q", rows), features(tmp_path, 100))
    assert 'labels["threshold"] = thresholds' in script
    assert 'metrics["decision"] = decision' in script
    assert '"at_0.5": decision_scores(y_test, test_probabilities, 0.5)' in script
    assert "--threshold-metric" in script and "THRESHOLD_METRICS" in script
    assert 'thresholds = np.broadcast_to(labels["threshold"], probabilities.shape[1:])' in script


def test_regression_scripts_have_no_threshold(tmp_path: Path) -> None:
    values = [round(100 + 7.5 * i, 2) for i in range(60)]
    script = render(write_csv(tmp_path / "y.csv", "price", values), features(tmp_path, 60))
    assert "--threshold-metric" not in script and "tune_threshold" not in script
    assert "predicted_vs_actual.png" in script and "--no-plots" in script


# --- focal losses --------------------------------------------------------------------------


def test_inspect_offers_focal_loss_under_five_percent(tmp_path: Path) -> None:
    rare = inspect_json(write_csv(tmp_path / "y.csv", "y", [1] * 3 + [0] * 97))
    focal = [a for a in rare["alternatives"] if a["title"] == "strong imbalance"]
    assert len(focal) == 1 and focal[0]["loss_class"] == "BinaryFocalCrossentropy"
    assert "3.0% of the rows" in focal[0]["why"]
    common = inspect_json(write_csv(tmp_path / "z.csv", "y", [1] * 10 + [0] * 90))
    assert not [a for a in common["alternatives"] if a["title"] == "strong imbalance"]
    classes = inspect_json(write_csv(tmp_path / "c.csv", "y", ["a"] * 60 + ["b"] * 38 + ["c"] * 2))
    focal = [a for a in classes["alternatives"] if a["title"] == "strong imbalance"]
    assert focal[0]["loss_class"] == "CategoricalFocalCrossentropy"
    assert focal[0]["metrics"] == ["CategoricalAccuracy"]
    assert "to_categorical" in focal[0]["note"]


def test_scaffold_loss_focal_one_hot_encodes_class_ids(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "y.csv", "y", ["a"] * 60 + ["b"] * 38 + ["c"] * 2)
    script = render(target, features(tmp_path, 100), loss="focal")
    assert "return keras.losses.CategoricalFocalCrossentropy()" in script
    assert 'return np.eye(len(CLASSES), dtype="float32")[ids]' in script
    assert 'keras.metrics.CategoricalAccuracy(name="categorical_accuracy")' in script
    assert "Sparse" not in script.split("def make_loss")[1].split("def baseline_outputs")[0]
    encode = script_function(
        script, "encode_target", CLASSES=["a", "b", "c"], pd=__import__("pandas")
    )
    import pandas as pd

    y = encode(pd.DataFrame({"y": ["c", "a", "b"]}))
    assert y.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]


def test_scaffold_loss_focal_cli(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "y.csv", "y", [1] * 3 + [0] * 97)
    result = CliRunner().invoke(
        app, ["scaffold", target, "-f", features(tmp_path, 100), "--loss", "focal"]
    )
    assert result.exit_code == 0, result.stderr
    assert "keras.losses.BinaryFocalCrossentropy()" in result.stdout
    bad = CliRunner().invoke(
        app, ["scaffold", target, "-f", features(tmp_path, 100), "--loss", "huber"]
    )
    assert bad.exit_code == 2
    values = write_csv(tmp_path / "r.csv", "price", [round(1 + 0.5 * i, 2) for i in range(100)])
    ignored = CliRunner().invoke(
        app, ["scaffold", values, "-f", features(tmp_path, 100), "--loss", "focal"]
    )
    assert ignored.exit_code == 0
    assert "MeanSquaredError" in ignored.stdout and "Focal" not in ignored.stdout


@pytest.mark.parametrize(
    ("target", "args", "code"),
    [
        (
            "machine_failure.csv",
            ["--units", "1", "--activation", "sigmoid", "--loss", "binary_focal_crossentropy"],
            0,
        ),
        (
            "noble_gas_onehot.csv",
            ["--units", "6", "--activation", "softmax", "--loss", "CategoricalFocalCrossentropy"],
            0,
        ),
        (
            "noble_gas_presence.csv",
            ["--units", "6", "--activation", "sigmoid", "--loss", "BinaryFocalCrossentropy"],
            0,
        ),
        (
            "noble_gas.csv",
            ["--units", "6", "--activation", "softmax", "--loss", "categorical_focal_crossentropy"],
            1,
        ),
    ],
    ids=["binary", "one-hot", "multilabel", "integer-labels"],
)
def test_check_accepts_focal_losses_on_matching_heads(
    target: str, args: list[str], code: int
) -> None:
    from tests.conftest import SAMPLE_DATA

    result = CliRunner().invoke(app, ["check", str(SAMPLE_DATA / target), *args])
    assert result.exit_code == code, result.stdout


# --- the histogram of a continuous target --------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=300
    ),
    cuts=st.lists(st.integers(0, 300), max_size=6),
)
def test_bins_do_not_depend_on_the_batches(values: list[float], cuts: list[int]) -> None:
    x = np.array(values)
    whole = HistogramAccumulator()
    whole.add(x)
    batched = HistogramAccumulator()
    for part in np.split(x, sorted(c for c in cuts if c <= len(x))):
        batched.add(part)
    a, b = whole.result(), batched.result()
    assert a is not None and a == b
    assert a.n_values == len(x) and len(a.counts) <= FINE_BINS
    assert a.start <= x.min() and a.start + len(a.counts) * a.width > x.max()
    shown = a.coarse()
    assert sum(c for _, _, c in shown) == len(x) and len(shown) <= 16


def test_inspect_shows_the_histogram_and_the_skew(tmp_path: Path) -> None:
    y = np.round(np.random.default_rng(2).lognormal(3, 1, 2000), 3)
    target = write_csv(tmp_path / "y.csv", "income", y.tolist())
    doc = inspect_json(target)
    histogram = doc["target_columns"][0]["histogram"]
    assert sum(b["count"] for b in histogram["bins"]) == 2000
    assert histogram["bins"][0]["low"] <= y.min() and histogram["bins"][-1]["high"] > y.max()
    assert histogram["skewness"] > 1
    huber = next(a for a in doc["alternatives"] if a["loss_class"] == "Huber")
    assert "skewed to the right" in huber["note"] and "log1p" in huber["note"]
    human = CliRunner().invoke(app, ["inspect", target, "--width", "120"]).stdout
    assert "Distribution of income" in human and "skewness" in human
    labels = inspect_json(write_csv(tmp_path / "c.csv", "y", [1] * 40 + [0] * 60))
    assert labels["target_columns"][0]["histogram"] is None


def test_focal_on_a_folder_of_three_classes_is_refused_in_one_line(tmp_path: Path) -> None:
    from tests.image_data import shape_folder

    shape_folder(tmp_path / "shapes", 60, classes=3, rgb=False)
    result = CliRunner().invoke(app, ["scaffold", str(tmp_path / "shapes"), "--loss", "focal"])
    assert result.exit_code == 2
    assert "--loss focal on a folder of 3 or more classes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not result.stdout
    two = tmp_path / "pets"
    shape_folder(two, 40, classes=2, rgb=False)
    ok = CliRunner().invoke(app, ["scaffold", str(two), "--loss", "focal"])
    assert ok.exit_code == 0, ok.stderr
    assert "keras.losses.BinaryFocalCrossentropy()" in ok.stdout
    assert "def tune_threshold(" in ok.stdout and "confusion_matrix.png" in ok.stdout


def test_plots_are_skipped_with_a_note_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    values = [round(100 + 7.5 * i, 2) for i in range(60)]
    script = render(write_csv(tmp_path / "y.csv", "price", values), features(tmp_path, 60))
    save_plots = script_function(script, "save_plots", Path=Path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    y = np.arange(6, dtype="float32").reshape(-1, 1)
    save_plots({"loss": [1.0], "val_loss": [1.0]}, y, y, tmp_path)
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.png"))


def test_plots_of_a_regression_script(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    values = [round(100 + 7.5 * i, 2) for i in range(60)]
    script = render(write_csv(tmp_path / "y.csv", "price", values), features(tmp_path, 60))

    class Metric:
        name = "root_mean_squared_error"

    save_plots = script_function(
        script, "save_plots", Path=Path, make_metrics=lambda: [Metric()], TARGET_COLUMNS=["price"]
    )
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
    history |= {"root_mean_squared_error": [1.0, 0.7], "val_root_mean_squared_error": [1.0, 0.8]}
    y = np.arange(20, dtype="float32").reshape(-1, 1)
    save_plots(history, y, y + 1, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "learning_curves.png",
        "predicted_vs_actual.png",
    ]
