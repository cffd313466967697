"""The check's data types: what is declared, what is expected, what was found.

A leaf: it imports nothing of the check, so :mod:`outhead.check.config` and
:mod:`outhead.check.model_head` build these types without importing the rules.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from outhead.layout import Layout, Task
from outhead.reading.options import ReadOptions

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One problem found by a rule: the reason in one sentence and the exact Keras fix."""

    code: str
    name: str
    severity: Severity
    message: str
    fix: str | None = None
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "file": self.file,
        }



@dataclass(frozen=True)
class Metric:
    """A metric as declared: ``accuracy``, ``BinaryAccuracy(threshold=0.0)``, ``F1Score``...

    ``kind`` is the canonical class (``accuracy`` for the bare string that Keras resolves by
    shapes), ``args`` the keyword arguments that could be read (``threshold``...).
    """

    text: str
    kind: str
    args: tuple[tuple[str, Any], ...] = ()

    def arg(self, name: str, default: Any = None) -> Any:
        return dict(self.args).get(name, default)


_METRIC_KINDS = {
    "accuracy": "accuracy",
    "acc": "accuracy",
    "binaryaccuracy": "BinaryAccuracy",
    "categoricalaccuracy": "CategoricalAccuracy",
    "sparsecategoricalaccuracy": "SparseCategoricalAccuracy",
    "f1score": "F1Score",
    "f1": "F1Score",
    "fbetascore": "F1Score",
    "precision": "Precision",
    "recall": "Recall",
    "auc": "AUC",
}


def parse_metric(text: str) -> Metric:
    """Read a metric given as a Keras string id or a constructor call.

    Args:
        text: ``accuracy``, ``binary_accuracy``, ``keras.metrics.F1Score(threshold=0.5)``...

    Returns:
        The :class:`Metric`; unknown names keep their text as ``kind`` (no rule applies to them).
    """
    raw = text.strip()
    match = re.fullmatch(r"(?:[\w.]*\.)?(\w+)\s*(?:\((.*)\))?", raw, flags=re.S)
    if not match:
        return Metric(raw, raw)
    name, inner = match.group(1), match.group(2) or ""
    kind = _METRIC_KINDS.get(name.lower().replace("_", ""), name)
    args: list[tuple[str, Any]] = []
    for key, value in re.findall(r"(\w+)\s*=\s*([^,=]+?)\s*(?=,\s*\w+\s*=|$)", inner.strip()):
        try:
            args.append((key, ast.literal_eval(value)))
        except (ValueError, SyntaxError):
            args.append((key, value))
    return Metric(raw, kind, tuple(args))


@dataclass(frozen=True)
class DeclaredHead:
    """The head a model uses: last layer, loss, ``from_logits``, metrics, ``class_weight``.

    Every field may be unknown (None); rules that need an unknown field are skipped.
    """

    units: int | None = None
    activation: str | None = None
    """Keras name (``softmax``); None or ``linear`` for no activation."""
    loss: str | None = None
    """Keras string id or class name (``sparse_categorical_crossentropy``, ``MeanSquaredError``)."""
    from_logits: bool = False
    metrics: tuple[str, ...] = ()
    class_weight: bool = False
    source: str | None = None
    """Where the head came from (``model.keras``, ``command line``, ``outhead.toml``)."""
    from_model: bool = False
    """The head was read from a saved model (``source`` is its path)."""
    declared_in: str | None = None
    """With a model: where options that complete it come from (``command line`` or the
    configuration file), named in the fix of OH001. A declared head uses ``source``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation,
            "loss": self.loss,
            "from_logits": self.from_logits,
            "metrics": list(self.metrics),
            "class_weight": self.class_weight,
            "source": self.source,
        }


@dataclass(frozen=True)
class OptionNames:
    """How the options of an expectation are named where they were given, for the messages.

    The command line gives flags (``--classes 6``, the default); a configuration file gives
    keys (``classes = 6``): :data:`outhead.check.config.CONFIG_KEYS`.
    """

    expect: str = "--expect"
    classes: str = "--classes"
    allow_missing: str = "--allow-missing"
    max_imbalance: str = "--max-imbalance"
    column: str = "--column"
    strict: str = "--strict"
    keys: bool = False
    """Names are configuration keys (``key = value``), not flags (``--flag value``)."""

    def given(self, option: str, value: object) -> str:
        """``--classes 6`` or ``classes = 6``."""
        return f"{option} = {value}" if self.keys else f"{option} {value}"

    def switch(self, option: str) -> str:
        """A boolean option as set: ``--allow-missing`` or ``allow_missing = true``."""
        return f"{option} = true" if self.keys else option

    def turn_on(self, option: str) -> str:
        """``pass --allow-missing`` or ``set allow_missing = true``."""
        return f"set {option} = true" if self.keys else f"pass {option}"


@dataclass(frozen=True)
class Expectation:
    """What the project says the target should be (``--expect``, ``--classes``...)."""

    task: Task | None = None
    classes: int | tuple[str, ...] | None = None
    """A number of classes, or their names in any order (compared as text)."""
    allow_missing: bool = False
    max_imbalance: float | None = None
    """Largest class / smallest class ratio above which the check fails."""
    names: OptionNames = field(default_factory=OptionNames)
    """How the messages name these options (flags or configuration keys)."""


@dataclass(frozen=True)
class TargetSpec:
    """One target to check: the file, how to read it, the expectation and the head or model."""

    path: str
    read: ReadOptions = field(default_factory=ReadOptions)
    expect: Expectation = field(default_factory=Expectation)
    head: DeclaredHead | None = None
    model: str | None = None
    """A saved Keras model (``.keras``) whose head is checked against the target."""
    display: str | None = None
    """The path as shown in findings (relative to the config file or the cwd)."""
    origin: str | None = None
    """Where the spec was given: ``command line`` or the configuration file (for messages)."""
    output: str | None = None
    """One output of a target of several outputs (``outhead.multi``): its name, which its
    findings and its result's heading carry."""


@dataclass(frozen=True)
class FileResult:
    """The findings about one target file (and the layout it was read as, when it was read)."""

    file: str
    """The heading of the result: the path, or ``PATH [output NAME]`` for one output."""
    findings: tuple[Finding, ...]
    layout: Layout | None = None
    head: DeclaredHead | None = None
    output: str | None = None
    """One output of a target of several outputs: its name (``file`` is then headed with it)."""
    path: str | None = None
    """The target file itself when ``file`` names one of its outputs; see :attr:`target_file`."""

    @property
    def target_file(self) -> str:
        """The file read, without the output's name: what the summary counts as a file."""
        return self.path if self.path is not None else self.file

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        layout = self.layout
        return {
            "file": self.file,
            "output": self.output,
            "task": layout.task.value if layout else None,
            "layout": layout.kind.value if layout else None,
            "n_rows": layout.n_rows if layout else None,
            "classes": (
                [_jsonable(c) for c in layout.classes]
                if layout is not None and layout.classes is not None
                else None
            ),
            "head": self.head.to_dict() if self.head else None,
            "findings": [f.to_dict() for f in self.findings],
        }


def _jsonable(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class Report:
    """The result of a check run; :attr:`return_code` is the process exit code.

    0: no error (and, with ``strict``, no warning). 1: at least one failing finding. Bad input
    never reaches a report: it raises :class:`~outhead.errors.OutheadError` (exit 2).
    """

    results: tuple[FileResult, ...]
    strict: bool = False

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.results for f in r.findings)

    def count(self, severity: Severity) -> int:
        return sum(r.count(severity) for r in self.results)

    @property
    def failed(self) -> bool:
        failing = {"error", "warning"} if self.strict else {"error"}
        return any(f.severity in failing for f in self.findings)

    @property
    def return_code(self) -> int:
        return 1 if self.failed else 0

    @property
    def n_files(self) -> int:
        """The distinct files read: a target of several outputs is one file."""
        return len({r.target_file for r in self.results})

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.n_files,
            "outputs": len(self.results),
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "notes": self.count("note"),
            "strict": self.strict,
            "failed": self.failed,
            "return_code": self.return_code,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``outhead check --format json`` (see ``tests/schemas/``)."""
        return {
            "version": 1,
            "files": [r.to_dict() for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
        }
