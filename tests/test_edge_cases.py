"""Edge cases from the peers' own test suites (scikit-learn, AutoGluon, AutoKeras, Ludwig, dabl)
and from bundled data sets of statistics packages, each written as the file a user would have
and read through the CLI (Typer's runner) or :func:`outhead.api.infer_target`.

Then their neighbours: tiny targets of every layout (1 to 5 rows), generated with Hypothesis,
read the sensible way or refused with one clear line, never a crash.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from outhead.api import infer_target
from outhead.cli import app
from outhead.errors import EmptyTargetError, TargetError
from outhead.layout import LayoutKind, Task
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "inspect.schema.json").read_text())
ERROR_SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "error.schema.json").read_text())


def inspect_json(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, ["inspect", *args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    return doc


def refused(runner: CliRunner, path: Path, *words: str) -> str:
    """Assert ``inspect path`` is refused with one line naming the file; return that line."""
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith(f"error: {path}: ") and "\n" not in err, err
    assert "Traceback" not in err and result.stdout == ""
    for word in words:
        assert word in err, err
    doc = json.loads(runner.invoke(app, ["inspect", str(path), "--json"]).stdout)
    jsonschema.validate(doc, ERROR_SCHEMA)
    return err


def small_sample_said(doc: dict) -> bool:
    return any(w["code"] == "small-sample" for w in doc["warnings"])


# ---------------------------------------------------------------------------------------------
# Tiny targets of class ids
# ---------------------------------------------------------------------------------------------


def _tiny_ids(tmp_path: Path) -> dict[str, Path]:
    files = {
        "ints.csv": "y\n1\n0\n2\n",
        "floats.csv": "y\n1.0\n0.0\n2.0\n",
        "no-header.csv": "1\n0\n2\n",
    }
    out = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        out[name] = tmp_path / name
    arrays = {
        "column.npy": np.array([[1], [0], [2]]),
        "int8.npy": np.array([1, 0, 2], dtype=np.int8),
        "uint8.npy": np.array([1, 0, 2], dtype=np.uint8),
        "float.npy": np.array([1.0, 0.0, 2.0]),
    }
    for name, arr in arrays.items():
        np.save(tmp_path / name, arr)
        out[name] = tmp_path / name
    return out


@pytest.mark.parametrize(
    "name",
    ["ints.csv", "floats.csv", "no-header.csv", "column.npy", "int8.npy", "uint8.npy",
     "float.npy"],
)
def test_tiny_class_ids_are_multiclass(runner: CliRunner, tmp_path: Path, name: str) -> None:
    path = _tiny_ids(tmp_path)[name]
    doc = inspect_json(runner, str(path))
    assert (doc["task"], doc["layout"], doc["units"]) == ("multiclass", "label-vector", 3)
    assert doc["loss"] == "sparse_categorical_crossentropy"
    assert doc["classes"] == [0, 1, 2]
    said = " ".join(doc["evidence"])
    assert "exactly 0..2 over only 3 rows" in said and "class ids" in said
    assert small_sample_said(doc)
    assert doc["runner_up_task"] == "regression"


def test_tiny_ids_that_are_not_0_to_k_stay_a_quantity(tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("y\n3\n7\n12\n")
    layout = infer_target(path)
    assert layout.task == Task.REGRESSION


# ---------------------------------------------------------------------------------------------
# Two distinct floats that are not a label pair
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"), [("y\n0\n0.5\n", "0 and 0.5"), ("y\n0.1\n0.6\n0.6\n", "0.1 and 0.6")]
)
def test_two_floats_that_are_not_labels_are_bounded(
    runner: CliRunner, tmp_path: Path, text: str, values: str
) -> None:
    path = tmp_path / "y.csv"
    path.write_text(text)
    doc = inspect_json(runner, str(path))
    assert (doc["task"], doc["layout"], doc["activation"]) == (
        "bounded-regression", "bounded", "sigmoid"
    )
    assert any(f"{values}, that are not a label pair" in e for e in doc["evidence"])
    assert doc["runner_up_task"] == "binary"
    assert small_sample_said(doc)


def test_two_floats_in_a_npy_are_bounded_and_binary_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "y.npy"
    np.save(path, np.array([0.0, 0.5] * 40))
    assert infer_target(path).kind == LayoutKind.BOUNDED
    forced = infer_target(path, task="binary")
    assert forced.task == Task.BINARY and forced.classes == (0, 0.5)


@pytest.mark.parametrize("pair", [(0, 1), (1, 2), (-1, 1), (0.1, 0.9), (0.05, 0.95)])
def test_label_pairs_stay_binary(tmp_path: Path, pair: tuple[float, float]) -> None:
    path = tmp_path / "y.csv"
    path.write_text("y\n" + "".join(f"{pair[i % 2]}\n" for i in range(40)))
    assert infer_target(path).task == Task.BINARY


# ---------------------------------------------------------------------------------------------
# One row, nothing to learn
# ---------------------------------------------------------------------------------------------


def test_one_row_of_two_columns_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("c0,c1\n1,2\n")
    refused(runner, path, "only 1 data row")


@pytest.mark.parametrize("text", ["y\n0.25\n", "a,b,c\n\n1,2,3\n", "a,b,c\n1,2,3\n\n"])
def test_one_data_row_is_refused(runner: CliRunner, tmp_path: Path, text: str) -> None:
    # A header, an empty line, one row of 3 numbers: not a 3-output regression.
    path = tmp_path / "y.csv"
    path.write_text(text)
    refused(runner, path, "only 1 data row")


def test_one_row_npy_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "y.npy"
    np.save(path, np.array([[0.2, 0.3, 0.5]]))
    refused(runner, path, "only 1 data row")


def test_a_matrix_of_identical_rows_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("a,b,c\n" + "0,1,0\n" * 20)
    refused(runner, path, "every target column holds a single value", "nothing to learn")


def test_a_matrix_of_1s_and_2s_is_not_an_indicator(tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("c0,c1\n" + "1,2\n2,1\n2,2\n1,1\n" * 10)
    assert infer_target(path).kind == LayoutKind.MULTI_CONTINUOUS


# ---------------------------------------------------------------------------------------------
# check --expect regression on digit labels
# ---------------------------------------------------------------------------------------------


def test_check_expecting_a_quantity_of_digit_labels_warns(
    runner: CliRunner, tmp_path: Path
) -> None:
    labels = np.repeat(np.arange(10), 180)[:1797]
    np.random.default_rng(0).shuffle(labels)
    path = tmp_path / "digits_y.npy"
    np.save(path, labels)
    result = runner.invoke(app, ["check", str(path), "--expect", "regression"])
    assert result.exit_code == 0, result.output
    assert "warning OH107" in result.stdout
    assert "inspect reads the target as multiclass (label-vector, 10 classes)" in result.stdout
    assert "10 distinct whole numbers from 0 to 9" in result.stdout
    strict = runner.invoke(app, ["check", str(path), "--expect", "regression", "--strict"])
    assert strict.exit_code == 1
    doc = json.loads(
        runner.invoke(app, ["check", str(path), "--expect", "regression", "--json"]).stdout
    )
    (finding,) = doc["files"][0]["findings"]
    assert (finding["code"], finding["severity"]) == ("OH107", "warning")
    # What inspect says first is still the first reading, and regression its runner-up.
    assert inspect_json(runner, str(path))["runner_up_task"] == "regression"


def test_check_expecting_what_inspect_reads_has_no_finding(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "digits_y.npy"
    np.save(path, np.repeat(np.arange(10), 50))
    result = runner.invoke(app, ["check", str(path), "--expect", "multiclass"])
    assert result.exit_code == 0 and "OH107" not in result.stdout


# ---------------------------------------------------------------------------------------------
# Headers made of numbers
# ---------------------------------------------------------------------------------------------


def _one_hot_rows(k: int, n: int, seed: int = 0, drop_first: bool = False) -> list[list[int]]:
    rng = random.Random(seed)
    picks = list(range(k)) + [rng.randrange(k) for _ in range(n - k)]
    rows = [[1 if p == i else 0 for i in range(k)] for p in picks]
    return [r[1:] for r in rows] if drop_first else rows


def _write(path: Path, header: list[object], rows: list[list[object]]) -> Path:
    lines = [",".join(map(str, header))] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_years_as_a_header_of_a_one_hot_matrix(runner: CliRunner, tmp_path: Path) -> None:
    years = list(range(1960, 2011))
    path = _write(tmp_path / "years.csv", years, _one_hot_rows(len(years), 300))
    doc = inspect_json(runner, str(path))
    assert (doc["layout"], doc["units"], doc["n_rows"]) == ("one-hot", 51, 300)
    assert doc["classes"][:2] == ["1960", "1961"]
    assert any("numbers that no row below can hold" in r for r in doc["reading"])
    picked = inspect_json(runner, str(path), "-c", "2010")
    assert picked["columns"] == ["2010"] and picked["task"] == "binary"


def test_integer_codes_as_a_header(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path / "codes.csv", [0, 1, 2, 3], _one_hot_rows(4, 80))
    doc = inspect_json(runner, str(path))
    assert (doc["layout"], doc["units"], doc["classes"]) == ("one-hot", 4, ["0", "1", "2", "3"])
    path = _write(tmp_path / "codes5.csv", [1, 2, 3, 4, 5], _one_hot_rows(5, 80))
    assert inspect_json(runner, str(path))["layout"] == "one-hot"


@pytest.mark.parametrize("header", [[0, 1, 2, 3], [1, 2, 3, 4], [1960, 1970, 1980, 1990]])
def test_boolean_dummies_under_a_numeric_header(
    runner: CliRunner, tmp_path: Path, header: list[int]
) -> None:
    rows = [[v == 1 for v in r] for r in _one_hot_rows(4, 80)]
    path = _write(tmp_path / "dummies.csv", header, rows)
    doc = inspect_json(runner, str(path))
    assert (doc["layout"], doc["units"]) == ("one-hot", 4)
    assert doc["classes"] == [str(h) for h in header]


def test_a_data_row_of_0_and_1_is_not_a_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "y.csv", [0, 1], _one_hot_rows(2, 40)[1:])
    layout = infer_target(path)
    assert layout.n_rows == 40 and layout.columns == ("0", "1")


# ---------------------------------------------------------------------------------------------
# A missing-cell word that is a label
# ---------------------------------------------------------------------------------------------


def test_none_beside_some_and_marked_is_a_label(runner: CliRunner, tmp_path: Path) -> None:
    rng = random.Random(1)
    cells = ["None", "Some", "Marked"] * 28
    rng.shuffle(cells)
    path = tmp_path / "arthritis.csv"
    path.write_text("Improved\n" + "\n".join(cells) + "\n")
    doc = inspect_json(runner, str(path))
    assert (doc["task"], doc["units"]) == ("multiclass", 3)
    assert sorted(doc["classes"]) == ["Marked", "None", "Some"]
    codes = [w["code"] for w in doc["warnings"]]
    assert "label-not-missing" in codes and "missing-values" not in codes
    assert any("'None' is a label here" in e for e in doc["evidence"])


def test_none_as_a_few_cells_of_yes_no_is_missing(tmp_path: Path) -> None:
    cells = ["yes", "no"] * 50
    cells[::20] = ["None"] * 5
    path = tmp_path / "y.csv"
    path.write_text("y\n" + "\n".join(cells) + "\n")
    layout = infer_target(path)
    assert layout.task == Task.BINARY
    assert layout.stats is not None and layout.stats.columns[0].n_missing == 5
    assert any(d.code == "missing-values" for d in layout.diagnostics)


def test_none_as_a_label_keeps_the_other_missing_rows(tmp_path: Path) -> None:
    cells = ["None", "Some", "Marked"] * 20
    cells[4] = ""
    path = tmp_path / "y.csv"
    path.write_text("y\n" + "\n".join(cells) + "\n")
    col = infer_target(path).stats.columns[0]  # type: ignore[union-attr]
    assert (col.n_missing, col.missing_rows, col.label_tokens) == (1, (4,), ("None",))
    assert col.counts == {"Marked": 20, "None": 20, "Some": 19}


# ---------------------------------------------------------------------------------------------
# Drop-first dummies
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [3, 4, 6])  # k = 2 leaves one column: a binary label
def test_drop_first_dummies_are_exclusive_classes(
    runner: CliRunner, tmp_path: Path, k: int
) -> None:
    names = [f"colour_{c}" for c in "bcdef"[: k - 1]]
    path = _write(tmp_path / "y.csv", names, _one_hot_rows(k, 150, drop_first=True))
    doc = inspect_json(runner, str(path))
    assert (doc["task"], doc["layout"], doc["units"]) == ("multiclass", "one-hot", k)
    assert doc["classes"] == ["colour_(dropped)", *names]
    assert doc["loss"] == "categorical_crossentropy"
    assert doc["runner_up_task"] == "multilabel"
    assert any("drop_first" in e for e in doc["evidence"])
    assert "drop-first" in [w["code"] for w in doc["warnings"]]
    forced = inspect_json(runner, str(path), "--task", "multilabel")
    assert (forced["layout"], forced["units"]) == ("multi-hot", k - 1)
    forced = inspect_json(runner, str(path), "--task", "multiclass")
    assert (forced["layout"], forced["units"], forced["forced"]) == ("one-hot", k, True)


def test_drop_first_boolean_dummies_of_integer_codes(runner: CliRunner, tmp_path: Path) -> None:
    rows = [[v == 1 for v in r] for r in _one_hot_rows(4, 120, drop_first=True)]
    path = _write(tmp_path / "y.csv", [1, 2, 3], rows)
    doc = inspect_json(runner, str(path))
    assert (doc["layout"], doc["units"], doc["classes"]) == ("one-hot", 4, ["0", "1", "2", "3"])


def test_rare_independent_labels_stay_multi_hot(tmp_path: Path) -> None:
    # 3 labels on in 3% of the rows each: independent labels would rarely meet in one row.
    rows = [[0, 0, 0] for _ in range(100)]
    for i in range(3):
        for r in (i * 7, i * 7 + 40, i * 7 + 80):
            rows[r][i] = 1
    path = _write(tmp_path / "y.csv", ["a", "b", "c"], rows)
    layout = infer_target(path)
    assert layout.kind == LayoutKind.MULTI_HOT and layout.runner_up_task == Task.MULTICLASS


def test_drop_first_scaffold_restores_the_dropped_column(
    runner: CliRunner, tmp_path: Path
) -> None:
    rows = _one_hot_rows(3, 60, drop_first=True)
    table = [[i % 7, *r] for i, r in enumerate(rows)]
    path = _write(tmp_path / "table.csv", ["x", "k_b", "k_c"], table)
    out = tmp_path / "train.py"
    result = runner.invoke(
        app, ["scaffold", str(path), "-t", "k_b", "-t", "k_c", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    script = script_functions(out)
    assert script["CLASSES"] == ["k_(dropped)", "k_b", "k_c"]
    target = script["load_table"](str(path))[["k_b", "k_c"]]
    y = script["encode_target"](target)
    assert y.shape == (60, 3) and (y.sum(axis=1) == 1).all()
    assert y[:, 0].tolist() == [float(not any(r)) for r in rows]


def script_functions(script: Path) -> dict:
    """The constants and functions of a scaffolded script, without importing Keras."""
    text = script.read_text()
    text = text[: text.index("\ndef main(")]
    text = text.replace("import keras\n", "").replace("import tensorflow as tf\n", "")
    namespace: dict = {"__name__": "scaffolded"}
    exec(compile(text, str(script), "exec"), namespace)
    return namespace


def test_none_label_scaffold_keeps_it_in_the_target_only(
    runner: CliRunner, tmp_path: Path
) -> None:
    labels = ["None", "Some", "Marked"] * 20
    lines = ["dose,age,improved"]
    lines += [f"{i % 5 if i % 9 else 'None'},{30 + i},{lab}" for i, lab in enumerate(labels)]
    path = tmp_path / "arthritis.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "train.py"
    result = runner.invoke(app, ["scaffold", str(path), "-t", "improved", "--out", str(out)])
    assert result.exit_code == 0, result.output
    script = script_functions(out)
    assert script["LABEL_TOKENS"] == ["None"]
    table = script["load_table"](str(path))
    assert table["improved"].value_counts().to_dict() == {"None": 20, "Some": 20, "Marked": 20}
    assert table["dose"].dtype.kind == "f" and table["dose"].isna().sum() == 7
    ids = script["encode_target"](table[["improved"]])
    assert sorted(set(ids.tolist())) == [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# Neighbours: tiny targets of every layout, 1 to 5 rows
# ---------------------------------------------------------------------------------------------

TINY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _tiny_cells(kind: str, n: int, draw: st.DrawFn) -> list[list[object]]:
    """``n`` rows of one target layout, as the cells of a CSV (without the header)."""
    if kind == "ids":
        return [[draw(st.integers(0, 4))] for _ in range(n)]
    if kind == "ints":
        return [[draw(st.integers(-1000, 1000))] for _ in range(n)]
    if kind == "reals":
        return [[draw(st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)))]
                for _ in range(n)]
    if kind == "unit":
        return [[draw(st.floats(0, 1).map(lambda v: round(v, 3)))] for _ in range(n)]
    if kind == "text":
        return [[draw(st.sampled_from(["cat", "dog", "bird"]))] for _ in range(n)]
    if kind == "bools":
        return [[draw(st.booleans())] for _ in range(n)]
    if kind == "sets":
        return [["|".join(draw(st.lists(st.sampled_from("ABC"), min_size=1, max_size=3,
                                        unique=True)))] for _ in range(n)]
    k = draw(st.integers(2, 4))
    if kind == "one-hot":
        picks = [draw(st.integers(0, k - 1)) for _ in range(n)]
        return [[int(p == i) for i in range(k)] for p in picks]
    if kind == "multi-hot":
        return [[draw(st.integers(0, 1)) for _ in range(k)] for _ in range(n)]
    if kind == "probabilities":
        rows = []
        for _ in range(n):
            w = [draw(st.integers(1, 9)) for _ in range(k)]
            rows.append([round(x / sum(w), 4) for x in w])
        return rows
    return [[draw(st.floats(-50, 50).map(lambda v: round(v, 2))) for _ in range(k)]
            for _ in range(n)]


def _value(cell: object) -> object:
    """A cell as outhead compares it: numbers by value (-0.0 is 0), the rest as text."""
    try:
        return float(str(cell))
    except ValueError:
        return str(cell)


KINDS = ["ids", "ints", "reals", "unit", "text", "bools", "sets", "one-hot", "multi-hot",
         "probabilities", "multi-regression"]


@TINY
@given(kind=st.sampled_from(KINDS), n=st.integers(1, 5), data=st.data())
def test_property_tiny_targets_read_sensibly_or_are_refused(
    tmp_path_factory: pytest.TempPathFactory, kind: str, n: int, data: st.DataObject
) -> None:
    rows = _tiny_cells(kind, n, data.draw)
    width = len(rows[0])
    header = ["y"] if width == 1 else [f"c{j}" for j in range(width)]
    path = _write(tmp_path_factory.mktemp("tiny") / "y.csv", header, rows)
    try:
        layout = infer_target(path, header=True)
    except (TargetError, EmptyTargetError) as exc:
        # Refused only when there is nothing to learn: one row, or the same row throughout.
        assert n == 1 or len({tuple(map(_value, r)) for r in rows}) == 1, (rows, exc)
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    assert n >= 2
    # The sample is said to be small, whatever the reading.
    assert any(d.code == "small-sample" for d in layout.diagnostics)
    assert layout.n_rows == n
    values = {str(r[0]) for r in rows}
    if kind in ("text", "bools"):
        assert layout.kind == LayoutKind.LABEL_VECTOR
        assert layout.task == (Task.BINARY if len(values) == 2 else Task.MULTICLASS)
    elif kind == "sets":
        assert layout.task in (Task.MULTILABEL, Task.BINARY, Task.MULTICLASS)
    elif kind == "ids":
        ids = sorted({int(r[0]) for r in rows})
        if len(ids) == 2 or ids == list(range(len(ids))):
            assert layout.is_classification and layout.n_outputs in (1, len(ids))
    elif kind == "unit":
        # Within [0, 1]: a bounded quantity, unless the values are a label pair (0/1).
        assert layout.task in (Task.BOUNDED_REGRESSION, Task.BINARY, Task.MULTICLASS)
        if not all(float(v).is_integer() for v in values):
            # ... or a pair of smoothed labels such as 0.1 / 0.9
            pair = sorted(map(float, values))
            smoothed = len(pair) == 2 and math.isclose(sum(pair), 1.0) and pair[0] <= 0.2
            assert layout.task == (Task.BINARY if smoothed else Task.BOUNDED_REGRESSION)
    elif kind == "reals" and not all(float(v).is_integer() for v in values):
        assert layout.task in (Task.REGRESSION, Task.BOUNDED_REGRESSION)
        assert len(values) > 2 or layout.task != Task.BINARY
    elif kind == "one-hot":
        assert layout.kind in (LayoutKind.ONE_HOT, LayoutKind.PROBABILITIES)
        assert layout.task == Task.MULTICLASS
    elif kind == "multi-hot":
        assert layout.kind in (LayoutKind.ONE_HOT, LayoutKind.MULTI_HOT)
    elif kind == "probabilities":
        assert layout.kind == LayoutKind.PROBABILITIES
    elif kind == "multi-regression" and not all(float(v).is_integer() for r in rows for v in r):
        assert layout.kind in (LayoutKind.MULTI_CONTINUOUS, LayoutKind.PROBABILITIES)


@pytest.mark.parametrize(
    ("pair", "task"), [((0.2, 0.8), Task.BINARY), ((0.3, 0.7), Task.BOUNDED_REGRESSION)]
)
def test_smoothed_label_pairs(tmp_path: Path, pair: tuple[float, float], task: Task) -> None:
    path = tmp_path / "y.csv"
    path.write_text("y\n" + "".join(f"{pair[i % 2]}\n" for i in range(3)))
    assert infer_target(path).task == task


@pytest.mark.slow
@pytest.mark.parametrize("case", ["drop-first", "none-label"])
def test_scaffolded_script_learns_the_edge_case(tmp_path: Path, case: str) -> None:
    """Drop-first dummies and a ``None`` label, in one table with features that carry the
    class: the rendered script trains with TensorFlow and beats the baseline."""
    from tests.test_scaffold_e2e import E2E, run_case

    rng = np.random.default_rng(5)
    n = 400
    x = rng.normal(size=(n, 3))
    cls = np.argmax(x @ rng.normal(size=(3, 3)) + 0.3 * rng.normal(size=(n, 3)), axis=1)
    data = tmp_path / "data"
    data.mkdir()
    header = ["x1", "x2", "x3"]
    if case == "drop-first":
        columns: tuple[str, ...] = ("k_b", "k_c")
        rows = [[*map(float, xs), int(c == 1), int(c == 2)] for xs, c in zip(x, cls, strict=True)]
        head = (3, "softmax", "CategoricalCrossentropy")
    else:
        columns = ("improved",)
        names = np.array(["None", "Some", "Marked"])
        rows = [[*map(float, xs), names[c]] for xs, c in zip(x, cls, strict=True)]
        head = (3, "softmax", "SparseCategoricalCrossentropy")
    _write(data / "table.csv", [*header, *columns], rows)
    run = run_case(E2E(case, "table.csv", None, head, target_columns=columns), tmp_path / "run",
                   data=data)
    assert run.proc.returncode == 0, run.proc.stdout[-3000:] + run.proc.stderr[-3000:]
    assert run.result.recommendation.layout.n_outputs == 3
    metrics = json.loads((run.out / "metrics.json").read_text())
    accuracy = next(k for k in metrics["test"] if k.endswith("categorical_accuracy"))
    assert metrics["test"][accuracy] > metrics["baseline"][accuracy] + 0.2
    labels = json.loads((run.out / "labels.json").read_text())
    assert len(labels["classes"]) == 3


@pytest.mark.parametrize(
    ("names", "dropped"),
    [
        (("colour_g", "colour_r"), "colour_(dropped)"),
        (("b", "c", "d"), "(dropped)"),
        (("1", "2", "3"), "0"),
        (("1961", "1962"), "1960"),
        (("2", "5"), "(dropped)"),
        (("(dropped)", "x"), "_(dropped)"),
    ],
)
def test_dropped_class_names(names: tuple[str, ...], dropped: str) -> None:
    from outhead.layout.rules import _dropped_name

    assert _dropped_name(names) == dropped


def test_chance_of_overlap() -> None:
    from outhead.layout.rules import _chance_of_overlap

    assert _chance_of_overlap((50, 50), 100) == pytest.approx(0.25)
    assert _chance_of_overlap((10, 0, 0), 100) == 0.0
    assert _chance_of_overlap((), 0) == 0.0
