"""outhead: read a target file, infer its layout, get the output layer right.

The library API (no printing anywhere in it)::

    import outhead
    rec = outhead.inspect_target("y.csv")
    rec.head.units, rec.head.activation, rec.head.loss     # 6, 'softmax', 'sparse_categorical...'
    rec.layout.evidence                                    # why
    rec.to_dict()                                          # the JSON of `outhead inspect --json`
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from outhead._version import __version__

if TYPE_CHECKING:
    from outhead.api import infer_target, inspect_target
    from outhead.check import (
        DeclaredHead,
        Expectation,
        Finding,
        Report,
        TargetSpec,
        check_layout,
        check_project,
        check_targets,
    )
    from outhead.diagnostics import Diagnostic
    from outhead.errors import OutheadError
    from outhead.layout import Layout, LayoutKind, Task, infer_layout
    from outhead.reading import ReadOptions, read_schema, scan_target
    from outhead.recommend import Alternative, Head, MetricSpec, Recommendation, recommend
    from outhead.stats import ColumnStats, Source, TargetStats

#: Where each name of the API lives. Each loads when it is first used, so that the command line
#: (``outhead --help``, ``inspect``, ``check``) pays only for what it runs.
_HOMES = {
    "infer_target": "api",
    "inspect_target": "api",
    "DeclaredHead": "check",
    "Expectation": "check",
    "Finding": "check",
    "Report": "check",
    "TargetSpec": "check",
    "check_layout": "check",
    "check_project": "check",
    "check_targets": "check",
    "Diagnostic": "diagnostics",
    "OutheadError": "errors",
    "Layout": "layout",
    "LayoutKind": "layout",
    "Task": "layout",
    "infer_layout": "layout",
    "ReadOptions": "reading",
    "read_schema": "reading",
    "scan_target": "reading",
    "Alternative": "recommend",
    "Head": "recommend",
    "MetricSpec": "recommend",
    "Recommendation": "recommend",
    "recommend": "recommend",
    "ColumnStats": "stats",
    "Source": "stats",
    "TargetStats": "stats",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'outhead' has no attribute {name!r}")
    return getattr(importlib.import_module(f"outhead.{home}"), name)


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
