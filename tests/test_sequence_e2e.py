"""End to end for ``--sequence``: scaffold, run the script with TensorFlow, check it learned.

The class of each sequence is carried only by the order of its steps (tests/sequence_data.py:
a rising or falling ramp under noise, or which third of the steps holds a spike), so beating the
trivial baseline needs the temporal block. All marked ``slow``.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from outhead.scaffold import ScaffoldResult, scaffold_script
from tests.conftest import case_runs
from tests.sequence_data import ramps, spikes
from tests.test_scaffold_e2e import HIGHER_IS_BETTER, load_model, load_script, run_script

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class SequenceCase:
    name: str
    head: tuple[int, str, str]
    layer: str
    """The temporal layer the model must hold."""
    epochs: int = 15


CASES = [
    SequenceCase("ramps-conv1d-binary", (1, "sigmoid", "BinaryCrossentropy"), "Conv1D"),
    SequenceCase("spikes-gru-multiclass", (3, "softmax", "SparseCategoricalCrossentropy"), "GRU",
                 epochs=25),
]  # fmt: skip


@dataclass
class Run:
    case: SequenceCase
    data: Path
    result: ScaffoldResult
    script: Path
    out: Path
    stdout: str
    stderr: str
    returncode: int


def run_case(case: SequenceCase, folder: Path) -> Run:
    data = folder / "data"
    data.mkdir(parents=True)
    if case.name.startswith("ramps"):
        x, y = ramps(400, steps=64, features=2, noise=1.5, seed=1)
    else:
        x, y = spikes(450, steps=16, seed=2)
    np.save(data / "sequences.npy", x)
    np.save(data / "labels.npy", y)
    cwd = Path.cwd()
    os.chdir(data)
    try:
        result = scaffold_script(
            "labels.npy",
            features_path="sequences.npy",
            sequence=True,
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
def test_sequence_script_trains_and_beats_the_baseline(
    case: SequenceCase, runs: Any, keras: Any
) -> None:
    run = runs(case.name)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "test split" in run.stdout and "baseline" in run.stdout

    model = load_model(keras, run.out / "model.keras")
    config = model.layers[-1].get_config()
    assert (config["units"], config["activation"], type(model.loss).__name__) == case.head
    names = [type(layer).__name__ for layer in model.layers]
    assert case.layer in names and "Normalization" in names

    metrics = json.loads((run.out / "metrics.json").read_text())
    assert set(metrics["test"]) == set(metrics["baseline"])
    for name, value in metrics["test"].items():
        baseline = metrics["baseline"][name]
        if name == "recall" and baseline == 1.0:
            assert value >= 0.8, (name, value, baseline)  # the baseline always says "yes"
        elif name in HIGHER_IS_BETTER:
            assert value > baseline, (name, value, baseline)
        else:
            assert value < baseline, (name, value, baseline)
    accuracy = next(v for k, v in metrics["test"].items() if k.endswith("accuracy"))
    assert accuracy >= 0.8, metrics


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_predict_labels_takes_raw_sequences(case: SequenceCase, runs: Any, keras: Any) -> None:
    run = runs(case.name)
    assert run.returncode == 0, run.stderr[-3000:]
    module = load_script(run.script)
    model = load_model(keras, run.out / "model.keras")
    x = np.load(run.data / "sequences.npy")[:80]  # as stored, not normalized
    truth = np.load(run.data / "labels.npy")[:80]
    assert tuple(model.input_shape[1:]) == x.shape[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = module.predict_labels(model, x, output_dir=run.out)
    assert np.mean(np.array(predicted) == truth) >= 0.8
    labels = json.loads((run.out / "labels.json").read_text())
    assert labels["input_shape"] == list(x.shape[1:])
