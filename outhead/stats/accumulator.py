"""The accumulator: batches of target columns folded into a :class:`TargetStats`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from outhead.diagnostics import Diagnostic
from outhead.reading.arrow import string_array
from outhead.stats.columns import (
    _as_texts,
    _Column,
    _fold_bool,
    _fold_number,
    _fold_string,
    _head_texts,
    _mixed_types,
    _prepare_arrow,
    _Prepared,
    prepare_column,
)
from outhead.stats.model import HEAD_ROWS, MISSING_TOKENS, Source, TargetStats, _np
from outhead.stats.rows import _LabelSets, _Matrix


class StatsAccumulator:
    """Fold batches of target columns into a :class:`TargetStats`, exactly, in one pass.

    Feed it with :meth:`add_columns` (one array per target column: numpy or pyarrow, any dtype)
    or :meth:`add_matrix` (a 2-D numpy block, one column per target column), in row order, then
    call :meth:`result`. The outcome does not depend on how the rows were split into batches,
    beyond float rounding in ``total`` and ``total_sq``. Work per batch is vectorised (numpy,
    pyarrow.compute); Python loops run over distinct values, never over rows.

    Args:
        names: the target column names, in order.
        matrix: gather :class:`MatrixStats` when there are two or more numeric columns.
        labelsets: look for label sets when the target is a single text column.
        separator: the label-set separator, when the user gave one (``--sep``).
        field_delimiter: the CSV field delimiter, never taken as a label separator.
        missing_tokens: text values that mean missing, after stripping; ``()`` where text is
            exact (labels out of a Parquet list column).
        text_profile: gather :class:`~outhead.stats.TextStats` for the text columns.
    """

    def __init__(
        self,
        names: Sequence[str],
        *,
        matrix: bool = True,
        labelsets: bool = True,
        separator: str | None = None,
        field_delimiter: str | None = None,
        missing_tokens: Sequence[str] = MISSING_TOKENS,
        text_profile: bool = False,
    ) -> None:
        self.names = tuple(names)
        self.missing_tokens = tuple(missing_tokens)
        self._columns = [_Column(name, text_profile) for name in self.names]
        self._matrix: _Matrix | None = _Matrix() if matrix and len(self.names) >= 2 else None
        self._labelsets = (
            _LabelSets(self.names[0], separator, field_delimiter)
            if labelsets and len(self.names) == 1
            else None
        )
        self.n_rows = 0

    # -- feeding ------------------------------------------------------------------------------
    def add_columns(self, columns: Sequence[Any]) -> None:
        """Fold one batch given as one 1-D array per target column (all the same length).

        Raises:
            ValueError: the number of arrays or their lengths do not match.
        """
        if len(columns) != len(self._columns):
            raise ValueError(f"expected {len(self._columns)} columns, got {len(columns)}")
        prepared = [prepare_column(c, self.missing_tokens) for c in columns]
        n = prepared[0].n if prepared else 0
        if any(p.n != n for p in prepared):
            raise ValueError("columns of a batch differ in length")
        if n == 0:
            return
        for col, p in zip(self._columns, prepared, strict=True):
            self._fold(col, p)
        if self._matrix is not None:
            if all(p.kind in ("int", "bool") and p.missing is None for p in prepared):
                self._matrix.add_int_columns([p.values for p in prepared], self.n_rows)
            elif all(p.kind in ("int", "float", "bool", "null") for p in prepared):
                self._matrix.add(self._stack(prepared), self.n_rows)
            else:
                self._matrix = None
        if self._labelsets is not None:
            p = prepared[0]
            if p.text is not None:
                self._labelsets.add(p.text)
            elif p.kind != "null":
                self._labelsets = None
        self.n_rows += n

    def add_matrix(self, block: Any) -> None:
        """Fold one batch given as a 2-D numpy array (rows x target columns).

        Integer and bool blocks take a fast path: per-column value counts come from one
        comparison per distinct value (a 0/1 matrix needs only the column sums).
        """
        np = _np()
        block = np.asarray(block)
        if block.ndim == 1:
            block = block.reshape(-1, 1)
        if block.shape[1] != len(self._columns):
            raise ValueError(f"expected {len(self._columns)} columns, got {block.shape[1]}")
        n = block.shape[0]
        if n == 0:
            return
        kind = block.dtype.kind
        if kind in "iub" and self._fast_int_block(block):
            pass
        else:
            for j, col in enumerate(self._columns):
                self._fold(col, prepare_column(block[:, j], self.missing_tokens))
            if self._labelsets is not None and kind in "USO":
                text = prepare_column(block[:, 0], self.missing_tokens).text
                if text is not None:
                    self._labelsets.add(text)
            elif self._labelsets is not None:
                self._labelsets = None
        if self._matrix is not None:
            if kind in "iubf":
                self._matrix.add(block, self.n_rows)
            else:
                self._matrix = None
        self.n_rows += n

    # -- internals ----------------------------------------------------------------------------
    def _fold(self, col: _Column, p: _Prepared) -> None:
        need = HEAD_ROWS - len(col.head)
        if need > 0:
            col.head.extend(_head_texts(p, need))
        if p.missing is not None:
            col.add_missing(p.missing, self.n_rows)
            words = p.text.word_rows if p.text is not None else None
            col.add_blank(p.missing if words is None else p.missing & ~words, self.n_rows)
            if p.text is not None:
                for w, n in p.text.words.items():
                    col.word_counts[w] = col.word_counts.get(w, 0) + n
        col.n_nonfinite += p.n_nonfinite
        if p.kind == "null":
            return
        kind = {"int": "number", "float": "number"}.get(p.kind, p.kind)
        if col.kind is None:
            col.kind = kind
        elif col.kind != kind:
            # A reader met text after numbers (or numbers after text): keep going as text.
            if col.kind != "string":
                col.to_strings()
            if kind != "string":
                p = _prepare_arrow(string_array(_as_texts(p)), self.missing_tokens)
                kind = "string"
        if kind == "number":
            _fold_number(col, p.present, p.kind == "int")
        elif kind == "bool":
            _fold_bool(col, p.present)
        else:
            assert p.text is not None
            _fold_string(col, p.text)

    @staticmethod
    def _stack(prepared: Sequence[_Prepared]) -> Any:
        np = _np()
        out = np.empty((prepared[0].n, len(prepared)), dtype=np.float64)
        for j, p in enumerate(prepared):
            if p.kind == "null":
                out[:, j] = np.nan
                continue
            out[:, j] = p.values
            if p.missing is not None:
                out[p.missing, j] = np.nan
        return out

    def _fast_int_block(self, block: Any) -> bool:
        """Per-column stats of an int/bool block from a few whole-block reductions."""
        np = _np()
        if block.dtype.kind == "b":
            block = block.view(np.uint8)
            kind = "bool"
        else:
            kind = "number"
        if any(c.kind not in (None, kind) for c in self._columns):
            return False
        # Two whole-block reductions (cheap) instead of a min and a max per column: the
        # per-column range follows from the per-column counts.
        lo, hi = int(block.min()), int(block.max())
        if hi - lo > 16:
            return False
        n = block.shape[0]
        if hi - lo <= 1:
            ones = np.einsum("ij->j", block, dtype=np.int64) - lo * n
            per_value = {lo: n - ones, hi: ones} if hi > lo else {lo: np.full(block.shape[1], n)}
        else:
            per_value = {v: np.count_nonzero(block == v, axis=0) for v in range(lo, hi + 1)}
        for j, col in enumerate(self._columns):
            need = HEAD_ROWS - len(col.head)
            if need > 0:
                head = block[:need, j].tolist()
                col.head.extend(str(bool(v)) if kind == "bool" else str(int(v)) for v in head)
            col.kind = kind
            keys = [v for v in per_value if per_value[v][j]]
            cnts = [int(per_value[v][j]) for v in keys]
            if kind == "bool":
                col.merge_counts([bool(k) for k in keys], cnts)
                continue
            col.merge_counts(keys, cnts)
            total = float(sum(k * c for k, c in zip(keys, cnts, strict=True)))
            mean = total / n
            m2 = float(sum(c * (k - mean) ** 2 for k, c in zip(keys, cnts, strict=True)))
            col.merge_range(float(min(keys)), float(max(keys)))
            col.merge_moments(n, total, m2)
            col.histogram.add(keys, cnts)
        return True

    # -- result -------------------------------------------------------------------------------
    def result(self, source: Source, notes: Sequence[Diagnostic] = ()) -> TargetStats:
        """The statistics gathered so far, as a :class:`TargetStats` for ``source``."""
        columns = tuple(c.finish() for c in self._columns)
        matrix = None
        if self._matrix is not None and all(
            c.is_numeric or c.type in ("bool", "empty") for c in columns
        ):
            matrix = self._matrix.finish()
        labelsets = None
        extra = list(notes)
        if self._labelsets is not None and columns and columns[0].type == "string":
            labelsets = self._labelsets.finish()
            if labelsets is None and self._labelsets.forced:
                extra.append(
                    Diagnostic(
                        code="labelset-separator",
                        message=f"no cell of column {self._labelsets.column!r} holds the "
                        f"separator {self._labelsets.separator!r}: read as one label per cell",
                        fix="check --sep",
                        severity="note",
                    )
                )
            if labelsets is not None and not self._labelsets.forced:
                extra.append(
                    Diagnostic(
                        code="labelset-separator",
                        message=f"column {labelsets.column!r} read as sets of labels separated "
                        f"by {labelsets.separator!r} (detected)",
                        fix="pass --sep to choose another separator",
                        severity="note",
                    )
                )
        for c in columns:
            for word in c.label_tokens:
                n = c.counts.get(word, 0) if c.counts is not None else 0
                extra.append(
                    Diagnostic(
                        code="label-not-missing",
                        message=f"'{word}' is one of outhead's missing-cell tokens, but in column "
                        f"'{c.name}' it is a label like the others ({n} rows, beside "
                        f"{c.n_distinct - 1} other text labels): read as a label, not as missing",
                        fix=f"if '{word}' means missing there, write those cells empty",
                        severity="warning",
                    )
                )
        noted = {n.column for n in extra if n.code == "mixed-types"}
        for c in columns:
            if c.name not in noted and (diag := _mixed_types(c)) is not None:
                extra.append(diag)
        n_head = min(HEAD_ROWS, self.n_rows)
        head = tuple(
            tuple(c.head[i] if i < len(c.head) else "" for c in self._columns)
            for i in range(n_head)
        )
        return TargetStats(
            source=source,
            n_rows=self.n_rows,
            columns=columns,
            matrix=matrix,
            labelsets=labelsets,
            head=head,
            notes=tuple(extra),
        )
