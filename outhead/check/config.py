"""The project configuration of ``outhead check``: ``[tool.outhead]`` or ``outhead.toml``.

A project lists its targets, each with how to read it, what it must be and (optionally) the head
or saved model trained on it::

    [tool.outhead]            # in pyproject.toml; outhead.toml holds the same keys at top level
    strict = false            # warnings fail the check too (like --strict)

    [[tool.outhead.targets]]
    path = "data/gases.csv"   # relative to the file that holds the configuration
    columns = ["gas"]         # reading options: columns (or column), key, header, sep
    expect = "multiclass"     # regression | bounded-regression | binary | multiclass | multilabel
    classes = ["He", "Ne", "Ar", "Kr", "Xe", "Rn"]   # or a count: classes = 6
    allow_missing = false
    max_imbalance = 20
    model = "models/gases.keras"                     # a saved Keras model to check, or:
    head = { units = 6, activation = "softmax", loss = "sparse_categorical_crossentropy",
             from_logits = false, metrics = ["accuracy"], class_weight = false }

:func:`find_config` searches upward from a directory the way ruff does (``outhead.toml`` first,
then a ``pyproject.toml`` that has a ``[tool.outhead]`` table); :func:`load_config` validates and
returns :class:`~outhead.check.model.TargetSpec` objects.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from outhead.check.keras_names import validate_head_names
from outhead.check.model import DeclaredHead, Expectation, OptionNames, ReadOptions, TargetSpec
from outhead.errors import ConfigError, MissingDependencyError, UsageError
from outhead.layout import Task

CONFIG_NAMES = ("outhead.toml", "pyproject.toml")
#: The messages about a configured target name its keys, not the command line's flags.
CONFIG_KEYS = OptionNames(
    expect="expect",
    classes="classes",
    allow_missing="allow_missing",
    max_imbalance="max_imbalance",
    column="columns",
    strict="strict",
    keys=True,
)

_TARGET_KEYS = {
    "path", "columns", "column", "key", "header", "sep", "per_step", "expect", "classes",
    "allow_missing", "max_imbalance", "model", "head", "outputs",
}  # fmt: skip
#: The keys of one output of ``outputs = [...]`` (a target of several outputs).
_OUTPUT_KEYS = {"column", "expect", "classes", "allow_missing", "max_imbalance", "head"}
#: The keys of a target of several outputs that every output shares (how to read the file).
_SHARED_KEYS = ("path", "key", "header", "sep")
_HEAD_KEYS = {"units", "activation", "loss", "from_logits", "metrics", "class_weight"}
_TOP_KEYS = {"targets", "strict"}


@dataclass(frozen=True)
class ProjectConfig:
    """A loaded configuration: where it came from, its targets and whether it is strict."""

    path: Path
    targets: tuple[TargetSpec, ...]
    strict: bool = False


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli
    except ImportError:
        raise MissingDependencyError(
            "reading outhead.toml / pyproject.toml needs Python 3.11+ (tomllib) or the tomli "
            "package on Python 3.10: pip install tomli"
        ) from None
    return tomli


def _read_toml(path: Path, shown: str | None = None) -> dict[str, Any]:
    toml = _toml()
    where = shown or str(path)
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = toml.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration: {exc.strerror}", path=where) from None
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=where) from None
    return data


def _section(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The outhead table of a parsed file, and the dotted prefix of its keys in messages."""
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        section = tool.get("outhead") if isinstance(tool, dict) else None
        return (section if isinstance(section, dict) else None), "tool.outhead"
    return data, ""


def find_config(start: str | Path | None = None) -> Path | None:
    """Search ``start`` (default: the cwd) and its parents for the project configuration.

    In each directory ``outhead.toml`` wins; a ``pyproject.toml`` counts only when it has a
    ``[tool.outhead]`` table (so a project's own pyproject without it does not stop the search).

    Returns:
        The configuration file, or None when no directory up to the root has one.

    Raises:
        ConfigError: a ``pyproject.toml`` met on the way is not valid TOML (named relative to
            ``start``), so a broken file never lets a parent's configuration win.
    """
    here = _absolute(start or Path.cwd())
    for folder in (here, *here.parents):
        candidate = folder / "outhead.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            # A pyproject.toml that is not valid TOML is reported, never skipped: it may be the
            # one that holds [tool.outhead], and skipping it would check another configuration
            # (a parent's) or none, silently.
            section, _ = _section(candidate, _read_toml(candidate, _display(candidate, here)))
            if section is not None:
                return candidate
    return None


def load_config(path: str | Path, *, cwd: str | Path | None = None) -> ProjectConfig:
    """Read and validate a configuration file.

    Args:
        path: ``outhead.toml``, ``pyproject.toml`` (its ``[tool.outhead]`` table) or any TOML
            file with the ``outhead.toml`` layout.
        cwd: the directory target paths are shown relative to (default: the cwd).

    Returns:
        The :class:`ProjectConfig`; target and model paths are resolved against the
        configuration file's folder.

    Raises:
        ConfigError: the file is not valid TOML, has no outhead table or no targets, or a key
            has a wrong name or value (the message names the key, e.g.
            ``tool.outhead.targets[1].classes``).
        MissingDependencyError: Python 3.10 without ``tomli``.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError("configuration file not found", path=str(path))
    shown_from = _absolute(cwd or Path.cwd())
    where = _display(_absolute(file), shown_from)
    data = _read_toml(file, where)
    section, prefix = _section(file, data)
    if section is None:
        raise ConfigError("no [tool.outhead] table", path=where)
    dot = f"{prefix}." if prefix else ""
    unknown = sorted(set(section) - _TOP_KEYS)
    if unknown and not prefix:
        raise ConfigError(f"unknown key {unknown[0]!r} (expected: targets, strict)", path=where)
    strict = section.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(f"{dot}strict: expected true or false, got {strict!r}", path=where)
    targets = section.get("targets")
    if not isinstance(targets, list) or not targets:
        raise ConfigError(
            f"{dot}targets: expected a list of targets ([[{dot}targets]] tables with a 'path')",
            path=where,
        )
    base = _absolute(file).parent
    specs = tuple(
        spec
        for i, item in enumerate(targets)
        for spec in _targets(item, f"{dot}targets[{i}]", base, shown_from, where)
    )
    return ProjectConfig(path=file, targets=specs, strict=strict)


def _absolute(path: str | Path) -> Path:
    # Not resolve(): a symlinked data folder keeps the name the configuration gives it.
    return Path(os.path.normpath(os.path.abspath(path)))


def _display(path: Path, cwd: Path) -> str:
    """The path as findings show it: relative to the cwd when that stays short (``data/y.csv``,
    ``../data/y.csv``), else absolute."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        pass
    if path.anchor == cwd.anchor:
        rel = Path(os.path.relpath(path, cwd))
        if rel.parts[:3] != ("..", "..", ".."):
            return rel.as_posix()
    return str(path)


def _targets(item: Any, key: str, base: Path, cwd: Path, where: str) -> list[TargetSpec]:
    """One target, or one per output of a target of several outputs::

        [[tool.outhead.targets]]
        path = "data/listings.csv"
        outputs = [
            { column = "price", expect = "regression" },
            { column = "kind", expect = "multiclass", classes = 3 },
        ]

    Each output is checked as the single target ``column`` of the file (its findings name the
    output; its result is shown under ``data/listings.csv [output kind]``).
    """
    if not isinstance(item, dict) or "outputs" not in item:
        return [_target(item, key, base, cwd, where)]
    outputs = item["outputs"]
    if not isinstance(outputs, list) or len(outputs) < 2:
        raise ConfigError(
            f"{key}.outputs: expected a list of two or more outputs ({{ column = ..., "
            "expect = ... }} tables)",
            path=where,
        )
    own = sorted(set(item) - {*_SHARED_KEYS, "outputs"})
    if own:
        raise ConfigError(
            f"{key}.{own[0]}: with 'outputs', give it per output (keys of an output: "
            f"{', '.join(sorted(_OUTPUT_KEYS))})",
            path=where,
        )
    shared = {k: item[k] for k in _SHARED_KEYS if k in item}
    columns = []
    for j, out in enumerate(outputs):
        okey = f"{key}.outputs[{j}]"
        if not isinstance(out, dict) or "column" not in out:
            raise ConfigError(f"{okey}: expected a table with a 'column'", path=where)
        unknown = sorted(set(out) - _OUTPUT_KEYS)
        if unknown:
            raise ConfigError(
                f"{okey}.{unknown[0]}: unknown key (expected one of: "
                f"{', '.join(sorted(_OUTPUT_KEYS))})",
                path=where,
            )
        columns.append(_column(out["column"], f"{okey}.column", where))
    from outhead.errors import OutheadError
    from outhead.multi import output_names

    try:
        names = output_names(columns)
    except OutheadError as exc:
        raise ConfigError(f"{key}.outputs: {exc.message}", path=where) from None
    specs = []
    for j, (name, out) in enumerate(zip(names, outputs, strict=True)):
        spec = _target({**shared, **out}, f"{key}.outputs[{j}]", base, cwd, where)
        specs.append(replace(spec, output=name))
    return specs


def _target(item: Any, key: str, base: Path, cwd: Path, where: str) -> TargetSpec:
    if not isinstance(item, dict):
        raise ConfigError(f"{key}: expected a table with a 'path'", path=where)
    unknown = sorted(set(item) - _TARGET_KEYS)
    if unknown:
        raise ConfigError(
            f"{key}.{unknown[0]}: unknown key (expected one of: {', '.join(sorted(_TARGET_KEYS))})",
            path=where,
        )
    raw_path = _get(item, "path", str, key, where, required=True)
    target = _absolute(base / raw_path) if raw_path != "-" else Path("-")
    if "columns" in item and "column" in item:
        raise ConfigError(f"{key}: give 'columns' or 'column', not both", path=where)
    columns: tuple[str, ...] | None = None
    if "column" in item:
        columns = (_column(item["column"], f"{key}.column", where),)
    elif "columns" in item:
        value = item["columns"]
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{key}.columns: expected a list of column names", path=where)
        columns = tuple(_column(v, f"{key}.columns", where) for v in value)
    read = ReadOptions(
        columns=columns,
        key=_get(item, "key", str, key, where),
        header=_get(item, "header", bool, key, where),
        sep=_get(item, "sep", str, key, where),
        per_step=_get(item, "per_step", bool, key, where) or False,
    )
    expect = Expectation(
        task=_task(item.get("expect"), f"{key}.expect", where),
        classes=_classes(item.get("classes"), f"{key}.classes", where),
        allow_missing=_get(item, "allow_missing", bool, key, where) or False,
        max_imbalance=_imbalance(item.get("max_imbalance"), f"{key}.max_imbalance", where),
        names=CONFIG_KEYS,
    )
    model = _get(item, "model", str, key, where)
    model_path = str(_absolute(base / model)) if model is not None else None
    head = _head(item["head"], f"{key}.head", where) if "head" in item else None
    return TargetSpec(
        path=str(target),
        read=read,
        expect=expect,
        head=head,
        model=model_path,
        display=_display(target, cwd) if raw_path != "-" else "-",
        origin=where,
    )


def _get(item: dict[str, Any], name: str, kind: type, key: str, where: str, *,
         required: bool = False) -> Any:  # fmt: skip
    if name not in item:
        if required:
            raise ConfigError(f"{key}.{name}: missing", path=where)
        return None
    value = item[name]
    # bool is an int subclass: reject true where a number is expected, and vice versa.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = {str: "a string", bool: "true or false", int: "an integer"}[kind]
        raise ConfigError(f"{key}.{name}: expected {expected}, got {value!r}", path=where)
    return value


def _column(value: Any, key: str, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{key}: expected a column name or index, got {value!r}", path=where)
    return str(value)


def _task(value: Any, key: str, where: str) -> Task | None:
    if value is None:
        return None
    try:
        return Task(value)
    except ValueError:
        choices = ", ".join(t.value for t in Task)
        raise ConfigError(f"{key}: expected one of {choices}, got {value!r}", path=where) from None


def _classes(value: Any, key: str, where: str) -> int | tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    ):
        names = tuple(str(v) for v in value)
        if len(set(names)) != len(names):
            raise ConfigError(f"{key}: class names repeat", path=where)
        return names
    raise ConfigError(
        f"{key}: expected a number of classes or a list of class names, got {value!r}",
        path=where,
    )


def _imbalance(value: Any, key: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise ConfigError(f"{key}: expected a ratio >= 1 (e.g. 20), got {value!r}", path=where)
    return float(value)


def _head(value: Any, key: str, where: str) -> DeclaredHead:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table (units, activation, loss...)", path=where)
    unknown = sorted(set(value) - _HEAD_KEYS)
    if unknown:
        raise ConfigError(
            f"{key}.{unknown[0]}: unknown key (expected one of: {', '.join(sorted(_HEAD_KEYS))})",
            path=where,
        )
    units = _get(value, "units", int, key, where)
    if units is not None and units < 1:
        raise ConfigError(f"{key}.units: expected a positive integer, got {units}", path=where)
    metrics = value.get("metrics", [])
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise ConfigError(f"{key}.metrics: expected a list of metric names", path=where)
    head = DeclaredHead(
        units=units,
        activation=_get(value, "activation", str, key, where),
        loss=_get(value, "loss", str, key, where),
        from_logits=_get(value, "from_logits", bool, key, where) or False,
        metrics=tuple(metrics),
        class_weight=_get(value, "class_weight", bool, key, where) or False,
        source=where,
    )
    try:
        validate_head_names(
            head,
            {
                "loss": f"{key}.loss",
                "activation": f"{key}.activation",
                "metrics": f"{key}.metrics[{{i}}]",
            },
        )
    except UsageError as exc:
        raise ConfigError(exc.message, path=where) from None
    return head
