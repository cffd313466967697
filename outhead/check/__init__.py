"""``outhead check``: the rules that fail a CI build when a target or an output head is wrong.

The package, by layer:

* :mod:`~outhead.check.model`: the check's data types (a leaf);
* :mod:`~outhead.check.keras_names`: the names Keras 3 accepts and what a declared loss means;
* :mod:`~outhead.check.codes`: the registry, each code with its one rule function;
* :mod:`~outhead.check.rules`: the rule functions, one module per family of codes;
* :mod:`~outhead.check.core`: the rules applied to a layout (pure);
* :mod:`~outhead.check.run`: the only part that reads target files, configurations
  (:mod:`~outhead.check.config`) and saved models (:mod:`~outhead.check.model_head`).
"""

from outhead.check.codes import RULES, Rule
from outhead.check.core import check_head, check_layout, check_target
from outhead.check.model import (
    DeclaredHead,
    Expectation,
    FileResult,
    Finding,
    Metric,
    ReadOptions,
    Report,
    TargetSpec,
    parse_metric,
)
from outhead.check.run import check_project, check_target_spec, check_targets

__all__ = [
    "RULES",
    "DeclaredHead",
    "Expectation",
    "FileResult",
    "Finding",
    "Metric",
    "ReadOptions",
    "Report",
    "Rule",
    "TargetSpec",
    "check_head",
    "check_layout",
    "check_project",
    "check_target",
    "check_target_spec",
    "check_targets",
    "parse_metric",
]
