"""Rendering the training script for images: an image array, or a folder of class folders.

The head is the same :class:`~outhead.render.HeadPlan` the tabular script builds (the
recommendation after ``--two-node``/``--from-logits``); only the features differ. The text comes
from ``train_images.py.jinja``, which imports the head's pieces from ``_common.py.jinja``, and is
byte-stable like the tabular script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outhead.errors import TemplateError, UsageError
from outhead.image_arrays import ImageArray
from outhead.image_folder import ImageFolder
from outhead.recommend import Recommendation
from outhead.render import (
    ScaffoldOptions,
    _environment,
    _evidence,
    _positive_value,
    _warnings,
    data_path,
    plan_head,
)
from outhead.stats import MISSING_TOKENS, Source

TEMPLATE_NAME = "train_images.py.jinja"
#: At most this many Conv2D + MaxPooling2D blocks (filters 32, 64, 128, 256).
MAX_BLOCKS = 4


@dataclass(frozen=True)
class ImageOptions:
    """Options of image scripts only."""

    augment: bool = False
    """Light random augmentation of the training images, on by default in the script."""
    image_size: tuple[int, int] | None = None
    """Image folders: (height, width) to resize to; None chooses it from a sample."""

    def __post_init__(self) -> None:
        if self.image_size is not None and min(self.image_size) < 1:
            raise UsageError("--image-size takes positive sizes such as 64 or 64x48")


def render_image_script(
    recommendation: Recommendation,
    *,
    images: ImageArray | ImageFolder,
    target_source: Source | None = None,
    options: ScaffoldOptions | None = None,
    image_options: ImageOptions | None = None,
    script_dir: str | None = None,
) -> str:
    """Render the training script for images and the recommended head.

    Args:
        recommendation: the recommended head for the target (the labels of an image folder).
        images: the image array (``--features X.npy``) or the image folder.
        target_source: how the target file was read (image arrays only).
        options: training options; defaults to :class:`ScaffoldOptions` ().
        image_options: ``--augment``.
        script_dir: the folder the script is written to (see :func:`outhead.render.data_path`).

    Returns:
        The script's text, ending with a newline.

    Raises:
        UsageError: an option that does not apply, or a head the script cannot encode.
        TemplateError: the template is missing or fails to render.
    """
    options = options or ScaffoldOptions()
    image_options = image_options or ImageOptions()
    plan = plan_head(recommendation, options)
    if plan.encoding == "one-hot" and not isinstance(images, ImageArray):
        # The folder script reads class ids from the paths; it has no one-hot step (yet).
        raise UsageError(
            "--loss focal on a folder of 3 or more classes is not supported yet "
            "(CategoricalFocalCrossentropy needs one-hot labels); leave out --loss focal"
        )
    layout = recommendation.layout
    evidence, reading = _evidence(recommendation)
    enc = plan.encoding
    context: dict[str, Any] = {
        "rec": recommendation,
        "layout": layout,
        "plan": plan,
        "enc": enc,
        "regression": enc in ("standardize", "bounded"),
        "sigmoid_out": plan.probabilities == "sigmoid",
        "evidence": evidence,
        "reading": reading,
        "warnings": _warnings(recommendation, plan),
        "task": layout.task.value,
        "classes": list(layout.classes) if layout.classes is not None else None,
        "opt": options,
        "augment": image_options.augment,
        "max_blocks": MAX_BLOCKS,
        "table": False,
        "positive_value": _positive_value(layout.indicator_values),
        "string_classes": bool(layout.classes)
        and all(isinstance(c, str) for c in layout.classes or ()),
    }
    if isinstance(images, ImageArray):
        if target_source is None:  # pragma: no cover - the scaffold always passes it
            raise UsageError("an image array needs its target file")
        target_path = data_path(target_source.path, script_dir)
        images_path = data_path(images.path, script_dir)
        context.update(
            kind="arrays",
            images=images,
            target=target_source,
            target_path=target_path,
            images_path=images_path,
            target_columns=list(target_source.columns),
            missing_tokens=list(MISSING_TOKENS),
            label_tokens=sorted(
                {t for c in getattr(layout.stats, "columns", ()) for t in c.label_tokens}
            ),
            script_relative=script_dir is not None
            and (target_path.relative_to_script or images_path.relative_to_script),
        )
    else:
        if plan.encoding not in ("binary", "index"):
            raise UsageError(
                f"an image folder is a label vector; the {plan.encoding} encoding does not apply",
                path=images.path,
            )
        dirs = {
            "train_dir": data_path(images.train_dir, script_dir),
            "validation_dir": data_path(images.validation_dir, script_dir)
            if images.validation_dir
            else None,
            "test_dir": data_path(images.test_dir, script_dir) if images.test_dir else None,
        }
        context.update(
            kind="folder",
            folder=images,
            target_columns=["folder"],
            script_relative=script_dir is not None
            and any(d is not None and d.relative_to_script for d in dirs.values()),
            **dirs,
        )
    import jinja2

    try:
        text: str = _environment().get_template(TEMPLATE_NAME).render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{TEMPLATE_NAME}: {exc}") from exc
    return text
