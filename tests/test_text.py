"""Free text among the features (issue 9): the rule, the statistics behind it, the CLI's
``--text`` and ``--categorical``, and the rendered script (golden ``tests/golden/train_text.py``;
regenerate with ``OUTHEAD_REGEN_GOLDEN=1 python -m pytest tests/test_text.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from outhead.cli import app
from outhead.errors import UsageError
from outhead.reading import ReadOptions, scan_target
from outhead.render import FeatureSpec, ScaffoldOptions, check_text_options
from outhead.stats import TEXT_SKETCH_SIZE, StatsAccumulator, TextStats
from outhead.text_features import (
    TEXT_MIN_DISTINCT_SHARE,
    TEXT_MIN_MEDIAN_WORDS,
    TextPlan,
    describe_text,
    is_free_text,
)
from tests.conftest import ROOT
from tests.test_images import check_golden, render_in
from tests.test_render import ruff
from tests.text_data import TOPICS, reviews, write_csv


def invoke(*args: str, cwd: Path | None = None) -> object:
    return CliRunner().invoke(app, ["scaffold", *args])


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "reviews.csv", reviews(300, seed=1))


def text_stats(values: list[str | None], batch: int = 1000) -> TextStats:
    acc = StatsAccumulator(["t"], matrix=False, text_profile=True)
    for start in range(0, len(values), batch):
        acc.add_columns([pa.array(values[start : start + batch], type=pa.string())])
    found = acc.result(None).columns[0].text  # type: ignore[arg-type]
    assert found is not None
    return found


# --- the statistics and the rule ------------------------------------------------------------


def test_text_stats_count_cells_distinct_values_and_words() -> None:
    found = text_stats(["a b c d", "a b c d", "one", None, "NA", "  x y  "])
    assert (found.n_present, found.n_distinct, found.exact) == (4, 3, True)
    assert found.word_counts == {1: 1, 2: 1, 4: 2}
    assert found.median_words == 3.0  # between 2 and 4
    assert found.distinct_share == 0.75


def test_past_the_cap_distinct_values_are_estimated_the_same_for_any_batches() -> None:
    values = [f"row {i} of the table says hello" for i in range(20_000)] * 2
    small, large = text_stats(values, batch=700), text_stats(values, batch=40_000)
    assert small == large
    assert not small.exact and small.n_present == 40_000
    # A sketch of TEXT_SKETCH_SIZE hashes is within a few percent (1/sqrt(k) ~ 1.6%).
    assert abs(small.n_distinct - 20_000) < 20_000 * 5 / TEXT_SKETCH_SIZE**0.5
    assert "about " in describe_text("t", small)


def test_numbers_have_no_text_stats() -> None:
    acc = StatsAccumulator(["x"], matrix=False, text_profile=True)
    acc.add_columns([pa.array([1.5, 2.5, 3.5])])
    assert acc.result(None).columns[0].text is None  # type: ignore[arg-type]


def test_text_stats_are_gathered_only_when_asked(table: Path) -> None:
    """inspect reads targets without them (no cost); scaffold asks for the feature columns."""
    plain = scan_target(str(table), columns=["review"])
    assert plain.columns[0].text is None
    asked = scan_target(str(table), ReadOptions(columns=("review",), text_profile=True))
    assert asked.columns[0].text is not None and asked.columns[0].text.n_present == 300


@pytest.mark.parametrize(
    ("share", "median", "expected"),
    [
        (1.0, 10, True),
        (TEXT_MIN_DISTINCT_SHARE, TEXT_MIN_MEDIAN_WORDS, True),
        (TEXT_MIN_DISTINCT_SHARE - 0.01, 12, False),  # long but repeated: categories
        (1.0, TEXT_MIN_MEDIAN_WORDS - 1, False),  # distinct but short: names, ids
    ],
)
def test_the_rule_needs_distinct_and_long_values(share: float, median: int, expected: bool) -> None:
    text = TextStats(n_present=100, n_distinct=round(share * 100), exact=True,
                     word_counts={median: 100})
    assert is_free_text(text) is expected


def test_the_evidence_states_the_counts() -> None:
    text = TextStats(n_present=19_333, n_distinct=12_034, exact=True, word_counts={18: 19_333})
    assert describe_text("text", text) == (
        "12,034 distinct values over 19,333 rows, median 18 words"
    )


@settings(max_examples=60, deadline=None)
@given(
    categories=st.lists(
        st.lists(st.sampled_from(["red", "big", "old", "new", "blue", "car"]), min_size=1,
                 max_size=12).map(" ".join),
        min_size=1,
        max_size=20,
        unique=True,
    ),
    data=st.data(),
)
def test_categorical_looking_columns_are_never_free_text(
    categories: list[str], data: object
) -> None:
    """Values drawn from k categories over more than 2k rows: fewer than half are distinct,
    however many words each has, so the column stays categorical."""
    n = data.draw(st.integers(2 * len(categories) + 1, 8 * len(categories) + 10))  # type: ignore[attr-defined]
    picks = data.draw(st.lists(st.sampled_from(categories), min_size=n, max_size=n))  # type: ignore[attr-defined]
    batch = data.draw(st.integers(1, n))  # type: ignore[attr-defined]
    assert not is_free_text(text_stats(list(picks), batch=batch))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghij_-0123456789", min_size=1, max_size=12),
                min_size=1, max_size=60, unique=True))
def test_single_words_are_never_free_text(values: list[str]) -> None:
    """Distinct one-word values (ids, names, codes) are categories or ids, not sentences."""
    assert not is_free_text(text_stats(values))


# --- the CLI ------------------------------------------------------------------------------------


def test_a_column_of_sentences_is_read_as_free_text(table: Path) -> None:
    result = invoke(str(table), "--target", "label")
    assert result.exit_code == 0, result.stderr
    assert "note: column 'review' read as free text: 300 distinct values over 300 rows, " \
        "median 10 words" in result.stderr
    script = result.stdout
    assert 'TEXT_COLUMNS = ["review"]' in script
    assert "keras.layers.TextVectorization(" in script
    assert 'output_mode="multi_hot"' in script
    assert "#   - column 'review' read as free text: 300 distinct values over 300 rows" in script
    assert "genre" not in "".join(line for line in result.stderr.splitlines() if "free" in line)
    ast.parse(script)


def test_categorical_overrides_the_rule(table: Path) -> None:
    result = invoke(str(table), "--target", "label", "--categorical", "review")
    assert result.exit_code == 0, result.stderr
    assert "TEXT_COLUMNS" not in result.stdout and "TextVectorization" not in result.stdout
    assert 'CATEGORICAL_COLUMNS = ["review"]' in result.stdout
    assert "note: column 'review' read as categories (--categorical)" in result.stderr


def test_categorical_reads_a_numeric_column_as_categories(table: Path) -> None:
    result = invoke(str(table), "--target", "label", "--categorical", "stars")
    assert result.exit_code == 0, result.stderr
    assert 'CATEGORICAL_COLUMNS = ["stars"]' in result.stdout
    assert 'TEXT_COLUMNS = ["review"]' in result.stdout  # the rule still reads the review


def test_text_overrides_the_rule(table: Path) -> None:
    result = invoke(str(table), "--target", "label", "--text", "genre")
    assert result.exit_code == 0, result.stderr
    assert 'TEXT_COLUMNS = ["review", "genre"]' in result.stdout
    assert "column 'genre' read as free text (--text): 3 distinct values over 300 rows, " \
        "median 1 word" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "nope"), "--text column 'nope' is not a feature column"),
        (("--categorical", "nope"), "--categorical column 'nope' is not a feature column"),
        (("--text", "label"), "--text column 'label' is not a feature column"),
        (("--text", "stars"), "--text column 'stars' holds whole numbers, not text"),
        (("--text", "genre", "--categorical", "genre"), "both --text and --categorical"),
        (("--stream",), "--stream cannot read free text yet"),
        (("--distribute",), "--distribute cannot read free text"),
    ],
)
def test_bad_text_options_exit_2_with_one_line(
    table: Path, args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "train.py"
    result = invoke(str(table), "--target", "label", *args, "--out", str(out))
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not out.exists()


@pytest.mark.parametrize("option", ["--stream", "--distribute"])
def test_stream_and_distribute_take_text_read_as_categories(table: Path, option: str) -> None:
    result = invoke(str(table), "--target", "label", option, "--categorical", "review")
    assert result.exit_code == 0, result.stderr
    assert "TextVectorization" not in result.stdout
    dropped = invoke(str(table), "--target", "label", option, "--drop", "review")
    assert dropped.exit_code == 0, dropped.stderr


def test_check_text_options_names_the_column() -> None:
    features = FeatureSpec(source=None, text=TextPlan(text=("body",)))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--categorical body"):
        check_text_options(features, ScaffoldOptions(stream=True))
    check_text_options(FeatureSpec(source=None), ScaffoldOptions(stream=True))  # type: ignore[arg-type]


def test_text_in_a_separate_features_file(tmp_path: Path) -> None:
    rows = reviews(120, seed=2, classes=TOPICS)
    write_csv(tmp_path / "y.csv", [{"topic": r["label"]} for r in rows])
    write_csv(tmp_path / "X.tsv", [{k: r[k] for k in ("review", "stars")} for r in rows], "\t")
    result = invoke(str(tmp_path / "y.csv"), "--features", str(tmp_path / "X.tsv"))
    assert result.exit_code == 0, result.stderr
    assert 'TEXT_COLUMNS = ["review"]' in result.stdout
    assert "column 'review' read as free text: 120 distinct values over 120 rows" in result.stderr


def test_text_in_a_parquet_features_file(tmp_path: Path) -> None:
    rows = reviews(90, seed=3)
    write_csv(tmp_path / "y.csv", [{"label": r["label"]} for r in rows])
    pq.write_table(
        pa.table({"review": [r["review"] for r in rows], "genre": [r["genre"] for r in rows]}),
        tmp_path / "X.parquet",
    )
    result = invoke(str(tmp_path / "y.csv"), "--features", str(tmp_path / "X.parquet"))
    assert result.exit_code == 0, result.stderr
    assert 'TEXT_COLUMNS = ["review"]' in result.stdout


def test_text_options_do_not_apply_to_images(tmp_path: Path) -> None:
    from tests.image_data import shape_folder

    shape_folder(tmp_path / "pets", 20, classes=2, seed=3)
    result = invoke(str(tmp_path / "pets"), "--text", "review")
    assert result.exit_code == 2
    assert "--text and --categorical apply to tables of features" in result.stderr


def test_tables_without_text_render_as_before(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "review"} for r in reviews(100, seed=4)]
    result = invoke(str(write_csv(tmp_path / "t.csv", rows)), "--target", "label")
    assert result.exit_code == 0, result.stderr
    assert "TEXT_COLUMNS" not in result.stdout and "free text" not in result.stderr


def test_readme_free_text_example_is_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text()
    command = (
        "$ outhead scaffold sample_data/reviews_table.csv --target sentiment "
        "--out reviews/train.py\n"
    )
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("```", start)].splitlines()
    monkeypatch.chdir(ROOT)
    out = tmp_path / "train.py"
    result = invoke("sample_data/reviews_table.csv", "--target", "sentiment", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == shown[0]
    assert shown[0].startswith("note: column 'review' read as free text")
    script = out.read_text()
    for line in ('TEXT_COLUMNS = ["review"]', "MAX_TOKENS = 20_000", "MAX_WORDS = 256"):
        assert line in script and line in readme


# --- the rendered script ------------------------------------------------------------------------


def test_golden_text_script(tmp_path: Path) -> None:
    write_csv(tmp_path / "reviews.csv", reviews(200, seed=5))
    check_golden("train_text.py", render_in(tmp_path, "reviews.csv", target_columns=["label"]))


def test_every_text_script_passes_ruff(tmp_path: Path) -> None:
    write_csv(tmp_path / "reviews.csv", reviews(200, seed=5))
    out = tmp_path / "scripts"
    out.mkdir()
    variants = {
        "text": {},
        "forced": {"text": ["genre"], "categorical": ["stars"]},
        "categorical-stream": {"categorical": ["review"], "options": ScaffoldOptions(stream=True)},
        "linear": {"options": ScaffoldOptions(hidden=(), from_logits=True)},
    }
    for name, kw in variants.items():
        text = render_in(tmp_path, "reviews.csv", target_columns=["label"], **kw)
        (out / f"{name.replace('-', '_')}.py").write_text(text, encoding="utf-8")
    ruff(out)
