"""The entry points: :func:`scan_target` and :func:`read_schema` open the reader a file needs."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from typing import IO

from outhead.diagnostics import Diagnostic
from outhead.errors import (
    FormatError,
    InputError,
    OutheadError,
    UsageError,
)
from outhead.reading.arrays import _NpyReader, _NpzReader
from outhead.reading.base import Schema, _note, _Reader, _sniff_format
from outhead.reading.options import Progress, ReadOptions, resolve_options
from outhead.reading.parquet import _ParquetReader
from outhead.reading.sniff import is_row_index
from outhead.reading.text import _CsvReader
from outhead.stats import (
    TargetStats,
)


def scan_target(
    path: str | os.PathLike[str],
    options: ReadOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
    batch_rows: int | None = None,
    matrix: bool = True,
) -> TargetStats:
    """Read a target file in one streaming pass and return its statistics.

    Args:
        path: the file, a directory of Parquet files, or ``-`` for CSV on standard input.
        options: how to read it (:class:`~outhead.reading.options.ReadOptions`); or give its
            fields one by one (``columns``, ``key``, ``header``, ``sep``), not both.
        columns: target column selectors: a name, a 0-based index (``"3"``, when no column has
            that name; ``"-1"`` is the last) or a glob (``label_*``). Default: every column.
        key: NPZ: the array to read (default: the only one).
        header: CSV/TSV: force the first line to be (True) or not be (False) a header; None
            detects it.
        sep: the separator inside a cell of label sets (``Kr|Xe``); None detects it.
        stdin: the binary stream read for ``-`` (default ``sys.stdin.buffer``).
        progress: called as ``progress(bytes_done, bytes_total_or_None)`` after each batch.
        batch_rows: at most this many rows per batch (tests use it to cut batches small).
        matrix: gather row-wise statistics for targets of two or more numeric columns.

    Returns:
        The statistics of the target columns, with the :class:`~outhead.stats.Source`.

    Raises:
        InputError: the file does not exist or cannot be read.
        EmptyTargetError: the file has no data rows.
        FormatError: the contents are not what the name says (not NPY, not Parquet, binary
            bytes where text was expected, a ragged CSV, an object array, bytes that are
            neither UTF-8 nor cp1252).
        ColumnError: a column selector matches nothing.
        UsageError: NPZ without ``key`` holding several arrays, or an unknown ``key``.
    """
    options = resolve_options(options, columns=columns, key=key, header=header, sep=sep)
    reader = _open_reader(path, options, stdin=stdin)
    try:
        index_note: Diagnostic | None = None
        names = list(getattr(reader, "all_columns", ()))
        if not options.columns and len(names) > 1 and is_row_index(names[0]):
            # A saved pandas index or an id column is not part of the target.
            options = dataclasses.replace(options, columns=tuple(names[1:]))
            index_note = _note(
                "row-index",
                f"left out column {names[0]!r}: it looks like a row index, not a target",
                "name the target columns to read it",
            )
        stats = reader.scan(options, progress=progress, batch_rows=batch_rows,
                            matrix=matrix)
        if index_note is not None:
            stats = dataclasses.replace(stats, notes=(index_note, *stats.notes))
        return stats
    except OutheadError as exc:
        if exc.path is None:
            exc.path = reader.display
        raise
    except UnicodeDecodeError:
        # cp1252 chosen from the first lines, a byte it does not define further on
        raise FormatError("the file is neither utf-8 nor cp1252 text; save it as utf-8",
                          path=reader.display) from None
    except Exception as exc:
        if type(exc).__module__.startswith("pyarrow") and "utf8" in str(exc).lower():
            raise FormatError("the file is not valid utf-8 text past its first lines; save it "
                              "as utf-8", path=reader.display) from None
        if type(exc).__module__.startswith("pyarrow"):
            # pyarrow's word on contents it cannot read (a type it cannot turn into text...)
            raise FormatError(f"cannot read the data: {str(exc).lower()}",
                              path=reader.display) from None
        raise
    finally:
        reader.close()


def read_schema(
    path: str | os.PathLike[str],
    options: ReadOptions | None = None,
    *,
    key: str | None = None,
    header: bool | None = None,
    stdin: IO[bytes] | None = None,
) -> Schema:
    """List every column of a file with its type, without reading the whole file.

    Args:
        path, options, key, header, stdin: as for :func:`scan_target` (the columns and the
            separator of ``options`` play no part).

    Returns:
        A :class:`Schema` (``source.columns`` and ``source.all_columns`` are every column).

    Raises:
        The errors of :func:`scan_target`, except :class:`ColumnError`.
    """
    reader = _open_reader(path, resolve_options(options, key=key, header=header), stdin=stdin)
    try:
        return reader.schema()
    except OutheadError as exc:
        if exc.path is None:
            exc.path = reader.display
        raise
    finally:
        reader.close()


def _open_reader(
    path: str | os.PathLike[str], options: ReadOptions, *, stdin: IO[bytes] | None
) -> _Reader:
    key, header = options.key, options.header
    display = os.fspath(path)
    if display == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _CsvReader(display, None, header=header, stream=stream)
    if not os.path.exists(display):
        raise InputError("no such file", path=display)
    fmt = _sniff_format(display)
    if os.path.isdir(display) and fmt == "parquet":
        return _ParquetReader(display, dataset=True)
    if not os.path.isfile(display):
        raise InputError("not a regular file", path=display)
    if not os.access(display, os.R_OK):
        raise InputError("permission denied", path=display)
    if fmt == "npy":
        return _NpyReader(display, per_step=options.per_step)
    if fmt == "npz":
        return _NpzReader(display, key=key, per_step=options.per_step)
    if options.per_step:
        raise UsageError(
            f"--per-step applies to .npy and .npz arrays of (examples, steps); this is {fmt}",
            path=display,
        )
    if fmt == "parquet":
        return _ParquetReader(display, dataset=False)
    preferred = {"csv": ",", "tsv": "\t"}.get(fmt)
    return _CsvReader(display, preferred, header=header, stream=None)
