"""Small tables of free text whose words carry the class, for the text tests.

Each review is some filler words (shared by every class) and a few words of its class
(sentiment or topic), shuffled: a bag of words can learn it, one-hot categories cannot (every
review is distinct). Deterministic for a seed.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

_FILLER_TEXT = (
    "the film was a story about an old man and his dog in a city at night with music "
    "we saw it on sunday after dinner while my friend told me what happened before"
)
FILLER = tuple(_FILLER_TEXT.split())
WORDS = {
    "positive": ("great", "wonderful", "loved", "excellent", "superb", "delightful", "moving"),
    "negative": ("terrible", "awful", "hated", "boring", "dreadful", "poor", "tedious"),
}
TOPICS = {
    "sport": ("match", "goal", "team", "coach", "league", "score"),
    "politics": ("vote", "minister", "party", "election", "law", "senate"),
    "science": ("atom", "theory", "experiment", "lab", "physics", "cell"),
}
GENRES = ("drama", "comedy", "thriller")


def review(rng: random.Random, words: tuple[str, ...], n_filler: int = 8) -> str:
    """One text: filler words and two words of its class, shuffled, with a full stop."""
    tokens = rng.sample(FILLER, n_filler) + rng.sample(words, 2)
    rng.shuffle(tokens)
    return " ".join(tokens).capitalize() + "."


def reviews(n: int, seed: int = 0, classes: dict = WORDS) -> list[dict[str, object]]:
    """n rows: review (free text), genre (a category), stars (a number), label (the class)."""
    rng = random.Random(seed)
    names = sorted(classes)
    rows = []
    for _ in range(n):
        label = rng.choice(names)
        rows.append(
            {
                "review": review(rng, classes[label]),
                "genre": rng.choice(GENRES),
                "stars": rng.randint(1, 5),
                "label": label,
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path
