"""Per-column statistics: each batch of a column prepared once (numbers, text, missing
cells) and folded into its counts, range, sums and head."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import outhead.stats.model as model
from outhead.diagnostics import Diagnostic
from outhead.reading.arrow import arrow_to_numpy, string_array
from outhead.stats.histogram import HistogramAccumulator
from outhead.stats.model import (
    _BINCOUNT_RANGE,
    LABEL_WORD_MAX_CLASSES,
    LABEL_WORD_SHARE,
    LABEL_WORD_TOKENS,
    MAX_EXAMPLES,
    MISSING_TOKENS,
    ColumnStats,
    ColumnType,
    TextStats,
    Value,
    _np,
    _pa,
    _pc,
    format_value,
    normalize_number,
)


class _Column:
    """Mutable per-column state folded batch by batch."""

    __slots__ = (
        "all_whole",
        "blank_rows",
        "counts",
        "head",
        "histogram",
        "kind",
        "maximum",
        "mean",
        "minimum",
        "missing_rows",
        "n_missing",
        "n_nonfinite",
        "n_numeric",
        "name",
        "profile",
        "sketch",
        "sq",
        "text_cells",
        "text_words",
        "total",
        "word_counts",
    )

    def __init__(self, name: str, profile: bool = False) -> None:
        self.name = name
        self.profile = profile  # gather TextStats (free text or categories?)
        self.kind: str | None = None  # "number" | "bool" | "string"; None before any value
        self.n_missing = 0
        self.missing_rows: list[int] = []
        self.counts: dict[Value, int] | None = {}
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.all_whole = True
        self.n_numeric = 0
        self.total = 0.0
        self.mean = 0.0
        self.sq = 0.0
        self.n_nonfinite = 0
        self.histogram = HistogramAccumulator()  # numeric columns: bins, in the same pass
        self.head: list[str] = []
        # Missing cells that were a label word (``None``), counted apart: the word may turn out
        # to be a label of this column; ``blank_rows`` are the first rows of the other ones.
        self.word_counts: dict[str, int] = {}
        self.blank_rows: list[int] = []
        # Text: cells and their lengths in words, and (past DISTINCT_CAP) the distinct sketch.
        self.text_cells = 0
        self.text_words: dict[int, int] = {}
        self.sketch: _Sketch | None = None

    # -- shared helpers ---------------------------------------------------------------------
    def add_missing(self, mask: Any, offset: int) -> None:
        np = _np()
        n = int(np.count_nonzero(mask))
        if n == 0:
            return
        self.n_missing += n
        need = MAX_EXAMPLES - len(self.missing_rows)
        if need > 0:
            self.missing_rows.extend(int(i) + offset for i in np.flatnonzero(mask)[:need])

    def add_blank(self, mask: Any, offset: int) -> None:
        need = MAX_EXAMPLES - len(self.blank_rows)
        if need > 0:
            np = _np()
            self.blank_rows.extend(int(i) + offset for i in np.flatnonzero(mask)[:need])

    def label_words(self) -> list[str]:
        """The label words (:data:`LABEL_WORD_TOKENS`) that are labels of this text column: as
        frequent as the other labels are, and those are words, not numbers."""
        counts = self.counts
        if self.kind != "string" or not counts or not self.word_counts:
            return []
        if len(counts) > LABEL_WORD_MAX_CLASSES or any(_is_number_text(str(k)) for k in counts):
            return []
        rarest = min(counts.values())
        return [
            w for w, n in self.word_counts.items() if n >= 2 and n >= LABEL_WORD_SHARE * rarest
        ]

    def merge_counts(self, keys: list[Any], counts: list[int]) -> None:
        if self.counts is None:
            return
        c = self.counts
        for k, n in zip(keys, counts, strict=True):
            c[k] = c.get(k, 0) + int(n)
        if len(c) > model.DISTINCT_CAP:
            self.counts = None

    def merge_moments(self, n: int, total: float, m2: float) -> None:
        """Chan et al.'s parallel update: batch splits change the result only by rounding."""
        if n == 0:
            return
        mean_b = total / n
        n_a = self.n_numeric
        if n_a == 0:
            self.mean, self.sq = mean_b, m2
        else:
            delta = mean_b - self.mean
            n_ab = n_a + n
            self.mean += delta * n / n_ab
            self.sq += m2 + delta * delta * n_a * n / n_ab
        self.n_numeric += n
        self.total += total

    def merge_range(self, lo: float, hi: float) -> None:
        self.minimum = lo if self.minimum is None else min(self.minimum, lo)
        self.maximum = hi if self.maximum is None else max(self.maximum, hi)

    def to_strings(self) -> None:
        """Turn the state into a text column (a reader met text after numbers or bools)."""
        if self.kind in ("number", "bool") and self.counts is not None:
            self.counts = {format_value(k): n for k, n in self.counts.items()}
        self.kind = "string"
        self.minimum = self.maximum = None
        self.all_whole = True
        self.n_numeric = 0
        self.total = self.mean = self.sq = 0.0
        self.histogram = HistogramAccumulator()

    def finish(self) -> ColumnStats:
        words = self.label_words()
        counts = self.counts
        n_missing, missing_rows = self.n_missing, self.missing_rows
        if words and counts is not None:
            counts = {**counts, **{w: self.word_counts[w] for w in words}}
            n_missing -= sum(self.word_counts[w] for w in words)
            if len(words) == len(self.word_counts):
                missing_rows = self.blank_rows
        n_distinct = len(counts) if counts is not None else model.DISTINCT_CAP + 1
        if self.kind == "number":
            ctype: ColumnType = "integer" if self.all_whole else "float"
        elif self.kind == "bool":
            ctype = "bool"
        elif self.kind == "string":
            ctype = "string"
        else:
            ctype = "empty"
        if self.kind is not None and n_distinct == 0 and counts is not None:
            ctype = "empty"
        numeric = ctype in ("integer", "float")
        text = None
        if ctype == "string" and self.profile:
            exact = self.sketch is None
            text = TextStats(
                n_present=self.text_cells,
                n_distinct=n_distinct if exact else self.sketch.estimate(),  # type: ignore[union-attr]
                exact=exact,
                word_counts=dict(sorted(self.text_words.items())),
            )
        return ColumnStats(
            name=self.name,
            type=ctype,
            n_missing=n_missing,
            missing_rows=tuple(missing_rows),
            counts=_sorted_counts(counts) if counts is not None else None,
            n_distinct=n_distinct,
            minimum=self.minimum if numeric else None,
            maximum=self.maximum if numeric else None,
            all_integer=bool(numeric and self.all_whole),
            total=float(self.total) if numeric else 0.0,
            total_sq=float(self.sq) if numeric else 0.0,
            n_nonfinite=self.n_nonfinite,
            label_tokens=tuple(sorted(words)),
            histogram=self.histogram.result() if numeric else None,
            text=text,
        )


def _sorted_counts(counts: Mapping[Value, int]) -> dict[Value, int]:
    """Counts in value order, so that the result does not depend on the batch split."""
    try:
        return dict(sorted(counts.items()))
    except TypeError:
        return dict(sorted(counts.items(), key=lambda kv: (type(kv[0]).__name__, str(kv[0]))))


class _Prepared:
    """One batch of one column, normalised: what kind it is and where its missing cells are."""

    __slots__ = ("kind", "missing", "n", "n_nonfinite", "present", "text", "values")

    def __init__(
        self, kind: str, values: Any, missing: Any, present: Any, n: int, n_nonfinite: int = 0
    ) -> None:
        self.kind = kind  # "int" | "float" | "bool" | "string" | "null"
        self.values = values  # row-aligned (numpy, or a pyarrow array for strings)
        self.missing = missing  # numpy bool mask, or None when nothing is missing
        self.present = present  # the non-missing values only
        self.n = n
        self.n_nonfinite = n_nonfinite
        self.text: _Text | None = None  # text batches: their values, dictionary-encoded


class _Text:
    """A batch of text, dictionary-encoded: each distinct value is stripped, checked against
    the missing tokens and counted once, so the work per row is one hash and one bincount."""

    __slots__ = ("counts", "dictionary", "indices", "present_indices", "word_rows", "words")

    def __init__(self, dictionary: Any, indices: Any, present_indices: Any, counts: Any) -> None:
        self.dictionary = dictionary  # pyarrow string array of stripped distinct values
        self.indices = indices  # numpy, row-aligned (0 under missing cells)
        self.present_indices = present_indices  # numpy, indices of the present rows in order
        self.counts = counts  # numpy, rows per dictionary entry (0 for missing tokens)
        self.words: dict[str, int] = {}  # label-word tokens (``None``) -> rows, among missing
        self.word_rows: Any = None  # numpy bool mask of those rows, or None

    def distinct(self) -> tuple[list[str], list[int]]:
        """The distinct present values (after stripping; may repeat) and their row counts."""
        np = _np()
        nz = np.flatnonzero(self.counts)
        values = self.dictionary.to_pylist()
        return [values[i] for i in nz.tolist()], self.counts[nz].tolist()

    def first_present(self, limit: int) -> list[str]:
        """The first ``limit`` present values, in row order."""
        values = self.dictionary.to_pylist()
        return [values[i] for i in self.present_indices[:limit].tolist()]


def _prepare_numpy(arr: Any, tokens: Sequence[str] = MISSING_TOKENS) -> _Prepared:
    np = _np()
    arr = np.asarray(arr)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    n = len(arr)
    k = arr.dtype.kind
    if k in "iu":
        return _Prepared("int", arr, None, arr, n)
    if k == "f":
        finite = np.isfinite(arr)
        if bool(finite.all()):
            return _Prepared("float", arr, None, arr, n)
        n_inf = int(np.count_nonzero(np.isinf(arr)))
        return _Prepared("float", arr, ~finite, arr[finite], n, n_inf)
    if k == "b":
        return _Prepared("bool", arr, None, arr, n)
    if k in "USO":
        if k == "O":
            # None and NaN in an object array both mean missing
            items = [None if (v is None or v != v) else v for v in arr.tolist()]
            return _prepare_arrow(string_array(items), tokens)
        return _prepare_arrow(string_array(arr), tokens)
    raise TypeError(f"unsupported dtype {arr.dtype}")


def _prepare_arrow(arr: Any, tokens: Sequence[str] = MISSING_TOKENS) -> _Prepared:
    pa = _pa()
    np = _np()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    n = len(arr)
    if pa.types.is_dictionary(t) and not (
        pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    ):
        return _prepare_arrow(arr.dictionary_decode(), tokens)
    if pa.types.is_null(t):
        return _Prepared("null", None, np.ones(n, dtype=bool), None, n)
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        if not pa.types.is_floating(t):
            arr = arr.cast(pa.float64())
        values, missing = arrow_to_numpy(arr)
        if missing is not None:
            values = values.copy()
            values[missing] = np.nan
        return _prepare_numpy(values)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        kind = "bool" if pa.types.is_boolean(t) else "int"
        values, missing = arrow_to_numpy(arr)
        present = values[~missing] if missing is not None else values
        return _Prepared(kind, values, missing, present, n)
    return _prepare_text(arr, n, tokens)


def _prepare_text(arr: Any, n: int, tokens: Sequence[str]) -> _Prepared:
    pa = _pa()
    pc = _pc()
    np = _np()
    if not pa.types.is_dictionary(arr.type):
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            # bytes are decoded as UTF-8 (invalid bytes raise pyarrow.ArrowInvalid for the
            # reader to report); dates, times and anything else are read as their text.
            arr = arr.cast(pa.string())
        arr = pc.dictionary_encode(arr)
    dictionary = pc.utf8_trim_whitespace(arr.dictionary)
    indices, missing = arrow_to_numpy(arr.indices)
    indices = indices.astype(np.intp)
    nulls = missing
    if missing is not None:
        indices[missing] = 0  # the value under a null is arbitrary
    if tokens and len(dictionary):
        value_set = string_array(list(tokens)).cast(dictionary.type)
        is_token = arrow_to_numpy(pc.is_in(dictionary, value_set=value_set))[0]
    else:
        is_token = np.zeros(len(dictionary), dtype=bool)
    words: dict[str, int] = {}
    word_rows = None
    if len(dictionary) and bool(is_token.any()):
        token_rows = is_token[indices]
        missing = token_rows if missing is None else (missing | token_rows)
        # Label words among the tokens are counted apart (they may be labels in context).
        values = dictionary.to_pylist()
        for i in np.flatnonzero(is_token).tolist():
            if values[i] in LABEL_WORD_TOKENS:
                rows = indices == i
                if nulls is not None:
                    rows &= ~nulls
                if (hits := int(np.count_nonzero(rows))):
                    words[values[i]] = words.get(values[i], 0) + hits
                    word_rows = rows if word_rows is None else (word_rows | rows)
    present_indices = indices[~missing] if missing is not None else indices
    counts = np.bincount(present_indices, minlength=len(dictionary))
    p = _Prepared("string", None, missing, None, n)
    p.text = _Text(dictionary, indices, present_indices, counts)
    p.text.words, p.text.word_rows = words, word_rows
    return p


def prepare_column(arr: Any, tokens: Sequence[str] = MISSING_TOKENS) -> _Prepared:
    """Normalise one batch of one column (numpy or pyarrow) for :class:`StatsAccumulator`.

    ``tokens`` are the text values that mean missing (after stripping).
    """
    if type(arr).__module__.startswith("pyarrow"):
        return _prepare_arrow(arr, tokens)
    return _prepare_numpy(arr, tokens)


def _as_texts(p: _Prepared) -> list[str]:
    """The present values of a number or bool batch as text (a column turned to text)."""
    if p.kind == "bool":
        return [str(bool(v)) for v in p.present.tolist()]
    return [format_value(normalize_number(v)) for v in p.present.tolist()]


def _head_texts(p: _Prepared, need: int) -> list[str]:
    if p.kind == "null":
        return [""] * min(need, p.n)
    if p.text is not None:
        values = p.text.dictionary.to_pylist()
        miss = p.missing[:need].tolist() if p.missing is not None else [False] * min(need, p.n)
        return [
            "" if m else values[i]
            for i, m in zip(p.text.indices[:need].tolist(), miss, strict=True)
        ]
    vals = p.values[:need].tolist()
    miss = p.missing[:need].tolist() if p.missing is not None else [False] * len(vals)
    out = []
    for v, m in zip(vals, miss, strict=True):
        if m:
            out.append("")
        elif p.kind == "bool":
            out.append(str(bool(v)))
        else:
            out.append(format_value(normalize_number(v)))
    return out


def _bincount_from(v: Any, lo: int, hi: int) -> Any:
    """Counts of ``v - lo`` for ints in [lo, hi], without an int64 copy of a whole batch."""
    np = _np()
    if hi - lo == 1 and lo == 0:
        ones = int(np.count_nonzero(v))  # 0/1 indicators: one cheap pass
        return np.array([len(v) - ones, ones], dtype=np.int64)
    if lo >= 0 and v.dtype == np.intp:
        return np.bincount(v, minlength=hi + 1)[lo:]
    out = np.zeros(hi - lo + 1, dtype=np.int64)
    step = 1 << 20  # bounded temporaries: a batch of int8 would otherwise grow 8 times
    for start in range(0, len(v), step):
        piece = v[start : start + step].astype(np.intp) - lo
        out += np.bincount(piece, minlength=hi - lo + 1)
    return out


def _fold_number(col: _Column, v: Any, is_int: bool) -> None:
    np = _np()
    n = len(v)
    if n == 0:
        return
    lo, hi = v.min(), v.max()
    col.merge_range(float(lo), float(hi))
    if not is_int and col.all_whole and not bool(np.all(np.floor(v) == v)):
        col.all_whole = False
    keys = cnts = None
    if col.counts is not None:
        if is_int and int(hi) - int(lo) < _BINCOUNT_RANGE:
            c = _bincount_from(v, int(lo), int(hi))
            nz = np.flatnonzero(c)
            keys, cnts = nz.astype(np.int64) + int(lo), c[nz]
        elif not is_int and len(np.unique(v[: 2 * model.DISTINCT_CAP + 2])) > model.DISTINCT_CAP:
            col.counts = None  # continuous values: no need to sort the whole batch to know
        else:
            keys, cnts = np.unique(v, return_counts=True)
            if len(keys) > model.DISTINCT_CAP:
                col.counts = None
                keys = cnts = None
    if keys is not None and cnts is not None:
        kf = keys.astype(np.float64)
        total = float(np.dot(kf, cnts.astype(np.float64)))
        mean = total / n
        m2 = float(np.dot(cnts.astype(np.float64), (kf - mean) ** 2))
        if is_int:
            col.merge_counts(keys.tolist(), cnts.tolist())
        else:
            col.merge_counts([normalize_number(k) for k in keys.tolist()], cnts.tolist())
    else:
        total = float(v.sum(dtype=np.float64))
        mean = total / n
        d = v.astype(np.float64) - mean
        m2 = float(np.dot(d, d))
    col.merge_moments(n, total, m2)
    col.histogram.add(v)


def _fold_bool(col: _Column, v: Any) -> None:
    np = _np()
    n_true = int(np.count_nonzero(v))
    n_false = len(v) - n_true
    col.merge_counts(
        [k for k, c in ((False, n_false), (True, n_true)) if c],
        [c for c in (n_false, n_true) if c],
    )


def _fold_string(col: _Column, text: _Text) -> None:
    if col.profile:
        _fold_words(col, text)
    if col.counts is None:
        if col.sketch is not None:
            col.sketch.add(text.distinct()[0])
        return
    values, counts = text.distinct()
    seen = col.counts
    col.merge_counts(values, counts)
    if col.counts is None and col.profile:  # past the cap: a sketch of every value takes over
        col.sketch = _Sketch()
        col.sketch.add([str(value) for value in seen])


def _fold_words(col: _Column, text: _Text) -> None:
    """Count the present cells of a text batch by their length in words (whitespace-split)."""
    np = _np()
    pc = _pc()
    if not len(text.dictionary):
        return
    lengths = arrow_to_numpy(pc.list_value_length(pc.utf8_split_whitespace(text.dictionary)))[0]
    by_length = np.bincount(lengths.astype(np.intp), weights=text.counts)
    for words in np.flatnonzero(by_length).tolist():
        col.text_words[words] = col.text_words.get(words, 0) + int(by_length[words])
    col.text_cells += int(text.counts.sum())


class _Sketch:
    """The TEXT_SKETCH_SIZE smallest 64-bit hashes of the values added ("k minimum values"):
    their spread estimates how many distinct values there are, in bounded memory, and the
    estimate does not depend on the order or the batches the values came in."""

    __slots__ = ("hashes",)

    def __init__(self) -> None:
        self.hashes: list[int] = []  # sorted, distinct

    def add(self, values: Sequence[str]) -> None:
        import hashlib

        size = model.TEXT_SKETCH_SIZE
        new = {
            int.from_bytes(hashlib.blake2b(v.encode("utf-8"), digest_size=8).digest(), "big")
            for v in values
        }
        self.hashes = sorted(set(self.hashes) | new)[:size]

    def estimate(self) -> int:
        """The estimated number of distinct values (exact below TEXT_SKETCH_SIZE of them)."""
        size = model.TEXT_SKETCH_SIZE
        if len(self.hashes) < size:
            return len(self.hashes)
        return round((size - 1) * 2.0**64 / (self.hashes[-1] + 1))


def _is_number_text(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _mixed_types(col: ColumnStats) -> Diagnostic | None:
    """A warning for a text column that is mostly numbers with a few words among them (a typo,
    a placeholder such as ``?``): it is read as text, which is rarely what was meant."""
    counts = col.counts
    if col.type != "string" or not counts:
        return None
    numeric = [k for k in counts if _is_number_text(str(k))]
    if not numeric or len(numeric) == len(counts):
        return None
    n_numeric = sum(counts[k] for k in numeric)
    if n_numeric * 2 < sum(counts.values()):
        return None
    odd = min((k for k in counts if k not in set(numeric)), key=lambda k: counts[k])
    return Diagnostic(
        code="mixed-types",
        message=f"column {col.name!r} holds numbers and text (such as {odd!r}); it was read "
        "as text",
        fix="fix or remove the odd cells, or mark them missing (NA)",
        severity="warning",
        column=col.name,
    )
