# Train the Keras model that `outhead scaffold` recommends for these masks, from
# the images (--images-file)
#   images.npy
# and the masks (--masks-file)
#   masks.npy
# Run it as is: python train.py   (options: python train.py --help)
#
# What outhead found in the target (40 masks, class-map layout):
#   - an array of shape (40, 32, 32): 40 examples of 32×32 positions, no channel axis; the
#     statistics are over its 40,960 positions
#   - 3 distinct whole numbers from 0 to 2, 13653 positions each on average: class labels
#   - classes: 0 (35439), 1 (2065), 2 (3456)
#   - one class id per position: a class map, one softmax over the 3 classes per position
#   - the most frequent class, 0, covers 86.5% of positions (the background): predicting it
#     everywhere scores 86.5% per-pixel accuracy
# So the task is multiclass, and the head is:
#   keras.layers.Conv2D(3, 1, activation="softmax")
#   loss keras.losses.SparseCategoricalCrossentropy()
# Why:
#   - 3 units per position: one per class (a 1×1 Conv2D gives the outputs of each pixel from
#     its features)
#   - softmax activation: the 3 outputs of each position are one distribution
#   - sparse categorical cross-entropy: one class id per position; MeanIoU averages the
#     overlap of each class, which the background share does not flatter
#   - shapes: the target is (n, 32, 32), one class id per position without a channel axis, and
#     the output (n, 32, 32, 3): the sparse loss wants exactly one axis less in the target (an
#     (n, 32, 32, 1) array works too)
# Predictions: the class of each position = argmax over its 3 outputs.
# outhead warns:
#   - classes are imbalanced: the largest has 35439 positions, the smallest 2065 (17.2×);
#     accuracy will flatter a model that predicts the majority
#
# The images: an array of shape (40, 32, 32, 1), uint8.
# Rescaling: pixels from 0 to 249, 8-bit values: divided by 255 into [0, 1].
# The masks: an array of shape (40, 32, 32).
# Pixel (i, j) of mask k labels pixel (i, j) of image k.
#
# The network: a small U-Net. The encoder has 3 levels of two 3x3 convolutions and a
# 2x2 max-pooling (each halves the height and width, while both stay even and at least
# 4 pixels, at most 3 levels), with 16, 32, ... filters; the decoder
# mirrors it with transposed convolutions that double the size back, each joined to the
# encoder's features of the same size (the skip connections keep the fine detail). The head
# is one 1x1 convolution: the outputs of each pixel from its features.
#
# Writes to --output-dir: model.keras (images as stored in the array in, one output per
# pixel out), labels.json (what predict_labels() needs) and metrics.json (test scores against
# a trivial baseline: the most frequent class of each pixel over the training masks).

import argparse
import json
from pathlib import Path

import keras
import numpy as np

# Relative data paths are relative to the current directory: run the script from the
# directory where outhead scaffold ran, or pass the files' locations.
MASKS_FILE = "masks.npy"
IMAGES_FILE = "images.npy"
# Class i of the model is CLASSES[i].
CLASSES = [0, 1, 2]
TASK = "multiclass"
# Rescaling(SCALE, offset=OFFSET) maps the pixels into [0, 1].
SCALE = 0.00392156862745098
OFFSET = 0.0
LEVELS = 3
BASE_FILTERS = 16
# The classes cover very different shares of the pixels: each pixel of the training masks
# weighs n / (K * n_k) for its class k in the loss (Keras' class_weight cannot do this for
# masks: it weighs whole examples). --no-class-weights trains unweighted.
CLASS_WEIGHTS = [0.3853, 6.6118, 3.9506]
VALIDATION_FRACTION = 0.2
TEST_FRACTION = 0.2
PATIENCE = 10
DEFAULT_OUTPUT_DIR = "outhead_run"


def parse_args() -> argparse.Namespace:
    """The command-line options; the defaults are what outhead scaffold was given."""
    parser = argparse.ArgumentParser(description="Train the Keras model outhead recommends.")
    parser.add_argument("--masks-file", default=MASKS_FILE, help="one label per pixel")
    parser.add_argument("--images-file", default=IMAGES_FILE, help="aligned with the masks")
    parser.add_argument(
        "--epochs", type=int, default=100, help="upper bound (early stopping ends sooner)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42, help="same seed, same results")
    parser.add_argument(
        "--class-weights",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="weigh each pixel by its class (the rare classes are not ignored)",
    )
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    return parser.parse_args()


def require_file(path: str, option: str) -> None:
    """Stop with one line when a data file is not there (rather than a traceback)."""
    if not Path(path).exists():
        raise SystemExit(f"error: {path}: no such file; pass its location with {option}")


def load_array(path: str, key: str | None) -> np.ndarray:
    """An array from .npy (memory-mapped) or .npz (read whole); never unpickled."""
    if key is not None:
        return np.load(path, allow_pickle=False)[key]
    return np.load(path, mmap_mode="r", allow_pickle=False)


def class_ids(masks: np.ndarray) -> np.ndarray:
    """The class id 0..K-1 of every pixel: shape (n, height, width)."""
    masks = np.asarray(masks)
    return masks.astype("int64")


def split_examples(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the examples (image and mask together) into train, validation and test."""
    rows = np.random.default_rng(seed).permutation(n)
    n_test = round(n * TEST_FRACTION)
    n_val = round(n * VALIDATION_FRACTION)
    test, val, train = np.split(rows, [n_test, n_test + n_val])
    return np.sort(train), np.sort(val), np.sort(test)


def targets(ids: np.ndarray) -> np.ndarray:
    """What the loss compares the outputs with, from the class ids of the pixels."""
    return ids  # one class id per pixel: the sparse loss one-hots it itself


def conv_block(x: keras.KerasTensor, filters: int) -> keras.KerasTensor:
    """Two 3x3 convolutions that keep the height and width ("same" padding)."""
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return x


def initial_bias(y_train: np.ndarray) -> np.ndarray:
    """The output layer's starting bias, from the training pixels: the untrained model outputs
    the priors, so the first epochs do not go into learning the base rates.
    """
    clip = 1e-4  # priors are kept in [1e-4, 1 - 1e-4]: a bias of at most about 9.2, never inf
    # The log of each class's share of the training pixels, centred on 0 (a softmax ignores a
    # constant shift).
    p = np.bincount(y_train, minlength=len(CLASSES)) / len(y_train)
    logs = np.log(np.clip(p, clip, 1.0))
    return (logs - logs.mean()).astype("float32")


def build_model(input_shape: tuple[int, ...], output_bias: np.ndarray) -> keras.Model:
    """The U-Net: encoder, bottom, decoder with skip connections, then the head per pixel."""
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    x = keras.layers.Rescaling(SCALE, offset=OFFSET)(x)
    skips = []
    filters = BASE_FILTERS
    for _ in range(LEVELS):
        x = conv_block(x, filters)
        skips.append(x)  # the features at this size, for the decoder
        x = keras.layers.MaxPooling2D(2)(x)
        filters *= 2
    x = conv_block(x, filters)
    for skip in reversed(skips):
        filters //= 2
        x = keras.layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
        x = keras.layers.Concatenate()([x, skip])
        x = conv_block(x, filters)
    # Softmax per pixel: one probability per class at every pixel, summing to 1.
    # The bias starts at the priors of the training pixels (initial_bias()), not at 0.
    outputs = keras.layers.Conv2D(
        3, 1, activation="softmax", bias_initializer=keras.initializers.Constant(output_bias)
    )(x)
    return keras.Model(inputs, outputs)


def make_loss() -> keras.losses.Loss:
    """The loss that matches the head, averaged over the pixels."""
    return keras.losses.SparseCategoricalCrossentropy()


def make_metrics() -> list[keras.metrics.Metric]:
    """Explicit metric objects, per pixel; the IoU is not flattered by a large background.

    Each is named, so that its key in metrics.json stays the same however often it is created.
    """
    return [
        keras.metrics.SparseCategoricalAccuracy(name='sparse_categorical_accuracy'),
        keras.metrics.MeanIoU(num_classes=3, sparse_y_pred=False, name='mean_io_u'),
    ]


def baseline_outputs(ids_train: np.ndarray, n: int) -> np.ndarray:
    """What a trivial model outputs for every image: at each pixel, the class frequencies of
    that pixel over the training masks, so its prediction is the pixel's most frequent class."""
    freq = np.stack([(ids_train == k).mean(axis=0) for k in range(len(CLASSES))], axis=-1)
    # Ties go to the lower class id, as argmax does; never exactly 0 or 1 (the loss clips).
    freq = np.clip(freq, 1e-7, 1 - 1e-7)
    out = freq / freq.sum(axis=-1, keepdims=True)
    return np.broadcast_to(out, (n, *out.shape)).astype("float32")


def predicted_ids(outputs: np.ndarray) -> np.ndarray:
    """The class id of each pixel from the model's outputs: the class with the highest one."""
    return outputs.argmax(axis=-1)  # the same on logits and on probabilities


def score(ids_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """The loss, every metric and the IoU of each class on one split: the same for model and
    baseline."""
    y_true = targets(ids_true)
    scores = {"loss": float(make_loss()(y_true, outputs))}
    for metric in make_metrics():
        metric.update_state(y_true, outputs)
        scores[metric.name] = float(metric.result())
    predicted = predicted_ids(outputs)
    for k, name in enumerate(CLASSES):
        union = np.sum((ids_true == k) | (predicted == k))
        overlap = np.sum((ids_true == k) & (predicted == k))
        scores[f"iou_{name}"] = float(overlap / union) if union else 1.0
    return scores


def predict_labels(
    model: keras.Model,
    images: np.ndarray,
    labels: dict | None = None,
    output_dir: str | Path = DEFAULT_OUTPUT_DIR,
) -> np.ndarray:
    """Predict a label map for images shaped as in the training array.

    Args:
        model: the saved model.keras (images in, as stored in the array).
        images: an array of shape (n, 32, 32, 1), pixels as in the training file.
        labels: the content of labels.json. When None, it is read from output_dir.
        output_dir: the folder training wrote to (its --output-dir); the default is
            DEFAULT_OUTPUT_DIR, relative to the current directory. Only read when labels is None.

    Returns:
        An array of shape (n, 32, 32): the label of each pixel, as in the masks.
    """
    if labels is None:
        labels = json.loads((Path(output_dir) / "labels.json").read_text())
    outputs = model.predict(np.asarray(images, dtype="float32"), batch_size=32, verbose=0)
    ids = predicted_ids(outputs)
    return np.asarray(labels["mask_values"])[ids]


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

    require_file(args.masks_file, "--masks-file")
    require_file(args.images_file, "--images-file")
    images = load_array(args.images_file, None)
    ids = class_ids(load_array(args.masks_file, None))
    if len(images) != len(ids) or tuple(images.shape[1:3]) != tuple(ids.shape[1:3]):
        raise SystemExit(
            f"error: {args.images_file} {images.shape} and {args.masks_file} {ids.shape}: "
            "every image needs a mask of its height and width"
        )
    train, val, test = split_examples(len(ids), args.seed)
    print(f"images: {len(train)} train, {len(val)} validation, {len(test)} test")
    x = np.asarray(images, dtype="float32")
    y = targets(ids)
    # One weight per pixel, of the same shape as the masks.
    weights = np.asarray(CLASS_WEIGHTS, dtype="float32")[ids[train]] if args.class_weights else None

    y_bias = ids[train].ravel()  # the class of every training pixel, for the class shares
    # With the class weights every class weighs the same in the loss: the prior the loss sees
    # is uniform, which the default bias of 0 gives (as in initial_bias() under class_weight).
    output_bias = initial_bias(y_bias) if weights is None else np.zeros(3, "float32")
    model = build_model(tuple(images.shape[1:]), output_bias)
    model.compile(optimizer="adam", loss=make_loss(), metrics=make_metrics())
    model.fit(
        x[train],
        y[train],
        sample_weight=weights,
        validation_data=(x[val], y[val]),
        epochs=args.epochs,
        batch_size=args.batch_size,
        # Stop when the validation loss stops improving, and keep the best weights seen.
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True
            )
        ],
        verbose=2,
    )

    outputs = model.predict(x[test], batch_size=args.batch_size, verbose=0)
    # The model and the trivial baseline, scored with the same loss and metrics on the same images.
    test_scores = score(ids[test], outputs)
    baseline_scores = score(ids[test], baseline_outputs(ids[train], len(test)))
    print_scores(test_scores, baseline_scores)

    labels = {
        "task": TASK,
        "layout": "class-map",
        "classes": CLASSES,
        "decision": "argmax",
        "threshold": None,
        "from_logits": False,
        "mask_values": CLASSES,
        "input_shape": list(images.shape[1:]),
        "output_shape": list(outputs.shape[1:]),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(output_dir / "model.keras")
    (output_dir / "labels.json").write_text(json.dumps(labels, indent=2) + "\n")
    metrics = {"task": TASK, "test": test_scores, "baseline": baseline_scores}
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {output_dir / 'model.keras'}, labels.json and metrics.json")
    example = predict_labels(model, images[test[:1]], labels)[0]
    print("first test image, predicted share of each label:", {
        str(value): float((example == value).mean()) for value in labels["mask_values"]
    })


if __name__ == "__main__":
    main()
