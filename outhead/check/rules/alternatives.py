"""OH9xx: valid heads that are not the recommended one (notes, never failures)."""

from __future__ import annotations

from dataclasses import replace

from outhead.check.rules.common import (
    HeadCtx,
    Hit,
    head_fix,
    layer_code,
    loss_code,
    recommended_head,
)
from outhead.check.rules.shapes import labels_outside
from outhead.layout import LayoutKind, Task


def two_softmax_units_sparse_binary(c: HeadCtx) -> list[Hit]:
    """OH901: 2 softmax units with a sparse loss on a binary label vector."""
    if (
        c.layout.kind != LayoutKind.LABEL_VECTOR
        or c.family != "scce"
        or c.k != 2
        or c.units != 2
        or c.act not in ("softmax", "linear")
        or labels_outside(c) is not None
    ):
        return []
    # The simpler equivalent is the binary head, whatever task the layout was read as.
    binary = replace(c.layout, task=Task.BINARY)
    return [
        Hit(
            "2 softmax units with a sparse categorical loss on a binary vector is valid; "
            "1 sigmoid unit with binary cross-entropy is the simpler equivalent",
            head_fix(recommended_head(binary, logits=c.act == "linear")),
        )
    ]


def two_softmax_units_one_hot_binary(c: HeadCtx) -> list[Hit]:
    """OH902: 2 softmax units with a categorical loss on a 2-column one-hot target."""
    if (
        c.layout.kind != LayoutKind.ONE_HOT
        or c.k != 2
        or c.units != 2
        or c.act not in ("softmax", "linear")
        or c.family != "cce"
    ):
        return []
    return [
        Hit(
            "2 softmax units with categorical cross-entropy on a 2-column one-hot target is "
            "valid; 1 sigmoid unit on column 1 with binary cross-entropy is the simpler "
            "equivalent",
            f"{layer_code(1, 'sigmoid')} on y[:, 1]; loss={loss_code('BinaryCrossentropy')}",
        )
    ]
