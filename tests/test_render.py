"""render_script and its filters: golden file, lint of every rendered script, hostile names.

Regenerate the golden file with ``OUTHEAD_REGEN_GOLDEN=1 python -m pytest tests/test_render.py``.
"""

from __future__ import annotations

import ast
import io
import math
import os
import subprocess
import sys
import tokenize
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outhead.diagnostics import Diagnostic
from outhead.errors import TemplateError, UsageError
from outhead.layout import LayoutKind, Task
from outhead.recommend import Head, MetricSpec
from outhead.render import (
    FeatureSpec,
    ScaffoldOptions,
    comment_text,
    identifier,
    plan_head,
    py_literal,
    render_script,
)
from tests.conftest import ROOT
from tests.scaffold_cases import CASES, GASES, Case, csv_source

GOLDEN = ROOT / "tests" / "golden" / "train_table.py"
REGEN = os.environ.get("OUTHEAD_REGEN_GOLDEN") == "1"
PAYLOAD = '"); import os; os.system("x") #'

VARIANTS = {
    "default": ScaffoldOptions(),
    "from-logits": ScaffoldOptions(from_logits=True),
    "two-node": ScaffoldOptions(two_node=True),
    "distribute": ScaffoldOptions(distribute=True, hidden=()),
}


def render(case: Case, options: ScaffoldOptions | None = None) -> str:
    return render_script(
        case.recommendation, target_source=case.target, features=case.features, options=options
    )


# --- the literal filter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -3,
        0.5,
        "",
        "He",
        "it's",
        'say "hi"',
        "both ' and \"",
        "line\nbreak",
        "tab\t\\",
        "\u2028 and \x00",
        PAYLOAD,
        ["a", 1, 2.5, False],
        ("only",),
        {"a": [1, 2], 3: "x"},
        [f"column_{i}" for i in range(30)],
    ],
)
def test_py_literal_round_trips(value: object) -> None:
    text = py_literal(value)
    assert ast.literal_eval(text) == value
    assert type(ast.literal_eval(text)) is type(value)


@given(st.text())
def test_py_literal_round_trips_any_text(value: str) -> None:
    text = py_literal(value)
    assert ast.literal_eval(text) == value
    tree = ast.parse(f"x = {text}")
    assert isinstance(tree.body[0].value, ast.Constant)  # type: ignore[attr-defined]


def test_py_literal_prefers_double_quotes() -> None:
    assert py_literal("He") == '"He"'
    assert py_literal(["a", "b"]) == '["a", "b"]'


def test_py_literal_wraps_long_lists_one_item_per_line() -> None:
    text = py_literal([f"column_{i}" for i in range(30)], indent=0)
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert all(len(line) <= 100 for line in lines)


@pytest.mark.parametrize("value", [math.nan, math.inf, object(), {1, 2}, b"bytes", {(1,): 2}])
def test_py_literal_refuses_what_is_not_a_plain_literal(value: object) -> None:
    with pytest.raises(TemplateError):
        py_literal(value)


def test_comment_text_keeps_one_line() -> None:
    assert comment_text("a\nimport os") == "a\\nimport os"
    assert "\n" not in comment_text("x\r\n\u2028\x0cy")


@pytest.mark.parametrize("name", ["BinaryAccuracy", "num_labels"])
def test_identifier_accepts_names(name: str) -> None:
    assert identifier(name) == name


@pytest.mark.parametrize("name", ["AUC()", "a b", "", "os.system", 3])
def test_identifier_refuses_code(name: object) -> None:
    with pytest.raises(TemplateError):
        identifier(name)


# --- the head plan --------------------------------------------------------------------------


def test_from_logits_makes_metrics_read_logits() -> None:
    plan = plan_head(CASES["multihot"].recommendation, ScaffoldOptions(from_logits=True))
    assert (plan.activation, plan.from_logits) == ("linear", True)
    codes = [m.code() for m in plan.metrics]
    assert codes == [
        "keras.metrics.BinaryAccuracy(threshold=0.0)",
        "keras.metrics.AUC(multi_label=True, num_labels=6, from_logits=True)",
        "keras.metrics.Precision(thresholds=0.0)",
        "keras.metrics.Recall(thresholds=0.0)",
    ]
    assert plan.threshold == 0.5  # a probability: the script applies the sigmoid first


def test_from_logits_leaves_out_f1() -> None:
    case = CASES["binary"]
    metrics = (*case.recommendation.metrics, MetricSpec("F1Score", "f1_score"))
    rec = replace(case.recommendation, metrics=metrics)
    plan = plan_head(rec, ScaffoldOptions(from_logits=True))
    assert "F1Score" not in [m.cls for m in plan.metrics]
    assert plan.dropped_metrics == ("F1Score",)


def test_logit_threshold_of_the_recommendation_becomes_a_probability() -> None:
    case = CASES["binary"]
    rec = replace(
        case.recommendation,
        head=Head(1, "linear", "binary_crossentropy", "BinaryCrossentropy", True),
        threshold=0.0,
    )
    plan = plan_head(rec, ScaffoldOptions())
    assert plan.threshold == 0.5 and plan.from_logits and plan.activation == "linear"


def test_two_node_is_two_softmax_units_on_class_ids() -> None:
    plan = plan_head(CASES["binary-strings"].recommendation, ScaffoldOptions(two_node=True))
    assert (plan.units, plan.activation, plan.loss_class) == (
        2,
        "softmax",
        "SparseCategoricalCrossentropy",
    )
    assert (plan.encoding, plan.decision, plan.stratify, plan.class_weight) == (
        "index",
        "argmax",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("name", "options", "note"),
    [
        ("regression", ScaffoldOptions(from_logits=True), "--from-logits applies"),
        ("multiclass-strings", ScaffoldOptions(two_node=True), "--two-node applies"),
    ],
)
def test_options_that_do_not_apply_are_ignored_with_a_note(
    name: str, options: ScaffoldOptions, note: str
) -> None:
    case = CASES[name]
    plan = plan_head(case.recommendation, options)
    assert plan.notes and plan.notes[0].startswith(note)
    assert plan.units == case.head.units and plan.activation == case.head.activation


@pytest.mark.parametrize(
    ("name", "encoding", "class_weight", "stratify"),
    [
        ("regression", "standardize", False, False),
        ("bounded", "bounded", False, False),
        ("multi-regression", "standardize", False, False),
        ("binary", "binary", True, True),
        ("binary-onehot", "matrix", True, True),
        ("multiclass-ints", "index", False, True),
        ("onehot", "matrix", False, True),
        ("multihot", "matrix", False, False),
        ("label-sets", "label-sets", False, False),
        ("probabilities", "matrix", False, False),
    ],
)
def test_plan_per_layout(name: str, encoding: str, class_weight: bool, stratify: bool) -> None:
    plan = plan_head(CASES[name].recommendation, ScaffoldOptions())
    assert (plan.encoding, plan.class_weight, plan.stratify) == (encoding, class_weight, stratify)


def test_class_weight_is_never_used_for_multi_hot() -> None:
    # Keras 3 weights a 2-D target by its argmax: wrong for multi-hot rows (keras-head-facts M13).
    rec = replace(CASES["multihot"].recommendation, class_weight={0: 1.0, 1: 3.0})
    assert not plan_head(rec, ScaffoldOptions()).class_weight
    assert "class_weight" not in render_script(
        rec, target_source=CASES["multihot"].target, features=CASES["multihot"].features
    )


def test_a_layout_the_script_cannot_encode_is_refused() -> None:
    case = CASES["multiclass-strings"]
    rec = replace(
        case.recommendation,
        layout=replace(case.recommendation.layout, kind=LayoutKind.CONTINUOUS),
    )
    with pytest.raises(UsageError, match="cannot encode"):
        plan_head(rec, ScaffoldOptions())


@pytest.mark.parametrize(
    "kwargs",
    [{"hidden": (0,)}, {"epochs": 0}, {"validation_split": 0.0}, {"test_split": 0.6}],
)
def test_bad_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        ScaffoldOptions(**kwargs)  # type: ignore[arg-type]


def test_stdin_target_is_refused() -> None:
    case = CASES["binary"]
    with pytest.raises(UsageError, match="standard input"):
        render_script(
            case.recommendation,
            target_source=replace(case.target, path="-"),
            features=case.features,
        )


# --- rendered scripts -----------------------------------------------------------------------


def test_golden_script() -> None:
    text = render(CASES["table"])
    if REGEN or not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8", newline="\n")
        if not REGEN:
            pytest.fail(f"wrote {GOLDEN}; check it in (OUTHEAD_REGEN_GOLDEN=1 regenerates)")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the rendered script changed; if on purpose, run with OUTHEAD_REGEN_GOLDEN=1"
    )


def test_rendering_is_byte_stable() -> None:
    for case in CASES.values():
        assert render(case) == render(case)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rendered")
    out = {}
    for name, case in CASES.items():
        for variant, options in VARIANTS.items():
            if variant == "from-logits" and not case.recommendation.layout.is_classification:
                continue
            path = folder / f"{name}__{variant}.py"
            path.write_text(render(case, options), encoding="utf-8")
            out[path.stem] = path
    return out


def test_every_rendered_script_parses(rendered: dict[str, Path]) -> None:
    for path in rendered.values():
        ast.parse(path.read_text(), filename=str(path))


def test_every_rendered_script_passes_ruff(rendered: dict[str, Path]) -> None:
    ruff(next(iter(rendered.values())).parent)


def ruff(folder: Path) -> None:
    """Lint every script in ``folder`` with the rules the project holds the script to."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--ignore",
            "RUF001,RUF002,RUF003",
            "--line-length",
            "100",
            "--target-version",
            "py310",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("name", "variant", "expected"),
    [
        ("multiclass-strings", "default", 'keras.layers.Dense(6, activation="softmax")'),
        ("multihot", "from-logits", 'keras.layers.Dense(6, activation="linear")'),
        ("binary", "two-node", "keras.losses.SparseCategoricalCrossentropy()"),
        ("binary", "from-logits", "keras.losses.BinaryCrossentropy(from_logits=True)"),
        ("binary", "from-logits", "keras.ops.sigmoid(outputs)"),
        ("binary", "default", "class_weight=class_weights(strata[train])"),
        ("onehot", "distribute", "keras.distribution.DataParallel("),
        ("onehot", "distribute", "keras.distribution.initialize()"),
        ("onehot", "distribute", 'os.environ.setdefault("KERAS_BACKEND", "jax")'),
        ("regression", "default", "outputs = outputs * y_std + y_mean"),
        ("label-sets", "default", 'LABEL_SEPARATOR = "|"'),
        ("table", "default", "FEATURE_COLUMNS = ["),
    ],
)
def test_script_contains(rendered: dict[str, Path], name: str, variant: str, expected: str) -> None:
    assert expected in rendered[f"{name}__{variant}"].read_text()


def test_scripts_never_use_bare_accuracy(rendered: dict[str, Path]) -> None:
    for path in rendered.values():
        text = path.read_text()
        tree = ast.parse(text)
        assert not any(
            isinstance(node, ast.Constant) and node.value in ("accuracy", "acc")
            for node in ast.walk(tree)
        )
        assert "class_weight=class_weights" not in text or path.stem.split("__")[0] in (
            "binary",
            "binary-strings",
            "binary-onehot",
            "table",
        )


# --- hostile names --------------------------------------------------------------------------


def hostile_case() -> Case:
    base = CASES["table"]
    feature = PAYLOAD + "\nimport shutil"
    target_column = f"label{PAYLOAD}"
    columns = ("rownames", feature, "x", target_column)
    source = replace(
        csv_source(f"data/{PAYLOAD}.csv", (target_column,), columns), delimiter=PAYLOAD[:1]
    )
    layout = replace(
        base.recommendation.layout,
        columns=(target_column,),
        classes=(PAYLOAD, "'''\"\"\"\\"),
        evidence=(f"the column {target_column!r} holds 2 values\nimport subprocess",),
    )
    rec = replace(base.recommendation, layout=layout, why=(PAYLOAD,))
    return Case("hostile", rec, source, FeatureSpec(source, (feature, "x"), in_target_file=True))


@pytest.mark.parametrize("variant", ["default", "from-logits", "distribute"])
def test_hostile_names_stay_strings(variant: str) -> None:
    text = render(hostile_case(), VARIANTS[variant])
    tree = ast.parse(text)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {
        "argparse",
        "json",
        "os",
        "re",
        "pathlib",
        "Path",
        "keras",
        "numpy",
        "pandas",
        "tensorflow",
        "jax",  # --distribute
        "matplotlib",  # the plots, imported inside save_plots() (optional)
        "matplotlib.pyplot",
    }
    assert "shutil" not in imported and "subprocess" not in imported
    assert not any(
        isinstance(node, ast.Attribute) and node.attr == "system" for node in ast.walk(tree)
    )
    constants = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert any(PAYLOAD in value for value in constants)
    # Wherever the payload's text appears, it is inside a string or a comment token.
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if "os.system" in token.string:
            assert token.type in (tokenize.STRING, tokenize.COMMENT), token


def test_hostile_names_keep_their_exact_value() -> None:
    text = render(hostile_case())
    namespace: dict[str, object] = {}
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("DATA_FILE", "FEATURE_COLUMNS", "TARGET_COLUMNS", "CLASSES"):
                namespace[name] = ast.literal_eval(node.value)
    assert namespace["DATA_FILE"] == f"data/{PAYLOAD}.csv"
    assert namespace["FEATURE_COLUMNS"] == [PAYLOAD + "\nimport shutil", "x"]
    assert namespace["CLASSES"] == [PAYLOAD, "'''\"\"\"\\"]


def test_task_values_render_for_every_task() -> None:
    for case in CASES.values():
        text = render(case)
        assert f"TASK = {py_literal(case.recommendation.task.value)}" in text
    assert {c.recommendation.task for c in CASES.values()} == set(Task)


# --- functions of the script, run on their own (no TensorFlow) ------------------------------


def script_function(text: str, name: str, **namespace: object) -> Any:
    """One top-level function of a rendered script, defined in ``namespace`` and returned."""
    tree = ast.parse(text)
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    scope: dict[str, Any] = {"Path": Path, **namespace}
    exec(compile(ast.Module([node], []), f"<{name}>", "exec"), scope)
    return scope[name]


@pytest.mark.parametrize("variant", ["default", "from-logits"])
def test_baseline_ranks_tied_classes_by_id(variant: str) -> None:
    import numpy as np

    text = render(CASES["topk"], VARIANTS[variant])
    baseline = script_function(text, "baseline_outputs", np=np, CLASSES=list(range(12)))
    # Balanced: every class 10 times, so the frequencies tie; class 7 a little more often.
    y_train = np.array([*np.repeat(np.arange(12), 10), 7, 7])
    outputs = baseline(y_train, 3)
    assert outputs.shape == (3, 12) and outputs.dtype == np.float32
    row = outputs[0]
    assert len(set(row.tolist())) == 12, "no two classes may tie (top-k counts ties as hits)"
    assert row.argsort()[::-1].tolist() == [7, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]
    probabilities = np.exp(row) / np.exp(row).sum() if variant == "from-logits" else row
    assert np.allclose(probabilities, np.bincount(y_train) / len(y_train), rtol=1e-3)


def test_baseline_of_sigmoid_heads_is_the_label_frequency() -> None:
    import numpy as np

    text = render(CASES["multihot"])
    baseline = script_function(text, "baseline_outputs", np=np)
    y_train = np.array([[1, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 1]], dtype="float32")
    assert baseline(y_train, 2).tolist() == [[0.5, 0, 1, 0, 0, 0.5]] * 2


def test_print_scores_fits_long_metric_names(capsys: pytest.CaptureFixture[str]) -> None:
    text = render(CASES["topk"])
    print_scores = script_function(text, "print_scores")
    long = "sparse_top_k_categorical_accuracy"
    print_scores({"loss": 1.5, long: 0.75}, {"loss": 2.5, long: 0.4})
    lines = capsys.readouterr().out.splitlines()
    assert len({len(line) for line in lines}) == 1, lines  # the columns line up
    assert lines[2].startswith(long + " ")


def test_label_sets_read_an_empty_cell_as_no_label() -> None:
    import numpy as np
    import pandas as pd

    text = render(CASES["label-sets"])
    assert "leaving out" not in text  # no row is dropped for an empty cell
    label_set = script_function(text, "label_set", np=np, pd=pd, LABEL_SEPARATOR="|")
    encode = script_function(
        text, "encode_target", np=np, pd=pd, label_set=label_set, CLASSES=list(GASES)
    )
    target = pd.DataFrame({"gases": ["He|Xe", np.nan, " Ne ", ""]})
    assert encode(target).tolist() == [
        [1, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ]
    assert label_set(np.array(["Kr", "Rn"])) == {"Kr", "Rn"}  # a Parquet list cell


@pytest.mark.parametrize("name", ["multiclass-strings", "binary"])
def test_other_layouts_still_drop_missing_targets(name: str) -> None:
    assert "leaving out" in render(CASES[name])


def test_a_missing_data_file_is_one_line(tmp_path: Path) -> None:
    text = render(CASES["features-dropped"])
    require_file = script_function(text, "require_file")
    with pytest.raises(SystemExit) as stop:
        require_file(str(tmp_path / "y.csv"), "--target-file")
    message = str(stop.value)
    assert "\n" not in message and "y.csv" in message and "--target-file" in message
    require_file(str(tmp_path), "--target-file")  # there: nothing happens
    for call in (
        'require_file(args.target_file, "--target-file")',
        'require_file(args.features_file, "--features-file")',
    ):
        assert call in text
    assert 'require_file(args.data_file, "--data-file")' in render(CASES["table"])


# --- data paths -----------------------------------------------------------------------------


def assigned(text: str) -> dict[str, ast.expr]:
    return {
        node.targets[0].id: node.value
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


def test_stdout_paths_stay_relative_to_the_current_directory() -> None:
    text = render(CASES["features-dropped"])
    values = assigned(text)
    assert ast.literal_eval(values["TARGET_FILE"]) == "data/y.csv"
    assert "SCRIPT_DIR" not in text
    assert "relative to the current directory" in text


def test_paths_relative_to_the_script_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    case = CASES["features-dropped"]
    text = render_script(
        case.recommendation,
        target_source=case.target,
        features=case.features,
        script_dir="runs/first",
    )
    values = assigned(text)
    assert ast.unparse(values["SCRIPT_DIR"]) == "Path(__file__).resolve().parent"
    script_dir = tmp_path / "runs" / "first"
    for name, expected in (("TARGET_FILE", "data/y.csv"), ("FEATURES_FILE", "data/X.csv")):
        value = eval(
            compile(ast.Expression(values[name]), name, "eval"), {"SCRIPT_DIR": script_dir}
        )
        assert Path(value).resolve() == (tmp_path / expected).resolve()
    assert str(tmp_path) not in text  # nothing machine-specific in the text
    assert ast.literal_eval(values["FEATURE_COLUMNS"]) == ["density", "pressure"]


def test_absolute_paths_stay_absolute(tmp_path: Path) -> None:
    case = CASES["multiclass-strings"]
    target = replace(case.target, path=str(tmp_path / "y.csv"))
    text = render_script(
        case.recommendation, target_source=target, features=case.features, script_dir=str(tmp_path)
    )
    values = assigned(text)
    assert ast.literal_eval(values["TARGET_FILE"]) == str(tmp_path / "y.csv")
    assert ast.unparse(values["FEATURES_FILE"]).startswith("str(SCRIPT_DIR / ")


def test_golden_script_holds_no_absolute_path() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/tmp" not in text and "/home" not in text


def test_script_relative_paths_pass_ruff(tmp_path: Path) -> None:
    for name in ("features-dropped", "table", "topk"):
        case = CASES[name]
        (tmp_path / f"{name.replace('-', '_')}.py").write_text(
            render_script(
                case.recommendation,
                target_source=case.target,
                features=case.features,
                script_dir="out",
            )
        )
    ruff(tmp_path)


# --- the header -----------------------------------------------------------------------------


def test_header_keeps_reading_facts_without_outhead_options() -> None:
    case = CASES["multiclass-strings"]
    note = Diagnostic(
        "header-detected",
        "the first line was read as a header (text over numbers)",
        "pass --no-header if it is data",
        "note",
    )
    stats = SimpleNamespace(notes=(note,))
    layout = replace(
        case.recommendation.layout,
        evidence=(f"{note.message}; {note.fix}", "6 classes"),
        stats=stats,
    )
    text = render_script(
        replace(case.recommendation, layout=layout),
        target_source=case.target,
        features=case.features,
    )
    header = text.split("\nimport argparse")[0]
    assert "--no-header" not in header
    assert "#   - the first line was read as a header (text over numbers)" in header
    assert "How outhead read the file:" in header
    assert "#   - 6 classes" in header
    assert "--column" not in header


def test_validation_split_bound_is_exact() -> None:
    with pytest.raises(UsageError, match=r"below 0\.5, got 0\.5"):
        ScaffoldOptions(validation_split=0.5)
    assert ScaffoldOptions(validation_split=0.49, test_split=0.49).test_split == 0.49


def test_predict_labels_takes_the_output_dir() -> None:
    text = render(CASES["binary"])
    assert "output_dir: str | Path = DEFAULT_OUTPUT_DIR" in text
    assert 'labels = json.loads((Path(output_dir) / "labels.json").read_text())' in text


def test_one_column_files_keep_blank_lines_as_rows(tmp_path: Path) -> None:
    """outhead reads a blank line of a one-column file as a row with an empty cell."""
    import numpy as np
    import pandas as pd

    from outhead.stats import MISSING_TOKENS

    text = render(CASES["label-sets"])
    assert "def load_target(" in text and "def load_features(" in text  # not one shared reader
    load_target = script_function(text, "load_target", np=np, pd=pd, MISSING=list(MISSING_TOKENS))
    path = tmp_path / "sets.csv"
    path.write_text("gases\nHe|Xe\n\nNe\n")
    frame = load_target(str(path))
    assert len(frame) == 3 and frame["gases"].isna().tolist() == [False, True, False]
    assert "skip_blank_lines" not in render(CASES["table"])


def test_missing_label_set_cells_are_no_label_in_the_header() -> None:
    case = CASES["label-sets"]
    missing = Diagnostic(
        "missing-values",
        "80 missing target cells (first at rows 0, 5); Keras trains on NaN without an error",
        "drop those rows",
    )
    rec = replace(case.recommendation, diagnostics=(missing,))
    header = render_script(rec, target_source=case.target, features=case.features).split(
        "\nimport argparse"
    )[0]
    assert "empty target cells: rows with no label, which the script encodes as all zeros" in header
    assert "trains on NaN" not in header
    other = CASES["multiclass-strings"]
    rec = replace(other.recommendation, diagnostics=(missing,))
    text = render_script(rec, target_source=other.target, features=other.features)
    assert "Keras trains on NaN" in text  # other layouts drop those rows, as the warning says
