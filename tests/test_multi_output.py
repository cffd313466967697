"""Several targets at once (``outhead.multi``): when ``-c A -c B`` is several outputs, one
recommendation per output, the combined compile call and its loss weights, the JSON schema,
bad input, ``check`` per output, and the script of ``templates/train_multi.py.jinja``.

Regenerate the golden script with ``OUTHEAD_REGEN_GOLDEN=1``.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from outhead.cli import app
from outhead.multi import LOSS_WEIGHTS_RULE, output_name, output_names
from outhead.reading import ReadOptions
from outhead.scaffold import scaffold_script
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "inspect.schema.json").read_text())
ERROR_SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "error.schema.json").read_text())
CHECK_SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "check.schema.json").read_text())
GOLDEN = ROOT / "tests" / "golden" / "train_multi.py"
REGEN = os.environ.get("OUTHEAD_REGEN_GOLDEN") == "1"
N = 240


def write_table(path: Path, n: int = N, seed: int = 3) -> Path:
    """A table with features and targets of several kinds; the targets follow the features."""
    rng = np.random.default_rng(seed)
    size = rng.normal(0.0, 1.0, n)
    age = rng.normal(0.0, 1.0, n)
    city = rng.choice(["north", "south", "east"], n)
    price = 200.0 + 60.0 * size - 20.0 * age + 30.0 * (city == "north") + rng.normal(0, 8, n)
    kind = np.where(age > 0.45, "old", np.where(age < -0.45, "new", "mid"))
    sold = np.where(size + rng.normal(0, 0.3, n) > 0, "yes", "no")
    share = 1.0 / (1.0 + np.exp(-(size + age)))
    lines = ["size,age,city,price,kind,sold,share,count,flat,Kind"]
    for i in range(n):
        lines.append(
            f"{size[i]:.4f},{age[i]:.4f},{city[i]},{price[i]:.2f},{kind[i]},{sold[i]},"
            f"{share[i]:.4f},{i % 7},same,{kind[i]}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_table(tmp_path_factory.mktemp("multi") / "listings.csv")


def inspect_json(runner: CliRunner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["inspect", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


# --- the rule: one matrix target or several outputs --------------------------------------------


def test_mixed_kinds_are_several_outputs(runner: CliRunner, table: Path) -> None:
    code, doc = inspect_json(runner, str(table), "-c", "price", "-c", "kind")
    assert code == 0
    jsonschema.validate(doc, SCHEMA)
    assert [o["name"] for o in doc["outputs"]] == ["price", "kind"]
    price, kind = doc["outputs"]
    assert (price["task"], price["units"], price["activation"]) == ("regression", 1, "linear")
    assert (kind["task"], kind["units"], kind["activation"]) == ("multiclass", 3, "softmax")
    assert doc["compile"]["loss"] == {
        "price": "MeanSquaredError",
        "kind": "SparseCategoricalCrossentropy",
    }
    assert "different kinds" in doc["multi_output_why"]
    assert doc["n_rows"] == N


def test_numeric_columns_stay_one_matrix_target(runner: CliRunner, table: Path) -> None:
    """Today's behaviour where it applies: numeric columns are one target, byte for byte."""
    code, doc = inspect_json(runner, str(table), "-c", "price", "-c", "share")
    assert code == 0
    assert "outputs" not in doc
    assert (doc["task"], doc["units"], doc["columns"]) == ("regression", 2, ["price", "share"])


def test_outputs_flag_splits_numeric_columns(runner: CliRunner, table: Path) -> None:
    code, doc = inspect_json(runner, str(table), "-c", "price", "-c", "share", "--outputs")
    assert code == 0
    jsonschema.validate(doc, SCHEMA)
    assert [o["task"] for o in doc["outputs"]] == ["regression", "bounded-regression"]
    assert doc["multi_output_why"].startswith("--outputs")


def test_every_output_is_the_single_target_document(runner: CliRunner, table: Path) -> None:
    """An output's body is exactly what ``inspect FILE -c COLUMN --json`` prints."""
    _, doc = inspect_json(runner, str(table), "-c", "price", "-c", "kind", "-c", "sold")
    for output in doc["outputs"]:
        column = output["columns"][0]
        single = runner.invoke(app, ["inspect", str(table), "-c", column, "--json"]).stdout
        body = {k: v for k, v in output.items() if k != "name"}
        assert json.dumps(body, indent=2, ensure_ascii=False) + "\n" == single


def test_single_target_document_is_unchanged(runner: CliRunner, table: Path) -> None:
    """No new key reaches the single-target document."""
    _, doc = inspect_json(runner, str(table), "-c", "kind")
    assert "outputs" not in doc and "compile" not in doc and "name" not in doc
    jsonschema.validate(doc, SCHEMA)


def test_whole_table_with_text_is_still_an_error(runner: CliRunner, table: Path) -> None:
    """No columns chosen: a table is not a list of targets (the error it was)."""
    result = runner.invoke(app, ["inspect", str(table)])
    assert result.exit_code == 2
    assert "must be numeric" in result.stderr


# --- loss weights -------------------------------------------------------------------------------


def test_loss_weights_follow_the_stated_rule(runner: CliRunner, table: Path) -> None:
    _, doc = inspect_json(
        runner, str(table), "-c", "price", "-c", "kind", "-c", "sold", "-c", "share", "--outputs"
    )
    compile_ = doc["compile"]
    start = compile_["starting_loss"]
    assert start["price"] == 1.0  # MSE on a standardized target
    assert start["kind"] == pytest.approx(math.log(3), abs=1e-6)  # ln K, K = 3
    assert start["sold"] == pytest.approx(math.log(2), abs=1e-6)  # sigmoid cross-entropy
    assert 0 < start["share"] < 0.25  # var + (mean - 0.5)^2 of a value in [0, 1]
    for name, weight in compile_["loss_weights"].items():
        assert weight * start[name] == pytest.approx(1.0, rel=1e-3)
    assert compile_["loss_weights_rule"] == LOSS_WEIGHTS_RULE
    assert "loss_weights={" in compile_["code"]
    tree = ast.parse(compile_["code"])  # the compile call is valid Python
    call = tree.body[0].value  # type: ignore[attr-defined]
    assert {k.arg for k in call.keywords} == {"optimizer", "loss", "metrics", "loss_weights"}


# --- the human report --------------------------------------------------------------------------


def test_human_report_has_a_block_per_output(runner: CliRunner, table: Path) -> None:
    result = runner.invoke(app, ["inspect", str(table), "-c", "price", "-c", "sold"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Output price (column 'price'): continuous → regression" in out
    assert "Output sold (column 'sold'): label-vector → binary (2 classes)" in out
    assert 'price = keras.layers.Dense(1, activation="linear", name="price")(x)' in out
    assert '"sold": keras.losses.BinaryCrossentropy(),' in out
    assert "loss_weights[o] = 1 / L0(o)" in out


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-c", "kind", "-c", "Kind"], ["'kind' and 'Kind'", "output 'kind'"]),
        (["-c", "price", "-c", "flat"], ["'flat'", "single value"]),
        (["-c", "price", "-c", "kind", "--task", "regression"], ["--task"]),
        (["-c", "price", "--outputs"], ["two or more"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runner: CliRunner, table: Path, args: list[str], words: list[str]
) -> None:
    result = runner.invoke(app, ["inspect", str(table), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr.strip()
    assert "\n" not in err and err.startswith(f"error: {table}")
    for word in words:
        assert word in err
    as_json = runner.invoke(app, ["inspect", str(table), *args, "--json"])
    assert as_json.exit_code == 2
    jsonschema.validate(json.loads(as_json.stdout), ERROR_SCHEMA)


def test_image_folder_is_one_target(runner: CliRunner, tmp_path: Path) -> None:
    for name in ("cats", "dogs"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for i in range(3):
            (tmp_path / "photos" / name / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = runner.invoke(app, ["inspect", str(tmp_path / "photos"), "--outputs"])
    assert result.exit_code == 2
    assert "one target" in result.stderr


def test_stdin_is_refused_for_several_outputs(runner: CliRunner, table: Path) -> None:
    result = runner.invoke(
        app, ["inspect", "-", "-c", "price", "-c", "kind"], input=table.read_text()
    )
    assert result.exit_code == 2
    assert "standard input" in result.stderr


@pytest.mark.parametrize(
    ("column", "name"),
    [
        ("price", "price"),
        ("Price ($)", "price"),
        ("2nd score", "output_2nd_score"),
        ("é", "output"),
    ],
)
def test_output_name(column: str, name: str) -> None:
    assert output_name(column) == name


@given(st.text(max_size=30))
def test_output_name_is_an_identifier_and_stable(column: str) -> None:
    name = output_name(column)
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name)
    assert output_name(name) == name


def test_inspect_several_outputs_imports_nothing_heavy(table: Path) -> None:
    code = (
        "import sys\n"
        "from outhead.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['inspect', {str(table)!r}, '-c', 'price', '-c', 'kind'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = ('pandas', 'tensorflow', 'keras', 'sklearn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_output_names_must_differ() -> None:
    with pytest.raises(Exception, match="both become output 'a_b'"):
        output_names(["a b", "A-B"])


# --- check ---------------------------------------------------------------------------------------


def test_check_mixed_columns_checks_each_output(
    runner: CliRunner, table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    result = runner.invoke(app, ["check", str(table), "-c", "price", "-c", "flat", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, CHECK_SCHEMA)
    files = {f["file"]: f for f in doc["files"]}
    assert set(files) == {f"{table} [output price]", f"{table} [output flat]"}
    assert files[f"{table} [output price]"]["findings"] == []
    (finding,) = files[f"{table} [output flat]"]["findings"]
    assert finding["code"] == "OH102"
    assert finding["message"].startswith("output 'flat': ")
    assert finding["file"] == str(table)  # the path itself: annotations point at the file
    github = runner.invoke(app, ["check", str(table), "-c", "price", "-c", "flat",
                                 "--format", "github"])  # fmt: skip
    assert github.exit_code == 1
    assert github.stdout.startswith(f"::error file={table},title=OH102 single-class::output 'flat'")


def test_check_counts_a_file_of_several_outputs_once(
    runner: CliRunner, table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary counts the file once and its outputs beside it, in every format."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    args = ["check", str(table), "-c", "price", "-c", "kind"]
    human = runner.invoke(app, args)
    assert human.exit_code == 0, human.output
    assert human.stdout.splitlines()[-1] == "All checks passed: 1 file (2 outputs), no findings."
    doc = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    jsonschema.validate(doc, CHECK_SCHEMA)
    assert (doc["summary"]["files"], doc["summary"]["outputs"]) == (1, 2)
    assert [f["output"] for f in doc["files"]] == ["price", "kind"]
    github = runner.invoke(app, [*args, "-c", "flat", "--format", "github"])
    assert github.exit_code == 1
    assert github.stderr.strip().endswith("in 1 file (3 outputs).")
    # beside a file of one target: two files, three outputs
    np.save(tmp_path / "y.npy", np.arange(20) % 2)
    config = tmp_path / "outhead.toml"
    config.write_text(
        f'[[targets]]\npath = "{table.as_posix()}"\noutputs = [{{ column = "price" }}, '
        '{ column = "kind" }]\n\n[[targets]]\npath = "y.npy"\n'
    )
    both = runner.invoke(app, ["check", "--config", str(config), "--json"])
    doc = json.loads(both.stdout)
    assert (doc["summary"]["files"], doc["summary"]["outputs"]) == (2, 3)
    assert [f["output"] for f in doc["files"]] == ["price", "kind", None]
    text = runner.invoke(app, ["check", "--config", str(config)]).stdout
    assert text.splitlines()[-1] == "All checks passed: 2 files (3 outputs), no findings."


def test_check_counts_a_file_given_twice_once(runner: CliRunner, tmp_path: Path) -> None:
    np.save(tmp_path / "y.npy", np.arange(20) % 2)
    config = tmp_path / "outhead.toml"
    config.write_text('[[targets]]\npath = "y.npy"\n\n[[targets]]\npath = "y.npy"\n'
                      'expect = "binary"\n')
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.stdout.splitlines()[-1] == "All checks passed: 1 file (2 targets), no findings."


def test_readme_check_of_several_outputs_is_real_output(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"```python\n(import numpy as np\nrng = np.random.default_rng\(1\)"
                        r".*?)```", readme, flags=re.S)
    assert snippet is not None
    command = "$ outhead check homes.csv -c price -c segment\n"
    start = readme.index(command) + len(command)
    monkeypatch.chdir(tmp_path)
    exec(snippet.group(1), {})  # the README's snippet that makes homes.csv
    result = runner.invoke(app, command.split()[2:])
    assert result.stdout == readme[start : readme.index("```", start)]


def test_check_config_outputs(runner: CliRunner, table: Path, tmp_path: Path) -> None:
    config = tmp_path / "outhead.toml"
    config.write_text(
        f"""
[[targets]]
path = "{table.as_posix()}"
outputs = [
    {{ column = "price", expect = "regression" }},
    {{ column = "kind", expect = "binary" }},
    {{ column = "sold", expect = "binary", classes = ["no", "yes"] }},
]
"""
    )
    result = runner.invoke(app, ["check", "--config", str(config), "--json"])
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    by_output = {f["file"].rsplit("[output ", 1)[1].rstrip("]"): f for f in doc["files"]}
    assert list(by_output) == ["price", "kind", "sold"]
    assert by_output["price"]["findings"] == [] and by_output["sold"]["findings"] == []
    assert [f["code"] for f in by_output["kind"]["findings"]] == ["OH107"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('outputs = [{ column = "price" }]', "two or more outputs"),
        ('columns = ["a"]\noutputs = [{ column = "a" }, { column = "b" }]', ".columns: with"),
        ('outputs = [{ column = "Kind" }, { column = "kind" }]', "both become output"),
        ('outputs = [{ column = "a", model = "m.keras" }, { column = "b" }]', "outputs[0].model"),
    ],
)
def test_config_outputs_bad(runner: CliRunner, tmp_path: Path, body: str, words: str) -> None:
    config = tmp_path / "outhead.toml"
    config.write_text(f'[[targets]]\npath = "y.csv"\n{body}\n')
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2
    assert words in result.stderr and "targets[0]" in result.stderr


def test_check_refuses_one_expectation_for_several_outputs(
    runner: CliRunner, table: Path
) -> None:
    result = runner.invoke(
        app, ["check", str(table), "-c", "price", "-c", "kind", "--expect", "multiclass"]
    )
    assert result.exit_code == 2
    assert "several outputs" in result.stderr


# --- scaffold ------------------------------------------------------------------------------------


def scaffold_multi(table: Path, *columns: str, **kw: object) -> str:
    result = scaffold_script(
        str(table), target_columns=list(columns), drop=["count", "flat", "Kind"], **kw  # type: ignore[arg-type]
    )
    assert result.multi is not None
    return result.script


def test_scaffold_renders_the_multi_template(table: Path, tmp_path: Path) -> None:
    script = scaffold_multi(table, "price", "kind", "sold")
    tree = ast.parse(script)
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"encode_price", "encode_kind", "encode_sold", "predict_labels", "main"} <= functions
    assert 'loss_weights=LOSS_WEIGHTS' in script
    assert (
        '"kind": keras.layers.Dense(\n            3, activation="softmax", name="kind",\n'
        '            bias_initializer=start["kind"],\n        )(x),'
    ) in script
    assert 'FEATURE_COLUMNS = ["size", "age", "city", "share"]' in script
    path = tmp_path / "train.py"
    path.write_text(script)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
         str(path)], capture_output=True, text=True,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout


def test_scaffold_with_a_features_file(table: Path, tmp_path: Path) -> None:
    """Targets in one file, features in another: the script reads both, rows aligned."""
    rows = [r.split(",") for r in table.read_text().splitlines()]
    header = rows[0]

    def write(path: Path, names: list[str]) -> Path:
        keep = [header.index(n) for n in names]
        path.write_text("\n".join(",".join(r[i] for i in keep) for r in rows) + "\n")
        return path

    targets = write(tmp_path / "y.csv", ["price", "sold"])
    features = write(tmp_path / "x.csv", ["size", "age", "city"])
    result = scaffold_script(
        str(targets), target_columns=["price", "sold"], features_path=str(features),
        outputs=True, script_dir=str(tmp_path),
    )  # fmt: skip
    assert result.multi is not None
    script = result.script
    # Absolute paths stay absolute (on a line of their own when long, as under xdist).
    assert re.search(rf'^FEATURES_FILE = \(?\n?\s*"{re.escape(str(features))}"', script, re.M)
    assert "def load_features(path: str) -> pd.DataFrame:" in script
    sold = '"sold": keras.layers.Dense(\n            1, activation="sigmoid", name="sold",\n'
    assert sold in script
    path = tmp_path / "train.py"
    path.write_text(script)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
         str(path)], capture_output=True, text=True,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout


def test_scaffold_keeps_label_words_of_a_target(tmp_path: Path) -> None:
    """'None' as a label of one target column: kept as a label, read as missing elsewhere."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=120)
    severity = np.where(x > 0.5, "Severe", np.where(x < -0.5, "None", "Mild"))
    lines = ["x,price,severity"] + [f"{x[i]:.3f},{10 * x[i]:.2f},{severity[i]}" for i in range(120)]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(lines) + "\n")
    result = scaffold_script(str(table), target_columns=["price", "severity"])
    assert result.multi is not None
    assert 'LABEL_TOKENS = ["None"]' in result.script
    assert "def tokens_as_missing(" in result.script
    path = tmp_path / "train.py"
    path.write_text(result.script)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
         str(path)], capture_output=True, text=True,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout


def test_scaffold_is_deterministic(table: Path) -> None:
    assert scaffold_multi(table, "price", "kind") == scaffold_multi(table, "price", "kind")


def test_golden_multi_script(tmp_path: Path) -> None:
    table = write_table(tmp_path / "listings.csv", n=60, seed=5)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        text = scaffold_multi(Path("listings.csv"), "price", "kind", "sold")
    finally:
        os.chdir(cwd)
    del table
    if REGEN or not GOLDEN.exists():
        GOLDEN.write_text(text, encoding="utf-8", newline="\n")
        if not REGEN:
            pytest.fail(f"wrote {GOLDEN}; check it in (OUTHEAD_REGEN_GOLDEN=1 regenerates)")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the rendered script changed; if on purpose, run with OUTHEAD_REGEN_GOLDEN=1"
    )


def test_scaffold_cli_several_targets(runner: CliRunner, table: Path, tmp_path: Path) -> None:
    out = tmp_path / "train.py"
    result = runner.invoke(
        app,
        ["scaffold", str(table), "-t", "price", "-t", "kind", "--drop", "flat", "--drop", "Kind",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "2 outputs: price regression Dense(1, linear) + MeanSquaredError; kind" in result.stderr
    assert "TARGET_COLUMNS = [\"price\", \"kind\"]" in out.read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-t", "price", "-t", "flat"], "'flat' holds a single value"),
        (["-t", "kind", "-t", "Kind"], "both become output 'kind'"),
        (["-t", "price", "-t", "kind", "--from-logits"], "--from-logits"),
    ],
)
def test_scaffold_bad_input(
    runner: CliRunner, table: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "train.py"
    result = runner.invoke(app, ["scaffold", str(table), *args, "--out", str(out)])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "\n" not in err and words in err
    assert not out.exists()


def test_scaffold_target_that_is_also_a_feature(
    runner: CliRunner, table: Path, tmp_path: Path
) -> None:
    targets = tmp_path / "y.csv"
    rows = table.read_text().splitlines()
    header = rows[0].split(",")
    keep = [header.index("price"), header.index("kind")]
    targets.write_text("\n".join(",".join(r.split(",")[i] for i in keep) for r in rows) + "\n")
    result = runner.invoke(
        app, ["scaffold", str(targets), "-t", "price", "-t", "kind", "--features", str(table)]
    )
    assert result.exit_code == 2
    assert "column 'price' is a target and also a feature" in result.stderr


def test_read_options_are_per_output(table: Path) -> None:
    from outhead.multi import inspect_outputs

    multi = inspect_outputs(str(table), ReadOptions(columns=("pri*", "sold")), why="test")
    assert [o.column for o in multi.outputs] == ["price", "sold"]
    assert [o.recommendation.layout.columns for o in multi.outputs] == [("price",), ("sold",)]
