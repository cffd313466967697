"""OH1xx: the target against what the project expects of it (missing values, classes, task)."""

from __future__ import annotations

from typing import Any

from outhead.check.keras_names import (
    MATRIX,
    MULTI_LABEL,
    SINGLE_LABEL_MATRIX,
    n_classes,
)
from outhead.check.model import OptionNames
from outhead.check.rules.common import Hit, TargetCtx, fmt_num, recommended_head, rows_text, show
from outhead.layout import EvidenceRole, Layout, LayoutKind, Task
from outhead.stats import MISSING_TOKENS, TargetStats

_COMPATIBLE: dict[Task, tuple[Task, ...]] = {
    Task.REGRESSION: (Task.REGRESSION, Task.BOUNDED_REGRESSION),
    Task.BOUNDED_REGRESSION: (Task.BOUNDED_REGRESSION,),
    Task.BINARY: (Task.BINARY,),
    Task.MULTICLASS: (Task.MULTICLASS,),
    Task.MULTILABEL: (Task.MULTILABEL,),
}

_SINGLE_CLASS_FIX = "check the export of the target (a filter or a join dropped the other classes)"


def missing_values(t: TargetCtx) -> list[Hit]:
    """OH101: missing or non-finite target values (or a target inference found empty)."""
    stats = t.stats
    if stats is None:
        return []
    if t.layout is None and t.refusal and all(c.type == "empty" for c in stats.columns):
        return [
            Hit(
                f"{t.refusal}: Keras would train on nan from the first epoch",
                "fix the export of the target (the column is empty)",
            )
        ]
    # In a column of label sets an empty cell is the empty set (a row with no label), as
    # inspect and the scaffolded script read it: not a missing target.
    if stats.labelsets is not None:
        return []
    n_missing = sum(c.n_missing for c in stats.columns)
    if not n_missing:
        return []
    n_inf = sum(c.n_nonfinite for c in stats.columns)
    rows = sorted({r for c in stats.columns for r in c.missing_rows})[:5]
    what = f"{n_missing} missing value{'s' if n_missing != 1 else ''}"
    if n_inf:
        what += f" ({n_inf} of them ±inf)"
    fix = drop_missing_fix(stats)
    names = t.expect.names
    if t.expect.allow_missing:
        return [
            Hit(
                f"{what} (first {rows_text(rows)}, counting from 0), allowed by "
                f"{names.switch(names.allow_missing)}: drop or mask those rows before fit()",
                fix,
                severity="note",
            )
        ]
    return [
        Hit(
            f"{what} in the target (first {rows_text(rows)}, counting from 0): Keras raises no "
            "error, the loss is nan from the first epoch on every backend while accuracy keeps "
            "printing",
            f"{fix}  (or {names.turn_on(names.allow_missing)})",
        )
    ]


def drop_missing_fix(stats: TargetStats) -> str:
    """The code that drops the rows with a missing target, for the type of the target.

    Numbers: a mask of finite rows (works for ``(N,)`` and ``(N, k)``; ``np.isnan`` alone lets
    ±inf through and raises TypeError on text). Text (labels, label sets, booleans with gaps): the
    missing cells as pandas reads them (CSV, TSV, Parquet), or the missing tokens of a NumPy
    string array.
    """
    numeric = all(c.type in ("integer", "float", "empty") for c in stats.columns)
    if numeric:
        return "keep = np.isfinite(y).reshape(len(y), -1).all(axis=1); x, y = x[keep], y[keep]"
    column = stats.columns[0].name if len(stats.columns) == 1 else None
    if stats.source.format in ("npy", "npz") or column is None:
        tokens = ", ".join(f'"{t}"' for t in MISSING_TOKENS)
        return f"keep = ~np.isin(y.astype(str), [{tokens}]); x, y = x[keep], y[keep]"
    return (
        f"keep = df[{column!r}].notna().to_numpy(); x, y = x[keep], df[{column!r}][keep]  "
        "# pandas reads empty cells, NA and null as missing"
    )


def task_mismatch(t: TargetCtx) -> list[Hit]:
    """OH107: the target does not read as the expected task (or as labels, with classes)."""
    layout, expect = t.layout, t.expect
    if layout is None:
        return []
    want, names = expect.task, expect.names
    if t.first_reading is not None and want is not None:
        return [_second_reading(t.first_reading, want, names)]
    if want is None:
        if expect.classes is not None and not _has_classes(layout):
            return [
                Hit(
                    f"{names.classes} was given but the target reads as {layout.task.value} "
                    f"({layout.kind.value}), not as labels",
                    f"check the column ({names.column}) or drop {names.classes}",
                )
            ]
        return []
    if layout.task in _COMPATIBLE[want]:
        return []
    if want == Task.BINARY and layout.kind in SINGLE_LABEL_MATRIX and n_classes(layout) == 2:
        return []  # a 2-column one-hot is a binary target stored as a matrix
    if (
        want in (Task.MULTICLASS, Task.BINARY)
        and layout.kind == LayoutKind.MULTI_HOT
        and layout.stats is not None
        and layout.stats.matrix is not None
    ):
        return []  # reported as OH106 (rows that do not sum to 1), which names the rows
    if want == Task.MULTICLASS and layout.task == Task.BINARY and expect.classes is not None:
        return []  # a vanished class: OH103 names it
    got = f"{layout.task.value} ({layout.kind.value}"
    if layout.classes is not None:
        got += f", {n_classes(layout)} classes"
    got += ")"
    line = decisive_evidence(layout, want)
    evidence = f"; {line}" if line else ""
    return [
        Hit(
            f"{names.given(names.expect, want.value)} but the target reads as {got}{evidence}",
            f"fix the export of the target, or the expectation ({names.expect})",
        )
    ]


#: The roles of the evidence that decides a reading, most telling first: what the values are,
#: then the range (a regression) or the task they lead to. A label vector depends on what was
#: expected instead: against a regression, why the values are labels; against another
#: classification task, whether the classes exclude each other; then the classes.
_DECISIVE_ROLES: dict[LayoutKind, tuple[EvidenceRole, ...]] = {
    LayoutKind.CONTINUOUS: ("values", "range"),
}


def _second_reading(first: Layout, expected: Task, names: OptionNames) -> Hit:
    """A warning: the expectation picked inference's runner-up over its first reading (1,797
    labels 0..9 expected as a regression), so a CI gate hears what inspect would say."""
    got = f"{first.task.value} ({first.kind.value}"
    if first.classes is not None:
        got += f", {n_classes(first)} classes"
    line = decisive_evidence(first, expected)
    return Hit(
        f"{names.given(names.expect, expected.value)}, but inspect reads the target as {got})"
        f"{f': {line}' if line else ''}; it was checked as {expected.value}, its second reading",
        f"if the values are what inspect says, fix the expectation ({names.expect}); "
        f"{names.switch(names.strict)} fails on this",
        severity="warning",
    )


def decisive_evidence(layout: Layout, want: Task | None = None) -> str | None:
    """The line of ``layout.evidence`` that decided the reading, to quote in a message.

    Lines are picked by their role (``layout.evidence_roles``), never by their wording. How the
    file was read (a detected header or separator, ``layout.reading``) and a forced task are
    never quoted: they say nothing about what the values are.
    """
    notes: set[str] = set(layout.reading)
    if layout.stats is not None:  # the same notes, in case a layout still carries them
        notes |= {f"{n.message}; {n.fix}" if n.fix else n.message for n in layout.stats.notes}
    roles = layout.evidence_roles or (None,) * len(layout.evidence)
    lines = [
        (line, role)
        for line, role in zip(layout.evidence, roles, strict=True)
        if line not in notes and role != "forced"
    ]
    if not lines:
        return None
    order: tuple[EvidenceRole, ...]
    if layout.kind == LayoutKind.LABEL_VECTOR:
        regression = want in (Task.REGRESSION, Task.BOUNDED_REGRESSION)
        order = ("values", "classes") if regression else ("task", "classes")
    else:
        order = _DECISIVE_ROLES.get(layout.kind, ("values", "task"))
    for wanted in order:
        for line, role in lines:
            if role == wanted:
                return line
    return lines[-1][0]


def one_hot_row_sum(t: TargetCtx) -> list[Hit]:
    """OH106: rows of a one-hot target that do not sum to 1."""
    layout, expect = t.layout, t.expect
    stats = layout.stats if layout is not None else None
    if layout is None or stats is None or stats.matrix is None:
        return []
    single_label = layout.kind == LayoutKind.ONE_HOT or (
        layout.kind == LayoutKind.MULTI_HOT and expect.task in (Task.MULTICLASS, Task.BINARY)
    )
    matrix = stats.matrix
    if not single_label or not matrix.n_rows_off_one:
        return []
    sums = matrix.row_sum_counts or {}
    zero = sums.get(0.0, 0)
    several = sum(n for s, n in sums.items() if s > 1)
    rows: list[int] = []
    for s, examples in sorted(matrix.row_examples.items()):
        if abs(s - 1) > 1e-6:
            rows.extend(examples)
    parts = []
    if zero:
        parts.append(f"{zero} all zero")
    if several:
        parts.append(f"{several} with several 1s")
    detail = " and ".join(parts) or f"{matrix.n_rows_off_one} off"
    return [
        Hit(
            f"{matrix.n_rows_off_one} of {layout.n_rows} one-hot rows do not sum to 1 ({detail}; "
            f"first {rows_text(sorted(rows)[:5])}): categorical cross-entropy reads them as "
            "soft labels without a message",
            "fix the encoding (keras.utils.to_categorical(labels, num_classes=K)), or use "
            'keras.layers.Dense(K, activation="sigmoid") with BinaryCrossentropy() if rows may '
            "hold several labels",
        )
    ]


def _has_classes(layout: Layout) -> bool:
    return layout.is_classification and layout.classes is not None


def _present_classes(layout: Layout) -> list[tuple[Any, int | None]]:
    """(class, rows) pairs; rows is None when the layout has no counts (hand-built)."""
    classes = layout.classes or ()
    counts: tuple[int | None, ...] = layout.class_counts or (None,) * len(classes)
    return list(zip(classes, counts, strict=True))


def _present(layout: Layout) -> list[Any]:
    return [c for c, n in _present_classes(layout) if n is None or n > 0]


def _class_matches(value: Any, name: str) -> bool:
    text = show(value)
    if text == name:
        return True
    # Booleans read from CSV (True/true/yes) compare without case.
    return isinstance(value, bool) and text.lower() == name.strip().lower()


def single_class(t: TargetCtx) -> list[Hit]:
    """OH102: a single class or value in the whole target: nothing to learn."""
    layout = t.layout
    if layout is None:
        return [Hit(t.refusal or "", _SINGLE_CLASS_FIX)] if t.single_value else []
    if not _has_classes(layout):
        return []
    present = _present(layout)
    if len(present) != 1:
        return []
    return [
        Hit(
            f"every labelled row is class {show(present[0])!r}: there is nothing to learn",
            _SINGLE_CLASS_FIX,
        )
    ]


def missing_class(t: TargetCtx) -> list[Hit]:
    """OH103: a class expected by ``classes`` (or a label column) has no rows."""
    layout, want, n = t.layout, t.expect.classes, t.expect.names
    if layout is None or not _has_classes(layout):
        return []
    pairs = _present_classes(layout)
    present = _present(layout)
    empty = [c for c, n in pairs if n == 0]
    if isinstance(want, int):
        if len(present) >= want:
            return []
        return [
            Hit(
                f"{n.given(n.classes, want)} but the target has {len(present)} classes "
                f"({', '.join(show(c) for c in present)})"
                + (f"; no rows for {', '.join(show(c) for c in empty)}" if empty else ""),
                f"restore the missing rows; keep keras.layers.Dense({want}, ...) so class ids "
                "stay stable",
            )
        ]
    if want is None:
        if not (empty and layout.kind in MATRIX):
            return []
        many = len(empty) > 1
        return [
            Hit(
                f"label column{'s' if many else ''} "
                f"{', '.join(repr(show(c)) for c in empty)} "
                f"{'have' if many else 'has'} no positive row: the model cannot learn "
                f"{'them' if many else 'it'}",
                "restore the rows of that class or drop the column (and reduce the units)",
            )
        ]
    missing = [name for name in want if not any(_class_matches(c, name) for c in present)]
    if not missing:
        return []
    return [
        Hit(
            f"class{'es' if len(missing) > 1 else ''} {', '.join(missing)} from {n.classes} "
            f"{'have' if len(missing) > 1 else 'has'} no rows in the target",
            "restore the missing rows (a filter or a join dropped them); keep the head at "
            f"keras.layers.Dense({len(want)}, ...) so class ids stay stable",
        )
    ]


def unexpected_class(t: TargetCtx) -> list[Hit]:
    """OH104: the target has a class that ``classes`` does not list."""
    layout, want, n = t.layout, t.expect.classes, t.expect.names
    if layout is None or not _has_classes(layout) or want is None:
        return []
    present = _present(layout)
    if isinstance(want, int):
        if len(present) <= want:
            return []
        return [
            Hit(
                f"{n.given(n.classes, want)} but the target has {len(present)} classes "
                f"({', '.join(show(c) for c in present)})",
                f"update {n.classes} to {len(present)} and the head to "
                f"{recommended_head(layout).layer_code()}",
            )
        ]
    extra = [c for c in present if not any(_class_matches(c, name) for name in want)]
    if not extra:
        return []
    return [
        Hit(
            f"the target has class{'es' if len(extra) > 1 else ''} "
            f"{', '.join(show(c) for c in extra)} that {n.classes} does not list",
            f"add the class to {n.classes} (and a unit to the head) or drop its rows",
        )
    ]


def class_imbalance(t: TargetCtx) -> list[Hit]:
    """OH105: the largest class has more than ``max_imbalance`` times the smallest's rows."""
    layout, limit, names = t.layout, t.expect.max_imbalance, t.expect.names
    if layout is None or not _has_classes(layout) or limit is None or layout.class_counts is None:
        return []
    pairs = [(c, n) for c, n in _present_classes(layout) if n]
    if len(pairs) < 2:
        return []
    big = max(pairs, key=lambda p: p[1])
    small = min(pairs, key=lambda p: p[1])
    ratio = big[1] / small[1]
    if ratio <= limit:
        return []
    if layout.kind in MULTI_LABEL:
        fix = (
            "loss=keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True), or "
            "per-label sample_weight (class_weight weights multi-hot rows by argmax)"
        )
    else:
        total = sum(n for _, n in pairs)
        k = len(pairs)
        weights = ", ".join(f"{i}: {total / (k * n):.2f}" for i, (_, n) in enumerate(pairs))
        fix = f"model.fit(x, y, class_weight={{{weights}}})"
    past = names.given(names.max_imbalance, fmt_num(limit))
    return [
        Hit(
            f"class {show(big[0])!r} has {big[1]} rows, {ratio:.1f}× class {show(small[0])!r} "
            f"({small[1]} rows), past {past}: accuracy will look good while the small class is "
            "never predicted",
            fix,
        )
    ]
