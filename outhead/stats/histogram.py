"""A histogram of a numeric column, gathered in the same single pass as the other statistics.

The bins have a width of a power of two and are aligned on its multiples, so that two bins of
width ``w`` make exactly one of width ``2w``: when a batch widens the range past
:data:`FINE_BINS` bins, the width doubles and neighbouring counts merge, and no value is ever
looked at twice. The final width is the smallest power of two that covers the whole range in
at most :data:`FINE_BINS` bins, whatever the batches were (unless the whole range is under
``max|x| * 2**-31``, see :data:`_MIN_EXPONENT_SPAN`). :meth:`Bins.coarse` groups the fine
bins into the few that are shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: Fine bins kept while reading (memory: one integer each).
FINE_BINS = 512

#: Bins shown by ``outhead inspect`` and written to its JSON.
SHOWN_BINS = 16

#: The first width is at least max|x| * 2**-40, so that bin numbers stay far from int64 limits.
_MIN_EXPONENT_SPAN = 40


def _np() -> Any:
    import numpy

    return numpy


@dataclass(frozen=True)
class Bins:
    """Counts of values in ``[start + i * width, start + (i + 1) * width)``, ``i = 0..n-1``."""

    start: float
    width: float
    counts: tuple[int, ...]

    @property
    def n_values(self) -> int:
        return sum(self.counts)

    def coarse(self, n_bins: int = SHOWN_BINS) -> list[tuple[float, float, int]]:
        """At most ``n_bins`` bins of consecutive fine bins: ``(low, high, count)`` each."""
        group = max(1, math.ceil(len(self.counts) / n_bins))
        out = []
        for i in range(0, len(self.counts), group):
            low = self.start + i * self.width
            high = self.start + min(i + group, len(self.counts)) * self.width
            out.append((low, high, sum(self.counts[i : i + group])))
        return out

    def skewness(self) -> float | None:
        """The skewness of the values, from the bins' midpoints (None for fewer than 3 values
        or no spread): about 0 when symmetric, above 1 for a long right tail."""
        n = self.n_values
        if n < 3:
            return None
        mids = [self.start + (i + 0.5) * self.width for i in range(len(self.counts))]
        mean = sum(m * c for m, c in zip(mids, self.counts, strict=True)) / n
        m2 = sum(c * (m - mean) ** 2 for m, c in zip(mids, self.counts, strict=True)) / n
        m3 = sum(c * (m - mean) ** 3 for m, c in zip(mids, self.counts, strict=True)) / n
        if m2 <= 0:
            return None
        return m3 / m2**1.5

    def to_dict(self) -> dict[str, Any]:
        """The shown bins and the skewness, as in ``outhead inspect --json``."""
        skew = self.skewness()
        return {
            "bins": [{"low": lo, "high": hi, "count": c} for lo, hi, c in self.coarse()],
            "skewness": round(skew, 4) if skew is not None else None,
        }


class HistogramAccumulator:
    """Fold batches of finite numbers into fine :class:`Bins`, in one pass."""

    __slots__ = ("counts", "exponent", "first")

    def __init__(self) -> None:
        self.exponent: int | None = None  # the bins are 2**exponent wide
        self.first = 0  # the bin number of counts[0]: it starts at first * 2**exponent
        self.counts: Any = None

    def add(self, values: Any, weights: Any = None) -> None:
        """Count ``values`` (1-D, finite), each ``weights`` times when given."""
        np = _np()
        v = np.asarray(values, dtype=np.float64)
        if v.size == 0:
            return
        lo, hi = float(v.min()), float(v.max())
        if self.exponent is None:
            scale = max(abs(lo), abs(hi))
            floor = math.frexp(scale)[1] - _MIN_EXPONENT_SPAN if scale > 0 else -1074
            self.exponent = max(floor, _smallest_exponent(lo, hi))
            self.first = math.floor(lo / 2.0**self.exponent)
            self.counts = np.zeros(1, dtype=np.int64)
        width = 2.0**self.exponent
        low_edge = self.first * width
        high_edge = (self.first + len(self.counts)) * width
        lo, hi = min(lo, low_edge), max(hi, high_edge - width)
        exponent = max(self.exponent, _smallest_exponent(lo, hi))
        if exponent > self.exponent:
            self._coarsen(exponent)
        width = 2.0**self.exponent
        index = np.floor(v / width).astype(np.int64)
        first = min(self.first, int(index.min()))
        last = max(self.first + len(self.counts) - 1, int(index.max()))
        if first < self.first or last >= self.first + len(self.counts):
            grown = np.zeros(last - first + 1, dtype=np.int64)
            grown[self.first - first : self.first - first + len(self.counts)] = self.counts
            self.counts, self.first = grown, first
        w = None if weights is None else np.asarray(weights, dtype=np.int64)
        added = np.bincount(index - self.first, weights=w, minlength=len(self.counts))
        self.counts += added.astype(np.int64)

    def _coarsen(self, exponent: int) -> None:
        """Merge the bins into bins 2**(exponent - self.exponent) times as wide."""
        np = _np()
        assert self.exponent is not None
        factor = 2 ** (exponent - self.exponent)  # a Python int: never overflows
        index = [(self.first + i) // factor for i in range(len(self.counts))]
        self.first = index[0]
        offsets = np.array([i - self.first for i in index], dtype=np.int64)
        self.counts = np.bincount(offsets, weights=self.counts).astype(np.int64)
        self.exponent = exponent

    def result(self) -> Bins | None:
        """The fine bins from the first to the last that holds a value; None when empty."""
        if self.exponent is None or self.counts is None:
            return None
        nonzero = _np().flatnonzero(self.counts)
        if len(nonzero) == 0:
            return None
        a, b = int(nonzero[0]), int(nonzero[-1]) + 1
        width = 2.0**self.exponent
        return Bins((self.first + a) * width, width, tuple(int(c) for c in self.counts[a:b]))


def _smallest_exponent(lo: float, hi: float) -> int:
    """The smallest e with floor(hi / 2**e) - floor(lo / 2**e) < FINE_BINS."""
    if hi <= lo:
        return -1074
    e = max(math.frexp((hi - lo) / FINE_BINS)[1] - 1, -1074)  # 2**-1074: the smallest float
    while _span(lo, hi, e) >= FINE_BINS:
        e += 1
    while e > -1074 and _span(lo, hi, e - 1) < FINE_BINS:
        e -= 1
    return max(e, -1074)


def _span(lo: float, hi: float, e: int) -> int:
    """How many bins of width 2**e past the first one [lo, hi] reaches."""
    return math.floor(hi / 2.0**e) - math.floor(lo / 2.0**e)
