"""Sequences whose class is carried by a temporal pattern, for the ``--sequence`` tests.

Every value of every step is noise of the same spread whatever the class; what tells the
classes apart is the order of the steps (a rising or falling ramp, or where a spike is), so a
model that ignores time cannot beat the baseline.
"""

from __future__ import annotations

import numpy as np


def ramps(
    n: int = 300, steps: int = 64, features: int = 2, noise: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(sequences (n, steps, features) float32, labels (n,) 0/1): class 1 rises from -1 to 1
    on the first feature, class 0 falls; every feature carries Gaussian noise. The mean and
    spread of each sequence's values are the same for both classes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    ramp = np.linspace(-1.0, 1.0, steps)
    x = rng.normal(0.0, noise, (n, steps, features))
    x[:, :, 0] += np.where(labels[:, None] == 1, ramp, -ramp)
    return x.astype("float32"), labels


def spikes(
    n: int = 300, steps: int = 16, classes: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(sequences (n, steps) float32, labels (n,)): one spike of height 4 over noise, in the
    first, middle or last third of the steps; the label is the third it is in."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    width = steps // classes
    where = labels * width + rng.integers(0, width, n)
    x = rng.normal(0.0, 1.0, (n, steps))
    x[np.arange(n), where] += 4.0
    return x.astype("float32"), labels
