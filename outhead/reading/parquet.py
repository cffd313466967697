"""Parquet files, and directories of them: read by row groups, target columns only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from outhead.diagnostics import Diagnostic
from outhead.errors import (
    ColumnError,
    EmptyTargetError,
    FormatError,
)
from outhead.reading.base import Schema, _column_type, _note, _Reader, _split
from outhead.reading.options import Progress, ReadOptions
from outhead.reading.sniff import select_columns
from outhead.stats import (
    Source,
    StatsAccumulator,
    TargetStats,
)

#: Rows of a Parquet batch.
PARQUET_BATCH_ROWS = 1 << 20


#: Joins the labels of a list cell (Parquet ``list<string>``) into one label-set cell.
LIST_SEPARATOR = "|"


def _arrow_kind(arrow_type: Any) -> str | None:
    """``scalar`` for types a target column can have, ``list`` for lists of them, else None."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "list" if _arrow_kind(t.value_type) == "scalar" else None
    if pa.types.is_nested(t) or pa.types.is_union(t):
        return None
    return "scalar"


def _join_list(arr: Any, sep: str) -> Any:
    """One text cell per row from a list column: the labels joined by ``sep``. An empty list
    is an empty set of labels (``''``, counted with 0 labels); a null list is missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_fixed_size_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = arr.cast(pa.list_(arr.type.value_type))
    if pa.types.is_dictionary(arr.type.value_type):
        arr = arr.cast(pa.list_(arr.type.value_type.value_type))
    if not pa.types.is_string(arr.type.value_type):
        arr = arr.cast(pa.list_(pa.string()))
    from outhead.reading.arrow import string_array

    # a scalar taken out of an array: pa.scalar() would import pandas
    return pc.binary_join(arr, string_array([sep])[0])


def _parquet_files(directory: str) -> list[str]:
    """The Parquet files under a dataset directory, in a stable order.

    Hidden and underscore files (``_SUCCESS``, ``.crc``) are skipped, as Spark and pyarrow do.
    ``pyarrow.dataset`` is not used: importing it imports pandas.
    """
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.startswith((".", "_")):
                continue
            if name.lower().endswith((".parquet", ".pq", ".parq")):
                found.append(os.path.join(root, name))
    return found


class _ParquetReader(_Reader):
    """One Parquet file, or a directory of them read one after the other as one target."""

    def __init__(self, display: str, *, dataset: bool) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.display = display
        self.files = _parquet_files(display) if dataset else [display]
        if not self.files:
            raise EmptyTargetError("the directory holds no parquet files", path=display)
        self.parts: list[Any] = []
        names: list[str] = []
        types: dict[str, Any] = {}
        for f in self.files:
            try:
                pf = pq.ParquetFile(f)
            except (pa.ArrowInvalid, OSError) as exc:
                what = f"a parquet file ({os.path.relpath(f, display)})" if dataset else (
                    "a parquet file"
                )
                raise FormatError(f"not {what}: {str(exc).lower()}", path=display) from None
            self.parts.append(pf)
            for field in pf.schema_arrow:
                if field.name not in types:
                    names.append(field.name)
                    types[field.name] = field.type
        self.all_columns = names
        self.arrow_types = [types[n] for n in names]
        self.n_bytes = sum(os.path.getsize(f) for f in self.files)
        self.num_rows = sum(pf.metadata.num_rows for pf in self.parts)
        if self.num_rows == 0:
            raise EmptyTargetError("the file has no rows", path=display)

    def close(self) -> None:
        for pf in self.parts:
            pf.close()

    def _source(self, targets: Sequence[str]) -> Source:
        return Source(path=self.display, format="parquet", columns=tuple(targets),
                      all_columns=tuple(self.all_columns), n_bytes=self.n_bytes)

    def schema(self) -> Schema:
        types = tuple(_column_type(t) for t in self.arrow_types)
        return Schema(self._source(self.all_columns), types, n_rows=self.num_rows)

    def scan(
        self,
        options: ReadOptions,
        *,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        selectors, sep = options.columns, options.sep
        import pyarrow as pa

        idx = select_columns(self.all_columns, selectors, path=self.display)
        targets = [self.all_columns[i] for i in idx]
        size = min(batch_rows, PARQUET_BATCH_ROWS) if batch_rows else PARQUET_BATCH_ROWS
        acc = StatsAccumulator(targets, matrix=matrix, separator=sep,
                               text_profile=options.text_profile)
        done = 0
        lists = set()
        notes: list[Diagnostic] = []
        for t in targets:
            kind = _arrow_kind(self.arrow_types[self.all_columns.index(t)])
            if kind == "list":
                lists.add(t)
            elif kind is None:
                typ = self.arrow_types[self.all_columns.index(t)]
                raise ColumnError(f"column {t!r} has type {typ}, which cannot be a target",
                                  path=self.display)
        if lists and len(targets) == 1 and sep is None:
            # a list column is a label set per row: its cells are joined with "|" to be counted
            sep = LIST_SEPARATOR
            notes.append(_note("labelset-list", f"column {targets[0]!r} holds lists: read as "
                               "sets of labels"))
            # labels out of a list are exact: an empty list is an empty set, not a missing cell
            acc = StatsAccumulator(targets, matrix=matrix, separator=sep, missing_tokens=(),
                                   text_profile=options.text_profile)
        try:
            for pf in self.parts:
                have = [t for t in targets if t in pf.schema_arrow.names]
                for batch in pf.iter_batches(batch_size=size, columns=have):
                    n = batch.num_rows
                    cols = [
                        (_join_list(batch.column(have.index(t)), sep or LIST_SEPARATOR)
                         if t in lists else batch.column(have.index(t)))
                        if t in have else pa.nulls(n)
                        for t in targets
                    ]
                    for start, stop in _split(batch_rows, n):
                        acc.add_columns([c.slice(start, stop - start) for c in cols])
                    done += n
                    if progress is not None:
                        progress(int(self.n_bytes * done / self.num_rows), self.n_bytes)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FormatError(f"cannot read the parquet data: {str(exc).lower()}",
                              path=self.display) from None
        return acc.result(self._source(targets), notes)
