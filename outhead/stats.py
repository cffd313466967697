"""The statistics that layout inference needs, gathered in one streaming pass.

The readers (``outhead.reading``) turn a file into batches of target columns; a
:class:`StatsAccumulator` folds those batches into a :class:`TargetStats`. Nothing here keeps
the data itself: only what inference needs, exact (not sampled), with distinct values tracked up
to :data:`DISTINCT_CAP` (past the cap a column reports "more than N distinct").

Conventions shared by every reader and the accumulator:

* Row numbers are 0-based positions among the *data* rows (a CSV header is not a row).
* Missing cells are null / NaN anywhere, ``+inf`` / ``-inf`` anywhere (counted in
  ``n_missing`` and also in ``n_nonfinite``), and text cells that are, once stripped, ``''``,
  ``NA``, ``N/A``, ``nan``, ``NaN``, ``null``, ``None`` or ``?`` (UCI exports) - in text
  files and in string arrays of binary ones alike (``df.y.astype(str)`` turns NaN into
  ``'nan'``). Labels taken out of a Parquet list column are exact: an empty list is an empty
  set of labels.
* Numbers are kept as floats in ``counts`` keys only when they are not whole; whole numbers are
  ``int`` keys, so ``1``, ``1.0`` and ``"1"`` read from a numeric column are the same label.
* Strings are stripped of surrounding whitespace; bytes (``.npy`` of dtype ``S``) are decoded
  as UTF-8.
* A text column whose values are label sets (``Kr|Xe``) is described by :class:`LabelSetStats`
  in addition to its :class:`ColumnStats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from outhead.diagnostics import Diagnostic

#: Distinct values tracked exactly per column; beyond it a column is "more than N distinct".
DISTINCT_CAP = 4096
#: How many example row numbers are kept for each kind of anomaly (missing cells, odd rows).
MAX_EXAMPLES = 5
#: How many leading rows are kept as text, for display.
HEAD_ROWS = 5

Value = int | float | str | bool
ColumnType = Literal["integer", "float", "bool", "string", "empty"]
Format = Literal["csv", "tsv", "npy", "npz", "parquet", "image-folder"]


@dataclass(frozen=True)
class Source:
    """Where the target came from and how it was read (enough to read it again the same way)."""

    path: str
    """The path as the user gave it; ``-`` for standard input."""
    format: Format
    columns: tuple[str, ...]
    """The target columns that were read, in order (``0``, ``1``... when there is no header)."""
    all_columns: tuple[str, ...]
    """Every column of the file, for messages and for the scaffold's feature columns."""
    header: bool | None = None
    """CSV/TSV: whether the first line was a header (detected or forced); None otherwise."""
    delimiter: str | None = None
    """CSV/TSV: the field delimiter that was used."""
    decimal: str = "."
    """CSV/TSV: the decimal mark of the numbers (``,`` in a European export)."""
    key: str | None = None
    """NPZ: the array that was read."""
    n_bytes: int | None = None
    """Size of the file (or the sum over a Parquet dataset directory); None for stdin."""

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "format": self.format,
            "columns": list(self.columns),
            "all_columns": list(self.all_columns),
            "header": self.header,
            "delimiter": self.delimiter,
            "decimal": self.decimal,
            "key": self.key,
            "n_bytes": self.n_bytes,
        }


@dataclass(frozen=True)
class ColumnStats:
    """Exact statistics of one target column (non-missing values unless stated)."""

    name: str
    type: ColumnType
    """``integer`` (whole numbers), ``float``, ``bool``, ``string``, or ``empty`` (all missing)."""
    n_missing: int
    missing_rows: tuple[int, ...]
    """The first :data:`MAX_EXAMPLES` row numbers with a missing cell."""
    counts: Mapping[Value, int] | None
    """Value -> count for every distinct value, or None past :data:`DISTINCT_CAP`."""
    n_distinct: int
    """Exact when ``counts`` is set; otherwise ``DISTINCT_CAP + 1`` (a lower bound)."""
    minimum: float | None = None
    maximum: float | None = None
    all_integer: bool = False
    """Numeric columns: every value is a whole number (``3.0`` counts)."""
    total: float = 0.0
    """Numeric columns: sum of values (for the mean)."""
    total_sq: float = 0.0
    """Numeric columns: sum of squared deviations from the mean (for the standard deviation)."""
    n_nonfinite: int = 0
    """Cells that were ``+inf``/``-inf`` (already included in ``n_missing``)."""
    label_tokens: tuple[str, ...] = ()
    """Missing-cell tokens that are labels of this column in context (``None`` beside ``Some``
    and ``Marked``): counted in ``counts``, not in ``n_missing``."""

    @property
    def n_present(self) -> int:
        return sum(self.counts.values()) if self.counts is not None else -1

    @property
    def is_numeric(self) -> bool:
        return self.type in ("integer", "float")

    @property
    def distinct_capped(self) -> bool:
        return self.counts is None


@dataclass(frozen=True)
class LabelSetStats:
    """A text column read as sets of labels per row (``Kr|Xe``, ``Action;Comedy``)."""

    column: str
    separator: str
    token_counts: Mapping[str, int] | None
    """Label -> number of rows that contain it; None past :data:`DISTINCT_CAP` labels."""
    n_tokens: int
    """Distinct labels (a lower bound when ``token_counts`` is None)."""
    size_counts: Mapping[int, int]
    """Labels per row -> number of rows (0 for an empty set, e.g. ``''`` after a separator)."""


@dataclass(frozen=True)
class MatrixStats:
    """Row-wise statistics of a target of two or more numeric columns.

    Rows with a missing cell are left out of the row sums (and counted in ``n_rows_with_missing``).
    """

    row_sum_counts: Mapping[float, int] | None
    """Row sum -> number of rows (sums rounded to 9 decimals); None past the cap."""
    row_sum_min: float | None
    row_sum_max: float | None
    row_examples: Mapping[float, tuple[int, ...]]
    """For each row sum tracked in ``row_sum_counts``: the first row numbers with that sum."""
    n_rows_off_one: int
    """Rows whose sum differs from 1 by more than 1e-6 (probability rows must sum to 1)."""
    off_one_rows: tuple[int, ...]
    n_rows_with_missing: int
    n_negative: int = 0
    """Cells below zero, over the whole matrix."""
    max_off_one: float | None = None
    """The largest ``|row sum - 1|`` over the rows without a missing cell (None when there are
    none): probabilities saved with few decimals are off by more than 1e-6 yet close to 1."""


@dataclass(frozen=True)
class TargetStats:
    """Everything inference knows about a target: the source, per-column and row-wise stats."""

    source: Source
    n_rows: int
    columns: tuple[ColumnStats, ...]
    matrix: MatrixStats | None = None
    labelsets: LabelSetStats | None = None
    head: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    """The first :data:`HEAD_ROWS` rows of the target columns, as text."""
    notes: tuple[Diagnostic, ...] = ()
    """Remarks from reading (a guessed header, a re-read with wider column types)."""

    @property
    def n_columns(self) -> int:
        return len(self.columns)


# --------------------------------------------------------------------------------------------
# The streaming accumulator
# --------------------------------------------------------------------------------------------

#: Text cells that mean "missing" in text files (after stripping surrounding whitespace).
MISSING_TOKENS = ("", "NA", "N/A", "nan", "NaN", "null", "None", "?")
#: Missing-cell tokens that are also words a label can be (``None``, ``Mild``, ``Severe``). In a
#: column of text labels where such a word is about as frequent as the labels are, it is one.
LABEL_WORD_TOKENS = ("None",)
#: ... as frequent as this share of the rarest other label, at least.
LABEL_WORD_SHARE = 0.5
#: ... beside at most this many other labels.
LABEL_WORD_MAX_CLASSES = 20
#: Non-missing values looked at before a label-set separator is chosen (the same values whatever
#: the batch boundaries, so the decision does not depend on how the data was split).
LABELSET_WINDOW = 1000
#: Separators tried for label sets, most common first. ``/`` and space are accepted only when
#: the evidence is overwhelming (see :func:`detect_labelset_separator`).
LABELSET_SEPARATORS = ("|", ";", ",")
LABELSET_WEAK_SEPARATORS = ("/", " ")
#: Whole numbers beyond this are kept as float keys (past 2**53 a float no longer names one int).
_INT_KEY_LIMIT = 2**53
#: An int batch whose value range is below this is counted with ``np.bincount``.
_BINCOUNT_RANGE = 1 << 20


def _np() -> Any:
    import numpy

    return numpy


def _pa() -> Any:
    import pyarrow

    return pyarrow


def _pc() -> Any:
    import pyarrow.compute

    return pyarrow.compute


_ARROW_NUMPY_TYPES = {
    "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8",
    "uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
    "halffloat": "f2", "float": "f4", "double": "f8",
}  # fmt: skip


def arrow_to_numpy(arr: Any) -> tuple[Any, Any]:
    """The values and the missing mask (None when nothing is missing) of a primitive Array.

    Read straight from the Arrow buffers: ``Array.to_numpy`` (and any Python scalar handed to
    pyarrow) imports pandas, which costs 0.4 s at start-up. Values under a null are arbitrary.
    """
    np = _np()
    n = len(arr)
    off = arr.offset
    bufs = arr.buffers()
    if str(arr.type) == "bool":
        bits = np.unpackbits(np.frombuffer(bufs[1], dtype=np.uint8), bitorder="little")
        values = bits[off : off + n].astype(bool)
    else:
        dtype = np.dtype(_ARROW_NUMPY_TYPES[str(arr.type)])
        values = np.frombuffer(bufs[1], dtype=dtype, count=n, offset=off * dtype.itemsize)
    missing = None
    if arr.null_count and bufs[0] is not None:
        bits = np.unpackbits(np.frombuffer(bufs[0], dtype=np.uint8), bitorder="little")
        missing = bits[off : off + n] == 0
    return values, missing


def string_array(values: Any) -> Any:
    """A pyarrow string array from a numpy ``U``/``S``/object array or a list (None = null).

    Built from buffers, without ``pyarrow.array`` (which imports pandas).
    """
    np = _np()
    pa = _pa()
    arr = np.asarray(values) if not isinstance(values, list) else None
    if arr is not None and arr.dtype.kind in "US":
        return _fixed_width_strings(arr)
    else:
        items: list[Any] = [
            None if v is None else (v if isinstance(v, bytes) else str(v).encode("utf-8"))
            for v in (values if isinstance(values, list) else values.tolist())
        ]
    n = len(items)
    lengths = np.fromiter((len(b) if b is not None else 0 for b in items), np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = b"".join(b for b in items if b is not None)
    validity = None
    null_count = 0
    if any(b is None for b in items):
        valid = np.fromiter((b is not None for b in items), bool, count=n)
        null_count = int(n - valid.sum())
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=null_count,
    ).cast(pa.string())


def _fixed_width_strings(arr: Any) -> Any:
    """A numpy ``U``/``S`` array as a pyarrow string array, without a Python loop per row: the
    UTF-8 bytes of each cell are cut out of the fixed-width buffer with one boolean mask."""
    np = _np()
    pa = _pa()
    arr = np.ascontiguousarray(arr.reshape(-1))
    n = len(arr)
    cells = None
    if arr.dtype.kind == "U" and n and arr.dtype.itemsize:
        points = arr.view(np.uint32).reshape(n, arr.dtype.itemsize // 4)
        if bool((points < 128).all()):
            # ASCII (most labels): the UTF-8 bytes are the code points; numpy's encode would
            # call the codec once per cell
            cells = points.astype(np.uint8)
    if cells is None:
        encoded = np.char.encode(arr, "utf-8") if arr.dtype.kind == "U" else arr
        encoded = np.ascontiguousarray(encoded)
        width = encoded.dtype.itemsize
        cells = encoded.view(np.uint8).reshape(n, width) if n and width else None
        arr = encoded
    lengths = np.char.str_len(arr).astype(np.int64) if n else np.zeros(0, np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if cells is None:
        data = np.zeros(0, dtype=np.uint8)
    else:
        data = cells[np.arange(cells.shape[1]) < lengths[:, None]]
    out = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    out.validate(full=True)  # bytes that are not UTF-8 raise pyarrow.ArrowInvalid here
    return out.cast(pa.string())


def normalize_number(value: float | int) -> int | float:
    """The ``counts`` key of a number: ``int`` when whole (``1.0`` -> ``1``), else ``float``."""
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return int(value)
    f = float(value)
    if f.is_integer() and abs(f) < _INT_KEY_LIMIT:
        return int(f)
    return f


def format_value(value: Value | None) -> str:
    """A value as head text: ``''`` for missing, ``repr``-free text otherwise."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _Column:
    """Mutable per-column state folded batch by batch."""

    __slots__ = (
        "all_whole",
        "blank_rows",
        "counts",
        "head",
        "kind",
        "maximum",
        "mean",
        "minimum",
        "missing_rows",
        "n_missing",
        "n_nonfinite",
        "n_numeric",
        "name",
        "sq",
        "total",
        "word_counts",
    )

    def __init__(self, name: str) -> None:
        self.name = name
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
        self.head: list[str] = []
        # Missing cells that were a label word (``None``), counted apart: the word may turn out
        # to be a label of this column; ``blank_rows`` are the first rows of the other ones.
        self.word_counts: dict[str, int] = {}
        self.blank_rows: list[int] = []

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
        if len(c) > DISTINCT_CAP:
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

    def finish(self) -> ColumnStats:
        words = self.label_words()
        counts = self.counts
        n_missing, missing_rows = self.n_missing, self.missing_rows
        if words and counts is not None:
            counts = {**counts, **{w: self.word_counts[w] for w in words}}
            n_missing -= sum(self.word_counts[w] for w in words)
            if len(words) == len(self.word_counts):
                missing_rows = self.blank_rows
        n_distinct = len(counts) if counts is not None else DISTINCT_CAP + 1
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
        elif not is_int and len(np.unique(v[: 2 * DISTINCT_CAP + 2])) > DISTINCT_CAP:
            col.counts = None  # continuous values: no need to sort the whole batch to know
        else:
            keys, cnts = np.unique(v, return_counts=True)
            if len(keys) > DISTINCT_CAP:
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


def _fold_bool(col: _Column, v: Any) -> None:
    np = _np()
    n_true = int(np.count_nonzero(v))
    n_false = len(v) - n_true
    col.merge_counts(
        [k for k, c in ((False, n_false), (True, n_true)) if c],
        [c for c in (n_false, n_true) if c],
    )


def _fold_string(col: _Column, text: _Text) -> None:
    if col.counts is None:
        return
    values, counts = text.distinct()
    col.merge_counts(values, counts)


def _is_number_text(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def detect_labelset_separator(
    values: Sequence[str], field_delimiter: str | None = None
) -> str | None:
    """Choose the separator of a column of label sets, or None when the column is not one.

    A candidate qualifies when it occurs in at least 5% of the values (and in two of them), and
    the labels it splits them into recur: labels seen in two rows or more make up at least half
    of all label occurrences. ``|`` and ``;`` are taken on that evidence. ``,`` (never the field
    delimiter), ``/`` and space also need labels that are mostly not numbers (``1,5`` is a
    decimal comma, ``2020/01`` a date); ``/`` and space need at most half as many labels as
    distinct values, and are tried only when none of ``|`` ``;`` ``,`` qualifies. When two
    candidates qualify and neither is in twice as many values as the other, the answer is None
    (ambiguous: the user passes ``--sep``).

    Args:
        values: non-missing, stripped cell values (the first :data:`LABELSET_WINDOW`).
        field_delimiter: the CSV field delimiter, never a label separator.

    Returns:
        The separator, or None.
    """
    n = len(values)
    if n == 0:
        return None
    distinct_values = len(set(values))

    def score(sep: str, strict: bool) -> int:
        having = [v for v in values if sep in v]
        if len(having) < max(2, 0.05 * n):
            return 0
        rows_per_label: dict[str, int] = {}
        for v in values:
            for token in {t.strip() for t in v.split(sep)} - {""}:
                rows_per_label[token] = rows_per_label.get(token, 0) + 1
        n_labels = len(rows_per_label)
        if n_labels == 0:
            return 0
        occurrences = sum(rows_per_label.values())
        recurring = sum(c for c in rows_per_label.values() if c >= 2)
        if recurring * 2 < occurrences:
            return 0
        if sep != "|" and sep != ";":
            numeric = sum(1 for t in rows_per_label if _is_number_text(t))
            if numeric > n_labels / 2:
                return 0
        if strict and n_labels * 2 > distinct_values:
            return 0
        return len(having)

    for group, strict in ((LABELSET_SEPARATORS, False), (LABELSET_WEAK_SEPARATORS, True)):
        scored = sorted(
            ((score(sep, strict), sep) for sep in group if sep != field_delimiter), reverse=True
        )
        scored = [s for s in scored if s[0] > 0]
        if len(scored) == 1 or (len(scored) > 1 and scored[0][0] >= 2 * scored[1][0]):
            return scored[0][1]
        if scored:
            return None
    return None


class _LabelSets:
    """Label-set state of the one text column of a target."""

    def __init__(self, column: str, separator: str | None, field_delimiter: str | None) -> None:
        self.column = column
        self.separator = separator
        self.forced = separator is not None
        self.field_delimiter = field_delimiter
        self.window: list[str] = []  # the first present values, until a separator is chosen
        self.decided = separator is not None
        self.token_counts: dict[str, int] | None = {}
        self.n_tokens = 0
        self.size_counts: dict[int, int] = {}
        #: whether some cell holds the separator (a forced one that never occurs means no
        #: label sets: every cell would be a set of one)
        self.seen_separator = False

    def add(self, text: _Text) -> None:
        np = _np()
        if len(text.present_indices) == 0:
            return
        if self.decided:
            if self.separator is not None:
                self._fold(*text.distinct())
            return
        need = LABELSET_WINDOW - len(self.window)
        self.window.extend(text.first_present(need))
        if len(self.window) < LABELSET_WINDOW:
            return
        self._decide()
        if self.separator is not None:
            # the rows after the window, still counted by distinct value
            held = np.bincount(text.present_indices[:need], minlength=len(text.counts))
            rest = text.counts - held
            if rest.any():
                self._fold(*_Text(text.dictionary, text.indices, text.present_indices, rest)
                           .distinct())

    def _decide(self) -> None:
        self.separator = detect_labelset_separator(self.window, self.field_delimiter)
        self.decided = True
        if self.separator is not None:
            held: dict[str, int] = {}
            for v in self.window:
                held[v] = held.get(v, 0) + 1
            self._fold(list(held), list(held.values()))
        self.window = []

    def _fold(self, values: list[str], counts: list[int]) -> None:
        """Fold distinct cell values with their row counts (each value is split once)."""
        sep = self.separator
        assert sep is not None
        tc = self.token_counts
        sizes = self.size_counts
        if not self.seen_separator:
            self.seen_separator = any(sep in value for value in values)
        for value, c in zip(values, counts, strict=True):
            labels = {t.strip() for t in value.split(sep)}
            labels.discard("")
            sizes[len(labels)] = sizes.get(len(labels), 0) + c
            if tc is not None:
                for label in labels:
                    tc[label] = tc.get(label, 0) + c
        if tc is not None and len(tc) > DISTINCT_CAP:
            self.token_counts = None

    def finish(self) -> LabelSetStats | None:
        if not self.decided:
            self._decide()
        if self.separator is None or not self.seen_separator:
            return None
        tc = self.token_counts
        return LabelSetStats(
            column=self.column,
            separator=self.separator,
            token_counts=dict(sorted(tc.items())) if tc is not None else None,
            n_tokens=len(tc) if tc is not None else DISTINCT_CAP + 1,
            size_counts=dict(sorted(self.size_counts.items())),
        )


class _Matrix:
    """Row-wise state of a target of two or more numeric columns."""

    def __init__(self) -> None:
        self.counts: dict[float, int] | None = {}
        self.examples: dict[float, list[int]] = {}
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.n_off_one = 0
        self.off_one_rows: list[int] = []
        self.n_with_missing = 0
        self.n_negative = 0
        self.max_off_one: float | None = None

    def add(self, block: Any, offset: int) -> None:
        """Fold a 2-D numeric block (rows x target columns); NaN and +-inf are missing."""
        np = _np()
        if block.dtype.kind == "b":
            block = block.view(np.uint8)
        if block.dtype.kind in "iu":
            self._add_ints(block, offset)
            return
        finite = np.isfinite(block)
        self.n_negative += int(np.count_nonzero(block < 0)) - int(
            np.count_nonzero(block == -np.inf)
        )
        row_ok = finite.all(axis=1)
        if bool(row_ok.all()):
            sums = block.sum(axis=1, dtype=np.float64)
            rows = None
        else:
            self.n_with_missing += int(len(row_ok) - np.count_nonzero(row_ok))
            rows = np.flatnonzero(row_ok)
            sums = block[rows].sum(axis=1, dtype=np.float64)
        if len(sums) == 0:
            return
        lo, hi = float(sums.min()), float(sums.max())
        self.minimum = lo if self.minimum is None else min(self.minimum, lo)
        self.maximum = hi if self.maximum is None else max(self.maximum, hi)
        gap = np.abs(sums - 1)
        self._merge_gap(float(gap.max()))
        off = gap > 1e-6
        n_off = int(np.count_nonzero(off))
        if n_off:
            self.n_off_one += n_off
            need = MAX_EXAMPLES - len(self.off_one_rows)
            if need > 0:
                idx = np.flatnonzero(off)[:need]
                if rows is not None:
                    idx = rows[idx]
                self.off_one_rows.extend(int(i) + offset for i in idx)
        if self.counts is None:
            return
        sums = np.round(sums, 9)
        c = self.counts
        # Sums seen before (probability rows: 1.0 and a few neighbours) are counted with one
        # comparison each; only the others are sorted.
        left = None
        if 0 < len(c) <= 32:
            rest = np.ones(len(sums), dtype=bool)
            for k in list(c):
                eq = sums == k
                n_eq = int(np.count_nonzero(eq))
                if not n_eq:
                    continue
                c[k] += n_eq
                rest &= ~eq
                have = self.examples.setdefault(k, [])
                if len(have) < MAX_EXAMPLES:
                    take = np.flatnonzero(eq)[: MAX_EXAMPLES - len(have)]
                    have.extend(int(r) + offset for r in (rows[take] if rows is not None else take))
            if not rest.any():
                return
            left = np.flatnonzero(rest)
            sums = sums[left]
        keys, inverse, cnts = np.unique(sums, return_inverse=True, return_counts=True)
        fkeys = [float(k) for k in keys.tolist()]
        for k, n in zip(fkeys, cnts.tolist(), strict=True):
            c[k] = c.get(k, 0) + n
        if len(c) > DISTINCT_CAP:
            self.counts = None
            return
        needy = [i for i, k in enumerate(fkeys) if len(self.examples.get(k, ())) < MAX_EXAMPLES]
        if not needy:
            return
        order = np.argsort(inverse.reshape(-1), kind="stable")
        starts = np.concatenate(([0], np.cumsum(cnts)[:-1]))
        for i in needy:
            have = self.examples.setdefault(fkeys[i], [])
            take = order[starts[i] : starts[i] + min(int(cnts[i]), MAX_EXAMPLES - len(have))]
            if left is not None:
                take = left[take]
            if rows is not None:
                take = rows[take]
            have.extend(int(r) + offset for r in take)

    def _merge_gap(self, gap: float) -> None:
        self.max_off_one = gap if self.max_off_one is None else max(self.max_off_one, gap)

    def _add_ints(self, block: Any, offset: int) -> None:
        """Integer blocks: exact integer row sums, counted with ``bincount`` (no sorting)."""
        np = _np()
        sums = np.einsum("ij->i", block, dtype=np.int64)
        if block.dtype.kind == "i" and int(block.min()) < 0:
            self.n_negative += int(np.count_nonzero(block < 0))
        self._add_int_sums(sums, offset)

    def add_int_columns(self, columns: Sequence[Any], offset: int) -> None:
        """Complete integer columns of one batch: summed in place, without a 2-D copy."""
        np = _np()
        sums = columns[0].astype(np.int64, copy=True)
        for c in columns[1:]:
            sums += c
        for c in columns:
            if c.dtype.kind == "i" and len(c) and int(c.min()) < 0:
                self.n_negative += int(np.count_nonzero(c < 0))
        self._add_int_sums(sums, offset)

    def _add_int_sums(self, sums: Any, offset: int) -> None:
        np = _np()
        lo, hi = int(sums.min()), int(sums.max())
        self.minimum = float(lo) if self.minimum is None else min(self.minimum, float(lo))
        self.maximum = float(hi) if self.maximum is None else max(self.maximum, float(hi))
        self._merge_gap(float(max(abs(lo - 1), abs(hi - 1))))
        off = sums != 1
        n_off = int(np.count_nonzero(off))
        if n_off:
            self.n_off_one += n_off
            need = MAX_EXAMPLES - len(self.off_one_rows)
            if need > 0:
                self.off_one_rows.extend(int(i) + offset for i in np.flatnonzero(off)[:need])
        if self.counts is None:
            return
        if hi - lo < _BINCOUNT_RANGE:
            c = np.bincount(sums - lo)
            nz = np.flatnonzero(c)
            keys, cnts = (nz + lo).tolist(), c[nz].tolist()
        else:
            k_arr, c_arr = np.unique(sums, return_counts=True)
            keys, cnts = k_arr.tolist(), c_arr.tolist()
        counts = self.counts
        for k, n in zip(keys, cnts, strict=True):
            counts[float(k)] = counts.get(float(k), 0) + n
        if len(counts) > DISTINCT_CAP:
            self.counts = None
            return
        needy = [k for k in keys if len(self.examples.get(float(k), ())) < MAX_EXAMPLES]
        if not needy:
            return
        # Rows of the keys still short of examples; once a key has its examples it is never
        # looked up again, so this touches few rows after the first batch.
        idx = np.flatnonzero(np.isin(sums, needy))
        picked = sums[idx]
        for k in needy:
            have = self.examples.setdefault(float(k), [])
            take = idx[picked == k][: MAX_EXAMPLES - len(have)]
            have.extend(int(r) + offset for r in take)

    def finish(self) -> MatrixStats:
        counts = self.counts
        return MatrixStats(
            row_sum_counts=dict(sorted(counts.items())) if counts is not None else None,
            row_sum_min=self.minimum,
            row_sum_max=self.maximum,
            row_examples={
                k: tuple(v)
                for k, v in sorted(self.examples.items())
                if counts is None or k in counts
            },
            n_rows_off_one=self.n_off_one,
            off_one_rows=tuple(self.off_one_rows),
            n_rows_with_missing=self.n_with_missing,
            n_negative=self.n_negative,
            max_off_one=self.max_off_one,
        )


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
    )


class StatsAccumulator:
    """Fold batches of target columns into a :class:`TargetStats`, exactly, in one pass.

    Feed it with :meth:`add_columns` (one array per target column: numpy or pyarrow, any dtype)
    or :meth:`add_matrix` (a 2-D numpy block, one column per target column), in row order, then
    call :meth:`result`. The outcome does not depend on how the rows were split into batches,
    beyond float rounding in ``total`` and ``total_sq``. Work per batch is vectorised (numpy,
    pyarrow.compute); Python loops run over distinct values, never over rows.

    Args:
        names: the target column names, in order.
        matrix: gather :class:`MatrixStats` when there are two or more numeric columns.
        labelsets: look for label sets when the target is a single text column.
        separator: the label-set separator, when the user gave one (``--sep``).
        field_delimiter: the CSV field delimiter, never taken as a label separator.
        missing_tokens: text values that mean missing, after stripping; ``()`` where text is
            exact (labels out of a Parquet list column).
    """

    def __init__(
        self,
        names: Sequence[str],
        *,
        matrix: bool = True,
        labelsets: bool = True,
        separator: str | None = None,
        field_delimiter: str | None = None,
        missing_tokens: Sequence[str] = MISSING_TOKENS,
    ) -> None:
        self.names = tuple(names)
        self.missing_tokens = tuple(missing_tokens)
        self._columns = [_Column(name) for name in self.names]
        self._matrix: _Matrix | None = _Matrix() if matrix and len(self.names) >= 2 else None
        self._labelsets = (
            _LabelSets(self.names[0], separator, field_delimiter)
            if labelsets and len(self.names) == 1
            else None
        )
        self.n_rows = 0

    # -- feeding ------------------------------------------------------------------------------
    def add_columns(self, columns: Sequence[Any]) -> None:
        """Fold one batch given as one 1-D array per target column (all the same length).

        Raises:
            ValueError: the number of arrays or their lengths do not match.
        """
        if len(columns) != len(self._columns):
            raise ValueError(f"expected {len(self._columns)} columns, got {len(columns)}")
        prepared = [prepare_column(c, self.missing_tokens) for c in columns]
        n = prepared[0].n if prepared else 0
        if any(p.n != n for p in prepared):
            raise ValueError("columns of a batch differ in length")
        if n == 0:
            return
        for col, p in zip(self._columns, prepared, strict=True):
            self._fold(col, p)
        if self._matrix is not None:
            if all(p.kind in ("int", "bool") and p.missing is None for p in prepared):
                self._matrix.add_int_columns([p.values for p in prepared], self.n_rows)
            elif all(p.kind in ("int", "float", "bool", "null") for p in prepared):
                self._matrix.add(self._stack(prepared), self.n_rows)
            else:
                self._matrix = None
        if self._labelsets is not None:
            p = prepared[0]
            if p.text is not None:
                self._labelsets.add(p.text)
            elif p.kind != "null":
                self._labelsets = None
        self.n_rows += n

    def add_matrix(self, block: Any) -> None:
        """Fold one batch given as a 2-D numpy array (rows x target columns).

        Integer and bool blocks take a fast path: per-column value counts come from one
        comparison per distinct value (a 0/1 matrix needs only the column sums).
        """
        np = _np()
        block = np.asarray(block)
        if block.ndim == 1:
            block = block.reshape(-1, 1)
        if block.shape[1] != len(self._columns):
            raise ValueError(f"expected {len(self._columns)} columns, got {block.shape[1]}")
        n = block.shape[0]
        if n == 0:
            return
        kind = block.dtype.kind
        if kind in "iub" and self._fast_int_block(block):
            pass
        else:
            for j, col in enumerate(self._columns):
                self._fold(col, prepare_column(block[:, j], self.missing_tokens))
            if self._labelsets is not None and kind in "USO":
                text = prepare_column(block[:, 0], self.missing_tokens).text
                if text is not None:
                    self._labelsets.add(text)
            elif self._labelsets is not None:
                self._labelsets = None
        if self._matrix is not None:
            if kind in "iubf":
                self._matrix.add(block, self.n_rows)
            else:
                self._matrix = None
        self.n_rows += n

    # -- internals ----------------------------------------------------------------------------
    def _fold(self, col: _Column, p: _Prepared) -> None:
        need = HEAD_ROWS - len(col.head)
        if need > 0:
            col.head.extend(_head_texts(p, need))
        if p.missing is not None:
            col.add_missing(p.missing, self.n_rows)
            words = p.text.word_rows if p.text is not None else None
            col.add_blank(p.missing if words is None else p.missing & ~words, self.n_rows)
            if p.text is not None:
                for w, n in p.text.words.items():
                    col.word_counts[w] = col.word_counts.get(w, 0) + n
        col.n_nonfinite += p.n_nonfinite
        if p.kind == "null":
            return
        kind = {"int": "number", "float": "number"}.get(p.kind, p.kind)
        if col.kind is None:
            col.kind = kind
        elif col.kind != kind:
            # A reader met text after numbers (or numbers after text): keep going as text.
            if col.kind != "string":
                col.to_strings()
            if kind != "string":
                p = _prepare_arrow(string_array(_as_texts(p)), self.missing_tokens)
                kind = "string"
        if kind == "number":
            _fold_number(col, p.present, p.kind == "int")
        elif kind == "bool":
            _fold_bool(col, p.present)
        else:
            assert p.text is not None
            _fold_string(col, p.text)

    @staticmethod
    def _stack(prepared: Sequence[_Prepared]) -> Any:
        np = _np()
        out = np.empty((prepared[0].n, len(prepared)), dtype=np.float64)
        for j, p in enumerate(prepared):
            if p.kind == "null":
                out[:, j] = np.nan
                continue
            out[:, j] = p.values
            if p.missing is not None:
                out[p.missing, j] = np.nan
        return out

    def _fast_int_block(self, block: Any) -> bool:
        """Per-column stats of an int/bool block from a few whole-block reductions."""
        np = _np()
        if block.dtype.kind == "b":
            block = block.view(np.uint8)
            kind = "bool"
        else:
            kind = "number"
        if any(c.kind not in (None, kind) for c in self._columns):
            return False
        # Two whole-block reductions (cheap) instead of a min and a max per column: the
        # per-column range follows from the per-column counts.
        lo, hi = int(block.min()), int(block.max())
        if hi - lo > 16:
            return False
        n = block.shape[0]
        if hi - lo <= 1:
            ones = np.einsum("ij->j", block, dtype=np.int64) - lo * n
            per_value = {lo: n - ones, hi: ones} if hi > lo else {lo: np.full(block.shape[1], n)}
        else:
            per_value = {v: np.count_nonzero(block == v, axis=0) for v in range(lo, hi + 1)}
        for j, col in enumerate(self._columns):
            need = HEAD_ROWS - len(col.head)
            if need > 0:
                head = block[:need, j].tolist()
                col.head.extend(str(bool(v)) if kind == "bool" else str(int(v)) for v in head)
            col.kind = kind
            keys = [v for v in per_value if per_value[v][j]]
            cnts = [int(per_value[v][j]) for v in keys]
            if kind == "bool":
                col.merge_counts([bool(k) for k in keys], cnts)
                continue
            col.merge_counts(keys, cnts)
            total = float(sum(k * c for k, c in zip(keys, cnts, strict=True)))
            mean = total / n
            m2 = float(sum(c * (k - mean) ** 2 for k, c in zip(keys, cnts, strict=True)))
            col.merge_range(float(min(keys)), float(max(keys)))
            col.merge_moments(n, total, m2)
        return True

    # -- result -------------------------------------------------------------------------------
    def result(self, source: Source, notes: Sequence[Diagnostic] = ()) -> TargetStats:
        """The statistics gathered so far, as a :class:`TargetStats` for ``source``."""
        columns = tuple(c.finish() for c in self._columns)
        matrix = None
        if self._matrix is not None and all(
            c.is_numeric or c.type in ("bool", "empty") for c in columns
        ):
            matrix = self._matrix.finish()
        labelsets = None
        extra = list(notes)
        if self._labelsets is not None and columns and columns[0].type == "string":
            labelsets = self._labelsets.finish()
            if labelsets is None and self._labelsets.forced:
                extra.append(
                    Diagnostic(
                        code="labelset-separator",
                        message=f"no cell of column {self._labelsets.column!r} holds the "
                        f"separator {self._labelsets.separator!r}: read as one label per cell",
                        fix="check --sep",
                        severity="note",
                    )
                )
            if labelsets is not None and not self._labelsets.forced:
                extra.append(
                    Diagnostic(
                        code="labelset-separator",
                        message=f"column {labelsets.column!r} read as sets of labels separated "
                        f"by {labelsets.separator!r} (detected)",
                        fix="pass --sep to choose another separator",
                        severity="note",
                    )
                )
        for c in columns:
            for word in c.label_tokens:
                n = c.counts.get(word, 0) if c.counts is not None else 0
                extra.append(
                    Diagnostic(
                        code="label-not-missing",
                        message=f"'{word}' is one of outhead's missing-cell tokens, but in column "
                        f"'{c.name}' it is a label like the others ({n} rows, beside "
                        f"{c.n_distinct - 1} other text labels): read as a label, not as missing",
                        fix=f"if '{word}' means missing there, write those cells empty",
                        severity="warning",
                    )
                )
        noted = {n.message.split("'")[1] for n in extra if n.code == "mixed-types"}
        for c in columns:
            if c.name not in noted and (diag := _mixed_types(c)) is not None:
                extra.append(diag)
        n_head = min(HEAD_ROWS, self.n_rows)
        head = tuple(
            tuple(c.head[i] if i < len(c.head) else "" for c in self._columns)
            for i in range(n_head)
        )
        return TargetStats(
            source=source,
            n_rows=self.n_rows,
            columns=columns,
            matrix=matrix,
            labelsets=labelsets,
            head=head,
            notes=tuple(extra),
        )
