"""The scaffold for masks: a map target (class ids, a 0/1 mask or one-hot channels per pixel)
with an array of images as ``--features``.

The head is the map's recommendation (:func:`outhead.recommend.head_for`: a 1×1 ``Conv2D``);
the body is a small U-Net-like encoder-decoder sized from the images' height and width. The text
comes from ``train_segment.py.jinja``, which imports the shared pieces of ``_common.py.jinja``.
Neither TensorFlow nor pandas is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outhead.errors import TemplateError, UsageError
from outhead.image_arrays import ImageArray
from outhead.layout import LayoutKind
from outhead.recommend import Head, MetricSpec, Recommendation
from outhead.render import ScaffoldOptions, _environment, _evidence, data_path
from outhead.stats import Source

TEMPLATE_NAME = "train_segment.py.jinja"
#: At most this many down-sampling levels in the encoder (and as many up-sampling ones).
MAX_LEVELS = 3
#: A level halves the height and width; it is added while both stay even and at least this.
MIN_SIDE = 4
#: Filters of the first level; each level below doubles them.
BASE_FILTERS = 16

#: The map layouts the segmentation script trains (inspect and check read the others too).
SCAFFOLD_KINDS = (
    LayoutKind.CLASS_MAP, LayoutKind.BINARY_MASK, LayoutKind.ONE_HOT_MAP, LayoutKind.MULTI_HOT_MAP,
)


@dataclass(frozen=True)
class SegmentPlan:
    """The head the script builds, with what ``_common.py.jinja``'s macros read of a plan."""

    head: Head
    metrics: tuple[MetricSpec, ...]
    decision: str
    threshold: float | None
    n_classes: int
    """Classes of a pixel (2 for a 0/1 mask)."""

    @property
    def from_logits(self) -> bool:
        return self.head.from_logits

    @property
    def activation(self) -> str:
        return self.head.activation

    @property
    def units(self) -> int:
        return self.head.units

    @property
    def loss_class(self) -> str:
        return self.head.loss_class

    def layer_code(self) -> str:
        return self.head.layer_code(bare_linear=True)

    def loss_code(self) -> str:
        return self.head.loss_code()

    @property
    def metric_code(self) -> tuple[str, ...]:
        return tuple(m.code(named=True) for m in self.metrics)


def levels_for(height: int, width: int) -> int:
    """Down-sampling levels of the U-Net: halve while both sides stay even and >= MIN_SIDE."""
    levels = 0
    while (
        levels < MAX_LEVELS
        and height % 2 == 0
        and width % 2 == 0
        and min(height, width) // 2 >= MIN_SIDE
    ):
        height, width, levels = height // 2, width // 2, levels + 1
    return levels


def _levels(per_step: bool, features: ImageArray) -> int:
    """Levels of the U-Net: over height and width, or over the steps of a sequence."""
    if per_step:
        return levels_for(features.height, features.height)
    return levels_for(features.height, features.width)


def check_pairing(rec: Recommendation, images: ImageArray, masks: Source) -> None:
    """Refuse masks that cannot label these images: counts, spatial shape, kind.

    Raises:
        UsageError: one line naming both files and the problem.
    """
    layout = rec.layout
    shape = layout.map_shape or ()
    if not layout.per_step and len(shape) != 2:
        raise UsageError(
            f"the scaffold trains 2-D masks of (n, H, W) pixels and per-step labels; maps of "
            f"shape {tuple(shape)} are read by inspect and check only",
            path=masks.path,
        )
    if layout.kind not in SCAFFOLD_KINDS:
        raise UsageError(
            f"the scaffold trains class maps, 0/1 masks, one-hot and multi-hot maps; a "
            f"{layout.kind.value} "
            "is read by inspect and check only",
            path=masks.path,
        )
    if layout.per_step:
        _check_steps(layout.n_rows, shape[0], images, masks)
        return
    if images.n_images != layout.n_rows:
        raise UsageError(
            f"{images.path} has {images.n_images} images and {masks.path} has {layout.n_rows} "
            "masks: mask i must label image i"
        )
    if images.channels_first:
        raise UsageError(
            f"{images.path} is channels-first {tuple(images.shape)}; save the images "
            "channels-last (n, H, W, C) so that pixel (i, j) of an image and of its mask match"
        )
    if (images.height, images.width) != tuple(shape):
        raise UsageError(
            f"{images.path} holds images of {images.height}x{images.width} and {masks.path} "
            f"masks of {shape[0]}x{shape[1]}: pixel (i, j) of a mask must label pixel (i, j) of "
            "its image"
        )
    if layout.indicator_values not in (None, (0.0, 1.0)):
        raise UsageError("the scaffold trains 0/1 channels; map the channels to 0/1 first",
                         path=masks.path)
    if layout.needs_mapping and any(isinstance(c, str) for c in layout.classes or ()):
        raise UsageError("the scaffold trains masks of integer or bool class ids, not text",
                         path=masks.path)


def _check_steps(n: int, steps: int, features: ImageArray, labels: Source) -> None:
    """Per-step labels (n, T) need features (n, T, F): one vector per step."""
    if len(features.shape) != 3:
        raise UsageError(
            f"{features.path} has shape {tuple(features.shape)}; per-step labels need features "
            "of shape (examples, steps, features per step)"
        )
    if features.shape[0] != n:
        raise UsageError(
            f"{features.path} has {features.shape[0]} examples and {labels.path} has {n}: "
            "labels i must label the steps of example i"
        )
    if features.shape[1] != steps:
        raise UsageError(
            f"{features.path} has {features.shape[1]} steps per example and {labels.path} "
            f"{steps}: step t of the labels must label step t of the features"
        )


def plan_segment(rec: Recommendation) -> SegmentPlan:
    """The head of the script: the recommendation's, with its decision rule."""
    layout = rec.layout
    k = 2 if layout.kind == LayoutKind.BINARY_MASK else rec.head.units
    # The script compares probabilities (it applies the sigmoid to logits first): 0.5.
    threshold = 0.5 if rec.decision in ("threshold", "per-label-threshold") else None
    return SegmentPlan(rec.head, rec.metrics, rec.decision, threshold, k)


def render_segment_script(
    rec: Recommendation,
    *,
    images: ImageArray,
    target_source: Source,
    options: ScaffoldOptions,
    script_dir: str | None,
) -> str:
    """Render the segmentation script (see :func:`scaffold_segment`)."""
    layout = rec.layout
    plan = plan_segment(rec)
    evidence, reading = _evidence(rec)
    target_path = data_path(target_source.path, script_dir)
    images_path = data_path(images.path, script_dir)
    classes = list(layout.classes or ())
    ids = list(range(len(classes)))
    context: dict[str, Any] = {
        "rec": rec,
        "layout": layout,
        "plan": plan,
        "evidence": evidence,
        "reading": reading,
        "warnings": [d.message for d in rec.diagnostics if d.severity == "warning"],
        "task": layout.task.value,
        "classes": classes,
        "kind": layout.kind.value,
        "binary": layout.kind == LayoutKind.BINARY_MASK,
        "one_hot": layout.kind == LayoutKind.ONE_HOT_MAP,
        "multi_hot": layout.kind == LayoutKind.MULTI_HOT_MAP,
        "channel_axis": layout.map_channels,
        "map_classes": [
            (int(c) if not isinstance(c, str) else c) for c in classes
        ] if layout.kind not in (LayoutKind.ONE_HOT_MAP, LayoutKind.MULTI_HOT_MAP) else ids,
        "needs_mapping": layout.kind == LayoutKind.CLASS_MAP
        and [c for c in classes if not isinstance(c, str)] != ids,
        "position_weight": list(rec.position_weight.values()) if rec.position_weight else None,
        "opt": options,
        "images": images,
        "target": target_source,
        "target_path": target_path,
        "images_path": images_path,
        "levels": _levels(layout.per_step, images),
        "sequence": layout.per_step,
        "base_filters": BASE_FILTERS,
        "max_levels": MAX_LEVELS,
        "min_side": MIN_SIDE,
        "script_relative": script_dir is not None
        and (target_path.relative_to_script or images_path.relative_to_script),
    }
    import jinja2

    try:
        text: str = _environment().get_template(TEMPLATE_NAME).render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{TEMPLATE_NAME}: {exc}") from exc
    return text


def scaffold_segment(
    rec: Recommendation,
    source: Source,
    images: ImageArray,
    *,
    options: ScaffoldOptions,
    script_dir: str | None,
) -> tuple[str, SegmentPlan, tuple[str, ...]]:
    """The segmentation script for masks ``source`` of the images ``images``.

    Returns:
        (the script, its head plan, notes for stderr).

    Raises:
        UsageError: masks that cannot label the images (see :func:`check_pairing`), or an
            option of the tabular scripts that does not apply.
    """
    check_pairing(rec, images, source)
    if options.two_node or options.distribute or options.stream:
        raise UsageError("--two-node, --distribute and --stream do not apply to masks")
    script = render_segment_script(
        rec, images=images, target_source=source, options=options, script_dir=script_dir
    )
    plan = plan_segment(rec)
    levels = _levels(rec.layout.per_step, images)
    if rec.layout.per_step:
        return script, plan, (
            f"{images.path}: {images.n_images} examples of {images.height} steps x "
            f"{images.width} features ({images.dtype})",
            f"{source.path}: {rec.layout.kind.value} of {images.height} steps; a 1-D U-Net of "
            f"{levels} level{'s' if levels != 1 else ''} and {plan.layer_code()} per step",
        )
    notes = (
        f"{images.path}: {images.n_images} images of {images.height}x{images.width}, "
        f"{images.channels} channel{'s' if images.channels > 1 else ''} ({images.dtype}); "
        f"{images.scale_text}",
        f"{source.path}: {rec.layout.kind.value} of {images.height}x{images.width}; a U-Net of "
        f"{levels} level{'s' if levels != 1 else ''} and {plan.layer_code()} per pixel",
    )
    return script, plan, notes
