"""``outhead check``: the CI gate that fails when a target or an output head is wrong.

Exit codes follow ruff: 0 nothing failing was found, 1 at least one error (or, with
``--strict``, a warning), 2 bad input, bad options or an internal error (never 1).
TensorFlow is imported only with ``--model``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from outhead.commands.common import (
    ColumnOpt,
    HeaderOpt,
    JsonOpt,
    KeyOpt,
    OutputFormat,
    SepOpt,
    TaskChoice,
    handle_errors,
    print_json,
    stdout_console,
)

if TYPE_CHECKING:
    from outhead.checking import DeclaredHead, Finding, Report, TargetSpec


def check(
    target: Annotated[
        str | None,
        typer.Argument(
            help="Target file (CSV, TSV, NPY, NPZ, Parquet; '-' for CSV on stdin). Without it, "
            "the targets of the project configuration are checked ([tool.outhead] in "
            "pyproject.toml or outhead.toml, searched upward from the current directory).",
            show_default=False,
        ),
    ] = None,
    expect: Annotated[
        TaskChoice | None,
        typer.Option("--expect", help="The task the target must read as.", case_sensitive=False),
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option(
            "--classes",
            help="The classes the target must have: a count (6) or comma-separated names "
            "(He,Ne,Ar,Kr,Xe,Rn). A missing or an extra class fails the check.",
        ),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="Missing target values are a note, not an error."),
    ] = False,
    max_imbalance: Annotated[
        float | None,
        typer.Option(
            "--max-imbalance",
            min=1.0,
            help="Fail when the largest class has more than this many times the rows of the "
            "smallest (e.g. 20).",
        ),
    ] = None,
    units: Annotated[
        int | None, typer.Option("--units", min=1, help="Declared head: units of the last layer.")
    ] = None,
    activation: Annotated[
        str | None,
        typer.Option(
            "--activation",
            help="Declared head: activation of the last layer (linear, sigmoid, softmax...; "
            "unset: unknown, the rules that need it are skipped).",
        ),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(
            "--loss",
            help="Declared head: the loss, as a Keras string id or class "
            "(sparse_categorical_crossentropy, BinaryCrossentropy...).",
        ),
    ] = None,
    from_logits: Annotated[
        bool, typer.Option("--from-logits", help="Declared head: the loss has from_logits=True.")
    ] = False,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help="Declared head: a compiled metric ('accuracy', 'F1Score(threshold=0.5)'). "
            "Repeat for several.",
            show_default=False,
        ),
    ] = None,
    class_weight: Annotated[
        bool,
        typer.Option("--class-weight", help="Declared head: model.fit is given class_weight."),
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="A saved Keras model (.keras) whose output layer and compiled loss and metrics "
            "are checked against the target (loaded in safe mode; needs outhead[tf]).",
            show_default=False,
        ),
    ] = None,
    column: ColumnOpt = None,
    key: KeyOpt = None,
    header: HeaderOpt = None,
    sep: SepOpt = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="human (Rich list on stdout), json (one JSON document) or github (workflow "
            "annotations, one per finding).",
        ),
    ] = OutputFormat.human,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings fail the check too (exit 1).")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Project configuration to check (pyproject.toml with [tool.outhead], or "
            "outhead.toml) instead of searching for one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a target (and a declared head or saved model) and fail the build when it is wrong.

    Every finding has a stable code (OH101...), a severity, the reason and the exact Keras fix.
    Exit codes: 0 no error (warnings and notes pass unless --strict), 1 at least one error (or
    warning with --strict), 2 bad input, bad options or an internal error.
    """
    json_out = as_json or output_format == OutputFormat.json
    fmt = OutputFormat.json if json_out else output_format
    with handle_errors(as_json=json_out), _annotate_errors(fmt == OutputFormat.github):
        from outhead.checking import check_project, check_targets

        if target is not None:
            if config is not None:
                _usage("give a TARGET or --config, not both")
            spec = _spec_from_options(
                target,
                expect=expect,
                classes=classes,
                allow_missing=allow_missing,
                max_imbalance=max_imbalance,
                head=_head_from_options(units, activation, loss, from_logits, metric, class_weight),
                model=model,
                column=column,
                key=key,
                header=header,
                sep=sep,
            )
            report = check_targets([spec], strict=strict)
        else:
            given = _given_target_options(
                expect, classes, allow_missing, max_imbalance, units, activation, loss,
                from_logits, metric, class_weight, model, column, key, header, sep,
            )  # fmt: skip
            if given:
                _usage(f"{given} needs a TARGET (the project configuration checks its own targets)")
            report = check_project(config, strict=strict)
        _render(report, fmt)
    raise typer.Exit(report.return_code)


@contextmanager
def _annotate_errors(github: bool) -> Iterator[None]:
    """With ``--format github``, bad input becomes one ``::error`` annotation on stdout too.

    The error then goes on to :func:`handle_errors`, which prints the usual line on stderr and
    exits 2 (so a workflow shows why the step failed in its annotations, not only in the log).
    """
    from outhead.errors import OutheadError

    try:
        yield
    except (typer.Exit, KeyboardInterrupt):
        raise
    except OutheadError as exc:
        if github:
            sys.stdout.write(error_annotation(exc.message, exc.path) + "\n")
            sys.stdout.flush()
        raise
    except Exception as exc:
        if github:
            message = f"internal error: {type(exc).__name__}: {exc}"
            sys.stdout.write(error_annotation(message, None) + "\n")
            sys.stdout.flush()
        raise


def _usage(message: str) -> None:
    from outhead.errors import UsageError

    raise UsageError(message)


def _given_target_options(*values: Any) -> str | None:
    names = (
        "--expect", "--classes", "--allow-missing", "--max-imbalance", "--units",
        "--activation", "--loss", "--from-logits", "--metric", "--class-weight", "--model",
        "--column", "--key", "--header", "--sep",
    )  # fmt: skip
    for name, value in zip(names, values, strict=True):
        if value not in (None, False, []):
            return name
    return None


def parse_classes(text: str | None) -> int | tuple[str, ...] | None:
    """``--classes``: a count (``6``) or comma-separated names (``He,Ne,Ar``).

    Raises:
        UsageError: an empty name, a repeated name, or a count below 1.
    """
    from outhead.errors import UsageError

    if text is None:
        return None
    text = text.strip()
    if text.isdigit():
        count = int(text)
        if count < 1:
            raise UsageError(f"--classes {text}: expected at least 1 class")
        return count
    names = tuple(n.strip() for n in text.split(","))
    if not names or any(not n for n in names):
        raise UsageError(f"--classes {text!r}: expected a count or comma-separated class names")
    if len(set(names)) != len(names):
        raise UsageError(f"--classes {text!r}: a class name repeats")
    return names


def _head_from_options(
    units: int | None,
    activation: str | None,
    loss: str | None,
    from_logits: bool,
    metrics: list[str] | None,
    class_weight: bool,
) -> DeclaredHead | None:
    from outhead.checking import DeclaredHead, validate_head_names

    if (
        units is None
        and activation is None
        and loss is None
        and not from_logits
        and not (metrics or class_weight)
    ):
        return None
    head = DeclaredHead(
        units=units,
        activation=activation,
        loss=loss,
        from_logits=from_logits,
        metrics=tuple(metrics or ()),
        class_weight=class_weight,
        source="command line",
    )
    # An unknown name is bad input (exit 2), not a head that passes: Keras would refuse it.
    validate_head_names(
        head, {"loss": "--loss", "activation": "--activation", "metrics": "--metric"}
    )
    return head


def _spec_from_options(
    target: str,
    *,
    expect: TaskChoice | None,
    classes: str | None,
    allow_missing: bool,
    max_imbalance: float | None,
    head: DeclaredHead | None,
    model: Path | None,
    column: list[str] | None,
    key: str | None,
    header: bool | None,
    sep: str | None,
) -> TargetSpec:
    from outhead.checking import Expectation, ReadOptions, TargetSpec
    from outhead.layout import Task

    return TargetSpec(
        path=target,
        read=ReadOptions(
            columns=tuple(column) if column else None, key=key, header=header, sep=sep
        ),
        expect=Expectation(
            task=Task(expect.value) if expect is not None else None,
            classes=parse_classes(classes),
            allow_missing=allow_missing,
            max_imbalance=max_imbalance,
        ),
        head=head,
        model=str(model) if model is not None else None,
        display=target,
        origin="command line",
    )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith('s') else 's'}"


def summary_line(report: Report) -> str:
    """``Found 2 errors, 1 warning and 0 notes in 3 files (exit 1).`` or ``All checks passed``."""
    s = report.summary()
    files = _plural(s["files"], "file")
    if not report.findings:
        return f"All checks passed: {files}, no findings."
    counts = (
        f"{_plural(s['errors'], 'error')}, {_plural(s['warnings'], 'warning')} and "
        f"{_plural(s['notes'], 'note')}"
    )
    verdict = "failed" if report.failed else "passed"
    strict = " (--strict: warnings fail)" if report.strict else ""
    return f"Check {verdict}{strict}: {counts} in {files}."


def render_human(report: Report) -> Any:
    """The Rich renderable of the human output: findings grouped by file, then the summary."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = []
    for result in report.results:
        title = Text(result.file, style="bold")
        layout = result.layout
        if layout is not None:
            what = f"{layout.task.value}, {layout.kind.value}, {layout.n_rows} rows"
            if layout.classes is not None:
                what += f", {_plural(len(layout.classes), 'class')}"
            title.append(f"  ({what})", style="dim")
        head = result.head
        if head is not None and head.source not in (None, "command line"):
            title.append(f"  head from {head.source}", style="dim")
        parts.append(title)
        if not result.findings:
            parts.append(Text("  ok", style="green"))
        for f in result.findings:
            line = Text("  ")
            line.append(f"{f.severity:<7}", style=_STYLE[f.severity])
            line.append(f" {f.code} ", style="bold")
            line.append(f"{f.name}: ", style="dim")
            line.append(f.message)
            parts.append(line)
            if f.fix:
                parts.append(Text(f"          fix: {f.fix}", style="green"))
        parts.append(Text(""))
    parts.append(Text(summary_line(report), style="bold red" if report.failed else "bold green"))
    return Group(*parts)


def escape_data(text: str) -> str:
    """Escape a workflow-command message (``%``, ``\\r``, ``\\n``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def annotation_path(path: str, *, workspace: str | None = None, cwd: str | None = None) -> str:
    """A path as GitHub maps annotations to files: relative to the repository root.

    ``GITHUB_WORKSPACE`` (the checkout) is the root when it is set and holds the file, so a run
    from a subdirectory gives ``data/y.csv``, not ``../../data/y.csv``; otherwise the path stays
    as shown (relative to the current directory when below it).
    """
    import os

    root = workspace if workspace is not None else os.environ.get("GITHUB_WORKSPACE")
    if not root or path == "-":
        return path
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.normpath(os.path.join(base, path))
    root = os.path.normpath(os.path.abspath(root))
    if full == root or not full.startswith(root.rstrip(os.sep) + os.sep):
        return path
    return os.path.relpath(full, root).replace(os.sep, "/")


def error_annotation(message: str, path: str | None) -> str:
    """Bad input as one annotation: ``::error file=y.csv,title=outhead check::message``."""
    props = []
    if path and path != "-":
        props.append(f"file={escape_property(annotation_path(path))}")
    props.append(f"title={escape_property('outhead check')}")
    return f"::error {','.join(props)}::{escape_data(message)}"


def github_line(finding: Finding) -> str:
    """One GitHub Actions annotation: ``::error file=y.csv,title=OH203 ...::message``."""
    props = []
    if finding.file and finding.file != "-":
        props.append(f"file={escape_property(annotation_path(finding.file))}")
    props.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
    message = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    return f"::{_GITHUB_LEVEL[finding.severity]} {','.join(props)}::{escape_data(message)}"


def _render(report: Report, fmt: OutputFormat) -> None:
    if fmt == OutputFormat.json:
        print_json(report.to_dict())
    elif fmt == OutputFormat.github:
        for finding in report.findings:
            sys.stdout.write(github_line(finding) + "\n")
        sys.stdout.flush()
        sys.stderr.write(summary_line(report) + "\n")
    else:
        console = stdout_console()
        console.soft_wrap = True
        console.print(render_human(report))
