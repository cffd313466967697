"""``outhead check``: the rules that fail a CI build when a target or an output head is wrong.

Everything here is pure (no printing, no typer, no rich). The rules take a
:class:`~outhead.layout.Layout` (what the target *is*), an :class:`Expectation` (what the
project says it should be) and a :class:`DeclaredHead` (the last layer, loss and metrics the
model uses) and return :class:`Finding` objects. :func:`check_targets` runs the whole pipeline
for a list of :class:`TargetSpec` (read the file, infer the layout, optionally read a saved
model) and returns a :class:`Report`, whose :attr:`Report.return_code` is the exit code.

Finding codes are stable: ``OH`` plus three digits, with a kebab-case name (``OH201
softmax-single-unit``), grouped by hundreds:

* ``OH0xx`` what could not be checked;
* ``OH1xx`` the target against the expectation (missing values, classes, imbalance, task);
* ``OH2xx`` units and label encoding against the loss (shape errors Keras raises mid-training);
* ``OH3xx`` activation and loss against the task (silent mistakes);
* ``OH4xx`` ``from_logits`` against the activation;
* ``OH5xx`` metrics, resolved the way Keras 3 resolves them;
* ``OH6xx`` ``class_weight``;
* ``OH9xx`` valid configurations that are not the recommended one (notes).

Severities: ``error`` fails the check (exit 1); ``warning`` fails only with ``strict=True``
(``--strict``); ``note`` never fails. The facts, rules (R1, R2) and quoted framework messages
come from ``keras-head-facts.md`` (M1-M14).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from outhead.layout import Layout, LayoutKind, Task
from outhead.recommend import Head
from outhead.stats import MISSING_TOKENS, TargetStats

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")

# --------------------------------------------------------------------------------------------
# The rule catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One finding code: its stable name, default severity and a one-line summary."""

    code: str
    name: str
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "OH001",
            "head-incomplete",
            "note",
            "a head was declared without a loss (or units): the rules that need it were skipped",
        ),
        Rule(
            "OH101",
            "missing-values",
            "error",
            "the target has missing or non-finite values (loss: nan from the first epoch)",
        ),
        Rule(
            "OH102",
            "single-class",
            "error",
            "the target holds a single class or value: nothing to learn",
        ),
        Rule(
            "OH103",
            "missing-class",
            "error",
            "a class expected by --classes (or a label column) has no rows",
        ),
        Rule(
            "OH104",
            "unexpected-class",
            "error",
            "the target has a class that --classes does not list",
        ),
        Rule(
            "OH105",
            "class-imbalance",
            "error",
            "largest/smallest class ratio is past --max-imbalance",
        ),
        Rule(
            "OH106",
            "one-hot-row-sum",
            "error",
            "rows of a one-hot target that do not sum to 1 (all zero, or several 1s)",
        ),
        Rule(
            "OH107",
            "task-mismatch",
            "error",
            "the target does not read as the task given by --expect",
        ),
        Rule("OH201", "softmax-single-unit", "error", "softmax over 1 unit always outputs 1.0"),
        Rule(
            "OH202",
            "units-mismatch",
            "error",
            "units differ from the number of classes / target columns",
        ),
        Rule(
            "OH203",
            "label-out-of-range",
            "error",
            "labels outside [0, units) for a sparse categorical loss",
        ),
        Rule(
            "OH204",
            "sparse-loss-on-matrix",
            "error",
            "sparse categorical loss on one-hot / multi-hot / probability rows",
        ),
        Rule(
            "OH205",
            "categorical-loss-on-integer-labels",
            "error",
            "categorical cross-entropy on a vector of integer labels",
        ),
        Rule(
            "OH206",
            "binary-loss-on-multiclass-labels",
            "error",
            "binary cross-entropy on integer labels with more than 2 classes",
        ),
        Rule(
            "OH301",
            "softmax-on-multilabel",
            "error",
            "softmax on a multi-label target: labels compete, at most one can pass 0.5",
        ),
        Rule(
            "OH302",
            "categorical-loss-on-multilabel",
            "error",
            "categorical cross-entropy on a multi-label target",
        ),
        Rule(
            "OH303",
            "sigmoid-with-categorical-loss",
            "error",
            "sigmoid outputs with categorical cross-entropy on a single-label target",
        ),
        Rule(
            "OH304",
            "sigmoid-on-one-hot",
            "warning",
            "independent sigmoid units on a one-hot (mutually exclusive) target",
        ),
        Rule(
            "OH305",
            "bounded-activation-on-unbounded-target",
            "error",
            "sigmoid/tanh/relu/softmax output cannot reach the target range",
        ),
        Rule(
            "OH306",
            "linear-head-on-unit-interval",
            "note",
            "linear head on a target within [0, 1]: works, sigmoid fits better",
        ),
        Rule(
            "OH307",
            "bce-target-out-of-range",
            "error",
            "binary cross-entropy on targets outside [0, 1]",
        ),
        Rule(
            "OH308",
            "loss-task-mismatch",
            "error",
            "classification loss on a regression target (error) or regression loss on labels "
            "(warning)",
        ),
        Rule(
            "OH309",
            "activation-loss-mismatch",
            "error",
            "activation that does not produce what the cross-entropy expects",
        ),
        Rule(
            "OH401",
            "from-logits-after-activation",
            "error",
            "from_logits=True after a sigmoid/softmax (double squashing on JAX/torch)",
        ),
        Rule(
            "OH402",
            "linear-head-without-from-logits",
            "error",
            "linear head with a cross-entropy that expects probabilities",
        ),
        Rule(
            "OH501",
            "accuracy-is-categorical-on-multilabel",
            "warning",
            "bare 'accuracy' resolves to CategoricalAccuracy (argmax) on a multi-label target",
        ),
        Rule(
            "OH502",
            "accuracy-on-regression",
            "warning",
            "bare 'accuracy' on a regression target resolves to a label accuracy",
        ),
        Rule(
            "OH503",
            "threshold-metric-on-logits",
            "warning",
            "a 0.5 threshold on logits (accuracy, Precision, Recall, AUC) means p > 0.622",
        ),
        Rule(
            "OH504",
            "f1-on-logits",
            "warning",
            "F1Score on a logits head (it rejects threshold=0.0)",
        ),
        Rule(
            "OH505",
            "metric-needs-dense-labels",
            "error",
            "F1Score/Precision/Recall/AUC on sparse integer labels",
        ),
        Rule(
            "OH506",
            "f1-argmax-on-multilabel",
            "warning",
            "F1Score without threshold is an argmax, wrong for multi-label",
        ),
        Rule(
            "OH601",
            "class-weight-on-multilabel",
            "error",
            "class_weight on multi-hot rows (error) or soft labels (warning): weighted by argmax",
        ),
        Rule(
            "OH602",
            "class-weight-on-regression",
            "error",
            "class_weight on a continuous target (Keras 3 rounds it to ints)",
        ),
        Rule(
            "OH901",
            "two-softmax-units-sparse-binary",
            "note",
            "2 softmax units + sparse loss on a binary vector: valid, 1 sigmoid unit is simpler",
        ),
        Rule(
            "OH902",
            "two-softmax-units-one-hot-binary",
            "note",
            "2 softmax units + categorical loss on a 2-column one-hot: valid, 1 sigmoid unit "
            "is simpler",
        ),
    )
}


# --------------------------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------------------------


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


def _finding(
    code: str, message: str, fix: str | None = None, *, severity: Severity | None = None
) -> Finding:
    rule = RULES[code]
    return Finding(code, rule.name, severity or rule.severity, message, fix)


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
class Expectation:
    """What the project says the target should be (``--expect``, ``--classes``...)."""

    task: Task | None = None
    classes: int | tuple[str, ...] | None = None
    """A number of classes, or their names in any order (compared as text)."""
    allow_missing: bool = False
    max_imbalance: float | None = None
    """Largest class / smallest class ratio above which the check fails."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read a target file (the options of :func:`outhead.reading.scan_target`)."""

    columns: tuple[str, ...] | None = None
    key: str | None = None
    header: bool | None = None
    sep: str | None = None


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


@dataclass(frozen=True)
class FileResult:
    """The findings about one target file (and the layout it was read as, when it was read)."""

    file: str
    findings: tuple[Finding, ...]
    layout: Layout | None = None
    head: DeclaredHead | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        layout = self.layout
        return {
            "file": self.file,
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

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.results),
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


# --------------------------------------------------------------------------------------------
# Vocabulary: losses, activations, target shapes
# --------------------------------------------------------------------------------------------

LossFamily = Literal["bce", "cce", "scce", "regression", "other"]

# The names Keras 3 accepts, kept static so that ``check`` without ``--model`` never imports
# Keras. Generated from keras 3.15.1 (``keras.src.losses/metrics/activations.ALL_OBJECTS_DICT``,
# the tables behind ``keras.losses.get``, ``keras.metrics.get``, ``keras.activations.get``); the
# slow test ``test_static_keras_names_match_keras`` compares them with the installed Keras.
# Keras matches them exactly (case and underscores count).

#: Loss string ids and class names, each with the class it resolves to.
KERAS_LOSSES: dict[str, str] = {
    "BCE": "BinaryCrossentropy",
    "BinaryCrossentropy": "BinaryCrossentropy",
    "BinaryFocalCrossentropy": "BinaryFocalCrossentropy",
    "CTC": "CTC",
    "CategoricalCrossentropy": "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy": "CategoricalFocalCrossentropy",
    "CategoricalHinge": "CategoricalHinge",
    "Circle": "Circle",
    "CosineSimilarity": "CosineSimilarity",
    "Dice": "Dice",
    "Hinge": "Hinge",
    "Huber": "Huber",
    "KLD": "KLDivergence",
    "KLDivergence": "KLDivergence",
    "LogCosh": "LogCosh",
    "MAE": "MeanAbsoluteError",
    "MAPE": "MeanAbsolutePercentageError",
    "MSE": "MeanSquaredError",
    "MSLE": "MeanSquaredLogarithmicError",
    "MeanAbsoluteError": "MeanAbsoluteError",
    "MeanAbsolutePercentageError": "MeanAbsolutePercentageError",
    "MeanSquaredError": "MeanSquaredError",
    "MeanSquaredLogarithmicError": "MeanSquaredLogarithmicError",
    "Poisson": "Poisson",
    "SparseCategoricalCrossentropy": "SparseCategoricalCrossentropy",
    "SquaredHinge": "SquaredHinge",
    "Tversky": "Tversky",
    "bce": "BinaryCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "categorical_hinge": "CategoricalHinge",
    "circle": "Circle",
    "cosine_similarity": "CosineSimilarity",
    "ctc": "CTC",
    "dice": "Dice",
    "hinge": "Hinge",
    "huber": "Huber",
    "kl_divergence": "KLDivergence",
    "kld": "KLDivergence",
    "log_cosh": "LogCosh",
    "mae": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError",
    "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "mse": "MeanSquaredError",
    "msle": "MeanSquaredLogarithmicError",
    "poisson": "Poisson",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "squared_hinge": "SquaredHinge",
    "tversky": "Tversky",
}
#: Resolved by ``compile()`` itself from the shapes (any case): BCE, SCCE or CCE.
_COMPILE_LOSS_ALIASES = ("crossentropy", "ce")

#: Metric string ids and class names (the base classes ``Metric``/``MeanMetricWrapper`` left out).
KERAS_METRICS: frozenset[str] = frozenset(
    [
        "AUC",
        "Accuracy",
        "BCE",
        "BinaryAccuracy",
        "BinaryCrossentropy",
        "BinaryIoU",
        "CategoricalAccuracy",
        "CategoricalCrossentropy",
        "CategoricalHinge",
        "ConcordanceCorrelation",
        "CosineSimilarity",
        "F1Score",
        "FBetaScore",
        "FalseNegatives",
        "FalsePositives",
        "Hinge",
        "IoU",
        "KLDivergence",
        "LogCoshError",
        "MAE",
        "MAPE",
        "MSE",
        "MSLE",
        "Mean",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanIoU",
        "MeanSquaredError",
        "MeanSquaredLogarithmicError",
        "OneHotIoU",
        "OneHotMeanIoU",
        "PearsonCorrelation",
        "Poisson",
        "Precision",
        "PrecisionAtRecall",
        "R2Score",
        "Recall",
        "RecallAtPrecision",
        "RootMeanSquaredError",
        "SensitivityAtSpecificity",
        "SparseCategoricalAccuracy",
        "SparseCategoricalCrossentropy",
        "SparseTopKCategoricalAccuracy",
        "SpecificityAtSensitivity",
        "SquaredHinge",
        "Sum",
        "TopKCategoricalAccuracy",
        "TrueNegatives",
        "TruePositives",
        "accuracy",
        "auc",
        "bce",
        "binary_accuracy",
        "binary_crossentropy",
        "binary_io_u",
        "categorical_accuracy",
        "categorical_crossentropy",
        "categorical_hinge",
        "concordance_correlation",
        "cosine_similarity",
        "f1_score",
        "f_beta_score",
        "false_negatives",
        "false_positives",
        "hinge",
        "io_u",
        "kl_divergence",
        "log_cosh_error",
        "mae",
        "mape",
        "mean",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_io_u",
        "mean_squared_error",
        "mean_squared_logarithmic_error",
        "mse",
        "msle",
        "one_hot_io_u",
        "one_hot_mean_io_u",
        "pearson_correlation",
        "poisson",
        "precision",
        "precision_at_recall",
        "r2_score",
        "recall",
        "recall_at_precision",
        "root_mean_squared_error",
        "sensitivity_at_specificity",
        "sparse_categorical_accuracy",
        "sparse_categorical_crossentropy",
        "sparse_top_k_categorical_accuracy",
        "specificity_at_sensitivity",
        "squared_hinge",
        "sum",
        "top_k_categorical_accuracy",
        "true_negatives",
        "true_positives",
    ]
)
#: Resolved by ``compile()`` itself from the shapes (any case), rule R1.
_COMPILE_METRIC_ALIASES = ("accuracy", "acc")

#: Activation string ids (``Dense(activation=...)``); ``None`` also means no activation.
KERAS_ACTIVATIONS: frozenset[str] = frozenset(
    [
        "celu",
        "elu",
        "exponential",
        "gelu",
        "glu",
        "hard_shrink",
        "hard_sigmoid",
        "hard_silu",
        "hard_swish",
        "hard_tanh",
        "leaky_relu",
        "linear",
        "log_sigmoid",
        "log_softmax",
        "mish",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "soft_shrink",
        "softmax",
        "softplus",
        "softsign",
        "sparse_plus",
        "sparse_sigmoid",
        "sparsemax",
        "squareplus",
        "swish",
        "tanh",
        "tanh_shrink",
        "threshold",
    ]
)
_NO_ACTIVATION = ("None", "none")

#: Names from tf.keras 2.x, PyTorch and common shorthand that Keras 3 refuses, with the Keras 3
#: name meant (difflib alone cannot see that ``scce`` is the sparse categorical cross-entropy).
_NAME_HINTS: dict[str, dict[str, str]] = {
    "loss": {
        "scce": "sparse_categorical_crossentropy",
        "sparse_cce": "sparse_categorical_crossentropy",
        "sparse_ce": "sparse_categorical_crossentropy",
        "sparse_crossentropy": "sparse_categorical_crossentropy",
        "sparse_categorical": "sparse_categorical_crossentropy",
        "cce": "categorical_crossentropy",
        "categorical": "categorical_crossentropy",
        "binary": "binary_crossentropy",
        "logcosh": "log_cosh",
        "huber_loss": "huber",
        "kullback_leibler_divergence": "kl_divergence",
        "cosine_proximity": "cosine_similarity",
        "crossentropyloss": "sparse_categorical_crossentropy",
        "nllloss": "sparse_categorical_crossentropy",
        "bceloss": "binary_crossentropy",
        "bcewithlogitsloss": "BinaryCrossentropy(from_logits=True)",
        "mseloss": "mse",
        "l1loss": "mae",
        "l2": "mse",
        "l1": "mae",
        "smoothl1loss": "huber",
        "rmse": "mse",
    },
    "metric": {
        "acc": "accuracy",
        "f1": "F1Score",
        "f1_macro": "F1Score",
        "rmse": "RootMeanSquaredError",
        "r2": "R2Score",
        "auroc": "AUC",
        "roc_auc": "AUC",
        "top_k": "TopKCategoricalAccuracy",
    },
    "activation": {
        "identity": "linear",
        "logistic": "sigmoid",
        "leakyrelu": "leaky_relu",
        "logsoftmax": "log_softmax",
        "hardsigmoid": "hard_sigmoid",
    },
}


def _keras_names(kind: str) -> list[str]:
    if kind == "loss":
        return [*KERAS_LOSSES, *_COMPILE_LOSS_ALIASES]
    if kind == "metric":
        return sorted(KERAS_METRICS | {"acc"})
    return sorted(KERAS_ACTIVATIONS)


def _declared_name(kind: str, text: str) -> str | None:
    """The identifier inside a declared loss/metric/activation, None when it has no such shape.

    ``keras.losses.BinaryCrossentropy(from_logits=True)`` -> ``BinaryCrossentropy``.
    """
    raw = text.strip()
    if kind == "activation":
        match = re.fullmatch(r"(?:[\w.]*\.)?(\w+)", raw)
    else:
        match = re.fullmatch(r"(?:[\w.]*\.)?(\w+)\s*(?:\(.*\))?", raw, flags=re.S)
    return match.group(1) if match else None


def is_keras_name(kind: Literal["loss", "metric", "activation"], text: str) -> bool:
    """Whether Keras 3 accepts ``text`` as a loss, a metric or an activation.

    Losses and metrics may be written as a call (``F1Score(threshold=0.5)``) and with a module
    prefix (``keras.losses.``); the compile-time aliases ``crossentropy``/``ce`` (losses) and
    ``accuracy``/``acc`` (metrics) are accepted in any case, like ``compile()`` does.
    """
    name = _declared_name(kind, text)
    if name is None:
        return False
    if kind == "loss":
        return name in KERAS_LOSSES or name.lower() in _COMPILE_LOSS_ALIASES
    if kind == "metric":
        return name in KERAS_METRICS or name.lower() in _COMPILE_METRIC_ALIASES
    return name in KERAS_ACTIVATIONS or name in _NO_ACTIVATION


def suggest_keras_name(kind: Literal["loss", "metric", "activation"], text: str) -> str | None:
    """The known Keras 3 name closest to an unknown one (``scce`` -> the sparse CCE id)."""
    import difflib

    name = _declared_name(kind, text) or text.strip()
    key = name.lower()
    squashed = key.replace("_", "")
    hints = {k.replace("_", ""): v for k, v in _NAME_HINTS[kind].items()}
    if squashed in hints:
        return hints[squashed]
    names = _keras_names(kind)
    same = [n for n in names if n.lower().replace("_", "") == squashed]
    if same:
        # The class for CamelCase (``BinaryCrossEntropy``), else the lower-case string id.
        def camel(n: str) -> bool:
            return n != n.lower() and n != n.upper() and "_" not in n

        return min(same, key=lambda n: (camel(n) != camel(name), n != n.lower(), n))
    by_lower: dict[str, str] = {}
    for n in sorted(names, key=lambda n: n != n.lower()):  # the string id before the class
        by_lower.setdefault(n.lower(), n)
    close = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


_KERAS_REFUSAL = {
    "loss": "Could not interpret loss identifier",
    "metric": "Could not interpret metric identifier",
    "activation": "Could not interpret activation function identifier",
}


def unknown_name_message(kind: Literal["loss", "metric", "activation"], text: str) -> str | None:
    """None when Keras 3 accepts ``text``; else why not, in one line, with the closest name."""
    if is_keras_name(kind, text):
        return None
    name = _declared_name(kind, text) or text.strip()
    message = f'{text!r} is not a Keras 3 {kind} (Keras raises "{_KERAS_REFUSAL[kind]}: {name}")'
    suggestion = suggest_keras_name(kind, text)
    if suggestion is not None:
        message += f"; did you mean {suggestion!r}?"
    return message


def validate_head_names(head: DeclaredHead, labels: dict[str, str]) -> None:
    """Refuse a declared head whose loss, activation or metrics Keras 3 would not accept.

    Args:
        head: the declared head.
        labels: how to name each field in the message (``{"loss": "--loss", ...}``; metrics
            get ``[i]`` appended when the label ends with ``]``-less text and there are several).

    Raises:
        UsageError: the first unknown name, as ``<label>: 'scce' is not a Keras 3 loss ...``.
    """
    from outhead.errors import UsageError

    checks: list[tuple[Literal["loss", "metric", "activation"], str, str]] = []
    if head.loss is not None:
        checks.append(("loss", labels["loss"], head.loss))
    if head.activation is not None:
        checks.append(("activation", labels["activation"], head.activation))
    for i, metric in enumerate(head.metrics):
        label = labels["metrics"]
        checks.append(("metric", label.replace("{i}", str(i)), metric))
    for kind, label, text in checks:
        problem = unknown_name_message(kind, text)
        if problem is not None:
            raise UsageError(f"{label}: {problem}")


def _family_of_class(cls: str) -> LossFamily:
    if cls in ("BinaryCrossentropy", "BinaryFocalCrossentropy"):
        return "bce"
    if cls in ("CategoricalCrossentropy", "CategoricalFocalCrossentropy"):
        return "cce"
    if cls == "SparseCategoricalCrossentropy":
        return "scce"
    if cls in (
        "MeanSquaredError",
        "MeanAbsoluteError",
        "Huber",
        "LogCosh",
        "MeanSquaredLogarithmicError",
        "MeanAbsolutePercentageError",
        "Poisson",
    ):
        return "regression"
    return "other"


def loss_class(loss: str | None) -> str | None:
    """The Keras 3 class a declared loss resolves to (``mse`` -> ``MeanSquaredError``)."""
    if loss is None:
        return None
    name = _declared_name("loss", loss)
    return KERAS_LOSSES.get(name) if name is not None else None


_LOSS_FAMILIES: dict[str, LossFamily] = {
    "binarycrossentropy": "bce",
    "bce": "bce",
    "binaryfocalcrossentropy": "bce",
    "categoricalcrossentropy": "cce",
    "cce": "cce",
    "categoricalfocalcrossentropy": "cce",
    "sparsecategoricalcrossentropy": "scce",
    "scce": "scce",
    "meansquarederror": "regression",
    "mse": "regression",
    "meanabsoluteerror": "regression",
    "mae": "regression",
    "huber": "regression",
    "huberloss": "regression",
    "logcosh": "regression",
    "meansquaredlogarithmicerror": "regression",
    "msle": "regression",
    "meanabsolutepercentageerror": "regression",
    "mape": "regression",
    "poisson": "regression",
}
_LOSS_CLASS = {
    "bce": "BinaryCrossentropy",
    "cce": "CategoricalCrossentropy",
    "scce": "SparseCategoricalCrossentropy",
    "regression": "MeanSquaredError",
}
_LOSS_ID = {
    "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "scce": "sparse_categorical_crossentropy",
    "regression": "mean_squared_error",
}
_CROSSENTROPY = ("bce", "cce", "scce")

#: Output range of bounded activations (softmax also sums to 1).
_ACTIVATION_RANGE: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, math.inf),
    "relu6": (0.0, 6.0),
    "softplus": (0.0, math.inf),
    "exponential": (0.0, math.inf),
    "elu": (-1.0, math.inf),
}
_PROBABILITY_ACTIVATIONS = ("sigmoid", "hard_sigmoid", "softmax")

_SINGLE_LABEL_MATRIX = (LayoutKind.ONE_HOT, LayoutKind.PROBABILITIES)
_MULTI_LABEL = (LayoutKind.MULTI_HOT, LayoutKind.LABEL_SETS)
_MATRIX = (*_SINGLE_LABEL_MATRIX, *_MULTI_LABEL)
_REGRESSION = (LayoutKind.CONTINUOUS, LayoutKind.BOUNDED, LayoutKind.MULTI_CONTINUOUS)


def normalize_activation(activation: str | None) -> str:
    """Keras activation name in lower case; ``None``/``''``/``none`` mean ``linear``."""
    if activation is None:
        return "linear"
    name = activation.strip().lower()
    name = name.rsplit(".", 1)[-1]
    return "linear" if name in ("", "none", "linear", "identity") else name


def _split_call(text: str) -> tuple[str, dict[str, Any]]:
    metric = parse_metric(text)
    name = re.sub(r"\(.*", "", metric.text).rsplit(".", 1)[-1].strip()
    return name, dict(metric.args)


def loss_family(
    loss: str | None, *, units: int | None = None, layout: Layout | None = None
) -> LossFamily | None:
    """The family of a loss: ``bce``, ``cce``, ``scce``, ``regression`` or ``other``.

    ``'crossentropy'``/``'ce'`` resolve the way Keras 3's ``get_loss`` resolves them, from the
    shapes (R1): 1 unit -> BCE, labels of lower rank than the output -> SCCE, else CCE.
    """
    if loss is None:
        return None
    name, _ = _split_call(loss)
    key = name.lower().replace("_", "")
    if name in KERAS_LOSSES:
        return _family_of_class(KERAS_LOSSES[name])
    if key in ("crossentropy", "ce"):
        if units == 1:
            return "bce"
        if layout is not None and not _is_matrix(layout):
            return "scce"
        return "cce"
    return _LOSS_FAMILIES.get(key, "other")


def loss_from_logits(loss: str | None) -> bool | None:
    """``from_logits`` given inside a loss call (``BinaryCrossentropy(from_logits=True)``)."""
    if loss is None:
        return None
    _, args = _split_call(loss)
    value = args.get("from_logits")
    return value if isinstance(value, bool) else None


def _is_matrix(layout: Layout) -> bool:
    """Whether ``y`` reaches Keras as an ``(N, k)`` matrix of labels (label sets once encoded)."""
    return layout.kind in _MATRIX or layout.kind == LayoutKind.MULTI_CONTINUOUS


def _n_classes(layout: Layout) -> int:
    if layout.classes is not None:
        return len(layout.classes)
    return layout.n_outputs


def _width(layout: Layout) -> int:
    """Columns of ``y`` as Keras sees it (1 for a label vector or one regression column)."""
    if layout.kind in _MATRIX:
        return _n_classes(layout)
    if layout.kind == LayoutKind.MULTI_CONTINUOUS:
        return layout.n_outputs
    return 1


def _shape(width: int | None, rank2: bool) -> str:
    return f"(32, {width})" if rank2 else "(32,)"


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fmt_num(x: float) -> str:
    return f"{x:.4g}"


def recommended_head(layout: Layout, *, logits: bool = False) -> Head:
    """The head the layout calls for (the table of issue 2), in probability or logits form."""
    kind, n = layout.kind, _n_classes(layout)
    if kind == LayoutKind.CONTINUOUS:
        return Head(1, "linear", "mean_squared_error", "MeanSquaredError")
    if kind == LayoutKind.BOUNDED:
        return Head(1, "sigmoid", "mean_squared_error", "MeanSquaredError")
    if kind == LayoutKind.MULTI_CONTINUOUS:
        return Head(layout.n_outputs, "linear", "mean_squared_error", "MeanSquaredError")
    if kind in _MULTI_LABEL or (kind == LayoutKind.LABEL_VECTOR and n <= 2):
        units = n if kind in _MULTI_LABEL else 1
        if logits:
            return Head(units, "linear", "binary_crossentropy", "BinaryCrossentropy", True)
        return Head(units, "sigmoid", "binary_crossentropy", "BinaryCrossentropy")
    family: LossFamily = "scce" if kind == LayoutKind.LABEL_VECTOR else "cce"
    activation = "linear" if logits else "softmax"
    return Head(n, activation, _LOSS_ID[family], _LOSS_CLASS[family], logits)


def head_fix(head: Head) -> str:
    """The Keras lines of a head: the layer and the loss."""
    return f"{head.layer_code()}; loss={head.loss_code()}"


def _layer(units: int, activation: str) -> str:
    if activation == "linear":
        return f"keras.layers.Dense({units})"
    return f'keras.layers.Dense({units}, activation="{activation}")'


# --------------------------------------------------------------------------------------------
# The target against the expectation (OH1xx)
# --------------------------------------------------------------------------------------------


def _rows_text(rows: Sequence[int]) -> str:
    """``row 3`` or ``rows 4, 17, 90`` (data rows, counted from 0 as the readers do)."""
    listed = ", ".join(str(r) for r in rows)
    return f"row {listed}" if len(rows) == 1 else f"rows {listed}"


_COMPATIBLE: dict[Task, tuple[Task, ...]] = {
    Task.REGRESSION: (Task.REGRESSION, Task.BOUNDED_REGRESSION),
    Task.BOUNDED_REGRESSION: (Task.BOUNDED_REGRESSION,),
    Task.BINARY: (Task.BINARY,),
    Task.MULTICLASS: (Task.MULTICLASS,),
    Task.MULTILABEL: (Task.MULTILABEL,),
}


def _class_matches(value: Any, name: str) -> bool:
    text = _show(value)
    if text == name:
        return True
    # Booleans read from CSV (True/true/yes) compare without case.
    return isinstance(value, bool) and text.lower() == name.strip().lower()


def check_target(layout: Layout, expect: Expectation | None = None) -> list[Finding]:
    """Check a target's layout against what the project expects of it.

    Args:
        layout: the inferred layout (with ``layout.stats`` when missing values and one-hot row
            sums should be checked; a hand-built layout without stats skips those rules).
        expect: the expectation; None checks only what is always wrong (missing values, a
            single class, a one-hot row that does not sum to 1, a label column with no rows).

    Returns:
        The findings (OH1xx), in rule order; empty when the target is as expected.
    """
    expect = expect or Expectation()
    findings: list[Finding] = []
    findings += _check_missing(layout.stats, expect)
    findings += _check_task(layout, expect)
    findings += _check_one_hot_rows(layout, expect)
    if layout.is_classification and layout.classes is not None:
        findings += _check_classes(layout, expect)
        findings += _check_imbalance(layout, expect)
    elif expect.classes is not None and expect.task is None:
        findings.append(
            _finding(
                "OH107",
                f"--classes was given but the target reads as {layout.task.value} "
                f"({layout.kind.value}), not as labels",
                "check the column (--column) or drop --classes",
            )
        )
    return findings


def _check_missing(stats: TargetStats | None, expect: Expectation) -> list[Finding]:
    # In a column of label sets an empty cell is the empty set (a row with no label), as
    # inspect and the scaffolded script read it: not a missing target.
    if stats is None or stats.labelsets is not None:
        return []
    n_missing = sum(c.n_missing for c in stats.columns)
    if not n_missing:
        return []
    n_inf = sum(c.n_nonfinite for c in stats.columns)
    rows = sorted({r for c in stats.columns for r in c.missing_rows})[:5]
    what = f"{n_missing} missing value{'s' if n_missing != 1 else ''}"
    if n_inf:
        what += f" ({n_inf} of them ±inf)"
    fix = drop_missing_fix(stats)
    if expect.allow_missing:
        return [
            _finding(
                "OH101",
                f"{what} (first {_rows_text(rows)}, counting from 0), allowed by "
                "--allow-missing: drop or mask those rows before fit()",
                fix,
                severity="note",
            )
        ]
    return [
        _finding(
            "OH101",
            f"{what} in the target (first {_rows_text(rows)}, counting from 0): Keras raises no "
            "error, the loss is nan from the first epoch on every backend while accuracy keeps "
            "printing",
            f"{fix}  (or pass --allow-missing)",
        )
    ]


def drop_missing_fix(stats: TargetStats) -> str:
    """The code that drops the rows with a missing target, for the type of the target.

    Numbers: a mask of finite rows (works for ``(N,)`` and ``(N, k)``; ``np.isnan`` alone lets
    ±inf through and raises TypeError on text). Text (labels, label sets, booleans with gaps): the
    missing cells as pandas reads them (CSV, TSV, Parquet), or the missing tokens of a NumPy
    string array.
    """
    numeric = all(c.type in ("integer", "float", "empty") for c in stats.columns)
    if numeric:
        return "keep = np.isfinite(y).reshape(len(y), -1).all(axis=1); x, y = x[keep], y[keep]"
    column = stats.columns[0].name if len(stats.columns) == 1 else None
    if stats.source.format in ("npy", "npz") or column is None:
        tokens = ", ".join(f'"{t}"' for t in MISSING_TOKENS)
        return f"keep = ~np.isin(y.astype(str), [{tokens}]); x, y = x[keep], y[keep]"
    return (
        f"keep = df[{column!r}].notna().to_numpy(); x, y = x[keep], df[{column!r}][keep]  "
        "# pandas reads empty cells, NA and null as missing"
    )


def _check_task(layout: Layout, expect: Expectation) -> list[Finding]:
    want = expect.task
    if want is None or layout.task in _COMPATIBLE[want]:
        return []
    if want == Task.BINARY and layout.kind in _SINGLE_LABEL_MATRIX and _n_classes(layout) == 2:
        return []  # a 2-column one-hot is a binary target stored as a matrix
    if (
        want in (Task.MULTICLASS, Task.BINARY)
        and layout.kind == LayoutKind.MULTI_HOT
        and layout.stats is not None
        and layout.stats.matrix is not None
    ):
        return []  # reported as OH106 (rows that do not sum to 1), which names the rows
    if want == Task.MULTICLASS and layout.task == Task.BINARY and expect.classes is not None:
        return []  # a vanished class: OH103 names it
    got = f"{layout.task.value} ({layout.kind.value}"
    if layout.classes is not None:
        got += f", {_n_classes(layout)} classes"
    got += ")"
    line = decisive_evidence(layout, want)
    evidence = f"; {line}" if line else ""
    return [
        _finding(
            "OH107",
            f"--expect {want.value} but the target reads as {got}{evidence}",
            "fix the export of the target, or the expectation (--expect)",
        )
    ]


#: Per layout, the evidence that decided it, most telling first (regular expressions over the
#: lines of ``layout.evidence``). Label vectors depend on what was expected instead: against a
#: regression the decisive line is why the values are labels, against another classification
#: task it is how many classes there are and whether they exclude each other.
_DECISIVE: dict[LayoutKind, tuple[str, ...]] = {
    LayoutKind.CONTINUOUS: (r"not class labels|a quantity|not whole numbers", r"^range "),
    LayoutKind.BOUNDED: (r"not class labels|a quantity|not whole numbers", r"within \[0, 1\]"),
    LayoutKind.MULTI_CONTINUOUS: (r"not 0/1 indicators", r"regression targets"),
    LayoutKind.ONE_HOT: (r"exactly one 1", r"exclusive classes"),
    LayoutKind.PROBABILITIES: (r"class probabilities", r"soft labels"),
    LayoutKind.MULTI_HOT: (r"not exclusive", r"independent yes/no"),
    LayoutKind.LABEL_SETS: (r"not exclusive", r"several labels each"),
}
_LABEL_VECTOR_WHY_LABELS = (
    r"class labels|binary label|labels, not numbers|: labels",
    r"^classes: ",
)
_LABEL_VECTOR_WHICH_TASK = (r"they are exclusive|label vector with 2 values", r"^classes: ")


def decisive_evidence(layout: Layout, want: Task | None = None) -> str | None:
    """The line of ``layout.evidence`` that decided the reading, to quote in a message.

    How the file was read (a detected header or separator, ``layout.reading``) and a forced task
    are never quoted: they say nothing about what the values are.
    """
    notes: set[str] = set(layout.reading)
    if layout.stats is not None:  # the same notes, in case a layout still carries them
        notes |= {f"{n.message}; {n.fix}" if n.fix else n.message for n in layout.stats.notes}
    lines = [e for e in layout.evidence if e not in notes and not e.startswith("task forced with")]
    if not lines:
        return None
    if layout.kind == LayoutKind.LABEL_VECTOR:
        regression = want in (Task.REGRESSION, Task.BOUNDED_REGRESSION)
        patterns: tuple[str, ...] = (
            _LABEL_VECTOR_WHY_LABELS if regression else _LABEL_VECTOR_WHICH_TASK
        )
    else:
        patterns = _DECISIVE.get(layout.kind, ())
    for pattern in patterns:
        for line in lines:
            if re.search(pattern, line):
                return line
    return lines[-1]


def _check_one_hot_rows(layout: Layout, expect: Expectation) -> list[Finding]:
    stats = layout.stats
    if stats is None or stats.matrix is None:
        return []
    single_label = layout.kind == LayoutKind.ONE_HOT or (
        layout.kind == LayoutKind.MULTI_HOT and expect.task in (Task.MULTICLASS, Task.BINARY)
    )
    matrix = stats.matrix
    if not single_label or not matrix.n_rows_off_one:
        return []
    sums = matrix.row_sum_counts or {}
    zero = sums.get(0.0, 0)
    several = sum(n for s, n in sums.items() if s > 1)
    rows: list[int] = []
    for s, examples in sorted(matrix.row_examples.items()):
        if abs(s - 1) > 1e-6:
            rows.extend(examples)
    parts = []
    if zero:
        parts.append(f"{zero} all zero")
    if several:
        parts.append(f"{several} with several 1s")
    detail = " and ".join(parts) or f"{matrix.n_rows_off_one} off"
    return [
        _finding(
            "OH106",
            f"{matrix.n_rows_off_one} of {layout.n_rows} one-hot rows do not sum to 1 ({detail}; "
            f"first {_rows_text(sorted(rows)[:5])}): categorical cross-entropy reads them as "
            "soft labels without a message",
            "fix the encoding (keras.utils.to_categorical(labels, num_classes=K)), or use "
            'keras.layers.Dense(K, activation="sigmoid") with BinaryCrossentropy() if rows may '
            "hold several labels",
        )
    ]


def _present_classes(layout: Layout) -> list[tuple[Any, int | None]]:
    """(class, rows) pairs; rows is None when the layout has no counts (hand-built)."""
    classes = layout.classes or ()
    counts: tuple[int | None, ...] = layout.class_counts or (None,) * len(classes)
    return list(zip(classes, counts, strict=True))


def _check_classes(layout: Layout, expect: Expectation) -> list[Finding]:
    findings: list[Finding] = []
    pairs = _present_classes(layout)
    present = [c for c, n in pairs if n is None or n > 0]
    empty = [c for c, n in pairs if n == 0]
    if len(present) == 1:
        findings.append(
            _finding(
                "OH102",
                f"every labelled row is class {_show(present[0])!r}: there is nothing to learn",
                "check the export of the target (a filter or a join dropped the other classes)",
            )
        )
    want = expect.classes
    if isinstance(want, int):
        if len(present) < want:
            findings.append(
                _finding(
                    "OH103",
                    f"--classes {want} but the target has {len(present)} classes "
                    f"({', '.join(_show(c) for c in present)})"
                    + (f"; no rows for {', '.join(_show(c) for c in empty)}" if empty else ""),
                    f"restore the missing rows; keep keras.layers.Dense({want}, ...) so class ids "
                    "stay stable",
                )
            )
        elif len(present) > want:
            findings.append(
                _finding(
                    "OH104",
                    f"--classes {want} but the target has {len(present)} classes "
                    f"({', '.join(_show(c) for c in present)})",
                    f"update --classes to {len(present)} and the head to "
                    f"{recommended_head(layout).layer_code()}",
                )
            )
        return findings
    if want is None:
        if empty and layout.kind in _MATRIX:
            findings.append(
                _finding(
                    "OH103",
                    f"label column{'s' if len(empty) > 1 else ''} "
                    f"{', '.join(repr(_show(c)) for c in empty)} "
                    f"{'have' if len(empty) > 1 else 'has'} no positive row: the model cannot "
                    "learn "
                    f"{'them' if len(empty) > 1 else 'it'}",
                    "restore the rows of that class or drop the column (and reduce the units)",
                )
            )
        return findings
    missing = [name for name in want if not any(_class_matches(c, name) for c in present)]
    extra = [c for c in present if not any(_class_matches(c, name) for name in want)]
    if missing:
        findings.append(
            _finding(
                "OH103",
                f"class{'es' if len(missing) > 1 else ''} {', '.join(missing)} from --classes "
                f"{'have' if len(missing) > 1 else 'has'} no rows in the target",
                "restore the missing rows (a filter or a join dropped them); keep the head at "
                f"keras.layers.Dense({len(want)}, ...) so class ids stay stable",
            )
        )
    if extra:
        findings.append(
            _finding(
                "OH104",
                f"the target has class{'es' if len(extra) > 1 else ''} "
                f"{', '.join(_show(c) for c in extra)} that --classes does not list",
                "add the class to --classes (and a unit to the head) or drop its rows",
            )
        )
    return findings


def _check_imbalance(layout: Layout, expect: Expectation) -> list[Finding]:
    limit = expect.max_imbalance
    if limit is None or layout.class_counts is None:
        return []
    pairs = [(c, n) for c, n in _present_classes(layout) if n]
    if len(pairs) < 2:
        return []
    big = max(pairs, key=lambda p: p[1])
    small = min(pairs, key=lambda p: p[1])
    ratio = big[1] / small[1]
    if ratio <= limit:
        return []
    if layout.kind in _MULTI_LABEL:
        fix = (
            "loss=keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True), or "
            "per-label sample_weight (class_weight weights multi-hot rows by argmax)"
        )
    else:
        total = sum(n for _, n in pairs)
        k = len(pairs)
        weights = ", ".join(f"{i}: {total / (k * n):.2f}" for i, (_, n) in enumerate(pairs))
        fix = f"model.fit(x, y, class_weight={{{weights}}})"
    return [
        _finding(
            "OH105",
            f"class {_show(big[0])!r} has {big[1]} rows, {ratio:.1f}× class {_show(small[0])!r} "
            f"({small[1]} rows), past --max-imbalance {_fmt_num(limit)}: accuracy will look good "
            "while the small class is never predicted",
            fix,
        )
    ]


# --------------------------------------------------------------------------------------------
# A declared head against the target (OH2xx-OH6xx, OH9xx)
# --------------------------------------------------------------------------------------------


def check_head(layout: Layout, head: DeclaredHead) -> list[Finding]:
    """Check a declared head (units, activation, loss, from_logits, metrics) against a target.

    Args:
        layout: the target's layout (the data decides; the expectation is checked separately).
        head: the declared head; unknown fields (None) skip the rules that need them.

    Returns:
        The findings, most specific first; empty when the head fits the target.
    """
    # An activation that was not declared is unknown, not linear: the rules that need it skip.
    act = normalize_activation(head.activation) if head.activation is not None else None
    units = head.units
    family = loss_family(head.loss, units=units, layout=layout)
    inner = loss_from_logits(head.loss)
    from_logits = head.from_logits or bool(inner)
    logits_head = (act == "linear" or act is None) and family in _CROSSENTROPY
    fix = head_fix(recommended_head(layout, logits=logits_head and from_logits))
    ctx = _Ctx(layout, act, units, family, from_logits, fix, head.loss or "")
    findings: list[Finding] = []
    incomplete = _head_incomplete(head, units=units, activation=act, family=family)
    if incomplete is not None:
        findings.append(incomplete)
    findings += _rule_softmax_single_unit(ctx)
    if layout.kind == LayoutKind.LABEL_VECTOR:
        findings += _rules_label_vector(ctx)
    elif layout.kind in _MATRIX:
        findings += _rules_matrix(ctx)
    else:
        findings += _rules_regression(ctx)
    findings += _rules_logits(ctx)
    findings += _rules_metrics(ctx, [parse_metric(m) for m in head.metrics])
    if head.class_weight:
        findings += _rules_class_weight(ctx)
    # A metric listed twice must not be reported twice.
    return list(dict.fromkeys(findings))


def _head_incomplete(
    head: DeclaredHead, *, units: int | None, activation: str | None, family: LossFamily | None
) -> Finding | None:
    """OH001: what the head does not say, and how to say it where the head was declared."""
    missing = [
        w for w, v in (("units", units), ("activation", activation), ("loss", family)) if v is None
    ]
    if not missing:
        return None
    words = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    pronoun = "it" if len(missing) == 1 else "them"
    skipped = f"the rules that need {pronoun} were skipped"
    declared_in = head.declared_in if head.from_model else head.source
    if head.from_model:
        model = head.source or "the saved model"
        if missing == ["loss"]:
            message = (
                f"the saved model {model} has no compiled loss (it was saved without compile()): "
                f"{skipped}"
            )
        else:
            message = f"the saved model {model} does not give its {words}: {skipped}"
        if declared_in and declared_in != "command line":
            fix = (
                f"add head = {{ {', '.join(f'{m} = ...' for m in missing)} }} next to model in "
                f"{declared_in}"
            )
        else:
            fix = f"pass {_options(missing)} alongside --model"
        return _finding("OH001", message, fix)
    message = f"the head declares no {words}: {skipped}"
    if declared_in and declared_in != "command line":
        fix = f"add {words} to the head of this target in {declared_in} (or a model)"
    else:
        fix = f"pass {_options(missing)} (or --model)"
    return _finding("OH001", message, fix)


def _options(fields: Sequence[str]) -> str:
    opts = [f"--{f}" for f in fields]
    return opts[0] if len(opts) == 1 else ", ".join(opts[:-1]) + " and " + opts[-1]


@dataclass(frozen=True)
class _Ctx:
    layout: Layout
    act: str | None
    """None when the head does not say (the rules that need it skip)."""
    units: int | None
    family: LossFamily | None
    from_logits: bool
    fix: str
    loss_text: str

    @property
    def loss_name(self) -> str:
        return self.loss_text or "the loss"

    @property
    def k(self) -> int:
        return _n_classes(self.layout)

    @property
    def width(self) -> int:
        return _width(self.layout)


def _rule_softmax_single_unit(c: _Ctx) -> list[Finding]:
    if c.act != "softmax" or c.units != 1:
        return []
    message = (
        'softmax over 1 unit always outputs 1.0 (Keras ≥3.3 warns: "You are using a softmax '
        "over axis -1 of a tensor of shape (32, 1). This axis has size 1. The softmax operation "
        "will always return the value 1, which is likely not what you intended. Did you mean to "
        'use a sigmoid instead?"; tf.keras 2.x says nothing)'
    )
    if c.family == "cce":
        message += ", and with categorical cross-entropy the loss is exactly 0.0 from epoch 1"
    elif c.family == "bce":
        message += (
            ", and with binary cross-entropy accuracy stays at the positive rate: on the "
            "TensorFlow backend the loss still falls (Keras trains the hidden logits) while "
            "predictions stay 1.0; on JAX/torch the loss is frozen at 15.94 × the negative rate"
        )
    return [_finding("OH201", message, c.fix)]


def _label_range(layout: Layout) -> tuple[list[Any], float | None, float | None]:
    """Labels of a label vector as Keras sees them: numbers (bools as 0/1), or strings."""
    classes = list(layout.classes or ())
    numbers = [float(v) for v in classes if isinstance(v, (int, float)) and not isinstance(v, str)]
    if len(numbers) != len(classes) or not numbers:
        return classes, None, None
    return classes, min(numbers), max(numbers)


def _vector_words(layout: Layout) -> str:
    """How a label vector reaches Keras: integers, or text that must be encoded first."""
    _, lo, _ = _label_range(layout)
    return "integer labels" if lo is not None else "text labels (encoded to 0..K-1 integers)"


def _rules_label_vector(c: _Ctx) -> list[Finding]:
    layout, k, units, family = c.layout, c.k, c.units, c.family
    findings: list[Finding] = []
    if family == "scce" and units is not None:
        findings += _rule_label_range(c)
        if findings:
            return findings
        if units > k:
            findings.append(
                _finding(
                    "OH202",
                    f"{units} units for {k} classes: {units - k} output"
                    f"{'s' if units - k > 1 else ''} never get a label and only take probability "
                    "from the real classes",
                    c.fix,
                )
            )
        elif k == 2 and units == 2 and c.act in ("softmax", "linear"):
            findings.append(
                _finding(
                    "OH901",
                    "2 softmax units with a sparse categorical loss on a binary vector is valid; "
                    "1 sigmoid unit with binary cross-entropy is the simpler equivalent",
                    head_fix(recommended_head(layout, logits=c.act == "linear")),
                )
            )
    elif family == "cce":
        if units == 1:
            message = (
                "categorical cross-entropy on 1 unit with integer labels: the loss is exactly "
                '0.0 from epoch 1 (Keras warns "In loss categorical_crossentropy, expected '
                "y_pred.shape to be (batch_size, num_classes) with num_classes > 1. Received: "
                "y_pred.shape=(32, 1). Consider using 'binary_crossentropy' if you only have 2 "
                'classes.")'
            )
        else:
            n = units if units is not None else k
            message = (
                "categorical cross-entropy expects one-hot rows but the target is a vector of "
                f'{_vector_words(layout)}: Keras 3 raises "Arguments `target` and `output` must '
                "have the same rank (ndim). Received: target.shape=(32,), output.shape="
                f'(32, {n})" (tf.keras 2.x: "Shapes (None, 1) and (None, {n}) are '
                'incompatible")'
            )
        findings.append(_finding("OH205", message, c.fix))
    elif family == "bce":
        if k > 2:
            findings.append(
                _finding(
                    "OH206",
                    f"binary cross-entropy on integer labels with {k} classes: labels above 1 are "
                    "not probabilities"
                    + (
                        f' and Keras 3 raises "Arguments `target` and `output` must have the same '
                        f'rank (ndim). Received: target.shape=(32,), output.shape=(32, {units})"'
                        if units and units > 1
                        else ", the loss goes negative and training is meaningless without an error"
                    ),
                    c.fix,
                )
            )
        elif units is not None and units != 1:
            findings.append(
                _finding(
                    "OH202",
                    f"{units} units with binary cross-entropy on a binary label vector: Keras 3 "
                    'raises "Arguments `target` and `output` must have the same rank (ndim). '
                    f'Received: target.shape=(32,), output.shape=(32, {units})" (tf.keras 2.x: '
                    f'"`logits` and `labels` must have the same shape, received ((None, {units}) '
                    'vs (None, 1)).")',
                    c.fix,
                )
            )
        else:
            findings += _rule_binary_values(c)
    elif family == "regression":
        findings.append(
            _finding(
                "OH308",
                f"a regression loss ({c.loss_name}) on a label vector of {k} classes: it trains, "
                "but treats class ids as distances",
                c.fix,
                severity="warning",
            )
        )
    elif units is not None and family is None:
        expected = (1, 2) if k == 2 else (k,)
        if units not in expected:
            findings.append(
                _finding(
                    "OH202",
                    f"{units} units for a target of {k} classes",
                    c.fix,
                )
            )
    if family in _CROSSENTROPY:
        findings += _rule_activation_for_crossentropy(c)
    return findings


def _rule_binary_values(c: _Ctx) -> list[Finding]:
    _, lo, hi = _label_range(c.layout)
    if lo is None or hi is None or (lo >= 0 and hi <= 1):
        return []
    return [
        _finding(
            "OH307",
            f"binary cross-entropy on labels {_show(lo)}/{_show(hi)}: targets must be 0/1, and "
            "Keras raises no error (the loss goes negative or huge)",
            "y = (y == positive_label).astype('float32')  # then " + c.fix,
        )
    ]


def _rule_label_range(c: _Ctx) -> list[Finding]:
    units = c.units
    assert units is not None
    classes, lo, hi = _label_range(c.layout)
    k = len(classes)
    if lo is None or hi is None:
        # Strings (or mixed): the pipeline must encode them to 0..K-1 first.
        if units >= k:
            return []
        bad_text = f"class ids {units}..{k - 1} once the {k} labels are encoded"
        first = str(units)
    else:
        outside = [v for v in classes if float(v) < 0 or float(v) >= units]
        if not outside:
            return []
        bad_text = ", ".join(_show(v) for v in outside[:5]) + (" ..." if len(outside) > 5 else "")
        first = _show(outside[-1] if float(outside[-1]) >= units else outside[0])
    several = "," in bad_text or ".." in bad_text
    label_word, verb = ("labels", "are") if several else ("label", "is")
    act = c.act if c.act is not None else recommended_head(c.layout).activation
    if lo is not None and hi is not None and lo == 1 and hi == k and units == k:
        fix = f"y = y - 1  # labels 1..{k} -> 0..{k - 1}; keep {_layer(k, act)}"
    elif units < k:
        fix = f"{_layer(k, act)}  # one unit per class; labels must be 0..{k - 1}"
    else:
        fix = f"y = LabelEncoder().fit_transform(y)  # labels -> 0..{k - 1}; then {c.fix}"
    return [
        _finding(
            "OH203",
            f"{label_word} {bad_text} {verb} outside [0, {units}) for {c.loss_name} with "
            f"{units} unit"
            f'{"s" if units != 1 else ""}: TensorFlow on CPU raises "Received a label value of '
            f'{first} which is outside the valid range of [0, {units})", while TF on GPU returns '
            "NaN and the JAX backend trains silently with a zero loss for those rows",
            fix,
        )
    ]


def _rules_matrix(c: _Ctx) -> list[Finding]:
    layout, k, units, family, act = c.layout, c.k, c.units, c.family, c.act
    multilabel = layout.kind in _MULTI_LABEL
    findings: list[Finding] = []
    what = (
        "multi-hot"
        if multilabel
        else ("probability" if layout.kind == LayoutKind.PROBABILITIES else "one-hot")
    )
    if family == "scce":
        findings.append(
            _finding(
                "OH204",
                f"sparse categorical cross-entropy expects integer labels but the target is {k} "
                f'{what} columns: Keras 3 raises "Argument `output` must have rank (ndim) '
                f"`target.ndim - 1`. Received: target.shape=(32, {k}), output.shape=(32, "
                f'{units if units is not None else k})" (tf.keras 2.x: "logits and labels must '
                f"have the same first dimension, got logits shape [32,{k}] and labels shape "
                f'[{32 * k}]")',
                c.fix,
            )
        )
    elif units is not None and units != k:
        if family == "bce":
            detail = (
                'Keras 3 raises "Arguments `target` and `output` must have the same shape. '
                f'Received: target.shape=(32, {k}), output.shape=(32, {units})" (tf.keras 2.x: '
                f'"`logits` and `labels` must have the same shape, received ((None, {k}) vs '
                f'(None, {units})).")'
            )
        elif family in ("cce", "regression") or family is None:
            detail = (
                'Keras 3 raises "Arguments `target` and `output` must have the same shape. '
                f'Received: target.shape=(32, {k}), output.shape=(32, {units})" (tf.keras 2.x: '
                f'"Shapes (None, {k}) and (None, {units}) are incompatible")'
            )
        else:
            detail = "the shapes cannot match"
        findings.append(
            _finding(
                "OH202",
                f"{units} unit{'s' if units != 1 else ''} for a target of {k} {what} columns: "
                + detail,
                c.fix,
            )
        )
    if multilabel:
        if act == "softmax":
            findings.append(
                _finding(
                    "OH301",
                    f"softmax on a multi-label target (rows hold several labels): the {k} labels "
                    "compete for one unit of probability, so at most one can pass 0.5, and no "
                    "framework says anything",
                    c.fix,
                )
            )
        elif family == "cce":
            findings.append(
                _finding(
                    "OH302",
                    "categorical cross-entropy on a multi-label target scores each row as one "
                    "distribution over labels, not as independent yes/no labels"
                    + (
                        " (the TensorFlow backend even trains it as a softmax through the logits)"
                        if act == "sigmoid"
                        else ""
                    ),
                    c.fix,
                )
            )
    elif family == "cce" and act in ("sigmoid", "hard_sigmoid"):
        findings.append(
            _finding(
                "OH303",
                "sigmoid outputs with categorical cross-entropy on a single-label target: no "
                "message; the TensorFlow backend quietly trains it as a softmax through the logits "
                "while JAX/torch renormalise the sigmoids, and either way predict() returns "
                "sigmoids that do not sum to 1",
                c.fix,
            )
        )
    elif family == "bce" and act in ("sigmoid", "hard_sigmoid") and (units is None or units == k):
        if k == 2:
            message = (
                "2 sigmoid units on a 2-column one-hot target: it runs, but the two outputs are "
                "not tied together (they need not sum to 1)"
            )
            fix = (
                'keras.layers.Dense(1, activation="sigmoid") on column 1 (y = y[:, 1]); '
                "loss=keras.losses.BinaryCrossentropy()"
            )
        else:
            message = (
                f"{k} independent sigmoid units on a one-hot target treat exclusive classes as "
                "separate yes/no labels, so the probabilities do not sum to 1"
            )
            fix = c.fix
        findings.append(_finding("OH304", message, fix))
    elif (
        layout.kind == LayoutKind.ONE_HOT
        and k == 2
        and units == 2
        and act in ("softmax", "linear")
        and family == "cce"
    ):
        findings.append(
            _finding(
                "OH902",
                "2 softmax units with categorical cross-entropy on a 2-column one-hot target is "
                "valid; 1 sigmoid unit on column 1 with binary cross-entropy is the simpler "
                "equivalent",
                (
                    'keras.layers.Dense(1, activation="sigmoid") on y[:, 1]; '
                    "loss=keras.losses.BinaryCrossentropy()"
                ),
            )
        )
    if family == "regression":
        findings.append(
            _finding(
                "OH308",
                f"a regression loss ({c.loss_name}) on a {what} target: it trains, but a "
                "cross-entropy is the loss for labels",
                c.fix,
                severity="warning",
            )
        )
    if family in _CROSSENTROPY and not (multilabel and act == "softmax"):
        findings += _rule_activation_for_crossentropy(c)
    return findings


def _rule_activation_for_crossentropy(c: _Ctx) -> list[Finding]:
    act, family = c.act, c.family
    if act is None or act in ("linear", "sigmoid", "hard_sigmoid"):
        return []
    if act == "softmax":
        if family != "bce" or c.units == 1:
            return []
        return [
            _finding(
                "OH309",
                "softmax outputs with binary cross-entropy on a single-label target: each "
                "output is scored as an independent yes/no; the TensorFlow backend quietly "
                "computes the loss from the hidden logits (independent sigmoids) while predict() "
                "returns a softmax, and JAX/torch score the softmax outputs as they are",
                c.fix,
                severity="warning",
            )
        ]
    return [
        _finding(
            "OH309",
            f"a {act} output is not a probability, but {c.loss_name} reads it as one (or as logits "
            "with from_logits=True, which a bounded activation cannot produce)",
            c.fix,
        )
    ]


def _rules_regression(c: _Ctx) -> list[Finding]:
    layout, units, family, act = c.layout, c.units, c.family, c.act
    findings: list[Finding] = []
    width = c.width
    if units is not None and units != width:
        findings.append(
            _finding(
                "OH202",
                f"{_plural(units, 'unit')} for a regression target of "
                f"{_plural(width, 'column')}: "
                + (
                    f"Keras broadcasts the {width} columns against the output without an error, "
                    "so it learns their average"
                    if units < width
                    else 'a 1-D y fails on TensorFlow ("Dimensions must be equal, but are 32 '
                    f'and {units}"), an (N, 1) column is silently broadcast to every output'
                ),
                c.fix,
            )
        )
    rng = layout.target_range
    if family in ("cce", "scce"):
        findings.append(
            _finding(
                "OH308",
                f"{c.loss_name} is a classification loss but the target is continuous "
                f"({layout.kind.value})",
                c.fix,
            )
        )
    elif family == "bce" and rng is not None and (rng[0] < 0 or rng[1] > 1):
        findings.append(
            _finding(
                "OH307",
                f"binary cross-entropy on a target in [{_fmt_num(rng[0])}, {_fmt_num(rng[1])}], "
                "outside [0, 1]: Keras raises no error, the loss goes negative or huge",
                c.fix,
            )
        )
    bounds = _ACTIVATION_RANGE.get(act) if act is not None else None
    if bounds is not None and rng is not None:
        lo, hi = bounds
        if rng[0] < lo - 1e-9 or rng[1] > hi + 1e-9:
            findings.append(
                _finding(
                    "OH305",
                    f"a {act} output lies in [{_fmt_num(lo)}, {_fmt_num(hi)}] but the target "
                    f"spans [{_fmt_num(rng[0])}, {_fmt_num(rng[1])}]: predictions can never "
                    "leave that interval (they saturate at its edge), and no framework checks "
                    "this",
                    f"{_layer(width, 'linear')}  # standardize y if its scale is large; "
                    "loss=keras.losses.MeanSquaredError()",
                )
            )
    if (
        layout.kind == LayoutKind.BOUNDED
        and act == "linear"
        and family != "bce"
        and (units is None or units == 1)
    ):
        findings.append(
            _finding(
                "OH306",
                "a linear head on a target within [0, 1] works, but can predict outside the range; "
                "a sigmoid keeps predictions in [0, 1]",
                'keras.layers.Dense(1, activation="sigmoid"); loss=keras.losses.MeanSquaredError() '
                "(or BinaryCrossentropy(), whose floor is H(y), not 0)",
            )
        )
    return findings


def _rules_logits(c: _Ctx) -> list[Finding]:
    if c.family not in _CROSSENTROPY:
        return []
    if c.layout.kind in _REGRESSION and c.family != "bce":
        return []  # OH308 already says the loss is wrong; from_logits is beside the point
    loss_id = _LOSS_ID[c.family]
    loss_class = _LOSS_CLASS[c.family]
    if c.from_logits and c.act in _PROBABILITY_ACTIVATIONS:
        act_word = "Softmax" if c.act == "softmax" else "Sigmoid"
        return [
            _finding(
                "OH401",
                f"from_logits=True after a {c.act} squashes twice: the TensorFlow backend warns "
                f'"`{loss_id}` received `from_logits=True`, but the `output` argument was produced '
                f"by a {act_word} activation and thus does not represent logits. Was this "
                'intended?" and then silently uses the logits, while JAX and torch apply the '
                f"{c.act} again with no warning and barely train",
                f"{_layer(c.units or c.width, 'linear')}; "
                f"loss=keras.losses.{loss_class}(from_logits=True)  "
                f"(or keep the {c.act} and drop from_logits)",
            )
        ]
    if not c.from_logits and c.act == "linear":
        return [
            _finding(
                "OH402",
                f"a linear head outputs logits but {c.loss_name} expects probabilities "
                "(from_logits=False): no warning on any backend, the logits are clipped into "
                "[1e-7, 1-1e-7] and the loss is several times higher than it should be",
                f"loss=keras.losses.{loss_class}(from_logits=True)",
            )
        ]
    return []


def resolve_accuracy(units: int, layout: Layout) -> str:
    """The class bare ``'accuracy'`` becomes in Keras 3 (R1): decided by shapes, never the loss.

    ``y_pred`` is ``(N, units)``; ``y_true`` is ``(N,)`` for a label vector or one regression
    column, ``(N, k)`` for a matrix.
    """
    if units == 1:
        return "BinaryAccuracy"
    y_rank2 = _is_matrix(layout)
    y_last = _width(layout) if y_rank2 else None
    if not y_rank2 or y_last == 1:
        return "SparseCategoricalAccuracy"
    return "CategoricalAccuracy"


def _rules_metrics(c: _Ctx, metrics: Iterable[Metric]) -> list[Finding]:
    layout, units = c.layout, c.units
    findings: list[Finding] = []
    logits = c.act == "linear" and c.family in _CROSSENTROPY
    multilabel = layout.kind in _MULTI_LABEL
    sparse_labels = layout.kind == LayoutKind.LABEL_VECTOR and (units or 0) > 1
    for m in metrics:
        kind = m.kind
        if kind == "accuracy" and units is not None:
            resolved = resolve_accuracy(units, layout)
            if multilabel and resolved == "CategoricalAccuracy":
                findings.append(
                    _finding(
                        "OH501",
                        f"bare {m.text!r} resolves from the shapes (not the loss) to "
                        "CategoricalAccuracy on this multi-label target: an argmax match, which "
                        "means nothing when rows hold several labels",
                        "metrics=[keras.metrics.BinaryAccuracy(threshold=0.5), "
                        f"keras.metrics.AUC(multi_label=True, num_labels={c.k})]",
                    )
                )
                continue
            if layout.task in (Task.REGRESSION, Task.BOUNDED_REGRESSION):
                findings.append(
                    _finding(
                        "OH502",
                        f"bare {m.text!r} on a regression target resolves to {resolved}"
                        + (
                            " at threshold 0.5, about 0 for real-valued targets"
                            if resolved == "BinaryAccuracy"
                            else ", which means nothing here"
                        ),
                        "metrics=[keras.metrics.RootMeanSquaredError(), "
                        "keras.metrics.MeanAbsoluteError()]",
                    )
                )
                continue
            if logits and resolved == "BinaryAccuracy":
                findings.append(_threshold_on_logits(m, "BinaryAccuracy(threshold=0.0)"))
        elif kind == "BinaryAccuracy" and logits and m.arg("threshold", 0.5) != 0.0:
            findings.append(_threshold_on_logits(m, "BinaryAccuracy(threshold=0.0)"))
        elif kind in ("Precision", "Recall", "AUC", "F1Score") and sparse_labels:
            findings.append(_metric_needs_dense(m, c))
        elif kind in ("Precision", "Recall") and logits and m.arg("thresholds") is None:
            findings.append(_threshold_on_logits(m, f"{kind}(thresholds=0.0)"))
        elif kind == "AUC" and logits and not m.arg("from_logits", False):
            findings.append(_threshold_on_logits(m, "AUC(from_logits=True)"))
        elif (
            kind == "F1Score"
            and logits
            and (multilabel or units == 1 or m.arg("threshold") is not None)
        ):
            findings.append(
                _finding(
                    "OH504",
                    f"{m.text} on a logits head: F1Score thresholds probabilities (0.5 on a logit "
                    'means p > 0.622) and cannot be moved to 0 (Keras raises "Invalid `threshold` '
                    "argument value. It should verify 0 < threshold <= 1. Received: "
                    'threshold=0.0")',
                    "compute F1 outside the model on keras.ops.sigmoid(model.predict(x)), or use a "
                    f"sigmoid head: {_layer(units or c.width, 'sigmoid')}",
                )
            )
        elif kind == "F1Score" and multilabel and m.arg("threshold") is None:
            findings.append(
                _finding(
                    "OH506",
                    f"{m.text} without a threshold takes the argmax of each row, which is wrong "
                    "for a multi-label target",
                    'keras.metrics.F1Score(average="macro", threshold=0.5)',
                )
            )
    return findings


def _threshold_on_logits(m: Metric, fixed: str) -> Finding:
    return _finding(
        "OH503",
        f"{m.text} on a logits head (linear + from_logits=True) thresholds the logits at 0.5, "
        "which means p > σ(0.5) = 0.622, not p > 0.5",
        f"keras.metrics.{fixed}",
    )


def _metric_needs_dense(m: Metric, c: _Ctx) -> Finding:
    units = c.units
    if m.kind == "F1Score":
        quote = (
            "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input "
            f"shapes: y_pred.shape=(32, {units}) and y_true.shape=(32,)."
        )
    elif m.kind == "AUC":
        quote = (
            "Argument `segment_ids` and `data` should have same leading dimension. Got "
            f"({32 * (units or 1)},) v.s. (32,)."
        )
    else:
        quote = f"Dimensions must be equal, but are 32 and {32 * (units or 1)}"
    return _finding(
        "OH505",
        f"{m.text} needs one-hot labels but the target is a vector of "
        f"{_vector_words(c.layout)}: Keras "
        f'raises "{quote}" at the first batch',
        "metrics=[keras.metrics.SparseCategoricalAccuracy()] (or one-hot y with "
        "keras.utils.to_categorical and CategoricalCrossentropy())",
    )


def _rules_class_weight(c: _Ctx) -> list[Finding]:
    layout = c.layout
    if layout.kind in _MULTI_LABEL:
        return [
            _finding(
                "OH601",
                f"class_weight on a {layout.kind.value} target: Keras 3 silently weights each row "
                "by the argmax of y, i.e. by its first positive label only, and the other labels "
                "of the row get that weight too",
                "drop class_weight; pass per-row sample_weight, or "
                "loss=keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True)",
            )
        ]
    if layout.kind == LayoutKind.PROBABILITIES:
        return [
            _finding(
                "OH601",
                "class_weight on soft labels (probability rows): Keras 3 silently weights each "
                "row by its argmax, ignoring the rest of the distribution",
                "drop class_weight; pass per-row sample_weight computed from the soft labels",
                severity="warning",
            )
        ]
    if layout.kind in _REGRESSION:
        return [
            _finding(
                "OH602",
                "class_weight on a continuous target: Keras 3 silently rounds the targets to "
                "integers and weights by them (missing keys weigh 1.0)",
                "drop class_weight; pass sample_weight to model.fit if some rows matter more",
            )
        ]
    return []


# --------------------------------------------------------------------------------------------
# The whole pipeline: files -> layouts -> findings -> report
# --------------------------------------------------------------------------------------------


def check_layout(
    layout: Layout,
    expect: Expectation | None = None,
    head: DeclaredHead | None = None,
    *,
    file: str | None = None,
) -> FileResult:
    """Run every rule on one layout: the expectation, then the head if there is one.

    Args:
        layout: the target's layout.
        expect: the expectation (None: only what is always wrong).
        head: the declared head, or None.
        file: the path shown in findings.

    Returns:
        A :class:`FileResult` with the findings, each tagged with ``file``.
    """
    name = file or (layout.stats.source.path if layout.stats is not None else "<target>")
    findings = check_target(layout, expect)
    if head is not None:
        findings += check_head(layout, head)
    return FileResult(
        name, tuple(replace(f, file=name) for f in findings), layout=layout, head=head
    )


def check_target_spec(spec: TargetSpec) -> FileResult:
    """Read one target file (and its model), infer its layout and run every rule.

    Args:
        spec: the target and what to check it against.

    Returns:
        The :class:`FileResult`. A target with a single value or no value at all is a finding
        (OH102 / OH101), not an error, because that is what the check is for.

    Raises:
        OutheadError: the file (or the model) cannot be read; see :mod:`outhead.errors`.
    """
    # ``from outhead import reading`` keeps isort's grouping stable whatever is installed.
    from outhead import reading
    from outhead.errors import TargetError
    from outhead.layout import infer_layout

    name = spec.display or spec.path
    head = spec.head
    if spec.model is not None:
        from outhead.model_head import read_model_head

        model_head = replace(
            read_model_head(spec.model),
            source=shown_path(spec.model),
            from_model=True,
            declared_in=spec.origin or (spec.head.source if spec.head else None),
        )
        head = _merge_heads(model_head, spec.head)
    if spec.head is not None:
        validate_head_names(
            spec.head, {"loss": "loss", "activation": "activation", "metrics": "metrics[{i}]"}
        )
    opts = spec.read
    stats = reading.scan_target(
        spec.path,
        columns=list(opts.columns) if opts.columns else None,
        key=opts.key,
        header=opts.header,
        sep=opts.sep,
    )
    second_reading: Finding | None = None
    try:
        layout = infer_layout(stats)
        expected = spec.expect.task
        if expected is not None and layout.task != expected and layout.runner_up_task == expected:
            # The data reads both ways and the project says which: check the expected reading
            # (as `inspect --task` would) rather than fail on the first guess, but say so.
            forced = _forced_reading(stats, expected)
            if forced is not None:
                second_reading = _checked_as_second_reading(layout, expected)
                layout = forced
    except TargetError as exc:
        finding = _degenerate_target(stats, str(exc.message))
        if finding is None:
            raise
        found = [finding]
        if finding.code == "OH102":
            found += _check_missing(stats, spec.expect)
        return FileResult(name, tuple(replace(f, file=name) for f in found), layout=None, head=head)
    result = check_layout(layout, spec.expect, head, file=name)
    if second_reading is not None:
        result = replace(result, findings=(replace(second_reading, file=name), *result.findings))
    return result


def _checked_as_second_reading(layout: Layout, expected: Task) -> Finding:
    """OH107 as a warning: ``--expect`` picked inference's runner-up over its first reading
    (1,797 labels 0..9 expected as a regression), so a CI gate hears what inspect would say."""
    got = f"{layout.task.value} ({layout.kind.value}"
    if layout.classes is not None:
        got += f", {_n_classes(layout)} classes"
    line = decisive_evidence(layout, expected)
    return _finding(
        "OH107",
        f"--expect {expected.value}, but inspect reads the target as {got})"
        f"{f': {line}' if line else ''}; it was checked as {expected.value}, its second reading",
        "if the values are what inspect says, fix the expectation (--expect); --strict fails "
        "on this",
        severity="warning",
    )


def _forced_reading(stats: TargetStats, task: Task) -> Layout | None:
    """The layout read as ``task``, or None when the data cannot be read that way."""
    from outhead.errors import OutheadError
    from outhead.layout import infer_layout

    try:
        return infer_layout(stats, task=task)
    except OutheadError:
        return None


def shown_path(path: str, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current directory) when it lies below it."""
    import os

    if path == "-":
        return path
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    if full == base or full.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, base).replace(os.sep, "/")
    return path


def _merge_heads(model: DeclaredHead, declared: DeclaredHead | None) -> DeclaredHead:
    """The model's head, completed by the declaration where the model does not say.

    An uncompiled model has no loss: ``--loss`` (and ``--from-logits``) fill it. Metrics and
    ``class_weight`` come from the declaration when the model has none.

    Raises:
        UsageError: a declared value contradicts the model's own (it would be silently ignored).
    """
    if declared is None:
        return model
    _check_agrees(model, declared)
    has_loss = model.loss is not None
    return replace(
        model,
        units=model.units if model.units is not None else declared.units,
        activation=model.activation if model.activation is not None else declared.activation,
        loss=model.loss if has_loss else declared.loss,
        from_logits=model.from_logits if has_loss else declared.from_logits,
        metrics=model.metrics or declared.metrics,
        class_weight=model.class_weight or declared.class_weight,
    )


def _check_agrees(model: DeclaredHead, declared: DeclaredHead) -> None:
    from outhead.errors import UsageError

    where = declared.source or "command line"

    def name(field: str) -> str:
        return f"--{field.replace('_', '-')}" if where == "command line" else f"head.{field}"

    def refuse(field: str, given: Any, own: Any) -> None:
        raise UsageError(
            f"{name(field)} {given!r} contradicts the model {model.source}, whose {field} is "
            f"{own!r}: drop {name(field)} (the model's own head is checked) or re-save the model",
            path=None if where == "command line" else where,
        )

    if declared.units is not None and model.units is not None and declared.units != model.units:
        refuse("units", declared.units, model.units)
    if (
        declared.activation is not None
        and model.activation is not None
        and normalize_activation(declared.activation) != normalize_activation(model.activation)
    ):
        refuse("activation", declared.activation, model.activation)
    if declared.loss is not None and model.loss is not None:
        mine, theirs = loss_class(declared.loss), loss_class(model.loss)
        if mine is None or theirs is None:
            mine, theirs = loss_family(declared.loss), loss_family(model.loss)
        if mine != theirs:
            refuse("loss", declared.loss, model.loss)
    declared_logits = declared.from_logits or bool(loss_from_logits(declared.loss))
    if model.loss is not None and declared_logits and not model.from_logits:
        refuse("from_logits", True, False)


def _degenerate_target(stats: Any, message: str) -> Finding | None:
    """A target inference refuses (all missing, a single value), as a finding."""
    columns = stats.columns
    if columns and all(c.type == "empty" for c in columns):
        return _finding(
            "OH101",
            f"{message}: Keras would train on nan from the first epoch",
            "fix the export of the target (the column is empty)",
        )
    if any(c.counts is not None and c.n_distinct == 1 for c in columns) or "single" in message:
        return _finding(
            "OH102",
            message,
            "check the export of the target (a filter or a join dropped the other classes)",
        )
    return None


def check_targets(specs: Sequence[TargetSpec], *, strict: bool = False) -> Report:
    """Check every target of a project (or the one given on the command line).

    Args:
        specs: the targets, in order.
        strict: warnings fail the check too (``--strict``).

    Returns:
        The :class:`Report` (its ``return_code`` is 0 or 1).

    Raises:
        OutheadError: a target or model cannot be read (exit 2: bad input is not a finding).
    """
    return Report(tuple(check_target_spec(s) for s in specs), strict=strict)


def check_project(
    config: str | Path | None = None, *, strict: bool = False, cwd: str | None = None
) -> Report:
    """Check every target of a project configuration.

    Args:
        config: ``pyproject.toml`` (its ``[tool.outhead]`` table) or ``outhead.toml``; None
            searches ``cwd`` and its parents as :func:`outhead.config.find_config` does.
        strict: warnings fail too (also set by ``strict = true`` in the configuration).
        cwd: where the search starts and what shown paths are relative to (default: the cwd).

    Returns:
        The :class:`Report` over the configured targets, in order.

    Raises:
        UsageError: no configuration was given and none was found.
        ConfigError: the configuration is invalid (the message names the file and the key).
        OutheadError: a target or model cannot be read.
    """
    from outhead.config import find_config, load_config
    from outhead.errors import UsageError

    path = config if config is not None else find_config(cwd)
    if path is None:
        raise UsageError(
            "no TARGET given and no project configuration found (outhead.toml, or "
            "pyproject.toml with [tool.outhead], in this directory or a parent)"
        )
    project = load_config(path, cwd=cwd)
    return check_targets(project.targets, strict=strict or project.strict)
