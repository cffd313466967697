"""``outhead check --model``: tiny real Keras models saved here, read back in safe mode and
checked against targets, right and wrong. Slow: they import TensorFlow (one fixture per module).
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.errors import ModelError

pytestmark = pytest.mark.slow

needs_reading = pytest.mark.skipif(
    importlib.util.find_spec("outhead.reading") is None, reason="outhead.reading not merged yet"
)


def _build(keras: Any, folder: Path) -> dict[str, Path]:
    """Save one tiny model per case; returns name -> path."""
    layers, losses = keras.layers, keras.losses

    def seq(*head: Any) -> Any:
        return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), *head])

    models: dict[str, Any] = {}
    m = seq(layers.Dense(3, activation="softmax"))
    m.compile(loss=losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    models["softmax3_scce"] = m
    m = seq(layers.Dense(1, activation="softmax"))
    m.compile(loss="binary_crossentropy", metrics=["accuracy"])
    models["softmax1_bce"] = m
    m = seq(layers.Dense(1))
    m.compile(loss=losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    models["linear1_bce_logits"] = m
    m = seq(layers.Dense(1, activation="sigmoid"))
    m.compile(loss=losses.BinaryCrossentropy(from_logits=True))
    models["sigmoid1_bce_logits"] = m
    m = seq(layers.Dense(3), layers.Activation("softmax"))
    m.compile(
        loss="categorical_crossentropy",
        metrics=[keras.metrics.F1Score(threshold=0.5), keras.metrics.AUC(from_logits=False)],
    )
    models["dense3_activation_softmax_cce"] = m
    m = seq(layers.Dense(3), layers.Softmax())
    models["dense3_softmax_layer_uncompiled"] = m
    inputs = keras.Input((4,))
    models["two_outputs"] = keras.Model(
        inputs, [layers.Dense(1)(inputs), layers.Dense(2, activation="softmax")(inputs)]
    )
    m = seq(layers.Dense(3, activation="softmax"), layers.Lambda(lambda t: t * 1.0))
    m.compile(loss="sparse_categorical_crossentropy")
    models["lambda"] = m
    paths = {}
    for name, model in models.items():
        path = folder / f"{name}.keras"
        model.save(path)
        paths[name] = path
    garbage = folder / "garbage.keras"
    garbage.write_bytes(b"this is not a zip file")
    paths["garbage"] = garbage
    return paths


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    keras = pytest.importorskip("keras")
    with warnings.catch_warnings():
        # Building a softmax over 1 unit warns (that is the point of the model).
        warnings.simplefilter("ignore")
        return _build(keras, tmp_path_factory.mktemp("models"))


@pytest.mark.parametrize(
    ("name", "units", "activation", "loss", "from_logits", "metrics"),
    [
        ("softmax3_scce", 3, "softmax", "SparseCategoricalCrossentropy", False, ("accuracy",)),
        ("softmax1_bce", 1, "softmax", "binary_crossentropy", False, ("accuracy",)),
        ("linear1_bce_logits", 1, "linear", "BinaryCrossentropy", True, ("accuracy",)),
        ("sigmoid1_bce_logits", 1, "sigmoid", "BinaryCrossentropy", True, ()),
        (
            "dense3_activation_softmax_cce",
            3,
            "softmax",
            "categorical_crossentropy",
            False,
            ("F1Score(threshold=0.5)", "AUC(from_logits=False, multi_label=False)"),
        ),
        ("dense3_softmax_layer_uncompiled", 3, "softmax", None, False, ()),
    ],
)
def test_read_model_head(
    models: dict[str, Path],
    name: str,
    units: int,
    activation: str,
    loss: str | None,
    from_logits: bool,
    metrics: tuple[str, ...],
) -> None:
    from outhead.check.model_head import read_model_head

    head = read_model_head(models[name])
    assert (head.units, head.activation, head.loss, head.from_logits, head.metrics) == (
        units,
        activation,
        loss,
        from_logits,
        metrics,
    )
    assert head.source == str(models[name])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("garbage", "cannot load the model"),
        ("lambda", "arbitrary code execution"),  # safe mode refuses the Lambda
        ("two_outputs", "the model has 2 outputs"),
    ],
)
def test_unloadable_models_raise_model_error(
    models: dict[str, Path], name: str, message: str
) -> None:
    from outhead.check.model_head import read_model_head

    with pytest.raises(ModelError, match=message) as info:
        read_model_head(models[name])
    assert info.value.path == str(models[name])


def _labels_csv(path: Path, k: int) -> Path:
    path.write_text("y\n" + "\n".join(str(i % k) for i in range(120)) + "\n")
    return path


def _one_hot_csv(path: Path, k: int) -> Path:
    rows = [",".join("1" if j == i % k else "0" for j in range(k)) for i in range(120)]
    path.write_text(",".join(f"c{j}" for j in range(k)) + "\n" + "\n".join(rows) + "\n")
    return path


@needs_reading
@pytest.mark.parametrize(
    ("name", "target", "codes", "exit_code"),
    [
        ("softmax3_scce", "labels3", [], 0),
        ("softmax3_scce", "onehot3", ["OH204"], 1),
        ("softmax1_bce", "labels2", ["OH201"], 1),
        ("linear1_bce_logits", "labels2", ["OH503"], 0),
        ("sigmoid1_bce_logits", "labels2", ["OH401"], 1),
        ("dense3_activation_softmax_cce", "onehot3", [], 0),
        ("dense3_activation_softmax_cce", "labels3", ["OH205", "OH505", "OH505"], 1),
        ("dense3_softmax_layer_uncompiled", "labels3", ["OH001"], 0),
        # declared options fill what the model lacks (an uncompiled model has no loss)
        (
            "dense3_softmax_layer_uncompiled",
            "labels3 --loss sparse_categorical_crossentropy",
            [],
            0,
        ),
        (
            "dense3_softmax_layer_uncompiled",
            "labels3 --loss categorical_crossentropy",
            ["OH205"],
            1,
        ),
        (
            "dense3_softmax_layer_uncompiled",
            "onehot3 --loss CategoricalCrossentropy --metric F1Score",
            [],
            0,
        ),
        (
            "dense3_softmax_layer_uncompiled",
            "labels3 --loss SparseCategoricalCrossentropy --from-logits",
            ["OH401"],
            1,
        ),
        # options that agree with the model are fine
        (
            "softmax3_scce",
            "labels3 --units 3 --activation softmax --loss sparse_categorical_crossentropy",
            [],
            0,
        ),
    ],
)
def test_check_with_model(
    models: dict[str, Path], tmp_path: Path, name: str, target: str, codes: list[str],
    exit_code: int,
) -> None:  # fmt: skip
    files = {
        "labels2": _labels_csv(tmp_path / "labels2.csv", 2),
        "labels3": _labels_csv(tmp_path / "labels3.csv", 3),
        "onehot3": _one_hot_csv(tmp_path / "onehot3.csv", 3),
    }
    target, *options = target.split()
    result = CliRunner().invoke(
        app, ["check", str(files[target]), "--model", str(models[name]), *options, "--json"]
    )
    doc = json.loads(result.stdout)
    assert sorted(f["code"] for f in doc["findings"]) == sorted(codes), doc["findings"]
    assert result.exit_code == exit_code
    assert doc["files"][0]["head"]["source"] == str(models[name])


@needs_reading
def test_unsafe_model_exits_2(models: dict[str, Path], tmp_path: Path) -> None:
    target = _labels_csv(tmp_path / "y.csv", 3)
    result = CliRunner().invoke(app, ["check", str(target), "--model", str(models["lambda"])])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {models['lambda']}: cannot load the model")


@needs_reading
def test_uncompiled_model_says_to_pass_the_loss(models: dict[str, Path], tmp_path: Path) -> None:
    target = _labels_csv(tmp_path / "y.csv", 3)
    model = models["dense3_softmax_layer_uncompiled"]
    result = CliRunner().invoke(app, ["check", str(target), "--model", str(model), "--json"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "OH001"
    assert finding["message"].startswith(f"the saved model {model} has no compiled loss")
    assert finding["fix"] == "pass --loss alongside --model"
    assert "(or --model)" not in finding["fix"]


@needs_reading
def test_uncompiled_model_in_the_configuration(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _labels_csv(tmp_path / "y.csv", 3)
    model = models["dense3_softmax_layer_uncompiled"]
    config = tmp_path / "outhead.toml"
    config.write_text(f'[[targets]]\npath = "y.csv"\nmodel = "{model}"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--json"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["fix"] == "add head = { loss = ... } next to model in outhead.toml"
    config.write_text(
        f'[[targets]]\npath = "y.csv"\nmodel = "{model}"\n'
        'head = { loss = "sparse_categorical_crossentropy" }\n'
    )
    result = CliRunner().invoke(app, ["check", "--json"])
    assert json.loads(result.stdout)["findings"] == []
    assert result.exit_code == 0


@needs_reading
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--loss", "mse"], "--loss 'mse' contradicts the model"),
        (["--units", "4"], "--units 4 contradicts the model"),
        (["--activation", "sigmoid"], "--activation 'sigmoid' contradicts the model"),
        (["--from-logits"], "--from-logits True contradicts the model"),
        (["--loss", "scce"], "did you mean 'sparse_categorical_crossentropy'?"),
    ],
)
def test_options_that_contradict_the_model_exit_2(
    models: dict[str, Path], tmp_path: Path, options: list[str], message: str
) -> None:
    target = _labels_csv(tmp_path / "y.csv", 3)
    result = CliRunner().invoke(
        app, ["check", str(target), "--model", str(models["softmax3_scce"]), *options]
    )
    assert result.exit_code == 2
    assert message in result.stderr


def test_static_keras_names_match_keras() -> None:
    """The tables ``check`` uses without importing Keras are what Keras 3 accepts."""
    pytest.importorskip("keras")
    import inspect

    import keras
    from keras.src.activations import ALL_OBJECTS_DICT as ACTIVATIONS
    from keras.src.losses import ALL_OBJECTS_DICT as LOSSES
    from keras.src.losses.losses import LossFunctionWrapper
    from keras.src.metrics import ALL_OBJECTS_DICT as METRICS

    from outhead.check.keras_names import KERAS_ACTIVATIONS, KERAS_LOSSES, KERAS_METRICS

    assert set(KERAS_LOSSES) == set(LOSSES) - {"Loss", "LossFunctionWrapper"}
    assert set(KERAS_METRICS) == set(METRICS) - {
        "Metric", "MeanMetricWrapper", "metric", "mean_metric_wrapper",
    }  # fmt: skip
    assert set(KERAS_ACTIVATIONS) == set(ACTIVATIONS)
    function_class = {
        cls().fn: cls.__name__
        for cls in LOSSES.values()
        if inspect.isclass(cls) and issubclass(cls, LossFunctionWrapper)
        and cls is not LossFunctionWrapper
    }  # fmt: skip
    for name, cls in KERAS_LOSSES.items():
        obj = LOSSES[name]
        assert (obj.__name__ if inspect.isclass(obj) else function_class[obj]) == cls, name
        keras.losses.get(name)  # accepted as is
    # (metrics.get would also construct them, and IoU & co. need arguments: the names suffice)
    for name in KERAS_ACTIVATIONS:
        keras.activations.get(name)
    for kind, get in (("loss", keras.losses.get), ("metric", keras.metrics.get)):
        with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier"):
            get("scce" if kind == "loss" else "accurcy")


@needs_reading
def test_configured_head_that_contradicts_the_model_names_the_file(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _labels_csv(tmp_path / "y.csv", 3)
    (tmp_path / "outhead.toml").write_text(
        f'[[targets]]\npath = "y.csv"\nmodel = "{models["softmax3_scce"]}"\n'
        'head = { loss = "categorical_crossentropy" }\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: outhead.toml: head.loss 'categorical_crossentropy' contradicts the model"
    )
