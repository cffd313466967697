"""Hand-built recommendations for the files in ``sample_data/`` (the scaffold's test table).

The scaffold renders from a :class:`~outhead.recommend.Recommendation`; these are built by hand
from the layout table of issue 2, so the renderer is tested on its own, whatever inference
decides. ``tests/test_scaffold_e2e.py`` also renders through the real ``outhead scaffold``.
"""

from __future__ import annotations

from dataclasses import dataclass

from outhead.layout import Layout, LayoutKind, Task
from outhead.recommend import Head, MetricSpec, Recommendation
from outhead.render import FeatureSpec
from outhead.stats import Source

GASES = ("He", "Ne", "Ar", "Kr", "Xe", "Rn")

RMSE = MetricSpec("RootMeanSquaredError", "root_mean_squared_error")
MAE = MetricSpec("MeanAbsoluteError", "mean_absolute_error")
BIN_METRICS = (
    MetricSpec("BinaryAccuracy", "binary_accuracy"),
    MetricSpec("AUC", "auc"),
    MetricSpec("Precision", "precision"),
    MetricSpec("Recall", "recall"),
)
SPARSE = (MetricSpec("SparseCategoricalAccuracy", "sparse_categorical_accuracy"),)
CATEGORICAL = (MetricSpec("CategoricalAccuracy", "categorical_accuracy"),)


def multilabel_metrics(k: int) -> tuple[MetricSpec, ...]:
    return (
        MetricSpec("BinaryAccuracy", "binary_accuracy"),
        MetricSpec("AUC", "auc", (("multi_label", True), ("num_labels", k))),
        MetricSpec("Precision", "precision"),
        MetricSpec("Recall", "recall"),
    )


@dataclass(frozen=True)
class Case:
    """One sample target: its files and the recommendation issue 2's table gives for it."""

    name: str
    recommendation: Recommendation
    target: Source
    features: FeatureSpec

    @property
    def head(self) -> Head:
        return self.recommendation.head


def csv_source(
    path: str, columns: tuple[str, ...], all_columns: tuple[str, ...] | None = None
) -> Source:
    return Source(
        path=path,
        format="csv",
        columns=columns,
        all_columns=all_columns or columns,
        header=True,
        delimiter=",",
    )


def _rec(
    kind: LayoutKind,
    task: Task,
    head: Head,
    metrics: tuple[MetricSpec, ...],
    *,
    columns: tuple[str, ...],
    classes: tuple | None = None,
    counts: tuple[int, ...] | None = None,
    decision: str = "identity",
    threshold: float | None = None,
    class_weight: dict[int, float] | None = None,
    separator: str | None = None,
) -> Recommendation:
    layout = Layout(
        kind=kind,
        task=task,
        n_rows=400,
        n_outputs=head.units,
        columns=columns,
        classes=classes,
        class_counts=counts,
        evidence=(f"hand-built {kind.value} case for the scaffold tests",),
        separator=separator,
    )
    return Recommendation(
        layout=layout,
        head=head,
        metrics=metrics,
        decision=decision,  # type: ignore[arg-type]
        decision_text="",
        threshold=threshold,
        report=(),
        class_weight=class_weight,
        alternatives=(),
        why=(f"{head.activation} output with {head.loss}",),
    )


def _features(path: str, columns: tuple[str, ...]) -> FeatureSpec:
    return FeatureSpec(csv_source(path, columns))


MSE = ("mean_squared_error", "MeanSquaredError")
BCE = ("binary_crossentropy", "BinaryCrossentropy")
SCCE = ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
CCE = ("categorical_crossentropy", "CategoricalCrossentropy")

MACHINE_FEATURES = _features(
    "sample_data/machine_features.csv", ("temperature", "pressure", "vibration", "rpm")
)
GAS_FEATURES = _features(
    "sample_data/gas_features.csv",
    ("density_g_l", "boiling_point_k", "ionization_ev", "pressure_atm"),
)
MIXTURE_FEATURES = _features(
    "sample_data/mixture_features.csv", tuple(f"line_{i:02d}" for i in range(12))
)
FAILED_COUNTS = (305, 95)
FAILED_WEIGHTS = {0: 0.656, 1: 2.105}


def _binary(name: str, path: str, columns: tuple[str, ...], classes: tuple) -> Case:
    rec = _rec(
        LayoutKind.LABEL_VECTOR,
        Task.BINARY,
        Head(1, "sigmoid", *BCE),
        BIN_METRICS,
        columns=columns,
        classes=classes,
        counts=FAILED_COUNTS,
        decision="threshold",
        threshold=0.5,
        class_weight=FAILED_WEIGHTS,
    )
    return Case(name, rec, csv_source(path, columns), MACHINE_FEATURES)


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        Case(
            "regression",
            _rec(
                LayoutKind.CONTINUOUS,
                Task.REGRESSION,
                Head(1, "linear", *MSE),
                (RMSE, MAE),
                columns=("price",),
            ),
            csv_source("sample_data/house_prices.csv", ("price",)),
            _features(
                "sample_data/house_features.csv", ("sqft", "bedrooms", "age_years", "neighborhood")
            ),
        ),
        Case(
            "bounded",
            _rec(
                LayoutKind.BOUNDED,
                Task.BOUNDED_REGRESSION,
                Head(1, "sigmoid", *MSE),
                (MAE, RMSE),
                columns=("health",),
            ),
            csv_source("sample_data/engine_health.csv", ("health",)),
            _features(
                "sample_data/engine_features.csv",
                ("hours", "temperature_c", "vibration_mm_s", "oil_quality"),
            ),
        ),
        Case(
            "multi-regression",
            _rec(
                LayoutKind.MULTI_CONTINUOUS,
                Task.REGRESSION,
                Head(2, "linear", *MSE),
                (RMSE, MAE),
                columns=("heating_load", "cooling_load"),
            ),
            csv_source("sample_data/building_loads.csv", ("heating_load", "cooling_load")),
            _features(
                "sample_data/building_features.csv",
                ("surface_area", "height", "glazing_area", "orientation"),
            ),
        ),
        _binary("binary", "sample_data/machine_failure.csv", ("failed",), (0, 1)),
        _binary(
            "binary-strings", "sample_data/machine_failure_yesno.csv", ("failed",), ("no", "yes")
        ),
        Case(
            "binary-onehot",
            _rec(
                LayoutKind.ONE_HOT,
                Task.BINARY,
                Head(2, "softmax", *CCE),
                CATEGORICAL,
                columns=("ok", "failed"),
                classes=("ok", "failed"),
                counts=FAILED_COUNTS,
                decision="argmax",
                class_weight=FAILED_WEIGHTS,
            ),
            csv_source("sample_data/machine_failure_onehot.csv", ("ok", "failed")),
            MACHINE_FEATURES,
        ),
        Case(
            "multiclass-strings",
            _rec(
                LayoutKind.LABEL_VECTOR,
                Task.MULTICLASS,
                Head(6, "softmax", *SCCE),
                SPARSE,
                columns=("gas",),
                classes=("Ar", "He", "Kr", "Ne", "Rn", "Xe"),
                decision="argmax",
            ),
            csv_source("sample_data/noble_gas.csv", ("gas",)),
            GAS_FEATURES,
        ),
        Case(
            "multiclass-ints",
            _rec(
                LayoutKind.LABEL_VECTOR,
                Task.MULTICLASS,
                Head(6, "softmax", *SCCE),
                SPARSE,
                columns=("period",),
                classes=(1, 2, 3, 4, 5, 6),
                decision="argmax",
            ),
            csv_source("sample_data/noble_gas_period.csv", ("period",)),
            GAS_FEATURES,
        ),
        Case(
            "onehot",
            _rec(
                LayoutKind.ONE_HOT,
                Task.MULTICLASS,
                Head(6, "softmax", *CCE),
                CATEGORICAL,
                columns=GASES,
                classes=GASES,
                decision="argmax",
            ),
            csv_source("sample_data/noble_gas_onehot.csv", GASES),
            GAS_FEATURES,
        ),
        Case(
            "multihot",
            _rec(
                LayoutKind.MULTI_HOT,
                Task.MULTILABEL,
                Head(6, "sigmoid", *BCE),
                multilabel_metrics(6),
                columns=GASES,
                classes=GASES,
                decision="per-label-threshold",
                threshold=0.5,
            ),
            csv_source("sample_data/noble_gas_presence.csv", GASES),
            MIXTURE_FEATURES,
        ),
        Case(
            "label-sets",
            _rec(
                LayoutKind.LABEL_SETS,
                Task.MULTILABEL,
                Head(6, "sigmoid", *BCE),
                multilabel_metrics(6),
                columns=("gases",),
                classes=GASES,
                decision="per-label-threshold",
                threshold=0.5,
                separator="|",
            ),
            csv_source("sample_data/noble_gas_sets.csv", ("gases",)),
            MIXTURE_FEATURES,
        ),
        Case(
            "probabilities",
            _rec(
                LayoutKind.PROBABILITIES,
                Task.MULTICLASS,
                Head(6, "softmax", *CCE),
                CATEGORICAL,
                columns=GASES,
                classes=GASES,
                decision="argmax",
            ),
            csv_source("sample_data/noble_gas_fractions.csv", GASES),
            _features(
                "sample_data/fraction_features.csv", tuple(f"line_{i:02d}" for i in range(12))
            ),
        ),
    )
}

TABLE_COLUMNS = (
    "rownames",
    "machine_type",
    "temperature",
    "pressure",
    "vibration",
    "rpm",
    "has_coolant",
    "failed",
)
TABLE_SOURCE = csv_source("sample_data/machines_table.csv", ("failed",), TABLE_COLUMNS)
CASES["table"] = Case(
    "table",
    _rec(
        LayoutKind.LABEL_VECTOR,
        Task.BINARY,
        Head(1, "sigmoid", *BCE),
        BIN_METRICS,
        columns=("failed",),
        classes=("no", "yes"),
        counts=FAILED_COUNTS,
        decision="threshold",
        threshold=0.5,
        class_weight=FAILED_WEIGHTS,
    ),
    TABLE_SOURCE,
    FeatureSpec(TABLE_SOURCE, TABLE_COLUMNS[1:-1], in_target_file=True, dropped=("rownames",)),
)

#: Twelve classes: the recommendation adds top-5 accuracy (the baseline must not tie there).
MONTHS = tuple(f"m{i:02d}" for i in range(12))
CASES["topk"] = Case(
    "topk",
    _rec(
        LayoutKind.LABEL_VECTOR,
        Task.MULTICLASS,
        Head(12, "softmax", *SCCE),
        (
            *SPARSE,
            MetricSpec(
                "SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy", (("k", 5),)
            ),
        ),
        columns=("month",),
        classes=MONTHS,
        decision="argmax",
    ),
    csv_source("data/month.csv", ("month",)),
    GAS_FEATURES,
)

#: A features file saved by pandas: its index column (``unnamed_0``) is left out.
INDEXED_FEATURES = csv_source(
    "data/X.csv", ("unnamed_0", "density", "pressure"), ("unnamed_0", "density", "pressure")
)
CASES["features-dropped"] = Case(
    "features-dropped",
    CASES["multiclass-strings"].recommendation,
    csv_source("data/y.csv", ("gas",)),
    FeatureSpec(INDEXED_FEATURES, ("density", "pressure"), dropped=("unnamed_0",)),
)
