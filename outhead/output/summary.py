"""The one-line summary of a check report, shared by the human and GitHub emitters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outhead.check.model import Report


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith('s') else 's'}"


def checked(report: Report) -> str:
    """``3 files``; ``1 file (2 outputs)`` when a file holds several outputs, each checked as a
    target; ``1 file (2 targets)`` when the same file is given twice."""
    s = report.summary()
    files = plural(s["files"], "file")
    if s["outputs"] == s["files"]:
        return files
    what = "output" if any(r.output is not None for r in report.results) else "target"
    return f"{files} ({plural(s['outputs'], what)})"


def summary_line(report: Report) -> str:
    """``Check failed: 2 errors, 1 warning and 0 notes in 3 files.`` or ``All checks passed: 1
    file (2 outputs), no findings.``"""
    s = report.summary()
    files = checked(report)
    if not report.findings:
        return f"All checks passed: {files}, no findings."
    counts = (
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')} and "
        f"{plural(s['notes'], 'note')}"
    )
    verdict = "failed" if report.failed else "passed"
    strict = " (--strict: warnings fail)" if report.strict else ""
    return f"Check {verdict}{strict}: {counts} in {files}."
