"""What the commands share: options, the one place errors become exit codes, stream handling.

Streams: with JSON (or GitHub) output, stdout carries exactly one document; everything else
(status lines, progress, warnings) goes to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import typer

from outhead.output.json_doc import print_json

#: Bad input, bad options or an internal error (1 is reserved for a failed check).
EXIT_BAD_INPUT = 2


class ReportFormat(str, Enum):
    """Output formats of ``inspect`` and ``scaffold``'s reports."""

    human = "human"
    json = "json"


class OutputFormat(str, Enum):
    """Output formats of ``check``, which adds GitHub workflow annotations."""

    human = "human"
    json = "json"
    github = "github"


class TaskChoice(str, Enum):
    """Values of ``--task``."""

    regression = "regression"
    bounded_regression = "bounded-regression"
    binary = "binary"
    multiclass = "multiclass"
    multilabel = "multilabel"


ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        "-c",
        metavar="COLUMN",
        help="Target column: a name, a 0-based index or a glob such as 'label_*'. Repeat for "
        "several (one-hot, multi-hot, several regression targets); columns of mixed kinds are "
        "several outputs, one head each. Default: every column.",
        show_default=False,
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="KEY", help="NPZ: the array to read (default: the only one)."),
]
HeaderOpt = Annotated[
    bool | None,
    typer.Option(
        "--header/--no-header",
        help="CSV/TSV: the first line is (or is not) a header. Default: detected.",
        show_default=False,
    ),
]
SepOpt = Annotated[
    str | None,
    typer.Option(
        "--sep",
        metavar="SEP",
        help="Separator inside a cell that holds a set of labels ('Kr|Xe'). Default: detected "
        "when unambiguous.",
    ),
]
TaskOpt = Annotated[
    TaskChoice | None,
    typer.Option(
        "--task",
        metavar="TASK",
        help="Force the task when you know better than the data (regression, "
        "bounded-regression, binary, multiclass, multilabel); outhead warns where the data "
        "disagrees.",
        case_sensitive=False,
    ),
]
PerStepOpt = Annotated[
    bool,
    typer.Option(
        "--per-step",
        help="NPY/NPZ: read a 2-D array as (examples, steps) with one class id per step (3-D: "
        "(examples, steps, classes)), not as rows x columns.",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Shorthand for --format json.", show_default=False)
]


@contextmanager
def column_hint(hint: str) -> Iterator[None]:
    """An error whose way out is to choose other target columns gets this command's words for
    it (``--column`` for inspect; scaffold and the configuration have their own)."""
    from outhead.errors import OutheadError

    try:
        yield
    except OutheadError as exc:
        if exc.choose_columns:
            exc.add_hint(hint)
        raise


@contextmanager
def handle_errors(*, as_json: bool) -> Iterator[None]:
    """Turn :class:`~outhead.errors.OutheadError` into a one-line message and exit code 2.

    Anything else is a bug: it is reported as an internal error with exit code 2 (never 1, which
    CI reads as "a check failed"). ``OUTHEAD_DEBUG=1`` re-raises it with the traceback.
    """
    import os

    from outhead.errors import OutheadError

    try:
        yield
    except typer.Exit:
        raise
    except OutheadError as exc:
        if as_json:
            print_json({"error": exc.to_dict()})
        else:
            sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("OUTHEAD_DEBUG"):
            raise
        message = (
            f"internal error: {type(exc).__name__}: {exc} "
            "(set OUTHEAD_DEBUG=1 for a traceback)"
        )
        if as_json:
            print_json({"error": {"type": "internal-error", "file": None, "message": message}})
        else:
            sys.stderr.write(f"error: {message}\n")
        raise typer.Exit(EXIT_BAD_INPUT) from None
