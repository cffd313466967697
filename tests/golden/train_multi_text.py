# Train the Keras model that `outhead scaffold` recommends for these 2 targets,
# columns label, stars of
#   reviews.csv
# Run it as is: python train.py   (options: python train.py --help)
#
# One model, 2 outputs: the features go through shared hidden layers, then
# each target gets its own output layer (head), named after it, with its own loss and metrics.
# Why several outputs:
#   --outputs: each column is its own output.
#
# Output label (column label, label-vector layout, binary):
#   - 1 column 'label', 300 rows, string values
#   - string values: labels, not numbers
#   - classes: negative (136), positive (164)
#   - one label vector with 2 values: 1 sigmoid unit gives P(positive)
#   head keras.layers.Dense(1, activation="sigmoid")
#   loss keras.losses.BinaryCrossentropy()
#   predictions: class positive when p >= 0.5, else class negative
#
# Output stars (column stars, label-vector layout, multiclass):
#   - 1 column 'stars', 300 rows, integer values
#   - 5 distinct whole numbers from 1 to 5, 60 rows each on average: class labels
#   - classes: 1 (58), 2 (56), 3 (66), 4 (68), 5 (52)
#   - one label per row, 5 classes: they are exclusive
#   head keras.layers.Dense(5, activation="softmax")
#   loss keras.losses.SparseCategoricalCrossentropy()
#   predictions: predicted class = argmax over the 5 outputs
#
# Loss weights (LOSS_WEIGHTS below):
#   loss_weights[o] = 1 / L0(o), where L0 is the loss output o starts at before training:
#   1 for mean squared error on a standardized target (the script standardizes regression
#   targets), ln 2 = 0.693 for sigmoid cross-entropy (binary, or per label), ln K for a
#   K-class softmax, var(y) + (mean(y) - 0.5)^2 for a sigmoid regression in [0, 1]. The
#   losses are on different scales; weighted so, every output starts at about 1 and none
#   dominates the shared layers' gradient at the start.
#
# Each output layer's bias starts at the priors of its training rows (initial_bias_<output>()),
# by the rules of the script of one target: log(p / (1 - p)) for a sigmoid unit, the log of
# each class's share for a softmax, 0 for a standardized regression target (its mean), the
# logit of the mean for a value in [0, 1], and 0 for an output whose rows are weighted.
#
# The decision threshold of each binary output (TUNED_OUTPUTS below) is not fixed at 0.5: it
# is chosen on the validation rows (--threshold-metric applies to each of them), saved in
# labels.json and used by predict_labels(); metrics.json scores the test rows at 0.5 and at
# the tuned threshold.
#
# Features: the other columns of the table.
#   - column 'review' read as free text: 300 distinct values over 300 rows, median 10 words
#     (--categorical review reads it as categories)
#   Numbers are normalized (mean and variance of the training rows) and a missing number is
#   filled with the training median; each categorical column is one-hot encoded by a
#   StringLookup over its training categories. Free text (TEXT_COLUMNS) is read as words, not
#   as categories: a TextVectorization layer (lower case, no punctuation, split at spaces)
#   learns the vocabulary of each text column from the training rows only and turns each text
#   into the ids of its words; a CategoryEncoding layer turns the ids into a bag of words
#   (multi_hot: which words of the vocabulary the text holds). All of it happens inside the
#   model, so model.keras takes the raw feature columns, one input per column.
#
# Writes to --output-dir: model.keras (raw feature columns in, one output per target),
# labels.json (what predict_labels() needs) and metrics.json (per output: test scores against
# a trivial baseline of the same output).

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
DATA_FILE = "reviews.csv"
FEATURE_COLUMNS = ["review", "genre"]
TARGET_COLUMNS = ["label", "stars"]
# Output name (the name of its layer in the model) -> its target column.
OUTPUTS = {"label": "label", "stars": "stars"}
TASKS = {"label": "binary", "stars": "multiclass"}
# Output i of a classification head is CLASSES[name][i]; None for a regression head.
CLASSES = {"label": ["negative", "positive"], "stars": [1, 2, 3, 4, 5]}
# The loss of each output is multiplied by its weight: 1 / the loss it starts at.
LOSS_WEIGHTS = {"label": 1.443, "stars": 0.6213}
# Outputs whose decision threshold is tuned on the validation rows (see the header).
TUNED_OUTPUTS = ["label"]
# What the decision threshold can maximize on the validation rows: F1 (the default),
# balanced accuracy (the mean of the recalls of "on" and "off", Youden's J rescaled), or
# precision while the recall stays at least --min-recall.
THRESHOLD_METRICS = ("f1", "balanced-accuracy", "precision-at-recall")
# The cells outhead reads as missing.
MISSING = ["", "NA", "N/A", "nan", "NaN", "null", "None", "?"]
HIDDEN_UNITS = [64, 32]
VALIDATION_FRACTION = 0.2
TEST_FRACTION = 0.2
PATIENCE = 10
# Categories beyond the most frequent MAX_CATEGORIES of a column share one slot (as unseen
# ones do): a column of IDs or free text would otherwise make the one-hot layer huge.
MAX_CATEGORIES = 1000
# Free text, read as words rather than as categories (see the header).
TEXT_COLUMNS = ["review"]
# A text column's vocabulary: its MAX_TOKENS most frequent words in the training rows (rarer
# words share one out-of-vocabulary slot). Plenty for reviews or titles, and it bounds the
# size of the first hidden layer.
MAX_TOKENS = 20_000
# Words of a text past the first MAX_WORDS are left out (they rarely change its bag of words).
MAX_WORDS = 256
PREDICT_BATCH_SIZE = 8192
DEFAULT_OUTPUT_DIR = "outhead_run"


def parse_args() -> argparse.Namespace:
    """The command-line options; the defaults are what outhead scaffold was given."""
    parser = argparse.ArgumentParser(description="Train the Keras model outhead recommends.")
    parser.add_argument("--data-file", default=DATA_FILE, help="table with targets and features")
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
    # Infinities count as missing, like empty cells.
    return frame.replace([np.inf, -np.inf], np.nan)


def encode_label(column: pd.Series) -> np.ndarray:
    """label: each label mapped to its class id, CLASSES["label"][i] to i."""
    labels = column.astype(str).str.strip()  # outhead compares labels without outer spaces
    classes = CLASSES["label"]
    unknown = ~labels.isin(classes)
    if unknown.any():
        unseen = sorted(set(map(str, labels[unknown])))
        raise SystemExit(f"error: label: labels outhead did not see: {unseen}")
    ids = pd.Categorical(labels, categories=classes).codes.astype("int64")
    # One column of 0.0/1.0: the shape of the single sigmoid output.
    return ids.astype("float32").reshape(-1, 1)


def encode_stars(column: pd.Series) -> np.ndarray:
    """stars: each label mapped to its class id, CLASSES["stars"][i] to i."""
    labels = column
    classes = CLASSES["stars"]
    unknown = ~labels.isin(classes)
    if unknown.any():
        unseen = sorted(set(map(str, labels[unknown])))
        raise SystemExit(f"error: stars: labels outhead did not see: {unseen}")
    ids = pd.Categorical(labels, categories=classes).codes.astype("int64")
    # Plain class ids: sparse_categorical_crossentropy reads them directly, no one-hot needed.
    return ids


def initial_bias_label(y_train: np.ndarray) -> np.ndarray:
    """label: the starting bias of its output layer, from the training rows.

    The untrained model outputs the priors, so the first epochs do not go into learning the
    base rates.
    """
    clip = 1e-4  # priors are kept in [1e-4, 1 - 1e-4]: a bias of at most about 9.2, never inf
    # log(p / (1 - p)) per output unit, p the share of training rows where the label is on.
    p = np.clip(y_train.mean(axis=0), clip, 1 - clip)
    return np.log(p / (1 - p)).astype("float32")


def initial_bias_stars(y_train: np.ndarray) -> np.ndarray:
    """stars: the starting bias of its output layer, from the training rows.

    The untrained model outputs the priors, so the first epochs do not go into learning the
    base rates.
    """
    clip = 1e-4  # priors are kept in [1e-4, 1 - 1e-4]: a bias of at most about 9.2, never inf
    # The log of each class's share of the training rows, centred on 0 (a softmax ignores a
    # constant shift).
    p = np.bincount(y_train, minlength=len(CLASSES["stars"])) / len(y_train)
    logs = np.log(np.clip(p, clip, 1.0))
    return (logs - logs.mean()).astype("float32")


def encode_targets(target: pd.DataFrame) -> dict[str, np.ndarray]:
    """The array each output trains on, by output name."""
    return {
        "label": encode_label(target[OUTPUTS["label"]]),
        "stars": encode_stars(target[OUTPUTS["stars"]]),
    }


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


def describe_features(features: pd.DataFrame) -> dict[str, str]:
    """Numbers are "numeric" (normalized); text and booleans are "categorical" (one-hot).

    TEXT_COLUMNS are "text" (a bag of words).
    """
    kinds = {}
    for name, column in features.items():
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        kinds[str(name)] = "numeric" if numeric else "categorical"
        if name in TEXT_COLUMNS:
            kinds[str(name)] = "text"
    return kinds


def input_name(index: int, column: str) -> str:
    """The Keras input name of a column: the name itself when it is a plain word."""
    return column if re.fullmatch(r"[A-Za-z_]\w*", column) else f"feature_{index}"


def as_text(column: pd.Series) -> pd.Series:
    """A categorical column as text; a missing cell is a category of its own."""
    return column.astype(str).where(column.notna(), "(missing)")


def vocabulary(column: pd.Series) -> list[str]:
    """The categories, most frequent first (ties in text order), at most MAX_CATEGORIES."""
    counts = as_text(column).value_counts()
    ranked = sorted(zip(counts.index, counts.tolist(), strict=True), key=lambda c: (-c[1], c[0]))
    return [category for category, _ in ranked[:MAX_CATEGORIES]]


def as_words(column: pd.Series) -> pd.Series:
    """A free-text column as text; a missing cell is an empty text (no words)."""
    return column.astype(str).where(column.notna(), "")


def text_vectorizer(texts: pd.Series) -> keras.layers.TextVectorization:
    """A TextVectorization layer for one text column, adapted on its training rows only.

    It lower-cases, strips punctuation and splits at spaces; its vocabulary is the MAX_TOKENS
    most frequent words (id 0 pads, id 1 is any other word). Each text becomes the ids of its
    first words, as many as the longest training text has (at most MAX_WORDS).
    """
    words = as_words(texts)
    longest = int(words.str.split().str.len().max() or 1)
    layer = keras.layers.TextVectorization(
        max_tokens=MAX_TOKENS,
        output_mode="int",
        output_sequence_length=min(MAX_WORDS, longest),
    )
    texts_data = tf.data.Dataset.from_tensor_slices(words.to_numpy(dtype=str))
    layer.adapt(texts_data.batch(PREDICT_BATCH_SIZE))
    return layer


def prepare_features(
    features: pd.DataFrame, kinds: dict[str, str], fill: dict[str, float]
) -> dict[str, np.ndarray]:
    """The raw columns as the model takes them: missing numbers filled, categories as text."""
    inputs = {}
    for index, (name, kind) in enumerate(kinds.items()):
        column = features[name]
        if kind == "numeric":
            value = column.fillna(fill[name]).to_numpy(dtype="float32")
        elif kind == "text":
            value = as_words(column).to_numpy(dtype=str)
        else:
            value = as_text(column).to_numpy(dtype=str)
        inputs[input_name(index, name)] = value.reshape(-1, 1)
    return inputs


def build_model(
    kinds: dict[str, str],
    vocabularies: dict[str, list[str]],
    numbers: np.ndarray | None,
    vectorizers: dict[str, keras.layers.TextVectorization],
    output_bias: dict[str, np.ndarray],
) -> keras.Model:
    """Raw feature columns in, shared hidden layers, then one named output layer per target."""
    inputs = {}
    for index, (name, kind) in enumerate(kinds.items()):
        dtype = "float32" if kind == "numeric" else "string"
        key = input_name(index, name)
        inputs[key] = keras.Input(shape=(1,), dtype=dtype, name=key)
    numeric = [
        inputs[input_name(index, name)]
        for index, (name, kind) in enumerate(kinds.items())
        if kind == "numeric"
    ]
    parts = []
    if numeric:
        x = numeric[0] if len(numeric) == 1 else keras.layers.Concatenate()(numeric)
        # Mean and variance of the training rows, computed once with numpy.
        mean, variance = numbers.mean(axis=0), numbers.var(axis=0)
        parts.append(keras.layers.Normalization(mean=mean, variance=variance)(x))
    for index, (name, kind) in enumerate(kinds.items()):
        if kind == "categorical":
            # One slot per training category, plus one for a category it has not seen.
            lookup = keras.layers.StringLookup(vocabulary=vocabularies[name], output_mode="one_hot")
            parts.append(lookup(inputs[input_name(index, name)]))
        elif kind == "text":
            # A bag of words: the text's word ids (the TextVectorization adapted on the
            # training rows), then one slot for each word of its vocabulary, set when the text
            # holds the word (slot 0, padding, is set for texts shorter than the longest).
            ids = vectorizers[name](inputs[input_name(index, name)])
            size = vectorizers[name].vocabulary_size()
            parts.append(keras.layers.CategoryEncoding(size, output_mode="multi_hot")(ids))
    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
    # Shared by every output: what the targets have in common is learned once.
    for units in HIDDEN_UNITS:
        x = keras.layers.Dense(units, activation="relu")(x)
    # Each output layer's bias starts at the priors of its training rows, not at 0.
    start = {name: keras.initializers.Constant(bias) for name, bias in output_bias.items()}
    outputs = {
        # One sigmoid unit: the probability that label is positive.
        "label": keras.layers.Dense(
            1, activation="sigmoid", name="label",
            bias_initializer=start["label"],
        )(x),
        # Softmax: one probability per class of stars, summing to 1.
        "stars": keras.layers.Dense(
            5, activation="softmax", name="stars",
            bias_initializer=start["stars"],
        )(x),
    }
    return keras.Model(inputs, outputs)


def make_losses() -> dict[str, keras.losses.Loss]:
    """The loss of each output, the one its head calls for."""
    return {
        "label": keras.losses.BinaryCrossentropy(),
        "stars": keras.losses.SparseCategoricalCrossentropy(),
    }


def make_metrics() -> dict[str, list[keras.metrics.Metric]]:
    """Explicit metric objects per output, each named (its key in metrics.json)."""
    return {
        "label": [
            keras.metrics.BinaryAccuracy(threshold=0.5, name="binary_accuracy"),
            keras.metrics.AUC(name="auc"),
            keras.metrics.Precision(thresholds=0.5, name="precision"),
            keras.metrics.Recall(thresholds=0.5, name="recall"),
        ],
        "stars": [
            keras.metrics.SparseCategoricalAccuracy(name="sparse_categorical_accuracy"),
        ],
    }


def baseline_outputs(name: str, y_train: np.ndarray, n_rows: int) -> np.ndarray:
    """What a trivial model outputs for every row, for one output.

    Regression: the training mean. A sigmoid unit: the training frequency of the positive
    label. A softmax: the class frequencies of the training rows, ties broken by class id
    (each scaled down by 1e-5 per rank, so no two classes have the same output).
    """
    if CLASSES[name] is None or y_train.ndim == 2:
        return np.tile(y_train.mean(axis=0), (n_rows, 1)).astype("float32")
    prior = np.bincount(y_train, minlength=len(CLASSES[name])) / len(y_train)
    prior = np.maximum(prior, 1e-7)  # classes unseen in training are ranked too
    rank = np.empty(len(prior), dtype="int64")
    rank[np.lexsort((np.arange(len(prior)), -prior))] = np.arange(len(prior))
    prior = prior * (1 - 1e-5 * rank)
    return np.tile(prior, (n_rows, 1)).astype("float32")


def score(name: str, y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """The loss and every metric of one output: computed the same way for model and baseline."""
    scores = {"loss": float(make_losses()[name](y_true, outputs))}
    for metric in make_metrics()[name]:
        metric.update_state(y_true, outputs)
        scores[metric.name] = float(metric.result())
    if TASKS[name] == "regression":
        # The median absolute error resists outliers, unlike the mean.
        scores["median_absolute_error"] = float(np.median(np.abs(y_true - outputs)))
    return scores


def predict_labels(
    model: keras.Model,
    features: pd.DataFrame,
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> dict[str, list]:
    """Predict every target for rows of raw feature columns, each in its own terms.

    Args:
        model: the saved model.keras (raw feature columns in).
        features: a DataFrame with the feature columns the model was trained on.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir). Only read when labels
            is None.

    Returns:
        Output name -> one prediction per row: a value in the target's units (regression),
        or a class name (classification).
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    inputs = prepare_features(features, labels["feature_kinds"], labels["feature_fill"])
    # Through tf.data: Keras takes text as TensorFlow strings, not as numpy's str arrays.
    rows = tf.data.Dataset.from_tensor_slices(inputs).batch(PREDICT_BATCH_SIZE)
    outputs = model.predict(rows, verbose=0)
    predictions = {}
    for name, head in labels["outputs"].items():
        values = np.asarray(outputs[name])
        if head["decision"] == "argmax":
            # The largest output is the most likely class.
            predictions[name] = [head["classes"][i] for i in values.argmax(axis=1)]
        elif head["decision"] == "threshold":
            negative, positive = head["classes"]
            probabilities = values[:, 0]
            predictions[name] = [
                positive if p >= head["threshold"] else negative for p in probabilities
            ]
        elif head["target_scaling"] is not None:
            scaling = head["target_scaling"]
            predictions[name] = (values[:, 0] * scaling["std"] + scaling["mean"]).tolist()
        else:
            predictions[name] = values[:, 0].tolist()
    return predictions


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


def print_scores(test: dict[str, float], baseline: dict[str, float]) -> None:
    """A small table: each metric for the model and for the trivial baseline."""
    width = max(len("test split"), *map(len, test)) + 2
    print(f"{'test split':<{width}}{'model':>14}{'baseline':>14}")
    for name, value in test.items():
        print(f"{name:<{width}}{value:>14.6g}{baseline[name]:>14.6g}")


def main() -> None:
    """Load, encode, split, train, evaluate each output against its baseline, save."""
    args = parse_args()
    keras.utils.set_random_seed(args.seed)  # the same seed gives the same split and weights
    output_dir = Path(args.output_dir)

    require_file(args.data_file, "--data-file")
    table = load_table(args.data_file)
    target, features = table[TARGET_COLUMNS], table[FEATURE_COLUMNS]
    del table
    # A row trains every output, so it needs every target.
    keep = target.notna().all(axis=1).to_numpy()
    if not keep.all():
        print(f"leaving out {int((~keep).sum())} rows with a missing target")
        target, features = target[keep], features[keep]
    y = encode_targets(target)

    # Split per class of label, so that train, validation and test keep its proportions.
    strata = y["label"].reshape(len(target), -1)[:, 0].astype("int64")
    train, val, test = split_rows(strata, args.seed)
    print(f"rows: {len(train)} train, {len(val)} validation, {len(test)} test")

    # Regression targets are standardized with the training rows' mean and std: every output
    # then starts at a loss near 1 (see LOSS_WEIGHTS), and predictions are turned back.
    scaling = {}
    y_fit = dict(y)
    for name, values in y.items():
        if TASKS[name] == "regression":
            mean, std = float(values[train].mean()), float(values[train].std()) or 1.0
            scaling[name] = {"mean": mean, "std": std}
            y_fit[name] = (values - mean) / std

    kinds = describe_features(features)
    print("features:", ", ".join(f"{name} ({kind})" for name, kind in kinds.items()))
    vocabularies = {
        name: vocabulary(features[name].iloc[train])
        for name, kind in kinds.items()
        if kind == "categorical"
    }
    # The words of each text column, learned from the training rows only (as the categories).
    vectorizers = {
        name: text_vectorizer(features[name].iloc[train])
        for name, kind in kinds.items()
        if kind == "text"
    }
    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    medians = features[numeric].iloc[train].median().fillna(0.0)
    fill = {name: float(medians[name]) for name in numeric}
    inputs = prepare_features(features, kinds, fill)
    # The numeric inputs side by side, for the normalization's mean and variance.
    numbers = None
    if fill:
        numbers = np.column_stack(
            [inputs[input_name(i, n)] for i, n in enumerate(kinds) if n in fill]
        )
    examples = features.iloc[test[:3]]  # kept to show predict_labels() at the end

    def rows(part: np.ndarray, shuffle: bool = False) -> tf.data.Dataset:
        """The inputs and targets of some rows, in batches (text goes as TensorFlow strings)."""
        data = tf.data.Dataset.from_tensor_slices(
            ({k: v[part] for k, v in inputs.items()}, {k: v[part] for k, v in y_fit.items()})
        )
        if shuffle:  # a new order of the training rows each epoch (seeded)
            data = data.shuffle(len(part), seed=args.seed, reshuffle_each_iteration=True)
        return data.batch(args.batch_size)

    # The starting bias of each output layer, from its training rows (see the header).
    output_bias = {
        "label": initial_bias_label(y_fit["label"][train]),
        "stars": initial_bias_stars(y_fit["stars"][train]),
    }
    model = build_model(
        kinds,
        vocabularies,
        numbers[train] if numbers is not None else None,
        vectorizers,
        output_bias,
    )
    model.compile(
        optimizer="adam", loss=make_losses(), metrics=make_metrics(), loss_weights=LOSS_WEIGHTS
    )
    model.fit(
        rows(train, shuffle=True),
        validation_data=rows(val),
        epochs=args.epochs,
        shuffle=False,  # rows(train, shuffle=True) already reshuffles the rows each epoch
        # Stop when the weighted sum of the validation losses stops improving; keep the best.
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True
            )
        ],
        verbose=2,
    )

    test_inputs = tf.data.Dataset.from_tensor_slices({k: v[test] for k, v in inputs.items()})
    predicted = model.predict(test_inputs.batch(PREDICT_BATCH_SIZE), verbose=0)
    # The validation rows' outputs, for the decision thresholds (the test rows stay unseen).
    val_inputs = tf.data.Dataset.from_tensor_slices({k: v[val] for k, v in inputs.items()})
    val_predicted = model.predict(val_inputs.batch(PREDICT_BATCH_SIZE), verbose=0)
    thresholds = {}
    results = {}
    for name in OUTPUTS:
        outputs, y_test, y_train = np.asarray(predicted[name]), y[name][test], y[name][train]
        if name in scaling:
            outputs = outputs * scaling[name]["std"] + scaling[name]["mean"]  # target's units
        # The model and this output's trivial baseline, scored the same way on the same rows.
        test_scores = score(name, y_test, outputs)
        baseline_scores = score(name, y_test, baseline_outputs(name, y_train, len(y_test)))
        print(f"output {name} ({TASKS[name]}):")
        print_scores(test_scores, baseline_scores)
        results[name] = {"task": TASKS[name], "test": test_scores, "baseline": baseline_scores}
        if name in TUNED_OUTPUTS:
            # The decision threshold, chosen on the validation rows, then the test rows scored
            # at 0.5 and at the tuned threshold.
            val_probabilities = as_probabilities(val_predicted[name])
            thresholds[name] = tune_thresholds(
                y[name][val], val_probabilities, args.threshold_metric, args.min_recall
            )[0]  # one label: one number
            test_probabilities = as_probabilities(outputs)
            decision = {
                "threshold_metric": args.threshold_metric,
                "at_0.5": decision_scores(y_test, test_probabilities, 0.5),
                "tuned": decision_scores(y_test, test_probabilities, thresholds[name]),
            }
            results[name]["decision"] = decision
            print(f"threshold ({args.threshold_metric} on the validation rows): {thresholds[name]}")
            for part in ("at_0.5", "tuned"):
                shown = [f"{k} {v:.4f}" for k, v in decision[part].items() if k != "threshold"]
                print(f"  test rows, {part}: " + ", ".join(shown))

    labels = {
        "target_columns": TARGET_COLUMNS,
        "outputs": {
            "label": {
                "column": OUTPUTS["label"],
                "task": TASKS["label"],
                "classes": CLASSES["label"],
                "decision": "threshold",
                "threshold": thresholds["label"],  # tuned on the validation rows
                "threshold_metric": args.threshold_metric,
                "target_scaling": scaling.get("label"),
            },
            "stars": {
                "column": OUTPUTS["stars"],
                "task": TASKS["stars"],
                "classes": CLASSES["stars"],
                "decision": "argmax",
                "threshold": None,
                "target_scaling": scaling.get("stars"),
            },
        },
        "loss_weights": LOSS_WEIGHTS,
        "feature_kinds": kinds,
        "feature_fill": fill,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(output_dir / "model.keras")
    (output_dir / "labels.json").write_text(json.dumps(labels, indent=2) + "\n")
    metrics = {"outputs": results, "loss_weights": LOSS_WEIGHTS}
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {output_dir / 'model.keras'}, labels.json and metrics.json")
    print("first test rows, predicted:", predict_labels(model, examples, labels))


if __name__ == "__main__":
    main()
