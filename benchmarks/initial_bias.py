"""Benchmark: the first epochs with and without the initial output bias (issue 11).

A seeded table with few positives (3 % by default) and signal; the network of the scaffolded
script (Dense 64 relu, Dense 32 relu, Dense 1 sigmoid, Adam, binary cross-entropy, no class
weights). Each seed trains it twice from the same weights but for the output bias: zeros
(Keras's default) and ``log(p / (1 - p))`` of the training rows (what ``outhead scaffold``
writes). Printed: the loss of the untrained model, the training loss of the first epoch, the
validation loss after epochs 1..N, and the entropy of the labels (the loss of always answering
p, the floor a model without features reaches).

    python benchmarks/initial_bias.py                      # 5 seeds, 20,000 rows, 3 % positives
    python benchmarks/initial_bias.py --positives 0.02 --seeds 3 --json bias.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def make_data(n: int, positives: float, seed: int) -> tuple[Any, Any]:
    """Ten features, two of them with signal; the label is on for about ``positives`` of rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    score = 1.5 * x[:, 0] - 1.0 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3] + rng.logistic(size=n)
    cut = np.quantile(score, 1 - positives)
    return x, (score > cut).astype("float32").reshape(-1, 1)


def train(x: Any, y: Any, seed: int, bias: float | None, epochs: int, batch: int) -> dict:
    """One run; ``bias`` None keeps Keras's zero bias."""
    import keras

    keras.utils.set_random_seed(seed)  # the same weights for both runs of a seed
    n_train = int(len(x) * 0.8)
    inputs = keras.Input(shape=(x.shape[1],))
    h = keras.layers.Dense(64, activation="relu")(inputs)
    h = keras.layers.Dense(32, activation="relu")(h)
    init = "zeros" if bias is None else keras.initializers.Constant([bias])
    outputs = keras.layers.Dense(1, activation="sigmoid", bias_initializer=init)(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())
    untrained = float(model.evaluate(x[:n_train], y[:n_train], batch_size=4096, verbose=0))
    history = model.fit(
        x[:n_train],
        y[:n_train],
        validation_data=(x[n_train:], y[n_train:]),
        epochs=epochs,
        batch_size=batch,
        shuffle=True,
        verbose=0,
    ).history
    return {"untrained": untrained, "epoch1_train": history["loss"][0], "val": history["val_loss"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--positives", type=float, default=0.03)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    runs: dict[str, list[dict]] = {"zero bias": [], "initial bias": []}
    entropy = []
    for seed in range(args.seeds):
        x, y = make_data(args.rows, args.positives, seed)
        p = float(y[: int(len(y) * 0.8)].mean())
        p = min(max(p, 1e-4), 1 - 1e-4)
        entropy.append(-(p * math.log(p) + (1 - p) * math.log(1 - p)))
        runs["zero bias"].append(train(x, y, seed, None, args.epochs, args.batch_size))
        runs["initial bias"].append(
            train(x, y, seed, math.log(p / (1 - p)), args.epochs, args.batch_size)
        )
        print(f"seed {seed} done", file=sys.stderr)

    def mean(values: list[float]) -> str:
        return f"{statistics.mean(values):.4f}"

    print(
        f"{args.rows:,} rows, {args.positives:.0%} positives, batch {args.batch_size}, "
        f"mean of {args.seeds} seeds; entropy of the labels {mean(entropy)}"
    )
    header = ["bias", "untrained loss", "epoch 1 train loss"]
    header += [f"val loss after {e + 1}" for e in range(args.epochs)]
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")
    for name, results in runs.items():
        cells = [mean([r[key] for r in results]) for key in ("untrained", "epoch1_train")]
        cells += [mean([r["val"][e] for r in results]) for e in range(args.epochs)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "entropy": entropy, "runs": runs}, f, indent=2)


if __name__ == "__main__":
    main()
