# Train the Keras model that `outhead scaffold` recommends for these sequences:
#   X.npy
# and their target:
#   y.npy
# Run it as is: python train.py   (options: python train.py --help)
#
# What outhead found in the target (120 rows, label-vector layout):
#   - 1 column '0', 120 rows, integer values
#   - 2 distinct values: a binary label
#   - classes: 0 (54), 1 (66)
#   - one label vector with 2 values: 1 sigmoid unit gives P(1)
# So the task is binary, and the head is:
#   keras.layers.Dense(1, activation="sigmoid")
#   loss keras.losses.BinaryCrossentropy()
# Why:
#   - 1 unit: the labels are one vector of 2 values, so one probability suffices
#   - sigmoid activation: the output is P(1), between 0 and 1
#   - binary cross-entropy: the loss of a yes/no label
#   - bias_initializer: log(p / (1 - p)) of each label's share p of the rows, so the untrained
#     model already outputs the priors and the first epochs do not go into learning them
# Predictions: class 1 when p >= 0.5, else class 0.
#
# The sequences: an array of shape (120, 64, 2), float32, read with --sequence
# (axis 1 is time steps, axis 2 features; without --sequence an (n, H, W) array is images).
# The training, validation and test rows are read into memory (float32).
# Normalization: each feature is standardized with the mean and variance of the training
# rows, over every step (the layer is part of the model, which takes raw sequences).
# The sequences hold no NaN: outhead refuses NaN padding rather than read it as values.
# The block: 64 steps (more than 32): 3 Conv1D blocks read every window of steps at once (a GRU
#   would step through them one by one), then GlobalMaxPooling1D keeps each filter's
#   strongest match.
# Then Dropout, the hidden Dense layers and the head.
#
# Writes to --output-dir: model.keras (sequences as stored in the array in, outputs out),
# labels.json (what predict_labels() needs) and metrics.json (test scores against a trivial
# baseline).

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import pandas as pd

# Relative data paths are relative to the current directory: run the script from the
# directory where outhead scaffold ran, or pass the files' locations.
TARGET_FILE = "y.npy"
SEQUENCES_FILE = "X.npy"
TARGET_COLUMNS = ["0"]
# Class i of the model is CLASSES[i]: the labels are mapped to 0..1 in this order.
CLASSES = [0, 1]
TASK = "binary"
# The cells outhead reads as missing.
MISSING = ["", "NA", "N/A", "nan", "NaN", "null", "None", "?"]
MAX_BLOCKS = 3
# Another Conv1D block (after halving the steps) while the steps stay at least this many.
MIN_STEPS = 8
KERNEL_SIZE = 5  # steps seen by one filter of a Conv1D layer
DROPOUT = 0.25
HIDDEN_UNITS = [64, 32]
VALIDATION_FRACTION = 0.2
TEST_FRACTION = 0.2
PATIENCE = 10
# What the decision threshold can maximize on the validation rows: F1 (the default),
# balanced accuracy (the mean of the recalls of "on" and "off", Youden's J rescaled), or
# precision while the recall stays at least --min-recall.
THRESHOLD_METRICS = ("f1", "balanced-accuracy", "precision-at-recall")
DEFAULT_OUTPUT_DIR = "outhead_run"


def parse_args() -> argparse.Namespace:
    """The command-line options; the defaults are what outhead scaffold was given."""
    parser = argparse.ArgumentParser(description="Train the Keras model outhead recommends.")
    parser.add_argument("--target-file", default=TARGET_FILE, help="the target (labels) file")
    parser.add_argument(
        "--sequences-file",
        default=SEQUENCES_FILE,
        help="the sequences, rows aligned with the target",
    )
    parser.add_argument(
        "--epochs", type=int, default=100, help="upper bound (early stopping ends sooner)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42, help="same seed, same results")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    # The decision threshold is chosen on the validation rows, by this metric.
    parser.add_argument(
        "--threshold-metric",
        choices=THRESHOLD_METRICS,
        default="f1",
        help="what the threshold maximizes on the validation rows",
    )
    parser.add_argument(
        "--min-recall",
        type=float,
        default=0.9,
        help="precision-at-recall: the recall the threshold must keep",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write the .png plots")
    return parser.parse_args()


def require_file(path: str, option: str) -> None:
    """Stop with one line when a data file is not there (rather than a traceback)."""
    if not Path(path).exists():
        raise SystemExit(f"error: {path}: no such file; pass its location with {option}")


def load_target(path: str) -> pd.DataFrame:
    """Read the target with the rules outhead used (npy file)."""
    array = np.load(path, allow_pickle=False)  # never unpickle: a .npy can carry code
    if array.dtype.kind == "S":
        array = np.char.decode(array, "utf-8")  # bytes labels are read as text
    # A 1-D array is one column; columns are named "0", "1", ... as outhead names them.
    frame = pd.DataFrame(array.reshape(len(array), -1))
    frame.columns = [str(column) for column in frame.columns]
    # Infinities count as missing, like empty cells.
    return frame.replace([np.inf, -np.inf], np.nan)


def encode_target(target: pd.DataFrame) -> np.ndarray:
    """Map each label to its class id: CLASSES[i] becomes i (Keras needs 0..K-1)."""
    labels = target.iloc[:, 0]
    unknown = ~labels.isin(CLASSES)
    if unknown.any():
        unseen = sorted(set(map(str, labels[unknown])))
        raise SystemExit(f"error: labels outhead did not see: {unseen}")
    ids = pd.Categorical(labels, categories=CLASSES).codes.astype("int64")
    # One column of 0.0/1.0: the shape of the single sigmoid output.
    return ids.astype("float32").reshape(-1, 1)


def load_sequences(path: str) -> np.ndarray:
    """The sequence array, memory-mapped: only the rows that are used are ever read."""
    return np.load(path, mmap_mode="r", allow_pickle=False)  # never unpickle


def split_rows(strata: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows of each group and cut them into train, validation and test rows."""
    rng = np.random.default_rng(seed)
    parts: tuple[list, list, list] = ([], [], [])
    for group in np.unique(strata):
        rows = rng.permutation(np.flatnonzero(strata == group))
        n_test = round(len(rows) * TEST_FRACTION)
        n_val = round(len(rows) * VALIDATION_FRACTION)
        for part, chunk in zip(parts, np.split(rows, [n_test, n_test + n_val]), strict=True):
            part.append(chunk)
    test, val, train = (np.sort(np.concatenate(part)) for part in parts)
    return train, val, test


def conv_blocks(steps: int) -> int:
    """Conv1D blocks: one, then one more per halving while the steps stay >= MIN_STEPS."""
    blocks, length = 1, steps
    while blocks < MAX_BLOCKS and length // 2 >= MIN_STEPS:
        blocks, length = blocks + 1, length // 2
    return blocks


def build_model(
    input_shape: tuple[int, ...], x_train: np.ndarray, seed: int, output_bias: np.ndarray
) -> keras.Model:
    """Normalization, the Conv1D blocks, hidden ReLU layers, then the output
    layer outhead recommends.
    """
    inputs = keras.Input(shape=input_shape, name="sequences")
    x = inputs
    # Mean and variance per feature (the last axis), over the training rows and their steps.
    normalize = keras.layers.Normalization(axis=-1)
    normalize.adapt(x_train)
    x = normalize(x)
    filters = 32
    blocks = conv_blocks(input_shape[0])
    for block in range(blocks):
        x = keras.layers.Conv1D(filters, KERNEL_SIZE, padding="same", activation="relu")(x)
        if block < blocks - 1:
            x = keras.layers.MaxPooling1D(padding="same")(x)  # half the steps
            filters *= 2
    # The strongest response of each filter anywhere in the sequence.
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dropout(DROPOUT, seed=seed)(x)
    for units in HIDDEN_UNITS:
        x = keras.layers.Dense(units, activation="relu")(x)
    # One sigmoid unit: the probability that the label is 1.
    # The bias starts at the priors of the training rows (initial_bias()), not at 0.
    outputs = keras.layers.Dense(
        1, activation="sigmoid", bias_initializer=keras.initializers.Constant(output_bias)
    )(x)
    return keras.Model(inputs, outputs)


def make_loss() -> keras.losses.Loss:
    """The loss that matches the head."""
    # Binary cross-entropy: one yes/no question per output unit.
    return keras.losses.BinaryCrossentropy()


def make_metrics() -> list[keras.metrics.Metric]:
    """Explicit metric objects (a bare "accuracy" makes Keras guess the kind from shapes).

    Each is named, so that its key in metrics.json stays the same however often it is created.
    """
    return [
        keras.metrics.BinaryAccuracy(threshold=0.5, name="binary_accuracy"),
        keras.metrics.AUC(name="auc"),
        keras.metrics.Precision(thresholds=0.5, name="precision"),
        keras.metrics.Recall(thresholds=0.5, name="recall"),
    ]


def baseline_outputs(y_train: np.ndarray, n_rows: int) -> np.ndarray:
    """What a trivial model outputs for every row: the label frequencies of the training rows.

    The same output for every row: its AUC is 0.5, and its precision and recall are those of
    always answering the more frequent value of each label (0 when it never says "on").
    """
    prior = y_train.mean(axis=0)
    return np.tile(prior, (n_rows, 1)).astype("float32")


def initial_bias(y_train: np.ndarray) -> np.ndarray:
    """The output layer's starting bias, from the training rows: the untrained model outputs
    the priors, so the first epochs do not go into learning the base rates.
    """
    clip = 1e-4  # priors are kept in [1e-4, 1 - 1e-4]: a bias of at most about 9.2, never inf
    # log(p / (1 - p)) per output unit, p the share of training rows where the label is on.
    p = np.clip(y_train.mean(axis=0), clip, 1 - clip)
    return np.log(p / (1 - p)).astype("float32")


def score(y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """The loss and every metric on one split: computed the same way for model and baseline."""
    scores = {"loss": float(make_loss()(y_true, outputs))}
    for metric in make_metrics():
        metric.update_state(y_true, outputs)
        scores[metric.name] = float(metric.result())
    return scores


def as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """The model's outputs as probabilities, one per output unit."""
    return np.asarray(outputs)


def tune_threshold(y: np.ndarray, p: np.ndarray, metric: str, min_recall: float) -> float:
    """The threshold t on one label's probabilities p ("on" when p >= t) that scores best.

    Every distinct probability of these rows is a candidate; ties of the score go to the
    highest one. The threshold returned is halfway between it and the next lower probability:
    the same predictions on these rows, with a margin on both sides for new rows. A label
    that is always on (or always off) here keeps 0.5.
    """
    positives = int(y.sum())
    if positives in (0, len(y)):
        return 0.5
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    last = np.append(p_sorted[1:] != p_sorted[:-1], True)  # the last row of each tie
    tp = np.cumsum(y_sorted)[last]  # true positives when the threshold is p_sorted[last]
    fp = np.cumsum(1 - y_sorted)[last]
    recall = tp / positives
    if metric == "f1":
        score = 2 * tp / (2 * tp + fp + (positives - tp))
    elif metric == "balanced-accuracy":
        score = (recall + 1 - fp / (len(y) - positives)) / 2
    else:  # precision-at-recall: the best precision among the thresholds that keep the recall
        score = np.where(recall >= min_recall, tp / (tp + fp), -1.0)
    # Rounded: scores that are equal but for float rounding count as ties.
    best = int(np.argmax(np.round(score, 12)))
    candidates = p_sorted[last].astype("float64")
    if best + 1 == len(candidates):
        return float(candidates[best])  # the lowest probability: every row is "on"
    return float((candidates[best] + candidates[best + 1]) / 2)


def tune_thresholds(y: np.ndarray, p: np.ndarray, metric: str, min_recall: float) -> list[float]:
    """One threshold per output unit, each chosen on its own label."""
    return [tune_threshold(y[:, j], p[:, j], metric, min_recall) for j in range(p.shape[1])]


def decision_scores(y: np.ndarray, p: np.ndarray, thresholds: float | list[float]) -> dict:
    """Binary accuracy, precision, recall and F1 of the labels predicted at these thresholds.

    Over every (row, label) cell: for several labels these are micro averages.
    """
    on, truth = p >= np.asarray(thresholds), y > 0.5
    tp, fp, fn = (on & truth).sum(), (on & ~truth).sum(), (~on & truth).sum()
    precision = float(tp / (tp + fp)) if tp + fp else 0.0
    recall = float(tp / (tp + fn)) if tp + fn else 0.0
    return {
        "threshold": thresholds,
        "binary_accuracy": float((on == truth).mean()),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def save_plots(
    history: dict[str, list[float]],
    y_test: np.ndarray,
    outputs: np.ndarray,
    output_dir: Path,
    thresholds: float | list[float],
) -> None:
    """learning_curves.png, and confusion_matrix.png for the test rows.

    matplotlib comes with outhead's [tf] extra; without it the plots are skipped with a note.
    """
    try:
        import matplotlib
    except ImportError:
        print("note: matplotlib is not installed (pip install matplotlib): no plots written")
        return
    matplotlib.use("Agg")  # draw to files, no window
    import matplotlib.pyplot as plt

    # The loss and the first metric, per epoch, on the training and the validation rows.
    main = make_metrics()[0].name
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, name in zip(axes, ("loss", main), strict=True):
        axis.plot(history[name], label="train")
        axis.plot(history[f"val_{name}"], label="validation")
        axis.set(title=name, xlabel="epoch")
        axis.legend()
    figure.tight_layout()
    figure.savefig(output_dir / "learning_curves.png", dpi=80)
    plt.close(figure)

    # The confusion matrix of the test rows: row = true class, column = predicted class.
    truth = y_test[:, 0].astype("int64")
    predicted = (as_probabilities(outputs)[:, 0] >= thresholds).astype("int64")
    counts = np.zeros((len(CLASSES), len(CLASSES)), dtype="int64")
    np.add.at(counts, (truth, predicted), 1)
    size = max(4.0, 0.5 * len(CLASSES))
    figure, axis = plt.subplots(figsize=(size + 1, size))
    image = axis.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axis)
    for (i, j), n in np.ndenumerate(counts):
        # White on the dark cells, black on the light ones: every count stays readable.
        colour = "white" if n > counts.max() / 2 else "black"
        axis.text(j, i, str(n), ha="center", va="center", color=colour)
    ticks = np.arange(len(CLASSES))
    axis.set_xticks(ticks, [str(c) for c in CLASSES], rotation=45, ha="right")
    axis.set_yticks(ticks, [str(c) for c in CLASSES])
    axis.set(xlabel="predicted", ylabel="true", title="test rows, at the tuned threshold")
    name = "confusion_matrix.png"
    figure.tight_layout()
    figure.savefig(output_dir / name, dpi=80)
    plt.close(figure)
    print(f"wrote {output_dir / 'learning_curves.png'} and {output_dir / name}")


def predict_labels(
    model: keras.Model,
    sequences: np.ndarray,
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> list:
    """Predict for sequences shaped as in the training array, in the target's own terms.

    Args:
        model: the saved model.keras (sequences in, as stored in the array).
        sequences: an array of shape (n, 64, 2), values as in the training file.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir); the default is
            DEFAULT_OUTPUT_DIR, relative to the current directory. Only read when labels is None.

    Returns:
        One class name per row: CLASSES[1] when its probability reaches the threshold
        (labels["threshold"], tuned on the validation rows).
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    outputs = model.predict(np.asarray(sequences, dtype="float32"), batch_size=256, verbose=0)
    probabilities = outputs[:, 0]
    negative, positive = labels["classes"]
    return [positive if p >= labels["threshold"] else negative for p in probabilities]


def print_scores(test: dict[str, float], baseline: dict[str, float]) -> None:
    """A small table: each metric for the model and for the trivial baseline."""
    width = max(len("test split"), *map(len, test)) + 2
    print(f"{'test split':<{width}}{'model':>14}{'baseline':>14}")
    for name, value in test.items():
        print(f"{name:<{width}}{value:>14.6g}{baseline[name]:>14.6g}")


def main() -> None:
    """Load, split, train, evaluate against the baseline, save."""
    args = parse_args()
    keras.utils.set_random_seed(args.seed)  # the same seed gives the same split and weights
    output_dir = Path(args.output_dir)

    require_file(args.target_file, "--target-file")
    require_file(args.sequences_file, "--sequences-file")
    target = load_target(args.target_file)[TARGET_COLUMNS]
    sequences = load_sequences(args.sequences_file)
    if len(sequences) != len(target):
        raise SystemExit(
            f"error: {args.sequences_file} has {len(sequences)} sequences and "
            f"{args.target_file} has {len(target)} rows: sequence i must be described by "
            "row i of the target"
        )
    keep = target.notna().all(axis=1).to_numpy()
    if not keep.all():
        print(f"leaving out {int((~keep).sum())} sequences whose target is missing")
    rows = np.flatnonzero(keep)  # the sequences that are trained on, by row of the array
    target = target[keep]
    y = encode_target(target)
    x = np.asarray(sequences[rows], dtype="float32")

    # Split per class, so that train, validation and test keep the class proportions.
    strata = y[:, 0].astype("int64")
    train, val, test = split_rows(strata, args.seed)
    print(f"sequences: {len(train)} train, {len(val)} validation, {len(test)} test")
    y_fit = y
    input_shape = tuple(sequences.shape[1:])
    y_train, y_test = y[train], y[test]

    model = build_model(input_shape, x[train], args.seed, initial_bias(y_train))
    model.compile(optimizer="adam", loss=make_loss(), metrics=make_metrics())
    history = model.fit(
        x[train],
        y_fit[train],
        validation_data=(x[val], y_fit[val]),
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,  # reshuffled every epoch, from the seed set above
        # Stop when the validation loss stops improving, and keep the best weights seen.
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True
            )
        ],
        verbose=2,
    )

    outputs = model.predict(x[test], batch_size=args.batch_size, verbose=0)
    y_val = y[val]
    val_outputs = model.predict(x[val], batch_size=args.batch_size, verbose=0)
    # The model and the trivial baseline, scored with the same loss and metrics on the same rows.
    test_scores = score(y_test, outputs)
    baseline_scores = score(y_test, baseline_outputs(y_train, len(y_test)))
    print_scores(test_scores, baseline_scores)

    # The decision threshold, chosen on the validation rows (the test rows stay unseen), then
    # the test rows scored at 0.5 and at the tuned threshold.
    thresholds = tune_thresholds(
        y_val, as_probabilities(val_outputs), args.threshold_metric, args.min_recall
    )
    thresholds = thresholds[0]  # one label: one number
    test_probabilities = as_probabilities(outputs)
    decision = {
        "threshold_metric": args.threshold_metric,
        "at_0.5": decision_scores(y_test, test_probabilities, 0.5),
        "tuned": decision_scores(y_test, test_probabilities, thresholds),
    }
    print(f"threshold ({args.threshold_metric} on the validation rows): {thresholds}")
    for name in ("at_0.5", "tuned"):
        shown = {k: v for k, v in decision[name].items() if k != "threshold"}
        print(f"  test rows, {name}: " + ", ".join(f"{k} {v:.4f}" for k, v in shown.items()))

    labels = {
        "task": TASK,
        "target_columns": TARGET_COLUMNS,
        "classes": CLASSES,
        "decision": "threshold",
        "threshold": 0.5,
        "from_logits": False,
        "target_scaling": None,
        "input_shape": list(input_shape),
    }
    labels["threshold"] = thresholds  # tuned on the validation rows (see above)
    labels["threshold_metric"] = args.threshold_metric
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(output_dir / "model.keras")
    (output_dir / "labels.json").write_text(json.dumps(labels, indent=2) + "\n")
    metrics = {"task": TASK, "test": test_scores, "baseline": baseline_scores}
    metrics["decision"] = decision  # the test rows at 0.5 and at the tuned threshold
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {output_dir / 'model.keras'}, labels.json and metrics.json")
    if not args.no_plots:
        save_plots(history.history, y_test, outputs, output_dir, thresholds)
    examples = predict_labels(model, sequences[rows[test[:3]]], labels)
    print("first test sequences, predicted:", examples)


if __name__ == "__main__":
    main()
