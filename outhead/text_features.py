"""Free text among the features: which text columns are sentences, not categories.

A text column whose values are mostly distinct and several words long (reviews, titles,
descriptions) is free text: one-hot encoding its values would learn nothing (almost every
value is seen once), so the script reads it as words instead (``TextVectorization``, a bag of
words). Everything else that is text stays categorical. :func:`is_free_text` is the rule,
:func:`text_plan` applies it to the feature columns of a scaffold, with ``--text`` and
``--categorical`` overriding it. Neither pandas nor TensorFlow is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from outhead.errors import ColumnError, UsageError
from outhead.stats import ColumnStats, Source, TextStats

#: A text column is free text when at least this share of its present cells are distinct ...
TEXT_MIN_DISTINCT_SHARE = 0.5
#: ... and its cells are this many words long or more (the median, split at whitespace).
#: Categories are a word or two ("New York", "bachelor's degree"), rarely four.
TEXT_MIN_MEDIAN_WORDS = 4


@dataclass(frozen=True)
class TextPlan:
    """How the script reads the text feature columns (in the features' column order)."""

    text: tuple[str, ...] = ()
    """Columns read as free text (a bag of words)."""
    categorical: tuple[str, ...] = ()
    """Columns read as categories because ``--categorical`` said so (numbers included)."""
    evidence: tuple[str, ...] = ()
    """One sentence per text column, and per override, for the script's header and the notes."""


def is_free_text(text: TextStats) -> bool:
    """The rule: mostly distinct values (:data:`TEXT_MIN_DISTINCT_SHARE`) that are several words
    long (:data:`TEXT_MIN_MEDIAN_WORDS`)."""
    return (
        text.n_present > 0
        and text.distinct_share >= TEXT_MIN_DISTINCT_SHARE
        and text.median_words >= TEXT_MIN_MEDIAN_WORDS
    )


def describe_text(name: str, text: TextStats) -> str:
    """The facts behind the decision: ``12,034 distinct values over 19,333 rows, median 18
    words``."""
    about = "" if text.exact else "about "
    median = text.median_words
    words = f"{median:g} word" + ("" if median == 1 else "s")
    return (
        f"{about}{text.n_distinct:,} distinct values over {text.n_present:,} rows, "
        f"median {words}"
    )


def text_plan(
    columns: Sequence[str],
    stats: Sequence[ColumnStats],
    *,
    text: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> TextPlan:
    """Decide which feature columns are free text.

    Args:
        columns: the feature columns, in order.
        stats: the statistics of the text columns among them, and of every ``text`` column.
        text: ``--text`` columns: free text whatever the rule says.
        categorical: ``--categorical`` columns: categories whatever the rule says (a numeric
            column too: zip codes, product ids).

    Returns:
        The plan, with one evidence sentence per text column and per override.

    Raises:
        UsageError: a column is in both ``text`` and ``categorical``, or a ``text`` column
            holds numbers.
    """
    both = [name for name in text if name in categorical]
    if both:
        raise UsageError(f"column {both[0]!r} is given to both --text and --categorical")
    by_name = {c.name: c for c in stats}
    chosen: list[str] = []
    forced: list[str] = []
    evidence: list[str] = []
    for name in columns:
        column = by_name.get(name)
        if name in categorical:
            forced.append(name)
            evidence.append(f"column {name!r} read as categories (--categorical)")
            continue
        if column is None or column.text is None:
            if name in text:
                kind = column.type if column is not None else "numbers"
                raise UsageError(
                    f"--text column {name!r} holds {_kind_words(kind)}, not text; "
                    "--text applies to columns of words"
                )
            continue
        facts = describe_text(name, column.text)
        if name in text:
            chosen.append(name)
            evidence.append(f"column {name!r} read as free text (--text): {facts}")
        elif is_free_text(column.text):
            chosen.append(name)
            evidence.append(
                f"column {name!r} read as free text: {facts} "
                f"(--categorical {name} reads it as categories)"
            )
    return TextPlan(tuple(chosen), tuple(forced), tuple(evidence))


def _kind_words(kind: str) -> str:
    return {"integer": "whole numbers", "float": "numbers", "bool": "booleans"}.get(
        kind, "no values"
    )


def check_override_columns(
    features: Sequence[str], source: Source, text: Sequence[str], categorical: Sequence[str]
) -> None:
    """Refuse a ``--text`` or ``--categorical`` column that is not a feature column.

    Raises:
        ColumnError: one line naming the column and listing the feature columns.
    """
    for option, names in (("--text", text), ("--categorical", categorical)):
        for name in names:
            if name not in features:
                raise ColumnError(
                    f"{option} column {name!r} is not a feature column; feature columns are: "
                    f"{', '.join(features)}",
                    path=source.path,
                )


def text_columns_to_scan(
    features: Sequence[str], all_columns: Sequence[str], types: Sequence[str], text: Sequence[str]
) -> list[str]:
    """The feature columns worth reading for the rule: text ones (by the file's schema), and
    every ``--text`` column (to say what it holds)."""
    kinds = dict(zip(all_columns, types, strict=True))
    return [name for name in features if kinds.get(name) == "string" or name in text]
