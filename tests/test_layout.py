"""Layout inference and recommendation, on statistics built by hand (no file reading)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from outhead.errors import TargetError, UsageError
from outhead.layout import LayoutKind, Task, infer_layout
from outhead.recommend import recommend
from tests.support import MISSING, make_stats

rng = random.Random(0)
GASES = ["He", "Ne", "Ar", "Kr", "Xe", "Rn"]
ONE_CLASS_PER_ROW = [rng.randrange(6) for _ in range(300)]

# name -> (columns, sep, layout, task, units, activation, loss)
TABLE = {
    "regression": (
        {"price": [rng.gauss(3e5, 5e4) for _ in range(300)]},
        None, "continuous", "regression", 1, "linear", "mean_squared_error",
    ),
    "bounded": (
        {"health": [rng.random() for _ in range(300)]},
        None, "bounded", "bounded-regression", 1, "sigmoid", "mean_squared_error",
    ),
    "multi-regression": (
        {"x": [rng.gauss(0, 3) for _ in range(200)], "y": [rng.gauss(5, 1) for _ in range(200)]},
        None, "multi-continuous", "regression", 2, "linear", "mean_squared_error",
    ),
    "binary-01": (
        {"failure": [rng.randint(0, 1) for _ in range(200)]},
        None, "label-vector", "binary", 1, "sigmoid", "binary_crossentropy",
    ),
    "binary-strings": (
        {"y": [rng.choice(["yes", "no"]) for _ in range(200)]},
        None, "label-vector", "binary", 1, "sigmoid", "binary_crossentropy",
    ),
    "binary-bools": (
        {"y": [rng.choice([True, False]) for _ in range(200)]},
        None, "label-vector", "binary", 1, "sigmoid", "binary_crossentropy",
    ),
    "binary-1-2": (
        {"y": [rng.choice([1, 2]) for _ in range(200)]},
        None, "label-vector", "binary", 1, "sigmoid", "binary_crossentropy",
    ),
    "multiclass-strings": (
        {"gas": [rng.choice(GASES) for _ in range(300)]},
        None, "label-vector", "multiclass", 6, "softmax", "sparse_categorical_crossentropy",
    ),
    "multiclass-ints": (
        {"digit": [rng.randint(0, 9) for _ in range(500)]},
        None, "label-vector", "multiclass", 10, "softmax", "sparse_categorical_crossentropy",
    ),
    "one-hot": (
        {g: [1 if r == i else 0 for r in ONE_CLASS_PER_ROW] for i, g in enumerate(GASES)},
        None, "one-hot", "multiclass", 6, "softmax", "categorical_crossentropy",
    ),
    "multi-hot": (
        {g: [rng.randint(0, 1) for _ in range(300)] for g in GASES},
        None, "multi-hot", "multilabel", 6, "sigmoid", "binary_crossentropy",
    ),
    "label-sets": (
        {"gases": ["|".join(rng.sample(GASES, rng.randint(1, 3))) for _ in range(300)]},
        "|", "label-sets", "multilabel", 6, "sigmoid", "binary_crossentropy",
    ),
    "probabilities": (
        {"a": [0.2, 0.5, 0.1] * 50, "b": [0.3, 0.25, 0.8] * 50, "c": [0.5, 0.25, 0.1] * 50},
        None, "probabilities", "multiclass", 3, "softmax", "categorical_crossentropy",
    ),
}


@pytest.mark.parametrize("name", list(TABLE))
def test_table(name: str) -> None:
    columns, sep, kind, task, units, activation, loss = TABLE[name]
    rec = recommend(infer_layout(make_stats(columns, sep=sep)))
    assert rec.layout.kind.value == kind
    assert rec.task.value == task
    assert (rec.head.units, rec.head.activation, rec.head.loss) == (units, activation, loss)
    assert rec.layout.evidence, "every decision comes with evidence"
    assert "accuracy" not in [m.name for m in rec.metrics]
    doc = rec.to_dict()
    assert doc["units"] == units and doc["loss"] == loss and doc["task"] == task


def test_regression_reports_median_absolute_error_and_rmse() -> None:
    rec = recommend(infer_layout(make_stats(TABLE["regression"][0])))
    assert [m.cls for m in rec.metrics] == ["RootMeanSquaredError", "MeanAbsoluteError"]
    assert "median absolute error" in rec.report
    assert any(d.code == "large-scale" for d in rec.diagnostics)


def test_binary_vector_offers_two_softmax_nodes_and_logits() -> None:
    rec = recommend(infer_layout(make_stats(TABLE["binary-01"][0])))
    titles = {a.title: a for a in rec.alternatives}
    assert titles["two nodes"].head.units == 2
    assert titles["two nodes"].head.activation == "softmax"
    logits = titles["logits, numerically stable"]
    assert logits.head.activation == "linear" and logits.head.from_logits
    assert ("threshold", 0.0) in logits.metrics[0].args
    assert rec.decision == "threshold" and rec.threshold == 0.5


def test_two_column_one_hot_gets_two_softmax_nodes() -> None:
    ys = [rng.randint(0, 1) for _ in range(100)]
    stats = make_stats({"success": [1 - y for y in ys], "failure": ys})
    rec = recommend(infer_layout(stats))
    assert (rec.head.units, rec.head.activation) == (2, "softmax")
    assert rec.head.loss == "categorical_crossentropy"
    assert any(a.head.units == 1 and a.head.activation == "sigmoid" for a in rec.alternatives)


def test_many_distinct_whole_numbers_are_regression() -> None:
    # diabetes-like: 442 rows of whole numbers 25..346.
    ys = [rng.randint(25, 346) for _ in range(442)]
    layout = infer_layout(make_stats({"y": ys}))
    assert layout.task == Task.REGRESSION
    assert any("not class labels" in e for e in layout.evidence)


def test_counts_are_regression_with_poisson_alternative() -> None:
    ys = [min(200, int(rng.expovariate(1 / 40))) for _ in range(1000)]
    rec = recommend(infer_layout(make_stats({"visits": ys})))
    assert rec.task == Task.REGRESSION
    assert any(a.head.loss == "poisson" for a in rec.alternatives)


def test_one_based_labels_are_mapped() -> None:
    layout = infer_layout(make_stats({"y": [1, 2, 3] * 30}))
    assert layout.task == Task.MULTICLASS and layout.classes == (1, 2, 3)
    assert layout.needs_mapping
    assert any(d.code == "label-mapping" for d in layout.diagnostics)


def test_small_k_labels_have_count_runner_up() -> None:
    layout = infer_layout(make_stats({"rating": [rng.randint(1, 5) for _ in range(200)]}))
    assert layout.task == Task.MULTICLASS
    assert layout.runner_up and "regression" in layout.runner_up


def test_tiny_target_still_gets_a_reading() -> None:
    layout = infer_layout(make_stats({"y": [1, 0, 0, 1, 1, 0, 1]}))
    assert layout.task == Task.BINARY
    assert any(d.code == "small-sample" for d in layout.diagnostics)


def test_imbalance_gives_class_weight() -> None:
    rec = recommend(infer_layout(make_stats({"y": [0] * 90 + [1] * 10})))
    assert rec.class_weight == {0: round(100 / 180, 4), 1: 5.0}
    assert any(d.code == "class-imbalance" for d in rec.diagnostics)


def test_multi_hot_gets_no_class_weight() -> None:
    cols = {g: [1 if rng.random() < (0.5 if g == "He" else 0.03) else 0 for _ in range(500)]
            for g in GASES}
    rec = recommend(infer_layout(make_stats(cols)))
    assert rec.task == Task.MULTILABEL and rec.class_weight is None


def test_multilabel_metrics() -> None:
    rec = recommend(infer_layout(make_stats(TABLE["multi-hot"][0])))
    auc = next(m for m in rec.metrics if m.cls == "AUC")
    assert dict(auc.args) == {"multi_label": True, "num_labels": 6}
    assert rec.decision == "per-label-threshold"


def test_minus_one_plus_one_matrix_is_an_indicator_with_warning() -> None:
    cols = {g: [rng.choice([-1, 1]) for _ in range(200)] for g in GASES[:3]}
    layout = infer_layout(make_stats(cols))
    assert layout.kind == LayoutKind.MULTI_HOT
    assert layout.indicator_values == (-1.0, 1.0)
    assert any(d.code == "indicator-coding" for d in layout.diagnostics)


def test_one_hot_with_a_few_zero_rows_warns() -> None:
    rows = [rng.randrange(3) for _ in range(1000)]
    cols = {c: [1 if r == i else 0 for r in rows] for i, c in enumerate("abc")}
    cols["a"][5] = 0 if rows[5] == 0 else cols["a"][5]
    for c in "abc":
        cols[c][7] = 0
    layout = infer_layout(make_stats(cols))
    assert layout.kind == LayoutKind.ONE_HOT
    assert any(d.code == "onehot-zero-rows" for d in layout.diagnostics)


def test_missing_values_are_reported_with_rows() -> None:
    layout = infer_layout(make_stats({"y": [0, 1, None, 1, float("inf"), 0] * 10}))
    d = next(d for d in layout.diagnostics if d.code == "missing-values")
    assert "20 missing" in d.message and "row 2" in d.message.replace("rows 2", "row 2")
    assert "±inf" in d.message


def test_single_value_is_refused() -> None:
    with pytest.raises(TargetError, match="single value"):
        infer_layout(make_stats({"y": [3] * 10}))


def test_all_missing_is_refused() -> None:
    with pytest.raises(TargetError, match="all missing"):
        infer_layout(make_stats({"y": ["", "NA", None]}))


def test_forced_task_follows_and_warns() -> None:
    stats = make_stats({"rating": [rng.randint(1, 5) for _ in range(200)]})
    layout = infer_layout(stats, task="regression")
    assert layout.task == Task.REGRESSION and layout.forced
    rec = recommend(layout)
    assert rec.head.activation == "linear"
    bounded = infer_layout(stats, task="bounded-regression")
    assert any(d.code == "task-forced" for d in bounded.diagnostics)


def test_forced_impossible_task_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="binary"):
        infer_layout(make_stats({"gas": GASES * 10}), task="binary")
    with pytest.raises(UsageError):
        infer_layout(make_stats({"gas": GASES * 10}), task="regression")


def test_from_logits_changes_head_and_metrics() -> None:
    layout = infer_layout(make_stats(TABLE["multi-hot"][0]))
    rec = recommend(layout, from_logits=True)
    assert rec.head.activation == "linear" and rec.head.from_logits
    assert "from_logits=True" in rec.compile_code()
    assert all(m.cls != "F1Score" for m in rec.metrics)
    assert dict(rec.metrics[1].args)["from_logits"] is True


def test_two_node_binary() -> None:
    rec = recommend(infer_layout(make_stats(TABLE["binary-01"][0])), two_node=True)
    assert (rec.head.units, rec.head.activation, rec.head.loss) == (
        2, "softmax", "sparse_categorical_crossentropy"
    )
    assert rec.decision == "argmax"


def test_keras_code_lines() -> None:
    rec = recommend(infer_layout(make_stats(TABLE["multiclass-strings"][0])))
    assert rec.head.layer_code() == 'keras.layers.Dense(6, activation="softmax")'
    assert "keras.losses.SparseCategoricalCrossentropy()" in rec.compile_code()
    assert "keras.metrics.SparseCategoricalAccuracy()" in rec.compile_code()


# ---------------------------------------------------------------------------------------------
# Properties: targets generated for each layout come back as that layout.
# ---------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
labels = st.one_of(
    st.integers(-50, 50),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
        lambda s: s not in MISSING  # 'na', 'null'... are missing cells, not labels
    ),
)


@SETTINGS
@given(pair=st.lists(labels, min_size=2, max_size=2, unique=True), data=st.data())
def test_property_two_labels_are_binary(pair: list, data: st.DataObject) -> None:
    n = data.draw(st.integers(4, 200))
    ys = pair + [data.draw(st.sampled_from(pair)) for _ in range(n - 2)]
    rec = recommend(infer_layout(make_stats({"y": ys})))
    assert rec.task == Task.BINARY
    assert (rec.head.units, rec.head.activation) == (1, "sigmoid")
    # A column that mixes numbers and text is a text column.
    text = any(isinstance(p, str) for p in pair)
    assert set(rec.layout.classes or ()) == {str(p) if text else p for p in pair}


@SETTINGS
@given(k=st.integers(3, 20), reps=st.integers(3, 12), data=st.data())
def test_property_class_ids_are_multiclass(k: int, reps: int, data: st.DataObject) -> None:
    ys = [i for i in range(k) for _ in range(reps)]
    ys = data.draw(st.permutations(ys))
    rec = recommend(infer_layout(make_stats({"y": ys})))
    assert rec.task == Task.MULTICLASS
    assert (rec.head.units, rec.head.loss) == (k, "sparse_categorical_crossentropy")


@SETTINGS
@given(names=st.lists(st.text("ABCDEFGH", min_size=1, max_size=4), min_size=3, max_size=12,
                      unique=True), data=st.data())
def test_property_string_labels_are_multiclass(names: list[str], data: st.DataObject) -> None:
    ys = names * 2 + data.draw(st.lists(st.sampled_from(names), max_size=50))
    rec = recommend(infer_layout(make_stats({"y": ys})))
    assert rec.task == Task.MULTICLASS and rec.head.units == len(names)


@SETTINGS
@given(k=st.integers(2, 8), data=st.data())
def test_property_one_hot(k: int, data: st.DataObject) -> None:
    rows = list(range(k)) + data.draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=80))
    cols = {f"c{i}": [1 if r == i else 0 for r in rows] for i in range(k)}
    rec = recommend(infer_layout(make_stats(cols)))
    assert rec.layout.kind == LayoutKind.ONE_HOT
    assert (rec.head.units, rec.head.activation, rec.head.loss) == (
        k, "softmax", "categorical_crossentropy"
    )


@SETTINGS
@given(k=st.integers(2, 8), data=st.data())
def test_property_multi_hot(k: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(10, 80))
    rows = [data.draw(st.lists(st.integers(0, 1), min_size=k, max_size=k)) for _ in range(n)]
    rows[0] = [1] * k  # at least one row with several labels on
    rows[1] = [1, 1] + [0] * (k - 2)
    cols = {f"l{i}": [r[i] for r in rows] for i in range(k)}
    for c in cols.values():  # every column holds both values
        c[2], c[3] = 0, 1
    rec = recommend(infer_layout(make_stats(cols)))
    assert rec.layout.kind == LayoutKind.MULTI_HOT
    assert (rec.head.units, rec.head.activation, rec.head.loss) == (
        k, "sigmoid", "binary_crossentropy"
    )


@SETTINGS
@given(ys=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=100))
def test_property_real_values_are_regression(ys: list[float]) -> None:
    ys = [*ys, 0.5, 2.25, -3.75]  # not whole numbers, outside [0, 1]
    rec = recommend(infer_layout(make_stats({"y": ys})))
    assert rec.task == Task.REGRESSION
    assert (rec.head.units, rec.head.activation) == (1, "linear")


@SETTINGS
@given(ys=st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=100))
def test_property_unit_interval_is_bounded(ys: list[float]) -> None:
    ys = [*ys, 0.25, 0.5, 0.75]
    rec = recommend(infer_layout(make_stats({"y": ys})))
    assert rec.task == Task.BOUNDED_REGRESSION
    assert (rec.head.units, rec.head.activation) == (1, "sigmoid")


@SETTINGS
@given(k=st.integers(2, 6), data=st.data())
def test_property_probability_rows(k: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(3, 40))
    rows = []
    for _ in range(n):
        w = data.draw(st.lists(st.integers(1, 9), min_size=k, max_size=k))
        rows.append([x / sum(w) for x in w])
    cols = {f"p{i}": [r[i] for r in rows] for i in range(k)}
    # The same row in every row is nothing to learn (refused; see test_tiny.py).
    assume(any(len(set(c)) > 1 for c in cols.values()))
    rec = recommend(infer_layout(make_stats(cols)))
    assert rec.layout.kind == LayoutKind.PROBABILITIES
    assert rec.head.loss == "categorical_crossentropy" and rec.head.units == k


@SETTINGS
@given(data=st.data())
def test_property_label_sets(data: st.DataObject) -> None:
    tokens = data.draw(st.lists(st.sampled_from(GASES), min_size=3, max_size=6, unique=True))
    rows = ["|".join(tokens[:2]), *tokens]
    rows += data.draw(st.lists(
        st.lists(st.sampled_from(tokens), min_size=1, max_size=3, unique=True).map("|".join),
        max_size=40,
    ))
    rec = recommend(infer_layout(make_stats({"g": rows}, sep="|")))
    assert rec.task == Task.MULTILABEL and rec.head.units == len(tokens)


# ---------------------------------------------------------------------------------------------
# Shapes found by trying real exports.
# ---------------------------------------------------------------------------------------------


def test_poisson_counts_are_regression_with_multiclass_runner_up() -> None:
    counts = [0] * 30 + [1] * 80 + [2] * 110 + [3] * 100 + [4] * 70 + [5] * 50 + [6] * 30
    counts += [7] * 15 + [8] * 8 + [9] * 4 + [10] * 2 + [11] * 1 + [13] * 1
    layout = infer_layout(make_stats({"count": counts}))
    assert layout.task == Task.REGRESSION
    assert layout.runner_up and "multiclass" in layout.runner_up
    assert any(a.head.loss == "poisson" for a in recommend(layout).alternatives)


def test_balanced_digits_stay_classes() -> None:
    layout = infer_layout(make_stats({"digit": list(range(10)) * 30}))
    assert layout.task == Task.MULTICLASS


def test_three_balanced_labels_have_no_runner_up() -> None:
    assert infer_layout(make_stats({"y": [0, 1, 2] * 50})).runner_up is None


def test_rounded_soft_labels_are_probabilities() -> None:
    rows = [(0.33, 0.33, 0.33), (0.5, 0.25, 0.25), (0.12, 0.57, 0.3), (0.67, 0.17, 0.17)] * 30
    cols = {c: [r[i] for r in rows] for i, c in enumerate("abc")}
    layout = infer_layout(make_stats(cols))
    assert layout.kind == LayoutKind.PROBABILITIES
    assert any("within ±" in e for e in layout.evidence)


def test_percentages_are_regression_with_a_hint() -> None:
    rows = [(33.3, 33.3, 33.4), (50.0, 25.0, 25.0), (12.0, 57.0, 31.0)] * 30
    cols = {c: [r[i] for r in rows] for i, c in enumerate("abc")}
    layout = infer_layout(make_stats(cols))
    assert layout.task == Task.REGRESSION
    assert layout.runner_up and "divide the target by 100" in layout.runner_up


def test_labels_differing_in_case_are_flagged() -> None:
    layout = infer_layout(make_stats({"y": ["Yes", "No", "yes", "NO"] * 30}))
    d = next(d for d in layout.diagnostics if d.code == "label-spelling")
    assert "Yes / yes" in d.message or "yes / Yes" in d.message


def test_empty_cells_in_label_sets_are_empty_sets() -> None:
    rows = ["Action|Comedy", "", "Drama", "Comedy|Drama", "", "Action"] * 20
    layout = infer_layout(make_stats({"genres": rows}, sep="|"))
    assert layout.kind == LayoutKind.LABEL_SETS
    assert not any(d.code == "missing-values" for d in layout.diagnostics)
    assert any("40 rows have no label" in e for e in layout.evidence)


def test_forced_multiclass_reads_whole_cells_of_a_label_set_column() -> None:
    cities = ["New York, NY", "Portland, OR", "Portland, ME", "Austin, TX"] * 30
    layout = infer_layout(make_stats({"city": cities}, sep=","), task="multiclass")
    assert layout.kind == LayoutKind.LABEL_VECTOR and layout.n_outputs == 4
    assert "Portland, ME" in (layout.classes or ())


def test_churn_labels_model_the_churners() -> None:
    layout = infer_layout(make_stats({"y": ["Stayed", "Churned", "Stayed", "Stayed"] * 30}))
    assert layout.classes == ("Stayed", "Churned")


def test_ages_are_regression_without_noise() -> None:
    ages = [18 + (i * 7) % 73 for i in range(1000)]
    layout = infer_layout(make_stats({"age": ages}))
    assert layout.task == Task.REGRESSION and layout.runner_up is None
    assert not any(d.code == "large-scale" for d in layout.diagnostics)


def test_ten_soft_labels_rounded_to_two_decimals_are_probabilities() -> None:
    rows = [[0.1] * 10, [0.05, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.14]] * 40
    rows.append([0.11] * 9 + [0.02])  # sums to 1.01
    rows.append([0.09] * 9 + [0.15])  # sums to 0.96: 10 roundings can be off by 0.05
    cols = {f"c{i}": [r[i] for r in rows] for i in range(10)}
    assert infer_layout(make_stats(cols)).kind == LayoutKind.PROBABILITIES


def test_drop_first_dummies_say_what_they_may_be() -> None:
    picks = [0, 1, 2] * 40  # class 0 was dropped: its rows are all zero
    cols = {f"colour_{c}": [1 if p == i else 0 for p in picks] for i, c in ((1, "g"), (2, "r"))}
    layout = infer_layout(make_stats(cols))
    assert any("one class left out" in e for e in layout.evidence)
    assert not any("not exclusive" in e for e in layout.evidence)


def test_numbers_with_thousands_separators_are_flagged() -> None:
    prices = [f"{1000 + i * 37:,}.{i % 100:02d}" for i in range(60)]
    layout = infer_layout(make_stats({"price": prices}))
    assert any(d.code == "numbers-as-text" for d in layout.diagnostics)
    assert not any(
        d.code == "numbers-as-text"
        for d in infer_layout(make_stats({"gas": GASES * 10})).diagnostics
    )


def test_runner_up_task_is_the_other_reading() -> None:
    counts = [0] * 30 + [1] * 80 + [2] * 110 + [3] * 100 + [4] * 70 + [5] * 50 + [6] * 30
    counts += [7] * 15 + [8] * 8 + [9] * 4 + [10] * 2 + [11] * 1 + [13] * 1
    assert infer_layout(make_stats({"count": counts})).runner_up_task == Task.MULTICLASS
    ratings = infer_layout(make_stats({"rating": [1, 2, 3, 4, 5] * 40}))
    assert ratings.runner_up_task == Task.REGRESSION
    assert infer_layout(make_stats({"y": [0, 1, 2] * 50})).runner_up_task is None
