"""The scaffold core: from a target (and its features) to the text of a training script.

:func:`scaffold_script` reads the target the way ``outhead inspect`` does, works out where the
features are (a separate file, or the other columns of the target's table) and renders the
script with :func:`outhead.render.render_script`. No printing: the notes it returns are for the
CLI to show. Neither TensorFlow nor pandas is imported on this path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from outhead.errors import ColumnError, OutheadError, UsageError
from outhead.reading import is_row_index
from outhead.recommend import Recommendation
from outhead.render import FeatureSpec, HeadPlan, ScaffoldOptions, plan_head, render_script
from outhead.render_segment import SegmentPlan
from outhead.stats import Source
from outhead.text_features import (
    TextPlan,
    check_override_columns,
    text_columns_to_scan,
    text_plan,
)

if TYPE_CHECKING:
    from outhead.multi import MultiRecommendation
    from outhead.render_images import ImageOptions

STREAM_HINT_BYTES = 2_000_000_000
"""Files larger than this get a note suggesting ``--stream`` (held in memory, a table takes
several times its file size)."""


@dataclass(frozen=True)
class ScaffoldResult:
    """The rendered script and what the CLI should say about it."""

    script: str
    recommendation: Recommendation
    plan: HeadPlan | SegmentPlan
    """The head the script builds (the recommendation after ``--two-node``/``--from-logits``;
    a :class:`~outhead.render_segment.SegmentPlan` for masks)."""
    target: Source
    features: FeatureSpec
    notes: tuple[str, ...]
    """Remarks for stderr (a row index left out), one sentence each."""
    multi: MultiRecommendation | None = None
    """Several outputs (``recommendation`` and ``plan`` are then those of the first)."""


def scaffold_script(
    target_path: str,
    *,
    target_columns: Sequence[str] | None = None,
    features_path: str | None = None,
    drop: Sequence[str] = (),
    key: str | None = None,
    features_key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    task: str | None = None,
    options: ScaffoldOptions | None = None,
    script_dir: str | None = None,
    image_options: ImageOptions | None = None,
    text: Sequence[str] = (),
    categorical: Sequence[str] = (),
    outputs: bool = False,
    per_step: bool = False,
    sequence: bool = False,
) -> ScaffoldResult:
    """Recommend the head for a target and render the script that trains it.

    Args:
        target_path: the target file, or the table holding target and features.
        target_columns: the target columns (``--target``); all columns when None, which only
            makes sense with a separate features file.
        features_path: the features file, rows aligned with the target; None to take the
            features from the target's own table (every column that is not a target).
        drop: table columns that are not features (IDs).
        key, header, sep, task: the reading and inference options of ``outhead inspect``.
        features_key: NPZ features: the array to read.
        options: training options for the script.
        script_dir: the folder the script will be written to (``--out``): relative data paths
            are then written relative to it; None (stdout) keeps them relative to the current
            directory.
        image_options: ``--augment`` and ``--image-size``, for images (an image array as the
            features, or a folder of class folders as the target); ignored otherwise.
        text, categorical: ``--text`` and ``--categorical``: feature columns read as free
            text, or as categories, whatever :func:`outhead.text_features.is_free_text` says.
        outputs: each target column is its own output (``--outputs``); without it, target
            columns of mixed kinds are several outputs too (see :mod:`outhead.multi`), and the
            script is ``train_multi.py.jinja``'s.
        per_step: ``--per-step``: the target is (examples, steps) of class ids, its features
            an (examples, steps, features) array.
        sequence: ``--sequence``: the features are (n, steps[, features]) sequences, not
            images, one target row per sequence (:mod:`outhead.render_sequence`).

    Returns:
        The script, the recommendation and sources it was rendered from, and notes.

    Raises:
        UsageError: contradictory options, no feature columns left, or target and features
            files with different row counts.
        ColumnError: a ``--drop`` column that is not in the table or the features file.
        InputError, FormatError: the features file cannot be read.
        OutheadError: anything ``outhead inspect`` refuses.
    """
    options = options or ScaffoldOptions()
    image_options = image_options or _image_options()
    images = _image_scaffold(
        target_path,
        features_path,
        target_columns=target_columns,
        drop=drop,
        key=key,
        features_key=features_key,
        header=header,
        sep=sep,
        task=task,
        per_step=per_step,
        sequence=sequence,
        options=options,
        image_options=image_options,
        script_dir=script_dir,
    )
    _refuse_outputs(images is not None and outputs, target_path)
    if images is not None:
        if text or categorical:
            raise UsageError(
                "--text and --categorical apply to tables of features, not images or sequences"
            )
        return images
    if features_path is None and not target_columns:
        raise UsageError(
            "say where the features are: --features FILE, or --target COLUMN to take them from "
            "the other columns of the same table"
        )
    try:
        if target_columns or outputs:
            found = _inspect_targets(
                target_path, target_columns, key, header, sep, task, options, outputs
            )
        else:
            found = inspect_for_scaffold(
                target_path, columns=target_columns, key=key, header=header, sep=sep,
                task=task, from_logits=options.from_logits, two_node=options.two_node,
                per_step=per_step,
            )
    except OutheadError as exc:
        raise scaffold_error(exc, separate_features=features_path is not None) from None
    if not isinstance(found, tuple):
        return _scaffold_outputs(
            found, features_path, drop, features_key, options, script_dir, text, categorical
        )
    recommendation, source = found
    _refuse_map(recommendation, target_path, per_step)
    notes: list[str] = []
    if features_path is None:
        features = table_features(source, drop, notes)
    else:
        features = file_features(
            describe_feature_file(features_path, key=features_key), drop, notes
        )
        check_row_counts(recommendation.layout.n_rows, source, features.source, features_key)
    features = dataclasses.replace(
        features, text=read_text_plan(features, text, categorical, features_key)
    )
    notes.extend(features.text.evidence)
    return _render_table(recommendation, source, features, options, script_dir, notes,
                         images_options=image_options != _image_options())


def _render_table(
    recommendation: Recommendation,
    source: Source,
    features: FeatureSpec,
    options: ScaffoldOptions,
    script_dir: str | None,
    notes: list[str],
    *,
    images_options: bool,
) -> ScaffoldResult:
    """The tabular script, and the notes about the options that did not apply or the size."""
    script = render_script(
        recommendation,
        target_source=source,
        features=features,
        options=options,
        script_dir=script_dir,
    )
    plan = plan_head(recommendation, options)
    notes.extend(plan.notes)
    size = features.source.n_bytes
    if not options.stream and size is not None and size > STREAM_HINT_BYTES:
        notes.append(
            f"{features.source.path} is {size / 1e9:.1f} GB: the script loads it whole; "
            "--stream writes one that reads it in chunks, in flat memory"
        )
    if images_options:
        notes.append("--augment and --image-size apply to images; these features are a table")
    return ScaffoldResult(script, recommendation, plan, source, features, tuple(notes))


def _refuse_map(recommendation: Recommendation, target_path: str, per_step: bool) -> None:
    """A map target (one label per pixel or step) needs array features, not a table."""
    if not recommendation.layout.is_map:
        return
    raise UsageError(
        f"a {recommendation.layout.kind.value} has one label per "
        + (
            "step: its features must be an array --features X.npy of shape (n, steps, "
            "features)"
            if per_step
            else "pixel: its features must be an image array, --features IMAGES.npy of "
            "shape (n, H, W[, C])"
        ),
        path=target_path,
    )


def _inspect_targets(
    path: str,
    columns: Sequence[str] | None,
    key: str | None,
    header: bool | None,
    sep: str | None,
    task: str | None,
    options: ScaffoldOptions,
    outputs: bool,
) -> tuple[Recommendation, Source] | MultiRecommendation:
    """One target (with its source) or several outputs, by :func:`outhead.multi.inspect_targets`."""
    from outhead.multi import MultiRecommendation, inspect_targets
    from outhead.reading import ReadOptions

    read = ReadOptions(
        columns=tuple(columns) if columns else None, key=key, header=header, sep=sep
    )
    found = inspect_targets(
        path,
        read,
        outputs=outputs,
        task=task,
        from_logits=options.from_logits,
        two_node=options.two_node,
    )
    if isinstance(found, MultiRecommendation):
        return found
    stats = found.layout.stats
    if stats is None:  # pragma: no cover - inspect_target always keeps the statistics
        raise UsageError("inspect did not say how the target was read", path=path)
    return found, stats.source


def _scaffold_outputs(
    multi: MultiRecommendation,
    features_path: str | None,
    drop: Sequence[str],
    features_key: str | None,
    options: ScaffoldOptions,
    script_dir: str | None,
    text: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> ScaffoldResult:
    """The script of several outputs (``templates/train_multi.py.jinja``).

    Free text among the features is found as for one target (:func:`read_text_plan`, with
    ``--text`` and ``--categorical``), and the script reads it as words.

    Raises:
        UsageError: a target column that is also a feature column of the features file, a
            column given to both --text and --categorical, a --text column of numbers, or what
            :func:`outhead.render_multi.render_multi_script` refuses.
        ColumnError: a ``--text`` or ``--categorical`` column that is not a feature column.
    """
    from dataclasses import replace

    from outhead.render_multi import plan_outputs, render_multi_script

    first = multi.outputs[0].recommendation
    stats = first.layout.stats
    if stats is None:  # pragma: no cover - inspect_target always keeps the statistics
        raise UsageError("inspect did not say how the target was read")
    columns = tuple(o.column for o in multi.outputs)
    source = replace(stats.source, columns=columns)
    notes: list[str] = []
    if features_path is None:
        features = table_features(source, drop, notes)
    else:
        features = file_features(
            describe_feature_file(features_path, key=features_key), drop, notes
        )
        listed = features.columns or features.source.all_columns
        both = [c for c in columns if c in listed]
        if both:
            raise UsageError(
                f"column {both[0]!r} is a target and also a feature of {features_path}: the "
                f"model would read the answer; leave it out with --drop {both[0]}"
            )
        check_row_counts(first.layout.n_rows, source, features.source, features_key)
    features = replace(features, text=read_text_plan(features, text, categorical, features_key))
    notes.extend(features.text.evidence)
    plans = plan_outputs(multi, options)
    script = render_multi_script(
        multi, target_source=source, features=features, options=options, script_dir=script_dir
    )
    return ScaffoldResult(
        script, first, plans[0].plan, source, features, tuple(notes), multi=multi
    )


def _image_options() -> ImageOptions:
    from outhead.render_images import ImageOptions

    return ImageOptions()


def _sequence_scaffold(
    target_path: str, features_path: str | None, **kw: Any
) -> ScaffoldResult:
    """The sequence scaffold (``--sequence``): :mod:`outhead.render_sequence`."""
    from outhead.render_sequence import scaffold_sequence_array

    options = kw["options"]

    def recommend_target() -> tuple[Recommendation, Source]:
        try:
            return inspect_for_scaffold(
                target_path, columns=kw["target_columns"], key=kw["key"], header=kw["header"],
                sep=kw["sep"], task=kw["task"], from_logits=options.from_logits,
                two_node=options.two_node,
            )
        except OutheadError as exc:
            raise scaffold_error(exc, separate_features=True) from None

    result = ScaffoldResult(
        *scaffold_sequence_array(
            recommend_target, features_path, target_path=target_path,
            features_key=kw["features_key"], options=options,
            script_dir=kw["script_dir"], drop=kw["drop"], per_step=kw["per_step"],
        )
    )
    if kw["image_options"] != _image_options():
        note = "--augment and --image-size apply to images; these features are sequences"
        result = dataclasses.replace(result, notes=(*result.notes, note))
    return result


def _refuse_outputs(refuse: bool, target_path: str) -> None:
    if refuse:
        raise UsageError(
            "--outputs makes the columns of a table several outputs; a script of images, "
            "sequences or masks trains one target",
            path=target_path,
        )


def _image_scaffold(
    target_path: str, features_path: str | None, **kw: Any
) -> ScaffoldResult | None:
    """The image scaffold when the target is an image folder or the features are images (the
    sequence scaffold with ``sequence``)."""
    from outhead.image_arrays import image_array_shape
    from outhead.image_folder import is_image_folder

    if kw.pop("sequence", False):
        return _sequence_scaffold(target_path, features_path, **kw)
    images = {name: kw[name] for name in ("options", "image_options", "script_dir")}
    if is_image_folder(target_path):
        from outhead.scaffold_images import scaffold_image_folder

        return ScaffoldResult(
            *scaffold_image_folder(
                target_path,
                features_path=features_path,
                target_columns=kw["target_columns"],
                task=kw["task"],
                **images,
            )
        )
    if features_path is None or image_array_shape(features_path, key=kw["features_key"]) is None:
        return None
    from outhead.scaffold_images import scaffold_image_array

    options = kw["options"]

    def recommend_target() -> tuple[Recommendation, Source]:
        try:
            return inspect_for_scaffold(
                target_path,
                columns=kw["target_columns"],
                key=kw["key"],
                header=kw["header"],
                sep=kw["sep"],
                task=kw["task"],
                from_logits=options.from_logits,
                two_node=options.two_node,
                per_step=kw["per_step"],
            )
        except OutheadError as exc:
            raise scaffold_error(exc, separate_features=True) from None

    return ScaffoldResult(
        *scaffold_image_array(
            recommend_target,
            features_path,
            features_key=kw["features_key"],
            drop=kw["drop"],
            **images,
        )
    )


def inspect_for_scaffold(
    path: str,
    *,
    columns: Sequence[str] | None,
    key: str | None,
    header: bool | None,
    sep: str | None,
    task: str | None,
    from_logits: bool = False,
    two_node: bool = False,
    per_step: bool = False,
) -> tuple[Recommendation, Source]:
    """Run ``outhead inspect``'s core and return the recommendation with the target's source.

    Raises:
        OutheadError: whatever inspect refuses (missing file, a single value...).
    """
    from outhead.api import inspect_target
    from outhead.reading import ReadOptions

    read = ReadOptions(
        columns=tuple(columns) if columns else None, key=key, header=header, sep=sep,
        per_step=per_step,
    )
    recommendation = inspect_target(
        path,
        read,
        task=task,
        from_logits=from_logits,
        two_node=two_node,
    )
    stats = recommendation.layout.stats
    if stats is None:  # pragma: no cover - inspect_target always keeps the statistics
        raise UsageError("inspect did not say how the target was read", path=path)
    return recommendation, stats.source


def scaffold_error(exc: OutheadError, *, separate_features: bool) -> OutheadError:
    """An error of ``outhead inspect``'s core, worded with scaffold's options.

    When the way out is to choose other target columns (``exc.choose_columns``), say that
    scaffold chooses them with ``--target`` (of the table, or of the target file when the
    features are a separate file).
    """
    if exc.choose_columns:
        where = "the target file" if separate_features else "the table"
        exc.add_hint(f"--target COLUMN picks the target columns of {where}")
    return exc


def table_features(source: Source, drop: Sequence[str], notes: list[str]) -> FeatureSpec:
    """The feature columns of a table: every column but the targets, ``drop`` and a row index.

    Args:
        source: how the table was read (``all_columns``, and the target ``columns``).
        drop: columns to leave out.
        notes: receives a sentence when an obvious row index is left out.

    Raises:
        ColumnError: a ``drop`` column is not in the table.
        UsageError: no feature column is left.
    """
    candidates = [c for c in source.all_columns if c not in source.columns]
    columns, dropped = _feature_columns(source, candidates, drop, notes)
    if not columns:
        raise UsageError(
            "no feature columns left: the table holds only the target", path=source.path
        )
    return FeatureSpec(source, tuple(columns), in_target_file=True, dropped=tuple(dropped))


def file_features(source: Source, drop: Sequence[str], notes: list[str]) -> FeatureSpec:
    """The feature columns of a separate features file: every column but ``drop`` and a row index.

    ``columns`` stays None (every column) when nothing is left out, so the script reads the
    file as it is.

    Raises:
        ColumnError: a ``drop`` column is not in the file.
        UsageError: no feature column is left.
    """
    columns, dropped = _feature_columns(source, list(source.all_columns), drop, notes)
    if not columns:
        raise UsageError("no feature columns left in the features file", path=source.path)
    if not dropped:
        return FeatureSpec(source)
    return FeatureSpec(source, tuple(columns), dropped=tuple(dropped))


def _feature_columns(
    source: Source, candidates: list[str], drop: Sequence[str], notes: list[str]
) -> tuple[list[str], list[str]]:
    """``candidates`` without ``drop`` and an obvious row index (first column); the left-out."""
    missing = [name for name in drop if name not in source.all_columns]
    if missing:
        raise ColumnError(
            f"--drop column {missing[0]!r} not found; columns are: {', '.join(source.all_columns)}",
            path=source.path,
        )
    dropped = [name for name in drop if name in candidates]
    columns = [c for c in candidates if c not in drop]
    first = source.all_columns[0] if source.all_columns else None
    if first in columns and first is not None and is_row_index(first):
        columns.remove(first)
        dropped.append(first)
        notes.append(
            f"left out column {first!r}: it looks like a row index, not a feature "
            "(--drop chooses columns yourself)"
        )
    return columns, dropped


def check_row_counts(
    n_target: int, target: Source, features: Source, features_key: str | None
) -> None:
    """Refuse target and features files whose row counts differ (row i must describe row i).

    The target's count comes from its scan; the features file's from its header when the format
    records it (NPY, NPZ, Parquet), else from a scan of its first column.

    Raises:
        UsageError: the counts differ.
    """
    n_features = feature_row_count(features.path, key=features_key, header=features.header)
    if n_features is not None and n_features != n_target:
        raise UsageError(
            f"{features.path} has {n_features} rows and {target.path} has {n_target}: "
            "row i of the features must describe row i of the target"
        )


def feature_row_count(path: str, *, key: str | None, header: bool | None) -> int | None:
    """The data rows of a features file, as outhead reads them."""
    from outhead.reading import ReadOptions, read_schema, scan_target

    n_rows = read_schema(path, key=key).n_rows
    if n_rows is None:
        read = ReadOptions(columns=("0",), key=key, header=header)
        n_rows = scan_target(path, read, matrix=False).n_rows
    return n_rows


def read_text_plan(
    features: FeatureSpec,
    text: Sequence[str],
    categorical: Sequence[str],
    features_key: str | None,
) -> TextPlan:
    """Which feature columns are free text: the text columns are read once more, for their
    distinct values and lengths in words (:func:`outhead.text_features.text_plan`).

    Raises:
        ColumnError: a ``--text`` or ``--categorical`` column that is not a feature column.
        UsageError: a column given to both, or a ``--text`` column of numbers.
    """
    source = features.source
    names = list(features.columns if features.columns is not None else source.all_columns)
    check_override_columns(names, source, text, categorical)
    if source.path == "-":
        # Standard input is read once; render_script refuses it (the script reads it again).
        return text_plan(names, (), text=text, categorical=categorical)
    from outhead.reading import ReadOptions, read_schema, scan_target

    key = features_key if not features.in_target_file else source.key
    schema = read_schema(source.path, key=key, header=source.header)
    wanted = text_columns_to_scan(names, schema.source.all_columns, schema.types, text)
    if not wanted:
        return text_plan(names, (), text=text, categorical=categorical)
    # An exact column name always wins over an index or a glob of the same spelling.
    read = ReadOptions(columns=tuple(wanted), key=key, header=source.header, text_profile=True)
    stats = scan_target(source.path, read, matrix=False)
    return text_plan(names, stats.columns, text=text, categorical=categorical)


def describe_feature_file(path: str, *, key: str | None = None) -> Source:
    """How to read a features file (format, delimiter, header, columns), with inspect's rules.

    Only the start of the file is read (:func:`outhead.reading.read_schema`).

    Args:
        path: the features file.
        key: NPZ: the array to read (default: the only one).

    Returns:
        A :class:`Source` whose ``columns`` and ``all_columns`` are every column of the file.

    Raises:
        UsageError: ``-`` (the script must read the features again), or an NPZ without ``key``
            that holds several arrays.
        InputError, FormatError, EmptyTargetError: the file cannot be read.
    """
    if path == "-":
        raise UsageError("the features must be a file the script can read again, not '-'")
    from outhead.reading import read_schema

    return read_schema(path, key=key).source
