"""Time per epoch of the scaffolded image scripts against a plain Keras pipeline (issue 9).

Run from the repository root::

    python benchmarks/images.py            # 6,000 array images 28x28, 2,000 PNGs 32x32
    python benchmarks/images.py --quick    # a tenth of that

Data (shapes on noise, ``tests/image_data.py``) is generated, seeded, into
``benchmarks/data/images/`` (git-ignored). Each contender trains the same network (the
scaffolded script's ``build_model``) for ``--epochs`` epochs on the same images; the time per
epoch is Keras's own (steps x time per step, ``verbose=2``), the median over the epochs after
the first (which pays for tracing), and the median over ``--rounds`` rounds, each running every
contender in turn. No timed assertion anywhere: this prints a table.

Contenders:

* image array: the script (rows read per batch from the memory-mapped ``.npy``, a
  ``keras.utils.PyDataset``) against ``model.fit`` on the whole array in memory;
* image folder: the script (``image_dataset_from_directory``, decoded images cached in memory
  when they fit) against ``image_dataset_from_directory`` batched as the Keras examples do,
  decoding every image every epoch.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "images"
PY = sys.executable
STEP = re.compile(r"^(\d+)/\1 - \S+ - (\d+(?:\.\d+)?)(ms|s)/step", re.MULTILINE)

PLAIN_ARRAY = """
import importlib.util, sys, numpy as np, keras
spec = importlib.util.spec_from_file_location("train", sys.argv[1])
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
keras.utils.set_random_seed(0)
x = np.load(sys.argv[2]).astype("float32"); y = np.load(sys.argv[3])
n_train, n_val = round(len(x) * 0.6), round(len(x) * 0.2)  # the script's split sizes
model = train.build_model(x.shape[1:], False, 0)
model.compile(optimizer="adam", loss=train.make_loss(), metrics=train.make_metrics())
model.fit(x[:n_train], y[:n_train], validation_data=(x[n_train:n_train + n_val],
          y[n_train:n_train + n_val]), batch_size=32, epochs=int(sys.argv[4]), verbose=2)
"""

PLAIN_FOLDER = """
import importlib.util, sys, keras
spec = importlib.util.spec_from_file_location("train", sys.argv[1])
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
keras.utils.set_random_seed(0)
data, rest = keras.utils.image_dataset_from_directory(
    sys.argv[2], class_names=train.CLASSES, image_size=tuple(train.IMAGE_SIZE),
    color_mode=train.COLOR_MODE, batch_size=32, seed=0, verbose=False,
    validation_split=0.4, subset="both", label_mode="binary")
val = rest.take(len(rest) // 2)  # the script's split sizes: 60 % train, 20 % validation
model = train.build_model((*train.IMAGE_SIZE, train.CHANNELS), False, 0)
model.compile(optimizer="adam", loss=train.make_loss(), metrics=train.make_metrics())
model.fit(data, validation_data=val, epochs=int(sys.argv[3]), verbose=2)
"""


def epoch_seconds(output: str) -> float:
    """The median time of the epochs after the first, from Keras's verbose=2 lines."""
    times = [
        int(steps) * float(per) / (1000.0 if unit == "ms" else 1.0)
        for steps, per, unit in STEP.findall(output)
    ]
    if len(times) < 2:
        raise SystemExit(f"no epoch times in the output:\n{output[-2000:]}")
    return statistics.median(times[1:])


def run(*args: str, cwd: Path) -> str:
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0"}
    import os

    proc = subprocess.run(
        args, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=3600
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the images")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="the median over rounds is shown")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from tests.image_data import shape_folder, shape_images

    n_array, n_folder = (600, 200) if args.quick else (6000, 2000)
    folder = DATA / f"{'quick' if args.quick else 'full'}"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "images.npy").exists():
        images, y = shape_images(n_array, size=28, classes=4, seed=0)
        np.save(folder / "images.npy", images)
        np.save(folder / "labels.npy", y)
    if not (folder / "pets").exists():
        shape_folder(folder / "pets", n_folder, size=32, classes=2, seed=0)

    epochs = str(args.epochs)
    outhead = [PY, "-m", "outhead", "scaffold"]
    run(
        *outhead,
        "labels.npy",
        "--features",
        "images.npy",
        "--out",
        "array_train.py",
        "--force",
        cwd=folder,
    )
    run(*outhead, "pets", "--out", "folder_train.py", "--force", cwd=folder)
    contenders = {
        "array script": (PY, "array_train.py", "--epochs", epochs, "--output-dir", "out_a"),
        "array plain": (
            PY,
            "-c",
            PLAIN_ARRAY,
            "array_train.py",
            "images.npy",
            "labels.npy",
            epochs,
        ),
        "folder script": (PY, "folder_train.py", "--epochs", epochs, "--output-dir", "out_f"),
        "folder plain": (PY, "-c", PLAIN_FOLDER, "folder_train.py", "pets", epochs),
    }
    # Rounds alternate the contenders, so that a busy spell of a shared machine hits all alike.
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, command in contenders.items():
            times[name].append(epoch_seconds(run(*command, cwd=folder)))
    median = {name: statistics.median(values) for name, values in times.items()}
    # Both train on 60 % of the images and validate on 20 % each epoch.
    n_a, n_f = round(n_array * 0.6), round(n_folder * 0.6)
    rows = [
        (f"image array, {n_array} x 28x28 uint8", "scaffolded script", median["array script"], n_a),
        ("", "model.fit on the array in memory", median["array plain"], n_a),
        (
            f"image folder, {n_folder} PNG 32x32 RGB",
            "scaffolded script (cached)",
            median["folder script"],
            n_f,
        ),
        ("", "image_dataset_from_directory, no cache", median["folder plain"], n_f),
    ]
    print(f"{'data':<34}{'contender':<40}{'s/epoch':>9}{'train':>7}{'ms/image':>10}")
    for data, contender, seconds, n in rows:
        print(f"{data:<34}{contender:<40}{seconds:>9.2f}{n:>7}{1000 * seconds / n:>10.3f}")


if __name__ == "__main__":
    main()
