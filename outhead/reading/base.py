"""What every reader shares: the reader interface, the schema, opening and sniffing files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from outhead.diagnostics import Diagnostic
from outhead.errors import (
    FormatError,
    InputError,
)
from outhead.reading.options import Progress, ReadOptions
from outhead.stats import (
    ColumnType,
    Source,
    TargetStats,
)

#: Bytes of a binary (NPY, NPZ) batch.
BINARY_BATCH_BYTES = 8 << 20


_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class Schema:
    """The columns of a file and their types, from its first batch (no statistics).

    ``types`` holds one :data:`~outhead.stats.ColumnType` per column of ``source.all_columns``:
    for CSV it is what pyarrow infers from the first chunk (a later chunk may widen it);
    ``n_rows`` is known for binary formats and None for text.
    """

    source: Source
    types: tuple[ColumnType, ...]
    n_rows: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source.to_dict(),
            "columns": [
                {"name": n, "type": t}
                for n, t in zip(self.source.all_columns, self.types, strict=True)
            ],
            "n_rows": self.n_rows,
        }


def _list_names(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown


def _note(code: str, message: str, fix: str | None = None) -> Diagnostic:
    return Diagnostic(code=code, message=message, fix=fix, severity="note")


def _column_type(arrow_type: Any) -> ColumnType:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_null(arrow_type):
        return "empty"
    return "string"


def _numpy_column_type(dtype: Any) -> ColumnType:
    types: dict[str, ColumnType] = {"i": "integer", "u": "integer", "f": "float", "b": "bool"}
    return types.get(dtype.kind, "string")


_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}


def _compression(path: str) -> str | None:
    """``gzip``/``bz2``/``xz`` for compressed text (``y.csv.gz``), else None."""
    return _COMPRESSED.get(os.path.splitext(path)[1].lower())


def _open_binary(path: str, compression: str | None, *, raw: bool = False) -> Any:
    """The file as a stream of bytes, decompressed on the fly when it is compressed.

    ``raw``: unbuffered, for reads straight into the caller's buffer (``readinto``)."""
    if compression == "gzip":
        import gzip

        return gzip.open(path, "rb")
    if compression == "bz2":
        import bz2

        return bz2.open(path, "rb")
    if compression == "xz":
        import lzma

        return lzma.open(path, "rb")
    return open(path, "rb", buffering=0 if raw else -1)


def _sniff_format(path: str) -> str:
    if os.path.isdir(path):
        return "parquet"
    if _compression(path) is not None:
        inner = os.path.splitext(os.path.splitext(path)[0])[1].lower()
        if _EXTENSIONS.get(inner, "text") not in ("csv", "tsv", "text"):
            raise FormatError(
                f"compressed {inner} files are not supported; only compressed text (csv, tsv)",
                path=path,
            )
        return _EXTENSIONS.get(inner, "text")
    ext = os.path.splitext(path)[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        reason = str(exc.strerror or exc).lower()
        raise InputError(f"cannot read the file: {reason}", path=path) from None
    if magic.startswith(b"\x93NUMPY"):
        return "npy"
    if magic.startswith(b"PK\x03\x04"):
        return "npz"
    if magic.startswith(b"PAR1"):
        return "parquet"
    return "text"


class _Reader:
    """A file opened for reading: its columns, then its batches."""

    display: str
    _text_profile: bool = False
    """The scan under way gathers TextStats (``ReadOptions.text_profile``)."""

    def scan(
        self,
        options: ReadOptions,
        *,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        """The statistics of the target columns of ``options`` (its separator for label
        sets); ``progress`` is called after each batch."""
        raise NotImplementedError

    def schema(self) -> Schema:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _split(batch_rows: int | None, n: int) -> Iterator[tuple[int, int]]:
    step = n if not batch_rows or batch_rows >= n else batch_rows
    for start in range(0, n, max(step, 1)):
        yield start, min(n, start + step)


#: Magic bytes of binary formats a text file may turn out to be: (what it is, its extension).
_MAGIC: tuple[tuple[bytes, str, str | None], ...] = (
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"\x93NUMPY", "an NPY file", ".npy"),
    (b"PK\x03\x04", "a zip archive (NPZ)", ".npz"),
    (b"\x1f\x8b", "a gzip file", ".csv.gz"),
    (b"BZh", "a bzip2 file", ".csv.bz2"),
    (b"\xfd7zXZ\x00", "an xz file", ".csv.xz"),
    (b"\xff\xfe", "utf-16 text", None),
    (b"\xfe\xff", "utf-16 text", None),
)


def _binary_kind(raw: bytes, compression: str | None) -> tuple[str, str | None] | None:
    """What the first bytes of a supposed text file look like when they are not text."""
    for magic, name, ext in _MAGIC:
        if raw.startswith(magic):
            if magic == b"BZh" and not raw[3:4].isdigit():
                continue  # a text file may start with "BZh"
            return name, ext
    if b"\x00" in raw:
        return "a binary file", None
    return None
