"""The scaffold core: from a target (and its features) to the text of a training script.

:func:`scaffold_script` reads the target the way ``outhead inspect`` does, works out where the
features are (a separate file, or the other columns of the target's table) and renders the
script with :func:`outhead.render.render_script`. No printing: the notes it returns are for the
CLI to show. Neither TensorFlow nor pandas is imported on this path.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outhead.errors import ColumnError, FormatError, InputError, UsageError
from outhead.layout import Task
from outhead.recommend import Recommendation
from outhead.render import FeatureSpec, HeadPlan, ScaffoldOptions, plan_head, render_script
from outhead.stats import Format, Source

#: First-column names that mean "row index", not a feature (R's rownames, pandas' saved index).
_ROW_INDEX = re.compile(r"(|rownames|row\.names|row_?id|row|index|id|unnamed: ?0)")
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_SUFFIX_FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class ScaffoldResult:
    """The rendered script and what the CLI should say about it."""

    script: str
    recommendation: Recommendation
    plan: HeadPlan
    """The head the script builds (the recommendation after ``--two-node``/``--from-logits``)."""
    target: Source
    features: FeatureSpec
    notes: tuple[str, ...]
    """Remarks for stderr (a row index left out), one sentence each."""


def scaffold_script(
    target_path: str,
    *,
    target_columns: Sequence[str] | None = None,
    features_path: str | None = None,
    drop: Sequence[str] = (),
    key: str | None = None,
    features_key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    task: str | None = None,
    options: ScaffoldOptions | None = None,
) -> ScaffoldResult:
    """Recommend the head for a target and render the script that trains it.

    Args:
        target_path: the target file, or the table holding target and features.
        target_columns: the target columns (``--target``); all columns when None, which only
            makes sense with a separate features file.
        features_path: the features file, rows aligned with the target; None to take the
            features from the target's own table (every column that is not a target).
        drop: table columns that are not features (IDs).
        key, header, sep, task: the reading and inference options of ``outhead inspect``.
        features_key: NPZ features: the array to read.
        options: training options for the script.

    Returns:
        The script, the recommendation and sources it was rendered from, and notes.

    Raises:
        UsageError: contradictory options, or no feature columns left.
        ColumnError: a ``--drop`` column that is not in the table.
        InputError, FormatError: the features file cannot be read.
        OutheadError: anything ``outhead inspect`` refuses.
    """
    if features_path is None and not target_columns:
        raise UsageError(
            "say where the features are: --features FILE, or --target COLUMN to take them from "
            "the other columns of the same table"
        )
    if features_path is not None and drop:
        raise UsageError("--drop applies to the target's table; with --features, edit that file")
    recommendation, source = inspect_for_scaffold(
        target_path, columns=target_columns, key=key, header=header, sep=sep, task=task
    )
    notes: list[str] = []
    if features_path is None:
        features = table_features(source, drop, notes)
    else:
        features = FeatureSpec(describe_feature_file(features_path, key=features_key))
    options = options or ScaffoldOptions()
    script = render_script(recommendation, target_source=source, features=features, options=options)
    plan = plan_head(recommendation, options)
    return ScaffoldResult(script, recommendation, plan, source, features, tuple(notes))


def inspect_for_scaffold(
    path: str,
    *,
    columns: Sequence[str] | None,
    key: str | None,
    header: bool | None,
    sep: str | None,
    task: str | None,
) -> tuple[Recommendation, Source]:
    """Run ``outhead inspect``'s core and return the recommendation with the target's source.

    Raises:
        OutheadError: whatever inspect refuses (missing file, a single value...).
    """
    from outhead.api import inspect_target  # type: ignore[attr-defined]

    result: Any = inspect_target(
        path,
        columns=list(columns) if columns else None,
        key=key,
        header=header,
        sep=sep,
        task=Task(task) if task else None,
    )
    recommendation: Recommendation = (
        result if isinstance(result, Recommendation) else result.recommendation
    )
    source = getattr(result, "source", None)
    if source is None and recommendation.layout.stats is not None:
        source = recommendation.layout.stats.source
    if source is None:  # pragma: no cover - the inspect contract always carries it
        raise UsageError(f"{path}: inspect did not say how the target was read")
    return recommendation, source


def table_features(source: Source, drop: Sequence[str], notes: list[str]) -> FeatureSpec:
    """The feature columns of a table: every column but the targets, ``drop`` and a row index.

    Args:
        source: how the table was read (``all_columns``, and the target ``columns``).
        drop: columns to leave out.
        notes: receives a sentence when an obvious row index is left out.

    Raises:
        ColumnError: a ``drop`` column is not in the table.
        UsageError: no feature column is left.
    """
    missing = [name for name in drop if name not in source.all_columns]
    if missing:
        raise ColumnError(
            f"--drop column {missing[0]!r} not found; columns are: {', '.join(source.all_columns)}",
            path=source.path,
        )
    dropped = list(drop)
    columns = [c for c in source.all_columns if c not in source.columns and c not in drop]
    first = source.all_columns[0] if source.all_columns else None
    if first in columns and first is not None and _ROW_INDEX.fullmatch(first.strip().lower()):
        columns.remove(first)
        dropped.append(first)
        notes.append(
            f"left out column {first!r}: it looks like a row index, not a feature "
            "(--drop chooses columns yourself)"
        )
    if not columns:
        raise UsageError(
            "no feature columns left: the table holds only the target", path=source.path
        )
    return FeatureSpec(source, tuple(columns), in_target_file=True, dropped=tuple(dropped))


def describe_feature_file(path: str, *, key: str | None = None) -> Source:
    """How to read a features file: its format, delimiter, header and columns.

    Only the start of a text file is read (the script reads the rest); binary formats are read
    for their shape or schema only.

    Args:
        path: the features file.
        key: NPZ: the array to read (default: the only one).

    Returns:
        A :class:`Source` whose ``columns`` and ``all_columns`` are every column of the file.

    Raises:
        InputError: the file does not exist or is not a file.
        FormatError: an unknown extension or unreadable contents.
        UsageError: an NPZ with several arrays and no ``key``, or a ``key`` it lacks.
    """
    if path == "-":
        raise UsageError("the features must be a file the script can read again, not '-'")
    file = Path(path)
    if not file.is_file():
        raise InputError("no such file" if not file.exists() else "not a file", path=path)
    fmt = _SUFFIX_FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise FormatError(
            f"unknown features format {file.suffix or '(no extension)'!r}; "
            "use .csv, .tsv, .npy, .npz or .parquet",
            path=path,
        )
    if fmt in ("csv", "tsv"):
        return _describe_text(path, fmt)
    if fmt == "parquet":
        return _describe_parquet(path)
    return _describe_array(path, fmt, key)


def _describe_text(path: str, fmt: Format) -> Source:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(_SNIFF_BYTES)
    except UnicodeDecodeError:
        raise FormatError("not a UTF-8 text file", path=path) from None
    lines = [line for line in sample.splitlines() if line.strip()]
    if len(sample) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    if not lines:
        raise FormatError("the features file is empty", path=path)
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(lines[:20])
    rows = list(csv.reader(lines[:2], delimiter=delimiter, skipinitialspace=True))
    header = not any(_is_number(cell) for cell in rows[0])
    width = len(rows[0])
    columns = (
        tuple(cell.strip() for cell in rows[0]) if header else tuple(str(i) for i in range(width))
    )
    return Source(
        path=path,
        format=fmt,
        columns=columns,
        all_columns=columns,
        header=header,
        delimiter=delimiter,
    )


def _sniff_delimiter(lines: list[str]) -> str:
    """The candidate found the same (non-zero) number of times on every line, most often."""
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        counts = {len(next(csv.reader([line], delimiter=delimiter))) - 1 for line in lines}
        if len(counts) == 1 and (count := counts.pop()) > best_count:
            best, best_count = delimiter, count
    return best


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _describe_parquet(path: str) -> Source:
    import pyarrow.parquet as pq

    try:
        names = tuple(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise FormatError(f"not a readable Parquet file ({exc})", path=path) from None
    names = tuple(n for n in names if n != "__index_level_0__")
    return Source(path=path, format="parquet", columns=names, all_columns=names)


def _describe_array(path: str, fmt: Format, key: str | None) -> Source:
    import numpy as np

    try:
        if fmt == "npy":
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.files)
                if key is None and len(names) == 1:
                    key = names[0]
                if key not in names:
                    raise UsageError(
                        f"the features archive holds {', '.join(names) or 'no arrays'}; "
                        "choose one with --features-key",
                        path=path,
                    )
                array = archive[key]
    except (ValueError, OSError) as exc:
        raise FormatError(f"not a readable {fmt} file ({exc})", path=path) from None
    if array.ndim not in (1, 2):
        raise FormatError(f"features must be 1-D or 2-D, got shape {array.shape}", path=path)
    width = 1 if array.ndim == 1 else array.shape[1]
    columns = tuple(str(i) for i in range(width))
    return Source(path=path, format=fmt, columns=columns, all_columns=columns, key=key)
