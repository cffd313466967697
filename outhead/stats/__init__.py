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

from outhead.stats.accumulator import StatsAccumulator
from outhead.stats.columns import prepare_column
from outhead.stats.model import (
    DISTINCT_CAP,
    HEAD_ROWS,
    LABEL_WORD_MAX_CLASSES,
    LABEL_WORD_SHARE,
    LABEL_WORD_TOKENS,
    LABELSET_SEPARATORS,
    LABELSET_WEAK_SEPARATORS,
    LABELSET_WINDOW,
    MAX_EXAMPLES,
    MISSING_TOKENS,
    TEXT_SKETCH_SIZE,
    ColumnStats,
    ColumnType,
    Format,
    LabelSetStats,
    MatrixStats,
    Source,
    TargetStats,
    TextStats,
    Value,
    format_value,
    normalize_number,
)
from outhead.stats.rows import detect_labelset_separator

__all__ = [
    "DISTINCT_CAP",
    "HEAD_ROWS",
    "LABELSET_SEPARATORS",
    "LABELSET_WEAK_SEPARATORS",
    "LABELSET_WINDOW",
    "LABEL_WORD_MAX_CLASSES",
    "LABEL_WORD_SHARE",
    "LABEL_WORD_TOKENS",
    "MAX_EXAMPLES",
    "MISSING_TOKENS",
    "TEXT_SKETCH_SIZE",
    "ColumnStats",
    "ColumnType",
    "Format",
    "LabelSetStats",
    "MatrixStats",
    "Source",
    "StatsAccumulator",
    "TargetStats",
    "TextStats",
    "Value",
    "detect_labelset_separator",
    "format_value",
    "normalize_number",
    "prepare_column",
]
