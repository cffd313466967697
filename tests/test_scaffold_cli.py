"""``outhead scaffold`` through Typer's runner: streams, --out/--force, tables, bad input."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.errors import ColumnError, UsageError
from outhead.scaffold import describe_feature_file, file_features, scaffold_error, table_features
from tests.conftest import ROOT, SAMPLE_DATA
from tests.scaffold_cases import TABLE_SOURCE, csv_source

GASES = str(SAMPLE_DATA / "noble_gas.csv")
GAS_FEATURES = str(SAMPLE_DATA / "gas_features.csv")
TABLE = str(SAMPLE_DATA / "machines_table.csv")


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, ["scaffold", *args])


def test_script_goes_to_stdout_and_talk_to_stderr() -> None:
    result = invoke(GASES, "--features", GAS_FEATURES)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Train the Keras model")
    ast.parse(result.stdout)
    assert "rendered the training script" in result.stderr
    assert "multiclass" in result.stderr
    assert "rendered" not in result.stdout


def test_out_writes_the_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "train.py"
    first = invoke(GASES, "--features", GAS_FEATURES, "--out", str(out))
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""
    assert f"wrote {out}" in first.stderr
    assert "python" in first.stderr
    script = out.read_text()
    ast.parse(script)

    out.write_text("# mine\n")
    again = invoke(GASES, "--features", GAS_FEATURES, "--out", str(out))
    assert again.exit_code == 2
    assert again.stderr.startswith("error: ") and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert out.read_text() == "# mine\n"

    forced = invoke(GASES, "--features", GAS_FEATURES, "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert out.read_text() == script


def test_rendering_twice_gives_the_same_bytes() -> None:
    assert (
        invoke(GASES, "--features", GAS_FEATURES).stdout
        == invoke(GASES, "--features", GAS_FEATURES).stdout
    )


def test_table_leaves_out_the_row_index_with_a_note() -> None:
    result = invoke(TABLE, "--target", "failed")
    assert result.exit_code == 0, result.stderr
    assert "note: left out column 'rownames'" in result.stderr
    tree = ast.parse(result.stdout)
    assigned = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert ast.literal_eval(assigned["FEATURE_COLUMNS"]) == [
        "machine_type",
        "temperature",
        "pressure",
        "vibration",
        "rpm",
        "has_coolant",
    ]
    assert ast.literal_eval(assigned["TARGET_COLUMNS"]) == ["failed"]


def test_drop_leaves_columns_out() -> None:
    result = invoke(TABLE, "--target", "failed", "--drop", "rpm", "--drop", "has_coolant")
    assert result.exit_code == 0, result.stderr
    assert '"rpm"' not in result.stdout.split("TARGET_COLUMNS")[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--two-node"], "keras.losses.SparseCategoricalCrossentropy()"),
        (["--from-logits"], "keras.losses.BinaryCrossentropy(from_logits=True)"),
        (["--distribute"], "keras.distribution.DataParallel("),
        (["--hidden", "8"], "HIDDEN_UNITS = [8]"),
        (["--hidden", ""], "HIDDEN_UNITS = []"),
        (["--epochs", "7", "--batch-size", "16", "--seed", "3"], "default=7"),
        (["--validation-split", "0.1", "--test-split", "0.3"], "TEST_FRACTION = 0.3"),
    ],
)
def test_options_reach_the_script(args: list[str], expected: str) -> None:
    target = str(SAMPLE_DATA / "machine_failure.csv")
    features = str(SAMPLE_DATA / "machine_features.csv")
    result = invoke(target, "--features", features, *args)
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout


def test_two_node_on_a_multiclass_target_is_a_note() -> None:
    result = invoke(GASES, "--features", GAS_FEATURES, "--two-node")
    assert result.exit_code == 0
    assert "note: --two-node applies to binary" in result.stderr


def test_task_forces_the_reading() -> None:
    target = str(SAMPLE_DATA / "noble_gas_period.csv")
    result = invoke(target, "--features", GAS_FEATURES, "--task", "regression")
    assert result.exit_code == 0, result.stderr
    assert 'TASK = "regression"' in result.stdout


def test_npy_and_parquet_files() -> None:
    npy = invoke(
        str(SAMPLE_DATA / "machine_failure.npy"),
        "--features",
        str(SAMPLE_DATA / "machine_features.npy"),
    )
    assert npy.exit_code == 0, npy.stderr
    assert "np.load(path, allow_pickle=False)" in npy.stdout
    parquet = invoke(
        str(SAMPLE_DATA / "house_prices.parquet"),
        "--features",
        str(SAMPLE_DATA / "house_features.parquet"),
    )
    assert parquet.exit_code == 0, parquet.stderr
    assert "pd.read_parquet(path)" in parquet.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([GASES], "--features FILE, or --target COLUMN"),
        (["missing.csv", "--features", GAS_FEATURES], "missing.csv"),
        ([GASES, "--features", "nowhere.csv"], "nowhere.csv"),
        ([TABLE, "--target", "nope"], "'nope'"),
        ([TABLE, "--target", "failed", "--drop", "nope"], "--drop column 'nope'"),
        ([GASES, "--features", GAS_FEATURES, "--drop", "x"], "--drop column 'x' not found"),
        ([GASES, "--features", GAS_FEATURES, "--validation-split", "0.5"], "below 0.5, got 0.5"),
        ([GASES, "--features", GAS_FEATURES, "--hidden", "64,abc"], "--hidden"),
        ([GASES, "--features", GAS_FEATURES, "--validation-split", "0.9"], "validation split"),
        ([GASES, "--features", GAS_FEATURES, "--epochs", "0"], "epochs"),
        ([GASES, "--features", "-"], "not '-'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_table_features_refuses_a_table_of_targets_only() -> None:
    source = csv_source("y.csv", ("a", "b"))
    with pytest.raises(UsageError, match="no feature columns"):
        table_features(source, (), [])


def test_table_features_row_index_only_when_first() -> None:
    notes: list[str] = []
    spec = table_features(TABLE_SOURCE, ("pressure",), notes)
    assert spec.columns is not None and "rownames" not in spec.columns
    assert "pressure" not in spec.columns
    assert spec.dropped == ("pressure", "rownames")
    assert len(notes) == 1
    source = csv_source("t.csv", ("y",), ("x", "id", "y"))
    notes = []
    assert table_features(source, (), notes).columns == ("x", "id")
    assert notes == []


@pytest.mark.parametrize("name", ["Unnamed: 0", "unnamed_0", "ID", "rownames", "index"])
def test_row_index_names(name: str) -> None:
    source = csv_source("t.csv", ("y",), (name, "x", "y"))
    assert table_features(source, (), []).columns == ("x",)


def test_drop_of_an_unknown_column() -> None:
    with pytest.raises(ColumnError):
        table_features(TABLE_SOURCE, ("zzz",), [])


def test_describe_feature_file_uses_the_reading_rules() -> None:
    source = describe_feature_file(str(SAMPLE_DATA / "house_features.csv"))
    assert source.all_columns == ("sqft", "bedrooms", "age_years", "neighborhood")
    assert (source.format, source.header, source.delimiter) == ("csv", True, ",")
    npy = describe_feature_file(str(SAMPLE_DATA / "machine_features.npy"))
    assert (npy.format, npy.all_columns) == ("npy", ("0", "1", "2", "3"))


def test_scaffold_never_imports_tensorflow_or_pandas() -> None:
    parquet = [str(SAMPLE_DATA / "house_prices.parquet"), "--features"]
    parquet.append(str(SAMPLE_DATA / "house_features.parquet"))
    code = (
        "import sys\n"
        "from outhead.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['scaffold', {GASES!r}, '--features', {GAS_FEATURES!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        f"r = CliRunner().invoke(app, ['scaffold', {TABLE!r}, '--target', 'failed'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"r = CliRunner().invoke(app, ['scaffold', *{parquet!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'pandas') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_render_and_scaffold_modules_do_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "import outhead.render, outhead.scaffold, outhead.commands.scaffold_cmd\n"
        "print(sorted(m for m in ('pandas', 'tensorflow', 'keras') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# --- features files, data paths and early errors -------------------------------------------


def assigned(text: str) -> dict[str, ast.expr]:
    return {
        node.targets[0].id: node.value
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


def write_pandas_features(folder: Path, n_rows: int = 400) -> tuple[Path, Path]:
    """y.csv (the noble gases) and X.csv as ``DataFrame.to_csv()`` writes it: index first."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "y.csv"
    target.write_bytes((SAMPLE_DATA / "noble_gas.csv").read_bytes())
    lines = (SAMPLE_DATA / "gas_features.csv").read_text().splitlines()
    features = folder / "X.csv"
    rows = [f",{lines[0]}"] + [f"{i},{line}" for i, line in enumerate(lines[1 : n_rows + 1])]
    features.write_text("\n".join(rows) + "\n")
    return target, features


def test_features_file_row_index_is_left_out_with_a_note(tmp_path: Path) -> None:
    target, features = write_pandas_features(tmp_path)
    result = invoke(str(target), "--features", str(features))
    assert result.exit_code == 0, result.stderr
    assert "note: left out column 'unnamed_0': it looks like a row index" in result.stderr
    values = assigned(result.stdout)
    assert ast.literal_eval(values["FEATURE_COLUMNS"]) == [
        "density_g_l",
        "boiling_point_k",
        "ionization_ev",
        "pressure_atm",
    ]
    assert "load_features(args.features_file)[FEATURE_COLUMNS]" in result.stdout
    assert "without unnamed_0" in result.stdout


def test_drop_works_with_features(tmp_path: Path) -> None:
    result = invoke(GASES, "--features", GAS_FEATURES, "--drop", "pressure_atm")
    assert result.exit_code == 0, result.stderr
    values = assigned(result.stdout)
    assert ast.literal_eval(values["FEATURE_COLUMNS"]) == [
        "density_g_l",
        "boiling_point_k",
        "ionization_ev",
    ]
    # Nothing left out: the script reads every column, as before.
    plain = invoke(GASES, "--features", GAS_FEATURES)
    assert "FEATURE_COLUMNS" not in plain.stdout


def test_file_features_refuses_a_file_with_nothing_left() -> None:
    source = csv_source("X.csv", ("a",))
    with pytest.raises(UsageError, match="no feature columns"):
        file_features(source, ("a",), [])


def test_script_finds_its_data_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    write_pandas_features(data)
    out = tmp_path / "sc" / "train.py"
    monkeypatch.chdir(data)
    result = invoke("y.csv", "--features", "X.csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    values = assigned(text)
    script_dir = out.parent  # what Path(__file__).resolve().parent is when the script runs
    monkeypatch.chdir(tmp_path)  # the script runs from elsewhere
    for name, expected in (("TARGET_FILE", "y.csv"), ("FEATURES_FILE", "X.csv")):
        value = eval(
            compile(ast.Expression(values[name]), name, "eval"), {"SCRIPT_DIR": script_dir}
        )
        assert Path(value).resolve() == (data / expected).resolve()
    assert str(tmp_path) not in text

    # Absolute on the command line: absolute in the script.
    monkeypatch.chdir(data)
    absolute = invoke(
        str(data / "y.csv"), "--features", str(data / "X.csv"), "-o", str(out), "--force"
    )
    assert absolute.exit_code == 0, absolute.stderr
    values = assigned(out.read_text())
    assert ast.literal_eval(values["TARGET_FILE"]) == str(data / "y.csv")
    assert "SCRIPT_DIR" not in values

    # To stdout: relative to the current directory, as given.
    stdout = invoke("y.csv", "--features", "X.csv")
    assert ast.literal_eval(assigned(stdout.stdout)["TARGET_FILE"]) == "y.csv"


@pytest.mark.parametrize("n_rows", [399, 350])
def test_row_counts_that_differ_are_refused(tmp_path: Path, n_rows: int) -> None:
    target, features = write_pandas_features(tmp_path, n_rows)
    result = invoke(str(target), "--features", str(features))
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(target) in lines[0] and str(features) in lines[0]
    assert f"{n_rows} rows" in lines[0] and "400" in lines[0]


def test_row_counts_of_binary_features_files(tmp_path: Path) -> None:
    import numpy as np

    features = tmp_path / "X.npy"
    np.save(features, np.load(SAMPLE_DATA / "machine_features.npy")[:300])
    result = invoke(str(SAMPLE_DATA / "machine_failure.npy"), "--features", str(features))
    assert result.exit_code == 2
    assert "300 rows" in result.stderr and "machine_failure.npy has 400" in result.stderr


def test_inference_errors_name_scaffold_options() -> None:
    result = invoke(TABLE, "--features", str(SAMPLE_DATA / "machine_features.csv"))
    assert result.exit_code == 2
    assert "--column" not in result.stderr
    assert "--target" in result.stderr
    # ... and --target does pick the target column of a separate target file.
    picked = invoke(
        TABLE, "--features", str(SAMPLE_DATA / "machine_features.csv"), "--target", "failed"
    )
    assert picked.exit_code == 0, picked.stderr
    assert ast.literal_eval(assigned(picked.stdout)["TARGET_COLUMNS"]) == ["failed"]


def test_scaffold_error_adds_the_target_hint() -> None:
    # The way out is data (choose_columns), never read back out of the sentence.
    error = UsageError("4 text columns: pick the label column, e.g. 'failed'", choose_columns=True)
    assert "--target COLUMN" in str(scaffold_error(error, separate_features=True))
    assert str(scaffold_error(UsageError("no rows"), separate_features=True)) == "no rows"
    table = scaffold_error(
        UsageError("pick the label column", choose_columns=True), separate_features=False
    )
    assert str(table).endswith("(--target COLUMN picks the target columns of the table)")


def test_script_header_has_no_outhead_reading_hints() -> None:
    result = invoke(GASES, "--features", GAS_FEATURES)
    header = result.stdout.split("\nimport argparse")[0]
    assert "the first line was read as a header" in header
    assert "--no-header" not in header


def test_label_sets_with_empty_cells_are_kept(tmp_path: Path) -> None:
    lines = (SAMPLE_DATA / "noble_gas_sets.csv").read_text().splitlines()
    rows = [line if i % 5 else "" for i, line in enumerate(lines[1:])]
    target = tmp_path / "sets.csv"
    target.write_text("\n".join([lines[0], *rows]) + "\n")
    result = invoke(str(target), "--features", str(SAMPLE_DATA / "mixture_features.csv"))
    assert result.exit_code == 0, result.stderr
    header = result.stdout.split("\nimport argparse")[0]
    # Whether outhead's core counts them as rows with no label or warns of missing cells, the
    # header says what the script does with them.
    assert "no label" in header
    assert "trains on NaN" not in header
    assert "leaving out" not in result.stdout
    assert "skip_blank_lines=False" in result.stdout
