"""``outhead scaffold``: render a runnable Keras training script for a target.

The script goes to stdout, or to ``--out`` (never over an existing file without ``--force``);
status lines go to stderr. The core (``outhead.scaffold``, ``outhead.render``) is imported when
the command runs, so ``outhead --help`` stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from outhead.commands.common import (
    HeaderOpt,
    KeyOpt,
    PerStepOpt,
    SepOpt,
    TaskOpt,
    handle_errors,
)

DEFAULTS_HIDDEN = "64,32"


_TargetOpt = Annotated[
    str,
    typer.Argument(
        metavar="TARGET",
        help="The target file (with --features), one table holding the target and the "
        "features (with --target), or a folder of images with one folder per class.",
        show_default=False,
    ),
]
_FeaturesOpt = Annotated[
    str | None,
    typer.Option(
        "--features",
        "-f",
        metavar="FILE",
        help="The features file, rows aligned with the target (any format inspect reads), "
        "or an array of images (.npy/.npz of shape n x height x width [x channels]).",
        show_default=False,
    ),
]
_TargetColumnsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        "-t",
        metavar="COLUMN",
        help="Target column (repeat for several): of the table, whose other columns are "
        "the features; with --features, of the target file (default: all its columns).",
        show_default=False,
    ),
]
_DropOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--drop",
        metavar="COLUMN",
        help="A column that is not a feature, such as an ID (repeatable): of the table, or "
        "of the --features file.",
        show_default=False,
    ),
]
_OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        metavar="FILE",
        help="Write the script to this file instead of stdout; its data paths are then "
        "relative to the script's folder.",
        show_default=False,
        dir_okay=False,
    ),
]
_ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite the --out file if it exists.")]
_HiddenOpt = Annotated[
    str,
    typer.Option(
        "--hidden",
        metavar="UNITS",
        help="Units of the hidden ReLU layers, comma-separated; '' for none.",
    ),
]
_EpochsOpt = Annotated[
    int,
    typer.Option("--epochs", metavar="N", help="Most epochs (early stopping usually ends sooner)."),
]
_BatchSizeOpt = Annotated[int, typer.Option("--batch-size", metavar="N", help="Rows per batch.")]
_ValidationSplitOpt = Annotated[
    float,
    typer.Option(
        "--validation-split",
        metavar="FRACTION",
        help="Fraction of rows for validation (early stopping).",
    ),
]
_TestSplitOpt = Annotated[
    float,
    typer.Option(
        "--test-split", metavar="FRACTION", help="Fraction of rows for the final test scores."
    ),
]
_SeedOpt = Annotated[
    int, typer.Option("--seed", metavar="N", help="Seed for the split and the weights.")
]
_TwoNodeOpt = Annotated[
    bool,
    typer.Option("--two-node", help="Binary labels: two softmax units instead of one sigmoid."),
]
_FromLogitsOpt = Annotated[
    bool,
    typer.Option(
        "--from-logits",
        help="Linear output with from_logits=True (numerically stable); the script turns "
        "logits into probabilities when it predicts.",
    ),
]


class LossChoice(str, Enum):
    """``--loss``: the recommended cross-entropy, or its focal form."""

    default = "default"
    focal = "focal"


_LossOpt = Annotated[
    LossChoice,
    typer.Option(
        "--loss",
        help="Classification: 'focal' trains with BinaryFocalCrossentropy (sigmoid heads) or "
        "CategoricalFocalCrossentropy (softmax heads, on one-hot labels), for strong imbalance.",
    ),
]
_DistributeOpt = Annotated[
    bool,
    typer.Option(
        "--distribute",
        help="Data-parallel training with keras.distribution on the JAX backend: every "
        "device of this machine, or several processes/machines from KERAS_DISTRIBUTION_*.",
    ),
]
_StreamOpt = Annotated[
    bool,
    typer.Option(
        "--stream",
        help="The script reads the table in chunks on every pass (CSV, Parquet file or "
        "directory of shards, NPY) and trains in flat memory, for tables larger than memory.",
    ),
]
_TextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--text",
        metavar="COLUMN",
        help="A feature column of free text, read as words (repeatable); by default a text "
        "column is free text when its values are mostly distinct and 4 or more words long.",
        show_default=False,
    ),
]
_CategoricalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--categorical",
        metavar="COLUMN",
        help="A feature column read as categories, one-hot encoded (repeatable): text that "
        "looks free, or numbers that are codes.",
        show_default=False,
    ),
]
_FeaturesKeyOpt = Annotated[
    str | None,
    typer.Option("--features-key", metavar="KEY", help="NPZ features: the array to read."),
]


_AugmentOpt = Annotated[
    bool,
    typer.Option(
        "--augment",
        help="Images: light random shifts, turns and zooms of the training images "
        "(the script's --augment default).",
    ),
]
_ImageSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--image-size",
        metavar="SIZE",
        help="Image folders: resize to SIZE (64) or HEIGHTxWIDTH (64x48); default chosen "
        "from a sample of the images.",
        show_default=False,
    ),
]


_SequenceOpt = Annotated[
    bool,
    typer.Option(
        "--sequence",
        help="The --features array is sequences, not images: (n, steps, features) or "
        "(n, steps), one target row per sequence (a GRU or Conv1D blocks, then the head). "
        "Without it an (n, H, W) array is grayscale images.",
    ),
]


_OutputsOpt = Annotated[
    bool,
    typer.Option(
        "--outputs",
        help="Each --target column is its own output: one model, shared hidden layers, one "
        "named head per target (columns of mixed kinds are several outputs without it).",
    ),
]


def scaffold(
    target: _TargetOpt,
    features: _FeaturesOpt = None,
    target_columns: _TargetColumnsOpt = None,
    outputs: _OutputsOpt = False,
    drop: _DropOpt = None,
    out: _OutOpt = None,
    force: _ForceOpt = False,
    hidden: _HiddenOpt = DEFAULTS_HIDDEN,
    epochs: _EpochsOpt = 100,
    batch_size: _BatchSizeOpt = 32,
    validation_split: _ValidationSplitOpt = 0.2,
    test_split: _TestSplitOpt = 0.2,
    seed: _SeedOpt = 42,
    task: TaskOpt = None,
    two_node: _TwoNodeOpt = False,
    from_logits: _FromLogitsOpt = False,
    loss: _LossOpt = LossChoice.default,
    distribute: _DistributeOpt = False,
    stream: _StreamOpt = False,
    augment: _AugmentOpt = False,
    image_size: _ImageSizeOpt = None,
    text: _TextOpt = None,
    categorical: _CategoricalOpt = None,
    key: KeyOpt = None,
    features_key: _FeaturesKeyOpt = None,
    header: HeaderOpt = None,
    sep: SepOpt = None,
    per_step: PerStepOpt = False,
    sequence: _SequenceOpt = False,
) -> None:
    """Render a Keras training script that runs as is and learns the recommended head.

    Examples:

      outhead scaffold y.csv --features X.csv --out train.py

      outhead scaffold table.csv --target label --drop id --out train.py

      outhead scaffold y.npy --features images.npy --out train.py

      outhead scaffold reviews.csv --target sentiment --text review --out train.py
      outhead scaffold masks.npy --features images.npy --out train.py   (one label per pixel)

      outhead scaffold tags.npy --per-step --features frames.npy --out train.py

      outhead scaffold y.npy --features signals.npy --sequence --out train.py

      outhead scaffold photos/ --out train.py   (photos/cats, photos/dogs: one folder per class)
    """
    with handle_errors(as_json=False):
        from outhead.errors import OutputExistsError
        from outhead.render import ScaffoldOptions
        from outhead.render_images import ImageOptions
        from outhead.scaffold import scaffold_script

        options = ScaffoldOptions(
            hidden=_parse_hidden(hidden),
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            test_split=test_split,
            seed=seed,
            two_node=two_node,
            from_logits=from_logits,
            distribute=distribute,
            stream=stream,
            loss=loss.value,
        )
        image_options = ImageOptions(
            augment=augment,
            image_size=_parse_image_size(image_size) if image_size is not None else None,
        )
        if out is not None and out.exists() and not force:
            raise OutputExistsError("exists; use --force to overwrite it", path=str(out))
        result = scaffold_script(
            target,
            target_columns=target_columns,
            features_path=features,
            drop=drop or (),
            key=key,
            features_key=features_key,
            header=header,
            sep=sep,
            task=task.value if task is not None else None,
            per_step=per_step,
            sequence=sequence,
            options=options,
            image_options=image_options,
            text=text or (),
            categorical=categorical or (),
            outputs=outputs,
            # Written to a file, the script finds the data from its own folder; on stdout
            # nobody knows where it will live, so paths stay relative to the current directory.
            script_dir=str(out.parent) if out is not None else None,
        )
        for note in result.notes:
            sys.stderr.write(f"note: {note}\n")
        plan = result.plan
        summary = (
            f"{result.recommendation.task.value}: {plan.head.layer}({plan.units}"
            f"{'' if plan.head.layer == 'Dense' else ', 1'}, {plan.activation}) + "
            f"{plan.loss_class}{'(from_logits=True)' if plan.from_logits else ''}"
        )
        if result.multi is not None:
            summary = f"{len(result.multi.outputs)} outputs: " + "; ".join(
                f"{o.name} {o.recommendation.task.value} Dense({o.recommendation.head.units}, "
                f"{o.recommendation.head.activation}) + {o.recommendation.head.loss_class}"
                for o in result.multi.outputs
            )
        if out is None:
            sys.stdout.write(result.script)
            sys.stdout.flush()
            sys.stderr.write(f"rendered the training script ({summary}) to stdout\n")
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(result.script, encoding="utf-8", newline="\n")
            sys.stderr.write(f"wrote {out} ({summary}); run it with: python {out}\n")


def _parse_hidden(text: str) -> tuple[int, ...]:
    """``"64,32"`` -> ``(64, 32)``; ``""`` -> ``()`` (no hidden layer)."""
    from outhead.errors import UsageError

    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise UsageError(
            f"--hidden takes comma-separated integers such as 64,32, not {text!r}"
        ) from None


def _parse_image_size(text: str) -> tuple[int, int]:
    """``"64"`` -> ``(64, 64)``; ``"64x48"`` -> ``(64, 48)`` (height x width)."""
    from outhead.errors import UsageError

    parts = text.lower().replace(",", "x").split("x")
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = []
    if len(sizes) not in (1, 2) or min(sizes, default=0) < 1:
        raise UsageError(f"--image-size takes 64 or 64x48 (height x width), not {text!r}")
    return (sizes[0], sizes[-1])
