"""The ``outhead check`` rules, one table row per finding triggered and not triggered."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from outhead.check import (
    RULES,
    DeclaredHead,
    Expectation,
    FileResult,
    Finding,
    Report,
    check_head,
    check_layout,
    check_target,
    parse_metric,
)
from outhead.check.keras_names import loss_family
from outhead.check.rules.metrics import resolve_accuracy
from outhead.layout import EvidenceRole, Layout, LayoutKind, Task
from tests.layouts import (
    BIN,
    BIN_12,
    BIN_STR,
    BND,
    CMAP3,
    CMAP3_1,
    LS6,
    MASK,
    MC3,
    MC10_1,
    MC_NEG,
    MC_STR,
    MH6,
    MHMAP3,
    MREG,
    OH2,
    OH3,
    OHMAP3,
    PROB3,
    REG,
    REG_PM1,
    REG_POS,
    STEPS3,
    column,
    layout,
    one_hot_matrix,
    stats,
)

BCE, CCE, SCCE, MSE = (
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mse",
)


def codes(findings: list[Finding]) -> list[str]:
    return sorted(f.code for f in findings)


def head(units: int, activation: str | None, loss: str | None, **kw: Any) -> DeclaredHead:
    return DeclaredHead(units=units, activation=activation, loss=loss, **kw)


# --------------------------------------------------------------------------------------------
# Heads: (id, layout, head, expected codes). Right heads come first and must find nothing.
# --------------------------------------------------------------------------------------------

HEAD_CASES: list[tuple[str, Layout, DeclaredHead, list[str]]] = [
    # the recommended heads: nothing to say
    ("binary-sigmoid-bce", BIN, head(1, "sigmoid", BCE), []),
    ("binary-logits-bce", BIN, head(1, "linear", BCE, from_logits=True), []),
    ("multiclass-softmax-scce", MC3, head(3, "softmax", SCCE), []),
    ("multiclass-logits-scce", MC3, head(3, "linear", SCCE, from_logits=True), []),
    ("strings-softmax-scce", MC_STR, head(3, "softmax", SCCE), []),
    ("onehot-softmax-cce", OH3, head(3, "softmax", CCE), []),
    ("onehot-softmax-cce-class", OH3, head(3, "softmax", "CategoricalCrossentropy()"), []),
    ("probabilities-softmax-cce", PROB3, head(3, "softmax", CCE), []),
    ("multihot-sigmoid-bce", MH6, head(6, "sigmoid", BCE), []),
    ("labelsets-sigmoid-bce", LS6, head(6, "sigmoid", BCE), []),
    ("regression-linear-mse", REG, head(1, "linear", MSE), []),
    ("positive-relu-ok", REG_POS, head(1, "relu", MSE), []),
    ("tanh-within-range", REG_PM1, head(1, "tanh", MSE), []),
    ("bounded-sigmoid-mse", BND, head(1, "sigmoid", MSE), []),
    ("bounded-sigmoid-bce", BND, head(1, "sigmoid", BCE), []),
    ("multi-regression-linear", MREG, head(3, "linear", "mean_absolute_error"), []),
    ("crossentropy-alias-sparse", MC3, head(3, "softmax", "crossentropy"), []),
    # OH201 softmax on one unit
    ("softmax-1-bce", BIN, head(1, "softmax", BCE), ["OH201"]),
    ("softmax-1-cce-binary", BIN, head(1, "softmax", CCE), ["OH201", "OH205"]),
    # OH202 units != classes / columns
    ("scce-too-many-units", MC3, head(5, "softmax", SCCE), ["OH202"]),
    ("onehot-too-few-units", OH3, head(2, "softmax", CCE), ["OH202"]),
    ("onehot2-one-sigmoid-unit", OH2, head(1, "sigmoid", BCE), ["OH202"]),
    ("binary-two-units-bce", BIN, head(2, "sigmoid", BCE), ["OH202"]),
    ("multihot-units", MH6, head(5, "sigmoid", BCE), ["OH202"]),
    ("regression-units", REG, head(3, "linear", MSE), ["OH202"]),
    # OH203 labels outside [0, units) for a sparse loss
    ("labels-1-to-10", MC10_1, head(10, "softmax", SCCE), ["OH203"]),
    ("labels-minus-one", MC_NEG, head(4, "softmax", SCCE), ["OH203"]),
    ("scce-too-few-units", MC3, head(2, "softmax", SCCE), ["OH203"]),
    ("scce-one-unit-binary", BIN, head(1, "sigmoid", SCCE), ["OH203"]),
    ("strings-too-few-units", MC_STR, head(2, "softmax", SCCE), ["OH203"]),
    ("binary-1-2-two-softmax", BIN_12, head(2, "softmax", SCCE), ["OH203"]),
    # OH204 sparse loss on one-hot (and other matrices)
    ("onehot-scce", OH3, head(3, "softmax", SCCE), ["OH204"]),
    ("probabilities-scce", PROB3, head(3, "softmax", SCCE), ["OH204"]),
    # OH205 categorical loss on integer labels
    ("ints-cce", MC3, head(3, "softmax", CCE), ["OH205"]),
    ("ints-cce-class-name", MC3, head(3, "softmax", "CategoricalCrossentropy"), ["OH205"]),
    ("binary-sigmoid-cce", BIN, head(1, "sigmoid", CCE), ["OH205"]),
    # OH206 binary loss on multi-class labels
    ("multiclass-bce-units", MC3, head(3, "sigmoid", BCE), ["OH206"]),
    ("multiclass-bce-one-unit", MC3, head(1, "sigmoid", BCE), ["OH206"]),
    # OH301 / OH302 multi-label with softmax or CCE
    ("multihot-softmax-bce", MH6, head(6, "softmax", BCE), ["OH301"]),
    ("multihot-softmax-cce", MH6, head(6, "softmax", CCE), ["OH301"]),
    ("multihot-sigmoid-cce", MH6, head(6, "sigmoid", CCE), ["OH302"]),
    ("labelsets-softmax", LS6, head(6, "softmax", CCE), ["OH301"]),
    # OH303 sigmoid + CCE on one-hot; OH304 sigmoid units on a one-hot target
    ("onehot-sigmoid-cce", OH3, head(3, "sigmoid", CCE), ["OH303"]),
    ("onehot2-sigmoid-cce", OH2, head(2, "sigmoid", CCE), ["OH303"]),
    ("onehot2-two-sigmoid-bce", OH2, head(2, "sigmoid", BCE), ["OH304"]),
    ("onehot3-sigmoid-bce", OH3, head(3, "sigmoid", BCE), ["OH304"]),
    # OH305 bounded activation on an unbounded target; OH306 linear on [0, 1]
    ("regression-sigmoid", REG, head(1, "sigmoid", MSE), ["OH305"]),
    ("regression-tanh", REG, head(1, "tanh", MSE), ["OH305"]),
    ("regression-relu-negatives", REG, head(1, "relu", MSE), ["OH305"]),
    ("positive-sigmoid", REG_POS, head(1, "sigmoid", MSE), ["OH305"]),
    ("multi-regression-softmax", MREG, head(3, "softmax", MSE), ["OH305"]),
    ("bounded-linear", BND, head(1, "linear", MSE), ["OH306"]),
    # OH307 BCE outside [0, 1]; OH308 loss / task family
    ("regression-bce", REG_POS, head(1, "sigmoid", BCE), ["OH305", "OH307"]),
    ("binary-1-2-bce", BIN_12, head(1, "sigmoid", BCE), ["OH307"]),
    ("regression-scce", REG, head(1, "linear", SCCE), ["OH308"]),
    ("labels-mse", MC3, head(1, "linear", MSE), ["OH308"]),
    ("onehot-mse", OH3, head(3, "softmax", MSE), ["OH308"]),
    # OH309 activation that is not a probability with a cross-entropy
    ("binary-relu-bce", BIN, head(1, "relu", BCE), ["OH309"]),
    ("onehot-softmax-bce", OH3, head(3, "softmax", BCE), ["OH309"]),
    # OH401 / OH402 from_logits
    ("sigmoid-from-logits", BIN, head(1, "sigmoid", BCE, from_logits=True), ["OH401"]),
    ("softmax-from-logits", MC3, head(3, "softmax", SCCE, from_logits=True), ["OH401"]),
    (
        "from-logits-in-loss-call",
        OH3,
        head(3, "softmax", "CategoricalCrossentropy(from_logits=True)"),
        ["OH401"],
    ),
    ("linear-no-from-logits", BIN, head(1, "linear", BCE), ["OH402"]),
    ("linear-scce-no-from-logits", MC3, head(3, "linear", SCCE), ["OH402"]),
    # valid but not recommended: pass with a note
    ("binary-two-softmax-scce", BIN, head(2, "softmax", SCCE), ["OH901"]),
    ("binary-str-two-softmax-scce", BIN_STR, head(2, "softmax", SCCE), ["OH901"]),
    ("onehot2-two-softmax-cce", OH2, head(2, "softmax", CCE), ["OH902"]),
    # a head with no loss: only the shape rules run
    ("no-loss", MC3, DeclaredHead(units=3, activation="softmax"), ["OH001"]),
    # a head with no activation is not a linear head: no OH402 (nor OH309, OH503...)
    ("no-activation-scce", MC3, head(3, None, SCCE), ["OH001"]),
    ("no-activation-bce", BIN, head(1, None, BCE), ["OH001"]),
    ("no-activation-bounded", BND, head(1, None, MSE), ["OH001"]),
    (
        "no-activation-logits-accuracy",
        BIN,
        head(1, None, BCE, from_logits=True, metrics=("accuracy",)),
        ["OH001"],
    ),
    ("no-activation-shape-rules-still-run", OH3, head(3, None, SCCE), ["OH001", "OH204"]),
    ("no-loss-softmax-1", BIN, DeclaredHead(units=1, activation="softmax"), ["OH001", "OH201"]),
    # maps: the recommended heads per pixel/step, then each mistake (OH207-OH210)
    ("class-map-softmax-scce", CMAP3, head(3, "softmax", SCCE), []),
    ("class-map-1-softmax-scce", CMAP3_1, head(3, "softmax", SCCE), []),
    ("steps-softmax-scce", STEPS3, head(3, "softmax", SCCE), []),
    ("mask-sigmoid-bce", MASK, head(1, "sigmoid", BCE), []),
    ("mask-two-softmax-scce", MASK, head(2, "softmax", SCCE), []),
    ("mask-logits-bce", MASK, head(1, "linear", BCE, from_logits=True), []),
    ("one-hot-map-softmax-cce", OHMAP3, head(3, "softmax", CCE), []),
    ("multi-hot-map-sigmoid-bce", MHMAP3, head(3, "sigmoid", BCE), []),
    ("one-hot-map-scce", OHMAP3, head(3, "softmax", SCCE), ["OH207"]),
    ("multi-hot-map-scce", MHMAP3, head(3, "softmax", SCCE), ["OH207"]),
    ("class-map-cce", CMAP3, head(3, "softmax", CCE), ["OH208"]),
    ("class-map-1-cce", CMAP3_1, head(3, "softmax", CCE), ["OH208"]),
    ("mask-cce-one-unit", MASK, head(1, "sigmoid", CCE), ["OH208"]),
    ("mask-softmax-one-unit", MASK, head(1, "softmax", BCE), ["OH209"]),
    ("steps-softmax-one-unit", STEPS3, head(1, "softmax", SCCE), ["OH209"]),
    ("class-map-too-few-units", CMAP3, head(2, "softmax", SCCE), ["OH210"]),
    ("class-map-too-many-units", CMAP3, head(5, "softmax", SCCE), ["OH210"]),
    ("one-hot-map-units", OHMAP3, head(4, "softmax", CCE), ["OH210"]),
    ("mask-two-sigmoid-units", MASK, head(2, "sigmoid", BCE), ["OH210"]),
]


@pytest.mark.parametrize(
    ("target", "declared", "expected"),
    [pytest.param(lay, h, exp, id=name) for name, lay, h, exp in HEAD_CASES],
)
def test_head_rules(target: Layout, declared: DeclaredHead, expected: list[str]) -> None:
    assert codes(check_head(target, declared)) == sorted(expected)


def test_every_head_rule_has_a_triggering_case() -> None:
    triggered = {c for _, _, _, exp in HEAD_CASES for c in exp}
    head_rules = {c for c in RULES if c[2] in "234" or c in ("OH901", "OH902", "OH001")}
    assert head_rules <= triggered


# --------------------------------------------------------------------------------------------
# Metrics and class_weight
# --------------------------------------------------------------------------------------------

METRIC_CASES: list[tuple[str, Layout, DeclaredHead, list[str]]] = [
    ("binary-accuracy-ok", BIN, head(1, "sigmoid", BCE, metrics=("accuracy",)), []),
    ("multiclass-accuracy-ok", MC3, head(3, "softmax", SCCE, metrics=("accuracy",)), []),
    ("onehot-accuracy-ok", OH3, head(3, "softmax", CCE, metrics=("acc",)), []),
    ("multilabel-explicit-ok", MH6, head(6, "sigmoid", BCE, metrics=("BinaryAccuracy",)), []),
    ("multilabel-accuracy", MH6, head(6, "sigmoid", BCE, metrics=("accuracy",)), ["OH501"]),
    ("regression-accuracy", REG, head(1, "linear", MSE, metrics=("accuracy",)), ["OH502"]),
    ("multi-regression-accuracy", MREG, head(3, "linear", MSE, metrics=("accuracy",)), ["OH502"]),
    ("bounded-accuracy", BND, head(1, "sigmoid", MSE, metrics=("acc",)), ["OH502"]),
    (
        "logits-accuracy",
        BIN,
        head(1, "linear", BCE, from_logits=True, metrics=("accuracy",)),
        ["OH503"],
    ),
    (
        "logits-binary-accuracy",
        BIN,
        head(1, "linear", BCE, from_logits=True, metrics=("binary_accuracy",)),
        ["OH503"],
    ),
    (
        "logits-binary-accuracy-threshold-0",
        BIN,
        head(1, "linear", BCE, from_logits=True, metrics=("BinaryAccuracy(threshold=0.0)",)),
        [],
    ),
    (
        "logits-precision-auc",
        MH6,
        head(
            6,
            "linear",
            BCE,
            from_logits=True,
            metrics=("Precision", "AUC", "Recall(thresholds=0.0)"),
        ),
        ["OH503", "OH503"],
    ),
    (
        "logits-auc-from-logits-ok",
        BIN,
        head(1, "linear", BCE, from_logits=True, metrics=("AUC(from_logits=True)",)),
        [],
    ),
    (
        "logits-multiclass-accuracy-ok",
        MC3,
        head(3, "linear", SCCE, from_logits=True, metrics=("accuracy",)),
        [],
    ),
    ("logits-f1", BIN, head(1, "linear", BCE, from_logits=True, metrics=("F1Score",)), ["OH504"]),
    (
        "logits-f1-multilabel",
        MH6,
        head(6, "linear", BCE, from_logits=True, metrics=("f1_score",)),
        ["OH504"],
    ),
    ("sigmoid-f1-binary-ok", BIN, head(1, "sigmoid", BCE, metrics=("F1Score",)), []),
    ("sparse-f1", MC3, head(3, "softmax", SCCE, metrics=("F1Score",)), ["OH505"]),
    ("sparse-precision", MC3, head(3, "softmax", SCCE, metrics=("Precision",)), ["OH505"]),
    ("sparse-auc", MC3, head(3, "softmax", SCCE, metrics=("AUC",)), ["OH505"]),
    ("onehot-f1-ok", OH3, head(3, "softmax", CCE, metrics=("F1Score",)), []),
    ("multilabel-f1-argmax", MH6, head(6, "sigmoid", BCE, metrics=("F1Score",)), ["OH506"]),
    (
        "multilabel-f1-threshold-ok",
        MH6,
        head(6, "sigmoid", BCE, metrics=('keras.metrics.F1Score(average="macro", threshold=0.5)',)),
        [],
    ),
    ("class-weight-multiclass-ok", MC3, head(3, "softmax", SCCE, class_weight=True), []),
    ("class-weight-binary-ok", BIN, head(1, "sigmoid", BCE, class_weight=True), []),
    ("class-weight-multihot", MH6, head(6, "sigmoid", BCE, class_weight=True), ["OH601"]),
    ("class-weight-probabilities", PROB3, head(3, "softmax", CCE, class_weight=True), ["OH601"]),
    ("class-weight-regression", REG, head(1, "linear", MSE, class_weight=True), ["OH602"]),
    ("class-weight-class-map", CMAP3, head(3, "softmax", SCCE, class_weight=True), ["OH603"]),
    ("class-weight-mask", MASK, head(1, "sigmoid", BCE, class_weight=True), ["OH603"]),
    ("class-weight-steps", STEPS3, head(3, "softmax", SCCE, class_weight=True), ["OH603"]),
    ("no-class-weight-mask", MASK, head(1, "sigmoid", BCE), []),
]


@pytest.mark.parametrize(
    ("target", "declared", "expected"),
    [pytest.param(lay, h, exp, id=name) for name, lay, h, exp in METRIC_CASES],
)
def test_metric_and_class_weight_rules(
    target: Layout, declared: DeclaredHead, expected: list[str]
) -> None:
    assert codes(check_head(target, declared)) == sorted(expected)


def test_every_metric_rule_has_a_triggering_case() -> None:
    triggered = {c for _, _, _, exp in METRIC_CASES for c in exp}
    assert {c for c in RULES if c[2] in "56"} <= triggered


@pytest.mark.parametrize(
    ("units", "target", "expected"),
    [
        (1, BIN, "BinaryAccuracy"),
        (1, REG, "BinaryAccuracy"),
        (3, MC3, "SparseCategoricalAccuracy"),
        (3, OH3, "CategoricalAccuracy"),
        (6, MH6, "CategoricalAccuracy"),
        (3, MREG, "CategoricalAccuracy"),
    ],
)
def test_accuracy_resolves_from_shapes_like_keras(
    units: int, target: Layout, expected: str
) -> None:
    assert resolve_accuracy(units, target) == expected


@pytest.mark.parametrize(
    ("text", "kind", "args"),
    [
        ("accuracy", "accuracy", {}),
        ("acc", "accuracy", {}),
        ("binary_accuracy", "BinaryAccuracy", {}),
        ("keras.metrics.BinaryAccuracy(threshold=0.0)", "BinaryAccuracy", {"threshold": 0.0}),
        (
            'F1Score(average="macro", threshold=0.5)',
            "F1Score",
            {"average": "macro", "threshold": 0.5},
        ),
        ("AUC(multi_label=True, num_labels=6)", "AUC", {"multi_label": True, "num_labels": 6}),
        ("top_k_categorical_accuracy", "top_k_categorical_accuracy", {}),
    ],
)
def test_parse_metric(text: str, kind: str, args: dict[str, Any]) -> None:
    metric = parse_metric(text)
    assert metric.kind == kind
    assert dict(metric.args) == args


@pytest.mark.parametrize(
    ("loss", "units", "target", "family"),
    [
        ("binary_crossentropy", 1, BIN, "bce"),
        ("BinaryFocalCrossentropy(gamma=2.0)", 1, BIN, "bce"),
        ("keras.losses.CategoricalCrossentropy()", 3, OH3, "cce"),
        ("SparseCategoricalCrossentropy", 3, MC3, "scce"),
        ("huber", 1, REG, "regression"),
        ("crossentropy", 1, BIN, "bce"),
        ("ce", 3, MC3, "scce"),
        ("crossentropy", 3, OH3, "cce"),
        ("my_custom_loss", 1, BIN, "other"),
        (None, 1, BIN, None),
    ],
)
def test_loss_family(loss: str | None, units: int, target: Layout, family: str | None) -> None:
    assert loss_family(loss, units=units, layout=target) == family


# --------------------------------------------------------------------------------------------
# The target against an expectation (OH1xx)
# --------------------------------------------------------------------------------------------

WITH_MISSING = replace(BIN, stats=stats((column(n_missing=3, rows=(4, 17, 90), n_inf=1),)))
NO_MISSING = replace(BIN, stats=stats((column(),)))
SINGLE = layout(LayoutKind.LABEL_VECTOR, Task.MULTICLASS, classes=(3,), counts=(100,))
ONEHOT_BAD = replace(
    OH3,
    stats=stats(
        (column("a"), column("b"), column("c")),
        matrix=one_hot_matrix(zero_rows=(7,), double_rows=(12, 40)),
    ),
)
ONEHOT_GOOD = replace(
    OH3, stats=stats((column("a"), column("b"), column("c")), matrix=one_hot_matrix())
)
MULTIHOT_AS_ONEHOT = replace(
    MH6,
    stats=stats(
        tuple(column(g) for g in ("He", "Ne", "Ar", "Kr", "Xe", "Rn")),
        matrix=one_hot_matrix(double_rows=(1, 2, 3)),
    ),
)
EMPTY_LABEL = layout(
    LayoutKind.ONE_HOT, Task.MULTICLASS, classes=("a", "b", "c"), counts=(60, 40, 0)
)
IMBALANCED = layout(LayoutKind.LABEL_VECTOR, Task.BINARY, classes=(0, 1), counts=(950, 50))
NOBLE = layout(
    LayoutKind.LABEL_VECTOR,
    Task.MULTICLASS,
    classes=("Ar", "He", "Kr", "Ne", "Xe"),
    counts=(20, 20, 20, 20, 20),
)
BOOLS = layout(LayoutKind.LABEL_VECTOR, Task.BINARY, classes=(False, True), counts=(50, 50))

TARGET_CASES: list[tuple[str, Layout, Expectation, list[str]]] = [
    ("clean-binary", NO_MISSING, Expectation(task=Task.BINARY), []),
    ("missing", WITH_MISSING, Expectation(), ["OH101"]),
    ("single-class", SINGLE, Expectation(), ["OH102"]),
    ("classes-count-ok", MC3, Expectation(classes=3), []),
    ("classes-count-missing", MC3, Expectation(classes=4), ["OH103"]),
    ("classes-count-extra", MC3, Expectation(classes=2), ["OH104"]),
    ("classes-names-ok", NOBLE, Expectation(classes=("He", "Ne", "Ar", "Kr", "Xe")), []),
    (
        "classes-names-missing",
        NOBLE,
        Expectation(task=Task.MULTICLASS, classes=("He", "Ne", "Ar", "Kr", "Xe", "Rn")),
        ["OH103"],
    ),
    ("classes-names-extra", NOBLE, Expectation(classes=("He", "Ne", "Ar", "Kr")), ["OH104"]),
    ("classes-int-names", MC3, Expectation(classes=("0", "1", "2")), []),
    ("classes-bools", BOOLS, Expectation(classes=("false", "true")), []),
    ("empty-label-column", EMPTY_LABEL, Expectation(), ["OH103"]),
    ("imbalance-under", IMBALANCED, Expectation(max_imbalance=20), []),
    ("imbalance-over", IMBALANCED, Expectation(max_imbalance=10), ["OH105"]),
    ("imbalance-multilabel", MH6, Expectation(max_imbalance=5), ["OH105"]),
    ("one-hot-rows-ok", ONEHOT_GOOD, Expectation(task=Task.MULTICLASS), []),
    ("one-hot-rows-bad", ONEHOT_BAD, Expectation(), ["OH106"]),
    (
        "multihot-expected-multiclass",
        MULTIHOT_AS_ONEHOT,
        Expectation(task=Task.MULTICLASS),
        ["OH106"],
    ),
    ("multihot-expected-multilabel", MULTIHOT_AS_ONEHOT, Expectation(task=Task.MULTILABEL), []),
    ("task-ok-regression-bounded", BND, Expectation(task=Task.REGRESSION), []),
    ("task-mismatch", MC3, Expectation(task=Task.MULTILABEL), ["OH107"]),
    ("task-mismatch-regression", REG, Expectation(task=Task.BINARY), ["OH107"]),
    ("task-binary-onehot2", OH2, Expectation(task=Task.BINARY), []),
    ("binary-expected-multiclass", BIN, Expectation(task=Task.MULTICLASS), ["OH107"]),
    (
        "vanished-class-reported-once",
        BIN,
        Expectation(task=Task.MULTICLASS, classes=3),
        ["OH103"],
    ),
    ("classes-on-regression", REG, Expectation(classes=3), ["OH107"]),
]


@pytest.mark.parametrize(
    ("target", "expect", "expected"),
    [pytest.param(lay, e, exp, id=name) for name, lay, e, exp in TARGET_CASES],
)
def test_target_rules(target: Layout, expect: Expectation, expected: list[str]) -> None:
    assert codes(check_target(target, expect)) == sorted(expected)


def test_every_target_rule_has_a_triggering_case() -> None:
    triggered = {c for _, _, _, exp in TARGET_CASES for c in exp}
    assert {c for c in RULES if c[2] == "1"} <= triggered


def test_allow_missing_turns_the_error_into_a_note() -> None:
    (finding,) = check_target(WITH_MISSING, Expectation(allow_missing=True))
    assert (finding.code, finding.severity) == ("OH101", "note")


def test_missing_message_names_rows_and_infinities() -> None:
    (finding,) = check_target(WITH_MISSING)
    assert "3 missing values (1 of them ±inf)" in finding.message
    assert "first rows 4, 17, 90" in finding.message


def test_imbalance_fix_gives_class_weights() -> None:
    (finding,) = check_target(IMBALANCED, Expectation(max_imbalance=10))
    assert "19.0×" in finding.message
    assert finding.fix == "model.fit(x, y, class_weight={0: 0.53, 1: 10.00})"


def test_one_hot_rows_message_counts_each_kind() -> None:
    (finding,) = check_target(ONEHOT_BAD)
    assert "3 of 100 one-hot rows do not sum to 1 (1 all zero and 2 with several 1s" in (
        finding.message
    )
    assert "first rows 7, 12, 40" in finding.message


def test_classes_missing_names_the_class() -> None:
    exp = Expectation(classes=("He", "Ne", "Ar", "Kr", "Xe", "Rn"))
    (finding,) = check_target(NOBLE, exp)
    assert finding.message.startswith("class Rn from --classes has no rows")


# --------------------------------------------------------------------------------------------
# Quoted framework messages: users must recognise what they would have hit
# --------------------------------------------------------------------------------------------


def _only(target: Layout, declared: DeclaredHead) -> Finding:
    (finding,) = check_head(target, declared)
    return finding


def test_label_out_of_range_quotes_tensorflow() -> None:
    finding = _only(MC10_1, head(10, "softmax", SCCE))
    assert (
        '"Received a label value of 10 which is outside the valid range of [0, 10)"'
        in finding.message
    )
    assert "JAX" in finding.message
    assert finding.fix is not None and finding.fix.startswith("y = y - 1")


def test_label_out_of_range_for_too_few_units() -> None:
    finding = _only(BIN, head(1, "sigmoid", SCCE))
    assert "Received a label value of 1 which is outside the valid range of [0, 1)" in (
        finding.message
    )


def test_sparse_on_one_hot_quotes_keras3_and_tf2() -> None:
    msg = _only(OH3, head(3, "softmax", SCCE)).message
    assert (
        "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
        "target.shape=(32, 3), output.shape=(32, 3)" in msg
    )
    assert "got logits shape [32,3] and labels shape [96]" in msg


def test_categorical_on_integers_quotes_keras3_and_tf2() -> None:
    ten = layout(LayoutKind.LABEL_VECTOR, Task.MULTICLASS, classes=tuple(range(10)))
    msg = _only(ten, head(10, "softmax", CCE)).message
    assert (
        "Arguments `target` and `output` must have the same rank (ndim). Received: "
        "target.shape=(32,), output.shape=(32, 10)" in msg
    )
    assert "Shapes (None, 1) and (None, 10) are incompatible" in msg


def test_softmax_single_unit_quotes_the_keras_warning_and_backends() -> None:
    finding = _only(BIN, head(1, "softmax", BCE))
    assert "The softmax operation will always return the value 1" in finding.message
    assert "TensorFlow backend" in finding.message and "JAX" in finding.message
    assert finding.fix == (
        'keras.layers.Dense(1, activation="sigmoid"); loss=keras.losses.BinaryCrossentropy()'
    )


def test_from_logits_after_sigmoid_quotes_tf_and_names_jax() -> None:
    finding = _only(BIN, head(1, "sigmoid", BCE, from_logits=True))
    assert (
        "`binary_crossentropy` received `from_logits=True`, but the `output` argument was "
        "produced by a Sigmoid activation and thus does not represent logits. Was this intended?"
        in finding.message
    )
    assert "JAX" in finding.message
    assert finding.fix is not None
    assert finding.fix.startswith("keras.layers.Dense(1); loss=keras.losses.BinaryCrossentropy(")


def test_from_logits_after_softmax_names_softmax() -> None:
    msg = _only(MC3, head(3, "softmax", SCCE, from_logits=True)).message
    assert "`sparse_categorical_crossentropy` received" in msg
    assert "by a Softmax activation" in msg


def test_logits_threshold_says_0622() -> None:
    finding = _only(BIN, head(1, "linear", BCE, from_logits=True, metrics=("accuracy",)))
    assert "0.622" in finding.message
    assert finding.fix == "keras.metrics.BinaryAccuracy(threshold=0.0)"


def test_f1_on_logits_quotes_the_threshold_error() -> None:
    msg = _only(BIN, head(1, "linear", BCE, from_logits=True, metrics=("F1Score",))).message
    assert "It should verify 0 < threshold <= 1. Received: threshold=0.0" in msg


def test_binary_head_shape_quotes_tf2() -> None:
    msg = _only(OH2, head(1, "sigmoid", BCE)).message
    assert "`logits` and `labels` must have the same shape, received ((None, 2) vs (None, 1))" in (
        msg
    )


def test_fix_keeps_the_logits_style() -> None:
    finding = _only(OH3, head(3, "linear", SCCE, from_logits=True))
    assert finding.fix == (
        'keras.layers.Dense(3, activation="linear"); '
        "loss=keras.losses.CategoricalCrossentropy(from_logits=True)"
    )


def test_backend_difference_stated_for_sigmoid_cce() -> None:
    msg = _only(OH3, head(3, "sigmoid", CCE)).message
    assert "TensorFlow backend" in msg and "JAX" in msg


# --------------------------------------------------------------------------------------------
# Severities, the report and the exit code
# --------------------------------------------------------------------------------------------


def test_rule_codes_are_stable_and_well_formed() -> None:
    for code, rule in RULES.items():
        assert code == rule.code
        assert len(code) == 5 and code.startswith("OH") and code[2:].isdigit()
        assert rule.severity in ("error", "warning", "note")
        assert rule.name == rule.name.lower() and " " not in rule.name
    assert len({r.name for r in RULES.values()}) == len(RULES)


def test_findings_follow_the_rule_severity() -> None:
    for _, lay, h, _ in HEAD_CASES + METRIC_CASES:
        for finding in check_head(lay, h):
            rule = RULES[finding.code]
            assert finding.name == rule.name
            if finding.code not in ("OH308", "OH309", "OH601"):  # error or warning by case
                assert finding.severity == rule.severity, finding


def _report(*severities: str, strict: bool = False) -> Report:
    findings = tuple(
        Finding(f"OH9{i:02d}", "x", s, "m")
        for i, s in enumerate(severities)  # type: ignore[arg-type]
    )
    return Report((FileResult("y.csv", findings),), strict=strict)


def test_class_weight_on_soft_labels_is_a_warning() -> None:
    (finding,) = check_head(PROB3, head(3, "softmax", CCE, class_weight=True))
    assert (finding.code, finding.severity) == ("OH601", "warning")


@pytest.mark.parametrize(
    ("target", "units", "words"),
    [(MREG, 1, "learns their average"), (REG, 3, "Dimensions must be equal, but are 32 and 3")],
)
def test_regression_units_message(target: Layout, units: int, words: str) -> None:
    (finding,) = check_head(target, head(units, "linear", MSE))
    assert finding.code == "OH202" and words in finding.message


@pytest.mark.parametrize(
    ("severities", "strict", "code"),
    [
        ((), False, 0),
        (("note",), False, 0),
        (("note",), True, 0),
        (("warning",), False, 0),
        (("warning",), True, 1),
        (("error",), False, 1),
        (("note", "warning", "error"), False, 1),
    ],
)
def test_return_code(severities: tuple[str, ...], strict: bool, code: int) -> None:
    assert _report(*severities, strict=strict).return_code == code


def test_report_to_dict_counts_and_tags_files() -> None:
    result = check_layout(MC3, Expectation(classes=4), head(3, "softmax", CCE), file="y.csv")
    report = Report((result,))
    doc = report.to_dict()
    assert doc["summary"] == {
        "files": 1,
        "outputs": 1,
        "errors": 2,
        "warnings": 0,
        "notes": 0,
        "strict": False,
        "failed": True,
        "return_code": 1,
    }
    assert {f["code"] for f in doc["findings"]} == {"OH103", "OH205"}
    assert all(f["file"] == "y.csv" for f in doc["findings"])
    assert doc["files"][0]["task"] == "multiclass"
    assert doc["files"][0]["classes"] == [0, 1, 2]


@pytest.mark.parametrize(
    ("path", "cwd", "shown"),
    [
        ("/p/data/y.csv", "/p", "data/y.csv"),
        ("/elsewhere/y.csv", "/p", "/elsewhere/y.csv"),
        ("-", "/p", "-"),
        ("data/y.csv", None, "data/y.csv"),
    ],
)
def test_shown_path(path: str, cwd: str | None, shown: str) -> None:
    from outhead.check.run import shown_path

    assert shown_path(path, cwd) == shown


# --------------------------------------------------------------------------------------------
# Properties (Hypothesis)
# --------------------------------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from outhead.check.rules.common import recommended_head  # noqa: E402

CLASSIFICATION_KINDS = (
    LayoutKind.LABEL_VECTOR,
    LayoutKind.ONE_HOT,
    LayoutKind.PROBABILITIES,
    LayoutKind.MULTI_HOT,
    LayoutKind.LABEL_SETS,
)


@st.composite
def layouts(draw: st.DrawFn, kinds: tuple[LayoutKind, ...] = tuple(LayoutKind)) -> Layout:
    """Any layout, as the inference would build it: labels 0..K-1, ranges that fit the kind."""
    kind = draw(st.sampled_from(kinds))
    k = draw(st.integers(2, 12))
    if kind == LayoutKind.LABEL_VECTOR:
        task = Task.BINARY if k == 2 else Task.MULTICLASS
        return layout(kind, task, classes=tuple(range(k)))
    if kind in (LayoutKind.ONE_HOT, LayoutKind.PROBABILITIES):
        return layout(kind, Task.MULTICLASS, classes=tuple(f"c{i}" for i in range(k)))
    if kind in (LayoutKind.MULTI_HOT, LayoutKind.LABEL_SETS):
        return layout(kind, Task.MULTILABEL, classes=tuple(f"l{i}" for i in range(k)))
    lo = draw(st.floats(-1e6, 1e6))
    span = draw(st.floats(1e-3, 1e6))
    if kind == LayoutKind.BOUNDED:
        lo, span = draw(st.floats(0, 0.5)), draw(st.floats(0.01, 0.5))
        return layout(kind, Task.BOUNDED_REGRESSION, target_range=(lo, lo + span))
    if kind == LayoutKind.MULTI_CONTINUOUS:
        return layout(kind, Task.REGRESSION, n_outputs=k, target_range=(lo, lo + span))
    return layout(kind, Task.REGRESSION, target_range=(lo, lo + span))


ACTIVATIONS = ["linear", None, "sigmoid", "softmax", "relu", "tanh", "softplus", "gelu"]
LOSSES = [BCE, CCE, SCCE, MSE, "mae", "huber", "crossentropy", "BinaryFocalCrossentropy", None]
METRICS = ["accuracy", "acc", "binary_accuracy", "F1Score", "F1Score(threshold=0.5)", "AUC",
           "Precision", "Recall", "mae", "SparseCategoricalAccuracy"]  # fmt: skip


@given(layouts(), st.booleans())
def test_the_recommended_head_passes(target: Layout, logits: bool) -> None:
    rec = recommended_head(target, logits=logits)
    declared = DeclaredHead(
        units=rec.units, activation=rec.activation, loss=rec.loss, from_logits=rec.from_logits
    )
    failing = [f for f in check_head(target, declared) if f.severity != "note"]
    assert failing == []


@given(
    layouts(),
    st.integers(1, 15),
    st.sampled_from(ACTIVATIONS),
    st.sampled_from(LOSSES),
    st.booleans(),
    st.lists(st.sampled_from(METRICS), max_size=4),
    st.booleans(),
)
def test_any_head_gets_well_formed_findings(
    target: Layout,
    units: int,
    activation: str | None,
    loss: str | None,
    from_logits: bool,
    metrics: list[str],
    class_weight: bool,
) -> None:
    declared = DeclaredHead(units, activation, loss, from_logits, tuple(metrics), class_weight)
    findings = check_head(target, declared)
    for finding in findings:
        assert finding.code in RULES
        assert finding.severity in ("error", "warning", "note")
        assert finding.message and finding.fix
    assert len({(f.code, f.message) for f in findings}) == len(findings)


@given(layouts(CLASSIFICATION_KINDS), st.integers(1, 15), st.booleans())
def test_wrong_units_with_a_cross_entropy_is_an_error(
    target: Layout, units: int, logits: bool
) -> None:
    rec = recommended_head(target, logits=logits)
    if units == rec.units or (target.kind == LayoutKind.LABEL_VECTOR and rec.units == 1):
        return  # a binary vector has two valid forms (1 sigmoid unit, 2 softmax units)
    declared = DeclaredHead(units, rec.activation, rec.loss, rec.from_logits)
    assert any(f.severity == "error" for f in check_head(target, declared))


@given(st.text(max_size=60))
def test_parse_metric_never_raises(text: str) -> None:
    assert parse_metric(text).text == text.strip()


# --------------------------------------------------------------------------------------------
# Keras 3 names (static tables), OH001 wording, OH107 evidence
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "known"),
    [
        ("loss", "sparse_categorical_crossentropy", True),
        ("loss", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)", True),
        ("loss", "BCE", True),
        ("loss", "CrossEntropy", True),  # compile() resolves crossentropy/ce in any case
        ("loss", "scce", False),
        ("loss", "Binary_Crossentropy", False),  # Keras matches names exactly
        ("loss", "", False),
        ("metric", "ACC", True),
        ("metric", "f1_score", True),
        ("metric", "f1", False),
        ("activation", "softmax", True),
        ("activation", "keras.activations.relu", True),
        ("activation", "None", True),
        ("activation", "identity", False),
        ("activation", "Softmax", False),
    ],
)
def test_is_keras_name(kind: Any, text: str, known: bool) -> None:
    from outhead.check.keras_names import is_keras_name, unknown_name_message

    assert is_keras_name(kind, text) is known
    assert (unknown_name_message(kind, text) is None) is known


@pytest.mark.parametrize(
    ("kind", "text", "suggestion"),
    [
        ("loss", "scce", "sparse_categorical_crossentropy"),
        ("loss", "SparseCCE", "sparse_categorical_crossentropy"),
        ("loss", "binary_crossentropi", "binary_crossentropy"),
        ("loss", "MeanSquareError", "MeanSquaredError"),
        ("metric", "accurcy", "accuracy"),
        ("metric", "BinaryAcuracy", "BinaryAccuracy"),
        ("activation", "sigmoïd", "sigmoid"),
        ("activation", "zzz", None),
    ],
)
def test_suggest_keras_name(kind: Any, text: str, suggestion: str | None) -> None:
    from outhead.check.keras_names import suggest_keras_name

    assert suggest_keras_name(kind, text) == suggestion


def test_validate_head_names_labels_the_field() -> None:
    from outhead.check.keras_names import validate_head_names
    from outhead.errors import UsageError

    labels = {"loss": "L", "activation": "A", "metrics": "M[{i}]"}
    validate_head_names(head(3, "softmax", SCCE, metrics=("accuracy",)), labels)
    with pytest.raises(UsageError, match=r"^M\[1\]: 'accurcy' is not a Keras 3 metric"):
        validate_head_names(head(3, "softmax", SCCE, metrics=("acc", "accurcy")), labels)
    with pytest.raises(UsageError, match=r"^A: 'softmaxx'"):
        validate_head_names(head(3, "softmaxx", SCCE), labels)


@pytest.mark.parametrize(
    ("declared", "message", "fix"),
    [
        (
            head(3, None, SCCE, source="command line"),
            "the head declares no activation: the rules that need it were skipped",
            "pass --activation (or --model)",
        ),
        (
            DeclaredHead(loss=SCCE, source="command line"),
            "the head declares no units and activation: the rules that need them were skipped",
            "pass --units and --activation (or --model)",
        ),
        (
            DeclaredHead(source="pyproject.toml"),
            "the head declares no units, activation and loss: the rules that need them were "
            "skipped",
            "add units, activation and loss to the head of this target in pyproject.toml (or a "
            "model)",
        ),
        (
            DeclaredHead(units=3, activation="softmax", source="m.keras", from_model=True),
            "the saved model m.keras has no compiled loss (it was saved without compile()): the "
            "rules that need it were skipped",
            "pass --loss alongside --model",
        ),
        (
            DeclaredHead(
                units=3,
                activation="softmax",
                source="m.keras",
                from_model=True,
                declared_in="outhead.toml",
            ),
            "the saved model m.keras has no compiled loss (it was saved without compile()): the "
            "rules that need it were skipped",
            "add head = { loss = ... } next to model in outhead.toml",
        ),
    ],
)
def test_head_incomplete_says_how_to_complete_it(
    declared: DeclaredHead, message: str, fix: str
) -> None:
    (finding,) = [f for f in check_head(MC3, declared) if f.code == "OH001"]
    assert (finding.message, finding.fix) == (message, fix)


def _with_evidence(
    base: Layout, *lines: str | tuple[str, EvidenceRole], reading: tuple[str, ...] = ()
) -> Layout:
    """A layout with these evidence lines; a ``(line, role)`` pair says what the line decided,
    as inference tags it."""
    texts = tuple(line if isinstance(line, str) else line[0] for line in lines)
    roles = tuple(None if isinstance(line, str) else line[1] for line in lines)
    return replace(base, evidence=texts, evidence_roles=roles, reading=reading)


HEADER = "the first line was read as a header (...); pass --no-header if it is data"


@pytest.mark.parametrize(
    ("target", "want", "decisive"),
    [
        (
            _with_evidence(
                MC3,
                "1 column 'y', 100 rows, integer values",
                ("3 distinct whole numbers from 0 to 2, 33 rows each on average: class labels",
                 "values"),
                ("classes: 0 (40), 1 (30), 2 (30)", "classes"),
                ("one label per row, 3 classes: they are exclusive", "task"),
                reading=(HEADER,),
            ),
            Task.REGRESSION,
            "3 distinct whole numbers from 0 to 2, 33 rows each on average: class labels",
        ),
        (
            _with_evidence(
                MC3,
                "1 column 'y', 100 rows, integer values",
                ("3 distinct whole numbers from 0 to 2, 33 rows each on average: class labels",
                 "values"),
                ("classes: 0 (40), 1 (30), 2 (30)", "classes"),
                ("one label per row, 3 classes: they are exclusive", "task"),
            ),
            Task.MULTILABEL,
            "one label per row, 3 classes: they are exclusive",
        ),
        (
            # a layout that still carries the reading notes in its evidence (older main)
            _with_evidence(
                REG, HEADER, "1 column 'price', 100 rows, real values",
                ("range 1 to 9, mean 5", "range"),
            ),
            Task.BINARY,
            "range 1 to 9, mean 5",
        ),
        (
            _with_evidence(
                MH6,
                "6 columns (...), 100 rows, every value 0 or 1: an indicator matrix",
                ("rows hold 1 to 6 ones (mean 2.23): the labels are not exclusive", "values"),
                ("6 independent yes/no labels: one sigmoid unit each", "task"),
                "4 rows have no label on",
            ),
            Task.MULTICLASS,
            "rows hold 1 to 6 ones (mean 2.23): the labels are not exclusive",
        ),
        (_with_evidence(MC3, reading=(HEADER,)), Task.REGRESSION, None),
    ],
)
def test_decisive_evidence(target: Layout, want: Task, decisive: str | None) -> None:
    from outhead.check.rules.target import decisive_evidence

    assert decisive_evidence(target, want) == decisive


def test_task_mismatch_never_quotes_reading_notes() -> None:
    target = _with_evidence(
        MC3,
        "1 column 'y', 100 rows, integer values",
        ("one label per row, 3 classes: they are exclusive", "task"),
        reading=(HEADER,),
    )
    (finding,) = check_target(target, Expectation(task=Task.MULTILABEL))
    assert finding.code == "OH107"
    assert finding.message.endswith("; one label per row, 3 classes: they are exclusive")
    assert "header" not in finding.message
