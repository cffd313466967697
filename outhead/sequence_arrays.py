"""Sequence arrays: ``--features X.npy --sequence`` of shape (n, steps, features) or (n, steps).

An (n, H, W) array is read as grayscale images by default (the guides' digits are (n, 8, 8));
``--sequence`` reads the same array as n examples of ``steps`` time steps (axis 1) of
``features`` values each (axis 2). An (n, T) array with ``--sequence`` is T steps of one
feature. :func:`describe_sequence_array` reads the header, then the values once in blocks (never
the whole array at once), to refuse NaN and infinite values. No TensorFlow, no pandas.

NaN is refused rather than masked: the Conv1D block does not read a Keras mask, and a padded
step would be silently read as a value. Pad with a number (0 or the last value) or cut the
sequences to one length before training.
"""

from __future__ import annotations

from dataclasses import dataclass

from outhead.errors import FormatError, UsageError
from outhead.image_arrays import _blocks, _header, _is_array_file, _open_array, _shape


@dataclass(frozen=True)
class SequenceArray:
    """An array of sequences as the training script reads it."""

    path: str
    format: str
    """``npy`` or ``npz``."""
    key: str | None
    shape: tuple[int, ...]
    """The array's shape as stored: (n, steps, features) or (n, steps)."""
    dtype: str

    @property
    def n_examples(self) -> int:
        return self.shape[0]

    @property
    def steps(self) -> int:
        return self.shape[1]

    @property
    def features(self) -> int:
        """Values per step (1 for an (n, steps) array)."""
        return self.shape[2] if len(self.shape) == 3 else 1

    @property
    def flat(self) -> bool:
        """Stored as (n, steps): the model adds the feature axis itself."""
        return len(self.shape) == 2


def describe_sequence_array(path: str, *, key: str | None = None) -> SequenceArray:
    """Read a sequence array's shape and check its values (one pass over the data).

    Raises:
        UsageError: not an NPY/NPZ array (a table), or an array that is not (n, steps[,
            features]).
        FormatError: a dtype that is not numbers, an empty or truncated array, NaN or infinite
            values.
    """
    import numpy as np

    if not _is_array_file(path):
        raise UsageError(
            "--sequence reads an array (.npy or .npz) of shape (n, steps, features), not a "
            "table; leave out --sequence for a table of feature columns",
            path=path,
        )
    with _open_array(path, key) as (fh, chosen):
        shape, fortran, dtype = _header(fh, path)
        if len(shape) not in (2, 3):
            raise UsageError(
                f"--sequence reads (n, steps, features) or (n, steps); this array has "
                f"{len(shape)} dimensions {_shape(shape)}",
                path=path,
            )
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise FormatError(
                f"a sequence array of dtype {dtype} is not supported; save the values as "
                "numbers (int or float)",
                path=path,
            )
        if 0 in shape:
            raise FormatError(f"the sequence array {_shape(shape)} is empty", path=path)
        for block in _blocks(fh, shape, fortran, dtype, path):
            if block.dtype.kind == "f" and not np.isfinite(block).all():
                raise FormatError(
                    "the sequences hold NaN or infinite values; pad them with a number "
                    "(0 or the last value) or cut them to one length: NaN padding is not masked",
                    path=path,
                )
    return SequenceArray(
        path=path,
        format="npz" if chosen is not None else "npy",
        key=chosen,
        shape=tuple(int(s) for s in shape),
        dtype=str(dtype),
    )
