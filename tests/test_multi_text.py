"""Free text in the script of several outputs: the same detection as for one target
(:func:`outhead.scaffold.read_text_plan`, the same rule, ``--text`` and ``--categorical``, the
same evidence), and the same TextVectorization + bag-of-words reading in
``templates/train_multi.py.jinja`` (golden ``tests/golden/train_multi_text.py``; regenerate
with ``OUTHEAD_REGEN_GOLDEN=1``). The slow end-to-end test trains a script whose review column
carries one output's signal and a number the other's.
"""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.scaffold import scaffold_script
from tests.test_images import check_golden, render_in
from tests.test_render import ruff
from tests.test_scaffold_e2e import load_model, load_script, run_script
from tests.text_data import WORDS, review, reviews, write_csv

TWO = ("--target", "label", "--target", "stars")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["scaffold", *args])


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "reviews.csv", reviews(300, seed=1))


def header(script: str) -> str:
    return script.split("\nimport ", 1)[0]


# --- detection, as for one target -----------------------------------------------------------


def test_free_text_is_found_and_read_as_words(table: Path) -> None:
    result = invoke(str(table), *TWO)
    assert result.exit_code == 0, result.stderr
    script = result.stdout
    ast.parse(script)
    assert 'TEXT_COLUMNS = ["review"]' in script
    assert "CATEGORICAL_COLUMNS" not in script  # genre is a category by the rule, not forced
    evidence = "column 'review' read as free text: 300 distinct values over 300 rows, median 10"
    assert evidence in header(script)
    assert f"note: {evidence}" in result.stderr
    assert "(--categorical review reads it as categories)" in header(script)
    assert "genre" not in header(script)  # a category: no evidence line
    assert "def text_vectorizer(texts: pd.Series) -> keras.layers.TextVectorization:" in script
    assert 'keras.layers.CategoryEncoding(size, output_mode="multi_hot")(ids)' in script


def test_the_evidence_is_the_single_target_evidence(table: Path) -> None:
    """One implementation: the review's sentence is word for word the one-target script's."""
    one = scaffold_script(str(table), target_columns=["label"])
    two = scaffold_script(str(table), target_columns=["label", "stars"], outputs=True)
    assert two.multi is not None and one.multi is None
    (line,) = [e for e in two.features.text.evidence if "'review'" in e]
    assert line in one.features.text.evidence
    assert two.features.text.text == one.features.text.text == ("review",)
    assert line in two.notes


def test_categorical_override_reads_the_review_as_categories(table: Path) -> None:
    result = invoke(str(table), *TWO, "--categorical", "review")
    assert result.exit_code == 0, result.stderr
    assert "TEXT_COLUMNS" not in result.stdout and "TextVectorization" not in result.stdout
    assert 'CATEGORICAL_COLUMNS = ["review"]' in result.stdout
    assert "column 'review' read as categories (--categorical)" in header(result.stdout)


def test_text_override_reads_a_category_as_words(table: Path) -> None:
    result = invoke(str(table), *TWO, "--text", "genre")
    assert result.exit_code == 0, result.stderr
    assert 'TEXT_COLUMNS = ["review", "genre"]' in result.stdout
    assert "column 'genre' read as free text (--text): 3 distinct values" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "nope"), "--text column 'nope' is not a feature column; feature columns "
                             "are: review, genre"),
        (("--categorical", "label"), "--categorical column 'label' is not a feature column"),
        (("--text", "genre", "--categorical", "genre"), "both --text and --categorical"),
    ],
)  # fmt: skip
def test_bad_text_options_exit_2_with_one_line(
    table: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "train.py"
    result = invoke(str(table), *TWO, *args, "--out", str(out))
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not out.exists()


def test_a_text_column_of_numbers_in_a_features_file_exits_2(tmp_path: Path) -> None:
    rows = reviews(120, seed=2)
    write_csv(tmp_path / "y.csv", [{"label": r["label"], "genre": r["genre"]} for r in rows])
    write_csv(tmp_path / "x.csv", [{"review": r["review"], "stars": r["stars"]} for r in rows])
    base = (str(tmp_path / "y.csv"), "--target", "label", "--target", "genre",
            "--features", str(tmp_path / "x.csv"))  # fmt: skip
    result = invoke(*base, "--text", "stars")
    assert result.exit_code == 2
    assert "--text column 'stars' holds whole numbers, not text" in result.stderr
    good = invoke(*base)
    assert good.exit_code == 0, good.stderr
    assert 'TEXT_COLUMNS = ["review"]' in good.stdout


def test_every_text_script_of_several_outputs_passes_ruff(table: Path, tmp_path: Path) -> None:
    out = tmp_path / "scripts"
    out.mkdir()
    for i, extra in enumerate([(), ("--categorical", "review"), ("--text", "genre"),
                               ("--categorical", "review", "--categorical", "stars")]):  # fmt: skip
        # stars is a target in the first three; in the last it is a feature read as categories
        targets = TWO if i < 3 else ("--target", "label", "--target", "genre")
        result = invoke(str(table), *targets, *extra)
        assert result.exit_code == 0, result.stderr
        (out / f"train_{i}.py").write_text(result.stdout)
    assert 'CATEGORICAL_COLUMNS = ["review", "stars"]' in (out / "train_3.py").read_text()
    ruff(out)


def test_golden_multi_output_text_script(table: Path) -> None:
    check_golden(
        "train_multi_text.py",
        render_in(table.parent, table.name, target_columns=["label", "stars"], outputs=True),
    )


# --- end to end -------------------------------------------------------------------------------


def write_signal_table(path: Path, n: int = 500) -> Path:
    """The review says the label (a few sentiment words among filler); the number x says y.

    Each output's signal is in a different column, so each must be read right to beat its
    baseline: the label cannot be learned from categories (every review is distinct).
    """
    rng = random.Random(5)
    noise = np.random.default_rng(5)
    rows = []
    for _ in range(n):
        label = rng.choice(sorted(WORDS))
        x = float(noise.normal())
        rows.append({"review": review(rng, WORDS[label]), "x": f"{x:.4f}",
                     "y": f"{3.0 * x + 0.3 * noise.normal():.4f}", "label": label})  # fmt: skip
    return write_csv(path, rows)


@pytest.mark.slow
def test_review_column_trains_one_output_past_its_baseline(tmp_path: Path, keras: Any) -> None:
    write_signal_table(tmp_path / "signal.csv")
    result = render_in(tmp_path, "signal.csv", target_columns=["label", "y"], outputs=True,
                       script_dir=".")  # fmt: skip
    assert 'TEXT_COLUMNS = ["review"]' in result
    script = tmp_path / "train.py"
    script.write_text(result)
    proc = run_script(script, "--epochs", "40", "--output-dir", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    label, y = metrics["outputs"]["label"], metrics["outputs"]["y"]
    assert label["test"]["binary_accuracy"] > 0.85 > label["baseline"]["binary_accuracy"] + 0.2
    assert label["test"]["loss"] < 0.5 * label["baseline"]["loss"]
    assert y["test"]["loss"] < 0.2 * y["baseline"]["loss"]

    # model.keras takes the raw strings; predict_labels() gives each output in its terms.
    labels = json.loads((tmp_path / "out" / "labels.json").read_text())
    assert labels["feature_kinds"] == {"review": "text", "x": "numeric"}
    model = load_model(keras, tmp_path / "out" / "model.keras")
    module = load_script(script)
    import pandas as pd

    rows = pd.DataFrame({
        "review": ["Superb and delightful, we loved it.", "Boring, tedious and awful.", None],
        "x": [0.0, 1.0, -1.0],
    })  # fmt: skip
    predicted = module.predict_labels(model, rows, labels)
    assert predicted["label"][:2] == ["positive", "negative"]
    assert len(predicted["y"]) == 3 and predicted["y"][1] > predicted["y"][2] + 3
