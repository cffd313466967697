"""End to end: render a script for every layout in ``sample_data/``, train it with TensorFlow,
and check what it saved; build the wheel and scaffold from it.

All marked ``slow``: ``python -m pytest -m slow tests/test_scaffold_e2e.py``. Each case is one
TensorFlow run of a few seconds (400 rows, early stopping, at most ``EPOCHS`` epochs), and all
the assertions about a run share it.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from outhead.render import ScaffoldOptions
from outhead.scaffold import ScaffoldResult, scaffold_script
from tests.conftest import ROOT, case_runs

pytestmark = pytest.mark.slow

EPOCHS = 25
#: Metrics where higher is better; every other metric (and the loss) must be lower.
HIGHER_IS_BETTER = {
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "auc",
    "precision",
    "recall",
}


@dataclass(frozen=True)
class E2E:
    """One scaffold run: the files, the options, and the head issue 2's table calls for."""

    name: str
    target: str
    features: str | None
    head: tuple[int, str, str]
    """(units, activation, loss class) of the saved model."""
    target_columns: tuple[str, ...] = ()
    options: ScaffoldOptions = field(default_factory=ScaffoldOptions)
    from_logits: bool = False


CASES = [
    E2E("regression", "house_prices.csv", "house_features.csv", (1, "linear", "MeanSquaredError")),
    E2E(
        "regression-parquet",
        "house_prices.parquet",
        "house_features.parquet",
        (1, "linear", "MeanSquaredError"),
    ),
    E2E("bounded", "engine_health.csv", "engine_features.csv", (1, "sigmoid", "MeanSquaredError")),
    E2E(
        "multi-regression",
        "building_loads.csv",
        "building_features.csv",
        (2, "linear", "MeanSquaredError"),
    ),
    E2E(
        "binary",
        "machine_failure.csv",
        "machine_features.csv",
        (1, "sigmoid", "BinaryCrossentropy"),
    ),
    E2E(
        "binary-onehot",
        "machine_failure_onehot.csv",
        "machine_features.csv",
        (2, "softmax", "CategoricalCrossentropy"),
    ),
    E2E(
        "binary-strings",
        "machine_failure_yesno.csv",
        "machine_features.csv",
        (1, "sigmoid", "BinaryCrossentropy"),
    ),
    E2E(
        "multiclass-strings",
        "noble_gas.csv",
        "gas_features.csv",
        (6, "softmax", "SparseCategoricalCrossentropy"),
    ),
    E2E(
        "multiclass-1-based",
        "noble_gas_period.csv",
        "gas_features.csv",
        (6, "softmax", "SparseCategoricalCrossentropy"),
    ),
    E2E(
        "onehot",
        "noble_gas_onehot.csv",
        "gas_features.csv",
        (6, "softmax", "CategoricalCrossentropy"),
    ),
    E2E(
        "multihot",
        "noble_gas_presence.csv",
        "mixture_features.csv",
        (6, "sigmoid", "BinaryCrossentropy"),
    ),
    E2E(
        "label-sets",
        "noble_gas_sets.csv",
        "mixture_features.csv",
        (6, "sigmoid", "BinaryCrossentropy"),
    ),
    E2E(
        "probabilities",
        "noble_gas_fractions.csv",
        "fraction_features.csv",
        (6, "softmax", "CategoricalCrossentropy"),
    ),
    E2E(
        "table",
        "machines_table.csv",
        None,
        (1, "sigmoid", "BinaryCrossentropy"),
        target_columns=("failed",),
    ),
    E2E(
        "from-logits-binary-npy",
        "machine_failure.npy",
        "machine_features.npy",
        (1, "linear", "BinaryCrossentropy"),
        options=ScaffoldOptions(from_logits=True),
        from_logits=True,
    ),
    E2E(
        "from-logits-multihot-npy",
        "noble_gas_presence.npy",
        "mixture_features.csv",
        (6, "linear", "BinaryCrossentropy"),
        options=ScaffoldOptions(from_logits=True),
        from_logits=True,
    ),
    E2E(
        "two-node",
        "machine_failure_yesno.csv",
        "machine_features.csv",
        (2, "softmax", "SparseCategoricalCrossentropy"),
        options=ScaffoldOptions(two_node=True),
    ),
    E2E(
        "table-stream",
        "machines_table.csv",
        None,
        (1, "sigmoid", "BinaryCrossentropy"),
        target_columns=("failed",),
        options=ScaffoldOptions(stream=True),
    ),
    E2E(
        "distribute",
        "noble_gas.csv",
        "gas_features.csv",
        (6, "softmax", "SparseCategoricalCrossentropy"),
        options=ScaffoldOptions(distribute=True),
    ),
]


@dataclass
class Run:
    case: E2E
    result: ScaffoldResult
    script: Path
    out: Path
    proc: subprocess.CompletedProcess[str]


def script_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    env.pop("TF_CONFIG", None)
    return env


def run_case(case: E2E, folder: Path, data: Path | None = None) -> Run:
    """Scaffold from the data's folder (the repository) into ``folder``, run from ``folder``.

    The paths are typed relative to the data's folder, as a user there would type them; the
    script, written elsewhere (``--out``), must find them from its own folder.
    """
    data = data or ROOT
    folder.mkdir(parents=True, exist_ok=True)
    cwd = Path.cwd()
    os.chdir(data)
    try:
        result = scaffold_script(
            f"sample_data/{case.target}" if data == ROOT else case.target,
            target_columns=case.target_columns or None,
            features_path=(
                None
                if case.features is None
                else f"sample_data/{case.features}"
                if data == ROOT
                else case.features
            ),
            options=case.options,
            script_dir=str(folder),
        )
    finally:
        os.chdir(cwd)
    script = folder / "train.py"
    script.write_text(result.script, encoding="utf-8")
    out = folder / "out"
    proc = run_script(script, "--epochs", str(EPOCHS), "--output-dir", str(out), cwd=folder)
    return Run(case, result, script, out, proc)


def run_script(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


runs = case_runs(CASES, run_case)


def load_model(keras: Any, path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.saving.load_model(path)


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"train_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_script_trains_and_beats_the_baseline(case: E2E, runs: Any, keras: Any) -> None:
    run = runs(case.name)
    assert run.proc.returncode == 0, run.proc.stdout[-3000:] + run.proc.stderr[-3000:]
    assert "test split" in run.proc.stdout and "baseline" in run.proc.stdout

    # The saved model ends in the recommended head, and records the recommended loss.
    model = load_model(keras, run.out / "model.keras")
    config = model.layers[-1].get_config()
    plan = run.result.plan
    assert (config["units"], config["activation"], type(model.loss).__name__) == case.head
    assert (config["units"], config["activation"]) == (plan.units, plan.activation)
    assert type(model.loss).__name__ == plan.loss_class
    assert model.loss.get_config().get("from_logits", False) is case.from_logits

    # metrics.json: the Keras names of the recommended metrics, each better than the baseline.
    metrics = json.loads((run.out / "metrics.json").read_text())
    assert metrics["task"] == run.result.recommendation.task.value
    names = {"loss", *(m.name for m in plan.metrics)}
    assert names <= set(metrics["test"]) and set(metrics["test"]) == set(metrics["baseline"])
    for name, value in metrics["test"].items():
        baseline = metrics["baseline"][name]
        if name in HIGHER_IS_BETTER:
            assert value > baseline, (name, value, baseline)
        else:
            assert value < baseline, (name, value, baseline)

    labels = json.loads((run.out / "labels.json").read_text())
    layout = run.result.recommendation.layout
    assert labels["classes"] == (list(layout.classes) if layout.classes is not None else None)
    assert labels["from_logits"] is case.from_logits


@pytest.mark.parametrize(
    "name", ["table", "regression", "from-logits-multihot-npy", "table-stream"]
)
def test_predict_labels_on_the_saved_model(name: str, runs: Any, keras: Any) -> None:
    run = runs(name)
    case = run.case
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    module = load_script(run.script)
    model = load_model(keras, run.out / "model.keras")
    labels = json.loads((run.out / "labels.json").read_text())
    cwd = Path.cwd()
    os.chdir(run.script.parent.parent)  # the default data paths hold wherever one runs from
    try:
        if case.features is None:
            features = module.load_table(module.DATA_FILE)[module.FEATURE_COLUMNS]
            target = module.load_table(module.DATA_FILE)[module.TARGET_COLUMNS]
        else:
            # One shared reader when both files are read the same way, else one each.
            shared = getattr(module, "load_file", None)
            features = (shared or module.load_features)(module.FEATURES_FILE)
            target = (shared or module.load_target)(module.TARGET_FILE)[module.TARGET_COLUMNS]
    finally:
        os.chdir(cwd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = module.predict_labels(model, features.iloc[:40], labels)
    assert len(predicted) == 40
    if labels["decision"] == "threshold":
        truth = target.iloc[:40, 0].tolist()
        assert set(predicted) <= set(labels["classes"])
        assert sum(p == t for p, t in zip(predicted, truth, strict=True)) >= 30
    elif labels["decision"] == "per-label-threshold":
        assert all(isinstance(p, tuple) and set(p) <= set(labels["classes"]) for p in predicted)
        truth = [
            tuple(c for c, v in zip(labels["classes"], row, strict=True) if v == 1)
            for row in target.iloc[:40].to_numpy()
        ]
        assert sum(p == t for p, t in zip(predicted, truth, strict=True)) >= 30
    else:
        truth = target.iloc[:40, 0].to_numpy()
        errors = [abs(p - t) / abs(t) for p, t in zip(predicted, truth, strict=True)]
        assert sorted(errors)[20] < 0.15  # the median error is within 15 % of the price


def test_same_seed_same_scores(runs: Any, tmp_path: Path) -> None:
    first = runs("multiclass-1-based")
    second = run_case(first.case, tmp_path)
    assert first.proc.returncode == second.proc.returncode == 0
    assert (first.out / "metrics.json").read_text() == (second.out / "metrics.json").read_text()


def test_wheel_ships_the_templates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = dist.glob("outhead-*.whl")

    # A clean venv with only the wheel installed; its dependencies are borrowed from this
    # interpreter's site-packages through a .pth file (offline, and a few seconds instead of a
    # download), while the source checkout stays off sys.path.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_outhead_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "work"
    work.mkdir()
    for name in ("noble_gas.csv", "gas_features.csv"):
        (work / name).write_bytes((ROOT / "sample_data" / name).read_bytes())
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import outhead, outhead.render as r; print(outhead.__file__); "
            "print(r.templates_dir())",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    module_file, templates = where.stdout.split("\n")[:2]
    assert module_file.startswith(str(venv)) and templates.startswith(str(venv))
    for name in ("train.py.jinja", "train_images.py.jinja", "_common.py.jinja"):
        assert Path(templates, name).is_file(), name  # the image script's templates too
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "outhead",
            "scaffold",
            "noble_gas.csv",
            "--features",
            "gas_features.csv",
            "--out",
            "train.py",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote train.py" in proc.stderr
    ast.parse((work / "train.py").read_text())


# --- baseline, label sets with empty cells, a pandas index, missing files -------------------


def test_baseline_top_k_counts_the_k_most_frequent_classes(keras: Any, tmp_path: Path) -> None:
    """Balanced classes tie in the prior; top-k must not count every tied class as a hit."""
    import numpy as np

    from outhead.render import render_script
    from tests.scaffold_cases import CASES as HAND_BUILT

    case = HAND_BUILT["topk"]
    script = tmp_path / "train.py"
    script.write_text(
        render_script(case.recommendation, target_source=case.target, features=case.features)
    )
    module = load_script(script)
    y = np.repeat(np.arange(12), 10)  # every class 10 times
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = module.score(y, module.baseline_outputs(y, len(y)))
    # The 5 top-ranked classes are 0..4 (ties broken by id): 5 of 12 rows in each class's turn.
    assert scores["sparse_top_k_categorical_accuracy"] == pytest.approx(5 / 12)
    assert scores["sparse_categorical_accuracy"] == pytest.approx(1 / 12)
    assert scores["loss"] == pytest.approx(np.log(12), rel=1e-3)


@pytest.fixture(scope="module")
def odd_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Label sets with empty cells, and features saved by pandas (index column first)."""
    folder = tmp_path_factory.mktemp("odd_data")
    lines = (ROOT / "sample_data" / "noble_gas_sets.csv").read_text().splitlines()
    # Every fifth row has no label at all: an empty cell.
    rows = [line if i % 5 else "" for i, line in enumerate(lines[1:])]
    (folder / "sets.csv").write_text("\n".join([lines[0], *rows]) + "\n")
    features = (ROOT / "sample_data" / "mixture_features.csv").read_text().splitlines()
    indexed = [f",{features[0]}"] + [f"{i},{line}" for i, line in enumerate(features[1:])]
    (folder / "X.csv").write_text("\n".join(indexed) + "\n")
    return folder


def test_label_sets_with_empty_cells_train_on_every_row(odd_data: Path, tmp_path: Path) -> None:
    case = E2E("label-sets-empty", "sets.csv", "X.csv", (6, "sigmoid", "BinaryCrossentropy"))
    run = run_case(case, tmp_path / "run", data=odd_data)
    assert run.proc.returncode == 0, run.proc.stdout[-3000:] + run.proc.stderr[-3000:]
    assert "leaving out" not in run.proc.stdout
    assert "rows: 240 train, 80 validation, 80 test" in run.proc.stdout
    assert "unnamed_0" not in run.proc.stdout  # the pandas index is not a feature
    assert "line_00 (numeric)" in run.proc.stdout
    metrics = json.loads((run.out / "metrics.json").read_text())
    assert metrics["test"]["auc"] > metrics["baseline"]["auc"]


def test_a_missing_data_file_stops_with_one_line(runs: Any) -> None:
    run = runs("multiclass-strings")
    proc = run_script(run.script, "--target-file", "nowhere.csv", cwd=run.script.parent)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "error: nowhere.csv: no such file; pass its location with --target-file"
    assert "Traceback" not in proc.stderr
