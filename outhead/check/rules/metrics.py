"""OH5xx: compiled metrics, resolved the way Keras 3 resolves them (rule R1).

Each rule reads one declared metric; a metric gets the first rule that fires on it.
"""

from __future__ import annotations

from outhead.check.keras_names import CROSSENTROPY, MULTI_LABEL, is_matrix, target_width
from outhead.check.model import Metric
from outhead.check.rules.common import HeadCtx, Hit, layer_code, vector_words
from outhead.layout import Layout, LayoutKind, Task


def resolve_accuracy(units: int, layout: Layout) -> str:
    """The class bare ``'accuracy'`` becomes in Keras 3 (R1): decided by shapes, never the loss.

    ``y_pred`` is ``(N, units)``; ``y_true`` is ``(N,)`` for a label vector or one regression
    column, ``(N, k)`` for a matrix.
    """
    if units == 1:
        return "BinaryAccuracy"
    y_rank2 = is_matrix(layout)
    y_last = target_width(layout) if y_rank2 else None
    if not y_rank2 or y_last == 1:
        return "SparseCategoricalAccuracy"
    return "CategoricalAccuracy"


def _logits(c: HeadCtx) -> bool:
    return c.act == "linear" and c.family in CROSSENTROPY


def _multilabel(c: HeadCtx) -> bool:
    return c.layout.kind in MULTI_LABEL


def _resolved(c: HeadCtx, m: Metric) -> str | None:
    """What a bare ``accuracy`` resolves to; None for any other metric or unknown units."""
    if m.kind != "accuracy" or c.units is None:
        return None
    return resolve_accuracy(c.units, c.layout)


def accuracy_is_categorical_on_multilabel(c: HeadCtx, m: Metric) -> Hit | None:
    """OH501: bare ``accuracy`` resolves to CategoricalAccuracy on a multi-label target."""
    if not _multilabel(c) or _resolved(c, m) != "CategoricalAccuracy":
        return None
    return Hit(
        f"bare {m.text!r} resolves from the shapes (not the loss) to "
        "CategoricalAccuracy on this multi-label target: an argmax match, which "
        "means nothing when rows hold several labels",
        "metrics=[keras.metrics.BinaryAccuracy(threshold=0.5), "
        f"keras.metrics.AUC(multi_label=True, num_labels={c.k})]",
    )


def accuracy_on_regression(c: HeadCtx, m: Metric) -> Hit | None:
    """OH502: bare ``accuracy`` on a regression target resolves to a label accuracy."""
    resolved = _resolved(c, m)
    if resolved is None or c.layout.task not in (Task.REGRESSION, Task.BOUNDED_REGRESSION):
        return None
    return Hit(
        f"bare {m.text!r} on a regression target resolves to {resolved}"
        + (
            " at threshold 0.5, about 0 for real-valued targets"
            if resolved == "BinaryAccuracy"
            else ", which means nothing here"
        ),
        "metrics=[keras.metrics.RootMeanSquaredError(), keras.metrics.MeanAbsoluteError()]",
    )


def metric_needs_dense_labels(c: HeadCtx, m: Metric) -> Hit | None:
    """OH505: F1Score, Precision, Recall or AUC on sparse integer labels."""
    sparse_labels = c.layout.kind == LayoutKind.LABEL_VECTOR and (c.units or 0) > 1
    if m.kind not in ("Precision", "Recall", "AUC", "F1Score") or not sparse_labels:
        return None
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
    return Hit(
        f"{m.text} needs one-hot labels but the target is a vector of "
        f"{vector_words(c.layout)}: Keras "
        f'raises "{quote}" at the first batch',
        "metrics=[keras.metrics.SparseCategoricalAccuracy()] (or one-hot y with "
        "keras.utils.to_categorical and CategoricalCrossentropy())",
    )


def threshold_metric_on_logits(c: HeadCtx, m: Metric) -> Hit | None:
    """OH503: a 0.5 threshold on logits (accuracy, Precision, Recall, AUC) means p > 0.622."""
    if not _logits(c):
        return None
    kind = m.kind
    if _resolved(c, m) == "BinaryAccuracy" or (
        kind == "BinaryAccuracy" and m.arg("threshold", 0.5) != 0.0
    ):
        fixed = "BinaryAccuracy(threshold=0.0)"
    elif kind in ("Precision", "Recall") and m.arg("thresholds") is None:
        fixed = f"{kind}(thresholds=0.0)"
    elif kind == "AUC" and not m.arg("from_logits", False):
        fixed = "AUC(from_logits=True)"
    else:
        return None
    return Hit(
        f"{m.text} on a logits head (linear + from_logits=True) thresholds the logits at 0.5, "
        "which means p > σ(0.5) = 0.622, not p > 0.5",
        f"keras.metrics.{fixed}",
    )


def f1_on_logits(c: HeadCtx, m: Metric) -> Hit | None:
    """OH504: F1Score on a logits head (it rejects ``threshold=0.0``)."""
    if m.kind != "F1Score" or not _logits(c):
        return None
    if not (_multilabel(c) or c.units == 1 or m.arg("threshold") is not None):
        return None
    return Hit(
        f"{m.text} on a logits head: F1Score thresholds probabilities (0.5 on a logit "
        'means p > 0.622) and cannot be moved to 0 (Keras raises "Invalid `threshold` '
        "argument value. It should verify 0 < threshold <= 1. Received: "
        'threshold=0.0")',
        "compute F1 outside the model on keras.ops.sigmoid(model.predict(x)), or use a "
        f"sigmoid head: {layer_code(c.units or c.width, 'sigmoid')}",
    )


def f1_argmax_on_multilabel(c: HeadCtx, m: Metric) -> Hit | None:
    """OH506: F1Score without a threshold is an argmax, wrong for a multi-label target."""
    if m.kind != "F1Score" or not _multilabel(c) or m.arg("threshold") is not None:
        return None
    return Hit(
        f"{m.text} without a threshold takes the argmax of each row, which is wrong "
        "for a multi-label target",
        'keras.metrics.F1Score(average="macro", threshold=0.5)',
    )
