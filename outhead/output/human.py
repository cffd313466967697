"""The human emitter: Rich rendering of inspect and check. The only module that knows about Rich;
the core returns dataclasses and this turns them into terminal output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from outhead.layout import format_label, format_number
from outhead.layout.maps import where_word
from outhead.output.summary import plural, summary_line

if TYPE_CHECKING:
    from outhead.check.model import Report as CheckReport
    from outhead.diagnostics import Diagnostic
    from outhead.layout import Layout
    from outhead.recommend import Recommendation
    from outhead.stats import ColumnStats, TargetStats

BAR_WIDTH = 30
MAX_BARS = 20

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _where(layout: Layout) -> str:
    """``position`` (pixels, voxels) or ``step`` (per-step labels): what a map's target is of."""
    return where_word(layout.per_step)


def _section(title: str) -> Text:
    return Text(title, style="bold underline")


def _file_line(stats: TargetStats) -> Text:
    src = stats.source
    if src.format == "image-folder":
        text = Text()
        text.append(src.path, style="bold")
        text.append(f"  (one folder per class; {stats.n_rows:,} training images)")
        return text
    bits: list[str] = [src.format]
    if src.header is not None:
        bits.append("header" if src.header else "no header")
    if src.delimiter and src.delimiter not in (",", "\t"):
        bits.append(f"delimiter {src.delimiter!r}")
    if src.key:
        bits.append(f"key {src.key!r}")
    n_cols = len(stats.columns)
    cols = f"{n_cols} target column{'s' if n_cols != 1 else ''}"
    if len(src.all_columns) > n_cols:
        cols += f" of {len(src.all_columns)}"
    text = Text()
    text.append(src.path, style="bold")
    geometry = src.map_geometry()
    if geometry is not None and src.shape is not None:
        # a map: the statistics (and the table below) are over every position of every example
        where = "steps" if src.per_step else "positions"
        each = "×".join(str(d) for d in geometry[0])
        chans = f", {geometry[1]} channel{'s' if geometry[1] != 1 else ''}" if geometry[1] else ""
        text.append(
            f"  ({', '.join(bits)}; shape {tuple(src.shape)}: {src.shape[0]:,} examples × "
            f"{each} {where}{chans}; {stats.n_rows:,} {where})"
        )
        return text
    text.append(f"  ({', '.join(bits)}; {stats.n_rows:,} rows, {cols})")
    return text


def _values(col: ColumnStats) -> str:
    if col.counts is None:
        return f"more than {col.n_distinct - 1:,} distinct"
    if col.type in ("integer", "float") and col.n_distinct > 8:
        return f"{format_number(col.minimum or 0)} .. {format_number(col.maximum or 0)}"
    shown = sorted(col.counts, key=lambda v: (str(type(v)), v))[:8]
    more = ", ..." if col.n_distinct > 8 else ""
    return ", ".join(format_label(v) for v in shown) + more


def _summary_table(stats: TargetStats) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("column", "type", "distinct", "missing", "values"):
        table.add_column(name, overflow="fold")
    limit = 12
    for col in stats.columns[:limit]:
        distinct = f"{col.n_distinct:,}" if col.counts is not None else f">{col.n_distinct - 1:,}"
        table.add_row(
            escape(col.name), col.type, distinct, f"{col.n_missing:,}", escape(_values(col))
        )
    if len(stats.columns) > limit:
        table.add_row(f"... {len(stats.columns) - limit} more", "", "", "", "")
    return table


def _bars(rec: Recommendation) -> Table | None:
    layout = rec.layout
    if layout.classes is None or layout.class_counts is None:
        return None
    pairs = list(zip(layout.classes, layout.class_counts, strict=True))
    table = Table(box=None, pad_edge=False, show_header=False, show_edge=False)
    table.add_column("class", overflow="fold")
    table.add_column("bar")
    table.add_column("count", justify="right")
    top = max(layout.class_counts) or 1
    for cls, n in pairs[:MAX_BARS]:
        width = max(1, round(BAR_WIDTH * n / top)) if n else 0
        table.add_row(escape(str(cls)), Text("█" * width, style="green"), f"{n:,}")
    if len(pairs) > MAX_BARS:
        table.add_row(f"... {len(pairs) - MAX_BARS} more", "", "")
    return table


#: Target columns of a regression shown with a histogram (the first ones).
MAX_HISTOGRAMS = 4


def _distribution(rec: Recommendation) -> list[Any]:
    """A histogram per continuous target column (from the bins of the read), and its skew."""
    stats = rec.layout.stats
    if stats is None or rec.layout.task.value not in ("regression", "bounded-regression"):
        return []
    parts: list[Any] = []
    for col in stats.columns[:MAX_HISTOGRAMS]:
        if col.histogram is None or len(col.histogram.counts) < 2:
            continue
        bins = col.histogram.coarse()
        parts.append(_section(f"Distribution of {escape(col.name)}"))
        table = Table(box=None, pad_edge=False, show_header=False, show_edge=False)
        table.add_column("range", justify="right", no_wrap=True)
        table.add_column("bar")
        table.add_column("count", justify="right")
        top = max(c for _, _, c in bins) or 1
        for low, high, n in bins:
            width = max(1, round(BAR_WIDTH * n / top)) if n else 0
            label = f"{format_number(low)} .. {format_number(high)}"
            table.add_row(label, Text("█" * width, style="green"), f"{n:,}")
        parts.append(table)
        skew = col.histogram.skewness()
        if skew is not None:
            shape = "roughly symmetric" if abs(skew) < 1 else "skewed: see the Alternatives"
            parts.append(Text(f"  skewness {skew:.2f} ({shape})", style="dim"))
        parts.append(Text())
    return parts


def _hanging(rows: list[tuple[Text | str, Text | str]]) -> Table:
    """Two columns, the second wrapping under itself (a hanging indent)."""
    table = Table(box=None, pad_edge=False, show_header=False, show_edge=False, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for left, right in rows:
        table.add_row(left, right)
    return table


def _diagnostic(d: Diagnostic) -> tuple[Text, Text]:
    left = Text("  ")
    left.append(d.severity, style=_SEVERITY_STYLE.get(d.severity, ""))
    text = Text()
    text.append(f"[{d.code}] ", style="bold")
    text.append(d.message)
    if d.fix:
        text.append("\nfix: ", style="dim")
        text.append(d.fix)
    return left, text


def render_inspect(rec: Recommendation) -> Group:
    """The human report of ``outhead inspect``: summary, layout with evidence, recommendation,
    Keras code, alternatives, class counts, warnings."""
    layout = rec.layout
    head = rec.head
    parts: list[Any] = []
    if layout.stats is not None:
        parts += [_file_line(layout.stats), _summary_table(layout.stats), Text()]

    title = Text("Layout: ", style="bold")
    title.append(layout.kind.value, style="bold magenta")
    title.append(" → ")
    title.append(layout.task.value, style="bold magenta")
    if layout.classes is not None and layout.task.value != "regression":
        noun = "labels" if layout.task.value == "multilabel" else "classes"
        title.append(f" ({len(layout.classes)} {noun})")
    parts.append(title)
    parts.append(_hanging([("  •", line) for line in (*layout.reading, *layout.evidence)]))
    if layout.runner_up:
        parts.append(_hanging([("  runner-up:", Text(layout.runner_up, style="dim"))]))
    parts.append(Text())

    parts.append(_section("Recommended head"))
    table = Table(box=None, pad_edge=False, show_header=False, show_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("units", str(head.units))
    if layout.is_map:
        table.add_row("layer", f"{head.layer} (one output per {_where(layout)})")
        table.add_row("output shape", str(rec.output_shape) + " per example")
    table.add_row("activation", head.activation)
    loss = f"{head.loss_class} ({head.loss})"
    if head.from_logits:
        loss += ", from_logits=True"
    table.add_row("loss", loss)
    table.add_row("metrics", ", ".join(m.code("").lstrip(".") for m in rec.metrics))
    if rec.report:
        table.add_row("also report", ", ".join(rec.report))
    table.add_row("predictions", rec.decision_text)
    if rec.class_weight:
        weights = str(rec.class_weight)
        if layout.needs_mapping and layout.classes:
            ids = ", ".join(f"{i} = {c}" for i, c in enumerate(layout.classes[:6]))
            weights += f"  (class ids: {ids}{', ...' if len(layout.classes) > 6 else ''})"
        table.add_row("class_weight", weights)
    if rec.position_weight:
        table.add_row(
            "sample_weight",
            f"per {_where(layout)}, by class: {rec.position_weight} (Keras' class_weight does not "
            "apply to maps)",
        )
    parts.append(table)
    parts.append(_hanging([(Text("  why:", style="dim"), Text(w, style="dim")) for w in rec.why]))
    parts.append(Text())

    parts.append(_section("Keras"))
    parts.append(Text(wrap_call(rec.layer_code()), style="green", no_wrap=True, overflow="ignore"))
    parts.append(Text(rec.compile_code(), style="green"))
    parts.append(Text())

    if rec.alternatives:
        parts.append(_section("Alternatives"))
        rows: list[tuple[Text | str, Text | str]] = []
        for alt in rec.alternatives:
            line = Text()
            line.append(f"{alt.title}: ", style="bold")
            line.append(alt.head.layer_code(), style="green")
            line.append(" + ")
            line.append(alt.head.loss_code(), style="green")
            line.append(f"\n{alt.why}")
            if alt.note:
                line.append(f"\n{alt.note}", style="dim")
            rows.append(("  •", line))
        parts.append(_hanging(rows))
        parts.append(Text())

    bars = _bars(rec)
    if bars is not None:
        label = (
            "Label counts (rows where the label is on)"
            if layout.task.value == "multilabel"
            else "Class counts"
        )
        parts.append(_section(label))
        parts.append(bars)
        parts.append(Text())

    parts.extend(_distribution(rec))

    if rec.diagnostics:
        parts.append(_section("Warnings"))
        parts.append(_hanging([_diagnostic(d) for d in rec.diagnostics]))
    return Group(*parts)


def print_report(renderable: Any, *, width: int | None = None) -> None:
    """Print a report on stdout. In a terminal Rich draws it as is; piped to a file or another
    program it is plain text without the padding Rich adds to fill the width."""
    console = Console(highlight=False, width=width) if width else Console(highlight=False)
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as capture:
        console.print(renderable)
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextmanager
def progress_bar(enabled: bool, label: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """A Rich progress bar on stderr fed by a ``(done, total)`` callback; yields None (no bar)
    when disabled or when stderr is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


# --- outhead check ------------------------------------------------------------------------------

def render_check(report: CheckReport) -> Group:
    """The Rich renderable of ``outhead check``: findings grouped by file, then the summary."""
    parts: list[Any] = []
    for result in report.results:
        title = Text(result.file, style="bold")
        layout = result.layout
        if layout is not None:
            unit = "examples" if layout.is_map else "rows"
            what = f"{layout.task.value}, {layout.kind.value}, {layout.n_rows} {unit}"
            if layout.classes is not None:
                what += f", {plural(len(layout.classes), 'class')}"
            title.append(f"  ({what})", style="dim")
        head = result.head
        if head is not None and head.source not in (None, "command line"):
            title.append(f"  head from {head.source}", style="dim")
        parts.append(title)
        if not result.findings:
            parts.append(Text("  ok", style="green"))
        for f in result.findings:
            line = Text("  ")
            line.append(f"{f.severity:<7}", style=_SEVERITY_STYLE[f.severity])
            line.append(f" {f.code} ", style="bold")
            line.append(f"{f.name}: ", style="dim")
            line.append(f.message)
            parts.append(line)
            if f.fix:
                parts.append(Text(f"          fix: {f.fix}", style="green"))
        parts.append(Text(""))
    parts.append(Text(summary_line(report), style="bold red" if report.failed else "bold green"))
    return Group(*parts)


def print_check(report: CheckReport) -> None:
    """The human output of ``outhead check`` on stdout (soft-wrapped: long fixes stay whole)."""
    console = Console(highlight=False)
    console.soft_wrap = True
    console.print(render_check(report))


def wrap_call(code: str, width: int = 79) -> str:
    """A one-line call as code to paste: as it is when it fits in ``width``, else broken the way
    black breaks it (one argument per line, a long list packed over lines), so that a terminal
    never breaks it mid-argument."""
    return _wrap(code, 0, width)


def _wrap(expr: str, indent: int, width: int) -> str:
    pad = " " * indent
    if indent + len(expr) <= width:
        return pad + expr
    opener = next((i for i, ch in enumerate(expr) if ch in "(["), -1)
    if opener < 0 or expr[-1] not in ")]" or _split_args(expr[opener + 1 : -1]) is None:
        return pad + expr
    head, inner, close = expr[: opener + 1], expr[opener + 1 : -1], expr[-1]
    args = [a for a in _split_args(inner) or [] if a]
    inner_pad = " " * (indent + 4)
    if close == "]" and head == "[":  # a list of numbers: packed, as many per line as fit
        lines, line = [], ""
        for arg in args:
            piece = f"{arg},"
            if line and indent + 4 + len(line) + 1 + len(piece) > width:
                lines.append(inner_pad + line)
                line = piece
            else:
                line = f"{line} {piece}" if line else piece
        lines.append(inner_pad + line)
        return pad + "[\n" + "\n".join(lines) + "\n" + pad + "]"
    if len(args) == 1 and not _is_keyword(args[0]):
        body = _wrap(args[0], indent + 4, width)
        return pad + head + "\n" + body + "\n" + pad + close
    body = "\n".join(_wrap_argument(arg, indent + 4, width) + "," for arg in args)
    return pad + head + "\n" + body + "\n" + pad + close


def _wrap_argument(arg: str, indent: int, width: int) -> str:
    """``key=value`` or ``value`` at ``indent``, the value broken when it does not fit."""
    if indent + len(arg) + 1 <= width or not _is_keyword(arg):
        return _wrap(arg, indent, width - 1)
    key, value = arg.split("=", 1)
    wrapped = _wrap(value, indent, width - 1).lstrip()
    return " " * indent + key + "=" + wrapped


def _is_keyword(arg: str) -> bool:
    name = arg.split("=", 1)[0]
    return "=" in arg and name.isidentifier()


def _split_args(inner: str) -> list[str] | None:
    """The top-level comma-separated parts of ``inner``; None when its brackets do not balance."""
    args, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(inner):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    args.append(inner[start:].strip())
    return args if depth == 0 and not quote else None
