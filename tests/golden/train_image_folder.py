# Train the Keras model that `outhead scaffold` recommends for these images (one folder
# per class):
#   pets
# Run it as is: python train.py   (options: python train.py --help)
#
# What outhead found in the target (120 training images, label-vector layout):
#   - 120 training images, one class per folder
#   - classes: hbar (60), square (60)
#   - one label vector with 2 values: 1 sigmoid unit gives P(square)
# How outhead read the folder:
#   - 120 images in 2 class folders of pets: the folder names are the labels: hbar (60),
#     square (60)
#   - images: 120 PNG; every sampled image is 16x16 (height x width): kept as is; colour (3
#     channels, RGB)
# So the task is binary, and the head is:
#   keras.layers.Dense(1, activation="sigmoid")
#   loss keras.losses.BinaryCrossentropy()
# Why:
#   - 1 unit: the labels are one vector of 2 values, so one probability suffices
#   - sigmoid activation: the output is P(square), between 0 and 1
#   - binary cross-entropy: the loss of a yes/no label
#   - bias_initializer: log(p / (1 - p)) of each label's share p of the rows, so the untrained
#     model already outputs the priors and the first epochs do not go into learning them
# Predictions: class square when p >= 0.5, else class hbar.
#
# The images are read with keras.utils.image_dataset_from_directory: the class of an image
# is the name of its folder (CLASSES keeps outhead's order). Pixels are decoded as 0..255 and
# rescaled by 1/255 in the model. Image size (--image-size changes it):
#   every sampled image is 16x16 (height x width): kept as is.
# Split: a seeded random split of the files (Keras's validation_split: random, not per
# class), then the held-out part is cut into validation and test images.
# The network: Conv2D + MaxPooling2D blocks, as many as halve the smaller side while it stays
# at least 4 pixels (at most 4), with 32, 64, ... filters; then Flatten (feature maps
# of up to FLATTEN_MAX values) or GlobalAveragePooling2D, Dropout, the hidden Dense layers and
# the head.
# --augment adds light random shifts, turns and zooms of the training images (off by
# default here; --no-augment / --augment switch it).
#
# Writes to --output-dir: model.keras (decoded images in, outputs out),
# labels.json (what predict_labels() needs) and metrics.json (test scores against a trivial
# baseline).

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

# Relative data paths are relative to the current directory: run the script from the
# directory where outhead scaffold ran, or pass the files' locations.
TRAIN_DIR = "pets"
VALIDATION_DIR = None
TEST_DIR = None
IMAGE_SIZE = [16, 16]  # height, width
COLOR_MODE = "rgb"
CHANNELS = 3
# Decoded images are cached in memory when they fit in this many bytes (faster epochs).
CACHE_BYTES = 1 << 30
# Class i of the model is CLASSES[i]: the labels are mapped to 0..1 in this order.
CLASSES = ["hbar", "square"]
TASK = "binary"
MAX_BLOCKS = 4
# Feature maps of at most this many values are flattened, larger ones averaged.
FLATTEN_MAX = 4096
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
    parser.add_argument("--train-dir", default=TRAIN_DIR, help="one folder of images per class")
    parser.add_argument(
        "--validation-dir", default=VALIDATION_DIR, help="default: cut from the training images"
    )
    parser.add_argument(
        "--test-dir", default=TEST_DIR, help="default: cut from the training images"
    )
    parser.add_argument(
        "--image-size",
        type=int,
        nargs=2,
        default=IMAGE_SIZE,
        metavar=("HEIGHT", "WIDTH"),
        help="the size images are resized to",
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
    """Stop with one line when a data file or folder is not there (rather than a traceback)."""
    if not Path(path).exists():
        raise SystemExit(f"error: {path}: no such file; pass its location with {option}")


def class_ids(paths: list[str], directory: str) -> np.ndarray:
    """The class id of each image file, from the name of its class folder (nothing decoded)."""
    return np.array(
        [CLASSES.index(Path(path).relative_to(directory).parts[0]) for path in paths],
        dtype="int64",
    )


def read_folder(directory: str, image_size: list[int], **split: object) -> tf.data.Dataset:
    """Images and labels of a folder of class folders, one image at a time (not batched)."""
    return keras.utils.image_dataset_from_directory(
        directory,
        labels="inferred",
        label_mode="binary",
        class_names=CLASSES,
        color_mode=COLOR_MODE,
        image_size=tuple(image_size),
        batch_size=None,
        verbose=False,
        **split,
    )


def load_splits(args: argparse.Namespace) -> dict[str, tuple[tf.data.Dataset, list[str]]]:
    """Train, validation and test images with their file paths.

    A split without its own folder is cut from the training folder: Keras shuffles the files
    with the seed and holds out the last part, which is never reshuffled.
    """
    held_out = {
        "validation": 0.0 if args.validation_dir else VALIDATION_FRACTION,
        "test": 0.0 if args.test_dir else TEST_FRACTION,
    }
    fraction = sum(held_out.values())
    if fraction:
        train, rest = read_folder(
            args.train_dir,
            args.image_size,
            validation_split=fraction,
            subset="both",
            shuffle=True,
            seed=args.seed,
        )
        n_val = round(len(rest.file_paths) * held_out["validation"] / fraction)
    else:
        train = read_folder(args.train_dir, args.image_size, shuffle=True, seed=args.seed)
    splits = {"train": (train, list(train.file_paths))}
    for name, option in (("validation", args.validation_dir), ("test", args.test_dir)):
        if option:
            data = read_folder(option, args.image_size, shuffle=False)
            splits[name] = (data, list(data.file_paths))
        elif name == "validation":
            splits[name] = (rest.take(n_val), rest.file_paths[:n_val])
        else:
            splits[name] = (rest.skip(n_val), rest.file_paths[n_val:])
    return splits


def batches(
    data: tf.data.Dataset, n_images: int, batch_size: int, seed: int | None = None
) -> tf.data.Dataset:
    """Batched images, cached in memory when they fit, shuffled each epoch when seeded."""
    height, width = data.element_spec[0].shape[:2]
    if n_images * height * width * CHANNELS * 4 <= CACHE_BYTES:
        data = data.cache()  # decoded once, not every epoch
        if seed is not None:
            data = data.shuffle(n_images, seed=seed)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_image(path: tf.Tensor, image_size: list[int]) -> tf.Tensor:
    """Read one image as image_dataset_from_directory does: decode, resize (bilinear)."""
    image = tf.image.decode_image(
        tf.io.read_file(path), channels=CHANNELS, expand_animations=False
    )
    return tf.image.resize(image, image_size)


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
    x = keras.layers.Rescaling(1 / 255)(x)  # decoded pixels are 0..255
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
    # One sigmoid unit: the probability that the label is square.
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
    images: list[str],
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> list:
    """Predict for image files, in the target's own terms.

    Args:
        model: the saved model.keras (decoded images in).
        images: paths of image files (PNG, JPEG, GIF, BMP), resized as in training.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir); the default is
            DEFAULT_OUTPUT_DIR, relative to the current directory. Only read when labels is None.

    Returns:
        One class name per row: CLASSES[1] when its probability reaches the threshold
        (labels["threshold"], tuned on the validation rows).
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    size = labels["image_size"]
    data = tf.data.Dataset.from_tensor_slices([str(path) for path in images])
    outputs = model.predict(data.map(lambda path: load_image(path, size)).batch(64), verbose=0)
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

    require_file(args.train_dir, "--train-dir")
    splits = load_splits(args)
    sizes = {name: len(paths) for name, (_, paths) in splits.items()}
    print(f"images: {sizes['train']} train, {sizes['validation']} validation, {sizes['test']} test")
    train_data = batches(splits["train"][0], sizes["train"], args.batch_size, seed=args.seed)
    val_data = batches(splits["validation"][0], sizes["validation"], args.batch_size)
    test_data = batches(splits["test"][0], sizes["test"], args.batch_size)
    # The labels come from the file paths (the class folder of each image): nothing decoded.
    folders = {"train": args.train_dir, "validation": args.validation_dir, "test": args.test_dir}
    ids = {
        name: class_ids(paths, folders[name] or args.train_dir)
        for name, (_, paths) in splits.items()
    }
    y_train, y_test = (ids[name].astype("float32").reshape(-1, 1) for name in ("train", "test"))
    input_shape = (*args.image_size, CHANNELS)

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

    outputs = model.predict(test_data.map(lambda image, label: image), verbose=0)
    y_val = ids["validation"].astype("float32").reshape(-1, 1)
    val_outputs = model.predict(val_data.map(lambda image, label: image), verbose=0)
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
        "classes": CLASSES,
        "decision": "threshold",
        "threshold": 0.5,
        "from_logits": False,
        "target_scaling": None,
        "image_size": list(args.image_size),
        "color_mode": COLOR_MODE,
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
    examples = predict_labels(model, splits["test"][1][:3], labels)
    print("first test images, predicted:", examples)


if __name__ == "__main__":
    main()
