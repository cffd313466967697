"""OH2xx: units and label encoding against the loss (the shape errors Keras raises mid-training)."""

from __future__ import annotations

from outhead.check.keras_names import MATRIX, MULTI_LABEL
from outhead.check.rules.common import (
    HeadCtx,
    Hit,
    label_range,
    layer_code,
    plural,
    recommended_head,
    show,
    vector_words,
)
from outhead.layout import LayoutKind


def softmax_single_unit(c: HeadCtx) -> list[Hit]:
    """OH201: softmax over 1 unit always outputs 1.0."""
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
    return [Hit(message, c.fix)]


def label_out_of_range(c: HeadCtx) -> list[Hit]:
    """OH203: labels outside ``[0, units)`` for a sparse categorical loss."""
    hit = labels_outside(c)
    return [hit] if hit is not None else []


def labels_outside(c: HeadCtx) -> Hit | None:
    """The OH203 hit when a label vector's labels fall outside ``[0, units)`` under SCCE.

    The other rules on a label vector stay quiet when it fires: the labels are the problem.
    """
    units = c.units
    if c.layout.kind != LayoutKind.LABEL_VECTOR or c.family != "scce" or units is None:
        return None
    classes, lo, hi = label_range(c.layout)
    k = len(classes)
    if lo is None or hi is None:
        # Strings (or mixed): the pipeline must encode them to 0..K-1 first.
        if units >= k:
            return None
        bad_text = f"class ids {units}..{k - 1} once the {k} labels are encoded"
        first = str(units)
    else:
        outside = [v for v in classes if float(v) < 0 or float(v) >= units]
        if not outside:
            return None
        bad_text = ", ".join(show(v) for v in outside[:5]) + (" ..." if len(outside) > 5 else "")
        first = show(outside[-1] if float(outside[-1]) >= units else outside[0])
    several = "," in bad_text or ".." in bad_text
    label_word, verb = ("labels", "are") if several else ("label", "is")
    act = c.act if c.act is not None else recommended_head(c.layout).activation
    if lo is not None and hi is not None and lo == 1 and hi == k and units == k:
        fix = f"y = y - 1  # labels 1..{k} -> 0..{k - 1}; keep {layer_code(k, act)}"
    elif units < k:
        fix = f"{layer_code(k, act)}  # one unit per class; labels must be 0..{k - 1}"
    else:
        fix = f"y = LabelEncoder().fit_transform(y)  # labels -> 0..{k - 1}; then {c.fix}"
    return Hit(
        f"{label_word} {bad_text} {verb} outside [0, {units}) for {c.loss_name} with "
        f"{units} unit"
        f'{"s" if units != 1 else ""}: TensorFlow on CPU raises "Received a label value of '
        f'{first} which is outside the valid range of [0, {units})", while TF on GPU returns '
        "NaN and the JAX backend trains silently with a zero loss for those rows",
        fix,
    )


def sparse_loss_on_matrix(c: HeadCtx) -> list[Hit]:
    """OH204: a sparse categorical loss on one-hot, multi-hot or probability rows."""
    if c.layout.kind not in MATRIX or c.family != "scce":
        return []
    k, units = c.k, c.units
    return [
        Hit(
            f"sparse categorical cross-entropy expects integer labels but the target is {k} "
            f'{matrix_words(c)} columns: Keras 3 raises "Argument `output` must have rank (ndim) '
            f"`target.ndim - 1`. Received: target.shape=(32, {k}), output.shape=(32, "
            f'{units if units is not None else k})" (tf.keras 2.x: "logits and labels must '
            f"have the same first dimension, got logits shape [32,{k}] and labels shape "
            f'[{32 * k}]")',
            c.fix,
        )
    ]


def matrix_words(c: HeadCtx) -> str:
    """What the columns of a label matrix hold: ``one-hot``, ``multi-hot`` or ``probability``."""
    if c.layout.kind in MULTI_LABEL:
        return "multi-hot"
    return "probability" if c.layout.kind == LayoutKind.PROBABILITIES else "one-hot"


def units_mismatch(c: HeadCtx) -> list[Hit]:
    """OH202: units differ from the number of classes or target columns."""
    if c.units is None:
        return []
    if c.layout.kind == LayoutKind.LABEL_VECTOR:
        hit = _units_for_label_vector(c, c.units)
    elif c.layout.kind in MATRIX:
        hit = _units_for_matrix(c, c.units)
    else:
        hit = _units_for_regression(c, c.units)
    return [hit] if hit is not None else []


def _units_for_label_vector(c: HeadCtx, units: int) -> Hit | None:
    k = c.k
    if c.family == "scce":
        if units <= k or labels_outside(c) is not None:
            return None
        return Hit(
            f"{units} units for {k} classes: {units - k} output"
            f"{'s' if units - k > 1 else ''} never get a label and only take probability "
            "from the real classes",
            c.fix,
        )
    if c.family == "bce":
        if k > 2 or units == 1:
            return None  # more than 2 classes: OH206
        return Hit(
            f"{units} units with binary cross-entropy on a binary label vector: Keras 3 "
            'raises "Arguments `target` and `output` must have the same rank (ndim). '
            f'Received: target.shape=(32,), output.shape=(32, {units})" (tf.keras 2.x: '
            f'"`logits` and `labels` must have the same shape, received ((None, {units}) '
            'vs (None, 1)).")',
            c.fix,
        )
    if c.family is None and units not in ((1, 2) if k == 2 else (k,)):
        return Hit(f"{units} units for a target of {k} classes", c.fix)
    return None


def _units_for_matrix(c: HeadCtx, units: int) -> Hit | None:
    k, family = c.k, c.family
    if family == "scce" or units == k:
        return None  # a sparse loss on a matrix: OH204
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
    return Hit(
        f"{units} unit{'s' if units != 1 else ''} for a target of {k} {matrix_words(c)} "
        "columns: " + detail,
        c.fix,
    )


def _units_for_regression(c: HeadCtx, units: int) -> Hit | None:
    width = c.width
    if units == width:
        return None
    return Hit(
        f"{plural(units, 'unit')} for a regression target of {plural(width, 'column')}: "
        + (
            f"Keras broadcasts the {width} columns against the output without an error, "
            "so it learns their average"
            if units < width
            else 'a 1-D y fails on TensorFlow ("Dimensions must be equal, but are 32 '
            f'and {units}"), an (N, 1) column is silently broadcast to every output'
        ),
        c.fix,
    )


def categorical_loss_on_integer_labels(c: HeadCtx) -> list[Hit]:
    """OH205: categorical cross-entropy on a vector of labels (it wants one-hot rows)."""
    if c.layout.kind != LayoutKind.LABEL_VECTOR or c.family != "cce":
        return []
    if c.units == 1:
        message = (
            "categorical cross-entropy on 1 unit with integer labels: the loss is exactly "
            '0.0 from epoch 1 (Keras warns "In loss categorical_crossentropy, expected '
            "y_pred.shape to be (batch_size, num_classes) with num_classes > 1. Received: "
            "y_pred.shape=(32, 1). Consider using 'binary_crossentropy' if you only have 2 "
            'classes.")'
        )
    else:
        n = c.units if c.units is not None else c.k
        message = (
            "categorical cross-entropy expects one-hot rows but the target is a vector of "
            f'{vector_words(c.layout)}: Keras 3 raises "Arguments `target` and `output` must '
            "have the same rank (ndim). Received: target.shape=(32,), output.shape="
            f'(32, {n})" (tf.keras 2.x: "Shapes (None, 1) and (None, {n}) are '
            'incompatible")'
        )
    return [Hit(message, c.fix)]


def binary_loss_on_multiclass_labels(c: HeadCtx) -> list[Hit]:
    """OH206: binary cross-entropy on a label vector of more than 2 classes."""
    k, units = c.k, c.units
    if c.layout.kind != LayoutKind.LABEL_VECTOR or c.family != "bce" or k <= 2:
        return []
    return [
        Hit(
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
    ]
