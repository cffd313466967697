"""Shared fixtures."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich output in tests is rendered at a fixed width, whatever the terminal.
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="module")
def keras() -> Any:
    """Keras (and TensorFlow under it) for the end-to-end tests, imported once, its import-time
    warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras

    return keras


class _Case(Protocol):
    @property
    def name(self) -> str: ...


C = TypeVar("C", bound=_Case)
R = TypeVar("R")


def case_runs(cases: Sequence[C], run_case: Callable[[C, Path], R]) -> Any:
    """The ``runs`` fixture of an end-to-end module: ``runs(name)`` runs the case of that name
    with ``run_case(case, folder)`` at most once for the whole module, in a fresh folder, and
    the tests share the run.

    Use: ``runs = case_runs(CASES, run_case)`` at module level.
    """

    @pytest.fixture(scope="module", name="runs")
    def runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], R]:
        """Run each case at most once for the whole module; the tests share the runs."""
        done: dict[str, R] = {}

        def get(name: str) -> R:
            if name not in done:
                case = next(c for c in cases if c.name == name)
                done[name] = run_case(case, tmp_path_factory.mktemp(name))
            return done[name]

        return get

    return runs
