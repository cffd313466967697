"""What the target's priors and shape say about training the head.

The initial output bias (the priors the untrained model should output), the share of the
rarest class (when a focal loss is worth offering), and the skew of a continuous target (when
Huber or a log transform is). Pure functions of a :class:`~outhead.layout.Layout`, used by
:func:`outhead.recommend.recommend`.
"""

from __future__ import annotations

import math
from typing import Protocol

from outhead.diagnostics import Diagnostic
from outhead.layout import Layout, Task


class HeadLike(Protocol):
    """What these rules read of a :class:`outhead.recommend.Head`."""

    @property
    def units(self) -> int: ...
    @property
    def activation(self) -> str: ...
    @property
    def loss_class(self) -> str: ...
    @property
    def probabilities(self) -> str | None: ...


# --------------------------------------------------------------------------------------------
# The initial output bias
# --------------------------------------------------------------------------------------------

#: Priors are clipped to [PRIOR_CLIP, 1 - PRIOR_CLIP] before their log: a class or label that
#: never (or always) occurs gives a bias of about -9.2 (+9.2), not an infinity.
PRIOR_CLIP = 1e-4


def _logit(p: float) -> float:
    p = min(max(p, PRIOR_CLIP), 1.0 - PRIOR_CLIP)
    return math.log(p / (1.0 - p))


def bias_why(head: HeadLike, bias: tuple[float, ...] | None, *, weighted: bool) -> str:
    """Why the output layer starts from this bias (or from zeros)."""
    if weighted:
        return (
            "no initial bias: with class_weight every class weighs the same in the loss, so "
            "the zero bias (equal probabilities) is already the prior the loss sees"
        )
    if bias is None:
        return "no initial bias: the default zeros (the data gives no prior to start from)"
    if head.probabilities == "sigmoid":
        rule = "log(p / (1 - p)) of each label's share p of the rows"
    elif head.probabilities == "softmax":
        rule = "the log of each class's share of the rows"
    elif head.activation == "sigmoid":
        rule = "the logit of the target mean"
    else:
        rule = "the target mean (standardize the target and it is 0)"
    return (
        f"bias_initializer: {rule}, so the untrained model already outputs the priors and "
        "the first epochs do not go into learning them"
    )


def initial_bias(
    layout: Layout, head: HeadLike, *, weighted: bool = False
) -> tuple[float, ...] | None:
    """The output layer's starting bias, so that the untrained model already outputs the priors.

    With zero biases a sigmoid starts at 0.5 and a softmax at 1/K: on a target with 3 %
    positives the first epochs are spent learning the base rate. Starting from the priors
    instead (Karpathy's "init well"), the first loss is the entropy of the labels.

    * sigmoid (binary, multi-label): ``log(p / (1 - p))`` per unit, p the share of rows where
      the label is on;
    * softmax: ``log(p_k)``, centred to sum to 0 (a softmax ignores a constant shift);
    * linear regression: the target mean per column (in the target's own units: the Keras
      lines of ``inspect`` do not standardize; the scaffolded script does, and starts at 0);
    * sigmoid regression in [0, 1]: the logit of the mean.

    Priors are clipped to [:data:`PRIOR_CLIP`, 1 - :data:`PRIOR_CLIP`]. None when the default
    zeros are right or the data cannot say: with ``class_weight`` (balanced weights make the
    priors the loss sees uniform), soft-label targets, other heads, no statistics. Values are
    rounded to 4 decimals.
    """
    if weighted:
        return None
    k, probabilities = head.units, head.probabilities
    counts, n = layout.class_counts, layout.n_rows
    if probabilities == "sigmoid" and counts and n > 0:
        positives = counts[1:] if layout.task == Task.BINARY and len(counts) == 2 else counts
        if len(positives) != k:
            return None
        total = sum(counts) if layout.task == Task.BINARY else n
        return tuple(round(_logit(c / total), 4) for c in positives)
    if probabilities == "softmax" and counts and len(counts) == k and sum(counts) > 0:
        logs = [math.log(min(max(c / sum(counts), PRIOR_CLIP), 1.0)) for c in counts]
        centre = sum(logs) / k
        return tuple(round(v - centre, 4) for v in logs)
    if probabilities is None and layout.stats is not None and head.loss_class == "MeanSquaredError":
        means = []
        for col in layout.stats.columns:
            present = layout.stats.n_rows - col.n_missing
            if not col.is_numeric or present <= 0:
                return None
            means.append(col.total / present)
        if len(means) != k:
            return None
        if head.activation == "sigmoid":
            return tuple(round(_logit(m), 4) for m in means)
        if head.activation == "linear":
            return tuple(round(m, 4) for m in means)
    return None


# --------------------------------------------------------------------------------------------
# Focal loss
# --------------------------------------------------------------------------------------------

#: inspect offers a focal loss as an alternative when the rarest class (single-label) or the
#: rarer side of the rarest label (multi-label: on or off) holds under this share of the rows.
FOCAL_BELOW = 0.05


def rarest_share(layout: Layout) -> float | None:
    """The share of the rows of the rarest class, or of the rarer value of the rarest label."""
    counts = layout.class_counts
    if not counts or not layout.is_classification:
        return None
    if layout.task == Task.MULTILABEL:
        n = layout.n_rows
        return min(min(c, n - c) for c in counts) / n if n > 0 else None
    total = sum(counts)
    return min(counts) / total if total > 0 else None


def focal_option(layout: Layout, focal: bool, diags: list[Diagnostic]) -> bool:
    """``focal`` where it applies (classification); a note in ``diags`` where not."""
    if focal and not layout.is_classification:
        diags.append(
            Diagnostic(
                "option-ignored",
                f"--loss focal applies to classification heads, not to {layout.task.value}",
                None,
                "note",
            )
        )
        return False
    return focal


def focal_note(head: HeadLike) -> str:
    """What else a focal loss needs: one-hot labels for the categorical form."""
    if head.loss_class == "CategoricalFocalCrossentropy":
        return (
            "CategoricalFocalCrossentropy has no sparse form: one-hot encode class ids first "
            f"(keras.utils.to_categorical(y, {head.units})) and use CategoricalAccuracy; "
            "outhead scaffold --loss focal does it"
        )
    return "outhead scaffold --loss focal renders it"


# --------------------------------------------------------------------------------------------
# Skewed regression targets
# --------------------------------------------------------------------------------------------

#: Tasks whose target columns get a histogram (and a skewness) in the JSON and the human output.
CONTINUOUS = (Task.REGRESSION, Task.BOUNDED_REGRESSION)

#: A target column whose skewness is at least this (in absolute value) is called skewed.
SKEWED_FROM = 1.0


def skew_note(layout: Layout) -> str | None:
    """Why a skewed regression target calls for Huber or a log transform; None if none is.

    The skewness comes from the histogram gathered in the read (:mod:`outhead.stats.histogram`).
    A log transform is suggested only for a right tail on values that are all >= 0.
    """
    if layout.stats is None:
        return None
    notes = []
    for col in layout.stats.columns:
        skew = col.histogram.skewness() if col.histogram is not None else None
        if skew is None or abs(skew) < SKEWED_FROM:
            continue
        side = "right" if skew > 0 else "left"
        text = f"'{col.name}' is skewed to the {side} (skewness {skew:.2f})"
        if skew > 0 and (col.minimum or 0) >= 0:
            text += (
                ": its long tail dominates the squared error; use Huber, or train on "
                "np.log1p(y) and predict np.expm1(output)"
            )
        else:
            text += ": its long tail dominates the squared error; use Huber"
        notes.append(text)
    return "; ".join(notes) if notes else None
