"""Rendering the script of several outputs (``templates/train_multi.py.jinja``).

Each output's head is :func:`outhead.render.plan_head` of its own recommendation, so every
output is built, encoded and read as the single-target script would build that target. Pure
and byte-stable, like :func:`outhead.render.render_script`; data enters through the same
``py`` and ``comment`` filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outhead.errors import TemplateError, UsageError
from outhead.multi import LOSS_WEIGHTS_RULE, MultiRecommendation, Output
from outhead.recommend import Recommendation
from outhead.render import (
    FeatureSpec,
    HeadPlan,
    ScaffoldOptions,
    _environment,
    _evidence,
    _warnings,
    data_path,
    identifier,
    plan_head,
    py_literal,
)
from outhead.stats import MISSING_TOKENS, Source

TEMPLATE_NAME = "train_multi.py.jinja"

#: The target encodings the script of several outputs writes (one column per output).
_ENCODINGS = ("standardize", "bounded", "binary", "index")


@dataclass(frozen=True)
class OutputPlan:
    """One output as the script builds it."""

    name: str
    column: str
    rec: Recommendation
    plan: HeadPlan
    loss_weight: float

    @property
    def enc(self) -> str:
        return self.plan.encoding

    @property
    def layout(self) -> Any:
        return self.rec.layout

    @property
    def classes(self) -> list[Any] | None:
        classes = self.rec.layout.classes
        return list(classes) if classes is not None else None

    @property
    def string_classes(self) -> bool:
        return bool(self.classes) and all(isinstance(c, str) for c in self.classes or ())

    @property
    def layer_code(self) -> str:
        """``keras.layers.Dense(3, activation="softmax", name="kind")``."""
        return f"{self.plan.layer_code()[:-1]}, name={py_literal(self.name)})"

    @property
    def layer_class(self) -> str:
        """``keras.layers.Dense`` of :attr:`layer_code`."""
        return self.layer_code.split("(", 1)[0]

    @property
    def layer_args(self) -> str:
        """``3, activation="softmax", name="kind"``: the arguments of :attr:`layer_code`."""
        return self.layer_code.split("(", 1)[1][:-1]

    @property
    def evidence(self) -> list[str]:
        evidence, _ = _evidence(self.rec)
        return evidence

    @property
    def warnings(self) -> list[str]:
        return _warnings(self.rec, self.plan)


def plan_outputs(multi: MultiRecommendation, options: ScaffoldOptions) -> list[OutputPlan]:
    """Each output's head as the script builds it.

    Raises:
        UsageError: an option the script of several outputs does not take (``--two-node``,
            ``--from-logits``, ``--stream``, ``--distribute``), or an output it cannot encode
            (label sets).
    """
    given = [
        flag
        for flag, on in (
            ("--two-node", options.two_node),
            ("--from-logits", options.from_logits),
            ("--stream", options.stream),
            ("--distribute", options.distribute),
        )
        if on
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)} apply to the script of one target; the script of several "
            "outputs does not take them yet"
        )
    out = []
    for output in multi.outputs:
        plan = plan_head(output.recommendation, options)
        if plan.encoding not in _ENCODINGS:
            raise UsageError(
                f"target column {output.column!r} is {output.recommendation.layout.kind.value}: "
                "the script of several outputs takes one regression value or one label per "
                "column; scaffold this target on its own"
            )
        identifier(output.name)
        out.append(
            OutputPlan(output.name, output.column, output.recommendation, plan, output.loss_weight)
        )
    return out


def _stratify_on(plans: list[OutputPlan]) -> str | None:
    """The first classification output: the split keeps its class proportions."""
    return next((p.name for p in plans if p.enc in ("binary", "index")), None)


def render_multi_script(
    multi: MultiRecommendation,
    *,
    target_source: Source,
    features: FeatureSpec,
    options: ScaffoldOptions | None = None,
    script_dir: str | None = None,
) -> str:
    """Render the training script of several outputs.

    Args:
        multi: the outputs (from :func:`outhead.multi.inspect_outputs`).
        target_source: how the targets' table was read (its ``columns`` are the targets).
        features: where the features are read from.
        options: training options; defaults to :class:`ScaffoldOptions` ().
        script_dir: as for :func:`outhead.render.render_script`.

    Raises:
        UsageError: see :func:`plan_outputs`; or a file that is standard input.
        TemplateError: the template is missing or fails to render.
    """
    options = options or ScaffoldOptions()
    if target_source.path == "-" or features.source.path == "-":
        raise UsageError("scaffold needs files it can read again: '-' (standard input) won't do")
    plans = plan_outputs(multi, options)
    target_path = data_path(target_source.path, script_dir)
    features_path = data_path(features.source.path, script_dir)
    columns = [o.column for o in multi.outputs]
    label_tokens = sorted(
        {
            t
            for o in multi.outputs
            for c in getattr(o.recommendation.layout.stats, "columns", ())
            for t in c.label_tokens
        }
    )
    context = {
        "outputs": plans,
        "why": multi.why,
        "weights_rule": LOSS_WEIGHTS_RULE,
        "weighted_classes": [p.name for p in plans if p.plan.class_weight],
        "tuned_outputs": [p.name for p in plans if p.plan.decision == "threshold"],
        "target_path": target_path,
        "features_path": features_path,
        "script_relative": script_dir is not None
        and (target_path.relative_to_script or features_path.relative_to_script),
        "target": target_source,
        "target_columns": columns,
        "features": features,
        "feature_columns": list(features.columns) if features.columns is not None else None,
        "text_columns": list(features.text.text),
        "categorical_columns": list(features.text.categorical),
        "table": features.in_target_file,
        "output_columns": {o.name: o.column for o in multi.outputs},
        "tasks": {p.name: p.layout.task.value for p in plans},
        "classes": {p.name: p.classes for p in plans},
        "loss_weights": {o.name: o.loss_weight for o in multi.outputs},
        "stratify_on": _stratify_on(plans),
        "missing_tokens": list(MISSING_TOKENS),
        "label_tokens": label_tokens,
        "opt": options,
    }
    import jinja2

    try:
        text: str = _environment().get_template(TEMPLATE_NAME).render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{TEMPLATE_NAME}: {exc}") from exc
    return text


__all__ = ["Output", "OutputPlan", "plan_outputs", "render_multi_script"]
