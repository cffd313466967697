"""The plain hand-written Keras pipeline that benchmarks/train_bench.py measures outhead against.

What a Keras engineer writes for a table of numbers and categories with a yes/no label: pandas
reads the CSV, ``get_dummies`` one-hot encodes the categories, a ``Normalization`` layer
(adapted on the training rows) scales the numbers, ``model.fit`` trains on numpy arrays. The
same hidden layers, split fractions and batch size as the scaffolded script; one epoch by
default. It saves nothing: the figures favour it.

    python benchmarks/handwritten.py TABLE.csv --label label --positive yes --out result.json
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("table")
    parser.add_argument("--label", default="label")
    parser.add_argument("--positive", default="yes")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True, help="JSON file for the test AUC and timings")
    args = parser.parse_args()
    start = time.perf_counter()
    keras.utils.set_random_seed(args.seed)

    frame = pd.read_csv(args.table)
    y = (frame.pop(args.label) == args.positive).to_numpy("float32")
    categorical = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    x = pd.get_dummies(frame, columns=categorical, dtype="float32").to_numpy("float32")
    n_numeric = frame.shape[1] - len(categorical)
    del frame
    read = time.perf_counter()

    rows = np.random.default_rng(args.seed).permutation(len(y))
    n_test = n_val = round(len(y) * 0.2)
    test, val, train = np.split(rows, [n_test, n_test + n_val])

    # Numbers are normalized, the one-hot columns pass through as they are.
    normalizer = keras.layers.Normalization()
    normalizer.adapt(x[train, :n_numeric])
    inputs = keras.Input(shape=(x.shape[1],))
    h = keras.layers.Concatenate()([normalizer(inputs[:, :n_numeric]), inputs[:, n_numeric:]])
    for units in (64, 32):
        h = keras.layers.Dense(units, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.AUC()])
    fitted = time.perf_counter()
    model.fit(
        x[train], y[train], validation_data=(x[val], y[val]), epochs=args.epochs,
        batch_size=args.batch_size, verbose=2,
    )
    trained = time.perf_counter()
    auc = keras.metrics.AUC()
    auc.update_state(y[test], model.predict(x[test], batch_size=args.batch_size, verbose=0))
    done = time.perf_counter()
    result = {
        "auc": float(auc.result()),
        "phases": {
            "read and encode": read - start,
            "split and adapt": fitted - read,
            "fit": trained - fitted,
            "test predictions": done - trained,
        },
    }
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
