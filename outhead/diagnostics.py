"""Diagnostics: one coded remark about a target or a head, with the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Diagnostic:
    """A coded remark. ``code`` is stable (tests and CI filters rely on it), ``message`` is one
    sentence, ``fix`` is what to do (often the exact Keras line) or None."""

    code: str
    message: str
    fix: str | None = None
    severity: Severity = "warning"
    column: str | None = None
    """The column the remark is about, when it is about one."""

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }
