"""``outhead inspect`` (being written)."""

from __future__ import annotations


def inspect() -> None:
    """Infer the layout of a target file and recommend the output layer."""
    raise NotImplementedError
