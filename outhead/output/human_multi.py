"""The human report of several outputs: one block per output, then the one compile call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from outhead.output.human import _diagnostic, _hanging, _section

if TYPE_CHECKING:
    from outhead.multi import MultiRecommendation, Output


def _output_block(output: Output) -> list[Any]:
    rec = output.recommendation
    layout, head = rec.layout, rec.head
    title = Text("Output ", style="bold")
    title.append(output.name, style="bold cyan")
    title.append(f" (column {output.column!r}): ")
    title.append(layout.kind.value, style="bold magenta")
    title.append(" → ")
    title.append(layout.task.value, style="bold magenta")
    if layout.classes is not None and layout.task.value != "regression":
        noun = "labels" if layout.task.value == "multilabel" else "classes"
        title.append(f" ({len(layout.classes)} {noun})")
    parts: list[Any] = [
        title,
        _hanging([("  •", line) for line in (*layout.reading, *layout.evidence)]),
    ]
    table = Table(box=None, pad_edge=False, show_header=False, show_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("  head", head.layer_code())
    loss = f"{head.loss_class} ({head.loss})"
    if head.from_logits:
        loss += ", from_logits=True"
    table.add_row("  loss", loss)
    table.add_row("  metrics", ", ".join(m.code("").lstrip(".") for m in rec.metrics))
    table.add_row("  predictions", rec.decision_text)
    start = f"loss ≈ {output.starting_loss:.3g}"
    if layout.task.value == "regression":
        start += " (on the standardized target)"
    table.add_row("  starts at", f"{start}, loss weight {output.loss_weight}")
    parts.append(table)
    if rec.diagnostics:
        parts.append(_hanging([_diagnostic(d) for d in rec.diagnostics]))
    parts.append(Text())
    return parts


def render_outputs(multi: MultiRecommendation) -> Group:
    """The report of ``outhead inspect`` for several outputs."""
    from outhead.multi import LOSS_WEIGHTS_RULE

    first = multi.outputs[0].recommendation.layout.stats
    head = Text(f"{first.source.path}: " if first is not None else "", style="bold")
    head.append(f"{multi.n_rows} rows, {len(multi.outputs)} outputs ")
    head.append(f"({', '.join(o.column for o in multi.outputs)})")
    parts: list[Any] = [
        head,
        _hanging([(Text("  why:", style="dim"), Text(multi.why, style="dim"))]),
        Text(),
    ]
    for output in multi.outputs:
        parts += _output_block(output)
    parts.append(_section("Keras (one named Dense head per output, after shared layers)"))
    for output in multi.outputs:
        layer = output.recommendation.head.layer_code()
        parts.append(Text(f'{output.name} = {layer[:-1]}, name="{output.name}")(x)', style="green"))
    parts.append(Text(multi.compile_code(), style="green"))
    parts.append(
        _hanging([(Text("  loss_weights:", style="dim"), Text(LOSS_WEIGHTS_RULE, style="dim"))])
    )
    return Group(*parts)
