"""The statistics of a target: the dataclasses the readers fill and inference reads, and
the limits they are gathered under (a leaf: it imports nothing of outhead)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from outhead.diagnostics import Diagnostic
from outhead.stats.histogram import Bins

#: Distinct values tracked exactly per column; beyond it a column is "more than N distinct".
DISTINCT_CAP = 4096
#: Past :data:`DISTINCT_CAP`, a text column's distinct values are estimated from the hashes
#: of this many of them (the smallest: a "k minimum values" sketch, about 1.6% off).
TEXT_SKETCH_SIZE = 4096
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
    shape: tuple[int, ...] | None = None
    """NPY/NPZ maps (rank >= 3, or 2 with ``per_step``): the array's shape, examples first.
    None for everything else: the statistics are then over rows; for a map they are over the
    positions of every example (see :meth:`map_geometry`)."""
    per_step: bool = False
    """The array was read with ``--per-step``: axis 1 is steps (a sequence), not pixels."""

    def map_geometry(self) -> tuple[tuple[int, ...], int | None] | None:
        """(positions per example, channels or None) of a map; None when it is not a map.

        ``(n, H, W)`` is ((H, W), None): one label per pixel, no channel axis; ``(n, H, W, C)``
        is ((H, W), C); ``(n, D, H, W, C)`` is ((D, H, W), C); with ``per_step`` ``(n, T)`` is
        ((T,), None) and ``(n, T, C)`` is ((T,), C).
        """
        shape = self.shape
        if shape is None:
            return None
        if self.per_step:
            return (shape[1],), (shape[2] if len(shape) == 3 else None)
        if len(shape) == 3:
            return tuple(shape[1:]), None
        return tuple(shape[1:-1]), shape[-1]

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
    histogram: Bins | None = None
    """Numeric columns: the values in bins (gathered in the same pass, see
    :mod:`outhead.stats.histogram`); None for other columns."""
    text: TextStats | None = None
    """Text columns: their distinct share and lengths in words (is it free text?); else None."""

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
class TextStats:
    """What tells free text (sentences) from categories in a text column."""

    n_present: int
    """The non-missing cells."""
    n_distinct: int
    """Distinct values: exact when ``exact``, else an estimate (see :data:`TEXT_SKETCH_SIZE`)."""
    exact: bool
    word_counts: Mapping[int, int]
    """Words in a cell (split at whitespace) -> number of cells, over the present cells."""

    @property
    def distinct_share(self) -> float:
        return self.n_distinct / self.n_present if self.n_present else 0.0

    @property
    def median_words(self) -> float:
        """The median of the cells' word counts (0 when no cell is present)."""
        if not self.n_present:
            return 0.0
        ranked = sorted(self.word_counts.items())

        def at(rank: int) -> int:
            seen = 0
            for words, n in ranked:
                seen += n
                if seen > rank:
                    return words
            return ranked[-1][0]  # pragma: no cover - rank < n_present always

        half = self.n_present // 2
        if self.n_present % 2:
            return float(at(half))
        return (at(half - 1) + at(half)) / 2


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
