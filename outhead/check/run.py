"""The whole check: files, configurations and saved models in, a :class:`Report` out.

The only part of the check that reads anything: :func:`check_target_spec` reads a target file
(and a saved model), infers its layout and applies the rules of :mod:`outhead.check.core`;
:func:`check_targets` and :func:`check_project` do so for a list of targets or a project
configuration. The report's :attr:`~outhead.check.model.Report.return_code` is the exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from outhead.check.core import check_layout, run_target_rules
from outhead.check.keras_names import (
    loss_class,
    loss_family,
    loss_from_logits,
    normalize_activation,
    validate_head_names,
)
from outhead.check.model import DeclaredHead, FileResult, Finding, Report, TargetSpec
from outhead.check.rules.common import TargetCtx
from outhead.errors import OutheadError, TargetError
from outhead.layout import Layout, Task
from outhead.stats import TargetStats


def check_target_spec(spec: TargetSpec) -> FileResult:
    """Read one target file (and its model), infer its layout and run every rule.

    Args:
        spec: the target and what to check it against.

    Returns:
        The :class:`FileResult`. A target with a single value or no value at all is a finding
        (OH102 / OH101), not an error, because that is what the check is for.

    Raises:
        OutheadError: the file (or the model) cannot be read; see :mod:`outhead.errors`.
    """
    from outhead.layout import infer_layout

    name = spec.display or spec.path
    head = spec.head
    if spec.model is not None:
        from outhead.check.model_head import read_model_head

        model_head = replace(
            read_model_head(spec.model),
            source=shown_path(spec.model),
            from_model=True,
            declared_in=spec.origin or (spec.head.source if spec.head else None),
        )
        head = _merge_heads(model_head, spec.head)
    if spec.head is not None:
        validate_head_names(
            spec.head, {"loss": "loss", "activation": "activation", "metrics": "metrics[{i}]"}
        )
    stats = _target_stats(spec)
    try:
        layout = infer_layout(stats)
        expected = spec.expect.task
        first_reading: Layout | None = None
        if expected is not None and layout.task != expected and layout.runner_up_task == expected:
            # The data reads both ways and the project says which: check the expected reading
            # (as `inspect --task` would) rather than fail on the first guess, but say so.
            forced = _forced_reading(stats, expected)
            if forced is not None:
                first_reading, layout = layout, forced
    except OutheadError as exc:
        if not isinstance(exc, TargetError):
            if exc.choose_columns:
                exc.add_hint(_column_hint(spec))
            raise
        found = _degenerate_target(stats, spec, str(exc.message), exc.reason)
        if not found:
            raise
        return FileResult(name, tuple(replace(f, file=name) for f in found), layout=None, head=head)
    return check_layout(layout, spec.expect, head, file=name, first_reading=first_reading)


def _target_stats(spec: TargetSpec) -> TargetStats:
    """The target's statistics: of the file, or the labels of a folder of class folders."""
    # ``from outhead import reading`` keeps isort's grouping stable whatever is installed.
    from outhead import reading
    from outhead.image_folder import is_image_folder, scan_image_folder

    if spec.path != "-" and is_image_folder(spec.path):
        return scan_image_folder(spec.path)[1]
    return reading.scan_target(spec.path, spec.read)


def _column_hint(spec: TargetSpec) -> str:
    """How the place the target was given chooses its columns (flag or configuration key)."""
    names = spec.expect.names
    if names.keys:
        return f'{names.column} = ["..."] picks the target columns'
    return f"{names.column} COLUMN picks the target columns"


def _forced_reading(stats: TargetStats, task: Task) -> Layout | None:
    """The layout read as ``task``, or None when the data cannot be read that way."""
    from outhead.layout import infer_layout

    try:
        return infer_layout(stats, task=task)
    except OutheadError:
        return None


def shown_path(path: str, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current directory) when it lies below it."""
    import os

    if path == "-":
        return path
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    if full == base or full.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, base).replace(os.sep, "/")
    return path


def _merge_heads(model: DeclaredHead, declared: DeclaredHead | None) -> DeclaredHead:
    """The model's head, completed by the declaration where the model does not say.

    An uncompiled model has no loss: ``--loss`` (and ``--from-logits``) fill it. Metrics and
    ``class_weight`` come from the declaration when the model has none.

    Raises:
        UsageError: a declared value contradicts the model's own (it would be silently ignored).
    """
    if declared is None:
        return model
    _check_agrees(model, declared)
    has_loss = model.loss is not None
    return replace(
        model,
        units=model.units if model.units is not None else declared.units,
        activation=model.activation if model.activation is not None else declared.activation,
        loss=model.loss if has_loss else declared.loss,
        from_logits=model.from_logits if has_loss else declared.from_logits,
        metrics=model.metrics or declared.metrics,
        class_weight=model.class_weight or declared.class_weight,
    )


def _check_agrees(model: DeclaredHead, declared: DeclaredHead) -> None:
    from outhead.errors import UsageError

    where = declared.source or "command line"

    def name(field: str) -> str:
        return f"--{field.replace('_', '-')}" if where == "command line" else f"head.{field}"

    def refuse(field: str, given: Any, own: Any) -> None:
        raise UsageError(
            f"{name(field)} {given!r} contradicts the model {model.source}, whose {field} is "
            f"{own!r}: drop {name(field)} (the model's own head is checked) or re-save the model",
            path=None if where == "command line" else where,
        )

    if declared.units is not None and model.units is not None and declared.units != model.units:
        refuse("units", declared.units, model.units)
    if (
        declared.activation is not None
        and model.activation is not None
        and normalize_activation(declared.activation) != normalize_activation(model.activation)
    ):
        refuse("activation", declared.activation, model.activation)
    if declared.loss is not None and model.loss is not None:
        mine, theirs = loss_class(declared.loss), loss_class(model.loss)
        if mine is None or theirs is None:
            mine, theirs = loss_family(declared.loss), loss_family(model.loss)
        if mine != theirs:
            refuse("loss", declared.loss, model.loss)
    declared_logits = declared.from_logits or bool(loss_from_logits(declared.loss))
    if model.loss is not None and declared_logits and not model.from_logits:
        refuse("from_logits", True, False)


def _degenerate_target(
    stats: TargetStats, spec: TargetSpec, message: str, reason: str | None
) -> list[Finding]:
    """A target inference refuses (all missing, a single value), as findings (none: an error)."""
    columns = stats.columns
    single = reason in TargetError.SINGLE or any(
        c.counts is not None and c.n_distinct == 1 for c in columns
    )
    ctx = TargetCtx(stats=stats, expect=spec.expect, refusal=message, single_value=single)
    if columns and all(c.type == "empty" for c in columns):
        return run_target_rules(ctx, ("OH101",))
    if single:
        return run_target_rules(ctx, ("OH102", "OH101"))
    return []


def check_targets(specs: Sequence[TargetSpec], *, strict: bool = False) -> Report:
    """Check every target of a project (or the one given on the command line).

    Args:
        specs: the targets, in order.
        strict: warnings fail the check too (``--strict``).

    Returns:
        The :class:`Report` (its ``return_code`` is 0 or 1).

    Raises:
        OutheadError: a target or model cannot be read (exit 2: bad input is not a finding).
    """
    results: list[FileResult] = []
    for spec in specs:
        try:
            results.append(_check_output(spec))
        except OutheadError as exc:
            if exc.reason != "text-columns" or not spec.read.columns:
                raise
            # Columns chosen by name, of mixed kinds: several outputs (outhead.multi), each
            # checked as a target of its own.
            results.extend(_check_output(s) for s in output_specs(spec))
    return Report(tuple(results), strict=strict)


def _check_output(spec: TargetSpec) -> FileResult:
    """:func:`check_target_spec`; for one output of several, its findings name the output
    (``output 'kind': ...``) and the result is headed ``FILE [output kind]``, while each
    finding's ``file`` stays the path (GitHub annotations point at the file)."""
    result = check_target_spec(spec)
    if spec.output is None:
        return result
    named = f"output {spec.output!r}"
    findings = tuple(replace(f, message=f"{named}: {f.message}") for f in result.findings)
    return replace(result, file=f"{result.file} [output {spec.output}]", findings=findings,
                   output=spec.output, path=result.file)


def output_specs(spec: TargetSpec) -> list[TargetSpec]:
    """One spec per target column: the outputs of a target of several outputs.

    Raises:
        UsageError: an expectation or head given for the whole target (it cannot hold for
            every output: declare it per output in the configuration), or two columns whose
            output names collide.
    """
    from outhead.errors import UsageError
    from outhead.multi import output_names, resolve_columns

    expect = spec.expect
    if (
        expect.task is not None
        or expect.classes is not None
        or spec.head is not None
        or spec.model is not None
    ):
        raise UsageError(
            "these target columns are several outputs; an expectation, head or model for all "
            "of them at once cannot hold for each: give them per output with outputs = "
            "[{ column = ..., expect = ... }] in [tool.outhead]",
            path=spec.display or spec.path,
        )
    columns = resolve_columns(spec.path, spec.read)
    names = output_names(columns, path=spec.display or spec.path)
    return [
        replace(spec, read=replace(spec.read, columns=(column,)), output=name)
        for name, column in zip(names, columns, strict=True)
    ]


def check_project(
    config: str | Path | None = None, *, strict: bool = False, cwd: str | None = None
) -> Report:
    """Check every target of a project configuration.

    Args:
        config: ``pyproject.toml`` (its ``[tool.outhead]`` table) or ``outhead.toml``; None
            searches ``cwd`` and its parents as :func:`outhead.check.config.find_config` does.
        strict: warnings fail too (also set by ``strict = true`` in the configuration).
        cwd: where the search starts and what shown paths are relative to (default: the cwd).

    Returns:
        The :class:`Report` over the configured targets, in order.

    Raises:
        UsageError: no configuration was given and none was found.
        ConfigError: the configuration is invalid (the message names the file and the key).
        OutheadError: a target or model cannot be read.
    """
    from outhead.check.config import find_config, load_config
    from outhead.errors import UsageError

    path = config if config is not None else find_config(cwd)
    if path is None:
        raise UsageError(
            "no TARGET given and no project configuration found (outhead.toml, or "
            "pyproject.toml with [tool.outhead], in this directory or a parent)"
        )
    project = load_config(path, cwd=cwd)
    return check_targets(project.targets, strict=strict or project.strict)
