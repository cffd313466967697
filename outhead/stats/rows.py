"""Row-wise statistics of several columns (row sums of 0/1 matrices) and of label sets
(the separator, the labels of each row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import outhead.stats.model as model
from outhead.stats.columns import _is_number_text, _Text
from outhead.stats.model import (
    _BINCOUNT_RANGE,
    LABELSET_SEPARATORS,
    LABELSET_WEAK_SEPARATORS,
    LABELSET_WINDOW,
    MAX_EXAMPLES,
    LabelSetStats,
    MatrixStats,
    _np,
)


def detect_labelset_separator(
    values: Sequence[str], field_delimiter: str | None = None
) -> str | None:
    """Choose the separator of a column of label sets, or None when the column is not one.

    A candidate qualifies when it occurs in at least 5% of the values (and in two of them), and
    the labels it splits them into recur: labels seen in two rows or more make up at least half
    of all label occurrences. ``|`` and ``;`` are taken on that evidence. ``,`` (never the field
    delimiter), ``/`` and space also need labels that are mostly not numbers (``1,5`` is a
    decimal comma, ``2020/01`` a date); ``/`` and space need at most half as many labels as
    distinct values, and are tried only when none of ``|`` ``;`` ``,`` qualifies. When two
    candidates qualify and neither is in twice as many values as the other, the answer is None
    (ambiguous: the user passes ``--sep``).

    Args:
        values: non-missing, stripped cell values (the first :data:`LABELSET_WINDOW`).
        field_delimiter: the CSV field delimiter, never a label separator.

    Returns:
        The separator, or None.
    """
    n = len(values)
    if n == 0:
        return None
    distinct_values = len(set(values))

    def score(sep: str, strict: bool) -> int:
        having = [v for v in values if sep in v]
        if len(having) < max(2, 0.05 * n):
            return 0
        rows_per_label: dict[str, int] = {}
        for v in values:
            for token in {t.strip() for t in v.split(sep)} - {""}:
                rows_per_label[token] = rows_per_label.get(token, 0) + 1
        n_labels = len(rows_per_label)
        if n_labels == 0:
            return 0
        occurrences = sum(rows_per_label.values())
        recurring = sum(c for c in rows_per_label.values() if c >= 2)
        if recurring * 2 < occurrences:
            return 0
        if sep != "|" and sep != ";":
            numeric = sum(1 for t in rows_per_label if _is_number_text(t))
            if numeric > n_labels / 2:
                return 0
        if strict and n_labels * 2 > distinct_values:
            return 0
        return len(having)

    for group, strict in ((LABELSET_SEPARATORS, False), (LABELSET_WEAK_SEPARATORS, True)):
        scored = sorted(
            ((score(sep, strict), sep) for sep in group if sep != field_delimiter), reverse=True
        )
        scored = [s for s in scored if s[0] > 0]
        if len(scored) == 1 or (len(scored) > 1 and scored[0][0] >= 2 * scored[1][0]):
            return scored[0][1]
        if scored:
            return None
    return None


class _LabelSets:
    """Label-set state of the one text column of a target."""

    def __init__(self, column: str, separator: str | None, field_delimiter: str | None) -> None:
        self.column = column
        self.separator = separator
        self.forced = separator is not None
        self.field_delimiter = field_delimiter
        self.window: list[str] = []  # the first present values, until a separator is chosen
        self.decided = separator is not None
        self.token_counts: dict[str, int] | None = {}
        self.n_tokens = 0
        self.size_counts: dict[int, int] = {}
        #: whether some cell holds the separator (a forced one that never occurs means no
        #: label sets: every cell would be a set of one)
        self.seen_separator = False

    def add(self, text: _Text) -> None:
        np = _np()
        if len(text.present_indices) == 0:
            return
        if self.decided:
            if self.separator is not None:
                self._fold(*text.distinct())
            return
        need = LABELSET_WINDOW - len(self.window)
        self.window.extend(text.first_present(need))
        if len(self.window) < LABELSET_WINDOW:
            return
        self._decide()
        if self.separator is not None:
            # the rows after the window, still counted by distinct value
            held = np.bincount(text.present_indices[:need], minlength=len(text.counts))
            rest = text.counts - held
            if rest.any():
                self._fold(*_Text(text.dictionary, text.indices, text.present_indices, rest)
                           .distinct())

    def _decide(self) -> None:
        self.separator = detect_labelset_separator(self.window, self.field_delimiter)
        self.decided = True
        if self.separator is not None:
            held: dict[str, int] = {}
            for v in self.window:
                held[v] = held.get(v, 0) + 1
            self._fold(list(held), list(held.values()))
        self.window = []

    def _fold(self, values: list[str], counts: list[int]) -> None:
        """Fold distinct cell values with their row counts (each value is split once)."""
        sep = self.separator
        assert sep is not None
        tc = self.token_counts
        sizes = self.size_counts
        if not self.seen_separator:
            self.seen_separator = any(sep in value for value in values)
        for value, c in zip(values, counts, strict=True):
            labels = {t.strip() for t in value.split(sep)}
            labels.discard("")
            sizes[len(labels)] = sizes.get(len(labels), 0) + c
            if tc is not None:
                for label in labels:
                    tc[label] = tc.get(label, 0) + c
        if tc is not None and len(tc) > model.DISTINCT_CAP:
            self.token_counts = None

    def finish(self) -> LabelSetStats | None:
        if not self.decided:
            self._decide()
        if self.separator is None or not self.seen_separator:
            return None
        tc = self.token_counts
        return LabelSetStats(
            column=self.column,
            separator=self.separator,
            token_counts=dict(sorted(tc.items())) if tc is not None else None,
            n_tokens=len(tc) if tc is not None else model.DISTINCT_CAP + 1,
            size_counts=dict(sorted(self.size_counts.items())),
        )


class _Matrix:
    """Row-wise state of a target of two or more numeric columns."""

    def __init__(self) -> None:
        self.counts: dict[float, int] | None = {}
        self.examples: dict[float, list[int]] = {}
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.n_off_one = 0
        self.off_one_rows: list[int] = []
        self.n_with_missing = 0
        self.n_negative = 0
        self.max_off_one: float | None = None

    def add(self, block: Any, offset: int) -> None:
        """Fold a 2-D numeric block (rows x target columns); NaN and +-inf are missing."""
        np = _np()
        if block.dtype.kind == "b":
            block = block.view(np.uint8)
        if block.dtype.kind in "iu":
            self._add_ints(block, offset)
            return
        finite = np.isfinite(block)
        self.n_negative += int(np.count_nonzero(block < 0)) - int(
            np.count_nonzero(block == -np.inf)
        )
        row_ok = finite.all(axis=1)
        if bool(row_ok.all()):
            sums = block.sum(axis=1, dtype=np.float64)
            rows = None
        else:
            self.n_with_missing += int(len(row_ok) - np.count_nonzero(row_ok))
            rows = np.flatnonzero(row_ok)
            sums = block[rows].sum(axis=1, dtype=np.float64)
        if len(sums) == 0:
            return
        lo, hi = float(sums.min()), float(sums.max())
        self.minimum = lo if self.minimum is None else min(self.minimum, lo)
        self.maximum = hi if self.maximum is None else max(self.maximum, hi)
        gap = np.abs(sums - 1)
        self._merge_gap(float(gap.max()))
        off = gap > 1e-6
        n_off = int(np.count_nonzero(off))
        if n_off:
            self.n_off_one += n_off
            need = MAX_EXAMPLES - len(self.off_one_rows)
            if need > 0:
                idx = np.flatnonzero(off)[:need]
                if rows is not None:
                    idx = rows[idx]
                self.off_one_rows.extend(int(i) + offset for i in idx)
        if self.counts is None:
            return
        sums = np.round(sums, 9)
        c = self.counts
        # Sums seen before (probability rows: 1.0 and a few neighbours) are counted with one
        # comparison each; only the others are sorted.
        left = None
        if 0 < len(c) <= 32:
            rest = np.ones(len(sums), dtype=bool)
            for k in list(c):
                eq = sums == k
                n_eq = int(np.count_nonzero(eq))
                if not n_eq:
                    continue
                c[k] += n_eq
                rest &= ~eq
                have = self.examples.setdefault(k, [])
                if len(have) < MAX_EXAMPLES:
                    take = np.flatnonzero(eq)[: MAX_EXAMPLES - len(have)]
                    have.extend(int(r) + offset for r in (rows[take] if rows is not None else take))
            if not rest.any():
                return
            left = np.flatnonzero(rest)
            sums = sums[left]
        keys, inverse, cnts = np.unique(sums, return_inverse=True, return_counts=True)
        fkeys = [float(k) for k in keys.tolist()]
        for k, n in zip(fkeys, cnts.tolist(), strict=True):
            c[k] = c.get(k, 0) + n
        if len(c) > model.DISTINCT_CAP:
            self.counts = None
            return
        needy = [i for i, k in enumerate(fkeys) if len(self.examples.get(k, ())) < MAX_EXAMPLES]
        if not needy:
            return
        order = np.argsort(inverse.reshape(-1), kind="stable")
        starts = np.concatenate(([0], np.cumsum(cnts)[:-1]))
        for i in needy:
            have = self.examples.setdefault(fkeys[i], [])
            take = order[starts[i] : starts[i] + min(int(cnts[i]), MAX_EXAMPLES - len(have))]
            if left is not None:
                take = left[take]
            if rows is not None:
                take = rows[take]
            have.extend(int(r) + offset for r in take)

    def _merge_gap(self, gap: float) -> None:
        self.max_off_one = gap if self.max_off_one is None else max(self.max_off_one, gap)

    def _add_ints(self, block: Any, offset: int) -> None:
        """Integer blocks: exact integer row sums, counted with ``bincount`` (no sorting)."""
        np = _np()
        sums = np.einsum("ij->i", block, dtype=np.int64)
        if block.dtype.kind == "i" and int(block.min()) < 0:
            self.n_negative += int(np.count_nonzero(block < 0))
        self._add_int_sums(sums, offset)

    def add_int_columns(self, columns: Sequence[Any], offset: int) -> None:
        """Complete integer columns of one batch: summed in place, without a 2-D copy."""
        np = _np()
        sums = columns[0].astype(np.int64, copy=True)
        for c in columns[1:]:
            sums += c
        for c in columns:
            if c.dtype.kind == "i" and len(c) and int(c.min()) < 0:
                self.n_negative += int(np.count_nonzero(c < 0))
        self._add_int_sums(sums, offset)

    def _add_int_sums(self, sums: Any, offset: int) -> None:
        np = _np()
        lo, hi = int(sums.min()), int(sums.max())
        self.minimum = float(lo) if self.minimum is None else min(self.minimum, float(lo))
        self.maximum = float(hi) if self.maximum is None else max(self.maximum, float(hi))
        self._merge_gap(float(max(abs(lo - 1), abs(hi - 1))))
        off = sums != 1
        n_off = int(np.count_nonzero(off))
        if n_off:
            self.n_off_one += n_off
            need = MAX_EXAMPLES - len(self.off_one_rows)
            if need > 0:
                self.off_one_rows.extend(int(i) + offset for i in np.flatnonzero(off)[:need])
        if self.counts is None:
            return
        if hi - lo < _BINCOUNT_RANGE:
            c = np.bincount(sums - lo)
            nz = np.flatnonzero(c)
            keys, cnts = (nz + lo).tolist(), c[nz].tolist()
        else:
            k_arr, c_arr = np.unique(sums, return_counts=True)
            keys, cnts = k_arr.tolist(), c_arr.tolist()
        counts = self.counts
        for k, n in zip(keys, cnts, strict=True):
            counts[float(k)] = counts.get(float(k), 0) + n
        if len(counts) > model.DISTINCT_CAP:
            self.counts = None
            return
        needy = [k for k in keys if len(self.examples.get(float(k), ())) < MAX_EXAMPLES]
        if not needy:
            return
        # Rows of the keys still short of examples; once a key has its examples it is never
        # looked up again, so this touches few rows after the first batch.
        idx = np.flatnonzero(np.isin(sums, needy))
        picked = sums[idx]
        for k in needy:
            have = self.examples.setdefault(float(k), [])
            take = idx[picked == k][: MAX_EXAMPLES - len(have)]
            have.extend(int(r) + offset for r in take)

    def finish(self) -> MatrixStats:
        counts = self.counts
        return MatrixStats(
            row_sum_counts=dict(sorted(counts.items())) if counts is not None else None,
            row_sum_min=self.minimum,
            row_sum_max=self.maximum,
            row_examples={
                k: tuple(v)
                for k, v in sorted(self.examples.items())
                if counts is None or k in counts
            },
            n_rows_off_one=self.n_off_one,
            off_one_rows=tuple(self.off_one_rows),
            n_rows_with_missing=self.n_with_missing,
            n_negative=self.n_negative,
            max_off_one=self.max_off_one,
        )
