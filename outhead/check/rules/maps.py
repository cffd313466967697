"""OH207-OH210, OH603: a declared head against a map (one target per pixel, voxel or step).

The messages quote Keras 3.15.1 as it was run on (n, 4, 4) and (n, 4, 4, 3) targets with a
1×1 ``Conv2D`` head in ``model.fit`` (the batch axis shows as ``None``, as Keras says it).
"""

from __future__ import annotations

from outhead.check.rules.common import HeadCtx, Hit, plural
from outhead.layout import LayoutKind, balanced_class_weight
from outhead.layout.maps import sample_weight_index

_CHANNEL_KINDS = (LayoutKind.ONE_HOT_MAP, LayoutKind.MULTI_HOT_MAP, LayoutKind.PROBABILITY_MAP)
_ID_KINDS = (LayoutKind.CLASS_MAP, LayoutKind.BINARY_MASK)


def _shape(c: HeadCtx, last: int | None, batch: str = "None") -> str:
    dims = [batch, *(str(d) for d in c.layout.map_shape or ())]
    if last is not None:
        dims.append(str(last))
    return "(" + ", ".join(dims) + ")"


def _where(c: HeadCtx) -> str:
    return "step" if c.layout.per_step else "position"


def sparse_loss_on_one_hot_map(c: HeadCtx) -> list[Hit]:
    """OH207: a sparse categorical loss on one-hot (or multi-hot, soft) channels per position."""
    if c.layout.kind not in _CHANNEL_KINDS or c.family != "scce":
        return []
    k = c.layout.map_channels or c.k
    units = c.units if c.units is not None else k
    return [
        Hit(
            f"sparse categorical cross-entropy expects one class id per {_where(c)} but the "
            f"target has {k} channels per {_where(c)}: Keras 3 raises \"Argument `output` must "
            "have rank (ndim) `target.ndim - 1`. Received: target.shape="
            f'{_shape(c, k)}, output.shape={_shape(c, units)}"',
            f"{c.fix} (or keep the sparse loss on y.argmax(-1))",
        )
    ]


def categorical_loss_on_class_map(c: HeadCtx) -> list[Hit]:
    """OH208: categorical cross-entropy on class ids per position (it wants one-hot channels)."""
    if c.layout.kind not in _ID_KINDS or c.family != "cce":
        return []
    k = c.k
    units = c.units if c.units is not None else k
    if units == 1:
        return [
            Hit(
                f"categorical cross-entropy on 1 unit per {_where(c)}: the softmax of one value "
                "is 1.0, so the loss is exactly 0.0 from epoch 1",
                c.fix,
            )
        ]
    channels = c.layout.map_channels
    if channels is None:
        said = (
            'Keras 3 raises "Arguments `target` and `output` must have the same rank (ndim). '
            f'Received: target.shape={_shape(c, None)}, output.shape={_shape(c, units)}"'
        )
    else:
        said = (
            'Keras 3 raises "Arguments `target` and `output` must have the same shape. '
            f'Received: target.shape={_shape(c, channels)}, output.shape={_shape(c, units)}"'
        )
    return [
        Hit(
            f"categorical cross-entropy expects one-hot channels but the target holds one class "
            f"id per {_where(c)}: {said}",
            f"{c.fix} (or one-hot the ids: keras.utils.to_categorical(y, {k}))",
        )
    ]


def softmax_single_unit_per_position(c: HeadCtx) -> list[Hit]:
    """OH209: softmax over 1 unit per position always outputs 1.0."""
    if c.act != "softmax" or c.units != 1:
        return []
    return [
        Hit(
            f"softmax over 1 unit per {_where(c)} always outputs 1.0: Keras 3 warns \"You are "
            f"using a softmax over axis -1 of a tensor of shape {_shape(c, 1, 'None')}. This "
            "axis has size 1. The softmax operation will always return the value 1, which is "
            'likely not what you intended. Did you mean to use a sigmoid instead?"',
            c.fix,
        )
    ]


def units_mismatch_per_position(c: HeadCtx) -> list[Hit]:
    """OH210: units per position differ from the classes (or channels) of the map."""
    units, family = c.units, c.family
    if units is None or (c.act == "softmax" and units == 1):
        return []  # softmax over 1 unit: OH209
    kind = c.layout.kind
    if (kind in _CHANNEL_KINDS and family == "scce") or (kind in _ID_KINDS and family == "cce"):
        return []  # the loss is the problem: OH207, OH208
    k = c.k
    if kind == LayoutKind.BINARY_MASK:
        if units == 1 or (family == "scce" and units >= 2):
            return []  # 1 sigmoid unit, or 2 softmax units with a sparse loss: both valid
        want = "1 unit (or 2 with a sparse loss)"
    elif kind == LayoutKind.CLASS_MAP:
        if units == k or (family == "scce" and units > k):
            if units > k:
                return [Hit(
                    f"{units} units per {_where(c)} for {k} classes: {units - k} output"
                    f"{'s' if units - k > 1 else ''} never get a label and only take "
                    "probability from the real classes (Keras trains it without a message)",
                    c.fix,
                )]
            return []
        want = f"{k} units"
    else:
        width = c.layout.map_channels or 1
        if units == width:
            return []
        want = plural(width, "unit")
    if kind == LayoutKind.CLASS_MAP and family == "scce":
        said = (
            f'TensorFlow raises "Received a label value of {k - 1} which is outside the valid '
            f'range of [0, {units})"'
        )
    elif kind in _CHANNEL_KINDS and family == "cce":
        said = (
            'Keras 3 raises "Arguments `target` and `output` must have the same shape. Received: '
            f'target.shape={_shape(c, k)}, output.shape={_shape(c, units)}"'
        )
    else:
        said = f"the output {_shape(c, units)} does not match the target"
    return [
        Hit(
            f"{plural(units, 'unit')} per {_where(c)} where the map calls for {want}: {said}",
            c.fix,
        )
    ]


def class_weight_on_map(c: HeadCtx) -> list[Hit]:
    """OH603: ``class_weight`` on a map (Keras applies it per example, not per position)."""
    layout = c.layout
    if not layout.is_map:
        return []
    if layout.per_step and layout.map_channels is None:
        said = (
            "Keras 3 takes the argmax over the steps of each sequence and silently weights the "
            "whole sequence by the weight of that step's index, read as a class"
        )
    else:
        said = (
            'Keras 3 fails in fit with "TypeError: only 0-dimensional arrays can be converted '
            'to Python scalars": it looks for one class per example, and a map has one per '
            f"{_where(c)}"
        )
    if layout.class_counts and layout.kind in (*_ID_KINDS, LayoutKind.ONE_HOT_MAP):
        weights = ", ".join(f"{w:.4g}" for w in balanced_class_weight(layout.class_counts).values())
        ids = sample_weight_index(layout.kind == LayoutKind.ONE_HOT_MAP, layout.map_channels)
        fix = (
            f"drop class_weight; model.fit(x, y, sample_weight=np.array([{weights}])[{ids}]) "
            f"weights each {_where(c)} by its class"
        )
    else:
        fix = f"drop class_weight; pass a per-{_where(c)} sample_weight to model.fit"
    return [Hit(f"class_weight on a {layout.kind.value}: {said}", fix)]
