"""The library entry points: one call from a file to a recommendation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from os import PathLike
from typing import BinaryIO

from outhead.diagnostics import Diagnostic
from outhead.layout import Layout, Task, infer_layout
from outhead.reading.options import ReadOptions, resolve_options
from outhead.recommend import Recommendation, recommend
from outhead.stats import TargetStats


def inspect_target(
    path: str | PathLike[str],
    read: ReadOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    task: Task | str | None = None,
    from_logits: bool = False,
    two_node: bool = False,
    stdin: BinaryIO | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Recommendation:
    """Read a target file, infer its layout and recommend the output head.

    Args:
        path: a CSV, TSV, NPY, NPZ or Parquet file, a directory of Parquet files, or ``-`` for
            CSV on standard input.
        read: how to read it (:class:`~outhead.reading.options.ReadOptions`), or its fields
            one by one:
        columns: target columns (names, 0-based indexes or globs); default every column.
        key: the array of an NPZ file (default: the only one).
        header: CSV/TSV: force the first line to be (True) or not be (False) a header.
        sep: the separator inside label-set cells (``Kr|Xe``); default detected.
        task: force the task (``"multiclass"``...) instead of inferring it.
        from_logits: recommend the linear-output, ``from_logits=True`` form.
        two_node: recommend 2 softmax units for a binary label vector.
        stdin: the stream to read for ``-`` (default: ``sys.stdin.buffer``).
        progress: called with (bytes read, total bytes or None) while reading.

    Returns:
        A :class:`~outhead.recommend.Recommendation`; its ``layout`` holds the evidence and its
        ``layout.stats`` the statistics that were read.

    Raises:
        outhead.errors.OutheadError: a subclass naming the file and the problem.
    """
    read = resolve_options(read, columns=columns, key=key, header=header, sep=sep)
    layout = infer_target(path, read, task=task, stdin=stdin, progress=progress)
    return recommend(layout, from_logits=from_logits, two_node=two_node)


def infer_target(
    path: str | PathLike[str],
    read: ReadOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    task: Task | str | None = None,
    stdin: BinaryIO | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Layout:
    """Read a target file and infer its :class:`~outhead.layout.Layout` (see
    :func:`inspect_target` for the arguments)."""
    read = resolve_options(read, columns=columns, key=key, header=header, sep=sep)
    from outhead.image_folder import is_image_folder

    if path != "-" and is_image_folder(str(path)):
        # One folder per class: the folder names are a label vector (outhead.image_folder).
        return _image_folder_layout(str(path), read, task)
    from outhead.reading import scan_target

    stats = scan_target(str(path), read, stdin=stdin, progress=progress)
    ignored = _ignored_options(stats, read)
    if ignored:
        stats = replace(stats, notes=(*stats.notes, *ignored))
    return infer_layout(stats, task=task)


def _ignored_options(stats: TargetStats, read: ReadOptions) -> tuple[Diagnostic, ...]:
    """Options that did nothing for this file: said, so that a typo does not pass unnoticed."""
    fmt = stats.source.format
    key, header, sep = read.key, read.header, read.sep
    out = []
    if key is not None and fmt != "npz":
        out.append(f"--key applies to .npz files; {stats.source.path} is {fmt}")
    if header is not None and fmt not in ("csv", "tsv"):
        out.append(f"--header/--no-header apply to CSV and TSV; {stats.source.path} is {fmt}")
    if sep is not None and stats.labelsets is None:
        out.append("--sep applies to a text column of label sets; no target column is one")
    return tuple(Diagnostic("option-ignored", message, None, "warning") for message in out)


def _image_folder_layout(path: str, read: ReadOptions, task: Task | str | None) -> Layout:
    """The layout of a folder of class folders, saying which reading options did nothing."""
    from outhead.image_folder import folder_layout

    layout = folder_layout(
        path, task=task.value if isinstance(task, Task) else task, image_size=None
    )[1]
    given = [
        option
        for option, value in (
            ("--column", read.columns),
            ("--key", read.key),
            ("--header/--no-header", read.header),
            ("--sep", read.sep),
        )
        if value is not None
    ]
    if not given:
        return layout
    message = f"{', '.join(given)} apply to files; {path} is a folder of class folders"
    note = Diagnostic("option-ignored", message, None, "warning")
    return replace(layout, diagnostics=(*layout.diagnostics, note))
