"""The rules of :mod:`outhead.check.codes` applied to a layout: pure, no file is read here.

The rules take a :class:`~outhead.layout.Layout` (what the target *is*), an
:class:`~outhead.check.model.Expectation` (what the project says it should be) and a
:class:`~outhead.check.model.DeclaredHead` (the last layer, loss and metrics the model uses)
and return :class:`~outhead.check.model.Finding` objects.
"""

from __future__ import annotations

from dataclasses import replace

from outhead.check.codes import RULES, Scope
from outhead.check.keras_names import (
    CROSSENTROPY,
    loss_family,
    loss_from_logits,
    normalize_activation,
)
from outhead.check.model import DeclaredHead, Expectation, FileResult, Finding, parse_metric
from outhead.check.rules.common import HeadCtx, TargetCtx, head_fix, recommended_head
from outhead.layout import Layout

#: The order the rules of each scope run in: most specific first, as findings are listed.
ORDER: dict[Scope, tuple[str, ...]] = {
    "target": ("OH101", "OH107", "OH106", "OH102", "OH103", "OH104", "OH105"),
    "head": (
        "OH001", "OH201", "OH203", "OH204", "OH202", "OH205", "OH206",
        "OH301", "OH302", "OH303", "OH304", "OH901", "OH902",
        "OH307", "OH308", "OH305", "OH306", "OH309", "OH401", "OH402",
    ),
    # Each declared metric gets the first of these that fires on it.
    "metric": ("OH501", "OH502", "OH505", "OH503", "OH504", "OH506"),
    "class_weight": ("OH601", "OH602"),
    # A map (one target per pixel or step) gets these instead of the head and class_weight
    # rules of rows, whose shapes and messages are those of (n,) and (n, k) targets.
    "map_head": ("OH209", "OH207", "OH208", "OH210"),
    "map_class_weight": ("OH603",),
}  # fmt: skip


def run_rules(codes: tuple[str, ...], ctx: TargetCtx | HeadCtx) -> list[Finding]:
    """The findings of the rules ``codes``, in that order, on one context."""
    return [RULES[code].finding(hit) for code in codes for hit in RULES[code].check(ctx)]


def run_target_rules(ctx: TargetCtx, codes: tuple[str, ...] = ORDER["target"]) -> list[Finding]:
    """The findings of the target rules ``codes`` (default: all, in order) on ``ctx``."""
    return run_rules(codes, ctx)


def check_target(
    layout: Layout, expect: Expectation | None = None, *, first_reading: Layout | None = None
) -> list[Finding]:
    """Check a target's layout against what the project expects of it.

    Args:
        layout: the inferred layout (with ``layout.stats`` when missing values and one-hot row
            sums should be checked; a hand-built layout without stats skips those rules).
        expect: the expectation; None checks only what is always wrong (missing values, a
            single class, a one-hot row that does not sum to 1, a label column with no rows).
        first_reading: inference's first reading when ``layout`` is its runner-up, read as the
            expected task: the check says so (a warning).

    Returns:
        The findings (OH1xx), in rule order; empty when the target is as expected.
    """
    ctx = TargetCtx(
        stats=layout.stats,
        expect=expect or Expectation(),
        layout=layout,
        first_reading=first_reading,
    )
    return run_target_rules(ctx)


def head_context(layout: Layout, head: DeclaredHead) -> HeadCtx:
    """What the head rules read: the declared head, resolved the way Keras resolves it."""
    # An activation that was not declared is unknown, not linear: the rules that need it skip.
    act = normalize_activation(head.activation) if head.activation is not None else None
    family = loss_family(head.loss, units=head.units, layout=layout)
    from_logits = head.from_logits or bool(loss_from_logits(head.loss))
    logits_head = (act == "linear" or act is None) and family in CROSSENTROPY
    return HeadCtx(
        layout=layout,
        head=head,
        act=act,
        units=head.units,
        family=family,
        from_logits=from_logits,
        fix=head_fix(recommended_head(layout, logits=logits_head and from_logits)),
        loss_text=head.loss or "",
        metrics=tuple(parse_metric(m) for m in head.metrics),
    )


def check_head(layout: Layout, head: DeclaredHead) -> list[Finding]:
    """Check a declared head (units, activation, loss, from_logits, metrics) against a target.

    Args:
        layout: the target's layout (the data decides; the expectation is checked separately).
        head: the declared head; unknown fields (None) skip the rules that need them.

    Returns:
        The findings, most specific first; empty when the head fits the target.
    """
    ctx = head_context(layout, head)
    if layout.is_map:
        findings = run_rules(("OH001", *ORDER["map_head"]), ctx)
        if head.class_weight:
            findings += run_rules(ORDER["map_class_weight"], ctx)
        return list(dict.fromkeys(findings))
    findings = run_rules(ORDER["head"], ctx)
    for metric in ctx.metrics:
        for code in ORDER["metric"]:
            hit = RULES[code].check(ctx, metric)
            if hit is not None:
                findings.append(RULES[code].finding(hit))
                break
    if head.class_weight:
        findings += run_rules(ORDER["class_weight"], ctx)
    # A metric listed twice must not be reported twice.
    return list(dict.fromkeys(findings))


def check_layout(
    layout: Layout,
    expect: Expectation | None = None,
    head: DeclaredHead | None = None,
    *,
    file: str | None = None,
    first_reading: Layout | None = None,
) -> FileResult:
    """Run every rule on one layout: the expectation, then the head if there is one.

    Args:
        layout: the target's layout.
        expect: the expectation (None: only what is always wrong).
        head: the declared head, or None.
        file: the path shown in findings.
        first_reading: as for :func:`check_target`.

    Returns:
        A :class:`~outhead.check.model.FileResult` with the findings, each tagged with ``file``.
    """
    name = file or (layout.stats.source.path if layout.stats is not None else "<target>")
    findings = check_target(layout, expect, first_reading=first_reading)
    if head is not None:
        findings += check_head(layout, head)
    return FileResult(
        name, tuple(replace(f, file=name) for f in findings), layout=layout, head=head
    )
