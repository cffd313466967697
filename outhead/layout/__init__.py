"""Layout inference: from the statistics of a target to what the target *is*.

:func:`infer_layout` is a pure function of :class:`~outhead.stats.TargetStats`. It decides the
layout (how the labels are stored) and the task (what the model must learn), and says why, one
line of evidence at a time.
"""

from __future__ import annotations

from outhead.layout.infer import infer_layout
from outhead.layout.model import (
    MAP_KINDS,
    EvidenceRole,
    Layout,
    LayoutKind,
    Task,
    format_label,
    format_number,
)
from outhead.layout.rules import (
    DROP_FIRST_EVIDENCE,
    IMBALANCE_RATIO,
    LARGE_K,
    MIN_CLASS_ROWS,
    ONE_HOT_TOLERANCE,
    SMALL_K,
    SMALL_SAMPLE,
    SMOOTHED_LABEL_MAX,
    SOFT_LABEL_TOLERANCE,
    TARGET_NAMES,
    WIDE_TARGET,
    balanced_class_weight,
)

__all__ = [
    "DROP_FIRST_EVIDENCE",
    "IMBALANCE_RATIO",
    "LARGE_K",
    "MAP_KINDS",
    "MIN_CLASS_ROWS",
    "ONE_HOT_TOLERANCE",
    "SMALL_K",
    "SMALL_SAMPLE",
    "SMOOTHED_LABEL_MAX",
    "SOFT_LABEL_TOLERANCE",
    "TARGET_NAMES",
    "WIDE_TARGET",
    "EvidenceRole",
    "Layout",
    "LayoutKind",
    "Task",
    "balanced_class_weight",
    "format_label",
    "format_number",
    "infer_layout",
]
