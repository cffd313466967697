"""The README section of ``outhead check`` shows real output: every
``$ outhead check ...`` example is run again and must print exactly what the document shows."""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outhead.cli import app
from tests.conftest import ROOT

DOC = ROOT / "README.md"


def examples() -> list[tuple[list[str], str]]:
    """(arguments, expected stdout) of each ``$ outhead check`` line in the console blocks."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.S):
        parts = re.split(r"^\$ ", block, flags=re.M)
        for part in parts[1:]:
            command, _, output = part.partition("\n")
            args = shlex.split(command)
            if args[:2] == ["outhead", "check"]:
                found.append((args[1:], output))
    return found


EXAMPLES = examples()
ON_FILES = [(a, o) for a, o in EXAMPLES if len(a) > 1]
ON_PROJECT = [(a, o) for a, o in EXAMPLES if len(a) == 1]


def test_the_document_has_examples_of_each_kind() -> None:
    assert len(ON_FILES) >= 4 and len(ON_PROJECT) == 1
    formats = {a[a.index("--format") + 1] for a, _ in ON_FILES if "--format" in a}
    assert formats == {"json", "github"}


@pytest.mark.parametrize(("args", "expected"), ON_FILES, ids=[" ".join(a) for a, _ in ON_FILES])
def test_examples_on_sample_data(
    args: list[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, args)
    assert result.stdout == expected


def test_documented_config_matches_the_example(tmp_path: Path) -> None:
    from outhead.check.config import load_config

    toml = re.search(r"```toml\n(.*?)```", DOC.read_text(), flags=re.S)
    assert toml is not None
    (tmp_path / "pyproject.toml").write_text(toml.group(1))
    project = load_config(tmp_path / "pyproject.toml", cwd=tmp_path)
    assert [t.display for t in project.targets] == [
        "sample_data/noble_gas.csv",
        "sample_data/noble_gas_presence.csv",
        "sample_data/engine_health.csv",
    ]


@pytest.mark.slow
def test_project_example_with_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keras = pytest.importorskip("keras")
    toml = re.search(r"```toml\n(.*?)```", DOC.read_text(), flags=re.S)
    assert toml is not None
    (tmp_path / "pyproject.toml").write_text(toml.group(1))
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    (tmp_path / "models").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential(
            [
                keras.Input((8,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(6, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.save(tmp_path / "models" / "gases.keras")
    monkeypatch.chdir(tmp_path)
    ((args, expected),) = ON_PROJECT
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.stdout == expected.split("$ echo")[0]
