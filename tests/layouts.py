"""Hand-built layouts and target statistics for the ``outhead check`` tests.

The check rules are pure functions over :class:`~outhead.layout.Layout`; these builders make the
layouts without reading a file, so every rule can be tested in a table.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from outhead.layout import Layout, LayoutKind, Task
from outhead.stats import ColumnStats, MatrixStats, Source, TargetStats


def layout(
    kind: LayoutKind,
    task: Task,
    *,
    classes: tuple[Any, ...] | None = None,
    counts: tuple[int, ...] | None = None,
    n_outputs: int | None = None,
    target_range: tuple[float, float] | None = None,
    stats: TargetStats | None = None,
    n_rows: int = 100,
) -> Layout:
    """A layout; ``n_outputs`` defaults to the number of classes (1 for a binary vector)."""
    if n_outputs is None:
        if classes is None or (kind == LayoutKind.LABEL_VECTOR and len(classes) == 2):
            n_outputs = 1
        else:
            n_outputs = len(classes)
    if classes is not None and counts is None:
        counts = (n_rows // len(classes),) * len(classes)
    columns = (
        tuple(str(c) for c in classes) if classes and kind != LayoutKind.LABEL_VECTOR else ("y",)
    )
    return Layout(
        kind=kind,
        task=task,
        n_rows=n_rows,
        n_outputs=n_outputs,
        columns=columns,
        classes=classes,
        class_counts=counts,
        evidence=(f"hand-built {kind.value}",),
        target_range=target_range,
        stats=stats,
    )


LV = LayoutKind.LABEL_VECTOR
BIN = layout(LV, Task.BINARY, classes=(0, 1), counts=(60, 40))
BIN_12 = layout(LV, Task.BINARY, classes=(1, 2), counts=(60, 40))
BIN_STR = layout(LV, Task.BINARY, classes=("no", "yes"), counts=(60, 40))
MC3 = layout(LV, Task.MULTICLASS, classes=(0, 1, 2), counts=(40, 30, 30))
MC10_1 = layout(LV, Task.MULTICLASS, classes=tuple(range(1, 11)))
MC_NEG = layout(LV, Task.MULTICLASS, classes=(-1, 0, 1, 2))
MC_STR = layout(LV, Task.MULTICLASS, classes=("Ar", "He", "Ne"))
OH3 = layout(LayoutKind.ONE_HOT, Task.MULTICLASS, classes=("a", "b", "c"))
OH2 = layout(LayoutKind.ONE_HOT, Task.MULTICLASS, classes=("ok", "fail"))
PROB3 = layout(LayoutKind.PROBABILITIES, Task.MULTICLASS, classes=("a", "b", "c"))
GASES = ("He", "Ne", "Ar", "Kr", "Xe", "Rn")
MH6 = layout(LayoutKind.MULTI_HOT, Task.MULTILABEL, classes=GASES, counts=(50, 40, 30, 20, 10, 5))
LS6 = layout(LayoutKind.LABEL_SETS, Task.MULTILABEL, classes=GASES, counts=(50, 40, 30, 20, 10, 5))
REG = layout(LayoutKind.CONTINUOUS, Task.REGRESSION, target_range=(-3.5, 250000.0))
REG_POS = layout(LayoutKind.CONTINUOUS, Task.REGRESSION, target_range=(0.0, 500.0))
REG_PM1 = layout(LayoutKind.CONTINUOUS, Task.REGRESSION, target_range=(-0.9, 0.95))
BND = layout(LayoutKind.BOUNDED, Task.BOUNDED_REGRESSION, target_range=(0.02, 0.97))
MREG = layout(LayoutKind.MULTI_CONTINUOUS, Task.REGRESSION, n_outputs=3, target_range=(-2.0, 9.0))


def column(
    name: str = "y",
    *,
    n_missing: int = 0,
    rows: tuple[int, ...] = (),
    n_inf: int = 0,
    counts: dict[Any, int] | None = None,
) -> ColumnStats:
    """Column statistics with ``n_missing`` missing cells (first rows ``rows``)."""
    counts = counts if counts is not None else {0: 50, 1: 50}
    return ColumnStats(
        name=name,
        type="integer",
        n_missing=n_missing,
        missing_rows=rows,
        counts=counts,
        n_distinct=len(counts),
        minimum=float(min(counts)),
        maximum=float(max(counts)),
        all_integer=True,
        n_nonfinite=n_inf,
    )


def stats(
    columns: tuple[ColumnStats, ...],
    *,
    n_rows: int = 100,
    matrix: MatrixStats | None = None,
) -> TargetStats:
    """Target statistics over ``columns`` read from a CSV called ``y.csv``."""
    names = tuple(c.name for c in columns)
    return TargetStats(
        source=Source(path="y.csv", format="csv", columns=names, all_columns=names, header=True),
        n_rows=n_rows,
        columns=columns,
        matrix=matrix,
    )


def one_hot_matrix(
    zero_rows: tuple[int, ...] = (), double_rows: tuple[int, ...] = (), n_rows: int = 100
) -> MatrixStats:
    """Row sums of a 0/1 matrix with some rows all zero and some with two 1s."""
    sums: dict[float, int] = {1.0: n_rows - len(zero_rows) - len(double_rows)}
    examples: dict[float, tuple[int, ...]] = {1.0: (0, 1, 2)}
    if zero_rows:
        sums[0.0] = len(zero_rows)
        examples[0.0] = zero_rows
    if double_rows:
        sums[2.0] = len(double_rows)
        examples[2.0] = double_rows
    off = len(zero_rows) + len(double_rows)
    return MatrixStats(
        row_sum_counts=sums,
        row_sum_min=min(sums),
        row_sum_max=max(sums),
        row_examples=examples,
        n_rows_off_one=off,
        off_one_rows=tuple(sorted(zero_rows + double_rows))[:5],
        n_rows_with_missing=0,
    )


# Maps (one target per pixel or step): the layouts outhead.layout.maps makes from (n, 4, 4),
# (n, 4, 4, 3) and (n, 7) arrays, with counts over the positions.
def map_layout(base: Layout, shape: tuple[int, ...], channels: int | None = None,
               per_step: bool = False) -> Layout:
    """``base`` as a map of ``shape`` positions per example."""
    return replace(base, map_shape=shape, map_channels=channels, per_step=per_step)


CMAP3 = map_layout(layout(LayoutKind.CLASS_MAP, Task.MULTICLASS, classes=(0, 1, 2),
                          counts=(1200, 200, 200)), (4, 4))
CMAP3_1 = replace(CMAP3, map_channels=1)
MASK = map_layout(layout(LayoutKind.BINARY_MASK, Task.BINARY, classes=(0, 1), counts=(1300, 300),
                         n_outputs=1), (4, 4))
OHMAP3 = map_layout(layout(LayoutKind.ONE_HOT_MAP, Task.MULTICLASS, classes=("0", "1", "2")),
                    (4, 4), 3)
MHMAP3 = map_layout(layout(LayoutKind.MULTI_HOT_MAP, Task.MULTILABEL, classes=("0", "1", "2")),
                    (4, 4), 3)
STEPS3 = map_layout(layout(LayoutKind.CLASS_MAP, Task.MULTICLASS, classes=(0, 1, 2)), (7,),
                    per_step=True)
