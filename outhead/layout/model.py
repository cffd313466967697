"""What inference returns: the task, the layout kind and the :class:`Layout` with its
evidence (a leaf over the statistics), and how values are written in its sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from outhead.diagnostics import Diagnostic
from outhead.stats import (
    TargetStats,
    Value,
)


class Task(str, Enum):
    """What the model learns; the values are the ``task`` strings of ``--json`` and ``--task``."""

    REGRESSION = "regression"
    BOUNDED_REGRESSION = "bounded-regression"
    BINARY = "binary"
    MULTICLASS = "multiclass"
    MULTILABEL = "multilabel"


class LayoutKind(str, Enum):
    """How the target is stored; the values are the ``layout`` strings of ``--json``."""

    CONTINUOUS = "continuous"
    """One numeric column of many values."""
    BOUNDED = "bounded"
    """One numeric column within [0, 1] that is not a 0/1 label."""
    MULTI_CONTINUOUS = "multi-continuous"
    """Several numeric columns (several regression targets)."""
    LABEL_VECTOR = "label-vector"
    """One column of labels (ints, strings, bools): binary with 2 values, multiclass with more."""
    ONE_HOT = "one-hot"
    """A 0/1 matrix, exactly one 1 per row."""
    MULTI_HOT = "multi-hot"
    """A 0/1 matrix, any number of 1s per row."""
    LABEL_SETS = "label-sets"
    """One text column holding a set of labels per row (``Kr|Xe``)."""
    PROBABILITIES = "probabilities"
    """Non-negative rows that sum to 1 and are not all 0/1 (soft labels)."""
    # Maps: one target per position of an example (pixel, voxel or step), read from NPY/NPZ
    # arrays of rank 3 to 5 ((n, H, W), (n, H, W, C), (n, D, H, W, C)) or, with --per-step,
    # (n, T) and (n, T, C). The statistics, counts and evidence are over positions.
    CLASS_MAP = "class-map"
    """One integer (or text) class id per position, more than 2 classes or not 0/1:
    (n, H, W), (n, H, W, 1), (n, T) with --per-step."""
    BINARY_MASK = "binary-mask"
    """One 0/1 (or bool) value per position: foreground/background."""
    ONE_HOT_MAP = "one-hot-map"
    """A 0/1 channel axis with exactly one 1 at every position: (n, H, W, K)."""
    MULTI_HOT_MAP = "multi-hot-map"
    """A 0/1 channel axis with any number of 1s per position (overlapping masks)."""
    PROBABILITY_MAP = "probability-map"
    """A channel axis of non-negative values summing to 1 at every position (soft masks)."""
    CONTINUOUS_MAP = "continuous-map"
    """Real values per position (depth, density, heat maps), outside [0, 1]."""
    BOUNDED_MAP = "bounded-map"
    """Real values per position within [0, 1] that are not 0/1 labels."""


#: The kinds of one target per position (see :attr:`Layout.map_shape`).
MAP_KINDS = frozenset({
    LayoutKind.CLASS_MAP, LayoutKind.BINARY_MASK, LayoutKind.ONE_HOT_MAP,
    LayoutKind.MULTI_HOT_MAP, LayoutKind.PROBABILITY_MAP, LayoutKind.CONTINUOUS_MAP,
    LayoutKind.BOUNDED_MAP,
})  # fmt: skip


EvidenceRole = Literal["values", "task", "classes", "range", "forced"]
"""What an evidence line decided: ``values`` what the values are (labels or a quantity, one-hot
rows, probabilities...), ``task`` which task follows (exclusive classes, independent labels,
the [0, 1] range of a bounded target), ``classes`` the classes found, ``range`` the range of a
regression target, ``forced`` that ``--task`` chose the task."""


@dataclass(frozen=True)
class Layout:
    """The inferred layout of a target, with the evidence that decided it."""

    kind: LayoutKind
    task: Task
    n_rows: int
    n_outputs: int
    """Output units the data calls for: 1 (regression, binary vector), K (classes), k (columns)."""
    columns: tuple[str, ...]
    """The target columns as read."""
    classes: tuple[Value, ...] | None
    """Class labels in model output order (index i = output i / class id i); for matrices the
    column names, for label sets the labels. None for regression."""
    class_counts: tuple[int, ...] | None
    """Rows per class, aligned with ``classes`` (for multi-hot: rows where the label is on)."""
    evidence: tuple[str, ...]
    """What in the data decided the layout, one observation per line."""
    evidence_roles: tuple[EvidenceRole | None, ...] = ()
    """What each line of ``evidence`` decided (aligned with it; None: a description). Code that
    needs the decisive line (``check``'s OH107) picks it by role, never by its wording."""
    diagnostics: tuple[Diagnostic, ...] = ()
    runner_up: str | None = None
    """The second most likely reading when the decision was close, in words."""
    runner_up_task: Task | None = None
    """The task of that second reading, when forcing it (``--task``) reads the data that way."""
    forced: bool = False
    """True when the task came from ``--task`` rather than from the data."""
    needs_mapping: bool = False
    """Label vectors: the labels are not the integers 0..K-1, so they must be mapped."""
    indicator_values: tuple[float, float] | None = None
    """Matrices coded with another pair than 0/1 (e.g. -1/+1): (negative, positive)."""
    separator: str | None = None
    """Label sets: the separator between labels."""
    dropped_class: str | None = None
    """Drop-first dummies: the name given to the class whose column was dropped (the rows with
    no 1). It is class 0, ``classes[0]``; the file's columns are classes 1..K-1."""
    target_range: tuple[float, float] | None = None
    """Numeric targets: (min, max) over all target columns."""
    target_mean: tuple[float, ...] | None = None
    target_std: tuple[float, ...] | None = None
    """Numeric targets, per column: mean and standard deviation."""
    reading: tuple[str, ...] = ()
    """How the file was read, where it was guessed (a detected header, a detected separator),
    each with the option that overrides it."""
    map_shape: tuple[int, ...] | None = None
    """Maps: the positions of one example, ``(H, W)``, ``(D, H, W)`` or ``(T,)``; None for rows.
    ``n_rows`` then counts examples and ``class_counts`` positions."""
    map_channels: int | None = None
    """Maps: the length of the file's channel axis (1 for ``(n, H, W, 1)``, K for one-hot), or
    None when it has none (``(n, H, W)``, ``(n, T)``)."""
    per_step: bool = False
    """Maps read with ``--per-step``: the positions are the steps of a sequence."""
    stats: TargetStats | None = field(default=None, compare=False, repr=False)

    @property
    def is_map(self) -> bool:
        """One target per position (pixel, voxel, step) rather than per row."""
        return self.map_shape is not None

    @property
    def n_positions(self) -> int:
        """Positions per example (1 for rows)."""
        out = 1
        for d in self.map_shape or ():
            out *= d
        return out

    @property
    def is_classification(self) -> bool:
        return self.task in (Task.BINARY, Task.MULTICLASS, Task.MULTILABEL)

    def to_dict(self) -> dict[str, Any]:
        """The layout as plain JSON-ready data (``classes`` as strings/numbers/bools)."""
        return {
            "layout": self.kind.value,
            "task": self.task.value,
            "n_rows": self.n_rows,
            "n_outputs": self.n_outputs,
            "columns": list(self.columns),
            "classes": list(self.classes) if self.classes is not None else None,
            "class_counts": list(self.class_counts) if self.class_counts is not None else None,
            "evidence": list(self.evidence),
            "reading": list(self.reading),
            "warnings": [d.to_dict() for d in self.diagnostics],
            "runner_up": self.runner_up,
            "runner_up_task": self.runner_up_task.value if self.runner_up_task else None,
            "forced": self.forced,
        }


def format_label(value: Value) -> str:
    """A label as the user wrote it (strings quoted only when they hold spaces or commas)."""
    if isinstance(value, str):
        return repr(value) if (" " in value or "," in value or not value) else value
    return str(value)


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:6])
    return shown + (f", ... {len(names) - 6} more" if len(names) > 6 else "")


def format_number(x: float) -> str:
    """A number for humans: thousands separators, 4 significant digits below 1000."""
    if x != x:
        return "nan"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


_num = format_number  # the short name the messages above use
