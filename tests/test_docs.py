"""The documentation stays true: every command and option has help, the README shows every
command, and the code passes the linter and the type checker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from outhead.cli import app
from tests.conftest import ROOT

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_commands_exist() -> None:
    assert {"inspect", "scaffold", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help(name: str) -> None:
    command = get_command(app).commands[name]  # type: ignore[attr-defined]
    assert command.help, name
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert param.help, f"{name} {param.opts}"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0


@pytest.mark.parametrize("name", COMMANDS)
def test_readme_shows_every_command(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"outhead {name}" in readme


def test_ruff_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "outhead", "tests", "benchmarks", "sample_data"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_inspect_example_is_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text()
    command = "$ outhead inspect sample_data/noble_gas.csv\n"
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("```", start)]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["inspect", "sample_data/noble_gas.csv", "--width", "100"])
    assert result.exit_code == 0
    assert result.stdout == shown


def test_mypy_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "outhead"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
