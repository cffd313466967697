"""End to end for images: scaffold, run the script with TensorFlow, check it learned.

Small data with signal (16x16 shapes on noise, tests/image_data.py), a few epochs: each case
is one TensorFlow run of some seconds. All marked ``slow``.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from outhead.render import ScaffoldOptions
from outhead.render_images import ImageOptions
from outhead.scaffold import ScaffoldResult, scaffold_script
from tests.conftest import case_runs
from tests.image_data import shape_folder, shape_images
from tests.test_scaffold_e2e import HIGHER_IS_BETTER, load_model, load_script, run_script

pytestmark = pytest.mark.slow

EPOCHS = 4


@dataclass(frozen=True)
class ImageCase:
    name: str
    head: tuple[int, str, str]
    options: ScaffoldOptions = field(default_factory=ScaffoldOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)
    epochs: int = EPOCHS


CASES = [
    ImageCase("array-gray-multiclass", (3, "softmax", "SparseCategoricalCrossentropy")),
    ImageCase(
        "array-channels-first-binary-augment",
        (1, "sigmoid", "BinaryCrossentropy"),
        image_options=ImageOptions(augment=True),
        epochs=8,
    ),
    ImageCase("folder-split-binary", (1, "sigmoid", "BinaryCrossentropy")),
    ImageCase(
        "folder-gray-multiclass-logits",
        (3, "linear", "SparseCategoricalCrossentropy"),
        options=ScaffoldOptions(from_logits=True),
    ),
]


@dataclass
class Run:
    case: ImageCase
    data: Path
    result: ScaffoldResult
    script: Path
    out: Path
    stdout: str
    stderr: str
    returncode: int


def make_data(name: str, folder: Path) -> tuple[str, str | None]:
    """Write the case's data into ``folder``; return (target, features) as a user types them."""
    if name == "array-gray-multiclass":
        images, y = shape_images(360, classes=3, seed=1)
        np.save(folder / "images.npy", images)
        np.save(folder / "labels.npy", y)
        return "labels.npy", "images.npy"
    if name == "array-channels-first-binary-augment":
        images, y = shape_images(300, classes=2, seed=2)
        rgb = np.repeat(images[:, None], 3, axis=1).astype("float32") / 255.0
        np.save(folder / "images.npy", rgb)
        np.savetxt(
            folder / "labels.csv",
            np.where(y == 1, "bar", "square"),
            fmt="%s",
            header="shape",
            comments="",
        )
        return "labels.csv", "images.npy"
    if name == "folder-split-binary":
        shape_folder(folder / "pets", 320, classes=2, seed=3, splits=("train", "test"))
        return "pets", None
    shape_folder(folder / "shapes", 360, classes=3, seed=4, rgb=False)
    return "shapes", None


def run_case(case: ImageCase, folder: Path) -> Run:
    data = folder / "data"
    data.mkdir(parents=True)
    target, features = make_data(case.name, data)
    cwd = Path.cwd()
    os.chdir(data)
    try:
        result = scaffold_script(
            target,
            features_path=features,
            options=case.options,
            image_options=case.image_options,
            script_dir=str(folder / "run"),
        )
    finally:
        os.chdir(cwd)
    (folder / "run").mkdir()
    script = folder / "run" / "train.py"
    script.write_text(result.script, encoding="utf-8")
    out = folder / "run" / "out"
    proc = run_script(
        script, "--epochs", str(case.epochs), "--output-dir", str(out), cwd=folder / "run"
    )
    return Run(case, data, result, script, out, proc.stdout, proc.stderr, proc.returncode)


runs = case_runs(CASES, run_case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_image_script_trains_and_beats_the_baseline(case: ImageCase, runs: Any, keras: Any) -> None:
    run = runs(case.name)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "test split" in run.stdout and "baseline" in run.stdout

    model = load_model(keras, run.out / "model.keras")
    config = model.layers[-1].get_config()
    assert (config["units"], config["activation"], type(model.loss).__name__) == case.head
    assert any(type(layer).__name__ == "Conv2D" for layer in model.layers)

    metrics = json.loads((run.out / "metrics.json").read_text())
    plan = run.result.plan
    assert {"loss", *(m.name for m in plan.metrics)} <= set(metrics["test"])
    assert set(metrics["test"]) == set(metrics["baseline"])
    for name, value in metrics["test"].items():
        baseline = metrics["baseline"][name]
        if name == "recall" and baseline == 1.0:
            # Balanced classes: the trivial baseline always says "yes", so its recall is 1.
            assert value >= 0.8, (name, value, baseline)
        elif name in HIGHER_IS_BETTER:
            assert value > baseline, (name, value, baseline)
        else:
            assert value < baseline, (name, value, baseline)
    accuracy = next(v for k, v in metrics["test"].items() if k.endswith("accuracy"))
    assert accuracy >= 0.8, metrics

    labels = json.loads((run.out / "labels.json").read_text())
    layout = run.result.recommendation.layout
    assert labels["classes"] == list(layout.classes or [])


def test_array_predict_labels_takes_raw_images(runs: Any, keras: Any) -> None:
    run = runs("array-gray-multiclass")
    assert run.returncode == 0, run.stderr[-3000:]
    module = load_script(run.script)
    model = load_model(keras, run.out / "model.keras")
    images = np.load(run.data / "images.npy")[:60]  # uint8, as stored
    truth = np.load(run.data / "labels.npy")[:60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = module.predict_labels(model, images, output_dir=run.out)
    assert set(predicted) <= {0, 1, 2}
    assert np.mean(np.array(predicted) == truth) >= 0.8


def test_channels_first_model_takes_the_array_as_stored(runs: Any, keras: Any) -> None:
    run = runs("array-channels-first-binary-augment")
    assert run.returncode == 0, run.stderr[-3000:]
    model = load_model(keras, run.out / "model.keras")
    assert tuple(model.input_shape[1:]) == (3, 16, 16)
    names = [type(layer).__name__ for layer in model.layers]
    assert "Permute" in names and "Sequential" in names  # the augmentation block
    labels = json.loads((run.out / "labels.json").read_text())
    assert labels["classes"] == ["bar", "square"] and labels["input_shape"] == [3, 16, 16]


def test_folder_predict_labels_takes_image_paths(runs: Any, keras: Any) -> None:
    run = runs("folder-split-binary")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "images: " in run.stdout and " test" in run.stdout
    assert "80 test" in run.stdout  # the test folder, as it is
    module = load_script(run.script)
    model = load_model(keras, run.out / "model.keras")
    paths = sorted((run.data / "pets" / "test").glob("*/*.png"))
    truth = [path.parent.name for path in paths]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = module.predict_labels(model, [str(p) for p in paths], output_dir=run.out)
    assert set(predicted) <= {"hbar", "square"}
    assert np.mean([p == t for p, t in zip(predicted, truth, strict=True)]) >= 0.8


def test_folder_script_with_logits_predicts_class_names(runs: Any, keras: Any) -> None:
    run = runs("folder-gray-multiclass-logits")
    assert run.returncode == 0, run.stderr[-3000:]
    labels = json.loads((run.out / "labels.json").read_text())
    assert labels["from_logits"] is True and labels["color_mode"] == "grayscale"
    assert "first test images, predicted: [" in run.stdout


def test_same_seed_same_scores_for_images(runs: Any, tmp_path: Path) -> None:
    first = runs("array-gray-multiclass")
    second = run_case(first.case, tmp_path)
    assert first.returncode == second.returncode == 0
    assert (first.out / "metrics.json").read_text() == (second.out / "metrics.json").read_text()


def test_a_missing_image_folder_stops_with_one_line(runs: Any) -> None:
    run = runs("folder-split-binary")
    proc = run_script(run.script, "--train-dir", "nowhere", cwd=run.script.parent)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "error: nowhere: no such file; pass its location with --train-dir"


def test_arrays_too_big_for_memory_are_read_per_batch(runs: Any, keras: Any) -> None:
    """Past MEMORY_BYTES the script reads each batch's rows from the memory map; the batches
    hold the same images and targets as the in-memory ones."""
    run = runs("array-gray-multiclass")
    module = load_script(run.script)
    images = module.load_images(str(run.data / "images.npy"))
    assert isinstance(images, np.memmap)
    rows = np.arange(5, 105)
    y = np.arange(100)
    in_memory = module.make_batches(images, rows, y, 32)
    module.MEMORY_BYTES = 0
    streamed = module.make_batches(images, rows, y, 32, seed=7)
    assert isinstance(streamed, module.ImageBatches) and len(streamed) == 4
    got_x = np.concatenate([streamed[i][0] for i in range(len(streamed))])
    got_y = np.concatenate([streamed[i][1] for i in range(len(streamed))])
    want_x = np.concatenate([x.numpy() for x, _ in in_memory])
    assert sorted(got_y) == list(y)
    order = np.argsort(got_y)
    np.testing.assert_array_equal(got_x[order], want_x)
    streamed.on_epoch_end()  # a new epoch, a new order of the same rows
    assert sorted(np.concatenate([streamed[i][1] for i in range(4)])) == list(y)
