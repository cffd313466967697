"""The registry of finding codes: each code with its name, severity, summary and the one rule
function that emits it.

Codes are stable: ``OH`` plus three digits, with a kebab-case name (``OH201
softmax-single-unit``), grouped by hundreds:

* ``OH0xx`` what could not be checked;
* ``OH1xx`` the target against the expectation (missing values, classes, imbalance, task);
* ``OH2xx`` units and label encoding against the loss (shape errors Keras raises mid-training);
* ``OH3xx`` activation and loss against the task (silent mistakes);
* ``OH4xx`` ``from_logits`` against the activation;
* ``OH5xx`` metrics, resolved the way Keras 3 resolves them;
* ``OH6xx`` ``class_weight``;
* ``OH9xx`` valid configurations that are not the recommended one (notes).

Severities: ``error`` fails the check (exit 1); ``warning`` fails only with ``strict=True``
(``--strict``); ``note`` never fails. The facts, rules (R1, R2) and quoted framework messages
come from ``keras-head-facts.md`` (M1-M14). The README's table of findings is tested against
this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from outhead.check.model import Finding, Severity
from outhead.check.rules import (
    activation,
    alternatives,
    class_weight,
    incomplete,
    logits,
    maps,
    metrics,
    shapes,
    target,
)
from outhead.check.rules.common import Hit

Scope = Literal["target", "head", "metric", "class_weight", "map_head", "map_class_weight"]
"""What a rule function reads: a :class:`~outhead.check.rules.common.TargetCtx` (``target``),
a :class:`~outhead.check.rules.common.HeadCtx` (``head``; ``class_weight`` only when the head
declares one), or a head context and one declared metric (``metric``, returning one hit or
None). ``map_head`` and ``map_class_weight`` are the head and ``class_weight`` rules of a map
(one target per pixel or step), which run instead of the row rules there."""


@dataclass(frozen=True)
class Rule:
    """One finding code: its stable name, default severity, summary and rule function."""

    code: str
    name: str
    severity: Severity
    summary: str
    check: Callable[..., Any]
    """The function that emits this code, and no other."""
    scope: Scope

    def finding(self, hit: Hit) -> Finding:
        """The finding of a hit of this rule (its severity, unless the hit says otherwise)."""
        return Finding(self.code, self.name, hit.severity or self.severity, hit.message, hit.fix)


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "OH001",
            "head-incomplete",
            "note",
            "a head was declared without a loss (or units): the rules that need it were skipped",
            incomplete.head_incomplete,
            "head",
        ),
        Rule(
            "OH101",
            "missing-values",
            "error",
            "the target has missing or non-finite values (loss: nan from the first epoch)",
            target.missing_values,
            "target",
        ),
        Rule(
            "OH102",
            "single-class",
            "error",
            "the target holds a single class or value: nothing to learn",
            target.single_class,
            "target",
        ),
        Rule(
            "OH103",
            "missing-class",
            "error",
            "a class expected by --classes (or a label column) has no rows",
            target.missing_class,
            "target",
        ),
        Rule(
            "OH104",
            "unexpected-class",
            "error",
            "the target has a class that --classes does not list",
            target.unexpected_class,
            "target",
        ),
        Rule(
            "OH105",
            "class-imbalance",
            "error",
            "largest/smallest class ratio is past --max-imbalance",
            target.class_imbalance,
            "target",
        ),
        Rule(
            "OH106",
            "one-hot-row-sum",
            "error",
            "rows of a one-hot target that do not sum to 1 (all zero, or several 1s)",
            target.one_hot_row_sum,
            "target",
        ),
        Rule(
            "OH107",
            "task-mismatch",
            "error",
            "the target does not read as the task given by --expect",
            target.task_mismatch,
            "target",
        ),
        Rule(
            "OH201",
            "softmax-single-unit",
            "error",
            "softmax over 1 unit always outputs 1.0",
            shapes.softmax_single_unit,
            "head",
        ),
        Rule(
            "OH202",
            "units-mismatch",
            "error",
            "units differ from the number of classes / target columns",
            shapes.units_mismatch,
            "head",
        ),
        Rule(
            "OH203",
            "label-out-of-range",
            "error",
            "labels outside [0, units) for a sparse categorical loss",
            shapes.label_out_of_range,
            "head",
        ),
        Rule(
            "OH204",
            "sparse-loss-on-matrix",
            "error",
            "sparse categorical loss on one-hot / multi-hot / probability rows",
            shapes.sparse_loss_on_matrix,
            "head",
        ),
        Rule(
            "OH205",
            "categorical-loss-on-integer-labels",
            "error",
            "categorical cross-entropy on a vector of integer labels",
            shapes.categorical_loss_on_integer_labels,
            "head",
        ),
        Rule(
            "OH206",
            "binary-loss-on-multiclass-labels",
            "error",
            "binary cross-entropy on integer labels with more than 2 classes",
            shapes.binary_loss_on_multiclass_labels,
            "head",
        ),
        Rule(
            "OH207",
            "sparse-loss-on-one-hot-map",
            "error",
            "sparse categorical cross-entropy on a map of one-hot (multi-hot, soft) channels",
            maps.sparse_loss_on_one_hot_map,
            "map_head",
        ),
        Rule(
            "OH208",
            "categorical-loss-on-class-map",
            "error",
            "categorical cross-entropy on a map of class ids (a mask)",
            maps.categorical_loss_on_class_map,
            "map_head",
        ),
        Rule(
            "OH209",
            "softmax-single-unit-per-position",
            "error",
            "softmax over 1 unit per pixel or step always outputs 1.0",
            maps.softmax_single_unit_per_position,
            "map_head",
        ),
        Rule(
            "OH210",
            "units-mismatch-per-position",
            "error",
            "units per pixel or step differ from the classes (channels) of the map",
            maps.units_mismatch_per_position,
            "map_head",
        ),
        Rule(
            "OH301",
            "softmax-on-multilabel",
            "error",
            "softmax on a multi-label target: labels compete, at most one can pass 0.5",
            activation.softmax_on_multilabel,
            "head",
        ),
        Rule(
            "OH302",
            "categorical-loss-on-multilabel",
            "error",
            "categorical cross-entropy on a multi-label target",
            activation.categorical_loss_on_multilabel,
            "head",
        ),
        Rule(
            "OH303",
            "sigmoid-with-categorical-loss",
            "error",
            "sigmoid outputs with categorical cross-entropy on a single-label target",
            activation.sigmoid_with_categorical_loss,
            "head",
        ),
        Rule(
            "OH304",
            "sigmoid-on-one-hot",
            "warning",
            "independent sigmoid units on a one-hot (mutually exclusive) target",
            activation.sigmoid_on_one_hot,
            "head",
        ),
        Rule(
            "OH305",
            "bounded-activation-on-unbounded-target",
            "error",
            "sigmoid/tanh/relu/softmax output cannot reach the target range",
            activation.bounded_activation_on_unbounded_target,
            "head",
        ),
        Rule(
            "OH306",
            "linear-head-on-unit-interval",
            "note",
            "linear head on a target within [0, 1]: works, sigmoid fits better",
            activation.linear_head_on_unit_interval,
            "head",
        ),
        Rule(
            "OH307",
            "bce-target-out-of-range",
            "error",
            "binary cross-entropy on targets outside [0, 1]",
            activation.bce_target_out_of_range,
            "head",
        ),
        Rule(
            "OH308",
            "loss-task-mismatch",
            "error",
            "classification loss on a regression target (error) or regression loss on labels "
            "(warning)",
            activation.loss_task_mismatch,
            "head",
        ),
        Rule(
            "OH309",
            "activation-loss-mismatch",
            "error",
            "activation that does not produce what the cross-entropy expects",
            activation.activation_loss_mismatch,
            "head",
        ),
        Rule(
            "OH401",
            "from-logits-after-activation",
            "error",
            "from_logits=True after a sigmoid/softmax (double squashing on JAX/torch)",
            logits.from_logits_after_activation,
            "head",
        ),
        Rule(
            "OH402",
            "linear-head-without-from-logits",
            "error",
            "linear head with a cross-entropy that expects probabilities",
            logits.linear_head_without_from_logits,
            "head",
        ),
        Rule(
            "OH501",
            "accuracy-is-categorical-on-multilabel",
            "warning",
            "bare 'accuracy' resolves to CategoricalAccuracy (argmax) on a multi-label target",
            metrics.accuracy_is_categorical_on_multilabel,
            "metric",
        ),
        Rule(
            "OH502",
            "accuracy-on-regression",
            "warning",
            "bare 'accuracy' on a regression target resolves to a label accuracy",
            metrics.accuracy_on_regression,
            "metric",
        ),
        Rule(
            "OH503",
            "threshold-metric-on-logits",
            "warning",
            "a 0.5 threshold on logits (accuracy, Precision, Recall, AUC) means p > 0.622",
            metrics.threshold_metric_on_logits,
            "metric",
        ),
        Rule(
            "OH504",
            "f1-on-logits",
            "warning",
            "F1Score on a logits head (it rejects threshold=0.0)",
            metrics.f1_on_logits,
            "metric",
        ),
        Rule(
            "OH505",
            "metric-needs-dense-labels",
            "error",
            "F1Score/Precision/Recall/AUC on sparse integer labels",
            metrics.metric_needs_dense_labels,
            "metric",
        ),
        Rule(
            "OH506",
            "f1-argmax-on-multilabel",
            "warning",
            "F1Score without threshold is an argmax, wrong for multi-label",
            metrics.f1_argmax_on_multilabel,
            "metric",
        ),
        Rule(
            "OH601",
            "class-weight-on-multilabel",
            "error",
            "class_weight on multi-hot rows (error) or soft labels (warning): weighted by argmax",
            class_weight.class_weight_on_multilabel,
            "class_weight",
        ),
        Rule(
            "OH602",
            "class-weight-on-regression",
            "error",
            "class_weight on a continuous target (Keras 3 rounds it to ints)",
            class_weight.class_weight_on_regression,
            "class_weight",
        ),
        Rule(
            "OH603",
            "class-weight-on-map",
            "error",
            "class_weight on a map: Keras weighs examples, a map has a class per position",
            maps.class_weight_on_map,
            "map_class_weight",
        ),
        Rule(
            "OH901",
            "two-softmax-units-sparse-binary",
            "note",
            "2 softmax units + sparse loss on a binary vector: valid, 1 sigmoid unit is simpler",
            alternatives.two_softmax_units_sparse_binary,
            "head",
        ),
        Rule(
            "OH902",
            "two-softmax-units-one-hot-binary",
            "note",
            "2 softmax units + categorical loss on a 2-column one-hot: valid, 1 sigmoid unit "
            "is simpler",
            alternatives.two_softmax_units_one_hot_binary,
            "head",
        ),
    )
}
