"""Image arrays: ``--features X.npy`` (or ``.npz``) of shape (n, H, W), (n, H, W, C), (n, C, H, W).

:func:`image_array_shape` reads only the array's header, so that the scaffold can tell images
from a table of feature columns; :func:`describe_image_array` then reads the pixels once, in
memory-mapped (NPY) or streamed (NPZ) blocks, for the range the script rescales from. No
TensorFlow, no pandas.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from outhead.errors import FormatError, InputError, UsageError

#: Colour channels an image can have: gray, RGB, RGBA.
CHANNELS = (1, 3, 4)
_BLOCK_BYTES = 1 << 24


@dataclass(frozen=True)
class ImageArray:
    """An array of images as the training script reads it."""

    path: str
    format: str
    """``npy`` or ``npz``."""
    key: str | None
    shape: tuple[int, ...]
    """The array's shape as stored, images first."""
    dtype: str
    channels_first: bool
    """Stored as (n, C, H, W): the model transposes to (H, W, C) itself."""
    height: int
    width: int
    channels: int
    minimum: float
    maximum: float
    all_integer: bool
    """Every pixel is a whole number (uint8 images, or floats holding 0..255)."""

    @property
    def n_images(self) -> int:
        return self.shape[0]

    @property
    def scale(self) -> tuple[float, float] | None:
        """``(scale, offset)`` of the Rescaling layer, or None when the pixels are already in
        [0, 1] or [-1, 1]."""
        lo, hi = self.minimum, self.maximum
        if lo >= -1.0 and hi <= 1.0:
            return None
        if self.all_integer and lo >= 0 and 128 < hi <= 255:
            return 1.0 / 255.0, 0.0  # 8-bit pixels: the full 0..255 range
        span = hi - lo if hi > lo else 1.0
        return 1.0 / span, -lo / span

    @property
    def scale_text(self) -> str:
        """Why the Rescaling layer is what it is, one sentence."""
        lo, hi = _num(self.minimum), _num(self.maximum)
        scale = self.scale
        if scale is None:
            return f"the pixels are already between {lo} and {hi}: no rescaling"
        if scale == (1.0 / 255.0, 0.0):
            return f"pixels from {lo} to {hi}, 8-bit values: divided by 255 into [0, 1]"
        return f"pixels from {lo} to {hi}: rescaled from that range into [0, 1]"


def image_array_shape(path: str, *, key: str | None = None) -> tuple[int, ...] | None:
    """The shape of an NPY/NPZ features file when it holds images (3 or more dimensions).

    Returns None for any other file (a table, a 1-D or 2-D array), which the tabular scaffold
    reads as it always has.

    Raises:
        FormatError: an array of more than 4 dimensions (images are 3-D or 4-D).
    """
    if not _is_array_file(path):
        return None
    try:
        with _open_array(path, key) as (fh, _):
            shape, _, _ = _header(fh, path)
    except (FormatError, UsageError, InputError):
        return None  # the tabular reader says what is wrong, as it did before
    if len(shape) <= 2:
        return None
    if len(shape) > 4:
        raise FormatError(
            f"an array of {len(shape)} dimensions {_shape(shape)}: images are (n, height, width) "
            "or (n, height, width, channels)",
            path=path,
        )
    return shape


def describe_image_array(path: str, *, key: str | None = None) -> ImageArray:
    """Read an image array's layout and the range of its pixels (one pass over the data).

    Raises:
        FormatError: not images of 1, 3 or 4 channels, a dtype that is not numbers, a
            truncated file.
        UsageError: an NPZ of several arrays without ``key``.
    """
    import numpy as np

    with _open_array(path, key) as (fh, chosen):
        shape, fortran, dtype = _header(fh, path)
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise FormatError(
                f"an image array of dtype {dtype} is not supported; save the pixels as numbers "
                "(uint8 or float)",
                path=path,
            )
        if shape[0] == 0 or 0 in shape:
            raise FormatError(f"the image array {_shape(shape)} is empty", path=path)
        channels_first = False
        if len(shape) == 3:
            height, width, channels = shape[1], shape[2], 1
        elif shape[3] in CHANNELS:
            height, width, channels = shape[1], shape[2], shape[3]
        elif shape[1] in CHANNELS:
            channels_first = True
            channels, height, width = shape[1], shape[2], shape[3]
        else:
            raise FormatError(
                f"an array of shape {_shape(shape)} is not images: the channels (last or second "
                f"axis) must be 1, 3 or 4, not {shape[3]} or {shape[1]}",
                path=path,
            )
        lo, hi, whole = np.inf, -np.inf, True
        for block in _blocks(fh, shape, fortran, dtype, path):
            if block.dtype.kind == "f" and not np.isfinite(block).all():
                raise FormatError(
                    "the image array holds NaN or infinite pixels; fill or drop those images",
                    path=path,
                )
            lo = min(lo, float(block.min()))
            hi = max(hi, float(block.max()))
            if whole and block.dtype.kind == "f":
                whole = bool(np.all(block == np.round(block)))
    return ImageArray(
        path=path,
        format="npz" if chosen is not None else "npy",
        key=chosen,
        shape=tuple(int(s) for s in shape),
        dtype=str(dtype),
        channels_first=channels_first,
        height=int(height),
        width=int(width),
        channels=int(channels),
        minimum=lo,
        maximum=hi,
        all_integer=whole,
    )


# --- helpers --------------------------------------------------------------------------------


def _is_array_file(path: str) -> bool:
    if not os.path.isfile(path):
        return False
    ext = os.path.splitext(path)[1].lower()
    if ext in (".npy", ".npz"):
        return True
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except OSError:
        return False
    return magic == b"\x93NUMPY"


class _open_array:
    """The NPY stream of a file (``.npy``) or of one member of an archive (``.npz``)."""

    def __init__(self, path: str, key: str | None) -> None:
        self.path, self.key = path, key
        self.zf: zipfile.ZipFile | None = None
        self.fh: IO[bytes] | None = None

    def __enter__(self) -> tuple[IO[bytes], str | None]:
        try:
            with open(self.path, "rb") as probe:
                is_zip = probe.read(4) == b"PK\x03\x04"
            if not is_zip:
                self.fh = open(self.path, "rb")
                return self.fh, None
            self.zf = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InputError(f"cannot read the array: {exc}".lower(), path=self.path) from None
        keys = [m[: -len(".npy")] for m in self.zf.namelist() if m.endswith(".npy")]
        key = self.key
        if key is None:
            if len(keys) != 1:
                raise UsageError(
                    f"the archive holds {len(keys)} arrays; choose one with --features-key: "
                    f"{', '.join(keys[:20])}",
                    path=self.path,
                )
            key = keys[0]
        elif key not in keys:
            raise UsageError(
                f"no array {key!r} in the archive; keys are: {', '.join(keys[:20])}",
                path=self.path,
            )
        self.fh = self.zf.open(key + ".npy")
        return self.fh, key

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()
        if self.zf is not None:
            self.zf.close()


def _header(fh: IO[bytes], path: str) -> tuple[tuple[int, ...], bool, Any]:
    import numpy as np

    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            return fmt.read_array_header_1_0(fh)
        return fmt.read_array_header_2_0(fh)
    except ValueError as exc:
        raise FormatError(f"not a readable .npy array: {exc}".lower(), path=path) from None


def _blocks(
    fh: IO[bytes], shape: tuple[int, ...], fortran: bool, dtype: Any, path: str
) -> Iterator[Any]:
    """The array in blocks of whole images, read from the stream (never all at once)."""
    import numpy as np

    n = shape[0]
    per_image = int(np.prod(shape[1:])) * dtype.itemsize
    if fortran:
        data = fh.read()  # column-major data cannot be cut into images while streaming
        if len(data) < n * per_image:
            raise FormatError("the array is truncated", path=path)
        yield np.frombuffer(data, dtype=dtype)
        return
    step = max(1, _BLOCK_BYTES // max(1, per_image))
    done = 0
    while done < n:
        rows = min(step, n - done)
        buf = fh.read(rows * per_image)
        if len(buf) < rows * per_image:
            raise FormatError("the array is truncated", path=path)
        yield np.frombuffer(buf, dtype=dtype)
        done += rows


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
