"""``outhead scaffold MASKS.npy --features IMAGES.npy``: the segmentation script.

Golden script: ``tests/golden/train_segment.py``; regenerate it with
``OUTHEAD_REGEN_GOLDEN=1 python -m pytest tests/test_segment.py``. The slow test renders the
script for generated squares and circles and runs it with TensorFlow: it must beat the trivial
baseline (the most frequent class of each pixel) on per-pixel accuracy and mean IoU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.render import ScaffoldOptions
from outhead.render_segment import levels_for
from tests.test_images import GOLDEN, check_golden, render_in
from tests.test_render import ruff
from tests.test_scaffold_e2e import load_model, load_script, run_script


def shapes_and_masks(
    n: int = 40, size: int = 32, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gray images of circles (class 1) and squares (class 2) on noise, and their masks.

    A shape's pixels are darker or brighter than the noise around them, by class: the signal a
    model can learn, which the per-pixel majority (background everywhere) cannot.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    masks = np.zeros((n, size, size), dtype="uint8")
    images = rng.integers(0, 60, (n, size, size, 1)).astype("uint8")
    for i in range(n):
        for cls in (1, 2):
            r = int(rng.integers(3, size // 5))
            cy, cx = rng.integers(r, size - r, 2)
            if cls == 1:
                shape = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            else:
                shape = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
            masks[i][shape] = cls
    images[masks == 1] += 100
    images[masks == 2] += 190
    return images, masks


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    images, masks = shapes_and_masks()
    np.save(folder / "images.npy", images)
    np.save(folder / "masks.npy", masks)
    np.save(folder / "masks1.npy", masks[..., None])
    np.save(folder / "mask01.npy", (masks > 0).astype("uint8"))
    np.save(folder / "onehot.npy", np.eye(3, dtype="uint8")[masks])
    # overlapping masks: channel 0 any shape, channel 1 the squares, channel 2 the circles' rims
    rim = (masks == 1) & (np.roll(masks, 1, axis=2) != 1)
    np.save(folder / "multihot.npy", np.stack([masks > 0, masks == 2, rim], axis=-1)
            .astype("uint8"))
    np.save(folder / "small.npy", masks[:, :16, :16])
    np.save(folder / "fewer.npy", masks[:30])
    np.save(folder / "table_x.npy", np.zeros((40, 3)))
    return folder


def test_golden_segmentation_script(data: Path) -> None:
    check_golden("train_segment.py", render_in(data, "masks.npy", features_path="images.npy"))


def test_every_segmentation_script_passes_ruff(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "scripts"
    out.mkdir()
    cases = [
        ("masks.npy", ScaffoldOptions()),
        ("masks1.npy", ScaffoldOptions()),
        ("mask01.npy", ScaffoldOptions()),
        ("mask01.npy", ScaffoldOptions(from_logits=True)),
        ("onehot.npy", ScaffoldOptions()),
        ("onehot.npy", ScaffoldOptions(from_logits=True)),
        ("multihot.npy", ScaffoldOptions()),
        ("multihot.npy", ScaffoldOptions(from_logits=True)),
    ]
    for i, (target, options) in enumerate(cases):
        text = render_in(data, target, features_path="images.npy", options=options)
        (out / f"train_{i}.py").write_text(text)
    ruff(out)
    assert "Conv2D(\n        1, 1, bias_initializer=" in (out / "train_3.py").read_text()
    assert "masks = masks[..., 0]" in (out / "train_1.py").read_text()


def test_the_unet_is_sized_from_the_images() -> None:
    assert levels_for(32, 32) == 3
    assert levels_for(16, 16) == 2
    assert levels_for(12, 20) == 1  # 6x10, then 3 is odd
    assert levels_for(7, 9) == 0


@pytest.mark.parametrize(
    ("target", "features", "message"),
    [
        ("small.npy", "images.npy", "images of 32x32 and small.npy masks of 16x16"),
        ("fewer.npy", "images.npy", "has 40 images and fewer.npy has 30 masks"),
        ("masks.npy", "table_x.npy", "features must be an image array"),
    ],
)
def test_masks_that_cannot_label_the_images_exit_2(
    data: Path, monkeypatch: pytest.MonkeyPatch, target: str, features: str, message: str
) -> None:
    monkeypatch.chdir(data)
    result = CliRunner().invoke(app, ["scaffold", target, "--features", features,
                                      "--out", "train.py"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (data / "train.py").exists()


@pytest.mark.slow
def test_segmentation_script_learns_past_the_baseline(data: Path, tmp_path: Path,
                                                      keras: Any) -> None:
    images, masks = shapes_and_masks(n=120, seed=1)
    np.save(data / "images.npy", images)
    np.save(data / "masks.npy", masks)
    script = data / "train.py"
    result = CliRunner().invoke(app, ["scaffold", str(data / "masks.npy"), "--features",
                                      str(data / "images.npy"), "--out", str(script),
                                      "--batch-size", "16"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    proc = run_script(script, "--epochs", "30", "--output-dir", str(out), cwd=data)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    test, baseline = metrics["test"], metrics["baseline"]
    assert test["sparse_categorical_accuracy"] > baseline["sparse_categorical_accuracy"]
    assert test["mean_io_u"] > baseline["mean_io_u"] + 0.2
    labels = json.loads((out / "labels.json").read_text())
    assert labels["output_shape"] == [32, 32, 3] and labels["mask_values"] == [0, 1, 2]
    # the saved model takes raw images; predict_labels gives label maps of the masks' values
    module = load_script(script)
    model = load_model(keras, out / "model.keras")
    predicted = module.predict_labels(model, images[:4], labels)
    assert predicted.shape == (4, 32, 32)
    assert set(np.unique(predicted)) <= {0, 1, 2}
    assert (predicted == masks[:4]).mean() > baseline["sparse_categorical_accuracy"]


@pytest.mark.slow
def test_weighted_binary_mask_trains_with_a_tuned_threshold(data: Path, tmp_path: Path,
                                                            keras: Any) -> None:
    """A 0/1 mask whose "on" pixels are rare trains with the per-pixel weights (the targets
    carry the channel axis, so the loss keeps one value per pixel for them), and the threshold
    tuned on the validation pixels is saved and applied."""
    images, masks = shapes_and_masks(n=40, seed=3)
    np.save(data / "images.npy", images)
    np.save(data / "mask01.npy", (masks > 0).astype("uint8"))
    script = data / "train_bin.py"
    result = CliRunner().invoke(app, ["scaffold", str(data / "mask01.npy"), "--features",
                                      str(data / "images.npy"), "--out", str(script),
                                      "--batch-size", "8"])
    assert result.exit_code == 0, result.output
    assert "CLASS_WEIGHTS = " in script.read_text()
    out = tmp_path / "run"
    proc = run_script(script, "--epochs", "20", "--output-dir", str(out), cwd=data)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["binary_io_u"] > metrics["baseline"]["binary_io_u"] + 0.5
    labels = json.loads((out / "labels.json").read_text())
    threshold = labels["threshold"]
    assert 0.0 < threshold < 1.0 and metrics["decision"]["tuned"]["threshold"] == threshold
    module = load_script(script)
    model = load_model(keras, out / "model.keras")
    p = np.asarray(model.predict(images[:4].astype("float32"), verbose=0))[..., 0]
    predicted = module.predict_labels(model, images[:4], labels)
    assert np.array_equal(predicted, (p >= threshold).astype("int64"))


@pytest.mark.slow
def test_multi_hot_segmentation_script_learns_past_the_baseline(data: Path, tmp_path: Path,
                                                                keras: Any) -> None:
    images, masks = shapes_and_masks(n=80, seed=2)
    # two overlapping masks per pixel: "any shape" and "square"
    channels = np.stack([masks > 0, masks == 2], axis=-1).astype("uint8")
    np.save(data / "images.npy", images)
    np.save(data / "multihot.npy", channels)
    script = data / "train_mh.py"
    result = CliRunner().invoke(app, ["scaffold", str(data / "multihot.npy"), "--features",
                                      str(data / "images.npy"), "--out", str(script),
                                      "--batch-size", "16"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    proc = run_script(script, "--epochs", "30", "--output-dir", str(out), cwd=data)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    test, baseline = metrics["test"], metrics["baseline"]
    assert test["binary_accuracy"] > baseline["binary_accuracy"]
    assert test["iou_0"] > baseline["iou_0"] + 0.3 and test["iou_1"] > baseline["iou_1"] + 0.3
    module = load_script(script)
    model = load_model(keras, out / "model.keras")
    labels = json.loads((out / "labels.json").read_text())
    predicted = module.predict_labels(model, images[:4], labels)
    assert predicted.shape == (4, 32, 32, 2) and set(np.unique(predicted)) <= {0, 1}
    # one threshold per channel, tuned on the validation pixels, saved, scored and applied
    thresholds = labels["threshold"]
    assert len(thresholds) == 2 and all(0.0 < t < 1.0 for t in thresholds)
    assert labels["threshold_metric"] == "f1"
    assert metrics["decision"]["tuned"]["threshold"] == thresholds
    assert metrics["decision"]["at_0.5"]["threshold"] == 0.5
    p = np.asarray(model.predict(images[:4].astype("float32"), verbose=0))
    assert np.array_equal(predicted, (p >= np.asarray(thresholds)).astype("int64"))
    labels["threshold"] = [0.0, 1.01]
    moved = module.predict_labels(model, images[:4], labels)
    assert moved[..., 0].all() and not moved[..., 1].any()


def tagged_sequences(n: int = 60, steps: int = 32, width: int = 6,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, steps, width), labels (n, steps)): runs of one of 4 classes, whose
    one-hot code is added to the first 4 features of each step, over noise."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(rng.integers(0, 4, (n, steps // 4)), 4, axis=1)
    features = rng.normal(0, 1, (n, steps, width)).astype("float32")
    features[..., :4] += 2 * np.eye(4, dtype="float32")[labels]
    return features, labels


@pytest.fixture
def sequences(tmp_path: Path) -> Path:
    folder = tmp_path / "seq"
    folder.mkdir()
    features, labels = tagged_sequences()
    np.save(folder / "frames.npy", features)
    np.save(folder / "tags.npy", labels)
    np.save(folder / "tags_onehot.npy", np.eye(4, dtype="uint8")[labels])
    np.save(folder / "short.npy", labels[:, :16])
    np.save(folder / "flat.npy", features[:, :, 0])
    return folder


def test_per_step_scripts_pass_ruff(sequences: Path, tmp_path: Path) -> None:
    out = tmp_path / "scripts"
    out.mkdir()
    for i, target in enumerate(["tags.npy", "tags_onehot.npy"]):
        text = render_in(sequences, target, features_path="frames.npy", per_step=True)
        assert "keras.layers.Conv1D(filters, 3" in text and "Reshape" not in text
        assert 'keras.layers.Dense(\n        4, activation="softmax", bias_initializer=' in text
        (out / f"train_{i}.py").write_text(text)
    ruff(out)


@pytest.mark.parametrize("target", ["tags.npy", "tags_onehot.npy", "tags_binary.npy"])
def test_per_step_scripts_speak_of_features_labels_and_steps(sequences: Path, target: str) -> None:
    """The per-step script names its options and words after features, labels and steps; the
    image script (its golden) keeps --images-file and --masks-file."""
    labels = np.load(sequences / "tags.npy")
    np.save(sequences / "tags_binary.npy", (labels == 0).astype("int64"))
    text = render_in(sequences, target, features_path="frames.npy", per_step=True)
    assert '"--features-file", default=FEATURES_FILE' in text
    assert '"--labels-file", default=LABELS_FILE' in text
    assert 'require_file(args.features_file, "--features-file")' in text
    assert "# the features (--features-file)\n" in text
    assert "# and the labels (--labels-file)\n" in text
    assert 'name="features"' in text
    # the one contract kept from the image script: labels.json's "mask_values"
    leftover = text.replace('"mask_values"', "").replace("MASK_VALUES", "")
    leftover = leftover.replace("binary-mask", "")  # the name of the layout
    for word in ("image", "mask", "pixel", "position", "IMAGES", "MASKS"):
        assert word not in leftover, [ln for ln in leftover.splitlines() if word in ln]
    golden = (GOLDEN / "train_segment.py").read_text()
    assert '"--images-file", default=IMAGES_FILE' in golden
    assert '"--masks-file", default=MASKS_FILE' in golden


@pytest.mark.parametrize(
    ("target", "features", "message"),
    [
        ("short.npy", "frames.npy", "has 32 steps per example and short.npy 16"),
        ("tags.npy", "flat.npy", "features must be an array --features X.npy of shape (n, steps"),
    ],
)
def test_per_step_labels_that_cannot_label_the_features_exit_2(
    sequences: Path, monkeypatch: pytest.MonkeyPatch, target: str, features: str, message: str
) -> None:
    monkeypatch.chdir(sequences)
    result = CliRunner().invoke(app, ["scaffold", target, "--per-step", "--features", features,
                                      "--out", "train.py"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (sequences / "train.py").exists()


@pytest.mark.slow
def test_per_step_script_learns_past_the_baseline(sequences: Path, tmp_path: Path,
                                                  keras: Any) -> None:
    features, labels = tagged_sequences(n=200, seed=3)
    np.save(sequences / "frames.npy", features)
    np.save(sequences / "tags.npy", labels)
    script = sequences / "train.py"
    result = CliRunner().invoke(app, ["scaffold", str(sequences / "tags.npy"), "--per-step",
                                      "--features", str(sequences / "frames.npy"), "--out",
                                      str(script)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    proc = run_script(script, "--epochs", "20", "--output-dir", str(out), cwd=sequences)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    test, baseline = metrics["test"], metrics["baseline"]
    assert test["sparse_categorical_accuracy"] > baseline["sparse_categorical_accuracy"] + 0.3
    assert test["mean_io_u"] > baseline["mean_io_u"] + 0.2
    module = load_script(script)
    model = load_model(keras, out / "model.keras")
    labels_json = json.loads((out / "labels.json").read_text())
    predicted = module.predict_labels(model, features[:5], labels_json)
    assert predicted.shape == (5, 32) and set(np.unique(predicted)) <= {0, 1, 2, 3}


def test_outputs_on_a_mask_is_refused_in_one_line(tmp_path: Path) -> None:
    """--outputs splits the columns of a table; a mask's channels are one target."""
    import numpy as np
    from typer.testing import CliRunner

    from outhead.cli import app

    masks = np.eye(3, dtype="float32")[np.random.default_rng(0).integers(0, 3, (20, 8, 8))]
    np.save(tmp_path / "m.npy", masks)
    np.save(tmp_path / "x.npy", np.random.default_rng(1).random((20, 8, 8, 3), dtype="float32"))
    for args in (
        ["inspect", str(tmp_path / "m.npy"), "--outputs"],
        ["scaffold", str(tmp_path / "m.npy"), "--outputs", "--features", str(tmp_path / "x.npy"),
         "--out", str(tmp_path / "t.py")],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.stdout + result.stderr
        assert result.stderr.startswith("error: ") and "--outputs" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t.py").exists()
