"""One exception hierarchy for everything outhead refuses to do.

Every error carries the file it is about (when there is one) and a one-line, lower-case message.
The CLI catches :class:`OutheadError` in one place, prints ``error: <file>: <message>`` and exits
with code 2; anything else escaping the core is a bug, reported as an internal error (also 2,
never 1, which CI would read as "a check failed").
"""

from __future__ import annotations


class OutheadError(Exception):
    """Base class: bad input, bad options or a missing dependency (exit code 2)."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        reason: str | None = None,
        choose_columns: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.reason = reason
        """What exactly is wrong, as a stable word (:class:`TargetError`: ``all-missing``,
        ``single-value``, ``single-row``), for code that must act on it: never the message."""
        self.choose_columns = choose_columns
        """The way out is to choose other target columns: each command words its own option
        (``--column`` for inspect, ``--target`` for scaffold, ``columns`` in outhead.toml)."""

    def add_hint(self, hint: str) -> None:
        """Append ``(hint)`` to the message: how the command that caught it words the way out
        (its own option for what ``choose_columns`` says, say)."""
        self.message = f"{self.message} ({hint})"
        self.args = (self.message,)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, str | None]:
        """The error as the JSON object printed under ``{"error": ...}``."""
        return {"type": self.code, "file": self.path, "message": self.message}


class InputError(OutheadError):
    """The file cannot be opened: missing, a directory where a file is expected, unreadable."""

    code = "input-error"


class FormatError(OutheadError):
    """The file is not what its name says, or its contents cannot be parsed (ragged, corrupt)."""

    code = "format-error"


class EmptyTargetError(OutheadError):
    """The file has no data rows (empty, or a header alone)."""

    code = "empty-target"


class ColumnError(OutheadError):
    """A requested column (name, index or glob) is not in the file, or matches nothing usable."""

    code = "column-error"


class TargetError(OutheadError):
    """The target holds nothing a model can learn: all missing, or a single value."""

    code = "target-error"

    #: The ``reason`` of a target with one value, or one row: a single class, nothing to learn.
    SINGLE = ("single-value", "single-row")


class UsageError(OutheadError):
    """Options that contradict each other or name something that does not exist."""

    code = "usage-error"


class OutputExistsError(OutheadError):
    """The output file exists and ``--force`` was not given."""

    code = "output-exists"


class TemplateError(OutheadError):
    """A template is missing or failed to render."""

    code = "template-error"


class MissingDependencyError(OutheadError):
    """An optional dependency (TensorFlow, for ``--model``) is not installed."""

    code = "missing-dependency"


class ModelError(OutheadError):
    """A saved Keras model cannot be loaded or has no readable output layer."""

    code = "model-error"


class ConfigError(OutheadError):
    """The project configuration (``[tool.outhead]`` or ``outhead.toml``) is invalid."""

    code = "config-error"
