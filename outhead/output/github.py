"""GitHub Actions workflow annotations: the ``--format github`` emitter of ``outhead check``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from outhead.output.summary import summary_line

if TYPE_CHECKING:
    from outhead.check.model import Finding, Report


def escape_data(text: str) -> str:
    """Escape a workflow-command message (``%``, ``\\r``, ``\\n``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def annotation_path(path: str, *, workspace: str | None = None, cwd: str | None = None) -> str:
    """A path as GitHub maps annotations to files: relative to the repository root.

    ``GITHUB_WORKSPACE`` (the checkout) is the root when it is set and holds the file, so a run
    from a subdirectory gives ``data/y.csv``, not ``../../data/y.csv``; otherwise the path stays
    as shown (relative to the current directory when below it).
    """
    import os

    root = workspace if workspace is not None else os.environ.get("GITHUB_WORKSPACE")
    if not root or path == "-":
        return path
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.normpath(os.path.join(base, path))
    root = os.path.normpath(os.path.abspath(root))
    if full == root or not full.startswith(root.rstrip(os.sep) + os.sep):
        return path
    return os.path.relpath(full, root).replace(os.sep, "/")


def error_annotation(message: str, path: str | None) -> str:
    """Bad input as one annotation: ``::error file=y.csv,title=outhead check::message``."""
    props = []
    if path and path != "-":
        props.append(f"file={escape_property(annotation_path(path))}")
    props.append(f"title={escape_property('outhead check')}")
    return f"::error {','.join(props)}::{escape_data(message)}"


def github_line(finding: Finding) -> str:
    """One GitHub Actions annotation: ``::error file=y.csv,title=OH203 ...::message``."""
    props = []
    if finding.file and finding.file != "-":
        props.append(f"file={escape_property(annotation_path(finding.file))}")
    props.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
    message = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    return f"::{_GITHUB_LEVEL[finding.severity]} {','.join(props)}::{escape_data(message)}"


def print_annotations(report: Report) -> None:
    """One annotation per finding on stdout; the summary line on stderr."""
    for finding in report.findings:
        sys.stdout.write(github_line(finding) + "\n")
    sys.stdout.flush()
    sys.stderr.write(summary_line(report) + "\n")
