"""Time per epoch of the scaffolded free-text script against a hand-written Keras
TextVectorization pipeline (issue 9).

Run from the repository root::

    python benchmarks/text.py            # 20,000 reviews, a vocabulary of about 5,000 words
    python benchmarks/text.py --quick    # 4,000 reviews

The reviews (``tests/text_data.py``: filler words and two sentiment words, plus six words of
a seeded 5,000-word lexicon so that the vocabulary is not tiny) are written, seeded, to
``benchmarks/data/text/`` (git-ignored): one CSV with a ``review`` column and a ``label``.
Both contenders train the same network (a bag of words over the training rows' vocabulary,
Dense 64 relu, Dense 32 relu, one sigmoid unit), batch 32, on the same 60 % of the rows,
validating on 20 % each epoch. The time per epoch is Keras's own (``verbose=2``: steps x time
per step), the median of the epochs after the first (which pays for tracing), then the median
over ``--rounds`` rounds that each run both contenders in turn. No timed assertion anywhere:
this prints a table.

Contenders:

* scaffolded script: ``outhead scaffold reviews.csv --target label``, run as written (each
  text turned into word ids once, before training; a ``CategoryEncoding`` layer makes the bag
  of words inside the model);
* hand-written: what the Keras text-classification examples do: ``TextVectorization(
  output_mode="multi_hot")`` adapted on the training texts, mapped over a ``tf.data`` pipeline
  of raw strings, batch by batch, every epoch.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "text"
PY = sys.executable

PLAIN = """
import sys, numpy as np, pandas as pd, keras, tensorflow as tf
keras.utils.set_random_seed(0)
table = pd.read_csv(sys.argv[1])
texts = table["review"].to_numpy(dtype=str)
y = (table["label"] == "positive").to_numpy(dtype="float32")
order = np.random.default_rng(0).permutation(len(y))
n_train, n_val = round(len(y) * 0.6), round(len(y) * 0.2)  # the script's split sizes
train, val = order[:n_train], order[n_train:n_train + n_val]
vectorize = keras.layers.TextVectorization(max_tokens=20_000, output_mode="multi_hot")
vectorize.adapt(texts[train])
def data(rows, shuffle):
    ds = tf.data.Dataset.from_tensor_slices((texts[rows], y[rows]))
    if shuffle:
        ds = ds.shuffle(len(rows), seed=0)
    return ds.batch(32).map(lambda x, t: (vectorize(x), t)).prefetch(tf.data.AUTOTUNE)
model = keras.Sequential([
    keras.Input(shape=(vectorize.vocabulary_size(),)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
model.fit(data(train, True), validation_data=data(val, False), epochs=int(sys.argv[2]), verbose=2)
"""


def write_reviews(path: Path, n: int) -> None:
    """n reviews with signal, each with six words of a 5,000-word lexicon besides."""
    from tests.text_data import reviews

    rng = random.Random(0)
    lexicon = [f"w{i:04d}" for i in range(5000)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "label"])
        for row in reviews(n, seed=0):
            extra = " ".join(rng.choice(lexicon) for _ in range(6))
            writer.writerow([f"{row['review']} {extra}", row["label"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4,000 reviews instead of 20,000")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="the median over rounds is shown")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from images import epoch_seconds, run

    n = 4000 if args.quick else 20_000
    folder = DATA / ("quick" if args.quick else "full")
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "reviews.csv").exists():
        write_reviews(folder / "reviews.csv", n)
    scaffold = [PY, "-m", "outhead", "scaffold", "reviews.csv", "--target", "label"]
    run(*scaffold, "--out", "train.py", "--force", cwd=folder)
    epochs = str(args.epochs)
    contenders = {
        "scaffolded script (word ids once, bag of words in the model)": (
            PY, "train.py", "--epochs", epochs, "--output-dir", "out",
        ),
        "hand-written (TextVectorization multi_hot in tf.data)": (
            PY, "-c", PLAIN, "reviews.csv", epochs,
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, command in contenders.items():
            times[name].append(epoch_seconds(run(*command, cwd=folder)))
    n_train = round(n * 0.6)
    print(f"{n} reviews, {n_train} training rows, batch 32")
    print(f"{'contender':<64}{'s/epoch':>9}{'ms/row':>9}  rounds")
    for name, values in times.items():
        seconds = statistics.median(values)
        rounds = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<64}{seconds:>9.2f}{1000 * seconds / n_train:>9.3f}  {rounds}")


if __name__ == "__main__":
    main()
