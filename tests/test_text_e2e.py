"""End to end for free text: scaffold, run the script with TensorFlow, check it learned.

The texts are generated (tests/text_data.py): filler words plus two words of the row's class,
so a bag of words learns the class and one-hot categories could not (every text is distinct).
All marked ``slow``; each case is one TensorFlow run of some seconds.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from outhead.render import ScaffoldOptions
from outhead.scaffold import ScaffoldResult, scaffold_script
from tests.conftest import case_runs
from tests.test_scaffold_e2e import HIGHER_IS_BETTER, load_model, load_script, run_script
from tests.text_data import TOPICS, reviews, write_csv

pytestmark = pytest.mark.slow

EPOCHS = 8


@dataclass(frozen=True)
class TextCase:
    name: str
    head: tuple[int, str, str]
    classes: tuple[str, ...]


CASES = [
    TextCase("table-sentiment", (1, "sigmoid", "BinaryCrossentropy"), ("negative", "positive")),
    TextCase(
        "features-topics", (3, "softmax", "SparseCategoricalCrossentropy"), tuple(sorted(TOPICS))
    ),
]


@dataclass
class Run:
    case: TextCase
    data: Path
    result: ScaffoldResult
    script: Path
    out: Path
    stdout: str
    stderr: str
    returncode: int


def make_data(name: str, folder: Path) -> dict[str, Any]:
    """Write the case's files; return scaffold_script's arguments as a user would give them."""
    if name == "table-sentiment":
        write_csv(folder / "reviews.csv", reviews(600, seed=11))
        return {"target_path": "reviews.csv", "target_columns": ["label"]}
    rows = reviews(600, seed=12, classes=TOPICS)
    write_csv(folder / "topics.csv", [{"topic": r["label"]} for r in rows])
    features = [{"text": r["review"], "stars": r["stars"]} for r in rows]
    write_csv(folder / "articles.tsv", features, delimiter="\t")
    return {"target_path": "topics.csv", "features_path": "articles.tsv"}


def run_case(case: TextCase, folder: Path) -> Run:
    data = folder / "data"
    data.mkdir(parents=True)
    args = make_data(case.name, data)
    cwd = Path.cwd()
    os.chdir(data)
    try:
        result = scaffold_script(
            args.pop("target_path"),
            options=ScaffoldOptions(patience=3),
            script_dir=str(folder / "run"),
            **args,
        )
    finally:
        os.chdir(cwd)
    (folder / "run").mkdir()
    script = folder / "run" / "train.py"
    script.write_text(result.script, encoding="utf-8")
    out = folder / "run" / "out"
    proc = run_script(script, "--epochs", str(EPOCHS), "--output-dir", str(out), cwd=folder / "run")
    return Run(case, data, result, script, out, proc.stdout, proc.stderr, proc.returncode)


runs = case_runs(CASES, run_case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_text_script_trains_and_beats_the_baseline(case: TextCase, runs: Any, keras: Any) -> None:
    run = runs(case.name)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "(text)" in run.stdout  # the script's own line: "features: review (text), ..."

    model = load_model(keras, run.out / "model.keras")
    config = model.layers[-1].get_config()
    assert (config["units"], config["activation"], type(model.loss).__name__) == case.head
    names = [type(layer).__name__ for layer in model.layers]
    assert "TextVectorization" in names and "CategoryEncoding" in names
    assert any(tensor.dtype == "string" for tensor in model.inputs)

    metrics = json.loads((run.out / "metrics.json").read_text())
    assert set(metrics["test"]) == set(metrics["baseline"])
    for name, value in metrics["test"].items():
        baseline = metrics["baseline"][name]
        if name == "recall" and baseline == 1.0:
            assert value >= 0.8, (name, value, baseline)
        elif name in HIGHER_IS_BETTER:
            assert value > baseline, (name, value, baseline)
        else:
            assert value < baseline, (name, value, baseline)
    accuracy = next(v for k, v in metrics["test"].items() if k.endswith("accuracy"))
    assert accuracy >= 0.9, metrics

    labels = json.loads((run.out / "labels.json").read_text())
    assert labels["classes"] == list(case.classes)
    assert "text" in labels["feature_kinds"].values()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_saved_model_predicts_from_raw_text(case: TextCase, runs: Any, keras: Any) -> None:
    """New texts, never seen in training, through model.keras and predict_labels()."""
    run = runs(case.name)
    assert run.returncode == 0, run.stderr[-3000:]
    module = load_script(run.script)
    model = load_model(keras, run.out / "model.keras")
    classes = TOPICS if case.name == "features-topics" else None
    fresh = reviews(80, seed=99, classes=classes) if classes else reviews(80, seed=99)
    frame = pd.DataFrame(fresh)
    if case.name == "features-topics":
        frame = frame.rename(columns={"review": "text"})[["text", "stars"]]
    else:
        frame = frame[["review", "genre", "stars"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = module.predict_labels(model, frame, output_dir=run.out)
    truth = [row["label"] for row in fresh]
    assert set(predicted) <= set(case.classes)
    assert np.mean([p == t for p, t in zip(predicted, truth, strict=True)]) >= 0.9


def test_text_vectorizer_learns_words_and_pads_ids(runs: Any) -> None:
    """The script's vectorizer: words it was adapted on get ids, others share id 1, padding is 0."""
    run = runs("table-sentiment")
    assert run.returncode == 0, run.stderr[-3000:]
    module = load_script(run.script)
    texts = pd.Series(["Great film, loved it!", "zyzzyva"])
    layer = module.text_vectorizer(texts)
    vocabulary = layer.get_vocabulary()
    assert vocabulary[:2] == ["", "[UNK]"] and "great" in vocabulary and "it" in vocabulary
    ids = module.word_ids(layer, pd.Series(["loved it", "unseen words", None]))
    assert ids.shape == (3, 4)  # the longest training text has 4 words
    assert ids[1].tolist()[:2] == [1, 1] and ids[2].tolist() == [0, 0, 0, 0]


def test_same_seed_same_scores_for_text(runs: Any, tmp_path: Path) -> None:
    first = runs("table-sentiment")
    second = run_case(first.case, tmp_path)
    assert first.returncode == second.returncode == 0
    assert (first.out / "metrics.json").read_text() == (second.out / "metrics.json").read_text()
