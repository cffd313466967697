"""Small images with signal, for the image tests: shapes on noise, as arrays or PNG folders.

Each class is a shape (a filled square, a horizontal bar, a vertical bar, a cross) drawn at a
random place on uniform noise, so that a convolutional network must find the shape, not a
fixed pixel. PNG files are written with a pure-Python encoder (zlib + struct): no Pillow.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SHAPES = ("square", "hbar", "vbar", "cross")


def shape_images(
    n: int, *, size: int = 16, classes: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grayscale uint8 images (n, size, size) and their class ids 0..classes-1."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    rng.shuffle(y)
    images = rng.integers(0, 90, size=(n, size, size)).astype("uint8")
    half = size // 4
    for image, label in zip(images, y, strict=True):
        r, c = rng.integers(half, size - half, size=2)
        if label == 0:
            image[r - half // 2 : r + half // 2 + 1, c - half // 2 : c + half // 2 + 1] = 255
        if label in (1, 3):
            image[r, max(0, c - half) : c + half + 1] = 255
        if label in (2, 3):
            image[max(0, r - half) : r + half + 1, c] = 255
    return images, y


def png_bytes(image: np.ndarray) -> bytes:
    """A PNG file of an 8-bit image: (h, w) grayscale, (h, w, 3) RGB or (h, w, 4) RGBA."""
    image = np.ascontiguousarray(image, dtype="uint8")
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_png(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(image))


def shape_folder(
    root: Path,
    n: int,
    *,
    size: int = 16,
    classes: int = 2,
    seed: int = 0,
    rgb: bool = True,
    splits: tuple[str, ...] = (),
    test_share: float = 0.25,
) -> list[str]:
    """Write ``n`` PNG images of shapes into ``root/<class>/`` (or ``root/<split>/<class>/``).

    Returns:
        The class names, in order.
    """
    images, y = shape_images(n, size=size, classes=classes, seed=seed)
    names = list(SHAPES[:classes])
    n_test = int(n * test_share) if splits else 0
    for i, (image, label) in enumerate(zip(images, y, strict=True)):
        folder = root
        if splits:
            folder = root / (splits[1] if i < n_test else splits[0])
        pixels = np.stack([image] * 3, axis=-1) if rgb else image
        write_png(folder / names[label] / f"{i:05d}.png", pixels)
    return names
