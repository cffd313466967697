"""OH6xx: ``class_weight`` where Keras 3 cannot apply it as meant."""

from __future__ import annotations

from outhead.check.keras_names import MULTI_LABEL, REGRESSION_KINDS
from outhead.check.rules.common import HeadCtx, Hit
from outhead.layout import LayoutKind


def class_weight_on_multilabel(c: HeadCtx) -> list[Hit]:
    """OH601: ``class_weight`` on multi-hot rows (error) or soft labels (warning)."""
    kind = c.layout.kind
    if kind in MULTI_LABEL:
        return [
            Hit(
                f"class_weight on a {kind.value} target: Keras 3 silently weights each row "
                "by the argmax of y, i.e. by its first positive label only, and the other labels "
                "of the row get that weight too",
                "drop class_weight; pass per-row sample_weight, or "
                "loss=keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True)",
            )
        ]
    if kind == LayoutKind.PROBABILITIES:
        return [
            Hit(
                "class_weight on soft labels (probability rows): Keras 3 silently weights each "
                "row by its argmax, ignoring the rest of the distribution",
                "drop class_weight; pass per-row sample_weight computed from the soft labels",
                severity="warning",
            )
        ]
    return []


def class_weight_on_regression(c: HeadCtx) -> list[Hit]:
    """OH602: ``class_weight`` on a continuous target (Keras 3 rounds it to integers)."""
    if c.layout.kind not in REGRESSION_KINDS:
        return []
    return [
        Hit(
            "class_weight on a continuous target: Keras 3 silently rounds the targets to "
            "integers and weights by them (missing keys weigh 1.0)",
            "drop class_weight; pass sample_weight to model.fit if some rows matter more",
        )
    ]
