"""Several targets at once: one output per target column, one compile call for them all.

The rule (README, "Several targets at once"): ``-c A -c B`` is ONE matrix target (one-hot,
multi-hot, probabilities, several regression targets in one ``Dense(k)``) when every chosen
column is numeric, exactly as before. It is several independent OUTPUTS (one named head each)

* when ``--outputs`` is given (then always, numeric columns included), or
* when the columns were chosen explicitly (``-c``, ``--target``, ``columns =``) and at least one
  of them holds text: columns of different kinds cannot be one matrix, and asking for them by
  name says they are the targets. With no columns chosen (every column of the file) a text
  column is still the error it was: a whole table is not a list of targets.

Each output is read and recommended on its own, by the same :func:`outhead.api.inspect_target`
(so by :func:`outhead.recommend.head_for`) that reads a single target: an output's document is
the single-target document of ``outhead inspect FILE -c COLUMN``. Pure: nothing is printed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from outhead.errors import OutheadError, UsageError
from outhead.layout import Task
from outhead.reading.options import ReadOptions
from outhead.recommend import Recommendation

#: How the loss weights are chosen, in the words the report and the JSON print.
LOSS_WEIGHTS_RULE = (
    "loss_weights[o] = 1 / L0(o), where L0 is the loss output o starts at before training: "
    "1 for mean squared error on a standardized target (the script standardizes regression "
    "targets), ln 2 = 0.693 for sigmoid cross-entropy (binary, or per label), ln K for a K-class "
    "softmax, var(y) + (mean(y) - 0.5)^2 for a sigmoid regression in [0, 1]. The losses are on "
    "different scales; weighted so, every output starts at about 1 and none dominates the "
    "shared layers' gradient at the start"
)

#: Smallest starting loss a weight is computed from (a near-constant bounded target would
#: otherwise get a huge weight).
_MIN_START = 1e-3


@dataclass(frozen=True)
class Output:
    """One output of a multi-output model: its name, its column and its recommendation."""

    name: str
    """The Keras name of the output layer and the key of ``loss=``/``metrics=`` dicts."""
    column: str
    recommendation: Recommendation
    starting_loss: float
    """The expected loss of the untrained head (see :data:`LOSS_WEIGHTS_RULE`)."""

    @property
    def loss_weight(self) -> float:
        return float(f"{1.0 / max(self.starting_loss, _MIN_START):.4g}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.recommendation.to_dict()}


@dataclass(frozen=True)
class MultiRecommendation:
    """The recommendations of several outputs and the one compile call that trains them."""

    outputs: tuple[Output, ...]
    why: str
    """Why the columns are several outputs, not one matrix target."""

    @property
    def n_rows(self) -> int:
        return self.outputs[0].recommendation.layout.n_rows

    @property
    def loss_weights(self) -> dict[str, float]:
        return {o.name: o.loss_weight for o in self.outputs}

    def compile_code(self, keras: str = "keras") -> str:
        """``model.compile(...)`` with a loss, metrics and a weight per named output."""
        loss = "".join(
            f'        "{o.name}": {o.recommendation.head.loss_code(f"{keras}.losses")},\n'
            for o in self.outputs
        )
        metrics = "".join(
            f'        "{o.name}": [\n'
            + "".join(
                f"            {m.code(f'{keras}.metrics')},\n" for m in o.recommendation.metrics
            )
            + "        ],\n"
            for o in self.outputs
        )
        weights = "".join(f'        "{o.name}": {o.loss_weight!r},\n' for o in self.outputs)
        return (
            "model.compile(\n"
            '    optimizer="adam",\n'
            f"    loss={{\n{loss}    }},\n"
            f"    metrics={{\n{metrics}    }},\n"
            f"    loss_weights={{\n{weights}    }},\n"
            ")"
        )

    def compile_dict(self) -> dict[str, Any]:
        return {
            "loss": {o.name: o.recommendation.head.loss_class for o in self.outputs},
            "loss_code": {o.name: o.recommendation.head.loss_code() for o in self.outputs},
            "metrics": {o.name: [m.cls for m in o.recommendation.metrics] for o in self.outputs},
            "loss_weights": self.loss_weights,
            "starting_loss": {o.name: round(o.starting_loss, 6) for o in self.outputs},
            "loss_weights_rule": LOSS_WEIGHTS_RULE,
            "code": self.compile_code(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``outhead inspect --json`` for several outputs (see the schema)."""
        return {
            "outputs": [o.to_dict() for o in self.outputs],
            "compile": self.compile_dict(),
            "multi_output_why": self.why,
            "n_rows": self.n_rows,
        }


def output_name(column: str) -> str:
    """The Keras name of a column's output: lower case, runs of other characters as ``_``.

    ``"Price ($)"`` is ``price``; a name that would start with a digit (or be empty) gets an
    ``output_`` prefix.
    """
    name = re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")
    if not name or name[0].isdigit():
        name = f"output_{name}".rstrip("_")
    return name


def output_names(columns: Sequence[str], *, path: str | None = None) -> list[str]:
    """The output name of each column.

    Raises:
        UsageError: two columns whose names are the same once normalized (``Price``, ``price``).
    """
    seen: dict[str, str] = {}
    for column in columns:
        name = output_name(column)
        if name in seen:
            raise UsageError(
                f"target columns {seen[name]!r} and {column!r} both become output {name!r}: "
                "output names must differ once lower-cased and stripped of punctuation; "
                "rename one of the columns",
                path=path,
            )
        seen[name] = column
    return list(seen)


def starting_loss(rec: Recommendation) -> float:
    """The loss an untrained head starts at (about), by the rule of :data:`LOSS_WEIGHTS_RULE`."""
    head, layout = rec.head, rec.layout
    if layout.task is Task.BOUNDED_REGRESSION and head.activation == "sigmoid":
        mean = layout.target_mean[0] if layout.target_mean else 0.5
        std = layout.target_std[0] if layout.target_std else 0.5
        return std * std + (mean - 0.5) ** 2
    if head.probabilities == "softmax":
        return math.log(max(head.units, 2))
    if head.probabilities == "sigmoid":
        return math.log(2.0)
    return 1.0  # mean squared error on a standardized target: the variance, 1


def resolve_columns(path: str, read: ReadOptions) -> list[str]:
    """The target columns the selectors of ``read`` pick, in order (as inspect resolves them)."""
    from outhead.reading import read_schema
    from outhead.reading.sniff import select_columns

    schema = read_schema(path, read)
    names = schema.source.all_columns
    return [names[i] for i in select_columns(names, read.columns, path=schema.source.path)]


def inspect_outputs(
    path: str,
    read: ReadOptions,
    *,
    why: str,
    from_logits: bool = False,
    two_node: bool = False,
) -> MultiRecommendation:
    """Read and recommend each chosen column of a table as its own output.

    Args:
        path: the table (not ``-``: it is read once per output).
        read: how to read it; ``columns`` are the targets (at least two).
        why: why these columns are several outputs (for the report).
        from_logits, two_node: as for :func:`outhead.api.inspect_target`, for every output.

    Raises:
        UsageError: standard input, fewer than two columns, or two output names that collide.
        OutheadError: whatever inspect refuses about one column, its message naming it.
    """
    from outhead.api import inspect_target

    if path == "-":
        raise UsageError(
            "several outputs read the table once per output: '-' (standard input) won't do; "
            "save it to a file"
        )
    from outhead.image_folder import is_image_folder

    if is_image_folder(path):
        raise UsageError(
            "several outputs are columns of a table; a folder of class folders is one target",
            path=path,
        )
    columns = resolve_columns(path, read)
    if len(columns) < 2:
        raise UsageError(
            f"--outputs needs two or more target columns; {len(columns)} chosen "
            f"({', '.join(columns) or 'none'})",
            path=path,
        )
    names = output_names(columns, path=path)
    outputs = []
    for name, column in zip(names, columns, strict=True):
        try:
            rec = inspect_target(
                path,
                replace(read, columns=(column,)),
                from_logits=from_logits,
                two_node=two_node,
            )
        except OutheadError as exc:
            # A single value is said of the column by name already; the rest gets its name.
            if exc.reason != "single-value":
                exc.message = f"target column {column!r}: {exc.message}"
                exc.args = (exc.message,)
            exc.choose_columns = False
            raise
        if rec.layout.map_shape:
            raise UsageError(
                "several outputs are columns of a table; this array holds a label per position "
                f"({'x'.join(map(str, rec.layout.map_shape))}): it is one target, its last axis "
                "the classes or channels; leave out --outputs",
                path=path,
            )
        outputs.append(Output(name, column, rec, starting_loss(rec)))
    return MultiRecommendation(tuple(outputs), why)


#: Why the columns are outputs, by what made them so.
WHY_FLAG = "--outputs: each column is its own output"
WHY_KINDS = (
    "the columns are of different kinds (text beside numbers): they cannot be one matrix "
    "target, so each is its own output"
)


def inspect_targets(
    path: str,
    read: ReadOptions,
    *,
    outputs: bool = False,
    task: str | None = None,
    from_logits: bool = False,
    two_node: bool = False,
    progress: Any = None,
) -> Recommendation | MultiRecommendation:
    """One target or several outputs, by the rule in this module's docstring.

    Raises:
        UsageError: ``--task`` with several outputs (it would force every one).
        OutheadError: what :func:`outhead.api.inspect_target` or :func:`inspect_outputs` refuse.
    """
    from outhead.api import inspect_target

    if outputs:
        if task is not None:
            raise UsageError(_TASK_WITH_OUTPUTS)
        return inspect_outputs(path, read, why=WHY_FLAG, from_logits=from_logits, two_node=two_node)
    try:
        return inspect_target(
            path, read, task=task, from_logits=from_logits, two_node=two_node, progress=progress
        )
    except UsageError as exc:
        if exc.reason != "text-columns" or not read.columns:
            raise
        if task is not None:
            raise UsageError(_TASK_WITH_OUTPUTS, path=exc.path) from None
    return inspect_outputs(path, read, why=WHY_KINDS, from_logits=from_logits, two_node=two_node)


_TASK_WITH_OUTPUTS = (
    "--task forces one task, and these target columns are several outputs; leave --task out "
    "(each output's task is read from its column) or inspect the columns one at a time"
)
