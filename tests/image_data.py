"""Small images with signal, for the image tests: shapes on noise, as arrays or PNG folders.

Each class is a shape (a filled square, a horizontal bar, a vertical bar, a cross) drawn at a
random place on uniform noise, so that a convolutional network must find the shape, not a
fixed pixel. PNG files are written with a pure-Python encoder (zlib + struct): no Pillow.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
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
    names: Sequence[str] | None = None,
) -> list[str]:
    """Write ``n`` PNG images of shapes into ``root/<class>/`` (or ``root/<split>/<class>/``).

    ``names`` renames the classes (``cats``, ``dogs``): class i is still shape i.

    Returns:
        The class names, in order.
    """
    images, y = shape_images(n, size=size, classes=classes, seed=seed)
    names = list(names or SHAPES[:classes])
    n_test = int(n * test_share) if splits else 0
    for i, (image, label) in enumerate(zip(images, y, strict=True)):
        folder = root
        if splits:
            folder = root / (splits[1] if i < n_test else splits[0])
        pixels = np.stack([image] * 3, axis=-1) if rgb else image
        write_png(folder / names[label] / f"{i:05d}.png", pixels)
    return names


#: A 5x7 font of the digits 0-9 (one string of 5 pixels per row).
_DIGITS = {
    0: ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    1: ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    2: ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    3: ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    4: ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    5: ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    6: ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    7: ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    8: ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    9: ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}


def digit_images(n: int, *, size: int = 28, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` MNIST-like uint8 images (n, size, size) of the digits 0-9 and their labels.

    Each digit of the 5x7 font is scaled by 2 or 3, placed at a random offset, and drawn on a
    dark noisy background with a random stroke brightness (nothing is downloaded).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=n)
    images = rng.integers(0, 40, size=(n, size, size)).astype("uint8")
    for image, label in zip(images, y, strict=True):
        glyph = np.array([[c == "1" for c in row] for row in _DIGITS[int(label)]])
        scale = int(rng.integers(2, 4)) if size >= 24 else 1
        glyph = np.kron(glyph, np.ones((scale, scale), dtype=bool))
        h, w = glyph.shape
        r = int(rng.integers(0, size - h + 1))
        c = int(rng.integers(0, size - w + 1))
        patch = image[r : r + h, c : c + w]
        patch[glyph] = int(rng.integers(170, 256))
    return images, y


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m tests.image_data digits|pets FOLDER``: the README's stand-in data.

    ``digits``: ``digits_images.npy`` (2,000 x 28 x 28 uint8, MNIST-like) and
    ``digits_labels.npy`` (0-9). ``pets``: ``pets/train/{cats,dogs}`` and ``pets/test/...``, 600
    RGB PNGs of 32x32 laid out as Kaggle's dogs vs cats (a cat is a square, a dog a bar).
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("kind", choices=["digits", "pets"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    if args.kind == "digits":
        images, labels = digit_images(2000, seed=0)
        np.save(args.folder / "digits_images.npy", images)
        np.save(args.folder / "digits_labels.npy", labels)
    else:
        shape_folder(
            args.folder / "pets",
            600,
            size=32,
            classes=2,
            seed=0,
            splits=("train", "test"),
            names=("cats", "dogs"),
        )


if __name__ == "__main__":
    main()
