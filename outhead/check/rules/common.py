"""What every rule works on: the contexts it reads and the :class:`Hit` it returns.

A rule function never builds a :class:`~outhead.check.model.Finding` itself: it returns hits
(the reason and the fix), and :mod:`outhead.check.codes`, which knows the code of each rule
function, makes the findings. So a code is emitted by exactly one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from outhead.check.keras_names import LossFamily, n_classes, target_width
from outhead.check.model import DeclaredHead, Expectation, Metric, Severity
from outhead.layout import Layout
from outhead.recommend import Head, head_for
from outhead.stats import TargetStats


@dataclass(frozen=True)
class Hit:
    """A rule fired: why, in one sentence, and the exact Keras fix."""

    message: str
    fix: str | None = None
    severity: Severity | None = None
    """None: the rule's default severity (see :data:`outhead.check.codes.RULES`)."""


@dataclass(frozen=True)
class TargetCtx:
    """A target against its expectation.

    ``layout`` is None when inference refused the target (all missing, a single value): the
    rules then read ``stats`` and ``refusal`` (the reason inference gave) alone.
    """

    stats: TargetStats | None
    expect: Expectation
    layout: Layout | None = None
    refusal: str | None = None
    """Why inference refused the target, as its error says it."""
    single_value: bool = False
    """Inference refused the target because it holds a single value."""
    first_reading: Layout | None = None
    """Inference's first reading, when ``layout`` is its runner-up, read as the expected task
    (the data reads both ways and the project says which)."""


@dataclass(frozen=True)
class HeadCtx:
    """A declared head against a target's layout, with what the rules derive from the head."""

    layout: Layout
    head: DeclaredHead
    act: str | None
    """None when the head does not say (the rules that need it skip)."""
    units: int | None
    family: LossFamily | None
    from_logits: bool
    fix: str
    """The Keras lines of the head the target calls for (most fixes quote it)."""
    loss_text: str
    metrics: tuple[Metric, ...] = ()

    @property
    def loss_name(self) -> str:
        return self.loss_text or "the loss"

    @property
    def k(self) -> int:
        return n_classes(self.layout)

    @property
    def width(self) -> int:
        return target_width(self.layout)


def recommended_head(layout: Layout, *, logits: bool = False) -> Head:
    """The head :func:`outhead.recommend.recommend` decides for ``layout`` (logits form or not)."""
    return head_for(layout, from_logits=logits)


def head_fix(head: Head) -> str:
    """The Keras lines of a head: the layer and the loss."""
    return f"{head.layer_code()}; loss={head.loss_code()}"


def layer_code(units: int, activation: str) -> str:
    """``keras.layers.Dense(units, activation=...)``, without ``activation`` when linear."""
    return Head(units, activation, "", "").layer_code(bare_linear=True)


def loss_code(loss_class: str, *, from_logits: bool = False) -> str:
    """``keras.losses.BinaryCrossentropy(from_logits=True)``: a loss object as Keras source."""
    return Head(1, "linear", "", loss_class, from_logits).loss_code()


def show(value: Any) -> str:
    """A class or value as a message shows it (``3`` for ``3.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plural(n: int, word: str) -> str:
    """``1 unit``, ``2 units``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fmt_num(x: float) -> str:
    """A number in a message: four significant digits."""
    return f"{x:.4g}"


def rows_text(rows: Sequence[int]) -> str:
    """``row 3`` or ``rows 4, 17, 90`` (data rows, counted from 0 as the readers do)."""
    listed = ", ".join(str(r) for r in rows)
    return f"row {listed}" if len(rows) == 1 else f"rows {listed}"


def label_range(layout: Layout) -> tuple[list[Any], float | None, float | None]:
    """Labels of a label vector as Keras sees them: numbers (bools as 0/1), or strings."""
    classes = list(layout.classes or ())
    numbers = [float(v) for v in classes if isinstance(v, (int, float)) and not isinstance(v, str)]
    if len(numbers) != len(classes) or not numbers:
        return classes, None, None
    return classes, min(numbers), max(numbers)


def vector_words(layout: Layout) -> str:
    """How a label vector reaches Keras: integers, or text that must be encoded first."""
    _, lo, _ = label_range(layout)
    return "integer labels" if lo is not None else "text labels (encoded to 0..K-1 integers)"
