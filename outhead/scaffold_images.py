"""The scaffold for images: an image array as ``--features``, or a folder of class folders.

Called by :func:`outhead.scaffold.scaffold_script` when the features are images. The head is
decided exactly as for any target (``outhead inspect``'s recommendation); the script comes from
:func:`outhead.render_images.render_image_script`. Neither TensorFlow nor pandas is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from outhead.errors import UsageError
from outhead.image_folder import folder_layout
from outhead.recommend import Recommendation, recommend
from outhead.render import FeatureSpec, HeadPlan, ScaffoldOptions, plan_head
from outhead.render_images import ImageOptions, render_image_script
from outhead.render_segment import SegmentPlan
from outhead.stats import Source

#: What :class:`outhead.scaffold.ScaffoldResult` is made of: script, recommendation, plan,
#: target source, features, notes.
Parts = tuple[str, Recommendation, HeadPlan | SegmentPlan, Source, FeatureSpec, tuple[str, ...]]


def scaffold_image_array(
    recommend_target: Callable[[], tuple[Recommendation, Source]],
    features_path: str,
    *,
    features_key: str | None,
    options: ScaffoldOptions,
    image_options: ImageOptions,
    script_dir: str | None,
    drop: Sequence[str] = (),
) -> Parts:
    """Render the convolutional script for an image array and the target's head.

    Args:
        recommend_target: ``outhead inspect``'s recommendation for the target file, with how
            it was read (the scaffold's, worded with its options).

    Raises:
        UsageError: image and target counts differ, or ``--drop`` (an array has no columns).
        FormatError: the array is not images of 1, 3 or 4 channels.
        OutheadError: anything ``outhead inspect`` refuses about the target.
    """
    from outhead.image_arrays import describe_image_array

    if drop:
        raise UsageError("--drop names columns; an image array has none", path=features_path)
    images = describe_image_array(features_path, key=features_key)
    recommendation, source = recommend_target()
    if recommendation.layout.is_map:
        # masks (one label per pixel): the segmentation script (outhead.render_segment)
        from outhead.render_segment import scaffold_segment

        script, segment_plan, segment_notes = scaffold_segment(
            recommendation, source, images, options=options, script_dir=script_dir
        )
        return (script, recommendation, segment_plan, source,
                _array_features(features_path, images.key), segment_notes)
    n_target = recommendation.layout.n_rows
    if images.n_images != n_target:
        raise UsageError(
            f"{features_path} has {images.n_images} images and {source.path} has {n_target} "
            "rows: image i must be described by row i of the target"
        )
    script = render_image_script(
        recommendation,
        images=images,
        target_source=source,
        options=options,
        image_options=image_options,
        script_dir=script_dir,
    )
    plan = plan_head(recommendation, options)
    notes = [
        f"{features_path}: {images.n_images} images of {images.height}x{images.width}, "
        f"{images.channels} channel{'s' if images.channels > 1 else ''} ({images.dtype}); "
        f"{images.scale_text}",
    ]
    if options.stream:
        notes.append(
            "--stream applies to tables; the image script reads an array larger than memory "
            "batch by batch from its memory map already"
        )
    if images.channels_first:
        notes.append(
            f"{features_path} is channels-first {tuple(images.shape)}: the model moves the "
            "channels last itself (a Permute layer), so it takes the array as stored"
        )
    notes.extend(plan.notes)
    return (script, recommendation, plan, source, _array_features(features_path, images.key),
            tuple(notes))


def _array_features(path: str, key: str | None) -> FeatureSpec:
    """The features of an image array: the array, no columns."""
    return FeatureSpec(
        Source(path=path, format="npz" if key else "npy", columns=(), all_columns=(), key=key)
    )


def scaffold_image_folder(
    path: str,
    *,
    features_path: str | None,
    target_columns: Sequence[str] | None,
    task: str | None,
    options: ScaffoldOptions,
    image_options: ImageOptions,
    script_dir: str | None,
) -> Parts:
    """Render the script that trains on a folder of class folders.

    Raises:
        UsageError: ``--features`` or ``--target`` (the folder names are the target), a folder
            the scaffold refuses (one class, an empty class folder...).
    """
    if features_path is not None:
        raise UsageError(
            "an image folder holds its own features (the images): leave out --features",
            path=path,
        )
    if target_columns:
        raise UsageError(
            "in an image folder the class folders are the target: leave out --target", path=path
        )
    folder, layout = folder_layout(path, task=task, image_size=image_options.image_size)
    recommendation = recommend(layout, from_logits=options.from_logits, two_node=options.two_node)
    script = render_image_script(
        recommendation,
        images=folder,
        options=options,
        image_options=image_options,
        script_dir=script_dir,
    )
    plan = plan_head(recommendation, options)
    h, w = folder.image_size
    shown = ", ".join(folder.classes[:6]) + (", ..." if len(folder.classes) > 6 else "")
    notes = [
        f"{path}: {layout.n_rows} training images in {len(folder.classes)} class folders "
        f"({shown}); resized to {h}x{w} (--image-size changes it)",
        *plan.notes,
    ]
    if options.stream:
        notes.append("--stream applies to tables; image folders are read image by image")
    stats = layout.stats
    assert stats is not None
    features = FeatureSpec(stats.source)
    return script, recommendation, plan, stats.source, features, tuple(notes)
