"""Image folders: one folder per class (``DIR/cats``, ``DIR/dogs``) read as a label vector.

The layout ``keras.utils.image_dataset_from_directory`` reads: the class of an image is the name
of the folder it is in (images in sub-folders of a class folder count for that class). A folder
whose sub-folders are named ``train`` and ``test`` (and optionally ``validation``) holds splits
made in advance, each with the same class folders.

:func:`scan_image_folder` lists the files (no image is decoded), checks the first bytes of every
image file, reads the sizes of a sample from their PNG/JPEG/GIF/BMP headers, and returns the
class labels as :class:`~outhead.stats.TargetStats`, so that the layout and the head are decided
exactly as for a label vector read from a file. Neither Pillow nor TensorFlow is needed.
"""

from __future__ import annotations

import os
import statistics
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from outhead.diagnostics import Diagnostic
from outhead.errors import FormatError, InputError, UsageError
from outhead.stats import Source, StatsAccumulator, TargetStats

if TYPE_CHECKING:
    from outhead.layout import Layout

#: The extensions ``image_dataset_from_directory`` reads (keras ALLOWLIST_FORMATS); others are
#: skipped by Keras, and reported here.
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
#: Names of the sub-folders that hold splits made in advance.
TRAIN_NAMES = ("train", "training")
VALIDATION_NAMES = ("validation", "val", "valid")
TEST_NAMES = ("test", "testing")
#: Images whose size is read from their header to choose the image size.
SIZE_SAMPLE = 200
#: The longest side the script resizes images of mixed sizes to (as Keras's own examples do).
MAX_SIDE = 180
COLUMN = "folder"
_IGNORED_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class ImageInfo:
    """What the header of one image says: its format, size and colour channels."""

    format: str
    width: int
    height: int
    channels: int


@dataclass(frozen=True)
class ClassFolder:
    name: str
    images: tuple[str, ...]
    """The image files, relative to the split folder, sorted."""


@dataclass(frozen=True)
class ImageFolder:
    """An image folder as the training script will read it."""

    path: str
    train_dir: str
    """The folder of the class folders to train on (``path`` itself, or ``path/train``)."""
    validation_dir: str | None
    test_dir: str | None
    classes: tuple[str, ...]
    counts: tuple[int, ...]
    """Training images per class, in the order of ``classes``."""
    split_counts: dict[str, tuple[int, ...]]
    """Images per class of the validation and test folders, when there are any."""
    image_size: tuple[int, int]
    """(height, width) the script resizes to: chosen from the sample, or ``--image-size``."""
    size_chosen: str
    """Why this size, one sentence."""
    channels: int
    """1 (grayscale) or 3 (RGB): what the script decodes to."""
    formats: dict[str, int]
    """Image files per format (``png``, ``jpeg``...)."""
    sample_sizes: tuple[tuple[int, int], ...]
    """(height, width) of the sampled images."""
    skipped: tuple[str, ...]
    """Files that are not images (Keras skips them), relative to ``path``."""
    stray: tuple[str, ...]
    """Images directly in ``path`` (not in a class folder): Keras ignores them."""
    n_bytes: int

    @property
    def color_mode(self) -> str:
        return "grayscale" if self.channels == 1 else "rgb"


def is_image_folder(path: str) -> bool:
    """Whether ``path`` is a folder of class folders rather than a folder of Parquet files."""
    if not os.path.isdir(path):
        return False
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    if any(e.is_file() and e.name.endswith((".parquet", ".pq")) for e in entries):
        return False
    subfolders = [e for e in entries if e.is_dir() and not e.name.startswith((".", "_"))]
    if not subfolders and any(
        e.is_file() and e.name.lower().endswith(IMAGE_EXTENSIONS) for e in entries
    ):
        return True  # images without class folders: said by scan_image_folder
    # A partitioned Parquet dataset (year=2024/part-0.parquet) is a table, not classes.
    if not subfolders or any("=" in e.name for e in subfolders):
        return False
    for walked, (dirpath, dirnames, filenames) in enumerate(os.walk(path)):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
        names = [f.lower() for f in filenames]
        if any(n.endswith((".parquet", ".pq", ".parq")) for n in names):
            return False
        if dirpath != path and any(n.endswith(IMAGE_EXTENSIONS) for n in names):
            return True
        if walked > 50:
            break
    return True


def scan_image_folder(
    path: str, *, image_size: tuple[int, int] | None = None
) -> tuple[ImageFolder, TargetStats]:
    """Read an image folder's classes and images, and their labels as target statistics.

    Args:
        path: the folder of class folders (or of ``train``/``test`` split folders).
        image_size: (height, width) to resize to; None chooses it from a sample of images.

    Returns:
        The folder, and the statistics of its training labels (a column ``folder`` of class
        names, one row per training image), with the folder's remarks as notes and warnings.

    Raises:
        InputError: the folder cannot be read.
        UsageError: fewer than two class folders, an empty class folder, split folders whose
            classes differ.
        FormatError: a file with an image extension that is not an image of that kind.
    """
    if not os.path.isdir(path):
        raise InputError("not a folder", path=path)
    top = _subfolders(path)
    train_name = _first(top, TRAIN_NAMES)
    validation_dir = test_dir = None
    if train_name is not None and _first(top, (*TEST_NAMES, *VALIDATION_NAMES)) is not None:
        train_dir = os.path.join(path, train_name)
        name = _first(top, VALIDATION_NAMES)
        validation_dir = os.path.join(path, name) if name else None
        name = _first(top, TEST_NAMES)
        test_dir = os.path.join(path, name) if name else None
    else:
        train_dir = path
    skipped: list[str] = []
    stray = _loose_images(path)
    train = _class_folders(train_dir, path, skipped)
    classes = tuple(c.name for c in train)
    split_counts: dict[str, tuple[int, ...]] = {}
    folders = [train]
    for split_dir in (validation_dir, test_dir):
        if split_dir is None:
            continue
        split = _class_folders(split_dir, path, skipped, at_least_two=False)
        names = tuple(c.name for c in split)
        if set(names) != set(classes):
            missing = sorted(set(classes) - set(names))
            extra = sorted(set(names) - set(classes))
            what = "; ".join(
                part
                for part in (
                    f"no folder for {', '.join(missing)}" if missing else "",
                    f"classes not in training: {', '.join(extra)}" if extra else "",
                )
                if part
            )
            raise UsageError(
                f"the class folders differ from those of {_rel(train_dir, path)}: {what}",
                path=split_dir,
            )
        by_name = {c.name: len(c.images) for c in split}
        split_counts[os.path.basename(split_dir)] = tuple(by_name[c] for c in classes)
        folders.append(split)

    every = [
        os.path.join(split_dir, c.name, image)
        for split_dir, split in zip(
            [d for d in (train_dir, validation_dir, test_dir) if d is not None],
            folders,
            strict=True,
        )
        for c in split
        for image in c.images
    ]
    infos: dict[str, ImageInfo] = {}
    formats: dict[str, int] = {}
    n_bytes = 0
    sample = set(_spread(every, SIZE_SAMPLE))
    for file in every:
        info, size = _check_image(file, full=file in sample)
        n_bytes += size
        formats[info.format] = formats.get(info.format, 0) + 1
        if file in sample:
            infos[file] = info
    sizes = tuple((i.height, i.width) for i in infos.values())
    channels = 1 if all(i.channels == 1 for i in infos.values()) else 3
    if image_size is None:
        chosen, why = choose_image_size(sizes)
    else:
        chosen, why = image_size, "set with --image-size"
    folder = ImageFolder(
        path=path,
        train_dir=train_dir,
        validation_dir=validation_dir,
        test_dir=test_dir,
        classes=classes,
        counts=tuple(len(c.images) for c in train),
        split_counts=split_counts,
        image_size=chosen,
        size_chosen=why,
        channels=channels,
        formats=dict(sorted(formats.items())),
        sample_sizes=sizes,
        skipped=tuple(skipped),
        stray=tuple(stray),
        n_bytes=n_bytes,
    )
    return folder, _stats(folder)


def folder_layout(
    path: str, *, task: str | None, image_size: tuple[int, int] | None
) -> tuple[ImageFolder, Layout]:
    """Scan an image folder and infer its layout (a label vector of folder names).

    Raises:
        UsageError, FormatError, InputError: see :func:`outhead.image_folder.scan_image_folder`.
    """
    from outhead.layout import infer_layout

    folder, stats = scan_image_folder(path, image_size=image_size)
    layout = infer_layout(stats, task=task)
    return folder, folder_wording(layout)


def folder_wording(layout: Layout) -> Layout:
    """The evidence of a label vector, worded for images in class folders.

    The roles of the lines (``Layout.evidence_roles``) stay aligned with them: a line that is
    dropped takes its role along.
    """
    n = layout.n_rows
    roles = layout.evidence_roles or (None,) * len(layout.evidence)
    kept = []
    for line, role in zip(layout.evidence, roles, strict=True):
        if line.startswith("1 column 'folder'"):
            line = f"{n} training images, one class per folder"
        elif line == "string values: labels, not numbers":
            continue
        kept.append((line, role))
    return replace(
        layout,
        evidence=tuple(line for line, _ in kept),
        evidence_roles=tuple(role for _, role in kept) if layout.evidence_roles else (),
    )


def choose_image_size(sizes: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], str]:
    """The (height, width) to resize to, and why.

    All the same size, within MAX_SIDE: that size (nothing is resized). Otherwise the median
    height and width, scaled down (keeping their ratio) so that the longer side is at most
    MAX_SIDE: larger inputs cost time and memory and rarely help a small network.
    """
    distinct = sorted(set(sizes))
    if len(distinct) == 1:
        h, w = distinct[0]
        if max(h, w) <= MAX_SIDE:
            return (h, w), f"every sampled image is {h}x{w} (height x width): kept as is"
    h = int(statistics.median(s[0] for s in sizes))
    w = int(statistics.median(s[1] for s in sizes))
    scale = min(1.0, MAX_SIDE / max(h, w))
    chosen = (max(1, round(h * scale)), max(1, round(w * scale)))
    lo = min(sizes, key=lambda s: s[0] * s[1])
    hi = max(sizes, key=lambda s: s[0] * s[1])
    spread = f"{lo[0]}x{lo[1]} to {hi[0]}x{hi[1]}" if lo != hi else f"{lo[0]}x{lo[1]}"
    return chosen, (
        f"the {len(sizes)} sampled images are {spread} (median {h}x{w}); resized to "
        f"{chosen[0]}x{chosen[1]}, the median shape with the longer side at most {MAX_SIDE}"
    )


def read_image_info(path: str) -> ImageInfo:
    """The format, size and channels of an image from its first bytes (nothing is decoded).

    Raises:
        FormatError: the file is not a PNG, JPEG, GIF or BMP image, or its header is cut short.
        InputError: the file cannot be read.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            if head.startswith(b"\xff\xd8\xff"):
                fh.seek(2)
                return _jpeg_info(fh, path)
    except OSError as exc:
        raise InputError(
            f"cannot read the image: {exc.strerror or exc}".lower(), path=path
        ) from None
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 26:
        width, height = struct.unpack(">II", head[16:24])
        channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(head[25], 3)
        return ImageInfo("png", width, height, channels)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return ImageInfo("gif", width, height, 3)
    if head[:2] == b"BM" and len(head) >= 30:
        width, height = struct.unpack("<ii", head[18:26])
        bits = struct.unpack("<H", head[28:30])[0]
        return ImageInfo("bmp", width, abs(height), 4 if bits == 32 else 3)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    ext = {"jpg": "jpeg"}.get(ext, ext)
    what = "an empty file" if not head else "its first bytes are not those of an image"
    raise FormatError(
        f"not a readable {ext.upper()} image ({what}); remove it or replace it", path=path
    )


# --- helpers --------------------------------------------------------------------------------


def _jpeg_info(fh: object, path: str) -> ImageInfo:
    """Walk the JPEG markers to the start-of-frame segment, which holds the size."""
    read = fh.read  # type: ignore[attr-defined]
    while True:
        byte = read(1)
        while byte and byte != b"\xff":
            byte = read(1)
        while byte == b"\xff":
            byte = read(1)
        if not byte:
            break
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        length_bytes = read(2)
        if len(length_bytes) < 2:
            break
        (length,) = struct.unpack(">H", length_bytes)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            frame = read(6)
            if len(frame) < 6:
                break
            _, height, width, channels = struct.unpack(">BHHB", frame)
            return ImageInfo("jpeg", width, height, channels)
        if marker == 0xD9 or length < 2:
            break
        fh.seek(length - 2, os.SEEK_CUR)  # type: ignore[attr-defined]
    raise FormatError(
        "not a readable JPEG image (no frame header: the file is cut short or corrupt); remove "
        "it or replace it",
        path=path,
    )


def _check_image(path: str, *, full: bool) -> tuple[ImageInfo, int]:
    """Check one image's first bytes (``full``: its whole header, for the size)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(
            f"cannot read the image: {exc.strerror or exc}".lower(), path=path
        ) from None
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(max(0, size - 1024))
            tail = fh.read()
    except OSError as exc:
        raise InputError(
            f"cannot read the image: {exc.strerror or exc}".lower(), path=path
        ) from None
    kind = _magic(head)
    info = read_image_info(path) if full or kind is None else ImageInfo(kind, 0, 0, 0)
    # TensorFlow's decoders refuse an image cut short: the file must end as its format does.
    end = {"png": b"IEND\xaeB`\x82", "jpeg": b"\xff\xd9"}.get(info.format)
    if end is not None and end not in tail:
        raise FormatError(
            f"not a readable {info.format.upper()} image: it is cut short (no end marker); "
            "remove it or replace it",
            path=path,
        )
    return info, size


def _magic(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM":
        return "bmp"
    return None


def _subfolders(path: str) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(path) if e.is_dir() and not e.name.startswith("."))
    except OSError as exc:
        raise InputError(
            f"cannot read the folder: {exc.strerror or exc}".lower(), path=path
        ) from None


def _first(names: Sequence[str], wanted: Sequence[str]) -> str | None:
    lowered = {n.lower(): n for n in names}
    return next((lowered[w] for w in wanted if w in lowered), None)


def _loose_images(path: str) -> list[str]:
    return sorted(
        e.name
        for e in os.scandir(path)
        if e.is_file() and e.name.lower().endswith(IMAGE_EXTENSIONS)
    )


def _class_folders(
    split_dir: str, root: str, skipped: list[str], *, at_least_two: bool = True
) -> list[ClassFolder]:
    names = _subfolders(split_dir)
    where = _rel(split_dir, root)
    if not names:
        raise UsageError(
            "no class folders: put the images of each class in a folder of its own "
            f"({where}/cats, {where}/dogs)",
            path=split_dir,
        )
    if len(names) == 1 and at_least_two:
        raise UsageError(
            f"only one class folder ({names[0]}): a classifier needs a folder per class, two "
            "or more",
            path=split_dir,
        )
    out = []
    for name in names:
        folder = os.path.join(split_dir, name)
        images = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for file in sorted(filenames):
                full = os.path.join(dirpath, file)
                if file.lower().endswith(IMAGE_EXTENSIONS):
                    images.append(os.path.relpath(full, folder))
                elif file.lower() not in _IGNORED_FILES:
                    skipped.append(_rel(full, root))
        if not images:
            raise UsageError(
                f"class folder {name!r} holds no images ({', '.join(IMAGE_EXTENSIONS)}): "
                "add its images or remove the folder",
                path=folder,
            )
        out.append(ClassFolder(name, tuple(images)))
    return out


def _rel(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    return root if rel == "." else os.path.join(root, rel)


def _spread(items: Sequence[str], k: int) -> list[str]:
    """At most ``k`` items spread evenly over the list (every class gets sampled)."""
    if len(items) <= k:
        return list(items)
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


def _stats(folder: ImageFolder) -> TargetStats:
    """The training labels as one text column, with the folder's remarks."""
    import numpy as np

    acc = StatsAccumulator([COLUMN], matrix=False, labelsets=False, missing_tokens=())
    labels = np.repeat(np.array(folder.classes, dtype=str), folder.counts)
    acc.add_columns([labels])
    source = Source(
        path=folder.path,
        format="image-folder",
        columns=(COLUMN,),
        all_columns=(COLUMN,),
        n_bytes=folder.n_bytes,
    )
    stats = acc.result(source)
    return replace(stats, notes=(*stats.notes, *folder_notes(folder)))


def folder_notes(folder: ImageFolder) -> tuple[Diagnostic, ...]:
    """How the folder was read (notes) and what Keras will skip (warnings)."""
    notes = []
    train = _rel(folder.train_dir, folder.path)
    per_class = ", ".join(
        f"{c} ({n})" for c, n in list(zip(folder.classes, folder.counts, strict=True))[:8]
    )
    more = f", ... {len(folder.classes) - 8} more" if len(folder.classes) > 8 else ""
    notes.append(
        Diagnostic(
            "image-folder",
            f"{sum(folder.counts)} images in {len(folder.classes)} class folders of {train}: the "
            f"folder names are the labels: {per_class}{more}",
            None,
            "note",
        )
    )
    for split, counts in folder.split_counts.items():
        notes.append(
            Diagnostic(
                "image-split",
                f"folder {split!r} holds {sum(counts)} more images of the same classes: the "
                f"script uses it as the {'test' if split.lower() in TEST_NAMES else 'validation'} "
                "split",
                None,
                "note",
            )
        )
    kinds = ", ".join(f"{n} {f.upper()}" for f, n in folder.formats.items())
    notes.append(
        Diagnostic(
            "image-size",
            f"images: {kinds}; {folder.size_chosen}; "
            f"{'grayscale (1 channel)' if folder.channels == 1 else 'colour (3 channels, RGB)'}",
            None,
            "note",
        )
    )
    if folder.skipped:
        shown = ", ".join(folder.skipped[:3])
        more = f" and {len(folder.skipped) - 3} more" if len(folder.skipped) > 3 else ""
        many = len(folder.skipped) > 1
        notes.append(
            Diagnostic(
                "non-image-files",
                f"{len(folder.skipped)} file{'s are' if many else ' is'} not an image "
                f"({shown}{more}): Keras skips {'them' if many else 'it'}",
                f"keep only {', '.join(IMAGE_EXTENSIONS)} files in the class folders",
            )
        )
    if folder.stray:
        shown = ", ".join(folder.stray[:3])
        notes.append(
            Diagnostic(
                "loose-images",
                f"{len(folder.stray)} image{'s' if len(folder.stray) > 1 else ''} directly in "
                f"{folder.path} ({shown}) belong to no class folder: Keras ignores them",
                "move them into the folder of their class",
            )
        )
    return tuple(notes)
