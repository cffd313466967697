"""``scaffold --features X.npy --sequence``: sequence arrays to a GRU or Conv1D blocks + head.

Golden script: ``tests/golden/train_sequence.py``; regenerate it with
``OUTHEAD_REGEN_GOLDEN=1 python -m pytest tests/test_sequence.py``. The end-to-end runs are in
``tests/test_sequence_e2e.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from outhead.render import ScaffoldOptions
from outhead.render_sequence import GRU_MAX_STEPS, conv_blocks, sequence_block
from outhead.sequence_arrays import describe_sequence_array
from tests.sequence_data import ramps, spikes
from tests.test_images import check_golden, invoke, one_line_error, render_in
from tests.test_render import ruff


@pytest.fixture
def signals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Long ramps (120, 64, 2), short spikes (120, 16) and their labels, in the cwd."""
    x, y = ramps(120, steps=64, features=2)
    np.save(tmp_path / "X.npy", x)
    np.save(tmp_path / "y.npy", y)
    s, k = spikes(120, steps=16)
    np.save(tmp_path / "S.npy", s)
    np.save(tmp_path / "k.npy", k)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_block_is_chosen_from_the_steps() -> None:
    assert sequence_block(GRU_MAX_STEPS) == "gru"
    assert sequence_block(GRU_MAX_STEPS + 1) == "conv"
    assert [conv_blocks(t) for t in (8, 15, 16, 31, 32, 64, 1000)] == [1, 1, 2, 2, 3, 3, 3]


def test_scaffold_sequence_renders_conv1d_for_long_sequences(signals: Path) -> None:
    result = invoke("scaffold", "y.npy", "--features", "X.npy", "--sequence", "--out", "train.py")
    assert result.exit_code == 0, result.output
    assert "note: X.npy: 120 sequences of 64 steps, 2 features per step" in result.stderr
    assert "3 Conv1D blocks" in result.stderr
    assert "binary: Dense(1, sigmoid) + BinaryCrossentropy" in result.stderr
    script = (signals / "train.py").read_text()
    ast.parse(script)
    assert "keras.layers.Conv1D(" in script and "GlobalMaxPooling1D()" in script
    assert "keras.layers.GRU(" not in script
    assert "keras.layers.Normalization(axis=-1)" in script and "normalize.adapt(x_train)" in script
    assert "Reshape" not in script  # (n, steps, features) goes in as stored
    assert 'SEQUENCES_FILE = str(SCRIPT_DIR / "X.npy")' in script
    assert "def predict_labels(" in script


def test_scaffold_sequence_renders_a_gru_for_short_flat_sequences(signals: Path) -> None:
    result = invoke("scaffold", "k.npy", "--features", "S.npy", "--sequence")
    assert result.exit_code == 0, result.output
    assert "note: S.npy: 120 sequences of 16 steps, 1 feature per step" in result.stderr
    assert "a GRU of 32 units" in result.stderr
    assert "multiclass: Dense(3, softmax) + SparseCategoricalCrossentropy" in result.stderr
    script = result.stdout
    assert "keras.layers.GRU(GRU_UNITS, seed=seed)" in script
    assert "keras.layers.Conv1D" not in script
    assert "keras.layers.Reshape((input_shape[0], 1))" in script  # (n, T): one feature


def test_without_sequence_a_3d_array_is_still_images(signals: Path) -> None:
    result = invoke("scaffold", "y.npy", "--features", "X.npy")
    assert result.exit_code == 0, result.output
    assert "Conv2D" in result.stdout and "Conv1D" not in result.stdout
    assert "120 images of 64x2" in result.stderr


def test_sequence_notes_options_that_do_not_apply(signals: Path) -> None:
    result = invoke(
        "scaffold", "y.npy", "--features", "X.npy", "--sequence", "--augment", "--stream"
    )
    assert result.exit_code == 0, result.output
    assert "--stream applies to tables" in result.stderr
    assert "--augment and --image-size apply to images" in result.stderr


def test_bad_sequence_input_is_one_line_errors(signals: Path) -> None:
    np.save("X4.npy", np.zeros((120, 4, 3, 2), "float32"))
    np.save("X1.npy", np.zeros(120, "float32"))
    np.save("short.npy", np.zeros((50, 64, 2), "float32"))
    nan = np.load("X.npy")
    nan[3, 60:] = np.nan
    np.save("nan.npy", nan)
    np.save("tags.npy", np.zeros((120, 64), "int64"))
    np.save("maps.npy", np.random.default_rng(0).integers(0, 3, (120, 64, 2)))
    Path("table.csv").write_text("a,b\n" + "1,2\n" * 120)
    seq = ("--sequence",)
    cases = [
        (("y.npy", "--features", "X4.npy", *seq), ("X4.npy", "4 dimensions")),
        (("y.npy", "--features", "X1.npy", *seq), ("X1.npy", "1 dimensions")),
        (("y.npy", "--features", "table.csv", *seq), ("table.csv", "not a table")),
        (("y.npy", "--features", "short.npy", *seq), ("short.npy", "50 sequences", "120 rows")),
        (("y.npy", "--features", "nan.npy", *seq), ("nan.npy", "NaN")),
        (("tags.npy", "--features", "X.npy", "--per-step", *seq), ("tags.npy", "--per-step")),
        (("maps.npy", "--features", "X.npy", *seq), ("maps.npy", "use --per-step instead")),
        (("y.npy", *seq), ("--features X.npy",)),
        (("y.npy", "--features", "X.npy", "--drop", "a", *seq), ("X.npy", "--drop")),
        (("y.npy", "--features", "X.npy", "--text", "a", *seq), ("--text", "sequences")),
    ]
    for args, words in cases:
        one_line_error(invoke("scaffold", *args, "--out", "t.py"), *words)
    assert not Path("t.py").exists()  # nothing written


def test_describe_sequence_array_reads_npz_with_a_key(signals: Path) -> None:
    x, _ = ramps(20, steps=40)
    np.savez("X.npz", x=x, other=x[:, :3])
    described = describe_sequence_array("X.npz", key="x")
    assert (described.n_examples, described.steps, described.features) == (20, 40, 2)
    assert described.format == "npz" and described.key == "x" and not described.flat


def test_every_sequence_script_passes_ruff(signals: Path, tmp_path: Path) -> None:
    x, y = ramps(60, steps=40)
    np.savez("X.npz", x=x)
    np.save("y60.npy", y)
    np.save("price.npy", x[:, :, 0].mean(axis=1) + np.linspace(0, 1, 60))
    np.save("multi.npy", np.eye(3, dtype="int64")[np.arange(60) % 3])
    Path("names.csv").write_text("kind\n" + "\n".join(["up", "down"][v] for v in y) + "\n")
    out = tmp_path / "scripts"
    out.mkdir()
    cases: list[tuple[str, dict[str, object]]] = [
        ("y.npy", {"features_path": "X.npy"}),
        ("k.npy", {"features_path": "S.npy"}),
        ("y60.npy", {"features_path": "X.npz", "options": ScaffoldOptions(from_logits=True)}),
        ("price.npy", {"features_path": "X.npz"}),
        ("multi.npy", {"features_path": "X.npz", "options": ScaffoldOptions(hidden=())}),
        ("names.csv", {"features_path": "X.npz", "options": ScaffoldOptions(two_node=True)}),
    ]
    for i, (target, kw) in enumerate(cases):
        text = render_in(signals, target, sequence=True, script_dir=str(out), **kw)
        ast.parse(text)
        (out / f"train_{i}.py").write_text(text)
    ruff(out)


def test_golden_sequence_script(signals: Path) -> None:
    check_golden(
        "train_sequence.py", render_in(signals, "y.npy", features_path="X.npy", sequence=True)
    )
