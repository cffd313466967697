"""outhead: read a target file, infer its layout, get the output layer right.

The library API (no printing anywhere in it)::

    import outhead
    rec = outhead.inspect_target("y.csv")
    rec.head.units, rec.head.activation, rec.head.loss     # 6, 'softmax', 'sparse_categorical...'
    rec.layout.evidence                                    # why
    rec.to_dict()                                          # the JSON of `outhead inspect --json`
"""

from outhead._version import __version__
from outhead.api import infer_target, inspect_target
from outhead.check import (
    DeclaredHead,
    Expectation,
    Finding,
    ReadOptions,
    Report,
    TargetSpec,
    check_layout,
    check_project,
    check_targets,
)
from outhead.diagnostics import Diagnostic
from outhead.errors import OutheadError
from outhead.layout import Layout, LayoutKind, Task, infer_layout
from outhead.recommend import Alternative, Head, MetricSpec, Recommendation, recommend
from outhead.stats import ColumnStats, Source, TargetStats


def __getattr__(name: str) -> object:
    # The reader pulls in numpy and pyarrow: import it only when it is asked for.
    if name in ("scan_target", "read_schema"):
        from outhead import reading

        return getattr(reading, name)
    raise AttributeError(f"module 'outhead' has no attribute {name!r}")


__all__ = [
    "Alternative",
    "ColumnStats",
    "DeclaredHead",
    "Diagnostic",
    "Expectation",
    "Finding",
    "Head",
    "Layout",
    "LayoutKind",
    "MetricSpec",
    "OutheadError",
    "ReadOptions",
    "Recommendation",
    "Report",
    "Source",
    "TargetSpec",
    "TargetStats",
    "Task",
    "__version__",
    "check_layout",
    "check_project",
    "check_targets",
    "infer_layout",
    "infer_target",
    "inspect_target",
    "read_schema",
    "recommend",
    "scan_target",
]
