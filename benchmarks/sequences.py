"""Time per epoch of the scaffolded sequence script against a hand-written Keras Conv1D pipeline.

Run from the repository root::

    python benchmarks/sequences.py            # 4,000 sequences of 128 steps x 4 features
    python benchmarks/sequences.py --quick    # a tenth of that

Data (a rising or falling ramp under noise, ``tests/sequence_data.py``) is generated, seeded,
into ``benchmarks/data/sequences/`` (git-ignored). The scaffolded script (``scaffold
--sequence``: Normalization adapted on the training rows, 3 Conv1D blocks, GlobalMaxPooling1D,
the hidden layers, the head) runs as is; the hand-written pipeline is the Conv1D network one
writes from the Keras examples (Conv1D/MaxPooling1D blocks, GlobalMaxPooling1D, Dense), on the
same arrays, the same split sizes and batch size, with no Normalization layer. The time per
epoch is Keras's own (steps x time per step, ``verbose=2``), the median over the epochs after
the first, and the median over ``--rounds`` rounds that alternate the contenders. No timed
assertion anywhere: this prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATA = ROOT / "benchmarks" / "data" / "sequences"

HANDWRITTEN = """
import sys, numpy as np, keras
keras.utils.set_random_seed(0)
x = np.load(sys.argv[1]).astype("float32"); y = np.load(sys.argv[2]).astype("float32")
n_train, n_val = round(len(x) * 0.6), round(len(x) * 0.2)  # the script's split sizes
inputs = keras.Input(shape=x.shape[1:])
h = keras.layers.Conv1D(32, 5, padding="same", activation="relu")(inputs)
h = keras.layers.MaxPooling1D()(h)
h = keras.layers.Conv1D(64, 5, padding="same", activation="relu")(h)
h = keras.layers.MaxPooling1D()(h)
h = keras.layers.Conv1D(128, 5, padding="same", activation="relu")(h)
h = keras.layers.GlobalMaxPooling1D()(h)
h = keras.layers.Dense(64, activation="relu")(h)
h = keras.layers.Dense(32, activation="relu")(h)
model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x[:n_train], y[:n_train], validation_data=(x[n_train:n_train + n_val],
          y[n_train:n_train + n_val]), batch_size=32, epochs=int(sys.argv[3]), verbose=2)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sequences")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="the median over rounds is shown")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import numpy as np
    from images import epoch_seconds, run

    from tests.sequence_data import ramps

    n, steps, features = (400 if args.quick else 4000), 128, 4
    folder = DATA / ("quick" if args.quick else "full")
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "sequences.npy").exists():
        x, y = ramps(n, steps=steps, features=features, noise=1.5, seed=0)
        np.save(folder / "sequences.npy", x)
        np.save(folder / "labels.npy", y)
    epochs = str(args.epochs)
    run(
        PY, "-m", "outhead", "scaffold", "labels.npy", "--features", "sequences.npy",
        "--sequence", "--out", "train.py", "--force", cwd=folder,
    )  # fmt: skip
    contenders = {
        "scaffolded script (Normalization + 3 Conv1D blocks)": (
            PY, "train.py", "--epochs", epochs, "--output-dir", "out",
        ),
        "hand-written Keras Conv1D, model.fit": (
            PY, "-c", HANDWRITTEN, "sequences.npy", "labels.npy", epochs,
        ),
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, command in contenders.items():
            times[name].append(epoch_seconds(run(*command, cwd=folder)))
    n_train = round(n * 0.6)
    data = f"{n} x {steps} steps x {features} float32"
    print(f"{'data':<34}{'contender':<54}{'s/epoch':>9}{'train':>7}{'ms/seq':>9}")
    for i, (name, values) in enumerate(times.items()):
        seconds = statistics.median(values)
        label = data if i == 0 else ""
        print(f"{label:<34}{name:<54}{seconds:>9.3f}{n_train:>7}{1000 * seconds / n_train:>9.3f}")


if __name__ == "__main__":
    main()
