"""Maps: NPY/NPZ targets of rank 3 to 5 (masks, one-hot maps, heat maps) and per-step labels.

Reading (per position, in batches of whole examples), the map layouts inferred per position,
the head per pixel or step, the JSON (``output_shape`` for every layout), and the check rules of
maps (OH207-OH210, OH603), triggered and not.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from outhead.api import infer_target, inspect_target
from outhead.check import DeclaredHead, check_head
from outhead.cli import app
from outhead.errors import FormatError
from outhead.layout import LayoutKind, Task
from outhead.reading import ReadOptions, scan_target
from tests.conftest import ROOT, SAMPLE_DATA

SCHEMA = json.loads((ROOT / "outhead" / "schemas" / "inspect.schema.json").read_text())
RNG = np.random.default_rng(7)


def _save(tmp: Path, name: str, arr: np.ndarray) -> Path:
    path = tmp / name
    if name.endswith(".npz"):
        np.savez(path, y=arr)
    else:
        np.save(path, arr)
    return path


def _squares(n: int = 24, h: int = 12, w: int = 10, k: int = 3) -> np.ndarray:
    """Class maps: background 0 and one rectangle of a class 1..k-1 per example."""
    rng = np.random.default_rng(n * h + w)
    out = np.zeros((n, h, w), dtype="int64")
    for i in range(n):
        r, c = rng.integers(0, h // 2), rng.integers(0, w // 2)
        out[i, r : r + h // 2, c : c + w // 2] = 1 + i % (k - 1)
    return out


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["m.npy", "m.npz"])
def test_a_map_is_read_per_position_in_batches_of_examples(tmp_path: Path, name: str) -> None:
    y = _squares()
    path = _save(tmp_path, name, y)
    whole = scan_target(path)
    # batches of 5 examples: the same statistics as one pass
    batched = scan_target(path, batch_rows=5) if name.endswith("npy") else whole
    for stats in (whole, batched):
        assert stats.n_rows == y.size
        assert stats.source.shape == y.shape
        assert stats.columns[0].counts == {v: int((y == v).sum()) for v in np.unique(y)}


def test_a_fortran_ordered_map_reads_the_same(tmp_path: Path) -> None:
    y = np.eye(3, dtype="uint8")[_squares()]
    a = scan_target(_save(tmp_path, "c.npz", y))
    np.savez(tmp_path / "f.npz", y=np.asfortranarray(y))
    b = scan_target(tmp_path / "f.npz")
    assert [c.counts for c in a.columns] == [c.counts for c in b.columns]
    assert a.matrix is not None and b.matrix is not None


def test_rank_six_exits_2_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = _save(tmp_path, "r6.npy", np.zeros((2, 2, 2, 2, 2, 2)))
    with pytest.raises(FormatError, match="6 dimensions"):
        scan_target(path)
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "3 to 5" in result.stderr


def test_per_step_applies_to_arrays_only(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", str(SAMPLE_DATA / "noble_gas.csv"), "--per-step"])
    assert result.exit_code == 2
    assert "--per-step applies to .npy and .npz" in result.stderr
    assert result.stdout == ""


def test_per_step_refuses_values_that_are_not_class_ids(runner: CliRunner, tmp_path: Path) -> None:
    path = _save(tmp_path, "f.npy", RNG.random((10, 6)))
    result = runner.invoke(app, ["inspect", str(path), "--per-step"])
    assert result.exit_code == 2
    assert "not whole numbers" in result.stderr and result.stderr.count("\n") == 1


def test_a_single_example_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="only 1 example"):
        infer_target(_save(tmp_path, "one.npy", _squares()[:1]))


# --------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------


def _layout(tmp: Path, arr: np.ndarray, **kw: object):
    return infer_target(_save(tmp, "y.npy", arr), ReadOptions(**kw))  # type: ignore[arg-type]


def test_class_maps_with_and_without_a_channel_axis(tmp_path: Path) -> None:
    y = _squares(k=4)
    a = _layout(tmp_path, y)
    b = _layout(tmp_path, y[..., None])
    for layout in (a, b):
        assert layout.kind == LayoutKind.CLASS_MAP and layout.task == Task.MULTICLASS
        assert layout.n_rows == 24 and layout.map_shape == (12, 10) and layout.n_outputs == 4
        assert sum(layout.class_counts or ()) == y.size
    assert a.map_channels is None and b.map_channels == 1
    background = (y == 0).mean()
    assert f"{background:.1%} of positions (the background)" in " ".join(a.evidence)


def test_binary_mask_one_hot_multi_hot_and_continuous_maps(tmp_path: Path) -> None:
    mask = (_squares() > 0).astype("uint8")
    assert _layout(tmp_path, mask).kind == LayoutKind.BINARY_MASK
    assert _layout(tmp_path, mask.astype(bool)).kind == LayoutKind.BINARY_MASK
    one_hot = np.eye(3, dtype="uint8")[_squares()]
    assert _layout(tmp_path, one_hot).kind == LayoutKind.ONE_HOT_MAP
    multi = (RNG.random((20, 6, 6, 3)) < 0.4).astype("uint8")
    layout = _layout(tmp_path, multi)
    assert layout.kind == LayoutKind.MULTI_HOT_MAP and layout.task == Task.MULTILABEL
    assert _layout(tmp_path, RNG.normal(5, 2, (20, 6, 6))).kind == LayoutKind.CONTINUOUS_MAP
    assert _layout(tmp_path, RNG.random((20, 6, 6, 1))).kind == LayoutKind.BOUNDED_MAP
    volume = _layout(tmp_path, np.eye(2, dtype="uint8")[RNG.integers(0, 2, (6, 3, 4, 4))])
    assert volume.kind == LayoutKind.ONE_HOT_MAP and volume.map_shape == (3, 4, 4)
    rec = inspect_target(tmp_path / "y.npy")
    assert rec.head.layer_code() == 'keras.layers.Conv3D(2, 1, activation="softmax")'
    assert rec.output_shape == (3, 4, 4, 2)


def test_per_step_labels(tmp_path: Path) -> None:
    y = RNG.integers(0, 5, (30, 9))
    layout = _layout(tmp_path, y, per_step=True)
    assert layout.kind == LayoutKind.CLASS_MAP and layout.per_step
    assert layout.map_shape == (9,) and layout.n_rows == 30 and layout.n_outputs == 5
    # without --per-step the same array is 9 columns of rows
    assert not _layout(tmp_path, y).is_map


def test_an_interpolated_mask_is_read_as_continuous_and_said(tmp_path: Path) -> None:
    mask = (_squares() > 0).astype("float32")
    mask[:, 0, 0] = 0.5  # a resized mask: edges between 0 and 1
    layout = _layout(tmp_path, mask)
    assert layout.kind == LayoutKind.BOUNDED_MAP
    (warning,) = [d for d in layout.diagnostics if d.code == "non-integer-classes"]
    assert "0.5" in warning.message and "nearest-neighbour" in (warning.fix or "")
    assert not any(d.code == "non-integer-classes" for d in _layout(tmp_path, mask > 0.5)
                   .diagnostics)


_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow,
                                            HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(k=st.integers(3, 6), n=st.integers(2, 5), h=st.integers(1, 6), w=st.integers(1, 6),
       channel=st.booleans(), seed=st.integers(0, 2**16))
def test_a_generated_class_map_comes_back_as_a_class_map(
    tmp_path: Path, k: int, n: int, h: int, w: int, channel: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.resize(np.arange(k), n * h * w)).reshape(n, h, w)
    if n * h * w < 2 * k:
        return  # too few positions for every class to be read as a label
    layout = _layout(tmp_path, y[..., None] if channel else y)
    assert layout.kind == LayoutKind.CLASS_MAP
    assert layout.n_outputs == k and layout.map_shape == (h, w) and layout.n_rows == n


@_SETTINGS
@given(k=st.integers(2, 6), n=st.integers(2, 6), h=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_a_generated_one_hot_map_comes_back_as_one(
    tmp_path: Path, k: int, n: int, h: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.resize(np.arange(k), n * h * h)).reshape(n, h, h)
    layout = _layout(tmp_path, np.eye(k, dtype="uint8")[ids])
    assert layout.kind == LayoutKind.ONE_HOT_MAP
    assert layout.n_outputs == k and layout.map_channels == k


@_SETTINGS
@given(n=st.integers(2, 6), h=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_a_generated_binary_mask_comes_back_as_one(
    tmp_path: Path, n: int, h: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.resize(np.arange(2), n * h * h)).reshape(n, h, h)
    layout = _layout(tmp_path, y.astype("uint8"))
    assert layout.kind == LayoutKind.BINARY_MASK and layout.n_outputs == 1


# --------------------------------------------------------------------------------------------
# The head, the CLI and the JSON
# --------------------------------------------------------------------------------------------


def test_the_head_of_each_map(tmp_path: Path) -> None:
    rec = inspect_target(_save(tmp_path, "c.npy", _squares(k=4)))
    assert rec.head.layer_code() == 'keras.layers.Conv2D(4, 1, activation="softmax")'
    assert rec.head.loss_class == "SparseCategoricalCrossentropy"
    assert [m.code() for m in rec.metrics] == [
        "keras.metrics.SparseCategoricalAccuracy()",
        "keras.metrics.MeanIoU(num_classes=4, sparse_y_pred=False)",
    ]
    assert rec.output_shape == (12, 10, 4) and rec.class_weight is None
    assert rec.position_weight is not None and rec.position_weight[0] < 1 < rec.position_weight[1]
    mask = inspect_target(_save(tmp_path, "b.npy", (_squares() > 0).astype("uint8")))
    assert mask.head.layer_code() == 'keras.layers.Conv2D(1, 1, activation="sigmoid")'
    assert "BinaryIoU" in [m.cls for m in mask.metrics]
    one_hot = inspect_target(_save(tmp_path, "o.npy", np.eye(3, dtype="uint8")[_squares()]))
    assert one_hot.head.loss_class == "CategoricalCrossentropy"
    assert [m.cls for m in one_hot.metrics] == ["CategoricalAccuracy", "OneHotMeanIoU"]
    steps = inspect_target(_save(tmp_path, "s.npy", RNG.integers(0, 3, (20, 7))),
                           ReadOptions(per_step=True))
    assert steps.head.layer_code() == 'keras.layers.Dense(3, activation="softmax")'
    assert steps.output_shape == (7, 3)
    logits = inspect_target(_save(tmp_path, "b.npy", (_squares() > 0).astype("uint8")),
                            from_logits=True)
    assert logits.head.layer_code(bare_linear=True) == "keras.layers.Conv2D(1, 1)"
    assert dict(logits.metrics[1].args)["threshold"] == 0.0


def test_the_shapes_are_explained(tmp_path: Path) -> None:
    plain = inspect_target(_save(tmp_path, "a.npy", _squares()))
    channel = inspect_target(_save(tmp_path, "b.npy", _squares()[..., None]))
    assert "(n, 12, 10), one class id per position without a channel axis" in plain.why[-1]
    assert "(n, 12, 10, 1)" in channel.why[-1] and "squeeze" in channel.why[-1]


def test_inspect_json_of_a_mask(runner: CliRunner, tmp_path: Path) -> None:
    path = _save(tmp_path, "m.npz", (_squares() > 0).astype("uint8"))
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["layout"] == "binary-mask" and doc["output_shape"] == [12, 10, 1]
    assert doc["n_rows"] == 24 and doc["class_weight"] is None
    assert set(doc["position_weight"]) == {"0", "1"}


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("noble_gas.csv", [], [6]),
        ("noble_gas_presence.csv", [], [6]),
        ("machine_failure.csv", [], [1]),
        ("machine_failure.csv", ["--two-node"], [2]),
        ("noble_gas_onehot.csv", [], [6]),
        ("house_prices.csv", ["--column", "price"], [1]),
    ],
)
def test_output_shape_of_the_layouts_of_rows(
    runner: CliRunner, name: str, args: list[str], shape: list[int]
) -> None:
    result = runner.invoke(app, ["inspect", str(SAMPLE_DATA / name), *args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["output_shape"] == shape == [doc["units"]]
    assert doc["position_weight"] is None


def test_inspect_human_output_of_a_class_map(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(_save(tmp_path, "m.npy", _squares()))])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "shape (24, 12, 10): 24 examples × 12×10 positions" in " ".join(out.split())
    assert "Layout: class-map → multiclass (3 classes)" in out
    assert "output shape   (12, 10, 3) per example" in out
    assert 'keras.layers.Conv2D(3, 1, activation="softmax")' in out
    assert "class_weight does not apply to maps" in " ".join(out.split())


@pytest.mark.parametrize("kind", ["class ids", "imbalanced one-hot", "imbalanced 0/1"])
def test_per_step_reports_speak_of_steps(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    """Per-step labels: the evidence, head, weights and warnings say steps, never positions
    (the statistics are over positions only in the sense of the steps)."""
    rng = np.random.default_rng(3)
    if kind == "class ids":
        y = rng.integers(0, 4, (40, 12))
    elif kind == "imbalanced one-hot":
        y = np.eye(3)[rng.choice(3, (40, 12), p=[0.9, 0.05, 0.05])]
    else:
        y = (rng.random((40, 12)) < 0.1).astype("int64")
    path = _save(tmp_path, "steps.npy", y)
    result = runner.invoke(app, ["inspect", str(path), "--per-step", "--width", "100"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "position" not in out and "pixel" not in out and "(n, H, W" not in out
    assert "40 examples of 12 steps" in out and "over its 480 steps" in out
    assert "one output per step" in out
    if kind != "class ids":
        assert "sample_weight per step, by class" in out and "[class-imbalance]" in out
        assert "the largest has" in out and "weight each step: sample_weight" in out
    doc = json.loads(runner.invoke(app, ["inspect", str(path), "--per-step", "--json"]).stdout)
    texts = [*doc["evidence"], *doc["why"], doc["decision_text"],
             *(d[k] or "" for d in doc["warnings"] for k in ("message", "fix"))]
    assert not [t for t in texts if "position" in t]
    assert len(doc["warnings"]) == (0 if kind == "class ids" else 1)


def test_image_maps_keep_speaking_of_positions(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(_save(tmp_path, "m.npy", _squares())),
                                 "--width", "100"])
    out = " ".join(result.stdout.split())
    assert "over its 2,880 positions" in out and "one output per position" in out
    assert "per-pixel accuracy" in out and "step" not in out


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------


def _codes(layout, **head: object) -> list[str]:
    return [f.code for f in check_head(layout, DeclaredHead(**head))]  # type: ignore[arg-type]


def test_check_rules_of_maps(tmp_path: Path) -> None:
    ids = _layout(tmp_path, _squares(k=4))
    one_hot = _layout(tmp_path, np.eye(3, dtype="uint8")[_squares()])
    mask = _layout(tmp_path, (_squares() > 0).astype("uint8"))
    scce, cce, bce = ("sparse_categorical_crossentropy", "categorical_crossentropy",
                      "binary_crossentropy")
    # the recommended heads pass
    assert _codes(ids, units=4, activation="softmax", loss=scce) == []
    assert _codes(one_hot, units=3, activation="softmax", loss=cce) == []
    assert _codes(mask, units=1, activation="sigmoid", loss=bce) == []
    assert _codes(mask, units=2, activation="softmax", loss=scce) == []
    # each mistake, its code
    assert _codes(one_hot, units=3, activation="softmax", loss=scce) == ["OH207"]
    assert _codes(ids, units=4, activation="softmax", loss=cce) == ["OH208"]
    assert _codes(mask, units=1, activation="softmax", loss=bce) == ["OH209"]
    assert _codes(ids, units=3, activation="softmax", loss=scce) == ["OH210"]
    assert _codes(one_hot, units=4, activation="softmax", loss=cce) == ["OH210"]
    extra = check_head(ids, DeclaredHead(units=6, activation="softmax", loss=scce))
    assert [(f.code, f.severity) for f in extra] == [("OH210", "error")]
    assert "never get a label" in extra[0].message
    assert _codes(ids, units=4, activation="softmax", loss=scce, class_weight=True) == ["OH603"]
    # the row rules do not speak about maps
    assert "OH201" not in _codes(mask, units=1, activation="softmax", loss=bce)


def test_check_messages_quote_keras_with_the_map_shapes(tmp_path: Path) -> None:
    one_hot = _layout(tmp_path, np.eye(3, dtype="uint8")[_squares()])
    (f,) = check_head(one_hot, DeclaredHead(units=3, activation="softmax",
                                            loss="sparse_categorical_crossentropy"))
    assert "target.shape=(None, 12, 10, 3), output.shape=(None, 12, 10, 3)" in f.message
    ids = _layout(tmp_path, _squares())
    (f,) = check_head(ids, DeclaredHead(units=3, activation="softmax",
                                        loss="sparse_categorical_crossentropy",
                                        class_weight=True))
    assert "only 0-dimensional arrays" in f.message and "sample_weight=np.array([" in (f.fix or "")
    steps = _layout(tmp_path, RNG.integers(0, 3, (20, 7)), per_step=True)
    (f,) = check_head(steps, DeclaredHead(units=3, activation="softmax",
                                          loss="sparse_categorical_crossentropy",
                                          class_weight=True))
    assert "argmax over the steps" in f.message


def test_check_cli_on_a_mask(runner: CliRunner, tmp_path: Path) -> None:
    path = _save(tmp_path, "m.npy", _squares(k=4))
    bad = runner.invoke(app, ["check", str(path), "--units", "4", "--activation", "softmax",
                              "--loss", "categorical_crossentropy"])
    assert bad.exit_code == 1 and "OH208" in bad.stdout
    good = runner.invoke(app, ["check", str(path), "--units", "4", "--activation", "softmax",
                               "--loss", "sparse_categorical_crossentropy"])
    assert good.exit_code == 0, good.output
    steps = _save(tmp_path, "s.npy", RNG.integers(0, 3, (20, 7)))
    cw = runner.invoke(app, ["check", str(steps), "--per-step", "--units", "3", "--activation",
                             "softmax", "--loss", "sparse_categorical_crossentropy",
                             "--class-weight"])
    assert cw.exit_code == 1 and "OH603" in cw.stdout


def test_per_step_needs_a_target_in_check(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", "--per-step"])
    assert result.exit_code == 2 and "--per-step needs a TARGET" in result.stderr



@pytest.mark.parametrize(
    "command",
    [
        "inspect sample_data/shape_masks.npy",
        "check sample_data/shape_masks.npy --units 3 --activation softmax --loss "
        "categorical_crossentropy --class-weight",
    ],
)
def test_readme_mask_examples_are_real_output(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"$ outhead {command}\n") + len(f"$ outhead {command}\n")
    shown = readme[start : readme.index("```", start)]
    monkeypatch.chdir(ROOT)
    args = command.split() + (["--width", "100"] if command.startswith("inspect") else [])
    result = runner.invoke(app, args)
    assert result.stdout == shown


def test_readme_per_step_example_is_real_output(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    readme = (ROOT / "README.md").read_text()
    command = "$ outhead inspect steps.npy --per-step\n"
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("```", start)]
    monkeypatch.chdir(tmp_path)
    # the README's one-liner that makes the file
    np.save("steps.npy", np.repeat(np.random.default_rng(0).integers(0, 4, (50, 8)), 3, axis=1))
    result = runner.invoke(app, ["inspect", "steps.npy", "--per-step", "--width", "100"])
    assert result.stdout == shown


def test_per_step_in_the_project_configuration(runner: CliRunner, tmp_path: Path) -> None:
    np.save(tmp_path / "steps.npy", RNG.integers(0, 3, (20, 7)))
    (tmp_path / "outhead.toml").write_text(
        '[[targets]]\npath = "steps.npy"\nper_step = true\n'
        'head = { units = 3, activation = "softmax", loss = "sparse_categorical_crossentropy", '
        "class_weight = true }\n"
    )
    result = runner.invoke(app, ["check", "--config", str(tmp_path / "outhead.toml"),
                                 "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    (target,) = doc["files"]
    assert target["layout"] == "class-map"
    assert [f["code"] for f in target["findings"]] == ["OH603"]
