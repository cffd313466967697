"""The ``outhead`` command line: a thin layer over the core.

Heavy modules (numpy, pyarrow, pandas, tensorflow) are never imported here: each command imports
what it needs when it runs, so ``outhead --help`` starts in a blink.
"""

from __future__ import annotations

import typer

from outhead._version import __version__

app = typer.Typer(
    name="outhead",
    help="Read a target file, infer its layout, and get the output layer right: units, "
    "activation, loss and metrics for Keras.\n\n"
    "Exit codes: 0 success, 1 a check failed, 2 bad input or options.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"outhead {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """Root options."""


def _register() -> None:
    # Imported here so the command modules can stay import-light themselves.
    from outhead.commands import check_cmd, inspect_cmd, scaffold_cmd

    app.command("inspect")(inspect_cmd.inspect)
    app.command("scaffold")(scaffold_cmd.scaffold)
    app.command("check")(check_cmd.check)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
