"""Recommendation: from a layout to the output head (units, activation, loss, metrics).

:func:`recommend` is pure. Everything the CLI prints and the scaffold renders about the head
comes from the :class:`Recommendation` it returns, including the Keras source lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from outhead.diagnostics import Diagnostic
from outhead.layout import Layout, LayoutKind, Task, balanced_class_weight
from outhead.priors import (
    CONTINUOUS,
    FOCAL_BELOW,
    bias_why,
    focal_note,
    focal_option,
    initial_bias,
    rarest_share,
    skew_note,
)
from outhead.stats import DISTINCT_CAP, ColumnStats

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

    def code(
        self,
        module: str = "keras.metrics",
        *,
        named: bool = False,
        literal: Callable[[Any], str] = _py,
    ) -> str:
        """The constructor call, e.g. ``keras.metrics.AUC(multi_label=True, num_labels=6)``.

        Args:
            module: the module the class is written under.
            named: pass ``name=`` too (the key Keras logs the metric under).
            literal: how values are written (the scaffold passes its checked-literal filter).
        """
        args = [*self.args, ("name", self.name)] if named else self.args
        inner = ", ".join(f"{k}={literal(v)}" for k, v in args)
        return f"{module}.{self.cls}({inner})"

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.cls, "name": self.name, "args": dict(self.args), "code": self.code()}


#: The activation a cross-entropy reads its inputs through.
_PROBABILITIES: dict[str, Literal["sigmoid", "softmax"]] = {
    "BinaryCrossentropy": "sigmoid",
    "BinaryFocalCrossentropy": "sigmoid",
    "CategoricalCrossentropy": "softmax",
    "CategoricalFocalCrossentropy": "softmax",
    "SparseCategoricalCrossentropy": "softmax",
}


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
    layer: Literal["Dense", "Conv2D", "Conv3D"] = "Dense"
    """The output layer: ``Dense`` for rows (and per step), a 1×1 ``Conv2D``/``Conv3D`` for
    one output per pixel/voxel of a map."""

    def layer_code(self, module: str = "keras.layers", *, bare_linear: bool = False) -> str:
        """``keras.layers.Dense(6, activation="softmax")``; ``Dense(6)`` for a linear output
        with ``bare_linear``; ``Conv2D(3, 1, activation="softmax")`` per pixel of a map."""
        kernel = "" if self.layer == "Dense" else ", 1"
        if bare_linear and self.activation == "linear":
            return f"{module}.{self.layer}({self.units}{kernel})"
        return f'{module}.{self.layer}({self.units}{kernel}, activation="{self.activation}")'

    @property
    def probabilities(self) -> Literal["sigmoid", "softmax"] | None:
        """How the outputs become probabilities for a cross-entropy: ``sigmoid`` (one per unit)
        or ``softmax`` (one distribution), applied by the layer or, with ``from_logits``, by the
        loss; None for a regression loss."""
        return _PROBABILITIES.get(self.loss_class)

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
    initial_bias: tuple[float, ...] | None = None
    """The output layer's starting bias, one per unit, from the target's priors (see
    :func:`initial_bias`); None where the default zeros are right or the data cannot say."""
    position_weight: dict[int, float] | None = None
    """Maps: balanced weights per class id, for a per-position ``sample_weight`` (Keras'
    ``class_weight`` does not apply to maps); None for rows and balanced maps."""

    @property
    def task(self) -> Task:
        return self.layout.task

    def layer_code(self, module: str = "keras.layers") -> str:
        """The output layer, with ``bias_initializer=...Constant([...])`` when set."""
        code = self.head.layer_code(module)
        if self.initial_bias is None:
            return code
        initializers = module.rsplit(".", 1)[0] + ".initializers"
        bias = _py(list(self.initial_bias))
        return f"{code[:-1]}, bias_initializer={initializers}.Constant({bias}))"

    @property
    def output_shape(self) -> tuple[int, ...]:
        """One example's output: ``(units,)`` for rows, ``(H, W, units)`` for a map."""
        return (*(self.layout.map_shape or ()), self.head.units)

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
            "output_shape": list(self.output_shape),
            "position_weight": (
                {str(k): v for k, v in self.position_weight.items()}
                if self.position_weight
                else None
            ),
            "layer_code": self.layer_code(),
            "initial_bias": list(self.initial_bias) if self.initial_bias is not None else None,
            "compile_code": self.compile_code(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "why": list(self.why),
            "evidence": list(layout.evidence),
            "reading": list(layout.reading),
            "runner_up": layout.runner_up,
            "runner_up_task": layout.runner_up_task.value if layout.runner_up_task else None,
            "forced": layout.forced,
            "warnings": [d.to_dict() for d in self.diagnostics],
            "source": layout.stats.source.to_dict() if layout.stats is not None else None,
            "target_columns": [
                _column_summary(c, histogram=layout.task in CONTINUOUS)
                for c in layout.stats.columns
            ]
            if layout.stats is not None
            else [],
        }


def _column_summary(col: ColumnStats, *, histogram: bool = False) -> dict[str, Any]:
    """One target column, summarised for the JSON output (with its bins for regression)."""
    return {
        "name": col.name,
        "type": col.type,
        "n_distinct": col.n_distinct if col.counts is not None else None,
        "distinct_more_than": DISTINCT_CAP if col.counts is None else None,
        "n_missing": col.n_missing,
        "min": col.minimum,
        "max": col.maximum,
        "histogram": col.histogram.to_dict() if histogram and col.histogram else None,
    }


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------

#: From this many classes a top-5 accuracy is worth reporting beside the plain one.
TOP_K_FROM = 10

#: The losses of recommended heads, by family: (Keras string id, class under keras.losses).
LOSSES: dict[str, tuple[str, str]] = {
    "regression": ("mean_squared_error", "MeanSquaredError"),
    "bce": ("binary_crossentropy", "BinaryCrossentropy"),
    "cce": ("categorical_crossentropy", "CategoricalCrossentropy"),
    "scce": ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
    "binary-focal": ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
    "categorical-focal": ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy"),
}
_MSE, _BCE, _CCE, _SCCE = LOSSES["regression"], LOSSES["bce"], LOSSES["cce"], LOSSES["scce"]

_REGRESSION_METRICS = (
    MetricSpec("RootMeanSquaredError", "root_mean_squared_error"),
    MetricSpec("MeanAbsoluteError", "mean_absolute_error"),
)


def _head(units: int, activation: str, loss: tuple[str, str], from_logits: bool = False) -> Head:
    """A head; with ``from_logits`` the output is linear and the loss applies the activation."""
    return Head(units, "linear" if from_logits else activation, loss[0], loss[1], from_logits)


def _binary_metrics(from_logits: bool, n_labels: int | None = None) -> tuple[MetricSpec, ...]:
    """Metrics for sigmoid outputs (one binary label, or several with ``n_labels``).

    On logits the 0.5 probability threshold is a logit of 0.0, and AUC must be told (see
    :func:`logit_metric`); F1Score is left out on purpose, since it rejects ``threshold=0.0``.
    """
    auc: tuple[tuple[str, Any], ...] = ()
    if n_labels is not None:
        auc = (("multi_label", True), ("num_labels", n_labels))
    metrics = (
        MetricSpec("BinaryAccuracy", "binary_accuracy", (("threshold", 0.5),)),
        MetricSpec("AUC", "auc", auc),
        MetricSpec("Precision", "precision", (("thresholds", 0.5),)),
        MetricSpec("Recall", "recall", (("thresholds", 0.5),)),
    )
    if not from_logits:
        return metrics
    return tuple(m for m in map(logit_metric, metrics) if m is not None)


#: Metrics that read probabilities and cannot be given a logit threshold (keras-head-facts M8).
_NO_LOGITS = frozenset({"F1Score", "FBetaScore"})


def logit_metric(metric: MetricSpec) -> MetricSpec | None:
    """The same metric reading logits, or None when Keras has no logit form (F1Score)."""
    if metric.cls in _NO_LOGITS:
        return None
    args = dict(metric.args)
    if metric.cls == "BinaryAccuracy":
        args["threshold"] = 0.0  # logit 0 is probability 0.5
    elif metric.cls == "AUC":
        args["from_logits"] = True
    elif metric.cls in ("Precision", "Recall"):
        args["thresholds"] = 0.0
    return replace(metric, args=tuple(args.items()))


def _class_metrics(k: int, sparse: bool) -> tuple[MetricSpec, ...]:
    """Metrics for softmax outputs; argmax is the same on logits, so no logits variant."""
    if sparse:
        out = [MetricSpec("SparseCategoricalAccuracy", "sparse_categorical_accuracy")]
        if k >= TOP_K_FROM:
            out.append(
                MetricSpec(
                    "SparseTopKCategoricalAccuracy",
                    "sparse_top_k_categorical_accuracy",
                    (("k", 5),),
                )
            )
    else:
        out = [MetricSpec("CategoricalAccuracy", "categorical_accuracy")]
        if k >= TOP_K_FROM:
            out.append(
                MetricSpec("TopKCategoricalAccuracy", "top_k_categorical_accuracy", (("k", 5),))
            )
    return tuple(out)


def _logits_alternative(head: Head, metrics: tuple[MetricSpec, ...], layout: Layout) -> Alternative:
    """The same head with a linear output and ``from_logits=True``, and why it is stabler."""
    lh = Head(head.units, "linear", head.loss, head.loss_class, True)
    if head.activation == "sigmoid":
        n = layout.n_outputs if layout.task == Task.MULTILABEL else None
        return Alternative(
            "logits, numerically stable",
            lh,
            _binary_metrics(True, n),
            "the loss applies the sigmoid itself, in a stable form: in float32 a sigmoid "
            "rounds to exactly 1.0 from a logit of 17, after which the probability path clips "
            "the loss at 15.94 and its gradient is 0, so confidently wrong rows stop teaching",
            "metrics must read logits (thresholds at 0.0, AUC(from_logits=True), no F1Score); "
            "get probabilities with keras.ops.sigmoid(model.predict(x))",
        )
    return Alternative(
        "logits, numerically stable",
        lh,
        metrics,
        "the loss applies the softmax itself, in a stable form: from a logit gap of about 20 "
        "the probability path caps the loss at 16.12 and stops learning from the worst rows",
        "argmax metrics read logits as they are; get probabilities with "
        "keras.ops.softmax(model.predict(x))",
    )


def head_for(
    layout: Layout, *, from_logits: bool = False, two_node: bool = False, focal: bool = False
) -> Head:
    """The head a layout calls for: the one place that decides units, activation and loss.

    ``outhead inspect``, ``outhead check`` (the fixes it quotes) and ``outhead scaffold`` all
    take the head from here.

    Args:
        layout: the inferred (or forced) layout; its task decides.
        from_logits: the numerically stable form (linear output, ``from_logits=True``) of a
            classification head; ignored for regression.
        two_node: 2 softmax units with a sparse loss for a binary label vector; ignored for
            anything else.
        focal: the focal form of the classification loss (``BinaryFocalCrossentropy`` for
            sigmoid heads, ``CategoricalFocalCrossentropy`` for softmax heads, which has no
            sparse form: class ids must be one-hot encoded); ignored for regression.

    Returns:
        The :class:`Head`.
    """
    head = _plain_head(layout, from_logits=from_logits, two_node=two_node)
    if not focal or head.probabilities is None:
        return head
    loss = LOSSES["binary-focal" if head.probabilities == "sigmoid" else "categorical-focal"]
    return replace(head, loss=loss[0], loss_class=loss[1])


def _plain_head(layout: Layout, *, from_logits: bool, two_node: bool) -> Head:
    task, kind, k = layout.task, layout.kind, layout.n_outputs
    if layout.is_map:
        return _map_head(layout, from_logits)
    if task == Task.REGRESSION:
        return _head(k, "linear", _MSE)
    if task == Task.BOUNDED_REGRESSION:
        return _head(1, "sigmoid", _MSE)
    if task == Task.BINARY and kind == LayoutKind.LABEL_VECTOR:
        if two_node:
            return _head(2, "softmax", _SCCE, from_logits)
        return _head(1, "sigmoid", _BCE, from_logits)
    if task == Task.MULTILABEL:
        return _head(k, "sigmoid", _BCE, from_logits)
    return _head(k, "softmax", _SCCE if kind == LayoutKind.LABEL_VECTOR else _CCE, from_logits)


@dataclass(frozen=True)
class _Reading:
    """What a task adds to the head: metrics, how outputs become labels, why, alternatives."""

    metrics: tuple[MetricSpec, ...]
    decision: Decision
    decision_text: str
    why: list[str]
    alternatives: list[Alternative]
    threshold: float | None = None
    report: tuple[str, ...] = ()


def recommend(
    layout: Layout, *, from_logits: bool = False, two_node: bool = False, focal: bool = False
) -> Recommendation:
    """Recommend the output head for a layout.

    Args:
        layout: the inferred (or forced) layout.
        from_logits: recommend the numerically stable form: a linear output and a loss with
            ``from_logits=True`` (classification only; ignored with a note for regression).
        two_node: for a binary label vector, 2 softmax units with a sparse loss instead of 1
            sigmoid unit.
        focal: the focal form of the classification loss (``scaffold --loss focal``); see
            :func:`head_for`. Ignored with a note for regression.

    Returns:
        The :class:`Recommendation`: head, explicit metrics, decision rule, alternatives, and
        the diagnostics of the layout plus any the options add.
    """
    diags = list(layout.diagnostics)
    from_logits, two_node = _applicable_options(layout, from_logits, two_node, diags)
    focal = focal_option(layout, focal, diags)
    head = head_for(layout, from_logits=from_logits, two_node=two_node, focal=focal)
    task = layout.task
    if layout.is_map:
        return _recommend_map(layout, head, from_logits, tuple(diags))
    if task == Task.REGRESSION:
        part = _regression(layout, head)
    elif task == Task.BOUNDED_REGRESSION:
        part = _bounded_regression(head)
    elif task == Task.BINARY and layout.kind == LayoutKind.LABEL_VECTOR:
        part = _binary_vector(layout, head, from_logits, two_node)
    elif task == Task.MULTILABEL:
        part = _multilabel(layout, from_logits)
    else:  # multiclass: label vector, one-hot, probabilities (and binary one-hot)
        part = _multiclass(layout, head)
    if focal:
        part = _focal_reading(part, head)
    why = part.why
    alternatives = part.alternatives
    rare = rarest_share(layout)
    if not focal and rare is not None and rare < FOCAL_BELOW:
        alternatives.append(_focal_alternative(layout, from_logits, two_node, rare))
    if from_logits:
        why[1] = (
            "linear activation with from_logits=True: the loss applies "
            f"{head.probabilities} itself, in a numerically stable form"
        )
    elif layout.is_classification:
        alternatives.append(_logits_alternative(head, part.metrics, layout))
    weights = _class_weight(layout)
    if weights and task not in (Task.BINARY, Task.MULTICLASS):
        weights = None
    bias = initial_bias(layout, head, weighted=bool(weights))
    why.append(bias_why(head, bias, weighted=bool(weights)))
    return Recommendation(
        layout=layout,
        head=head,
        metrics=part.metrics,
        decision=part.decision,
        decision_text=part.decision_text,
        threshold=part.threshold,
        report=part.report,
        class_weight=weights,
        alternatives=tuple(alternatives),
        why=tuple(why),
        diagnostics=tuple(diags),
        initial_bias=bias,
    )


def _applicable_options(
    layout: Layout, from_logits: bool, two_node: bool, diags: list[Diagnostic]
) -> tuple[bool, bool]:
    """``from_logits`` and ``two_node`` where they apply; a note in ``diags`` where not."""
    task, kind = layout.task, layout.kind
    if two_node and layout.is_map:
        diags.append(
            Diagnostic(
                "option-ignored",
                f"--two-node applies to a binary label vector; this target is a {kind.value}",
                None,
                "note",
            )
        )
        two_node = False
    if task in (Task.REGRESSION, Task.BOUNDED_REGRESSION) and (from_logits or two_node):
        flag = "--from-logits" if from_logits else "--two-node"
        diags.append(
            Diagnostic(
                "option-ignored",
                f"{flag} applies to classification heads; a {task.value} head has no logits "
                "or classes",
                None,
                "note",
            )
        )
        return False, False
    if two_node and task != Task.BINARY:
        diags.append(
            Diagnostic(
                "option-ignored",
                f"--two-node applies to a binary label vector; this target is {task.value} "
                f"({kind.value})",
                None,
                "note",
            )
        )
        two_node = False
    return from_logits, two_node


def _regression(layout: Layout, head: Head) -> _Reading:
    k = head.units
    metrics = _REGRESSION_METRICS
    alternatives = [
        Alternative(
            "robust to outliers",
            Head(k, "linear", "huber", "Huber"),
            metrics,
            "Huber loss is quadratic near 0 and linear far out: a few wild targets do not "
            "dominate the gradient",
            skew_note(layout),
        )
    ]
    if _is_count(layout):
        alternatives.append(
            Alternative(
                "counts",
                Head(k, "exponential", "poisson", "Poisson"),
                metrics,
                "non-negative whole numbers: a Poisson loss with an exponential output "
                "models counts and never predicts below 0",
            )
        )
    return _Reading(
        metrics=metrics,
        decision="identity",
        decision_text="predictions are the values themselves (in the target's own units)",
        report=("median absolute error",),
        why=[
            f"{k} unit{'s' if k > 1 else ''}: one continuous value per target column",
            "linear activation: the output must be free to take any value",
            "mean squared error: the standard regression loss; RMSE and MAE report the error in "
            "the target's units, the median absolute error shrugs off outliers",
        ],
        alternatives=alternatives,
    )


def _bounded_regression(head: Head) -> _Reading:
    metrics = (_REGRESSION_METRICS[1], _REGRESSION_METRICS[0])
    return _Reading(
        metrics=metrics,
        decision="identity",
        decision_text="predictions are the values themselves, within [0, 1]",
        report=("median absolute error",),
        why=[
            "1 unit: one continuous value",
            "sigmoid activation: keeps every prediction inside [0, 1], like the target",
            "mean squared error: a regression loss on a bounded value",
        ],
        alternatives=[
            Alternative(
                "stronger gradients",
                _head(1, "sigmoid", _BCE),
                metrics,
                "binary cross-entropy accepts targets between 0 and 1 and keeps its gradient "
                "when the sigmoid saturates (75× MSE's at a logit of 5); its minimum is the "
                "entropy of y, not 0, so the loss does not reach 0",
            ),
            Alternative(
                "unbounded",
                _head(1, "linear", _MSE),
                _REGRESSION_METRICS,
                "a linear output also works, but can predict outside [0, 1]; clip predictions",
            ),
        ],
    )


def _binary_vector(layout: Layout, head: Head, from_logits: bool, two_node: bool) -> _Reading:
    pos = layout.classes[1] if layout.classes else 1
    two = Alternative(
        "two nodes",
        head_for(layout, two_node=True),
        _class_metrics(2, sparse=True),
        "2 softmax units give P(each class) directly, and the labels stay a vector; a matter "
        "of preference: sigmoid(1) is the same model with fewer weights",
        "or one-hot encode the labels and use CategoricalCrossentropy with "
        "CategoricalAccuracy",
    )
    if two_node:
        return _Reading(
            metrics=two.metrics,
            decision="argmax",
            decision_text="predicted class = argmax over the 2 outputs",
            why=[
                "2 units: one per class (--two-node)",
                "softmax activation: the 2 outputs are a probability distribution",
                "sparse categorical cross-entropy: the labels are one class id per row, 0 or 1",
            ],
            alternatives=[],
        )
    return _Reading(
        metrics=_binary_metrics(from_logits),
        decision="threshold",
        threshold=0.0 if from_logits else 0.5,
        decision_text=(
            f"class {pos!s} when p >= 0.5, else class {layout.classes[0]!s}"
            if layout.classes
            else "class 1 when p >= 0.5"
        ),
        why=[
            "1 unit: the labels are one vector of 2 values, so one probability suffices",
            f"sigmoid activation: the output is P({pos!s}), between 0 and 1",
            "binary cross-entropy: the loss of a yes/no label",
        ],
        alternatives=[two],
    )


def _multilabel(layout: Layout, from_logits: bool) -> _Reading:
    k = layout.n_outputs
    return _Reading(
        metrics=_binary_metrics(from_logits, k),
        decision="per-label-threshold",
        threshold=0.0 if from_logits else 0.5,
        decision_text=(
            "each label is on when its p >= 0.5 (tune a threshold per label on validation data)"
        ),
        why=[
            f"{k} units: one per label",
            "sigmoid activation: each label is its own yes/no probability; softmax would make "
            "the labels compete, so at most one could pass 0.5",
            "binary cross-entropy: one binary loss per label, averaged",
        ],
        alternatives=[],
    )


def _multiclass(layout: Layout, head: Head) -> _Reading:
    kind, k = layout.kind, head.units
    sparse = head.loss_class == "SparseCategoricalCrossentropy"
    metrics = _class_metrics(k, sparse)
    if sparse:
        loss_why = (
            "sparse categorical cross-entropy: the labels are one class id per row "
            "(one-hot them and it would be categorical cross-entropy)"
        )
    elif kind == LayoutKind.PROBABILITIES:
        loss_why = (
            "categorical cross-entropy: it compares the predicted distribution with the "
            "target distribution, soft labels included"
        )
    elif layout.dropped_class is not None:
        loss_why = (
            "categorical cross-entropy: the labels are one-hot rows once the dropped class "
            "has its column back"
        )
    else:
        loss_why = (
            "categorical cross-entropy: the labels are one-hot rows "
            "(as a vector of ids it would be sparse categorical cross-entropy)"
        )
    alternatives: list[Alternative] = []
    if kind == LayoutKind.ONE_HOT and k == 2:
        alternatives.append(
            Alternative(
                "one node",
                _head(1, "sigmoid", _BCE),
                _binary_metrics(False),
                "the same binary problem with 1 sigmoid unit, trained on the second column "
                "alone; a matter of preference",
                f"y = y[:, 1] (column '{layout.classes[1] if layout.classes else 1}')",
            )
        )
    if sparse:
        alternatives.append(
            Alternative(
                "one-hot labels",
                _head(k, "softmax", _CCE),
                _class_metrics(k, sparse=False),
                "the same model on one-hot labels; the sparse form saves memory",
                f"one-hot encode the class ids first: keras.utils.to_categorical(y, {k})",
            )
        )
    if kind == LayoutKind.PROBABILITIES:
        alternatives.append(
            Alternative(
                "distribution distance",
                Head(k, "softmax", "kl_divergence", "KLDivergence"),
                metrics,
                "KL divergence reaches 0 when the distributions match; categorical "
                "cross-entropy bottoms out at the entropy of the soft labels",
            )
        )
    return _Reading(
        metrics=metrics,
        decision="argmax",
        decision_text=f"predicted class = argmax over the {k} outputs",
        why=[
            f"{k} units: one per class",
            "softmax activation: the outputs form one probability distribution over exclusive "
            "classes",
            loss_why,
        ],
        alternatives=alternatives,
    )


def _class_weight(layout: Layout) -> dict[int, float] | None:
    """Balanced class weights n / (K * n_i), only for imbalanced single-label classes."""
    counts = layout.class_counts
    if not counts or layout.task not in (Task.BINARY, Task.MULTICLASS):
        return None
    if not any(d.code == "class-imbalance" for d in layout.diagnostics):
        return None
    return balanced_class_weight(counts)


def _is_count(layout: Layout) -> bool:
    stats = layout.stats
    if stats is None or len(stats.columns) != 1:
        return False
    col = stats.columns[0]
    return col.all_integer and (col.minimum or 0) >= 0


def _focal_alternative(
    layout: Layout, from_logits: bool, two_node: bool, rare: float
) -> Alternative:
    """The focal form of the head, for a strongly imbalanced target."""
    head = head_for(layout, from_logits=from_logits, two_node=two_node, focal=True)
    if head.probabilities == "sigmoid":
        n = layout.n_outputs if layout.task == Task.MULTILABEL else None
        metrics = _binary_metrics(from_logits, n)
    else:
        metrics = _class_metrics(head.units, sparse=False)
    what = "label value" if layout.task == Task.MULTILABEL else "class"
    return Alternative(
        "strong imbalance",
        head,
        metrics,
        f"the rarest {what} holds {rare:.1%} of the rows (under {FOCAL_BELOW:.0%}): a focal "
        "loss scales each row's cross-entropy by (1 - p)^gamma (gamma=2), so the many easy "
        "rows of the common values stop drowning out the rare ones",
        focal_note(head),
    )


def _focal_reading(part: _Reading, head: Head) -> _Reading:
    """A task's reading with the focal loss: its why, and one-hot metrics for softmax."""
    why = list(part.why)
    why[2] = (
        f"{head.loss_class} (--loss focal): cross-entropy scaled by (1 - p)^gamma, gamma=2, "
        "so that the easy rows of the common values weigh less than the rare, hard ones"
    )
    if head.loss_class == "CategoricalFocalCrossentropy":
        why[2] += "; it has no sparse form, so class ids are one-hot encoded"
        return replace(part, why=why, metrics=_class_metrics(head.units, sparse=False))
    return replace(part, why=why)


# --------------------------------------------------------------------------------------------
# Maps: one output per position (pixel, voxel, step); see outhead.layout.maps
# --------------------------------------------------------------------------------------------


def _map_head(layout: Layout, from_logits: bool) -> Head:
    """The head of a map: the head of one position, applied at every position.

    A 1×1 ``Conv2D`` (``Conv3D`` for volumes) maps the features of each pixel to its outputs;
    for steps (``--per-step``) ``Dense`` does the same, as it acts on the last axis only.
    """
    kind, k = layout.kind, layout.n_outputs
    layer: Literal["Dense", "Conv2D", "Conv3D"] = (
        "Dense" if layout.per_step else "Conv3D" if len(layout.map_shape or ()) == 3 else "Conv2D"
    )
    if kind == LayoutKind.BINARY_MASK:
        head = _head(1, "sigmoid", _BCE, from_logits)
    elif kind == LayoutKind.CLASS_MAP:
        head = _head(k, "softmax", _SCCE, from_logits)
    elif kind in (LayoutKind.ONE_HOT_MAP, LayoutKind.PROBABILITY_MAP):
        head = _head(k, "softmax", _CCE, from_logits)
    elif kind == LayoutKind.MULTI_HOT_MAP:
        head = _head(k, "sigmoid", _BCE, from_logits)
    elif kind == LayoutKind.BOUNDED_MAP:
        head = _head(k, "sigmoid", _MSE)
    else:
        head = _head(k, "linear", _MSE)
    return replace(head, layer=layer)


def _map_metrics(layout: Layout, head: Head) -> tuple[MetricSpec, ...]:
    """Per-position metrics: accuracy over every pixel/step, and the IoU for masks."""
    kind, k = layout.kind, head.units
    logits = head.from_logits
    if kind == LayoutKind.BINARY_MASK:
        # IoU of the foreground (class 1): accuracy is flattered by a large background
        return (
            MetricSpec("BinaryAccuracy", "binary_accuracy", (("threshold", 0.0 if logits
                                                              else 0.5),)),
            MetricSpec(
                "BinaryIoU",
                "binary_io_u",
                (("target_class_ids", [1]), ("threshold", 0.0 if logits else 0.5)),
            ),
        )
    if kind == LayoutKind.CLASS_MAP:
        return (
            MetricSpec("SparseCategoricalAccuracy", "sparse_categorical_accuracy"),
            MetricSpec("MeanIoU", "mean_io_u", (("num_classes", k), ("sparse_y_pred", False))),
        )
    if kind == LayoutKind.ONE_HOT_MAP:
        return (
            MetricSpec("CategoricalAccuracy", "categorical_accuracy"),
            MetricSpec("OneHotMeanIoU", "one_hot_mean_io_u", (("num_classes", k),)),
        )
    if kind == LayoutKind.PROBABILITY_MAP:
        return (MetricSpec("CategoricalAccuracy", "categorical_accuracy"),)
    if kind == LayoutKind.MULTI_HOT_MAP:
        t = 0.0 if logits else 0.5
        return (
            MetricSpec("BinaryAccuracy", "binary_accuracy", (("threshold", t),)),
            MetricSpec("Precision", "precision", (("thresholds", t),)),
            MetricSpec("Recall", "recall", (("thresholds", t),)),
        )
    if kind == LayoutKind.BOUNDED_MAP:
        return (_REGRESSION_METRICS[1], _REGRESSION_METRICS[0])
    return _REGRESSION_METRICS


def map_shape_text(layout: Layout, units: int | None = None) -> str:
    """``(n, 32, 32)`` or ``(n, 32, 32, 3)``: how a map's target array is shaped."""
    dims = ["n", *(str(d) for d in layout.map_shape or ())]
    if units is not None:
        dims.append(str(units))
    elif layout.map_channels is not None:
        dims.append(str(layout.map_channels))
    return "(" + ", ".join(dims) + ")"


def _map_shape_why(layout: Layout, head: Head) -> str:
    """How the target's shape meets the output's: (n, H, W) against (n, H, W, 1)."""
    y, out = map_shape_text(layout), map_shape_text(layout, head.units)
    kind = layout.kind
    where = "step" if layout.per_step else "position"
    if kind == LayoutKind.CLASS_MAP:
        if layout.map_channels == 1:
            return (
                f"shapes: the target is {y}, class ids with a channel axis of 1, and the output "
                f"{out}; the sparse loss reads the trailing 1 as the class axis of the ids "
                f"(y.squeeze(-1) gives the {map_shape_text(replace(layout, map_channels=None))}"
                " form, which works the same)"
            )
        return (
            f"shapes: the target is {y}, one class id per {where} without a channel axis, and "
            f"the output {out}: the sparse loss wants exactly one axis less in the target "
            f"(an {map_shape_text(replace(layout, map_channels=1))} array works too)"
        )
    if kind == LayoutKind.BINARY_MASK:
        return (
            f"shapes: the target is {y} and the output {out}; Keras 3 adds or drops a trailing "
            "axis of 1 to match them, so "
            + ("(n, T) and (n, T, 1) labels" if layout.per_step
               else "(n, H, W) and (n, H, W, 1) masks")
            + " both work"
        )
    return f"shapes: the target is {y} and the output {out}: the same shape, {where} by {where}"


def _recommend_map(
    layout: Layout, head: Head, from_logits: bool, diags: tuple[Diagnostic, ...]
) -> Recommendation:
    """The recommendation for a map: the head of one position, at every position."""
    from outhead.layout.maps import position_weights

    kind, k = layout.kind, head.units
    where = "step" if layout.per_step else "position"
    wheres = where + "s"
    layer_why = (
        "Dense acts on the last axis, so it gives the outputs of each step"
        if head.layer == "Dense"
        else f"a 1×1 {head.layer} gives the outputs of each pixel from its features"
    )
    metrics = _map_metrics(layout, head)
    alternatives: list[Alternative] = []
    if kind == LayoutKind.BINARY_MASK:
        decision: Decision = "threshold"
        text = f"each {where} is 1 when its p >= 0.5, else 0"
        why = [
            f"1 unit per {where}: a 0/1 {'label' if layout.per_step else 'mask'} needs one "
            f"probability ({layer_why})",
            f"sigmoid activation: the output at each {where} is P(1)",
            f"binary cross-entropy: the loss of a yes/no label, averaged over {wheres}; "
            "BinaryIoU(target_class_ids=[1]) scores the foreground, which accuracy hides",
        ]
        two = replace(_head(2, "softmax", _SCCE), layer=head.layer)
        alternatives.append(Alternative(
            "two classes", two,
            (MetricSpec("SparseCategoricalAccuracy", "sparse_categorical_accuracy"),
             MetricSpec("MeanIoU", "mean_io_u", (("num_classes", 2), ("sparse_y_pred", False)))),
            f"2 softmax units per {where} give P(background) and P(foreground); the same "
            "model with twice the weights in the last layer",
        ))
    elif kind in (LayoutKind.CLASS_MAP, LayoutKind.ONE_HOT_MAP, LayoutKind.PROBABILITY_MAP):
        decision, text = "argmax", f"the class of each {where} = argmax over its {k} outputs"
        loss = (
            f"sparse categorical cross-entropy: one class id per {where}"
            if kind == LayoutKind.CLASS_MAP
            else f"categorical cross-entropy: one-hot (or soft) channels per {where}"
        )
        why = [
            f"{k} units per {where}: one per class ({layer_why})",
            f"softmax activation: the {k} outputs of each {where} are one distribution",
            loss + "; MeanIoU averages the overlap of each class, which the background share "
            "does not flatter",
        ]
    elif kind == LayoutKind.MULTI_HOT_MAP:
        decision, text = "per-label-threshold", f"each channel of each {where} is on when p >= 0.5"
        why = [
            f"{k} units per {where}: one per channel ({layer_why})",
            "sigmoid activation: the channels are independent "
            f"{'labels' if layout.per_step else 'masks'} that may overlap",
            f"binary cross-entropy: one binary loss per channel and {where}",
        ]
    else:
        decision, text = "identity", f"the outputs are the values of each {where}"
        why = [
            f"{k} unit{'s' if k > 1 else ''} per {where} ({layer_why})",
            "sigmoid activation: keeps every value inside [0, 1]"
            if kind == LayoutKind.BOUNDED_MAP
            else "linear activation: the values are free to take any value",
            f"mean squared error, averaged over {wheres}",
        ]
    why.append(_map_shape_why(layout, head))
    if from_logits and layout.is_classification:
        why[1] = (
            "linear activation with from_logits=True: the loss applies "
            f"{head.probabilities} itself, in a numerically stable form"
        )
    elif layout.is_classification:
        lh = replace(head, activation="linear", from_logits=True)
        alternatives.append(Alternative(
            "logits, numerically stable", lh, _map_metrics(layout, lh),
            "the loss applies the activation itself, in a stable form (a sigmoid or softmax "
            f"saturates in float32 and stops the gradient of confidently wrong {wheres})",
            "thresholds move to 0.0 on logits; argmax metrics read logits as they are",
        ))
    return Recommendation(
        layout=layout,
        head=head,
        metrics=metrics,
        decision=decision,
        decision_text=text,
        threshold=(0.0 if from_logits else 0.5)
        if decision in ("threshold", "per-label-threshold")
        else None,
        report=("per-class IoU",) if decision == "argmax" else (),
        class_weight=None,
        alternatives=tuple(alternatives),
        why=tuple(why),
        diagnostics=diags,
        position_weight=position_weights(layout),
    )
