"""``outhead inspect`` through Typer's runner: every layout from CSV, NPY and Parquet, the JSON
schema, bad input, and what the command must never import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from outhead.cli import app
from tests.conftest import ROOT, SAMPLE_DATA

SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "inspect.schema.json").read_text())
ERROR_SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "error.schema.json").read_text())

rng = np.random.default_rng(7)
N = 240
GASES = np.array(["He", "Ne", "Ar", "Kr", "Xe", "Rn"])
_cls = rng.integers(0, 6, N)


def _targets() -> dict[str, tuple[dict[str, np.ndarray], str, int, str, str]]:
    """name -> (columns, task, units, activation, loss)."""
    onehot = np.eye(6, dtype=np.int64)[_cls]
    multihot = (rng.random((N, 6)) < 0.4).astype(np.int64)
    multihot[0] = 1
    probs = rng.dirichlet(np.ones(4), N)
    return {
        "regression": ({"price": rng.normal(3e5, 5e4, N)}, "regression", 1, "linear",
                       "mean_squared_error"),
        "bounded": ({"health": rng.random(N)}, "bounded-regression", 1, "sigmoid",
                    "mean_squared_error"),
        "multi-regression": ({"a": rng.normal(0, 1, N), "b": rng.normal(9, 4, N)},
                             "regression", 2, "linear", "mean_squared_error"),
        "binary": ({"failure": rng.integers(0, 2, N)}, "binary", 1, "sigmoid",
                   "binary_crossentropy"),
        "multiclass-int": ({"digit": rng.integers(0, 10, N)}, "multiclass", 10, "softmax",
                           "sparse_categorical_crossentropy"),
        "multiclass-str": ({"gas": GASES[_cls]}, "multiclass", 6, "softmax",
                           "sparse_categorical_crossentropy"),
        "one-hot": ({g: onehot[:, i] for i, g in enumerate(GASES)}, "multiclass", 6, "softmax",
                    "categorical_crossentropy"),
        "multi-hot": ({g: multihot[:, i] for i, g in enumerate(GASES)}, "multilabel", 6,
                      "sigmoid", "binary_crossentropy"),
        "probabilities": ({f"p{i}": probs[:, i] for i in range(4)}, "multiclass", 4, "softmax",
                          "categorical_crossentropy"),
    }


TARGETS = _targets()


def _write(kind: str, name: str, cols: dict[str, np.ndarray], tmp: Path) -> Path:
    if kind == "csv":
        path = tmp / f"{name}.csv"
        names = list(cols)
        lines = [",".join(names)]
        for i in range(N):
            lines.append(",".join(str(cols[c][i]) for c in names))
        path.write_text("\n".join(lines) + "\n")
    elif kind == "npy":
        path = tmp / f"{name}.npy"
        arr = np.column_stack(list(cols.values())) if len(cols) > 1 else next(iter(cols.values()))
        np.save(path, arr)
    else:
        path = tmp / f"{name}.parquet"
        pq.write_table(pa.table({k: pa.array(v) for k, v in cols.items()}), path)
    return path


def _inspect_json(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, ["inspect", *args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    return doc


@pytest.mark.parametrize("kind", ["csv", "npy", "parquet"])
@pytest.mark.parametrize("name", list(TARGETS))
def test_every_layout_from_every_format(
    runner: CliRunner, tmp_path: Path, kind: str, name: str
) -> None:
    cols, task, units, activation, loss = TARGETS[name]
    path = _write(kind, name, cols, tmp_path)
    doc = _inspect_json(runner, str(path))
    assert (doc["task"], doc["units"], doc["activation"], doc["loss"]) == (
        task, units, activation, loss
    ), doc["evidence"]
    assert doc["n_rows"] == N
    assert doc["evidence"]


# What each shipped sample target must come out as.
SAMPLES = {
    "house_prices.csv": ("regression", "continuous", 1),
    "house_prices.parquet": ("regression", "continuous", 1),
    "engine_health.csv": ("bounded-regression", "bounded", 1),
    "building_loads.csv": ("regression", "multi-continuous", 2),
    "machine_failure.csv": ("binary", "label-vector", 1),
    "machine_failure.npy": ("binary", "label-vector", 1),
    "machine_failure_onehot.csv": ("multiclass", "one-hot", 2),
    "machine_failure_yesno.csv": ("binary", "label-vector", 1),
    "noble_gas.csv": ("multiclass", "label-vector", 6),
    "noble_gas.npy": ("multiclass", "label-vector", 6),
    "noble_gas_period.csv": ("multiclass", "label-vector", 6),
    "noble_gas_onehot.csv": ("multiclass", "one-hot", 6),
    "noble_gas_presence.csv": ("multilabel", "multi-hot", 6),
    "noble_gas_presence.npy": ("multilabel", "multi-hot", 6),
    "noble_gas_sets.csv": ("multilabel", "label-sets", 6),
    "noble_gas_fractions.csv": ("multiclass", "probabilities", 6),
    "shape_masks.npy": ("multiclass", "class-map", 3),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_data(runner: CliRunner, name: str) -> None:
    task, layout, units = SAMPLES[name]
    doc = _inspect_json(runner, str(SAMPLE_DATA / name))
    assert (doc["task"], doc["layout"], doc["units"]) == (task, layout, units), doc["evidence"]


def test_every_sample_target_is_covered() -> None:
    shipped = {
        p.name
        for p in SAMPLE_DATA.iterdir()
        if p.suffix in (".csv", ".npy", ".parquet")
        and "feature" not in p.name
        and not p.name.endswith("_table.csv")  # one table holding features and target
        and p.name != "shape_images.npy"  # features
    }
    assert shipped == set(SAMPLES)


def test_table_with_target_column(runner: CliRunner) -> None:
    doc = _inspect_json(runner, str(SAMPLE_DATA / "machines_table.csv"), "-c", "failed")
    assert doc["task"] == "binary" and doc["columns"] == ["failed"]


def test_human_output_has_every_section(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", str(SAMPLE_DATA / "noble_gas.csv")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for needle in (
        "Layout: label-vector → multiclass (6 classes)",
        "Recommended head",
        'keras.layers.Dense(6, activation="softmax")',
        "keras.losses.SparseCategoricalCrossentropy()",
        "keras.metrics.SparseCategoricalAccuracy()",
        "Alternatives",
        "from_logits=True",
        "Class counts",
        "█",
        "label-mapping",
    ):
        assert needle in out, needle


def test_stdin(runner: CliRunner) -> None:
    csv = "label\n" + "cat\ndog\ncat\nbird\n" * 5
    result = runner.invoke(app, ["inspect", "-", "--json"], input=csv)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["task"] == "multiclass" and doc["classes"] == ["bird", "cat", "dog"]


def test_forced_task(runner: CliRunner) -> None:
    doc = _inspect_json(runner, str(SAMPLE_DATA / "noble_gas_period.csv"), "--task", "regression")
    assert doc["task"] == "regression" and doc["forced"] is True


def test_from_logits_and_two_node(runner: CliRunner) -> None:
    doc = _inspect_json(runner, str(SAMPLE_DATA / "machine_failure.csv"), "--from-logits")
    assert doc["activation"] == "linear" and doc["from_logits"] is True
    assert "BinaryAccuracy" in doc["metrics"] and "F1Score" not in doc["metrics"]
    doc = _inspect_json(runner, str(SAMPLE_DATA / "machine_failure.csv"), "--two-node")
    assert (doc["units"], doc["activation"]) == (2, "softmax")


# ---------------------------------------------------------------------------------------------
# Bad input: one line naming the file, exit 2, no traceback.
# ---------------------------------------------------------------------------------------------


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "empty.csv").write_text("")
    (tmp / "header_only.csv").write_text("label\n")
    (tmp / "not.npy").write_text("this is text\n")
    (tmp / "not.parquet").write_text("a,b\n1,2\n")
    (tmp / "ragged.csv").write_text("a,b\n1,2\n3\n4,5,6\n")
    (tmp / "y.csv").write_text("a,b\n1,2\n3,4\n")
    (tmp / "all_missing.csv").write_text("label\nNA\n\nnan\n")
    (tmp / "one_value.csv").write_text("label\n" + "cat\n" * 10)
    np.save(tmp / "objects.npy", np.array([{"a": 1}, None], dtype=object))
    return {
        "missing file": ([str(tmp / "nope.csv")], "nope.csv"),
        "empty file": ([str(tmp / "empty.csv")], "empty.csv"),
        "header, no rows": ([str(tmp / "header_only.csv")], "header_only.csv"),
        "not npy": ([str(tmp / "not.npy")], "not.npy"),
        "not parquet": ([str(tmp / "not.parquet")], "not.parquet"),
        "ragged": ([str(tmp / "ragged.csv")], "ragged.csv"),
        "column not found": ([str(tmp / "y.csv"), "-c", "label"], "y.csv"),
        "all missing": ([str(tmp / "all_missing.csv")], "all_missing.csv"),
        "one value": ([str(tmp / "one_value.csv")], "one_value.csv"),
        "object npy": ([str(tmp / "objects.npy")], "objects.npy"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing file", "empty file", "header, no rows", "not npy", "not parquet", "ragged",
     "column not found", "all missing", "one value", "object npy"],
)
def test_bad_input(runner: CliRunner, tmp_path: Path, case: str) -> None:
    args, filename = _bad_inputs(tmp_path)[case]
    result = runner.invoke(app, ["inspect", *args])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("error: ") and filename in err, err
    assert "\n" not in err and "Traceback" not in err
    assert "internal error" not in err
    assert result.stdout == ""
    result = runner.invoke(app, ["inspect", *args, "--json"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, ERROR_SCHEMA)
    assert filename in (doc["error"]["file"] or "") + doc["error"]["message"]


def test_column_not_found_lists_columns(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "y.csv").write_text("a,b\n1,2\n3,4\n")
    result = runner.invoke(app, ["inspect", str(tmp_path / "y.csv"), "-c", "label"])
    assert "label" in result.stderr and "a, b" in result.stderr


# ---------------------------------------------------------------------------------------------
# The real entry point, and start-up weight.
# ---------------------------------------------------------------------------------------------


def test_python_dash_m_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "outhead", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0
    for command in ("inspect", "scaffold", "check"):
        assert command in proc.stdout


def test_inspect_never_imports_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from outhead.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"target = {str(SAMPLE_DATA / 'noble_gas.csv')!r}\n"
        "r = CliRunner().invoke(app, ['inspect', target, '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = ('pandas', 'tensorflow', 'keras', 'sklearn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# Shapes real exports have.
# ---------------------------------------------------------------------------------------------


def test_wide_table_asks_for_the_target_column(runner: CliRunner, tmp_path: Path) -> None:
    species = ["setosa", "versicolor", "virginica"]
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    lines += [f"{5 + i % 7 / 3:.1f},3.{i % 9},1.{i % 5},0.{i % 3},{species[i // 50]}"
              for i in range(150)]
    path = tmp_path / "iris.csv"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2
    assert "('species'?)" in result.stderr
    doc = _inspect_json(runner, str(path), "-c", "species")
    assert (doc["task"], doc["units"]) == ("multiclass", 3)
    doc = _inspect_json(runner, str(path), "-c", "4")
    assert doc["columns"] == ["species"]


def test_text_table_with_an_id_column_and_label_sets(runner: CliRunner, tmp_path: Path) -> None:
    genres = ["Action", "Comedy", "Drama", "Horror", "Romance"]
    lines = ["title,genres"]
    lines += [f"movie {i},{';'.join(genres[j] for j in range(5) if (i >> j) & 1 or j == i % 5)}"
              for i in range(120)]
    path = tmp_path / "movies.csv"
    path.write_text("\n".join(lines) + "\n")
    doc = _inspect_json(runner, str(path), "-c", "genres")
    assert (doc["task"], doc["layout"], doc["units"]) == ("multilabel", "label-sets", 5)
    assert doc["classes"] == genres
    assert doc["source"]["header"] is True


def test_semicolons_crlf_and_missing_labels(runner: CliRunner, tmp_path: Path) -> None:
    rows = ["id;label"] + [f"{i};{['yes', 'no', '', 'NA'][i % 4]}" for i in range(80)]
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    doc = _inspect_json(runner, str(path), "--column", "label")
    assert doc["task"] == "binary" and doc["classes"] == ["no", "yes"]
    missing = next(w for w in doc["warnings"] if w["code"] == "missing-values")
    assert missing["message"].startswith("40 missing")


def test_headerless_integer_labels(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("".join(f"{i % 4}\n" for i in range(60)))
    doc = _inspect_json(runner, str(path))
    assert (doc["task"], doc["units"], doc["n_rows"]) == ("multiclass", 4, 60)
    assert doc["source"]["header"] is False


def test_options_that_do_nothing_are_said(runner: CliRunner) -> None:
    path = str(SAMPLE_DATA / "machine_failure.csv")
    doc = _inspect_json(runner, path, "--key", "y", "--sep", "|")
    ignored = [w["message"] for w in doc["warnings"] if w["code"] == "option-ignored"]
    assert len(ignored) == 2 and "--key" in ignored[0] and "--sep" in ignored[1]


def test_saved_pandas_index_is_not_part_of_the_target(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text(",target\n" + "".join(f"{i},{i % 3 == 0:d}\n" for i in range(90)))
    doc = _inspect_json(runner, str(path))
    assert (doc["task"], doc["columns"]) == ("binary", ["target"])
    assert any("row index" in line for line in doc["reading"])


def test_decimal_commas_reach_the_generated_script(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "y.csv").write_text("id;price\n" + "".join(f"{i};{i % 7},{i % 10}5\n"
                                                            for i in range(60)))
    (tmp_path / "X.csv").write_text("a;b\n" + "".join(f"{i % 7},5;{i % 3},25\n" for i in range(60)))
    doc = _inspect_json(runner, str(tmp_path / "y.csv"))
    assert doc["task"] == "regression" and doc["source"]["decimal"] == ","
    result = runner.invoke(app, ["scaffold", str(tmp_path / "y.csv"), "--features",
                                 str(tmp_path / "X.csv")])
    assert result.exit_code == 0, result.output
    assert 'decimal=","' in result.stdout


@pytest.mark.parametrize(
    "code",
    [
        'keras.layers.Dense(1, activation="linear")',
        'keras.layers.Dense(3, activation="softmax", bias_initializer='
        'keras.initializers.Constant([-1.0986, -0.6931, -1.6094]), name="a, b")',
        "keras.layers.Conv2D(12, 1, activation='sigmoid', bias_initializer="
        "keras.initializers.Constant([" + ", ".join(["-2.5"] * 12) + "]))",
        "keras.layers.Dense(40, activation='sigmoid', bias_initializer="
        "keras.initializers.Constant([" + ", ".join(["-0.6081"] * 40) + "]))",
    ],
)
def test_the_keras_layer_line_wraps_as_code_not_mid_argument(code: str) -> None:
    import ast

    from outhead.output.human import wrap_call

    wrapped = wrap_call(code)
    assert ast.dump(ast.parse(wrapped)) == ast.dump(ast.parse(code))
    if len(code) > 79:
        lines = wrapped.splitlines()
        assert lines[0].endswith("(") and lines[-1] == ")"
        assert max(len(line) for line in lines) <= 79
    else:
        assert wrapped == code
