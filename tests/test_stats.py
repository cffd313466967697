"""The streaming statistics equal the in-memory ones, however the rows are split into batches.

Each property feeds the same data to :class:`StatsAccumulator` in one batch and in arbitrary
batch splits, and checks both against a naive pure-Python computation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import outhead.stats.model as stats_mod
from outhead.stats import (
    HEAD_ROWS,
    MAX_EXAMPLES,
    MISSING_TOKENS,
    ColumnStats,
    Source,
    StatsAccumulator,
    TargetStats,
    detect_labelset_separator,
    normalize_number,
)

SETTINGS = settings(max_examples=60, deadline=None)


@contextmanager
def small_cap(cap: int = 8) -> Any:
    with mock.patch.object(stats_mod, "DISTINCT_CAP", cap):
        yield cap


def source(names: Sequence[str]) -> Source:
    return Source(path="y", format="npy", columns=tuple(names), all_columns=tuple(names))


def run(columns: list[np.ndarray], cuts: Sequence[int], **kw: Any) -> TargetStats:
    """Feed ``columns`` cut at ``cuts`` (row positions) and return the result."""
    names = [str(j) for j in range(len(columns))]
    acc = StatsAccumulator(names, **kw)
    n = len(columns[0])
    edges = [0, *sorted({c for c in cuts if 0 < c < n}), n]
    for a, b in itertools.pairwise(edges):
        acc.add_columns([c[a:b] for c in columns])
    return acc.result(source(names))


# ---------------------------------------------------------------------------------------------
# The naive reference
# ---------------------------------------------------------------------------------------------


def is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() in MISSING_TOKENS
    if isinstance(v, (bool, np.bool_)):
        return False
    return not math.isfinite(float(v))


def naive_column(name: str, values: Sequence[Any], kind: str) -> ColumnStats:
    cap = stats_mod.DISTINCT_CAP
    missing = [i for i, v in enumerate(values) if is_missing(v)]
    present = [v for v in values if not is_missing(v)]
    nonfinite = sum(
        1 for v in values if kind in ("int", "float") and v is not None and math.isinf(float(v))
    )
    counts: dict[Any, int] = {}
    for v in present:
        if kind == "string":
            key: Any = v.strip()
        elif kind == "bool":
            key = bool(v)
        else:
            key = normalize_number(v.item() if hasattr(v, "item") else v)
        counts[key] = counts.get(key, 0) + 1
    capped = len(counts) > cap
    label_tokens = naive_label_words(values, counts) if kind == "string" and not capped else ()
    if label_tokens:
        # Issue 13: 'None' as frequent as the labels beside it is a label, not a missing cell.
        for word in label_tokens:
            counts[word] = sum(1 for v in values if isinstance(v, str) and v.strip() == word)
        missing = [
            i
            for i in missing
            if not (isinstance(values[i], str) and values[i].strip() in label_tokens)
        ]
    if kind in ("int", "float") and present:
        xs = [float(v) for v in present]
        whole = all(x == math.floor(x) for x in xs)
        mean = sum(xs) / len(xs)
        ctype = "integer" if whole else "float"
        extra: dict[str, Any] = dict(
            minimum=min(xs),
            maximum=max(xs),
            all_integer=whole,
            total=math.fsum(xs),
            total_sq=math.fsum((x - mean) ** 2 for x in xs),
        )
    else:
        ctype = {"bool": "bool", "string": "string"}.get(kind, "empty") if present else "empty"
        extra = {}
    return ColumnStats(
        name=name,
        type=ctype,  # type: ignore[arg-type]
        n_missing=len(missing),
        missing_rows=tuple(missing[:MAX_EXAMPLES]),
        counts=None if capped else counts,
        n_distinct=cap + 1 if capped else len(counts),
        n_nonfinite=nonfinite,
        label_tokens=label_tokens,
        **extra,
    )


def naive_label_words(values: Sequence[Any], counts: dict[Any, int]) -> tuple[str, ...]:
    """The missing-token words that are labels here: in a text column of at most 20 labels that
    are words (not numbers), a word with at least 2 rows and at least half the rows of the
    rarest label."""

    def is_number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    if not counts or len(counts) > stats_mod.LABEL_WORD_MAX_CLASSES:
        return ()
    if any(is_number(str(k)) for k in counts):
        return ()
    rarest = min(counts.values())
    words = []
    for word in stats_mod.LABEL_WORD_TOKENS:
        n = sum(1 for v in values if isinstance(v, str) and v.strip() == word)
        if n >= 2 and n >= stats_mod.LABEL_WORD_SHARE * rarest:
            words.append(word)
    return tuple(words)


def assert_column_equal(got: ColumnStats, want: ColumnStats) -> None:
    assert got.name == want.name
    assert got.type == want.type
    assert got.n_missing == want.n_missing
    assert got.missing_rows == want.missing_rows
    assert got.counts == want.counts
    if got.counts is not None:
        # keys must have the same types too (1 and 1.0 are equal but 1 must be an int)
        assert sorted(map(repr, got.counts)) == sorted(map(repr, want.counts or {}))
    assert got.n_distinct == want.n_distinct
    assert got.n_nonfinite == want.n_nonfinite
    assert got.all_integer == want.all_integer
    if want.minimum is None:
        assert got.minimum is None and got.maximum is None
    else:
        assert got.minimum == want.minimum and got.maximum == want.maximum
        scale = max(1.0, abs(want.total), want.total_sq)
        assert got.total == pytest.approx(want.total, rel=1e-9, abs=1e-9 * scale)
        assert got.total_sq == pytest.approx(want.total_sq, rel=1e-7, abs=1e-7 * scale)


def assert_stats_equal(a: TargetStats, b: TargetStats) -> None:
    """Two results of the same data, split differently: equal up to float rounding."""
    assert a.n_rows == b.n_rows
    assert a.head == b.head
    for x, y in zip(a.columns, b.columns, strict=True):
        assert_column_equal(x, y)
    assert (a.matrix is None) == (b.matrix is None)
    if a.matrix is not None and b.matrix is not None:
        assert a.matrix == b.matrix
    assert a.labelsets == b.labelsets


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

small_ints = st.integers(-3, 6)
floats = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.5, 0.25, math.nan, math.inf, -math.inf]),
    st.floats(-1e6, 1e6, allow_nan=False),
)
strings = st.sampled_from(["a", "b", " a", "cat", "NA", "", "None", "dog ", "nan", "é"])


@st.composite
def column_and_cuts(draw: Any, kind: str | None = None) -> tuple[str, list[Any], list[int]]:
    kind = kind or draw(st.sampled_from(["int", "float", "bool", "string"]))
    elem = {"int": small_ints, "float": floats, "bool": st.booleans(), "string": strings}[kind]
    values = draw(st.lists(elem, min_size=1, max_size=60))
    cuts = draw(st.lists(st.integers(0, len(values)), max_size=8))
    return kind, values, cuts


def as_array(kind: str, values: list[Any]) -> np.ndarray:
    dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_, "string": object}[kind]
    return np.array(values, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(column_and_cuts())
def test_one_column_any_split_equals_naive(case: tuple[str, list[Any], list[int]]) -> None:
    kind, values, cuts = case
    arr = as_array(kind, values)
    whole = run([arr], [])
    split = run([arr], cuts)
    assert_stats_equal(split, whole)
    assert_column_equal(whole.columns[0], naive_column("0", values, kind))
    want_head = tuple(
        ("" if is_missing(v) else stats_mod.format_value(naive_key(kind, v)),)
        for v in values[:HEAD_ROWS]
    )
    assert whole.head == want_head


def naive_key(kind: str, v: Any) -> Any:
    if kind == "string":
        return v.strip()
    if kind == "bool":
        return bool(v)
    return normalize_number(v)


@SETTINGS
@given(column_and_cuts(), st.integers(1, 6))
def test_distinct_cap_any_split(case: tuple[str, list[Any], list[int]], cap: int) -> None:
    kind, values, cuts = case
    with small_cap(cap):
        arr = as_array(kind, values)
        whole, split = run([arr], []), run([arr], cuts)
        assert_stats_equal(split, whole)
        assert_column_equal(whole.columns[0], naive_column("0", values, kind))


@SETTINGS
@given(column_and_cuts(), st.data())
def test_arrow_and_numpy_batches_mix(case: tuple[str, list[Any], list[int]], data: Any) -> None:
    """Readers hand over pyarrow arrays (CSV, Parquet) or numpy ones (NPY): same results."""
    kind, values, cuts = case
    arr = as_array(kind, values)
    acc = StatsAccumulator(["0"])
    edges = [0, *sorted({c for c in cuts if 0 < c < len(values)}), len(values)]
    for a, b in itertools.pairwise(edges):
        piece = arr[a:b]
        if data.draw(st.booleans()):
            if kind == "string":
                acc.add_columns([pa.array(piece.tolist(), type=pa.string())])
            elif kind == "float":
                acc.add_columns([pa.array(piece, from_pandas=False)])
            else:
                acc.add_columns([pa.array(piece)])
        else:
            acc.add_columns([piece])
    assert_stats_equal(acc.result(source(["0"])), run([arr], []))


@st.composite
def matrices(draw: Any) -> tuple[np.ndarray, list[int]]:
    n = draw(st.integers(1, 40))
    k = draw(st.integers(2, 5))
    kind = draw(st.sampled_from(["onehot", "multihot", "prob", "float", "int"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "onehot":
        m = np.eye(k, dtype=np.int8)[rng.integers(0, k, n)]
    elif kind == "multihot":
        m = (rng.random((n, k)) < 0.4).astype(np.int64)
    elif kind == "prob":
        m = rng.dirichlet(np.ones(k), n)
    elif kind == "int":
        m = rng.integers(-2, 40, (n, k))
    else:
        m = rng.normal(size=(n, k))
        m[rng.random((n, k)) < 0.1] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    cuts = draw(st.lists(st.integers(0, n), max_size=6))
    return m, cuts


def naive_matrix(m: np.ndarray) -> dict[str, Any]:
    sums: dict[float, int] = {}
    examples: dict[float, list[int]] = {}
    off: list[int] = []
    with_missing = 0
    negative = 0
    gap: float | None = None
    for i, row in enumerate(m.tolist()):
        negative += sum(1 for x in row if x < 0 and x != -math.inf)
        if any(not math.isfinite(x) for x in row):
            with_missing += 1
            continue
        s = math.fsum(row)
        gap = abs(s - 1) if gap is None else max(gap, abs(s - 1))
        key = float(round(s, 9))
        sums[key] = sums.get(key, 0) + 1
        examples.setdefault(key, [])
        if len(examples[key]) < MAX_EXAMPLES:
            examples[key].append(i)
        if abs(s - 1) > 1e-6:
            off.append(i)
    return {
        "sums": sums,
        "examples": {k: tuple(v) for k, v in examples.items()},
        "off": off,
        "missing": with_missing,
        "negative": negative,
        "gap": gap,
    }


@SETTINGS
@given(matrices())
def test_matrix_any_split_equals_naive(case: tuple[np.ndarray, list[int]]) -> None:
    m, cuts = case
    cols = [m[:, j] for j in range(m.shape[1])]
    whole = run(cols, [])
    split = run(cols, cuts)
    assert_stats_equal(split, whole)
    # add_matrix (the NPY path, with its fast path for int blocks) agrees too
    acc = StatsAccumulator([str(j) for j in range(m.shape[1])])
    edges = [0, *sorted({c for c in cuts if 0 < c < len(m)}), len(m)]
    for a, b in itertools.pairwise(edges):
        acc.add_matrix(m[a:b])
    assert_stats_equal(acc.result(source(whole.source.columns)), whole)

    want = naive_matrix(m.astype(np.float64))
    got = whole.matrix
    assert got is not None
    if len(want["sums"]) <= stats_mod.DISTINCT_CAP:
        assert got.row_sum_counts is not None
        # float rounding of a sum may differ in the 9th decimal between summation orders
        assert sum(got.row_sum_counts.values()) == sum(want["sums"].values())
        if m.dtype.kind in "iu":
            assert got.row_sum_counts == want["sums"]
            assert got.row_examples == want["examples"]
    assert got.n_rows_off_one == len(want["off"])
    assert got.off_one_rows == tuple(want["off"][:MAX_EXAMPLES])
    assert got.n_rows_with_missing == want["missing"]
    assert got.n_negative == want["negative"]
    if want["gap"] is None:
        assert got.max_off_one is None
    else:
        assert got.max_off_one == pytest.approx(want["gap"], abs=1e-9)
    for j, c in enumerate(whole.columns):
        kind = "int" if m.dtype.kind in "iu" else "float"
        assert_column_equal(c, naive_column(str(j), m[:, j].tolist(), kind))


@SETTINGS
@given(
    st.lists(
        st.lists(st.sampled_from(["He", "Ne", "Ar", "Kr", "Xe", "Rn"]), max_size=4),
        min_size=1,
        max_size=50,
    ),
    st.sampled_from(["|", ";"]),
    st.lists(st.integers(0, 50), max_size=6),
)
def test_label_sets_any_split_equals_naive(
    rows: list[list[str]], sep: str, cuts: list[int]
) -> None:
    cells = [sep.join(r) if r else None for r in rows]
    arr = np.array(cells, dtype=object)
    whole = run([arr], [], separator=sep)
    split = run([arr], cuts, separator=sep)
    assert_stats_equal(split, whole)
    ls = whole.labelsets
    if all(c is None for c in cells):
        assert ls is None or ls.token_counts == {}
        return
    if not any(c is not None and sep in c for c in cells):
        assert ls is None  # --sep that no cell holds: one label per cell, no label sets
        return
    assert ls is not None and ls.separator == sep
    want_tokens: dict[str, int] = {}
    want_sizes: dict[int, int] = {}
    for r in rows:
        if not r:
            continue
        for t in set(r):
            want_tokens[t] = want_tokens.get(t, 0) + 1
        want_sizes[len(set(r))] = want_sizes.get(len(set(r)), 0) + 1
    assert ls.token_counts == want_tokens
    assert ls.size_counts == want_sizes
    assert ls.n_tokens == len(want_tokens)


# ---------------------------------------------------------------------------------------------
# The batch-boundary cases issue 5 names, spelled out
# ---------------------------------------------------------------------------------------------


def test_class_first_seen_in_the_last_batch() -> None:
    acc = StatsAccumulator(["y"])
    acc.add_columns([np.array([0, 1, 0, 1])])
    acc.add_columns([np.array([1, 0])])
    acc.add_columns([np.array([7])])
    c = acc.result(source(["y"])).columns[0]
    assert c.counts == {0: 3, 1: 3, 7: 1} and c.maximum == 7 and c.n_distinct == 3


def test_missing_values_in_one_batch_only() -> None:
    acc = StatsAccumulator(["y"])
    acc.add_columns([np.array([1.0, 2.0])])
    acc.add_columns([np.array([np.nan, 2.0, np.nan])])
    acc.add_columns([np.array([1.0])])
    c = acc.result(source(["y"])).columns[0]
    assert c.n_missing == 2 and c.missing_rows == (2, 4)
    assert c.counts == {1: 2, 2: 2} and c.type == "integer"


def test_label_spelled_1_then_1_point_0() -> None:
    acc = StatsAccumulator(["y"])
    acc.add_columns([pa.array([1, 0, 1])])
    acc.add_columns([np.array([1.0, 0.0])])
    acc.add_columns([pa.array([1.0])])
    c = acc.result(source(["y"])).columns[0]
    assert c.counts == {0: 2, 1: 4}
    assert all(type(k) is int for k in c.counts)
    assert c.type == "integer" and c.all_integer


def test_single_row_batches() -> None:
    values = [3, 1, 4, 1, 5, 9, 2, 6]
    acc = StatsAccumulator(["0"])
    for v in values:
        acc.add_columns([np.array([v])])
    got = acc.result(source(["0"]))
    want = run([np.array(values)], [])
    assert_stats_equal(got, want)
    assert got.head == tuple((str(v),) for v in values[:HEAD_ROWS])


def test_exceeding_the_distinct_cap_across_batches() -> None:
    with small_cap(4) as cap:
        acc = StatsAccumulator(["y"])
        acc.add_columns([np.array([0, 1, 2])])
        acc.add_columns([np.array([3, 0])])
        assert acc.result(source(["y"])).columns[0].counts == {0: 2, 1: 1, 2: 1, 3: 1}
        acc.add_columns([np.array([4])])
        c = acc.result(source(["y"])).columns[0]
        assert c.counts is None and c.n_distinct == cap + 1 and c.distinct_capped
        assert c.minimum == 0 and c.maximum == 4 and c.total == 10


def test_text_after_numbers_is_kept_as_text() -> None:
    acc = StatsAccumulator(["y"])
    acc.add_columns([np.array([1, 2, 1])])
    acc.add_columns([pa.array(["cat", "1"])])
    c = acc.result(source(["y"])).columns[0]
    assert c.type == "string" and c.counts == {"1": 3, "2": 1, "cat": 1}


def test_all_missing_is_empty() -> None:
    acc = StatsAccumulator(["y"])
    acc.add_columns([np.array([np.nan, np.inf])])
    acc.add_columns([pa.array([None, None], type=pa.null())])
    c = acc.result(source(["y"])).columns[0]
    assert c.type == "empty" and c.n_missing == 4 and c.counts == {} and c.n_nonfinite == 1


def test_bool_matrix_counts_as_indicators() -> None:
    m = np.array([[True, False], [False, True], [True, True]])
    acc = StatsAccumulator(["a", "b"])
    acc.add_matrix(m)
    s = acc.result(source(["a", "b"]))
    assert s.columns[0].type == "bool" and s.columns[0].counts == {True: 2, False: 1}
    assert s.matrix is not None and s.matrix.row_sum_counts == {1.0: 2, 2.0: 1}


def test_string_column_disables_the_matrix() -> None:
    acc = StatsAccumulator(["a", "b"])
    acc.add_columns([np.array([1, 0]), pa.array(["x", "y"])])
    assert acc.result(source(["a", "b"])).matrix is None


def test_labelset_detection_does_not_depend_on_batches() -> None:
    rows = ["He|Ne", "Ar", "Kr|Xe", "He", "Ne|Ar|Kr", "Xe", "He|Xe", "Rn", "Ar|Rn", "He|Ne"] * 150
    arr = np.array(rows, dtype=object)
    whole = run([arr], [])
    split = run([arr], [1, 2, 999, 1000, 1001, 1200])
    assert whole.labelsets is not None and whole.labelsets.separator == "|"
    assert_stats_equal(split, whole)


@pytest.mark.parametrize(
    ("values", "delimiter", "expected"),
    [
        (["a|b", "b", "a", "a|c", "c"], None, "|"),
        (["a;b", "b", "a", "a;c", "c"], None, ";"),
        (["a,b", "b", "a", "a,c", "c"], None, ","),
        (["a,b", "b", "a", "a,c", "c"], ",", None),
        (["1,5", "2,5", "1,5", "3,0"], None, None),
        (["cat", "dog", "cat"], None, None),
        (["New York, NY", "Paris, FR", "Oslo, NO"], None, None),
        (["2020/01/02", "2020/01/03", "2021/02/02"], None, None),
        (["a b", "a c", "b c", "a b c", "a", "b", "c", "a b"], None, " "),
        (["a b", "a", "b", "a b", "b", "a", "a b", "b"], None, None),  # too few combinations
        (["a|b", "c;d", "a|b", "c;d", "a", "c"], None, None),  # ambiguous
        ([], None, None),
    ],
)
def test_detect_labelset_separator(
    values: list[str], delimiter: str | None, expected: str | None
) -> None:
    assert detect_labelset_separator(values, delimiter) == expected
