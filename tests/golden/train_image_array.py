# Train the Keras model that `outhead scaffold` recommends for these images:
#   X.npy
# and their target:
#   y.npy
# Run it as is: python train.py   (options: python train.py --help)
#
# What outhead found in the target (300 rows, label-vector layout):
#   - 1 column '0', 300 rows, integer values
#   - 3 distinct whole numbers from 0 to 2, 100 rows each on average: class labels
#   - classes: 0 (100), 1 (100), 2 (100)
#   - one label per row, 3 classes: they are exclusive
# So the task is multiclass, and the head is:
#   keras.layers.Dense(3, activation="softmax")
#   loss keras.losses.SparseCategoricalCrossentropy()
# Why:
#   - 3 units: one per class
#   - softmax activation: the outputs form one probability distribution over exclusive classes
#   - sparse categorical cross-entropy: the labels are one class id per row (one-hot them and
#     it would be categorical cross-entropy)
#   - bias_initializer: the log of each class's share of the rows, so the untrained model
#     already outputs the priors and the first epochs do not go into learning them
# Predictions: predicted class = argmax over the 3 outputs.
#
# The images: an array of shape (300, 16, 16), uint8.
# Three dimensions: 300 grayscale images of 16x16; the model adds the channel axis.
# The array is memory-mapped: the training rows are copied into memory when they fit in
# MEMORY_BYTES, else each batch reads its own rows from the file.
# Rescaling: pixels from 0 to 255, 8-bit values: divided by 255 into [0, 1].
# The network: Conv2D + MaxPooling2D blocks, as many as halve the smaller side while it stays
# at least 4 pixels (at most 4), with 32, 64, ... filters; then Flatten (feature maps
# of up to FLATTEN_MAX values) or GlobalAveragePooling2D, Dropout, the hidden Dense layers and
# the head.
# --augment adds light random shifts, turns and zooms of the training images (off by
# default here; --no-augment / --augment switch it).
#
# Writes to --output-dir: model.keras (images as stored in the array in, outputs out),
# labels.json (what predict_labels() needs) and metrics.json (test scores against a trivial
# baseline).

import argparse
import json
import math
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

# Relative data paths are relative to the current directory: run the script from the
# directory where outhead scaffold ran, or pass the files' locations.
TARGET_FILE = "y.npy"
IMAGES_FILE = "X.npy"
TARGET_COLUMNS = ["0"]
# Class i of the model is CLASSES[i]: the labels are mapped to 0..2 in this order.
CLASSES = [0, 1, 2]
TASK = "multiclass"
# The cells outhead reads as missing.
MISSING = ["", "NA", "N/A", "nan", "NaN", "null", "None", "?"]
# Images that fit in this many bytes are held in memory (faster); more are read per batch.
MEMORY_BYTES = 1 << 30
# Rescaling(SCALE, offset=OFFSET) maps the pixels into [0, 1].
SCALE = 0.00392156862745098
OFFSET = 0.0
MAX_BLOCKS = 4
# Feature maps of at most this many values are flattened, larger ones averaged.
FLATTEN_MAX = 4096
DROPOUT = 0.25
HIDDEN_UNITS = [64, 32]
VALIDATION_FRACTION = 0.2
TEST_FRACTION = 0.2
PATIENCE = 10
DEFAULT_OUTPUT_DIR = "outhead_run"


def parse_args() -> argparse.Namespace:
    """The command-line options; the defaults are what outhead scaffold was given."""
    parser = argparse.ArgumentParser(description="Train the Keras model outhead recommends.")
    parser.add_argument("--target-file", default=TARGET_FILE, help="the target (labels) file")
    parser.add_argument(
        "--images-file", default=IMAGES_FILE, help="the images, rows aligned with the target"
    )
    parser.add_argument(
        "--epochs", type=int, default=100, help="upper bound (early stopping ends sooner)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42, help="same seed, same results")
    parser.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="random shifts, turns and zooms of the training images",
    )
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--no-plots", action="store_true", help="do not write the .png plots")
    return parser.parse_args()


def require_file(path: str, option: str) -> None:
    """Stop with one line when a data file or folder is not there (rather than a traceback)."""
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
    # Plain class ids: sparse_categorical_crossentropy reads them directly, no one-hot needed.
    return ids


def load_images(path: str) -> np.ndarray:
    """The image array, memory-mapped: only the rows that are used are ever read."""
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


def make_batches(
    images: np.ndarray,
    rows: np.ndarray,
    y: np.ndarray | None,
    batch_size: int,
    seed: int | None = None,
) -> tf.data.Dataset | keras.utils.PyDataset:
    """Batches of the given rows of the images (with their targets), shuffled when seeded.

    Rows that fit in MEMORY_BYTES are copied into memory as stored (uint8 stays uint8) and
    batched by tf.data; larger sets are read batch by batch from the memory map.
    """
    if len(rows) * images[:1].nbytes > MEMORY_BYTES:
        return ImageBatches(images, rows, y, batch_size, seed=seed)
    data = tf.data.Dataset.from_tensor_slices(
        images[rows] if y is None else (images[rows], y)
    )
    if seed is not None:
        data = data.shuffle(len(rows), seed=seed)
    data = data.batch(batch_size)
    if y is None:
        data = data.map(lambda x: tf.cast(x, "float32"))
    else:
        data = data.map(lambda x, t: (tf.cast(x, "float32"), t))
    return data.prefetch(tf.data.AUTOTUNE)


class ImageBatches(keras.utils.PyDataset):
    """Batches of images read from the array by row, with their targets, shuffled per epoch.

    Each batch reads its rows in file order, so a memory-mapped array is read sequentially;
    two threads read ahead while the model trains.
    """

    def __init__(
        self,
        images: np.ndarray,
        rows: np.ndarray,
        y: np.ndarray | None,
        batch_size: int,
        seed: int | None = None,
    ) -> None:
        super().__init__(workers=2)
        self.images, self.rows, self.y, self.batch_size = images, rows, y, batch_size
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.order = np.arange(len(rows))
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.rows) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        picked = np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        images = np.asarray(self.images[self.rows[picked]], dtype="float32")
        return images if self.y is None else (images, self.y[picked])

    def on_epoch_end(self) -> None:
        if self.rng is not None:
            self.order = self.rng.permutation(len(self.rows))


def conv_blocks(height: int, width: int) -> int:
    """Conv + pooling blocks: each halves the image, while its smaller side stays >= 4."""
    blocks, side = 1, min(height, width) // 2
    while blocks < MAX_BLOCKS and side // 2 >= 4:
        blocks, side = blocks + 1, side // 2
    return blocks


def augmentation(seed: int) -> keras.Sequential:
    """Light random changes of the training images; the layers do nothing at prediction.

    No flips: a mirrored digit or letter is another image. Add
    keras.layers.RandomFlip("horizontal", seed=seed) when a mirrored image has the same class.
    """
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.1, 0.1, seed=seed),
            keras.layers.RandomRotation(0.05, seed=seed),
            keras.layers.RandomZoom(0.1, seed=seed),
        ],
        name="augmentation",
    )


def build_model(
    input_shape: tuple[int, ...], augment: bool, seed: int, output_bias: np.ndarray
) -> keras.Model:
    """Convolutional blocks, hidden ReLU layers, then the output layer outhead recommends."""
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    x = keras.layers.Reshape((*input_shape, 1))(x)  # one grayscale channel
    x = keras.layers.Rescaling(SCALE, offset=OFFSET)(x)
    if augment:
        x = augmentation(seed)(x)
    filters = 32
    for _ in range(conv_blocks(x.shape[1], x.shape[2])):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(padding="same")(x)
        filters *= 2
    # Small feature maps keep where things are (Flatten, as Keras's MNIST example does);
    # large ones are averaged over the positions, which keeps the Dense layers small.
    if x.shape[1] * x.shape[2] * x.shape[3] <= FLATTEN_MAX:
        x = keras.layers.Flatten()(x)
    else:
        x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(DROPOUT, seed=seed)(x)
    for units in HIDDEN_UNITS:
        x = keras.layers.Dense(units, activation="relu")(x)
    # Softmax: one probability per class, summing to 1 (one class per row).
    # The bias starts at the priors of the training rows (initial_bias()), not at 0.
    outputs = keras.layers.Dense(
        3, activation="softmax", bias_initializer=keras.initializers.Constant(output_bias)
    )(x)
    return keras.Model(inputs, outputs)


def make_loss() -> keras.losses.Loss:
    """The loss that matches the head."""
    # Sparse: the targets are class ids 0..K-1, not one-hot rows.
    return keras.losses.SparseCategoricalCrossentropy()


def make_metrics() -> list[keras.metrics.Metric]:
    """Explicit metric objects (a bare "accuracy" makes Keras guess the kind from shapes).

    Each is named, so that its key in metrics.json stays the same however often it is created.
    """
    return [
        keras.metrics.SparseCategoricalAccuracy(name="sparse_categorical_accuracy"),
    ]


def baseline_outputs(y_train: np.ndarray, n_rows: int) -> np.ndarray:
    """What a trivial model outputs for every row: the class frequencies of the training rows.

    The classes are ranked by frequency, ties broken by class id (the lower id first): each
    frequency is scaled down by 1e-5 per rank, so no two classes have the same output. Top-k
    accuracy counts tied classes as hits; this way it counts the k most frequent ones only.
    """
    prior = np.bincount(y_train, minlength=len(CLASSES)) / len(y_train)
    # Never 0: classes unseen in training are ranked too (the cross-entropy clips there anyway).
    prior = np.maximum(np.asarray(prior, dtype="float64"), 1e-7)
    rank = np.empty(len(prior), dtype="int64")
    rank[np.lexsort((np.arange(len(prior)), -prior))] = np.arange(len(prior))
    prior = prior * (1 - 1e-5 * rank)
    return np.tile(prior, (n_rows, 1)).astype("float32")


def initial_bias(y_train: np.ndarray) -> np.ndarray:
    """The output layer's starting bias, from the training rows: the untrained model outputs
    the priors, so the first epochs do not go into learning the base rates.
    """
    clip = 1e-4  # priors are kept in [1e-4, 1 - 1e-4]: a bias of at most about 9.2, never inf
    # The log of each class's share of the training rows, centred on 0 (a softmax ignores a
    # constant shift).
    p = np.bincount(y_train, minlength=len(CLASSES)) / len(y_train)
    logs = np.log(np.clip(p, clip, 1.0))
    return (logs - logs.mean()).astype("float32")


def score(y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """The loss and every metric on one split: computed the same way for model and baseline."""
    scores = {"loss": float(make_loss()(y_true, outputs))}
    for metric in make_metrics():
        metric.update_state(y_true, outputs)
        scores[metric.name] = float(metric.result())
    return scores


def save_plots(
    history: dict[str, list[float]],
    y_test: np.ndarray,
    outputs: np.ndarray,
    output_dir: Path,
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
    truth, predicted = y_test, outputs.argmax(axis=1)
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
    axis.set(xlabel="predicted", ylabel="true", title="test rows")
    name = "confusion_matrix.png"
    figure.tight_layout()
    figure.savefig(output_dir / name, dpi=80)
    plt.close(figure)
    print(f"wrote {output_dir / 'learning_curves.png'} and {output_dir / name}")


def predict_labels(
    model: keras.Model,
    images: np.ndarray,
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> list:
    """Predict for images shaped as in the training array, in the target's own terms.

    Args:
        model: the saved model.keras (images in, as stored in the array).
        images: an array of shape (n, 16, 16), pixels as in the training file.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir); the default is
            DEFAULT_OUTPUT_DIR, relative to the current directory. Only read when labels is None.

    Returns:
        One class name per row: the class with the highest output.
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    outputs = model.predict(np.asarray(images, dtype="float32"), batch_size=256, verbose=0)
    # The largest output is the most likely class (softmax keeps the order, logits or not).
    return [labels["classes"][i] for i in outputs.argmax(axis=1)]


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
    require_file(args.images_file, "--images-file")
    target = load_target(args.target_file)[TARGET_COLUMNS]
    images = load_images(args.images_file)
    if len(images) != len(target):
        raise SystemExit(
            f"error: {args.images_file} has {len(images)} images and {args.target_file} has "
            f"{len(target)} rows: image i must be described by row i of the target"
        )
    keep = target.notna().all(axis=1).to_numpy()
    if not keep.all():
        print(f"leaving out {int((~keep).sum())} images whose target is missing")
    rows = np.flatnonzero(keep)  # the images that are trained on, by row of the array
    target = target[keep]
    y = encode_target(target)

    # Split per class, so that train, validation and test keep the class proportions.
    strata = y
    train, val, test = split_rows(strata, args.seed)
    print(f"images: {len(train)} train, {len(val)} validation, {len(test)} test")
    y_fit = y
    train_data = make_batches(images, rows[train], y_fit[train], args.batch_size, seed=args.seed)
    val_data = make_batches(images, rows[val], y_fit[val], args.batch_size)
    input_shape = tuple(images.shape[1:])
    y_train, y_test = y[train], y[test]

    model = build_model(input_shape, args.augment, args.seed, initial_bias(y_train))
    model.compile(optimizer="adam", loss=make_loss(), metrics=make_metrics())
    history = model.fit(
        train_data,
        validation_data=val_data,
        epochs=args.epochs,
        shuffle=False,  # the training batches are already shuffled, with the seed
        # Stop when the validation loss stops improving, and keep the best weights seen.
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True
            )
        ],
        verbose=2,
    )

    outputs = model.predict(make_batches(images, rows[test], None, args.batch_size), verbose=0)
    # The model and the trivial baseline, scored with the same loss and metrics on the same rows.
    test_scores = score(y_test, outputs)
    baseline_scores = score(y_test, baseline_outputs(y_train, len(y_test)))
    print_scores(test_scores, baseline_scores)

    labels = {
        "task": TASK,
        "target_columns": TARGET_COLUMNS,
        "classes": CLASSES,
        "decision": "argmax",
        "threshold": None,
        "from_logits": False,
        "target_scaling": None,
        "input_shape": list(input_shape),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(output_dir / "model.keras")
    (output_dir / "labels.json").write_text(json.dumps(labels, indent=2) + "\n")
    metrics = {"task": TASK, "test": test_scores, "baseline": baseline_scores}
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {output_dir / 'model.keras'}, labels.json and metrics.json")
    if not args.no_plots:
        save_plots(history.history, y_test, outputs, output_dir)
    examples = predict_labels(model, images[rows[test[:3]]], labels)
    print("first test images, predicted:", examples)


if __name__ == "__main__":
    main()
