"""Images: image arrays as --features and folders of class folders, through the CLI and the core.

Golden scripts: ``tests/golden/train_image_array.py`` and ``train_image_folder.py``; regenerate
them with ``OUTHEAD_REGEN_GOLDEN=1 python -m pytest tests/test_images.py``.
"""

from __future__ import annotations

import ast
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.errors import FormatError
from outhead.image_arrays import describe_image_array
from outhead.image_folder import choose_image_size, is_image_folder, read_image_info
from outhead.render import ScaffoldOptions
from outhead.render_images import ImageOptions
from outhead.scaffold import scaffold_script
from tests.conftest import ROOT
from tests.image_data import png_bytes, shape_folder, shape_images, write_png
from tests.test_render import ruff

GOLDEN = ROOT / "tests" / "golden"
REGEN = os.environ.get("OUTHEAD_REGEN_GOLDEN") == "1"
SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "inspect.schema.json").read_text())


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: object, *words: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.fixture
def digits(tmp_path: Path) -> Path:
    """(300, 16, 16) uint8 images of 3 shapes and their labels, in tmp_path."""
    images, y = shape_images(300, classes=3)
    np.save(tmp_path / "X.npy", images)
    np.save(tmp_path / "y.npy", y)
    return tmp_path


@pytest.fixture
def pets(tmp_path: Path) -> Path:
    """pets/square and pets/hbar: 2 classes of 60 RGB PNGs each."""
    shape_folder(tmp_path / "pets", 120, classes=2)
    return tmp_path / "pets"


# --- image headers, without decoding ----------------------------------------------------------


def jpeg_bytes(width: int, height: int, channels: int, marker: int = 0xC0) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = bytes([0xFF, marker]) + struct.pack(
        ">HBHHB", 8 + 3 * channels, 8, height, width, channels
    )
    return b"\xff\xd8" + app0 + sof + b"\x00" * (3 * channels) + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_bytes(np.zeros((5, 7), "uint8")), ("png", 7, 5, 1)),
        (png_bytes(np.zeros((5, 7, 3), "uint8")), ("png", 7, 5, 3)),
        (png_bytes(np.zeros((5, 7, 4), "uint8")), ("png", 7, 5, 4)),
        (jpeg_bytes(640, 480, 3), ("jpeg", 640, 480, 3)),
        (jpeg_bytes(32, 24, 1, marker=0xC2), ("jpeg", 32, 24, 1)),  # progressive
        (b"GIF89a" + struct.pack("<HH", 9, 4) + b"\x00" * 20, ("gif", 9, 4, 3)),
        (
            b"BM" + b"\x00" * 16 + struct.pack("<iiHH", 11, -6, 1, 24) + b"\x00" * 20,
            ("bmp", 11, 6, 3),
        ),
    ],
)
def test_image_headers_give_size_and_channels(
    tmp_path: Path, data: bytes, expected: tuple[str, int, int, int]
) -> None:
    path = tmp_path / "image"
    path.write_bytes(data)
    info = read_image_info(str(path))
    assert (info.format, info.width, info.height, info.channels) == expected


@pytest.mark.parametrize("data", [b"", b"hello, not an image", b"\xff\xd8\xff\xe0\x00\x10JFIF"])
def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(data)
    with pytest.raises(FormatError, match="not a readable JPEG image"):
        read_image_info(str(path))


def test_image_size_is_kept_when_every_image_has_it() -> None:
    size, why = choose_image_size([(28, 28)] * 10)
    assert size == (28, 28) and "kept as is" in why


def test_mixed_image_sizes_become_the_median_within_the_longest_side() -> None:
    sizes = [(375, 500), (374, 500), (400, 300), (500, 375), (375, 499)]
    size, why = choose_image_size(sizes)
    assert size == (135, 180)  # the median height and width, scaled to a longer side of 180
    assert "median 375x499" in why


def test_large_images_of_one_size_are_scaled_down() -> None:
    size, _ = choose_image_size([(1024, 768)] * 3)
    assert size == (180, 135)


# --- image folders: inspect ---------------------------------------------------------------------


def test_inspect_reads_class_folders_as_a_binary_label_vector(pets: Path) -> None:
    result = invoke("inspect", str(pets), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["layout"] == "label-vector"
    assert doc["task"] == "binary"
    assert doc["classes"] == ["hbar", "square"]
    assert doc["class_counts"] == [60, 60]
    assert doc["units"] == 1 and doc["activation"] == "sigmoid"
    assert doc["loss_class"] == "BinaryCrossentropy"
    assert doc["source"]["format"] == "image-folder"

    human = invoke("inspect", str(pets), "--width", "200")
    assert human.exit_code == 0
    assert "pets  (one folder per class; 120 training images)" in human.stdout
    assert "120 images in 2 class folders" in human.stdout
    assert "every sampled image is 16x16" in human.stdout


def test_inspect_reads_three_class_folders_as_multiclass(tmp_path: Path) -> None:
    shape_folder(tmp_path / "shapes", 90, classes=3, rgb=False)
    doc = json.loads(invoke("inspect", str(tmp_path / "shapes"), "--json").stdout)
    assert doc["task"] == "multiclass"
    assert doc["units"] == 3 and doc["loss_class"] == "SparseCategoricalCrossentropy"
    assert "grayscale (1 channel)" in " ".join(doc["reading"])


def test_inspect_warns_of_imbalance_few_images_and_non_image_files(tmp_path: Path) -> None:
    root = tmp_path / "pets"
    for i in range(40):
        write_png(root / "cats" / f"{i}.png", np.zeros((8, 8), "uint8"))
    for i in range(4):
        write_png(root / "dogs" / f"{i}.PNG", np.zeros((8, 8), "uint8"))
    (root / "dogs" / "notes.txt").write_text("taken in 2024")
    (root / "cats" / ".DS_Store").write_bytes(b"\x00")  # a system file: not worth a word
    doc = json.loads(invoke("inspect", str(root), "--json").stdout)
    codes = {d["code"]: d for d in doc["warnings"]}
    assert "class-imbalance" in codes
    assert "rare-classes" in codes and "dogs (4)" in codes["rare-classes"]["message"]
    assert codes["non-image-files"]["severity"] == "warning"
    assert "pets/dogs/notes.txt" in codes["non-image-files"]["message"]
    assert ".DS_Store" not in json.dumps(doc)


def test_inspect_reads_train_and_test_split_folders(tmp_path: Path) -> None:
    shape_folder(tmp_path / "data", 160, classes=2, splits=("train", "test"))
    doc = json.loads(invoke("inspect", str(tmp_path / "data"), "--json").stdout)
    assert doc["classes"] == ["hbar", "square"]
    assert sum(doc["class_counts"]) == 120  # the training images
    reading = " ".join(doc["reading"])
    assert "folder 'test' holds 40 more images" in reading


@pytest.mark.parametrize(
    ("make", "words"),
    [
        ("one-class", ["only one class folder (cats)"]),
        ("empty-class", ["pets/dogs", "holds no images"]),
        ("no-classes", ["no class folders"]),
        ("not-a-png", ["pets/dogs/1.png", "not a readable PNG image"]),
        ("cut-short", ["pets/dogs/1.png", "cut short"]),
        ("split-differs", ["pets/test", "no folder for dogs"]),
    ],
)
@pytest.mark.parametrize("command", ["inspect", "scaffold"])
def test_bad_image_folders_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: str, words: list[str], command: str
) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path("pets")
    image = png_bytes(np.zeros((8, 8), "uint8"))
    for i in range(3):
        (root / "cats").mkdir(parents=True, exist_ok=True)
        (root / "cats" / f"{i}.png").write_bytes(image)
    if make != "one-class":
        (root / "dogs").mkdir()
    if make not in ("one-class", "empty-class"):
        for i in range(3):
            (root / "dogs" / f"{i}.png").write_bytes(image)
    if make == "no-classes":
        root = Path("loose")
        root.mkdir()
        (root / "0.png").write_bytes(image)  # images, but no class folder
        words = [*words, "loose"]
    if make == "not-a-png":
        (root / "dogs" / "1.png").write_bytes(b"<html>moved</html>")
    if make == "cut-short":
        (root / "dogs" / "1.png").write_bytes(image[:40])
    if make == "split-differs":
        for split in ("train", "test"):
            for label in ("cats", "dogs"):
                if split == "test" and label == "dogs":
                    continue
                (root / split / label).mkdir(parents=True)
                (root / split / label / "0.png").write_bytes(image)
                (root / split / label / "1.png").write_bytes(image)
    out = tmp_path / "train.py"
    args = ["--out", str(out)] if command == "scaffold" else []
    one_line_error(invoke(command, str(root), *args), *words)
    assert not out.exists()


def test_a_parquet_dataset_folder_is_not_an_image_folder(tmp_path: Path) -> None:
    (tmp_path / "ds" / "year=2024").mkdir(parents=True)
    (tmp_path / "ds" / "year=2024" / "part-0.parquet").write_bytes(b"PAR1")
    (tmp_path / "flat" / "part").mkdir(parents=True)
    (tmp_path / "flat" / "part" / "0.parquet").write_bytes(b"PAR1")
    assert not is_image_folder(str(tmp_path / "ds"))
    assert not is_image_folder(str(tmp_path / "flat"))


def test_inspect_of_an_image_folder_never_imports_heavy_modules(pets: Path) -> None:
    code = (
        "import sys\n"
        "from outhead.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['inspect', {str(pets)!r}, '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = ('pandas', 'tensorflow', 'keras', 'jinja2')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_inspect_says_which_options_a_folder_ignores(pets: Path) -> None:
    doc = json.loads(invoke("inspect", str(pets), "--key", "x", "--json").stdout)
    ignored = [d for d in doc["warnings"] if d["code"] == "option-ignored"]
    assert ignored and "--key" in ignored[0]["message"]


# --- image folders: scaffold --------------------------------------------------------------------


def test_scaffold_of_an_image_folder(
    pets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("run") / "train.py"
    result = invoke("scaffold", "pets", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "binary: Dense(1, sigmoid) + BinaryCrossentropy" in result.stderr
    assert "120 training images in 2 class folders (hbar, square); resized to 16x16" in (
        result.stderr
    )
    script = out.read_text()
    ast.parse(script)
    assert "keras.utils.image_dataset_from_directory(" in script
    assert 'TRAIN_DIR = str(SCRIPT_DIR / "../pets")' in script
    assert "IMAGE_SIZE = [16, 16]" in script
    assert 'label_mode="binary"' in script
    assert "CLASSES = ['hbar', 'square']".replace("'", '"') in script
    assert "def predict_labels(" in script and "images: list[str]" in script
    assert '"image_size": list(args.image_size)' in script
    assert "import pandas" not in script


def test_scaffold_image_size_and_augment(pets: Path, tmp_path: Path) -> None:
    out = tmp_path / "train.py"
    result = invoke("scaffold", str(pets), "--out", str(out), "--image-size", "12x10", "--augment")
    assert result.exit_code == 0, result.output
    script = out.read_text()
    assert "IMAGE_SIZE = [12, 10]" in script
    assert "#   set with --image-size." in script
    assert (
        '"--augment",\n        action=argparse.BooleanOptionalAction,\n        default=True'
        in script
    )


@pytest.mark.parametrize("size", ["0", "big", "3x4x5", "-2"])
def test_bad_image_size_is_refused(pets: Path, size: str) -> None:
    one_line_error(invoke("scaffold", str(pets), "--image-size", size), "--image-size")


def test_scaffold_of_an_image_folder_refuses_features_and_target(pets: Path, digits: Path) -> None:
    one_line_error(
        invoke("scaffold", str(pets), "--features", str(digits / "X.npy")), "leave out --features"
    )
    one_line_error(invoke("scaffold", str(pets), "--target", "label"), "leave out --target")


def test_scaffold_image_folder_with_test_split_and_two_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shape_folder(tmp_path / "data", 80, classes=2, splits=("train", "test"))
    monkeypatch.chdir(tmp_path)
    result = scaffold_script("data", options=ScaffoldOptions(two_node=True), script_dir=".")
    assert (result.plan.units, result.plan.activation) == (2, "softmax")
    assert 'TEST_DIR = str(SCRIPT_DIR / "data/test")' in result.script
    assert 'TRAIN_DIR = str(SCRIPT_DIR / "data/train")' in result.script
    assert "VALIDATION_DIR = None" in result.script
    assert 'label_mode="int"' in result.script


# --- image arrays ---------------------------------------------------------------------------------


def test_scaffold_of_an_image_array(digits: Path, tmp_path: Path) -> None:
    out = tmp_path / "run" / "train.py"
    result = invoke(
        "scaffold", str(digits / "y.npy"), "--features", str(digits / "X.npy"), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "300 images of 16x16, 1 channel (uint8)" in result.stderr
    assert "divided by 255" in result.stderr
    assert "multiclass: Dense(3, softmax) + SparseCategoricalCrossentropy" in result.stderr
    script = out.read_text()
    ast.parse(script)
    assert 'np.load(path, mmap_mode="r", allow_pickle=False)' in script
    assert "keras.layers.Reshape((*input_shape, 1))" in script
    assert "SCALE = 0.00392156862745098" in script
    assert 'keras.layers.Dense(3, activation="softmax")' in script
    assert "images: np.ndarray" in script


def test_channels_first_float_images_are_permuted_in_the_model(tmp_path: Path) -> None:
    images, y = shape_images(40, classes=2)
    np.save(tmp_path / "X.npy", np.repeat(images[:, None], 3, axis=1).astype("float32") / 255)
    np.save(tmp_path / "y.npy", y)
    result = invoke("scaffold", str(tmp_path / "y.npy"), "--features", str(tmp_path / "X.npy"))
    assert result.exit_code == 0, result.output
    assert "channels-first (40, 3, 16, 16)" in result.stderr
    assert "already between 0 and 1: no rescaling" in result.stderr
    assert "keras.layers.Permute((2, 3, 1))" in result.stdout
    assert "Rescaling" not in result.stdout.split("def build_model")[1].split("def ")[0]


def test_npz_images_with_a_key(tmp_path: Path) -> None:
    images, y = shape_images(30, classes=2)
    np.savez(tmp_path / "data.npz", images=images[..., None], other=y)
    np.save(tmp_path / "y.npy", y)
    result = invoke(
        "scaffold",
        str(tmp_path / "y.npy"),
        "--features",
        str(tmp_path / "data.npz"),
        "--features-key",
        "images",
    )
    assert result.exit_code == 0, result.output
    assert 'IMAGES_KEY = "images"' in result.stdout
    assert "np.load(path, allow_pickle=False)[IMAGES_KEY]" in result.stdout
    assert "cannot be memory-mapped" in result.stdout


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        (np.arange(2 * 4 * 4, dtype="uint8").reshape(2, 4, 4) * 8, (1 / 255, 0.0)),
        (np.arange(2 * 4 * 4).reshape(2, 4, 4) % 17, (1 / 16, 0.0)),  # sklearn digits: 0..16
        (np.linspace(0, 1, 32, dtype="float32").reshape(2, 4, 4), None),
        (np.linspace(-1, 1, 32).reshape(2, 4, 4), None),
        (np.linspace(-3, 5, 32).reshape(2, 4, 4), (1 / 8, 3 / 8)),
    ],
)
def test_rescaling_comes_from_the_observed_range(
    tmp_path: Path, images: np.ndarray, expected: tuple[float, float] | None
) -> None:
    np.save(tmp_path / "X.npy", images)
    scale = describe_image_array(str(tmp_path / "X.npy")).scale
    assert scale == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("array", "words"),
    [
        (np.zeros((10, 2, 8, 8, 3), "uint8"), ["X.npy", "5 dimensions"]),
        (np.zeros((10, 8, 8, 7), "uint8"), ["X.npy", "must be 1, 3 or 4"]),
        (np.full((10, 8, 8), np.nan), ["X.npy", "NaN"]),
        (np.zeros((9, 8, 8), "uint8"), ["X.npy has 9 images", "y.npy has 10 rows"]),
    ],
)
def test_bad_image_arrays_are_one_line_errors(
    tmp_path: Path, array: np.ndarray, words: list[str]
) -> None:
    np.save(tmp_path / "X.npy", array)
    np.save(tmp_path / "y.npy", np.arange(10) % 2)
    out = tmp_path / "train.py"
    result = invoke(
        "scaffold",
        str(tmp_path / "y.npy"),
        "--features",
        str(tmp_path / "X.npy"),
        "--out",
        str(out),
    )
    one_line_error(result, *words)
    assert not out.exists()


def test_tabular_features_are_unchanged_and_say_image_options_do_not_apply() -> None:
    target = str(ROOT / "sample_data" / "noble_gas.csv")
    features = str(ROOT / "sample_data" / "gas_features.csv")
    plain = scaffold_script(target, features_path=features)
    augmented = scaffold_script(
        target, features_path=features, image_options=ImageOptions(augment=True)
    )
    assert plain.script == augmented.script
    assert any("--augment and --image-size apply to images" in n for n in augmented.notes)


# --- golden scripts and lint ----------------------------------------------------------------------


def render_in(folder: Path, target: str, **kw: object) -> str:
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        return scaffold_script(target, **kw).script  # type: ignore[arg-type]
    finally:
        os.chdir(cwd)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN or not path.exists():
        path.write_text(text, encoding="utf-8", newline="\n")
        if not REGEN:
            pytest.fail(f"wrote {path}; check it in (OUTHEAD_REGEN_GOLDEN=1 regenerates)")
    assert text == path.read_text(encoding="utf-8"), (
        f"the rendered {name} changed; if on purpose, run with OUTHEAD_REGEN_GOLDEN=1"
    )


def test_golden_image_array_script(digits: Path) -> None:
    check_golden("train_image_array.py", render_in(digits, "y.npy", features_path="X.npy"))


def test_golden_image_folder_script(pets: Path) -> None:
    check_golden("train_image_folder.py", render_in(pets.parent, "pets"))


def test_every_image_script_passes_ruff(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    images, y = shape_images(60, classes=3)
    np.save(data / "X3.npy", images)
    np.save(data / "X4.npy", images[..., None].astype("float32"))
    np.save(data / "Xcf.npy", np.repeat(images[:, None], 3, axis=1))
    np.savez(data / "X.npz", x=images)
    np.save(data / "y.npy", y)
    np.save(data / "y2.npy", y % 2)
    np.save(data / "price.npy", y * 1.5 + np.linspace(0, 1, 60))
    shape_folder(data / "pets", 40, classes=2)
    shape_folder(data / "shapes", 60, classes=3, rgb=False)
    shape_folder(data / "split", 60, classes=2, splits=("train", "test"))
    for i in range(40):  # imbalanced classes: the script weighs them
        write_png(data / "skewed" / ("cats" if i % 8 else "dogs") / f"{i}.png", images[i])
    out = tmp_path / "scripts"
    out.mkdir()
    cases: list[tuple[str, dict[str, object]]] = [
        ("y.npy", {"features_path": "X3.npy"}),
        ("y2.npy", {"features_path": "X4.npy", "options": ScaffoldOptions(from_logits=True)}),
        ("y2.npy", {"features_path": "Xcf.npy", "options": ScaffoldOptions(two_node=True)}),
        ("y.npy", {"features_path": "X.npz", "image_options": ImageOptions(augment=True)}),
        ("price.npy", {"features_path": "X3.npy"}),
        ("pets", {"options": ScaffoldOptions(from_logits=True)}),
        ("shapes", {"image_options": ImageOptions(image_size=(20, 20))}),
        ("split", {"options": ScaffoldOptions(hidden=())}),
        ("skewed", {}),
    ]
    scripts = []
    for i, (target, kw) in enumerate(cases):
        text = render_in(data, target, script_dir=str(out), **kw)
        ast.parse(text)
        scripts.append(text)
        (out / f"train_{i}.py").write_text(text)
    ruff(out)
    assert "class_weight=class_weights(ids[\"train\"])" in scripts[-1]


def test_readme_image_folder_example_is_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.image_data import main as make_stand_in

    readme = (ROOT / "README.md").read_text()
    command = "$ outhead inspect pets --width 100\n"
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("...\n", start)]
    monkeypatch.chdir(tmp_path)
    make_stand_in(["pets", "."])
    result = invoke("inspect", "pets", "--width", "100")
    assert result.exit_code == 0
    assert result.stdout.startswith(shown)


def test_check_reads_an_image_folder(pets: Path) -> None:
    passed = invoke("check", str(pets), "--expect", "binary")
    assert passed.exit_code == 0, passed.output
    assert "(binary, label-vector, 120 rows, 2 classes)" in passed.stdout
    failed = invoke("check", str(pets), "--expect", "multiclass")
    assert failed.exit_code == 1
    assert "OH107" in failed.stdout and "P(square)" in failed.stdout


def test_numbered_class_folders_stay_folder_names(tmp_path: Path) -> None:
    """MNIST saved as PNGs: folders 0..9. The classes are the folder names, as text, so that
    image_dataset_from_directory(class_names=CLASSES) finds them."""
    for label in ("0", "1", "2", "10"):
        for i in range(3):
            write_png(tmp_path / "mnist" / label / f"{i}.png", np.zeros((28, 28), "uint8"))
    result = scaffold_script(str(tmp_path / "mnist"))
    classes = result.recommendation.layout.classes
    assert classes is not None and sorted(classes) == ["0", "1", "10", "2"]
    assert all(isinstance(c, str) for c in classes)
    assert f"CLASSES = {json.dumps(list(classes))}" in result.script
