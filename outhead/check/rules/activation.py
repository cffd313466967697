"""OH3xx: activation and loss against the task (the silent mistakes: no framework complains)."""

from __future__ import annotations

from outhead.check.keras_names import ACTIVATION_RANGE, CROSSENTROPY, MATRIX, MULTI_LABEL
from outhead.check.rules.common import (
    HeadCtx,
    Hit,
    fmt_num,
    label_range,
    layer_code,
    loss_code,
    show,
)
from outhead.check.rules.shapes import labels_outside, matrix_words
from outhead.layout import LayoutKind

_SIGMOIDS = ("sigmoid", "hard_sigmoid")


def _single_label_matrix(c: HeadCtx) -> bool:
    return c.layout.kind in MATRIX and c.layout.kind not in MULTI_LABEL


def _regression_kind(c: HeadCtx) -> bool:
    return c.layout.kind != LayoutKind.LABEL_VECTOR and c.layout.kind not in MATRIX


def softmax_on_multilabel(c: HeadCtx) -> list[Hit]:
    """OH301: softmax on a multi-label target: labels compete, at most one can pass 0.5."""
    if c.layout.kind not in MULTI_LABEL or c.act != "softmax":
        return []
    return [
        Hit(
            f"softmax on a multi-label target (rows hold several labels): the {c.k} labels "
            "compete for one unit of probability, so at most one can pass 0.5, and no "
            "framework says anything",
            c.fix,
        )
    ]


def categorical_loss_on_multilabel(c: HeadCtx) -> list[Hit]:
    """OH302: categorical cross-entropy on a multi-label target."""
    if c.layout.kind not in MULTI_LABEL or c.act == "softmax" or c.family != "cce":
        return []
    return [
        Hit(
            "categorical cross-entropy on a multi-label target scores each row as one "
            "distribution over labels, not as independent yes/no labels"
            + (
                " (the TensorFlow backend even trains it as a softmax through the logits)"
                if c.act == "sigmoid"
                else ""
            ),
            c.fix,
        )
    ]


def sigmoid_with_categorical_loss(c: HeadCtx) -> list[Hit]:
    """OH303: sigmoid outputs with categorical cross-entropy on a single-label target."""
    if not _single_label_matrix(c) or c.family != "cce" or c.act not in _SIGMOIDS:
        return []
    return [
        Hit(
            "sigmoid outputs with categorical cross-entropy on a single-label target: no "
            "message; the TensorFlow backend quietly trains it as a softmax through the logits "
            "while JAX/torch renormalise the sigmoids, and either way predict() returns "
            "sigmoids that do not sum to 1",
            c.fix,
        )
    ]


def sigmoid_on_one_hot(c: HeadCtx) -> list[Hit]:
    """OH304: independent sigmoid units on a one-hot (mutually exclusive) target."""
    if not _single_label_matrix(c) or c.family != "bce" or c.act not in _SIGMOIDS:
        return []
    if c.units is not None and c.units != c.k:
        return []  # OH202 says the units are wrong
    if c.k == 2:
        return [
            Hit(
                "2 sigmoid units on a 2-column one-hot target: it runs, but the two outputs are "
                "not tied together (they need not sum to 1)",
                f"{layer_code(1, 'sigmoid')} on column 1 (y = y[:, 1]); "
                f"loss={loss_code('BinaryCrossentropy')}",
            )
        ]
    return [
        Hit(
            f"{c.k} independent sigmoid units on a one-hot target treat exclusive classes as "
            "separate yes/no labels, so the probabilities do not sum to 1",
            c.fix,
        )
    ]


def bce_target_out_of_range(c: HeadCtx) -> list[Hit]:
    """OH307: binary cross-entropy on targets outside [0, 1]."""
    if c.family != "bce":
        return []
    if c.layout.kind == LayoutKind.LABEL_VECTOR:
        if c.k > 2 or (c.units is not None and c.units != 1):
            return []  # OH206 or OH202
        _, lo, hi = label_range(c.layout)
        if lo is None or hi is None or (lo >= 0 and hi <= 1):
            return []
        return [
            Hit(
                f"binary cross-entropy on labels {show(lo)}/{show(hi)}: targets must be 0/1, "
                "and Keras raises no error (the loss goes negative or huge)",
                "y = (y == positive_label).astype('float32')  # then " + c.fix,
            )
        ]
    rng = c.layout.target_range
    if not _regression_kind(c) or rng is None or (rng[0] >= 0 and rng[1] <= 1):
        return []
    return [
        Hit(
            f"binary cross-entropy on a target in [{fmt_num(rng[0])}, {fmt_num(rng[1])}], "
            "outside [0, 1]: Keras raises no error, the loss goes negative or huge",
            c.fix,
        )
    ]


def loss_task_mismatch(c: HeadCtx) -> list[Hit]:
    """OH308: a classification loss on a regression target, or a regression loss on labels."""
    kind = c.layout.kind
    if _regression_kind(c):
        if c.family not in ("cce", "scce"):
            return []
        return [
            Hit(
                f"{c.loss_name} is a classification loss but the target is continuous "
                f"({kind.value})",
                c.fix,
            )
        ]
    if c.family != "regression":
        return []
    if kind == LayoutKind.LABEL_VECTOR:
        message = (
            f"a regression loss ({c.loss_name}) on a label vector of {c.k} classes: it trains, "
            "but treats class ids as distances"
        )
    else:
        message = (
            f"a regression loss ({c.loss_name}) on a {matrix_words(c)} target: it trains, but a "
            "cross-entropy is the loss for labels"
        )
    return [Hit(message, c.fix, severity="warning")]


def bounded_activation_on_unbounded_target(c: HeadCtx) -> list[Hit]:
    """OH305: a bounded output activation that cannot reach the target's range."""
    bounds = ACTIVATION_RANGE.get(c.act) if c.act is not None else None
    rng = c.layout.target_range
    if not _regression_kind(c) or bounds is None or rng is None:
        return []
    lo, hi = bounds
    if rng[0] >= lo - 1e-9 and rng[1] <= hi + 1e-9:
        return []
    return [
        Hit(
            f"a {c.act} output lies in [{fmt_num(lo)}, {fmt_num(hi)}] but the target "
            f"spans [{fmt_num(rng[0])}, {fmt_num(rng[1])}]: predictions can never "
            "leave that interval (they saturate at its edge), and no framework checks "
            "this",
            f"{layer_code(c.width, 'linear')}  # standardize y if its scale is large; "
            f"loss={loss_code('MeanSquaredError')}",
        )
    ]


def linear_head_on_unit_interval(c: HeadCtx) -> list[Hit]:
    """OH306: a linear head on a target within [0, 1] (a sigmoid fits better)."""
    if (
        c.layout.kind != LayoutKind.BOUNDED
        or c.act != "linear"
        or c.family == "bce"
        or (c.units is not None and c.units != 1)
    ):
        return []
    return [
        Hit(
            "a linear head on a target within [0, 1] works, but can predict outside the range; "
            "a sigmoid keeps predictions in [0, 1]",
            f"{layer_code(1, 'sigmoid')}; loss={loss_code('MeanSquaredError')} "
            "(or BinaryCrossentropy(), whose floor is H(y), not 0)",
        )
    ]


def activation_loss_mismatch(c: HeadCtx) -> list[Hit]:
    """OH309: an activation that does not produce what the cross-entropy expects."""
    act, family = c.act, c.family
    if family not in CROSSENTROPY or _regression_kind(c):
        return []
    if c.layout.kind == LayoutKind.LABEL_VECTOR and labels_outside(c) is not None:
        return []  # OH203: the labels are the problem
    if c.layout.kind in MULTI_LABEL and act == "softmax":
        return []  # OH301
    if act is None or act in ("linear", *_SIGMOIDS):
        return []
    if act == "softmax":
        if family != "bce" or c.units == 1:
            return []
        return [
            Hit(
                "softmax outputs with binary cross-entropy on a single-label target: each "
                "output is scored as an independent yes/no; the TensorFlow backend quietly "
                "computes the loss from the hidden logits (independent sigmoids) while "
                "predict() returns a softmax, and JAX/torch score the softmax outputs as they "
                "are",
                c.fix,
                severity="warning",
            )
        ]
    return [
        Hit(
            f"a {act} output is not a probability, but {c.loss_name} reads it as one (or as "
            "logits with from_logits=True, which a bounded activation cannot produce)",
            c.fix,
        )
    ]
