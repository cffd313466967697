"""The thresholds of inference and the pure tests it applies to column statistics (whole
numbers that are labels, label pairs, counts, soft labels, drop-first dummies...)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from outhead.layout.model import _num
from outhead.stats import (
    DISTINCT_CAP,
    MAX_EXAMPLES,
    ColumnStats,
    MatrixStats,
    TargetStats,
    Value,
)

#: Whole-number columns with at most this many distinct values read as labels when they also
#: look like labels (a compact range, several rows per value).
SMALL_K = 20
#: Up to this many distinct whole numbers can still be labels if they are exactly 0..K-1 or
#: 1..K and every class has many rows (CIFAR-100 style).
LARGE_K = 1000
#: Imbalance ratio (largest class / smallest class) from which class weights are recommended.
IMBALANCE_RATIO = 3.0
#: Fewer rows than this in a class cannot be split into train / validation / test.
MIN_CLASS_ROWS = 5
#: Below this many rows the evidence says the sample is small.
SMALL_SAMPLE = 30
#: Rows of soft labels may miss 1 by this much (rounded exports), and by half a hundredth per
#: column beyond that: k values rounded to 2 decimals can be off by k * 0.005 together.
SOFT_LABEL_TOLERANCE = 0.02
#: An indicator matrix with no row of several 1s reads as drop_first dummies (exclusive classes)
#: when independent labels would have put several 1s in at least this many rows.
DROP_FIRST_EVIDENCE = 3.0
#: A pair of values ``a`` and ``1 - a`` with ``a`` up to this is a 0/1 label smoothed by ``a``.
SMOOTHED_LABEL_MAX = 0.2
#: More regression targets than this in one table smells of a feature table read whole.
WIDE_TARGET = 10
#: Column names that usually hold the target, suggested when a table is read whole.
TARGET_NAMES = ("target", "label", "labels", "y", "class", "classes", "outcome", "species")
#: A one-hot matrix may have this share of malformed rows (all zero, or several ones) before
#: it reads as multi-hot instead.
ONE_HOT_TOLERANCE = 0.01
#: In a pair of text labels, these are the "negative" class (class 0); the other is P(class 1).
_NEGATIVE_WORDS = {
    "0", "no", "n", "false", "f", "neg", "negative", "off", "absent", "fail", "normal",
    "healthy", "benign", "ok", "good", "stayed", "retained", "ham", "legit", "legitimate",
    "none", "clean", "pass", "passed", "alive", "survived", "not churned",
}


def _chance_of_overlap(counts: tuple[int, ...], total: int) -> float:
    """The chance that a row holds several 1s if the labels were independent with the rates
    ``counts / total``: 1 - P(no 1) - P(exactly one 1)."""
    if total <= 0:
        return 0.0
    rates = [min(1.0, c / total) for c in counts]
    none = math.prod(1.0 - p for p in rates)
    one = sum(
        p * math.prod(1.0 - q for j, q in enumerate(rates) if j != i) for i, p in enumerate(rates)
    )
    return max(0.0, 1.0 - none - one)


def _dropped_name(names: tuple[str, ...]) -> str:
    """A name for the class ``drop_first`` left out: the integer code before the first one
    (columns ``1, 2, 3`` were codes ``0..3``), else the columns' common prefix + ``(dropped)``."""
    stripped = [n.strip() for n in names]
    if all(re.fullmatch(r"-?\d+", n) for n in stripped):
        codes = sorted(int(n) for n in stripped)
        if codes == list(range(codes[0], codes[0] + len(codes))):
            return str(codes[0] - 1)
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(ch) for ch in "_-.: ")
    name = (prefix[: cut + 1] if cut >= 0 else "") + "(dropped)"
    while name in names:
        name = "_" + name
    return name


def balanced_class_weight(counts: tuple[int, ...]) -> dict[int, float]:
    """Keras ``class_weight`` that balances classes: ``n / (K * n_i)`` for class id ``i``."""
    total, k = sum(counts), len(counts)
    return {i: round(total / (k * c), 4) for i, c in enumerate(counts) if c}


def _integer_labels(col: ColumnStats, n: int) -> tuple[bool, list[str], str | None]:
    """Decide whether a numeric column holds class labels; returns (labels?, reasons, runner-up)."""
    if col.counts is None:
        return False, [f"more than {DISTINCT_CAP} distinct values: a quantity, not labels"], None
    k = col.n_distinct
    if not col.all_integer:
        return False, [f"{k} distinct values, not whole numbers: a quantity"], None
    lo, hi = float(col.minimum or 0), float(col.maximum or 0)
    span = hi - lo + 1
    contiguous = span == k
    compact = span <= 2 * k
    per_class = n / k
    starts = lo in (0.0, 1.0)
    counts_like = lo >= 0
    if counts_like and _count_shaped(col):
        reasons = [
            f"{k} distinct whole numbers from {_num(lo)} to {_num(hi)} with a thin tail of "
            "rare large values: a count, not class labels"
        ]
        return False, reasons, f"multiclass with {k} classes"
    if k <= SMALL_K and compact and per_class >= 2:
        reasons = [
            f"{k} distinct whole numbers from {_num(lo)} to {_num(hi)}, "
            f"{per_class:.0f} rows each on average: class labels"
        ]
        runner = (
            f"regression on a count or score ({k} levels)"
            if counts_like and contiguous and k >= 5
            else None
        )
        return True, reasons, runner
    if contiguous and starts and k <= LARGE_K and per_class >= 10:
        reasons = [
            f"{k} distinct whole numbers forming exactly {_num(lo)}..{_num(hi)}, "
            f"{per_class:.0f} rows each on average: class ids"
        ]
        return True, reasons, f"regression on a count ({k} levels)"
    if n < SMALL_SAMPLE and lo == 0.0 and contiguous and k <= SMALL_K:
        # A few rows of 1, 0, 2: too few to repeat a value, but exactly the ids 0..K-1 that
        # class labels are stored as; a quantity would rarely land on them.
        reasons = [
            f"{k} distinct whole numbers forming exactly 0..{_num(hi)} over only {n} rows: "
            "most likely class ids, but so few rows cannot tell them from a quantity"
        ]
        return True, reasons, f"regression on a count or score ({k} levels)"
    why = f"{k} distinct whole numbers over {n} rows"
    if per_class < 2:
        why += " (most values occur once)"
    elif not compact:
        why += f" spread over {_num(lo)}..{_num(hi)}"
    why += ": a quantity (a count or an amount), not class labels"
    likely_ids = starts and compact and k <= SMALL_K * 5 and per_class >= 3
    runner = f"multiclass with {k} classes" if likely_ids else None
    return False, [why], runner


def _label_pair(col: ColumnStats) -> bool:
    """Whether the 2 values of a numeric column can be the 2 labels of a binary target: whole
    numbers (0/1, 1/2, -1/+1), or 0/1 smoothed symmetrically (0.1/0.9, 0.05/0.95)."""
    if col.all_integer:
        return True
    lo, hi = float(col.minimum or 0.0), float(col.maximum or 0.0)
    return 0.0 <= lo <= SMOOTHED_LABEL_MAX and math.isclose(lo + hi, 1.0)


def _count_shaped(col: ColumnStats) -> bool:
    """Counts (visits, defects, children) rather than class ids: non-negative whole numbers
    whose large values thin out, several of them too rare to be classes of their own."""
    counts = col.counts
    if counts is None or len(counts) < 8:
        return False
    values = sorted(counts)
    upper = values[len(values) * 3 // 4 :]
    n = sum(counts.values())
    upper_share = sum(counts[v] for v in upper) / n
    rare = sum(1 for v in values if counts[v] < MIN_CLASS_ROWS)
    return upper_share < 0.1 and rare >= 3


def _soft_tolerance(k: int) -> float:
    """How far a row of k rounded probabilities may miss 1."""
    return max(SOFT_LABEL_TOLERANCE, 0.005 * k)


def _row_sum_spread(m: MatrixStats | None, total: float) -> float | None:
    """How far the row sums stray from ``total`` at most (None without row sums)."""
    if m is None or m.row_sum_min is None or m.row_sum_max is None:
        return None
    return max(abs(m.row_sum_min - total), abs(m.row_sum_max - total))


_FORMATTED_NUMBER = re.compile(r"[-+]?[$€£]?\s?\d{1,3}([,. '\u202f]\d{3})+([.,]\d+)?\s?%?")


def _numbers_as_text(counts: Mapping[Value, int]) -> str | None:
    """An example, when most text labels are numbers with thousands separators or currency."""
    text = [v for v in counts if isinstance(v, str)]
    hits = [v for v in text if _FORMATTED_NUMBER.fullmatch(v)]
    return hits[0] if text and len(hits) >= 0.9 * len(text) else None


def _case_variants(counts: Mapping[Value, int]) -> list[list[str]]:
    """Groups of text labels that are the same word in another case or spacing."""
    groups: dict[str, list[str]] = {}
    for value in counts:
        if isinstance(value, str):
            groups.setdefault(" ".join(value.lower().split()), []).append(value)
    return [sorted(g) for g in groups.values() if len(g) > 1]


def _likely_target(names: tuple[str, ...]) -> str | None:
    """The one column whose name says it is the target, if exactly one does."""
    hits = [n for n in names if n.strip().lower() in TARGET_NAMES]
    return hits[0] if len(hits) == 1 else None


def _ordered_classes(counts: Mapping[Value, int]) -> tuple[Value, ...]:
    """Classes in output order: numbers ascending, False before True, text sorted with the
    usual negative words (no, false, 0...) first in a pair."""
    keys = list(counts)
    if all(isinstance(k, bool) for k in keys):
        return tuple(sorted(keys))
    if all(isinstance(k, (int, float)) and not isinstance(k, bool) for k in keys):
        return tuple(sorted(keys))
    text = sorted(keys, key=lambda v: str(v))
    if len(text) == 2 and str(text[1]).strip().lower() in _NEGATIVE_WORDS:
        text.reverse()
    return tuple(text)


def _matrix_values(cols: tuple[ColumnStats, ...]) -> tuple[float, ...] | None:
    """The values of an indicator matrix: at most two distinct whole numbers over all columns
    (0/1, or another pair such as -1/+1); None when the matrix is not one."""
    seen: set[float] = set()
    for c in cols:
        if c.counts is None:
            return None
        for v in c.counts:
            seen.add(float(v))
            if len(seen) > 2:
                return None
    if not all(v.is_integer() for v in seen) or (len(seen) == 1 and not seen <= {0.0, 1.0}):
        return None
    # An indicator is "off" as 0 or as the negative of "on" (-1/+1); a matrix of 1s and 2s
    # (or 3s and 7s) is counts or codes, not yes/no.
    if len(seen) == 2 and 0.0 not in seen and sum(seen) != 0.0:
        return None
    return tuple(sorted(seen))


def _on_count(col: ColumnStats, pos: float) -> int:
    if col.counts is None:
        return 0
    return sum(n for v, n in col.counts.items() if float(v) == pos)


def _indicator_sums(
    m: MatrixStats | None, k: int, neg: float, pos: float
) -> dict[int, int]:
    """Row sums of the matrix re-coded to 0/1 (from the raw row sums: the map is linear)."""
    if m is None or m.row_sum_counts is None:
        return {}
    out: dict[int, int] = {}
    for raw, n in m.row_sum_counts.items():
        ones = round((raw - k * neg) / (pos - neg))
        out[ones] = out.get(ones, 0) + n
    return out


def _rows_with(
    examples: Mapping[float, tuple[int, ...]], k: int, neg: float, pos: float, pred: Any
) -> str:
    rows: list[int] = []
    for raw, rs in examples.items():
        if pred(round((raw - k * neg) / (pos - neg))):
            rows.extend(rs)
    rows = sorted(rows)[:MAX_EXAMPLES]
    return ", ".join(str(r) for r in rows) if rows else "not recorded"


def _example(stats: TargetStats) -> str:
    """A head cell to quote, preferring one that holds the label-set separator."""
    sep = stats.labelsets.separator if stats.labelsets is not None else None
    cells = [row[0] for row in stats.head if row and row[0]]
    several = [c for c in cells if sep and sep in c]
    return f"'{(several or cells or ['these'])[0]}'"


def _distinct(col: ColumnStats) -> str:
    return str(col.n_distinct) if col.counts is not None else f"more than {DISTINCT_CAP}"
