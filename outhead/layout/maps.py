"""Maps: one target per position of an example (pixel, voxel, step).

The readers fold every position of every example as one row of statistics, so the ordinary
inference (:func:`outhead.layout.infer_layout`) reads what one position holds: a class id, a 0/1
value, one-hot or multi-hot channels, real values. :func:`as_map` turns that reading into the
layout of the map: its kind, the positions of one example, examples as ``n_rows``, and evidence
worded for positions.
"""

from __future__ import annotations

import re
from dataclasses import replace

from outhead.diagnostics import Diagnostic
from outhead.layout.model import EvidenceRole, Layout, LayoutKind, Task, _num, format_label
from outhead.layout.rules import balanced_class_weight
from outhead.stats import TargetStats, Value

#: The kind of map for each kind of position reading.
_KIND = {
    LayoutKind.ONE_HOT: LayoutKind.ONE_HOT_MAP,
    LayoutKind.MULTI_HOT: LayoutKind.MULTI_HOT_MAP,
    LayoutKind.PROBABILITIES: LayoutKind.PROBABILITY_MAP,
    LayoutKind.CONTINUOUS: LayoutKind.CONTINUOUS_MAP,
    LayoutKind.MULTI_CONTINUOUS: LayoutKind.CONTINUOUS_MAP,
    LayoutKind.BOUNDED: LayoutKind.BOUNDED_MAP,
}

#: A continuous map whose whole-number values cover at least this share of the positions, with
#: few distinct values, is probably a class mask that was resized with interpolation.
INTERPOLATED_SHARE = 0.9
INTERPOLATED_MAX_DISTINCT = 64

_TASK_LINE = {
    LayoutKind.BINARY_MASK: "one 0/1 value per position: a binary mask, 1 sigmoid unit per "
    "position gives P(1)",
    LayoutKind.CLASS_MAP: "one class id per position: a class map, one softmax over the {k} "
    "classes per position",
    LayoutKind.ONE_HOT_MAP: "a channel axis of {k} one-hot classes: one softmax over {k} units "
    "per position",
    LayoutKind.MULTI_HOT_MAP: "{k} independent 0/1 channels per position (masks may overlap): "
    "{k} sigmoid units per position",
    LayoutKind.PROBABILITY_MAP: "{k} channels summing to 1 at every position (soft masks): one "
    "softmax over {k} units per position",
    LayoutKind.CONTINUOUS_MAP: "real values per position: a linear output per position",
    LayoutKind.BOUNDED_MAP: "values within [0, 1] that are not 0/1 labels: a sigmoid output per "
    "position",
}

#: Per-step labels (``--per-step``) are not masks: the lines that say so, worded for steps.
_STEP_TASK_LINE = {
    LayoutKind.BINARY_MASK: "one 0/1 value per step: a binary label per step, 1 sigmoid unit "
    "per step gives P(1)",
    LayoutKind.MULTI_HOT_MAP: "{k} independent 0/1 channels per step (labels may overlap): "
    "{k} sigmoid units per step",
    LayoutKind.PROBABILITY_MAP: "{k} channels summing to 1 at every step (soft labels): one "
    "softmax over {k} units per step",
}


def positions_text(text: str, per_step: bool = False) -> str:
    """A sentence about rows, about positions (the statistics of a map are over positions), or
    about steps for per-step labels (``--per-step``: the positions are the steps)."""
    text = re.sub(r"\brow\b", "position", re.sub(r"\brows\b", "positions", text))
    return steps_text(text) if per_step else text


def steps_text(text: str) -> str:
    """A sentence about the positions of a map, about the steps of per-step labels."""
    return re.sub(r"\bposition\b", "step", re.sub(r"\bpositions\b", "steps", text))


def where_word(per_step: bool, plural: bool = False) -> str:
    """What one target of a map is attached to: ``position`` (pixels, voxels) or ``step``."""
    word = "step" if per_step else "position"
    return word + "s" if plural else word


def shape_text(shape: tuple[int, ...]) -> str:
    """``32×32`` (positions) or ``50`` (steps)."""
    return "×".join(str(d) for d in shape)


def as_map(base: Layout, stats: TargetStats, forced: Task | None) -> Layout:
    """The layout of a map from inference's reading of its positions (``base``).

    Raises:
        TargetError: a single example.
        UsageError: ``--per-step`` on values that are not class ids, or label sets in a map.
    """
    from outhead.errors import TargetError, UsageError

    source = stats.source
    geometry = source.map_geometry()
    assert geometry is not None and source.shape is not None
    positions, channels = geometry
    n = source.shape[0]
    path = source.path
    if n == 1:
        raise TargetError(
            f"only 1 example of shape {tuple(source.shape[1:])}: a single example is nothing "
            "to learn from",
            path=path,
            reason="single-row",
        )
    kind = _map_kind(base)
    if kind is None:
        raise UsageError("a map of label sets is not supported; save one-hot or multi-hot "
                         "channels", path=path)
    if source.per_step and kind in (LayoutKind.CONTINUOUS_MAP, LayoutKind.BOUNDED_MAP):
        raise UsageError(
            "--per-step expects one integer class id per step (or one-hot steps), but the "
            f"values are not whole numbers ({_non_integer_example(stats)}); drop --per-step "
            "to read the array as rows x columns",
            path=path,
        )
    lines, roles = _evidence(base, kind, source.shape, positions, channels, source.per_step)
    diagnostics = tuple(_diagnostic(d, base, channels, source.per_step) for d in base.diagnostics)
    interpolated = _interpolated(stats, kind)
    if interpolated is not None:
        diagnostics = (*diagnostics, interpolated)
    n_outputs = 1 if kind == LayoutKind.BINARY_MASK else base.n_outputs
    return replace(
        base,
        kind=kind,
        task=Task.BINARY if kind == LayoutKind.BINARY_MASK else base.task,
        n_rows=n,
        n_outputs=n_outputs,
        evidence=lines,
        evidence_roles=roles,
        diagnostics=diagnostics,
        runner_up=positions_text(base.runner_up, source.per_step) if base.runner_up else None,
        map_shape=tuple(positions),
        map_channels=channels,
        per_step=source.per_step,
    )


def _map_kind(base: Layout) -> LayoutKind | None:
    if base.kind == LayoutKind.LABEL_VECTOR:
        values = set(base.classes or ())
        zero_one = values in ({0, 1}, {False, True})
        if base.task == Task.BINARY and zero_one:
            return LayoutKind.BINARY_MASK
        return LayoutKind.CLASS_MAP
    if base.kind == LayoutKind.BOUNDED or (
        base.kind == LayoutKind.MULTI_CONTINUOUS
        and base.target_range is not None
        and base.target_range[0] >= 0
        and base.target_range[1] <= 1
    ):
        return LayoutKind.BOUNDED_MAP
    return _KIND.get(base.kind)


def _evidence(
    base: Layout,
    kind: LayoutKind,
    shape: tuple[int, ...],
    positions: tuple[int, ...],
    channels: int | None,
    per_step: bool,
) -> tuple[tuple[str, ...], tuple[EvidenceRole | None, ...]]:
    n = shape[0]
    where = where_word(per_step, plural=True)
    axis = (
        "no channel axis" if channels is None else f"a channel axis of {channels}"
    )
    total = n
    for d in positions:
        total *= d
    lines: list[str] = [
        f"an array of shape {tuple(shape)}: {_num(n)} examples of {shape_text(positions)} "
        f"{where}, {axis}; the statistics are over its {_num(total)} {where}"
    ]
    roles: list[EvidenceRole | None] = [None]
    for line, role in zip(base.evidence, base.evidence_roles or (None,) * len(base.evidence),
                          strict=False):
        if role in ("values", "classes", "range", "forced"):
            lines.append(positions_text(line, per_step))
            roles.append(role)
    k = base.n_outputs
    if per_step:
        lines.append(steps_text(_STEP_TASK_LINE.get(kind, _TASK_LINE[kind]).format(k=k)))
    else:
        lines.append(_TASK_LINE[kind].format(k=k))
    roles.append("task")
    share = background_share(base)
    if share is not None:
        label, frac = share
        lines.append(
            f"the most frequent class, {format_label(label)}, covers {frac:.1%} of {where}"
            + (" (the background)" if frac >= 0.5 else "")
            + f": predicting it everywhere scores {frac:.1%} per-"
            f"{'step' if per_step else 'pixel'} accuracy"
        )
        roles.append("classes")
    return tuple(lines), tuple(roles)


def background_share(layout: Layout) -> tuple[Value, float] | None:
    """(the most frequent class, its share of positions) of a class map, mask or one-hot map."""
    counts, classes = layout.class_counts, layout.classes
    if not counts or not classes or layout.kind == LayoutKind.MULTI_HOT_MAP:
        return None
    if layout.kind in (LayoutKind.MULTI_HOT, LayoutKind.PROBABILITIES):
        return None
    total = sum(counts)
    if total == 0:
        return None
    i = max(range(len(counts)), key=lambda j: counts[j])
    return classes[i], counts[i] / total


def position_weights(layout: Layout) -> dict[int, float] | None:
    """Balanced per-class weights for per-position ``sample_weight`` (imbalanced maps only)."""
    if layout.kind not in (LayoutKind.CLASS_MAP, LayoutKind.BINARY_MASK, LayoutKind.ONE_HOT_MAP):
        return None
    if not layout.class_counts or not any(d.code == "class-imbalance" for d in layout.diagnostics):
        return None
    return balanced_class_weight(layout.class_counts)


def _diagnostic(d: Diagnostic, base: Layout, channels: int | None, per_step: bool) -> Diagnostic:
    """A diagnostic of the position reading, worded for a map (and its fix for one): about
    positions, or steps for per-step labels."""
    if d.code == "class-imbalance" and base.class_counts:
        weights = balanced_class_weight(base.class_counts)
        shown = ", ".join(f"{w:.4g}" for w in weights.values())
        ids = sample_weight_index(base.kind == LayoutKind.ONE_HOT, channels)
        return replace(
            d,
            message=positions_text(d.message, per_step),
            fix=(
                f"weight each {where_word(per_step)}: sample_weight = np.array([{shown}])[{ids}] "
                "(class_weight does not apply to maps); watch the IoU, not accuracy"
            ),
        )
    return replace(d, message=positions_text(d.message, per_step),
                   fix=positions_text(d.fix, per_step) if d.fix else None)


def sample_weight_index(one_hot: bool, channels: int | None) -> str:
    """How the class ids of each position come out of ``y`` (to index the class weights)."""
    if one_hot:
        return "y.argmax(-1)"
    return "y[..., 0]" if channels == 1 else "y"


def _non_integer_example(stats: TargetStats) -> str:
    for col in stats.columns:
        for v in (col.counts or {}):
            if isinstance(v, float) and not v.is_integer():
                return f"e.g. {v:g}"
    col = stats.columns[0]
    return f"from {col.minimum} to {col.maximum}"


def _interpolated(stats: TargetStats, kind: LayoutKind) -> Diagnostic | None:
    """A warning when a continuous map looks like a class mask resized with interpolation."""
    if kind not in (LayoutKind.CONTINUOUS_MAP, LayoutKind.BOUNDED_MAP) or len(stats.columns) != 1:
        return None
    col = stats.columns[0]
    counts = col.counts
    if counts is None or len(counts) > INTERPOLATED_MAX_DISTINCT:
        return None
    total = sum(counts.values())
    whole = sum(c for v, c in counts.items() if isinstance(v, (int, float)) and
                float(v).is_integer())
    if total == 0 or whole == total or whole / total < INTERPOLATED_SHARE:
        return None
    odd = sorted(float(v) for v in counts if not float(v).is_integer())
    shown = ", ".join(f"{v:g}" for v in odd[:4]) + (" ..." if len(odd) > 4 else "")
    return Diagnostic(
        "non-integer-classes",
        f"{1 - whole / total:.1%} of positions hold values that are not whole numbers ({shown}) "
        f"among {len(counts)} distinct values: read as a continuous map, but this looks like a "
        "class mask resized with interpolation",
        "if these are class ids, resize masks with nearest-neighbour interpolation, or round "
        "them: y = np.rint(y).astype('int64')",
        "warning",
    )
