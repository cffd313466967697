"""sample_data/: reproducible from its generator, documented, and every target scaffolds."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from outhead.scaffold import scaffold_script
from tests.conftest import SAMPLE_DATA

README = (SAMPLE_DATA / "README.md").read_text(encoding="utf-8")
DATA_FILES = sorted(
    p.name for p in SAMPLE_DATA.iterdir() if p.suffix in (".csv", ".npy", ".parquet")
)
# "| `target`, `target2` | layout | `features`, `features2` | notes |" rows of the README table.
ROWS = [
    (re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[2]))
    for line in README.splitlines()
    if line.startswith("| `")
    for cells in [re.split(r"(?<!\\)\|", line.strip("|"))]
]
# The target column of each one-table sample.
TABLE_TARGETS = {"machines_table.csv": "failed", "reviews_table.csv": "sentiment"}
PAIRS = [
    (target, features[min(i, len(features) - 1)] if features else None)
    for targets, features in ROWS
    for i, target in enumerate(targets)
]


def test_generator_reproduces_the_files_byte_for_byte(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SAMPLE_DATA / "make_samples.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == DATA_FILES
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DATA / name).read_bytes(), name


def test_every_file_is_in_the_readme() -> None:
    listed = {name for targets, features in ROWS for name in (*targets, *features)}
    assert set(DATA_FILES) == listed


def test_sample_data_stays_small() -> None:
    assert sum(p.stat().st_size for p in SAMPLE_DATA.iterdir()) < 2_000_000


@pytest.mark.parametrize(("target", "features"), PAIRS, ids=[t for t, _ in PAIRS])
def test_every_target_scaffolds(target: str, features: str | None) -> None:
    result = scaffold_script(
        str(SAMPLE_DATA / target),
        features_path=str(SAMPLE_DATA / features) if features else None,
        target_columns=None if features else [TABLE_TARGETS[target]],
    )
    ast.parse(result.script)
    assert result.plan.units == result.recommendation.head.units
