"""Test helpers: build TargetStats by hand, naively, from Python lists.

This is deliberately the simplest possible computation of the statistics (no batching, no
numpy), so that inference tests do not depend on the streaming reader, and so that the reader's
tests can compare against it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from outhead.stats import (
    DISTINCT_CAP,
    MAX_EXAMPLES,
    ColumnStats,
    LabelSetStats,
    MatrixStats,
    Source,
    TargetStats,
)

MISSING = {"", "na", "n/a", "nan", "null", "none"}


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return True
    return isinstance(v, str) and v.strip().lower() in MISSING


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        return v.strip()
    return v


def column_stats(name: str, values: Sequence[Any]) -> ColumnStats:
    present = [_norm(v) for v in values if not _is_missing(v)]
    missing_rows = tuple(i for i, v in enumerate(values) if _is_missing(v))
    nonfinite = sum(1 for v in values if isinstance(v, float) and math.isinf(v))
    counts = Counter(present)
    capped = len(counts) > DISTINCT_CAP
    if not present:
        typ = "empty"
    elif all(isinstance(v, bool) for v in present):
        typ = "bool"
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        typ = "integer" if all(float(v).is_integer() for v in present) else "float"
    else:
        typ = "string"
        present = [str(v) for v in present]
        counts = Counter(present)
    numeric = typ in ("integer", "float")
    mean = sum(present) / len(present) if numeric and present else 0.0
    return ColumnStats(
        name=name,
        type=typ,  # type: ignore[arg-type]
        n_missing=len(missing_rows),
        missing_rows=missing_rows[:MAX_EXAMPLES],
        counts=None if capped else dict(counts),
        n_distinct=DISTINCT_CAP + 1 if capped else len(counts),
        minimum=float(min(present)) if numeric and present else None,
        maximum=float(max(present)) if numeric and present else None,
        all_integer=typ == "integer",
        total=float(sum(present)) if numeric else 0.0,
        total_sq=float(sum((v - mean) ** 2 for v in present)) if numeric else 0.0,
        n_nonfinite=nonfinite,
    )


def make_stats(
    columns: dict[str, Sequence[Any]],
    *,
    sep: str | None = None,
    path: str = "y.csv",
) -> TargetStats:
    """TargetStats for the given columns (all the same length)."""
    names = tuple(columns)
    n = len(next(iter(columns.values())))
    cols = tuple(column_stats(k, v) for k, v in columns.items())
    matrix = None
    if len(cols) > 1 and all(c.type in ("integer", "float", "bool", "empty") for c in cols):
        sums: Counter[float] = Counter()
        examples: dict[float, list[int]] = {}
        off, off_rows, with_missing, neg = 0, [], 0, 0
        for i in range(n):
            row = [columns[k][i] for k in names]
            if any(_is_missing(v) for v in row):
                with_missing += 1
                continue
            s = round(float(sum(float(v) for v in row)), 9)
            neg += sum(1 for v in row if float(v) < 0)
            sums[s] += 1
            examples.setdefault(s, [])
            if len(examples[s]) < MAX_EXAMPLES:
                examples[s].append(i)
            if abs(s - 1) > 1e-6:
                off += 1
                if len(off_rows) < MAX_EXAMPLES:
                    off_rows.append(i)
        capped = len(sums) > DISTINCT_CAP
        matrix = MatrixStats(
            row_sum_counts=None if capped else dict(sums),
            row_sum_min=min(sums) if sums else None,
            row_sum_max=max(sums) if sums else None,
            row_examples={} if capped else {k: tuple(v) for k, v in examples.items()},
            n_rows_off_one=off,
            off_one_rows=tuple(off_rows),
            n_rows_with_missing=with_missing,
            n_negative=neg,
        )
    labelsets = None
    if sep is not None:
        (name,) = names
        tokens: Counter[str] = Counter()
        sizes: Counter[int] = Counter()
        for v in columns[name]:
            if _is_missing(v):
                continue
            parts = {p.strip() for p in str(v).split(sep) if p.strip()}
            tokens.update(parts)
            sizes[len(parts)] += 1
        labelsets = LabelSetStats(name, sep, dict(tokens), len(tokens), dict(sizes))
    head = tuple(tuple(str(columns[k][i]) for k in names) for i in range(min(5, n)))
    source = Source(path=path, format="csv", columns=names, all_columns=names, header=True)
    return TargetStats(
        source=source, n_rows=n, columns=cols, matrix=matrix, labelsets=labelsets, head=head
    )
