"""Inference: :func:`infer_layout` reads the statistics of a target as a :class:`Layout`,
one observation of evidence at a time, forced to a task or not."""

from __future__ import annotations

import math
from typing import Any

from outhead.diagnostics import Diagnostic
from outhead.layout.model import EvidenceRole, Layout, LayoutKind, Task, _names, _num, format_label
from outhead.layout.rules import (
    DROP_FIRST_EVIDENCE,
    IMBALANCE_RATIO,
    MIN_CLASS_ROWS,
    ONE_HOT_TOLERANCE,
    SMALL_SAMPLE,
    WIDE_TARGET,
    _case_variants,
    _chance_of_overlap,
    _distinct,
    _dropped_name,
    _example,
    _indicator_sums,
    _integer_labels,
    _label_pair,
    _likely_target,
    _matrix_values,
    _numbers_as_text,
    _on_count,
    _ordered_classes,
    _row_sum_spread,
    _rows_with,
    _soft_tolerance,
    balanced_class_weight,
)
from outhead.stats import (
    DISTINCT_CAP,
    MAX_EXAMPLES,
    ColumnStats,
    TargetStats,
    Value,
)


def infer_layout(stats: TargetStats, task: Task | str | None = None) -> Layout:
    """Infer how a target is stored and what the model must learn.

    Args:
        stats: the statistics of the target (from :func:`outhead.reading.scan_target`).
        task: force this task (``--task``); the layout then follows it and the diagnostics
            say where the data disagrees.

    Returns:
        The :class:`Layout`, with one line of evidence per observation that decided it.

    Raises:
        TargetError: the target is all missing or holds a single value (nothing to learn).
        UsageError: the forced task cannot be read from this data (text as regression...).
    """
    from outhead.errors import TargetError

    forced = Task(task) if task is not None else None
    if stats.n_rows == 0 or not stats.columns:
        raise TargetError("no data rows", path=stats.source.path)
    if all(c.type == "empty" for c in stats.columns):
        raise TargetError(
            f"target is all missing ({stats.n_rows} rows, every cell empty)",
            path=stats.source.path,
            reason="all-missing",
        )
    if stats.n_rows == 1:
        raise TargetError(
            "only 1 data row: a single example is nothing to learn from (is the rest of the "
            "file missing, or was a data row read as the header?)",
            path=stats.source.path,
            reason="single-row",
        )
    builder = _Builder(stats, forced)
    if stats.labelsets is not None and forced in (None, Task.MULTILABEL):
        layout = builder.label_sets()
    elif len(stats.columns) == 1:
        layout = builder.one_column()
    else:
        layout = builder.matrix()
    if stats.source.shape is not None:
        # a map: the statistics were over positions (outhead.layout.maps)
        from outhead.layout.maps import as_map

        layout = as_map(layout, stats, forced)
    return layout


class _Builder:
    """Holds the shared pieces while one of the layout rules builds its :class:`Layout`."""

    def __init__(self, stats: TargetStats, forced: Task | None) -> None:
        self.stats = stats
        self.forced = forced
        self.path = stats.source.path
        # How the file was read (a detected header, a detected separator) is evidence too; the
        # reader's warnings stay warnings.
        self.reading = [
            f"{n.message}; {n.fix}" if n.fix else n.message
            for n in stats.notes
            if n.severity == "note"
        ]
        self.evidence: list[str] = []
        self.roles: list[EvidenceRole | None] = []
        self.diags: list[Diagnostic] = [n for n in stats.notes if n.severity != "note"]
        self.runner_up: str | None = None
        self.runner_up_task: Task | None = None
        n = stats.n_rows
        if n < SMALL_SAMPLE:
            self.diags.append(
                Diagnostic(
                    "small-sample",
                    f"only {n} rows: the reading below is the most sensible one, but a sample this "
                    "small proves little",
                    "check the layout against what you know of the data, or pass --task",
                    "note",
                )
            )

    # -- shared helpers -----------------------------------------------------------------------

    def note(self, line: str, role: EvidenceRole | None = None) -> None:
        self.evidence.append(line)
        self.roles.append(role)

    def diag(
        self, code: str, message: str, fix: str | None = None, severity: str = "warning"
    ) -> None:
        self.diags.append(Diagnostic(code, message, fix, severity))  # type: ignore[arg-type]

    def disagree(self, message: str) -> None:
        """The data says otherwise than the forced task."""
        assert self.forced is not None
        self.diag("task-forced", f"--task {self.forced.value}: {message}", None, "warning")

    def usage(
        self, message: str, *, choose_columns: bool = False, reason: str | None = None
    ) -> Exception:
        from outhead.errors import UsageError

        return UsageError(message, path=self.path, choose_columns=choose_columns, reason=reason)

    def finish(self, kind: LayoutKind, task: Task, n_outputs: int, **kw: Any) -> Layout:
        kw.setdefault("runner_up", self.runner_up)
        if kw["runner_up"] is not None and self.forced is None:
            kw.setdefault("runner_up_task", self.runner_up_task)
        if self.forced is not None:
            self.evidence.insert(0, f"task forced with --task {self.forced.value}")
            self.roles.insert(0, "forced")
        return Layout(
            kind=kind,
            task=task,
            n_rows=self.stats.n_rows,
            n_outputs=n_outputs,
            columns=self.stats.source.columns or tuple(c.name for c in self.stats.columns),
            evidence=tuple(self.evidence),
            evidence_roles=tuple(self.roles),
            diagnostics=tuple(self.diags),
            forced=self.forced is not None,
            reading=tuple(self.reading),
            stats=self.stats,
            **kw,
        )

    def missing(self, cols: tuple[ColumnStats, ...]) -> None:
        total = sum(c.n_missing for c in cols)
        if not total:
            return
        rows = sorted({r for c in cols for r in c.missing_rows})[:MAX_EXAMPLES]
        nonfinite = sum(c.n_nonfinite for c in cols)
        extra = f", {nonfinite} of them ±inf" if nonfinite else ""
        where = ", ".join(str(r) for r in rows)
        self.diag(
            "missing-values",
            f"{total} missing target cell{'s' if total != 1 else ''}{extra} (first at "
            f"row{'s' if len(rows) > 1 else ''} {where}, counting data rows from 0); Keras "
            "trains on NaN without an error and reports loss: nan",
            "drop those rows (the scaffolded script does) or fill them before training",
        )

    def class_checks(
        self, classes: tuple[Value, ...], counts: tuple[int, ...], single_label: bool
    ) -> None:
        """Record imbalance and rare-class diagnostics."""
        if not counts:
            return
        big, small = max(counts), min(counts)
        if single_label and small > 0 and big / small >= IMBALANCE_RATIO:
            weights = balanced_class_weight(counts)
            shown = ", ".join(f"{i}: {w}" for i, w in list(weights.items())[:10])
            more = ", ..." if len(weights) > 10 else ""
            self.diag(
                "class-imbalance",
                f"classes are imbalanced: the largest has {big} rows, the smallest {small} "
                f"({big / small:.1f}×); accuracy will flatter a model that predicts the majority",
                f"model.fit(..., class_weight={{{shown}{more}}}); watch AUC, precision and recall",
            )
        elif not single_label and small > 0 and big / small >= IMBALANCE_RATIO * 3:
            self.diag(
                "label-imbalance",
                f"labels are imbalanced: the most frequent is on in {big} rows, the rarest in "
                f"{small}; Keras 3 class_weight would weight multi-hot rows by their first label "
                "only (argmax), so do not use it here",
                "tune a threshold per label after training, or use "
                "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True)",
            )
        rare = [(c, n) for c, n in zip(classes, counts, strict=True) if n < MIN_CLASS_ROWS]
        if rare:
            shown = ", ".join(f"{c!s} ({n})" for c, n in rare[:8])
            more = f" and {len(rare) - 8} more" if len(rare) > 8 else ""
            self.diag(
                "rare-classes",
                f"{len(rare)} class{'es have' if len(rare) > 1 else ' has'} fewer than "
                f"{MIN_CLASS_ROWS} rows: {shown}{more}; they cannot be split across train, "
                "validation and test",
                "collect more rows, merge rare classes, or drop them",
            )

    # -- rules ----------------------------------------------------------------------------------

    def label_sets(self) -> Layout:
        ls = self.stats.labelsets
        assert ls is not None
        col = self.stats.columns[0]
        if ls.token_counts is None:
            raise self.usage(
                f"column '{ls.column}' holds more than {DISTINCT_CAP} distinct labels; "
                "that is too many output units for one head"
            )
        labels = tuple(sorted(ls.token_counts, key=str))
        counts = tuple(ls.token_counts[t] for t in labels)
        sizes = {k: v for k, v in ls.size_counts.items() if v}
        if col.n_missing:
            # In a column of label sets an empty cell is the empty set: a row with no label.
            sizes[0] = sizes.get(0, 0) + col.n_missing
        lo, hi = min(sizes), max(sizes)
        n = self.stats.n_rows
        mean = sum(k * v for k, v in sizes.items()) / max(1, sum(sizes.values()))
        self.note(f"cells such as {_example(self.stats)} hold sets of labels")
        self.note(
            f"{len(labels)} distinct labels; each row has {lo} to {hi} (mean {mean:.2f}) over "
            f"{n} rows: the labels are not exclusive",
            "values",
        )
        if hi <= 1:
            self.diag(
                "sets-of-one",
                "every row holds at most one label: this may be a single-label target, or labels "
                "whose names contain the separator",
                "pass --task multiclass to read each whole cell as one label",
                "note",
            )
        if sizes.get(0):
            empty = f", {col.n_missing} of them empty cells" if col.n_missing else ""
            self.note(
                f"{sizes[0]} rows have no label at all{empty} (an all-zero row after encoding)"
            )
        self.class_checks(labels, counts, single_label=False)
        return self.finish(
            LayoutKind.LABEL_SETS,
            Task.MULTILABEL,
            len(labels),
            classes=labels,
            class_counts=counts,
            separator=ls.separator,
        )

    def one_column(self) -> Layout:
        col = self.stats.columns[0]
        n = self.stats.n_rows - col.n_missing
        name = col.name
        self.missing((col,))
        desc = f"1 column '{name}', {self.stats.n_rows} rows"
        if col.n_missing:
            desc += f" ({col.n_missing} missing)"
        if col.counts is not None and col.n_distinct == 1:
            from outhead.errors import TargetError

            (value,) = col.counts
            raise TargetError(
                f"target column '{name}' holds a single value ({format_label(value)} in all "
                f"{n} rows): there is nothing to learn",
                path=self.path,
                reason="single-value",
            )
        if not col.is_numeric:
            return self.text_vector(col, desc)
        lo, hi = col.minimum, col.maximum
        assert lo is not None and hi is not None
        if self.forced in (Task.REGRESSION, Task.BOUNDED_REGRESSION):
            return self.continuous(col, desc)
        if self.forced == Task.MULTILABEL:
            raise self.usage(
                f"column '{name}' holds one value per row; a multi-label target is a 0/1 matrix "
                "(one column per label) or a column of label sets such as 'Kr|Xe'"
            )
        if col.counts is not None and col.n_distinct == 2:
            if self.forced is not None or _label_pair(col):
                return self.label_vector(col, desc, ["2 distinct values: a binary label"])
            # Two levels of a quantity (0 and 0.5, 0.1 and 0.6): labels are whole numbers
            # (0/1, 1/2, -1/+1) or a smoothed 0/1 pair (0.1/0.9), never such a pair.
            self.runner_up = "binary, if the 2 values are codes for 2 classes (pass --task binary)"
            self.runner_up_task = Task.BINARY
            reason = (
                f"2 distinct values, {_num(float(lo))} and {_num(float(hi))}, that are not a "
                "label pair (0/1, another pair of whole numbers, or smoothed labels such as "
                "0.1/0.9): two levels of a quantity"
            )
            return self.continuous(col, desc, [reason], runner_up=self.runner_up)
        if self.forced in (Task.MULTICLASS, Task.BINARY):
            if self.forced == Task.BINARY:
                raise self.usage(
                    f"--task binary needs exactly 2 distinct values; column '{name}' has "
                    f"{_distinct(col)}"
                )
            if col.counts is None:
                raise self.usage(
                    f"column '{name}' has more than {DISTINCT_CAP} distinct values; that is too "
                    "many classes for one softmax head"
                )
            if not col.all_integer:
                self.disagree(
                    "the values are not whole numbers; each distinct value becomes a class"
                )
            return self.label_vector(
                col, desc, [f"{col.n_distinct} distinct values"], decided_by_values=False
            )
        verdict, reasons, runner_up = _integer_labels(col, n)
        self.runner_up_task = Task.REGRESSION if verdict else Task.MULTICLASS
        if verdict:
            return self.label_vector(col, desc, reasons, runner_up=runner_up)
        return self.continuous(col, desc, reasons, runner_up=runner_up)

    def text_vector(self, col: ColumnStats, desc: str) -> Layout:
        name = col.name
        if self.forced in (Task.REGRESSION, Task.BOUNDED_REGRESSION, Task.MULTILABEL):
            what = {
                Task.MULTILABEL: "sets of labels need a separator inside the cells (see --sep)",
            }.get(self.forced, "text values cannot be regressed on")
            raise self.usage(f"column '{name}' holds {col.type} values; {what}")
        if col.counts is None:
            raise self.usage(
                f"column '{name}' holds more than {DISTINCT_CAP} distinct text values: it looks "
                "like an identifier or free text, not a label (pick the label column)",
                choose_columns=True,
            )
        if self.forced == Task.BINARY and col.n_distinct != 2:
            raise self.usage(
                f"--task binary needs exactly 2 distinct values; column '{name}' has "
                f"{col.n_distinct}"
            )
        n = sum(col.counts.values())
        reasons = [f"{col.type} values: labels, not numbers"]
        for word in col.label_tokens:
            reasons.append(
                f"'{word}' is a label here, as frequent as the others, not a missing cell"
            )
        numeric = _numbers_as_text(col.counts)
        if numeric:
            self.diag(
                "numbers-as-text",
                f"the values of '{name}' look like numbers written as text (such as "
                f"'{numeric}'), so each distinct value counts as a class",
                "re-export the column without thousands separators or units (24283.48), then it "
                "reads as a quantity",
            )
        variants = _case_variants(col.counts)
        if variants:
            shown = "; ".join(" / ".join(group) for group in variants[:4])
            self.diag(
                "label-spelling",
                f"labels that differ only in case or spaces count as different classes: {shown}",
                "normalise the spelling before training (e.g. y.str.strip().str.lower()) if "
                "they are the same class",
            )
        if col.n_distinct == n and n > 2:
            self.diag(
                "all-distinct",
                f"every value of '{name}' is different ({n} rows): an identifier is not a label",
                "pick the label column",
            )
        return self.label_vector(col, desc, reasons)

    def label_vector(
        self,
        col: ColumnStats,
        desc: str,
        reasons: list[str],
        runner_up: str | None = None,
        *,
        decided_by_values: bool = True,
    ) -> Layout:
        """A label vector; ``reasons[0]`` says why the values are labels (unless the task was
        forced on values that say nothing of the kind: ``decided_by_values=False``)."""
        assert col.counts is not None
        classes = _ordered_classes(col.counts)
        counts = tuple(col.counts[c] for c in classes)
        k = len(classes)
        self.note(desc + f", {col.type} values")
        for i, r in enumerate(reasons):
            self.note(r, "values" if i == 0 and decided_by_values else None)
        pairs = list(zip(classes, counts, strict=True))[:8]
        shown = ", ".join(f"{format_label(c)} ({n})" for c, n in pairs)
        more = f", ... {k - 8} more" if k > 8 else ""
        self.note(f"classes: {shown}{more}", "classes")
        binary = k == 2 and self.forced != Task.MULTICLASS
        needs_mapping = tuple(classes) not in (tuple(range(k)), (False, True))
        if needs_mapping:
            mapping = ", ".join(f"{format_label(c)} → {i}" for i, c in enumerate(classes[:8]))
            more = ", ..." if k > 8 else ""
            ids, why = (
                (f"0..{k - 1}", "Keras needs class ids 0..K-1")
                if not binary
                else ("0 and 1", "binary cross-entropy needs targets 0 and 1")
            )
            self.diag(
                "label-mapping",
                f"labels are not the integers {ids}: {why}; the scaffolded script maps "
                f"{mapping}{more} and saves the mapping",
                "map the labels yourself the same way (sklearn LabelEncoder or a dict) and keep "
                "the list of classes to decode predictions",
                "note",
            )
        self.class_checks(classes, counts, single_label=True)
        if binary:
            positive = format_label(classes[1])
            self.note(
                f"one label vector with 2 values: 1 sigmoid unit gives P({positive})", "task"
            )
            task = Task.BINARY
            n_out = 1
        else:
            self.note(f"one label per row, {k} classes: they are exclusive", "task")
            task = Task.MULTICLASS
            n_out = k
        return self.finish(
            LayoutKind.LABEL_VECTOR,
            task,
            n_out,
            classes=classes,
            class_counts=counts,
            needs_mapping=needs_mapping,
            runner_up=runner_up,
            target_range=(float(col.minimum), float(col.maximum))
            if col.minimum is not None and col.maximum is not None
            else None,
        )

    def continuous(
        self,
        col: ColumnStats,
        desc: str,
        reasons: list[str] | tuple[str, ...] = (),
        runner_up: str | None = None,
    ) -> Layout:
        lo, hi = float(col.minimum or 0.0), float(col.maximum or 0.0)
        n = max(1, self.stats.n_rows - col.n_missing)
        mean = col.total / n
        std = math.sqrt(col.total_sq / n) if n > 0 else 0.0
        self.note(f"{desc}, {'whole-number' if col.all_integer else 'real'} values")
        self.note(
            f"range {_num(lo)} to {_num(hi)}, mean {_num(mean)}, std {_num(std)}", "range"
        )
        for i, r in enumerate(reasons):
            self.note(r, "values" if i == 0 else None)
        bounded = lo >= 0.0 and hi <= 1.0
        if self.forced == Task.REGRESSION:
            bounded = False
        elif self.forced == Task.BOUNDED_REGRESSION and not bounded:
            self.disagree(
                f"values run from {_num(lo)} to {_num(hi)}, outside [0, 1]; a sigmoid cannot "
                "reach them, so scale the target into [0, 1] first"
            )
            bounded = True
        if bounded:
            self.note(
                "every value lies within [0, 1]: a sigmoid output matches that range", "task"
            )
            kind, task = LayoutKind.BOUNDED, Task.BOUNDED_REGRESSION
        else:
            kind, task = LayoutKind.CONTINUOUS, Task.REGRESSION
            self.scale_check(mean, std, lo, hi)
        return self.finish(
            kind,
            task,
            1,
            classes=None,
            class_counts=None,
            runner_up=runner_up,
            target_range=(lo, hi),
            target_mean=(mean,),
            target_std=(std,),
        )

    def scale_check(self, mean: float, std: float, lo: float, hi: float) -> None:
        if std > 100 or max(abs(lo), abs(hi)) > 1000:
            self.diag(
                "large-scale",
                f"the target is on a large scale (mean {_num(mean)}, std {_num(std)}): with a "
                "linear head the first losses are huge and Adam needs many steps to get there",
                "standardize y for training, y_std = (y - mean) / std, and invert on predictions "
                "(the scaffolded script does)",
            )

    def matrix(self) -> Layout:
        cols = self.stats.columns
        k = len(cols)
        names = tuple(c.name for c in cols)
        text = [c.name for c in cols if c.type in ("string",)]
        if text:
            hint = _likely_target(names) or (text[-1] if len(text) == 1 else names[-1])
            raise self.usage(
                f"{k} target columns and {len(text)} of them hold text ({_names(tuple(text))}); "
                "a multi-column target must be numeric (one-hot, multi-hot, several regression "
                f"targets): pick the label column ('{hint}'?)",
                choose_columns=True,
                # outhead.multi reads explicitly chosen columns of mixed kinds as several outputs
                reason="text-columns",
            )
        live = tuple(c for c in cols if c.type != "empty")
        if all(c.counts is not None and c.n_distinct == 1 for c in live):
            from outhead.errors import TargetError

            row = ", ".join(format_label(next(iter(c.counts or {}))) for c in live[:8])
            raise TargetError(
                f"every target column holds a single value (each row reads {row}"
                f"{', ...' if len(live) > 8 else ''}): there is nothing to learn",
                path=self.path,
                reason="single-value",
            )
        self.missing(cols)
        values = _matrix_values(live)
        m = self.stats.matrix
        desc = f"{k} columns ({_names(names)}), {self.stats.n_rows} rows"
        if values is not None and len(values) <= 2 and self.forced not in (
            Task.REGRESSION,
            Task.BOUNDED_REGRESSION,
        ):
            return self.indicator(cols, values, desc)
        if self.forced in (Task.BINARY, Task.MULTILABEL):
            raise self.usage(
                f"--task {self.forced.value} needs a 0/1 matrix; these {k} columns hold "
                "other values"
            )
        # Soft labels: non-negative rows that each sum to 1, exactly or up to the rounding of
        # an export (3 columns rounded to 2 decimals can be off by 0.015).
        all_nonneg = all((c.minimum or 0) >= 0 for c in live)
        spread = _row_sum_spread(m, 1.0)
        if (
            all_nonneg
            and spread is not None
            and spread <= _soft_tolerance(k)
            and self.forced != Task.REGRESSION
        ):
            self.note(desc)
            if spread <= 1e-6:
                self.note(
                    "every value is non-negative and every row sums to 1: class probabilities",
                    "values",
                )
            else:
                self.note(
                    "every value is non-negative and every row sums to 1 within "
                    f"±{spread:.2g} (rounded values): class probabilities",
                    "values",
                )
            self.note(
                "values are not all 0/1: soft labels, read as a distribution over classes", "task"
            )
            return self.finish(
                LayoutKind.PROBABILITIES,
                Task.MULTICLASS,
                k,
                classes=names,
                class_counts=None,
            )
        percent = _row_sum_spread(m, 100.0)
        if all_nonneg and percent is not None and percent <= 100 * _soft_tolerance(k):
            self.runner_up = (
                "class percentages: every row sums to 100; divide the target by 100 and it "
                "reads as soft labels (softmax + categorical cross-entropy)"
            )
        if self.forced == Task.MULTICLASS:
            raise self.usage(
                f"--task multiclass needs one label column, a one-hot matrix or rows that sum "
                f"to 1; these {k} columns are none of those"
            )
        lo = min(float(c.minimum) for c in live if c.minimum is not None)
        hi = max(float(c.maximum) for c in live if c.maximum is not None)
        means = tuple(c.total / max(1, self.stats.n_rows - c.n_missing) for c in cols)
        stds = tuple(
            math.sqrt(c.total_sq / max(1, self.stats.n_rows - c.n_missing)) for c in cols
        )
        self.note(desc + ", numeric values")
        self.note(
            f"values range from {_num(lo)} to {_num(hi)}; they are not 0/1 indicators", "values"
        )
        if m is not None and m.n_rows_off_one:
            self.note(f"{m.n_rows_off_one} rows do not sum to 1: not class probabilities")
        self.note(f"{k} regression targets: one linear output each", "task")
        if k > WIDE_TARGET:
            likely = _likely_target(names)
            self.diag(
                "wide-target",
                f"{k} target columns read as {k} regression targets: is this a feature table?",
                f"pick the target column{f' ({likely!r}?)' if likely else ''}",
            )
        self.scale_check(max(means, key=abs), max(stds), lo, hi)
        return self.finish(
            LayoutKind.MULTI_CONTINUOUS,
            Task.REGRESSION,
            k,
            classes=None,
            class_counts=None,
            target_range=(lo, hi),
            target_mean=means,
            target_std=stds,
        )

    def indicator(
        self, cols: tuple[ColumnStats, ...], values: tuple[float, ...], desc: str
    ) -> Layout:
        k = len(cols)
        names = tuple(c.name for c in cols)
        m = self.stats.matrix
        neg, pos = (values[0], values[-1]) if len(values) == 2 else (
            (0.0, values[0]) if values[0] != 0 else (values[0], 1.0)
        )
        indicator_values = None
        if (neg, pos) != (0.0, 1.0):
            indicator_values = (neg, pos)
            self.diag(
                "indicator-coding",
                f"the matrix is coded {_num(neg)}/{_num(pos)}, not 0/1: read {_num(pos)} as "
                f"'on' and {_num(neg)} as 'off'; binary cross-entropy needs 0/1 targets and "
                "gives negative or huge losses otherwise",
                f"y = (y == {_num(pos)}).astype('float32') (the scaffolded script does)",
            )
        self.note(desc + f", every value {_num(neg)} or {_num(pos)}: an indicator matrix")
        counts = tuple(_on_count(c, pos) for c in cols)
        sums = _indicator_sums(m, k, neg, pos)
        total = sum(sums.values())
        exactly_one = sums.get(1, 0)
        zero = sums.get(0, 0)
        several = total - exactly_one - zero
        hi = max(sums) if sums else 0
        # A one-hot export may carry a few malformed rows; past a small share the labels are
        # simply not exclusive.
        looks_one_hot = (
            bool(total)
            and self.forced != Task.MULTILABEL
            and (zero + several) <= ONE_HOT_TOLERANCE * total
        )
        if (
            not looks_one_hot
            and not several
            and zero
            and self.forced in (None, Task.MULTICLASS)
            and _chance_of_overlap(counts, total) * total >= DROP_FIRST_EVIDENCE
        ):
            return self.drop_first(names, counts, zero, total, indicator_values)
        if self.forced == Task.MULTICLASS and not looks_one_hot:
            self.disagree(
                f"{zero + several} of {total} rows do not hold exactly one 1, so the classes "
                "are not exclusive"
            )
            looks_one_hot = True
        if looks_one_hot:
            self.note(f"{exactly_one} of {total} rows have exactly one 1: one-hot", "values")
            self.note(f"{k} exclusive classes, one column each", "task")
            examples = m.row_examples if m is not None else {}
            if zero:
                rows = _rows_with(examples, k, neg, pos, lambda s: s == 0)
                self.diag(
                    "onehot-zero-rows",
                    f"{zero} one-hot rows are all zero (rows {rows}): they belong to no class, "
                    "and categorical cross-entropy gives them a loss of 0",
                    "drop those rows, or add a column for 'none of these'",
                )
            if several:
                rows = _rows_with(examples, k, neg, pos, lambda s: s > 1)
                self.diag(
                    "onehot-multiple",
                    f"{several} one-hot rows have more than one 1 (rows {rows}): the classes are "
                    "meant to be exclusive",
                    "fix those rows, or treat the target as multi-label (--task multilabel)",
                )
            runner = None
            if k == 2:
                self.note(
                    "2 one-hot columns: 2 softmax units (or 1 sigmoid unit on the second column)"
                )
            self.class_checks(names, counts, single_label=True)
            return self.finish(
                LayoutKind.ONE_HOT,
                Task.MULTICLASS,
                k,
                classes=names,
                class_counts=counts,
                indicator_values=indicator_values,
                runner_up=runner,
            )
        mean = sum(s * c for s, c in sums.items()) / max(1, total)
        if several:
            self.note(
                f"rows hold {min(sums) if sums else 0} to {hi} ones (mean {mean:.2f}): the "
                "labels are not exclusive",
                "values",
            )
        else:
            self.note(
                f"no row holds more than one 1, but {zero} rows hold none: either independent "
                "labels, or exclusive classes with one class left out (drop_first dummies)"
            )
        self.note(f"{k} independent yes/no labels: one sigmoid unit each", "task")
        runner_up = None
        if not several:
            runner_up = (
                f"one-hot with {zero} rows of no class (no row has several ones; pass "
                "--task multiclass if the classes are exclusive)"
            )
        elif several <= 0.05 * total:
            runner_up = f"one-hot with errors ({several} rows of {total} have several ones)"
        self.runner_up_task = Task.MULTICLASS
        if zero:
            self.note(f"{zero} rows have no label on")
        self.class_checks(names, counts, single_label=False)
        return self.finish(
            LayoutKind.MULTI_HOT,
            Task.MULTILABEL,
            k,
            classes=names,
            class_counts=counts,
            indicator_values=indicator_values,
            runner_up=runner_up,
        )

    def drop_first(
        self,
        names: tuple[str, ...],
        counts: tuple[int, ...],
        zero: int,
        total: int,
        indicator_values: tuple[float, float] | None,
    ) -> Layout:
        """Dummies with the first category left out (``pandas.get_dummies(drop_first=True)``):
        K-1 columns of exclusive classes, and the rows with no 1 are the K-th, dropped class."""
        k = len(names)
        expected = _chance_of_overlap(counts, total) * total
        dropped = _dropped_name(names)
        self.note(
            f"no row holds more than one 1, and {zero} rows hold none; independent labels this "
            f"frequent would put several 1s in about {expected:.0f} of {total} rows, so the "
            "classes exclude each other"
        )
        self.note(
            f"exclusive classes with one class left out (drop_first dummies): the {zero} rows of "
            f"no 1 are the dropped class, named '{dropped}' here",
            "task",
        )
        self.note(f"{k + 1} exclusive classes: the {k} columns and the dropped one")
        self.diag(
            "drop-first",
            f"the dropped class '{dropped}' ({zero} rows) has no column: a softmax "
            f"over the {k} columns cannot predict it, and categorical cross-entropy gives its "
            "rows a loss of 0",
            "add its column back before training: y = np.column_stack([1 - y.sum(axis=1), y]) "
            "(the scaffolded script does), or pass --task multilabel if the labels are "
            "independent",
            "note",
        )
        self.runner_up = f"{k} independent yes/no labels (pass --task multilabel)"
        self.runner_up_task = Task.MULTILABEL
        classes = (dropped, *names)
        class_counts = (zero, *counts)
        self.class_checks(classes, class_counts, single_label=True)
        return self.finish(
            LayoutKind.ONE_HOT,
            Task.MULTICLASS,
            k + 1,
            classes=classes,
            class_counts=class_counts,
            indicator_values=indicator_values,
            dropped_class=dropped,
        )
