# Train the Keras model that `outhead scaffold` recommends for this target:
#   sample_data/machines_table.csv
# Run it as is: python train.py   (options: python train.py --help)
#
# What outhead found in the target (400 rows, label-vector layout):
#   - hand-built label-vector case for the scaffold tests
# So the task is binary, and the head is:
#   keras.layers.Dense(1, activation="sigmoid")
#   loss keras.losses.BinaryCrossentropy()
# Why:
#   - sigmoid output with binary_crossentropy
# Predictions: .
# Features: the other columns of the table, without rownames.
#
# How the features reach the model (as quick as a hand-written Keras pipeline on big tables):
#   - The table is read once and encoded once, before training: the numeric columns become
#     one float32 block, each categorical column a column of integer ids (its vocabulary is
#     taken from the training rows). Then the table is let go: only these arrays stay.
#   - A missing number is filled with the median of the training rows; a missing category is
#     a category of its own.
#   - model.fit() trains on those numpy arrays, in a new order each epoch: no text and no
#     per-batch preprocessing in the training loop. Inside the model, a Normalization layer
#     (mean and variance of the training rows) scales the numbers and a CategoryEncoding
#     layer one-hot encodes each categorical column.
#   - The saved model.keras runs the same layers behind one input per raw column, with a
#     StringLookup turning each category into its id: it takes raw columns, not the arrays.
#
# Writes to --output-dir: model.keras (raw feature columns in, outputs out), labels.json
# (what predict_labels() needs) and metrics.json (test scores against a trivial baseline).

import argparse
import json
import re
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

# Relative data paths are relative to the current directory: run the script from the
# directory where outhead scaffold ran, or pass the files' locations.
DATA_FILE = "sample_data/machines_table.csv"
FEATURE_COLUMNS = [
    "machine_type",
    "temperature",
    "pressure",
    "vibration",
    "rpm",
    "has_coolant",
]
TARGET_COLUMNS = ["failed"]
# Class i of the model is CLASSES[i]: the labels are mapped to 0..1 in this order.
CLASSES = ["no", "yes"]
TASK = "binary"
# The cells outhead reads as missing.
MISSING = ["", "NA", "N/A", "nan", "NaN", "null", "None", "?"]
MISSING_CATEGORY = "(missing)"
HIDDEN_UNITS = [64, 32]
VALIDATION_FRACTION = 0.2
TEST_FRACTION = 0.2
PATIENCE = 10
# Categories beyond the most frequent MAX_CATEGORIES of a column share one slot (as unseen
# ones do): a column of IDs or free text would otherwise make the one-hot layer huge.
MAX_CATEGORIES = 1000
# Rows per batch when predicting: no gradients are kept, so large batches are quicker.
PREDICT_BATCH_SIZE = 8192
# What the decision threshold can maximize on the validation rows: F1 (the default),
# balanced accuracy (the mean of the recalls of "on" and "off", Youden's J rescaled), or
# precision while the recall stays at least --min-recall.
THRESHOLD_METRICS = ("f1", "balanced-accuracy", "precision-at-recall")
DEFAULT_OUTPUT_DIR = "outhead_run"


def parse_args() -> argparse.Namespace:
    """The command-line options; the defaults are what outhead scaffold was given."""
    parser = argparse.ArgumentParser(description="Train the Keras model outhead recommends.")
    parser.add_argument("--data-file", default=DATA_FILE, help="table with target and features")
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


def load_table(path: str) -> pd.DataFrame:
    """Read the table with the rules outhead used (csv file)."""
    frame = pd.read_csv(
        path,
        sep=",",
        header=0,
        na_values=MISSING,
        keep_default_na=False,  # exactly outhead's missing-cell tokens, no others
        skipinitialspace=True,
    )
    # Column names as outhead reads them: stripped, blank ones named unnamed_<position>.
    frame.columns = [
        f"unnamed_{position}" if name.startswith("Unnamed: ") else name.strip()
        for position, name in enumerate(map(str, frame.columns))
    ]
    # Infinities count as missing, like empty cells (column by column: no copy of the table).
    for position, dtype in enumerate(frame.dtypes):
        column = frame.iloc[:, position]
        if dtype.kind == "f" and np.isinf(column.to_numpy()).any():
            frame.isetitem(position, column.mask(np.isinf(column)))
    return frame


def encode_target(target: pd.DataFrame) -> np.ndarray:
    """Map each label to its class id: CLASSES[i] becomes i (Keras needs 0..K-1)."""
    labels = target.iloc[:, 0]
    labels = labels.astype(str).str.strip()  # outhead compares labels without outer spaces
    unknown = ~labels.isin(CLASSES)
    if unknown.any():
        unseen = sorted(set(map(str, labels[unknown])))
        raise SystemExit(f"error: labels outhead did not see: {unseen}")
    ids = pd.Categorical(labels, categories=CLASSES).codes.astype("int64")
    # One column of 0.0/1.0: the shape of the single sigmoid output.
    return ids.astype("float32").reshape(-1, 1)


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


def class_weights(ids: np.ndarray) -> dict[int, float]:
    """n / (K * n_k) per class: every class weighs as much in the loss, however rare it is."""
    counts = np.bincount(ids, minlength=len(CLASSES))
    return {k: len(ids) / (len(CLASSES) * int(n)) for k, n in enumerate(counts) if n > 0}


def describe_features(features: pd.DataFrame) -> dict[str, str]:
    """Numbers are "numeric" (normalized); text and booleans are "categorical" (one-hot)."""
    return {
        str(name): "numeric"
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        else "categorical"
        for name, column in features.items()
    }


def input_name(index: int, column: str) -> str:
    """The Keras input name of a column: the name itself when it is a plain word."""
    return column if re.fullmatch(r"[A-Za-z_]\w*", column) else f"feature_{index}"


def as_text(column: pd.Series) -> pd.Series:
    """A categorical column as text; a missing cell is a category of its own."""
    # The model can learn what a missing category means, rather than guess a value for it.
    return column.astype(str).where(column.notna(), MISSING_CATEGORY)


def vocabulary(counts: pd.Series) -> list[str]:
    """The categories, most frequent first (ties in text order), at most MAX_CATEGORIES."""
    ranked = sorted(zip(counts.index, counts.tolist(), strict=True), key=lambda c: (-c[1], c[0]))
    return [category for category, _ in ranked[:MAX_CATEGORIES]]


def encode_features(
    features: pd.DataFrame, kinds: dict[str, str], vocabularies: dict[str, list[str]]
) -> dict[str, np.ndarray]:
    """The features as the arrays the model trains on.

    The numeric columns become one float32 block ("numbers", missing cells NaN until
    fill_missing), each categorical column a column of integer ids ("category_<i>"): 1 + the
    category's place in its vocabulary, 0 for a category the training rows do not have.
    """
    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    inputs = {}
    if numeric:
        inputs["numbers"] = features[numeric].to_numpy(dtype="float32")
    for index, (name, kind) in enumerate(kinds.items()):
        if kind == "categorical":
            ids = pd.Categorical(as_text(features[name]), categories=vocabularies[name]).codes + 1
            inputs[f"category_{index}"] = ids.astype("int32").reshape(-1, 1)
    return inputs


def take(inputs: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The given rows of every input array."""
    return {name: value[rows] for name, value in inputs.items()}


def fill_values(numbers: np.ndarray, kinds: dict[str, str]) -> dict[str, float]:
    """What replaces a missing number: the median of the training rows (0 if all are missing)."""
    medians = pd.DataFrame(numbers).median().fillna(0.0).tolist()
    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    return dict(zip(numeric, medians, strict=True))


def fill_missing(inputs: dict[str, np.ndarray], fill: dict[str, float]) -> None:
    """Replace the missing numbers of the block, in place, by their column's fill value."""
    if "numbers" in inputs:
        numbers = inputs["numbers"]
        rows, columns = np.nonzero(np.isnan(numbers))
        numbers[rows, columns] = np.array(list(fill.values()), dtype="float32")[columns]


def prepare_features(
    features: pd.DataFrame, kinds: dict[str, str], fill: dict[str, float]
) -> dict[str, np.ndarray]:
    """The raw columns, as the saved model takes them: missing numbers filled, text categories."""
    inputs = {}
    for index, (name, kind) in enumerate(kinds.items()):
        column = features[name]
        if kind == "numeric":
            value = column.fillna(fill[name]).to_numpy(dtype="float32")
        else:
            value = as_text(column).to_numpy(dtype=str)
        inputs[input_name(index, name)] = value
    return inputs


def build_models(
    kinds: dict[str, str],
    vocabularies: dict[str, list[str]],
    numbers: np.ndarray | None,
    output_bias: np.ndarray,
) -> tuple[keras.Model, keras.Model]:
    """Two models that share every layer: one trains on encoded arrays, the other is saved.

    The trained one takes what encode_features() makes. The saved one takes the raw feature
    columns (prepare_features()), looks each category up in its vocabulary (StringLookup, the
    same ids as encode_features()), and runs the same layers: model.keras needs no outhead code.
    """
    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    normalizer = None
    if numbers is not None:
        # Mean and variance of the training rows, computed once with numpy (float64 sums):
        # exact, and far quicker than Normalization.adapt() iterating over every batch.
        mean, variance = numbers.mean(axis=0, dtype="float64"), numbers.var(axis=0, dtype="float64")
        normalizer = keras.layers.Normalization(mean=mean, variance=variance)
    # One-hot per categorical column: one slot for each category, plus slot 0 for unseen ones.
    one_hot = {
        name: keras.layers.CategoryEncoding(num_tokens=len(words) + 1, output_mode="one_hot")
        for name, words in vocabularies.items()
    }
    n_inputs = len(numeric) + sum(len(words) + 1 for words in vocabularies.values())
    body = build_model(n_inputs, output_bias)

    def network(numbers: keras.KerasTensor | None, ids: dict) -> keras.KerasTensor:
        """Normalized numbers and one-hot categories, side by side, then the trained layers."""
        parts = [normalizer(numbers)] if normalizer is not None else []
        parts += [one_hot[name](ids[name]) for name in vocabularies]
        x = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
        for layer in body.layers[1:]:  # the hidden layers and the head
            x = layer(x)
        return x

    encoded: dict[str, keras.KerasTensor] = {}
    if numeric:
        encoded["numbers"] = keras.Input(shape=(len(numeric),), name="numbers")
    ids = {}
    for index, (name, kind) in enumerate(kinds.items()):
        if kind == "categorical":
            ids[name] = encoded[f"category_{index}"] = keras.Input(
                shape=(1,), dtype="int32", name=f"category_{index}"
            )
    trained = keras.Model(encoded, network(encoded.get("numbers"), ids))

    # The saved model: one input per raw column, named as the columns are.
    raw = {}
    for index, (name, kind) in enumerate(kinds.items()):
        dtype = "float32" if kind == "numeric" else "string"
        key = input_name(index, name)
        raw[key] = keras.Input(shape=(1,), dtype=dtype, name=key)
    columns = [raw[input_name(index, name)] for index, name in enumerate(kinds) if name in numeric]
    raw_numbers = None
    if columns:
        raw_numbers = columns[0] if len(columns) == 1 else keras.layers.Concatenate()(columns)
    raw_ids = {
        name: keras.layers.StringLookup(vocabulary=vocabularies[name], num_oov_indices=1)(
            raw[input_name(index, name)]
        )
        for index, name in enumerate(kinds)
        if kinds[name] == "categorical"
    }
    saved = keras.Model(raw, network(raw_numbers, raw_ids))
    return trained, saved


def build_model(n_inputs: int, output_bias: np.ndarray) -> keras.Model:
    """Hidden ReLU layers, then the output layer outhead recommends."""
    inputs = keras.Input(shape=(n_inputs,), name="encoded_features")
    x = inputs
    for units in HIDDEN_UNITS:
        x = keras.layers.Dense(units, activation="relu")(x)
    # One sigmoid unit: the probability that the label is yes.
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
        keras.metrics.BinaryAccuracy(name="binary_accuracy"),
        keras.metrics.AUC(name="auc"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
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
    # The class weights make every class weigh the same in the loss: the prior the loss sees
    # is uniform, which the default bias of 0 already gives.
    return np.zeros(1, dtype="float32")


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
    features: pd.DataFrame,
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> list:
    """Predict for rows of raw feature columns, in the target's own terms.

    Args:
        model: the saved model.keras (raw feature columns in).
        features: a DataFrame with the feature columns the model was trained on.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir); the default is
            DEFAULT_OUTPUT_DIR, relative to the current directory. Only read when labels is None.

    Returns:
        One class name per row: CLASSES[1] when its probability reaches the threshold
        (labels["threshold"], tuned on the validation rows).
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    inputs = prepare_features(features, labels["feature_kinds"], labels["feature_fill"])
    # Through tf.data: Keras takes text as TensorFlow strings, not as numpy's str arrays.
    rows = tf.data.Dataset.from_tensor_slices(inputs).batch(PREDICT_BATCH_SIZE)
    outputs = model.predict(rows, verbose=0)
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
    """Load, encode, split, train, evaluate against the baseline, save."""
    args = parse_args()
    keras.utils.set_random_seed(args.seed)  # the same seed gives the same split and weights
    output_dir = Path(args.output_dir)

    require_file(args.data_file, "--data-file")
    table = load_table(args.data_file)
    target, features = table[TARGET_COLUMNS], table[FEATURE_COLUMNS]
    del table  # target and features are all that is used
    keep = target.notna().all(axis=1).to_numpy()
    if not keep.all():
        print(f"leaving out {int((~keep).sum())} rows whose target is missing")
        target, features = target[keep], features[keep]
    y = encode_target(target)

    # Split per class, so that train, validation and test keep the class proportions.
    strata = y[:, 0].astype("int64")
    train, val, test = split_rows(strata, args.seed)
    print(f"rows: {len(train)} train, {len(val)} validation, {len(test)} test")
    y_fit = y

    kinds = describe_features(features)
    print("features:", ", ".join(f"{name} ({kind})" for name, kind in kinds.items()))
    # The categories of each column, counted on the training rows.
    vocabularies = {
        name: vocabulary(as_text(features[name].iloc[train]).value_counts())
        for name, kind in kinds.items()
        if kind == "categorical"
    }
    # Encoded once, then the table is let go: from here on only compact arrays are held.
    inputs = encode_features(features, kinds, vocabularies)
    examples = features.iloc[test[:3]]  # kept to show predict_labels() at the end
    del features, target
    x_train, x_val, x_test = take(inputs, train), take(inputs, val), take(inputs, test)
    del inputs
    fill = fill_values(x_train.get("numbers", np.zeros((1, 0))), kinds)
    for part in (x_train, x_val, x_test):
        fill_missing(part, fill)
    numbers = x_train.get("numbers")

    output_bias = initial_bias(y[train])
    model, final_model = build_models(kinds, vocabularies, numbers, output_bias)
    model.compile(optimizer="adam", loss=make_loss(), metrics=make_metrics())
    history = model.fit(
        x_train,
        y_fit[train],
        validation_data=(x_val, y_fit[val]),
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,  # a new order of the training rows each epoch (seeded)
        # Stop when the validation loss stops improving, and keep the best weights seen.
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True
            )
        ],
        # The classes are imbalanced: weigh them so the rare ones are not ignored.
        class_weight=class_weights(strata[train]),
        verbose=2,
    )

    outputs = model.predict(x_test, batch_size=PREDICT_BATCH_SIZE, verbose=0)
    y_test, y_train = y[test], y[train]
    y_val = y[val]
    val_outputs = model.predict(x_val, batch_size=PREDICT_BATCH_SIZE, verbose=0)
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
        "feature_kinds": kinds,
        "feature_fill": fill,
    }
    labels["threshold"] = thresholds  # tuned on the validation rows (see above)
    labels["threshold_metric"] = args.threshold_metric
    # Compiled with the trained optimizer so that the file records the loss and metrics.
    final_model.compile(optimizer=model.optimizer, loss=make_loss(), metrics=make_metrics())
    output_dir.mkdir(parents=True, exist_ok=True)
    final_model.save(output_dir / "model.keras")
    (output_dir / "labels.json").write_text(json.dumps(labels, indent=2) + "\n")
    metrics = {"task": TASK, "test": test_scores, "baseline": baseline_scores}
    metrics["decision"] = decision  # the test rows at 0.5 and at the tuned threshold
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {output_dir / 'model.keras'}, labels.json and metrics.json")
    if not args.no_plots:
        save_plots(history.history, y_test, outputs, output_dir, thresholds)
    print("first test rows, predicted:", predict_labels(final_model, examples, labels))


if __name__ == "__main__":
    main()
