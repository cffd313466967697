"""Reading a target file: any supported format in, :class:`~outhead.stats.TargetStats` out.

:func:`scan_target` streams the file in batches (never the whole file in memory) and folds them
into statistics with :class:`~outhead.stats.StatsAccumulator`. :func:`read_schema` lists the
columns of a file and their types from its first batch only.

Formats, chosen by extension (case-insensitive), else by the first bytes:

* ``.csv`` / ``.tsv`` / ``.txt`` (also compressed: ``.gz``, ``.bz2``, ``.xz``) and ``-``
  (standard input, spooled to a temporary file): text, delimiter among ``,`` ``;`` tab ``|``
  sniffed (:func:`detect_delimiter`; lines without one outside quotes are one column, with
  ``,`` for ``.csv`` and standard input, tab for ``.tsv``), header detected
  (:func:`detect_header`), UTF-8 or else cp1252, parsed by ``pyarrow.csv`` in chunks of whole
  lines (the next chunk is parsed while the current one is counted). A column's type is fixed
  by the first chunk where it has a value; ints meeting a float later are widened, numbers
  meeting a word later make the scan start again with that column as text (a ``mixed-types``
  warning). Numbers with a decimal comma (``20,53``) in a file not delimited by ``,`` are read
  as numbers (a ``decimal-comma`` note). Bytes that are not text (a Parquet, NPY, NPZ or gzip
  file named ``.csv`` or piped in, NUL bytes, UTF-16) are refused before parsing, naming what
  they look like.
* ``.npy``: memory-mapped, ``allow_pickle=False`` (object arrays are refused).
* ``.npz``: one array (``key``, or the only one), streamed out of the archive.
* ``.parquet`` / ``.pq``, or a directory of Parquet files: read by row groups, target columns
  only.

Nothing here prints; ``progress(bytes_done, bytes_total_or_None)`` is called after each batch.
Heavy modules (numpy, pyarrow) are imported inside the functions; pandas is never imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from outhead.reading.options import Progress, ReadOptions

if TYPE_CHECKING:
    from outhead.reading.base import Schema
    from outhead.reading.scan import read_schema, scan_target
    from outhead.reading.sniff import detect_delimiter, detect_header, is_row_index, select_columns

#: Where each public name lives. Importing the package is light (the options alone): the
#: readers, and what they import, load when a name is first asked for.
_LAZY = {
    "Schema": "base",
    "scan_target": "scan",
    "read_schema": "scan",
    "detect_delimiter": "sniff",
    "detect_header": "sniff",
    "is_row_index": "sniff",
    "select_columns": "sniff",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'outhead.reading' has no attribute {name!r}")
    return getattr(importlib.import_module(f"outhead.reading.{module}"), name)


__all__ = [
    "Progress",
    "ReadOptions",
    "Schema",
    "detect_delimiter",
    "detect_header",
    "is_row_index",
    "read_schema",
    "scan_target",
    "select_columns",
]
