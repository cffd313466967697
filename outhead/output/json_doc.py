"""The JSON emitter: exactly one JSON document on stdout (``--json``, ``--format json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def print_json(document: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=_json_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(value: Any) -> Any:
    # numpy scalars and paths sneak into dictionaries; JSON has no other types worth guessing.
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
