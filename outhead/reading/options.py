"""How a target file is read: the options every reader takes, passed whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    """How to read a target file: passed whole from the command line or the configuration to
    the reader (:func:`outhead.reading.scan_target`)."""

    columns: tuple[str, ...] | None = None
    """Target column selectors: names, 0-based indexes or globs; None: every column."""
    key: str | None = None
    """NPZ: the array to read (default: the only one)."""
    header: bool | None = None
    """CSV/TSV: the first line is (True) or is not (False) a header; None detects it."""
    sep: str | None = None
    """The separator inside a cell of label sets (``Kr|Xe``); None detects it."""
    text_profile: bool = False
    """Gather :class:`~outhead.stats.TextStats` for text columns (distinct share, words per
    cell): what tells free text from categories among features; off for targets."""
    per_step: bool = False
    """NPY/NPZ: a 2-D array is (examples, steps) of one label per step, not rows x columns, and
    a 3-D one is (examples, steps, classes) (``--per-step``)."""


def resolve_options(
    options: ReadOptions | None,
    *,
    columns: Sequence[str] | None = None,
    key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
) -> ReadOptions:
    """``options``, or the options made of the fields given one by one (not both).

    Raises:
        TypeError: both were given.
    """
    loose = ReadOptions(
        columns=tuple(columns) if columns else None, key=key, header=header, sep=sep
    )
    if options is None:
        return loose
    if loose != ReadOptions():
        raise TypeError("give the reading options as ReadOptions or one by one, not both")
    return options


Progress = Callable[[int, "int | None"], None]
