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
    PerStepOpt,
    SepOpt,
    TaskChoice,
    handle_errors,
    print_json,
)

if TYPE_CHECKING:
    from outhead.check.model import DeclaredHead, Report, TargetSpec


_TargetOpt = Annotated[
    str | None,
    typer.Argument(
        help="Target file (CSV, TSV, NPY, NPZ, Parquet; '-' for CSV on stdin). Without it, "
        "the targets of the project configuration are checked ([tool.outhead] in "
        "pyproject.toml or outhead.toml, searched upward from the current directory).",
        show_default=False,
    ),
]
_ExpectOpt = Annotated[
    TaskChoice | None,
    typer.Option("--expect", help="The task the target must read as.", case_sensitive=False),
]
_ClassesOpt = Annotated[
    str | None,
    typer.Option(
        "--classes",
        help="The classes the target must have: a count (6) or comma-separated names "
        "(He,Ne,Ar,Kr,Xe,Rn). A missing or an extra class fails the check.",
    ),
]
_AllowMissingOpt = Annotated[
    bool,
    typer.Option("--allow-missing", help="Missing target values are a note, not an error."),
]
_MaxImbalanceOpt = Annotated[
    float | None,
    typer.Option(
        "--max-imbalance",
        min=1.0,
        help="Fail when the largest class has more than this many times the rows of the "
        "smallest (e.g. 20).",
    ),
]
_UnitsOpt = Annotated[
    int | None, typer.Option("--units", min=1, help="Declared head: units of the last layer.")
]
_ActivationOpt = Annotated[
    str | None,
    typer.Option(
        "--activation",
        help="Declared head: activation of the last layer (linear, sigmoid, softmax...; "
        "unset: unknown, the rules that need it are skipped).",
    ),
]
_LossOpt = Annotated[
    str | None,
    typer.Option(
        "--loss",
        help="Declared head: the loss, as a Keras string id or class "
        "(sparse_categorical_crossentropy, BinaryCrossentropy...).",
    ),
]
_FromLogitsOpt = Annotated[
    bool, typer.Option("--from-logits", help="Declared head: the loss has from_logits=True.")
]
_MetricOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metric",
        help="Declared head: a compiled metric ('accuracy', 'F1Score(threshold=0.5)'). "
        "Repeat for several.",
        show_default=False,
    ),
]
_ClassWeightOpt = Annotated[
    bool,
    typer.Option("--class-weight", help="Declared head: model.fit is given class_weight."),
]
_ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A saved Keras model (.keras) whose output layer and compiled loss and metrics "
        "are checked against the target (loaded in safe mode; needs outhead[tf]).",
        show_default=False,
    ),
]
_OutputFormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="human (Rich list on stdout), json (one JSON document) or github (workflow "
        "annotations, one per finding).",
    ),
]
_StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail the check too (exit 1).")]
_ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Project configuration to check (pyproject.toml with [tool.outhead], or "
        "outhead.toml) instead of searching for one.",
        show_default=False,
    ),
]


def check(
    target: _TargetOpt = None,
    expect: _ExpectOpt = None,
    classes: _ClassesOpt = None,
    allow_missing: _AllowMissingOpt = False,
    max_imbalance: _MaxImbalanceOpt = None,
    units: _UnitsOpt = None,
    activation: _ActivationOpt = None,
    loss: _LossOpt = None,
    from_logits: _FromLogitsOpt = False,
    metric: _MetricOpt = None,
    class_weight: _ClassWeightOpt = False,
    model: _ModelOpt = None,
    column: ColumnOpt = None,
    key: KeyOpt = None,
    header: HeaderOpt = None,
    sep: SepOpt = None,
    per_step: PerStepOpt = False,
    output_format: _OutputFormatOpt = OutputFormat.human,
    as_json: JsonOpt = False,
    strict: _StrictOpt = False,
    config: _ConfigOpt = None,
) -> None:
    """Check a target (and a declared head or saved model) and fail the build when it is wrong.

    Every finding has a stable code (OH101...), a severity, the reason and the exact Keras fix.
    Exit codes: 0 no error (warnings and notes pass unless --strict), 1 at least one error (or
    warning with --strict), 2 bad input, bad options or an internal error.
    """
    json_out = as_json or output_format == OutputFormat.json
    fmt = OutputFormat.json if json_out else output_format
    with handle_errors(as_json=json_out), _annotate_errors(fmt == OutputFormat.github):
        from outhead.check import run

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
                per_step=per_step,
            )
            report = run.check_targets([spec], strict=strict)
        else:
            given = _given_target_options(
                expect, classes, allow_missing, max_imbalance, units, activation, loss,
                from_logits, metric, class_weight, model, column, key, header, sep,
                per_step or None,
            )  # fmt: skip
            if given:
                _usage(f"{given} needs a TARGET (the project configuration checks its own targets)")
            report = run.check_project(config, strict=strict)
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
            _print_error_annotation(exc.message, exc.path)
        raise
    except Exception as exc:
        if github:
            _print_error_annotation(f"internal error: {type(exc).__name__}: {exc}", None)
        raise


def _print_error_annotation(message: str, path: str | None) -> None:
    from outhead.output.github import error_annotation

    sys.stdout.write(error_annotation(message, path) + "\n")
    sys.stdout.flush()


def _usage(message: str) -> None:
    from outhead.errors import UsageError

    raise UsageError(message)


def _given_target_options(*values: Any) -> str | None:
    names = (
        "--expect", "--classes", "--allow-missing", "--max-imbalance", "--units",
        "--activation", "--loss", "--from-logits", "--metric", "--class-weight", "--model",
        "--column", "--key", "--header", "--sep", "--per-step",
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
    from outhead.check.keras_names import validate_head_names
    from outhead.check.model import DeclaredHead

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
    per_step: bool = False,
) -> TargetSpec:
    from outhead.check.model import Expectation, ReadOptions, TargetSpec
    from outhead.layout import Task

    return TargetSpec(
        path=target,
        read=ReadOptions(
            columns=tuple(column) if column else None, key=key, header=header, sep=sep,
            per_step=per_step,
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


def _render(report: Report, fmt: OutputFormat) -> None:
    if fmt == OutputFormat.json:
        print_json(report.to_dict())
    elif fmt == OutputFormat.github:
        from outhead.output.github import print_annotations

        print_annotations(report)
    else:
        from outhead.output.human import print_check

        print_check(report)
