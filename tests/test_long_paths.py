"""Long data paths keep every kind of script lint-clean.

A data path is written where a reader looks for it: in the header comment and in the constant
the script reads it from. A long absolute path (pytest's temporary folders under xdist, a deep
project tree) used to push those lines past ruff's 100 columns. Each path now sits alone on its
line: in a comment ``#   /the/path``, as its ``file://`` URL when too long (ruff's E501 exempts
a line ending in a URL); in code, the literal alone inside parentheses (E501 exempts a line of
one word).
"""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from outhead.render import data_path, path_comment
from outhead.scaffold import scaffold_script
from tests.image_data import shape_folder, shape_images
from tests.test_multi_output import write_table
from tests.test_render import ruff
from tests.test_segment import shapes_and_masks, tagged_sequences
from tests.text_data import reviews, write_csv


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose absolute path is longer than a line of the script."""
    folder = tmp_path_factory.mktemp("long") / ("a_rather_long_folder_name_" * 3) / ("x" * 60)
    folder.mkdir(parents=True)
    assert len(str(folder)) > 100
    table = write_table(folder / "listings.csv")
    rows = [r.split(",") for r in table.read_text().splitlines()]

    def columns(name: str, keep: list[str]) -> None:
        index = [rows[0].index(k) for k in keep]
        (folder / name).write_text("\n".join(",".join(r[i] for i in index) for r in rows) + "\n")

    columns("y.csv", ["price", "sold"])
    columns("x.csv", ["size", "age", "city", "count"])
    write_csv(folder / "reviews.csv", reviews(60))
    images, y = shape_images(30)
    np.save(folder / "images.npy", images)
    (folder / "labels.csv").write_text("label\n" + "\n".join(map(str, y)) + "\n")
    shape_folder(folder / "shapes", 12, size=8, splits=("train", "test"))
    seg_images, masks = shapes_and_masks(n=12, size=32)
    np.save(folder / "seg_images.npy", seg_images)
    np.save(folder / "masks.npy", masks)
    frames, tags = tagged_sequences(n=12, steps=8)
    np.save(folder / "frames.npy", frames)
    np.save(folder / "tags.npy", tags)
    np.save(folder / "kinds.npy", np.arange(12) % 2)  # one label per sequence (--sequence)
    return folder


#: (name, target, keyword arguments): one script of each kind, and each way features are named.
CASES: list[tuple[str, str, dict]] = [
    ("table", "listings.csv", {"target_columns": ["price"]}),
    ("table_drop", "listings.csv", {"target_columns": ["price"], "drop": ["Kind"]}),
    ("features_file", "y.csv", {"target_columns": ["price"], "features_path": "x.csv"}),
    ("features_drop", "y.csv", {"target_columns": ["price"], "features_path": "x.csv",
                                "drop": ["count"]}),
    ("text", "reviews.csv", {"target_columns": ["label"]}),
    ("multi_table", "listings.csv", {"target_columns": ["price", "sold"], "drop": ["Kind"]}),
    ("multi_features", "y.csv", {"target_columns": ["price", "sold"], "features_path": "x.csv",
                                 "outputs": True}),
    ("multi_drop", "y.csv", {"target_columns": ["price", "sold"], "features_path": "x.csv",
                             "drop": ["count"], "outputs": True}),
    ("images", "labels.csv", {"features_path": "images.npy"}),
    ("folder", "shapes", {}),
    ("segment", "masks.npy", {"features_path": "seg_images.npy"}),
    ("per_step", "tags.npy", {"features_path": "frames.npy", "per_step": True}),
    ("sequence", "kinds.npy", {"features_path": "frames.npy", "sequence": True}),
]  # fmt: skip


def _render(folder: Path, target: str, kw: dict, script_dir: str | None) -> str:
    kw = dict(kw)
    if "features_path" in kw:
        kw["features_path"] = str(folder / kw["features_path"])
    return scaffold_script(str(folder / target), script_dir=script_dir, **kw).script


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_every_script_kind_passes_ruff_with_long_paths(
    deep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    """Absolute paths as given; long relative paths, relative to the script's folder."""
    out = tmp_path / "scripts"
    out.mkdir()
    folder = deep
    if relative:
        monkeypatch.chdir(deep.parents[1])
        folder = Path(deep.parent.name, deep.name)
    for name, target, kw in CASES:
        script = _render(folder, target, kw, "." if relative else None)
        ast.parse(script)
        header = script.split("\nimport ", 1)[0]
        if relative:
            assert "= str(SCRIPT_DIR.joinpath(\n" in script, name  # the long relative form
            assert f"\n#   {folder / target}  # noqa: E501\n" in header, name
        else:
            # The target's path alone on a comment line, and its literal alone on a code line.
            assert f"\n#   {(deep / target).as_uri()}\n" in header, name
            assert f'\n    "{deep / target}' in script, name  # shapes/train for the folder
        if "features_path" in kw and not relative:
            assert f"\n#   {(deep / kw['features_path']).as_uri()}\n" in header, name
        (out / f"train_{name}.py").write_text(script)
    ruff(out)


def test_a_long_path_comment_is_still_the_path() -> None:
    """Short paths stay as given; a long absolute one is its URL; a long relative one is
    marked for ruff."""
    assert path_comment("/data/y.csv") == "/data/y.csv"
    long = "/" + "/".join(["segment of a path"] * 8) + "/y.csv"
    url = path_comment(long)
    assert url.startswith("file:///segment%20of%20a%20path/") and " " not in url
    assert unquote(url.removeprefix("file://")) == long
    assert path_comment("a/" * 50 + "y.csv").endswith("y.csv  # noqa: E501")


def test_a_long_path_literal_is_still_the_path() -> None:
    """The parenthesized literal evaluates to the same string; short paths keep one line."""
    long = "/" + "/".join(["segment_of_a_path"] * 8) + "/y.csv"
    code = data_path(long, None).code
    assert code.startswith("(\n    ") and eval(code) == long
    assert data_path("/data/y.csv", None).code == '"/data/y.csv"'
    spaced = data_path("/" + "a space/" * 12 + "y.csv", None).code
    assert spaced.endswith('y.csv"  # noqa: E501\n)')
    relative = data_path("a/" * 45 + "y.csv", ".").code
    assert relative.startswith("str(SCRIPT_DIR.joinpath(\n")
    assert data_path("data/y.csv", ".").code == 'str(SCRIPT_DIR / "data/y.csv")'
