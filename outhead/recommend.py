"""Recommendation: from a layout to the output head (units, activation, loss, metrics).

:func:`recommend` is pure. Everything the CLI prints and the scaffold renders about the head
comes from the :class:`Recommendation` it returns, including the Keras source lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from outhead.diagnostics import Diagnostic
from outhead.layout import Layout, Task

Decision = Literal["identity", "threshold", "argmax", "per-label-threshold"]


def _py(value: object) -> str:
    """A Python literal for a keyword value in generated Keras code."""
    return repr(value)


@dataclass(frozen=True)
class MetricSpec:
    """One explicit Keras metric object."""

    cls: str
    """Class name under ``keras.metrics`` (``BinaryAccuracy``)."""
    name: str
    """The name Keras logs it under (``binary_accuracy``, ``auc``, ``precision``...)."""
    args: tuple[tuple[str, Any], ...] = ()

    def code(self, module: str = "keras.metrics") -> str:
        """The constructor call, e.g. ``keras.metrics.AUC(multi_label=True, num_labels=6)``."""
        inner = ", ".join(f"{k}={_py(v)}" for k, v in self.args)
        return f"{module}.{self.cls}({inner})"

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.cls, "name": self.name, "args": dict(self.args), "code": self.code()}


@dataclass(frozen=True)
class Head:
    """The last layer and its loss."""

    units: int
    activation: str
    """``linear``, ``sigmoid`` or ``softmax``."""
    loss: str
    """Keras string identifier (``binary_crossentropy``, ``mean_squared_error``...)."""
    loss_class: str
    """Class name under ``keras.losses`` (``BinaryCrossentropy``)."""
    from_logits: bool = False

    def layer_code(self, module: str = "keras.layers") -> str:
        """``keras.layers.Dense(6, activation="softmax")``."""
        return f'{module}.Dense({self.units}, activation="{self.activation}")'

    def loss_code(self, module: str = "keras.losses") -> str:
        """``keras.losses.CategoricalCrossentropy(from_logits=True)`` (no args when default)."""
        args = "from_logits=True" if self.from_logits else ""
        return f"{module}.{self.loss_class}({args})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation,
            "loss": self.loss,
            "loss_class": self.loss_class,
            "from_logits": self.from_logits,
        }


@dataclass(frozen=True)
class Alternative:
    """A valid head other than the recommended one, and when to prefer it."""

    title: str
    head: Head
    metrics: tuple[MetricSpec, ...]
    why: str
    note: str | None = None
    """What else changes (e.g. "one-hot encode the labels first")."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            **self.head.to_dict(),
            "metrics": [m.cls for m in self.metrics],
            "why": self.why,
            "note": self.note,
        }


@dataclass(frozen=True)
class Recommendation:
    """The recommended head for a layout, how to read its outputs, and the alternatives."""

    layout: Layout
    head: Head
    metrics: tuple[MetricSpec, ...]
    decision: Decision
    """How predictions become labels: identity (regression), threshold, argmax, per-label."""
    decision_text: str
    """The decision rule in words (``class 1 when p >= 0.5``)."""
    threshold: float | None
    """The probability (or logit, with ``from_logits``) threshold for threshold decisions."""
    report: tuple[str, ...]
    """Figures to report beyond the compiled metrics (``median absolute error``)."""
    class_weight: dict[int, float] | None
    """``class_weight`` for ``model.fit`` when single-label classes are imbalanced."""
    alternatives: tuple[Alternative, ...]
    why: tuple[str, ...]
    """Why this head, one sentence per choice (units, activation, loss)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """The layout's diagnostics plus any from the recommendation (e.g. a forced task)."""

    @property
    def task(self) -> Task:
        return self.layout.task

    def compile_code(self, keras: str = "keras") -> str:
        """The ``model.compile(...)`` call with the loss object and explicit metric objects."""
        metrics = ",\n        ".join(m.code(f"{keras}.metrics") for m in self.metrics)
        return (
            "model.compile(\n"
            '    optimizer="adam",\n'
            f"    loss={self.head.loss_code(f'{keras}.losses')},\n"
            f"    metrics=[\n        {metrics},\n    ],\n"
            ")"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``outhead inspect --json`` (see the README for the schema)."""
        layout = self.layout
        return {
            "task": layout.task.value,
            "layout": layout.kind.value,
            **self.head.to_dict(),
            "metrics": [m.cls for m in self.metrics],
            "metric_objects": [m.to_dict() for m in self.metrics],
            "decision": self.decision,
            "decision_text": self.decision_text,
            "threshold": self.threshold,
            "report": list(self.report),
            "classes": list(layout.classes) if layout.classes is not None else None,
            "class_counts": list(layout.class_counts) if layout.class_counts is not None else None,
            "class_weight": (
                {str(k): v for k, v in self.class_weight.items()} if self.class_weight else None
            ),
            "n_rows": layout.n_rows,
            "columns": list(layout.columns),
            "layer_code": self.head.layer_code(),
            "compile_code": self.compile_code(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "why": list(self.why),
            "evidence": list(layout.evidence),
            "runner_up": layout.runner_up,
            "forced": layout.forced,
            "warnings": [d.to_dict() for d in self.diagnostics],
        }
