"""The names Keras 3 accepts (losses, metrics, activations) and what a declared loss means.

Static tables, so that ``check`` without ``--model`` never imports Keras.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from outhead.check.model import DeclaredHead, parse_metric
from outhead.layout import Layout, LayoutKind

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
CROSSENTROPY = ("bce", "cce", "scce")

#: Output range of bounded activations (softmax also sums to 1).
ACTIVATION_RANGE: dict[str, tuple[float, float]] = {
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
PROBABILITY_ACTIVATIONS = ("sigmoid", "hard_sigmoid", "softmax")

SINGLE_LABEL_MATRIX = (LayoutKind.ONE_HOT, LayoutKind.PROBABILITIES)
MULTI_LABEL = (LayoutKind.MULTI_HOT, LayoutKind.LABEL_SETS)
MATRIX = (*SINGLE_LABEL_MATRIX, *MULTI_LABEL)
REGRESSION_KINDS = (LayoutKind.CONTINUOUS, LayoutKind.BOUNDED, LayoutKind.MULTI_CONTINUOUS)


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
        if layout is not None and not is_matrix(layout):
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


def is_matrix(layout: Layout) -> bool:
    """Whether ``y`` reaches Keras as an ``(N, k)`` matrix of labels (label sets once encoded)."""
    return layout.kind in MATRIX or layout.kind == LayoutKind.MULTI_CONTINUOUS


def n_classes(layout: Layout) -> int:
    """Classes of a classification layout (its outputs when it has no class list)."""
    if layout.classes is not None:
        return len(layout.classes)
    return layout.n_outputs


def target_width(layout: Layout) -> int:
    """Columns of ``y`` as Keras sees it (1 for a label vector or one regression column)."""
    if layout.kind in MATRIX:
        return n_classes(layout)
    if layout.kind == LayoutKind.MULTI_CONTINUOUS:
        return layout.n_outputs
    return 1

