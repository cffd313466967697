"""NumPy files: ``.npy`` memory-mapped, one array of an ``.npz`` streamed out of the archive."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import IO, Any

from outhead.errors import (
    EmptyTargetError,
    FormatError,
    UsageError,
)
from outhead.reading.base import (
    BINARY_BATCH_BYTES,
    Schema,
    _list_names,
    _numpy_column_type,
    _Reader,
)
from outhead.reading.options import Progress, ReadOptions
from outhead.reading.sniff import select_columns
from outhead.stats import (
    Format,
    Source,
    StatsAccumulator,
    TargetStats,
)

#: The highest rank read: 3 to 5 are maps, examples first ((n, H, W), (n, H, W, C), (n, D, H,
#: W, C)); from 6 on an array is refused (a batch of volumes over time is not a target layout).
MAX_RANK = 5


def _array_columns(shape: tuple[int, ...], dtype: Any, display: str,
                   per_step: bool = False) -> list[str]:
    """The columns of an array as read: its columns, or for a map the channels of a position."""
    if dtype.hasobject:
        raise FormatError(
            "object arrays are refused: reading them would unpickle code (save the labels as "
            "strings, numbers or bools)",
            path=display,
        )
    if dtype.names:
        raise FormatError("structured arrays are not supported; save one plain array",
                          path=display)
    if dtype.kind not in "biufUS":
        raise FormatError(
            f"arrays of dtype {dtype} are not supported; expected numbers, bools or strings",
            path=display,
        )
    if len(shape) == 0 or len(shape) > MAX_RANK:
        raise FormatError(
            f"arrays of {len(shape)} dimensions are not supported; expected 1 (a vector), 2 "
            f"(rows x columns) or 3 to {MAX_RANK} (maps: examples x positions, channels last)",
            path=display,
        )
    if per_step and len(shape) not in (2, 3):
        raise FormatError(
            f"--per-step reads (examples, steps) or (examples, steps, classes) arrays; this one "
            f"has {len(shape)} dimension{'s' if len(shape) != 1 else ''} {tuple(shape)}",
            path=display,
        )
    if shape[0] == 0 or 0 in shape[1:]:
        what = "rows" if len(shape) <= 2 and not per_step else "examples or positions"
        raise EmptyTargetError(f"the array has no {what} (shape {tuple(shape)})", path=display)
    if len(shape) == 1:
        return ["0"]
    if len(shape) == 2:
        return ["0"] if per_step else [str(j) for j in range(shape[1])]
    k = 1 if len(shape) == 3 and not per_step else shape[-1]
    return [str(j) for j in range(k)]


def _map_shape(shape: tuple[int, ...], per_step: bool) -> tuple[int, ...] | None:
    """The shape a :class:`~outhead.stats.Source` records for a map; None for rows."""
    return tuple(shape) if len(shape) >= 3 or (per_step and len(shape) == 2) else None


def _read_npy_header(fh: IO[bytes], display: str) -> tuple[tuple[int, ...], bool, Any]:
    import numpy as np

    magic = fh.read(6)
    if magic != b"\x93NUMPY":
        raise FormatError("not a .npy file (no NPY magic bytes)", path=display)
    fmt = np.lib.format
    try:
        major, minor = fh.read(2)
        if major == 1:
            return fmt.read_array_header_1_0(fh)
        if major in (2, 3):
            return fmt.read_array_header_2_0(fh)
    except ValueError as exc:
        raise FormatError(f"corrupt .npy header: {exc}".lower(), path=display) from None
    raise FormatError(f"unsupported .npy version {major}.{minor}", path=display)


def _fold_array_batch(acc: StatsAccumulator, block: Any, idx: Sequence[int], k: int,
                      display: str) -> None:
    """Fold rows of a 1-D or 2-D array, decoding bytes and keeping only the target columns."""

    if block.ndim == 1:
        block = block.reshape(-1, 1)
    elif block.ndim > 2 or block.shape[1] != k:
        # a map: the examples of the batch become their positions, one row each (a view)
        block = block.reshape(-1, k)
    if len(idx) != k or list(idx) != list(range(k)):
        block = block[:, idx]
    if block.dtype.kind in "US" or block.shape[1] == 1:
        try:
            acc.add_columns([block[:, j] for j in range(block.shape[1])])
        except Exception as exc:
            if block.dtype.kind == "S" and type(exc).__module__.startswith("pyarrow"):
                # bytes (dtype S) are decoded as UTF-8 on their way to pyarrow
                raise FormatError("bytes labels are not valid utf-8", path=display) from None
            raise
    else:
        acc.add_matrix(block)


def _page_releaser(arr: Any, data_offset: int) -> Callable[[int, int], None]:
    """A function that drops the pages of a read range of a memory map from this process.

    Pages of a memory-mapped file count in the resident memory of the process once touched;
    dropping them as the scan moves on keeps memory flat in the size of the file (they are
    clean file pages: the kernel reads them again if they are ever touched again).
    """
    import mmap

    mm = getattr(arr, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return lambda start, stop: None
    page = mmap.PAGESIZE
    # numpy maps from a page-aligned offset below the array's start
    base = data_offset - (data_offset % mmap.ALLOCATIONGRANULARITY)
    lead = data_offset - base

    def release(start: int, stop: int) -> None:
        lo = (lead + start) // page * page
        hi = (lead + stop) // page * page
        if hi > lo:
            with contextlib.suppress(OSError, ValueError):
                mm.madvise(mmap.MADV_DONTNEED, lo, hi - lo)

    return release


class _ArrayReader(_Reader):
    """What the NPY and NPZ readers share: one array of ``shape`` and ``dtype``."""

    format: Format
    key: str | None = None
    shape: tuple[int, ...]
    dtype: Any
    all_columns: list[str]
    n_bytes: int
    per_step: bool = False

    def _source(self, targets: Sequence[str]) -> Source:
        return Source(path=self.display, format=self.format, columns=tuple(targets),
                      all_columns=tuple(self.all_columns), key=self.key, n_bytes=self.n_bytes,
                      shape=_map_shape(self.shape, self.per_step), per_step=self.per_step)

    def schema(self) -> Schema:
        t = _numpy_column_type(self.dtype)
        return Schema(self._source(self.all_columns), tuple(t for _ in self.all_columns),
                      n_rows=self.shape[0])

    def _start(self, selectors: Sequence[str] | None, sep: str | None, batch_rows: int | None,
               matrix: bool) -> tuple[list[int], list[str], int, int, int, StatsAccumulator]:
        """(column indices, target names, columns, bytes per row, rows per batch, accumulator).

        For a map a "row" here is one example (all its positions): batches are whole examples.
        """
        idx = select_columns(self.all_columns, selectors, path=self.display)
        targets = [self.all_columns[i] for i in idx]
        k = len(self.all_columns)
        per_example = 1
        for d in self.shape[1:]:
            per_example *= d
        row_bytes = max(1, self.dtype.itemsize * per_example)
        step = max(1, BINARY_BATCH_BYTES // row_bytes)
        if batch_rows:
            step = min(step, batch_rows)
        return idx, targets, k, row_bytes, step, StatsAccumulator(
            targets, matrix=matrix, separator=sep,
            text_profile=self._text_profile)


class _NpyReader(_ArrayReader):
    format: Format = "npy"

    def __init__(self, display: str, *, per_step: bool = False) -> None:
        self.display = display
        self.per_step = per_step
        with open(display, "rb") as fh:
            self.shape, self.fortran, self.dtype = _read_npy_header(fh, display)
        self.all_columns = _array_columns(self.shape, self.dtype, display, per_step)
        self.n_bytes = os.path.getsize(display)

    def scan(
        self,
        options: ReadOptions,
        *,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        selectors, sep = options.columns, options.sep
        import numpy as np

        self._text_profile = options.text_profile
        idx, targets, k, row_bytes, step, acc = self._start(selectors, sep, batch_rows, matrix)
        try:
            arr = np.load(self.display, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FormatError(f"cannot read the array: {exc}".lower(), path=self.display) from None
        n = arr.shape[0]
        header_bytes = self.n_bytes - n * row_bytes
        release = _page_releaser(arr, header_bytes)
        for start in range(0, n, step):
            stop = min(n, start + step)
            _fold_array_batch(acc, arr[start:stop], idx, k, self.display)
            release(start * row_bytes, stop * row_bytes)
            if progress is not None:
                progress(header_bytes + stop * row_bytes, self.n_bytes)
        del arr
        return acc.result(self._source(targets))


class _NpzReader(_ArrayReader):
    format: Format = "npz"

    def __init__(self, display: str, *, key: str | None, per_step: bool = False) -> None:
        import zipfile

        self.display = display
        self.per_step = per_step
        self.n_bytes = os.path.getsize(display)
        try:
            self.zf = zipfile.ZipFile(display)
        except (zipfile.BadZipFile, OSError):
            raise FormatError("not a .npz file (not a zip archive)", path=display) from None
        members = [m for m in self.zf.namelist() if m.endswith(".npy")]
        keys = [m[: -len(".npy")] for m in members]
        if not keys:
            raise FormatError("the .npz archive holds no arrays", path=display)
        if key is None:
            if len(keys) > 1:
                raise UsageError(
                    f"the archive holds several arrays; choose one with --key: {_list_names(keys)}",
                    path=display,
                )
            key = keys[0]
        elif key not in keys:
            raise UsageError(f"no array {key!r} in the archive; keys are: {_list_names(keys)}",
                             path=display)
        self.key = key
        self.member = key + ".npy"
        with self.zf.open(self.member) as fh:
            self.shape, self.fortran, self.dtype = _read_npy_header(fh, display)
        self.all_columns = _array_columns(self.shape, self.dtype, display, per_step)

    def close(self) -> None:
        self.zf.close()

    def scan(
        self,
        options: ReadOptions,
        *,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        selectors, sep = options.columns, options.sep
        import numpy as np

        self._text_profile = options.text_profile
        idx, targets, k, row_bytes, step, acc = self._start(selectors, sep, batch_rows, matrix)
        n = self.shape[0]
        with self.zf.open(self.member) as fh:
            _read_npy_header(fh, self.display)
            if self.fortran and (k > 1 or len(self.shape) > 2):
                # Column-major data cannot be cut into rows while streaming: read it whole.
                data = np.frombuffer(fh.read(), dtype=self.dtype)
                whole = data.reshape(self.shape, order="F")
                for start in range(0, n, step):
                    _fold_array_batch(acc, whole[start : start + step], idx, k, self.display)
            else:
                done = 0
                while done < n:
                    rows = min(step, n - done)
                    buf = fh.read(rows * row_bytes)
                    if len(buf) < rows * row_bytes:
                        raise FormatError("the array in the archive is truncated",
                                          path=self.display)
                    block = np.frombuffer(buf, dtype=self.dtype)
                    if len(self.shape) >= 2:
                        block = block.reshape(rows, *self.shape[1:])
                    _fold_array_batch(acc, block, idx, k, self.display)
                    done += rows
                    if progress is not None:
                        progress(int(self.n_bytes * done / n), self.n_bytes)
        return acc.result(self._source(targets))
