"""The one-line summary of a check report, shared by the human and GitHub emitters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outhead.check.model import Report


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith('s') else 's'}"


def summary_line(report: Report) -> str:
    """``Found 2 errors, 1 warning and 0 notes in 3 files (exit 1).`` or ``All checks passed``."""
    s = report.summary()
    files = plural(s["files"], "file")
    if not report.findings:
        return f"All checks passed: {files}, no findings."
    counts = (
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')} and "
        f"{plural(s['notes'], 'note')}"
    )
    verdict = "failed" if report.failed else "passed"
    strict = " (--strict: warnings fail)" if report.strict else ""
    return f"Check {verdict}{strict}: {counts} in {files}."
