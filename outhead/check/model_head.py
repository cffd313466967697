"""Read the output head of a saved Keras model, for ``outhead check --model``.

This is the only module that imports Keras (and, through it, TensorFlow), and only inside
:func:`read_model_head`: nothing else in outhead pays for that import. Models are loaded with
``safe_mode=True``, so a ``.keras`` file with a ``Lambda`` layer (arbitrary code) is refused,
never executed.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from outhead.check.model import DeclaredHead
from outhead.errors import MissingDependencyError, ModelError

#: Layers that only apply an activation: the real output unit count is in the layer before.
_ACTIVATION_LAYERS = {"Activation": None, "Softmax": "softmax", "ReLU": "relu"}
#: Metric arguments worth keeping (the ones the check rules read).
_METRIC_ARGS = ("threshold", "thresholds", "from_logits", "multi_label", "average")


def _import_keras() -> Any:
    # Quiet TensorFlow's C++ start-up chatter; stdout must stay clean for --format json.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except ImportError as exc:
        raise MissingDependencyError(
            "reading a model needs TensorFlow (Keras 3): pip install 'outhead[tf]'"
            f" ({type(exc).__name__}: {exc})"
        ) from None
    return keras


def read_model_head(path: str | Path) -> DeclaredHead:
    """Load a saved Keras model in safe mode and describe its output head.

    The last layer's units come from the model's output shape; its activation is the output
    layer's own, or that of a final ``Activation``/``Softmax`` layer after a linear ``Dense``.
    The compiled loss (class or string id, ``from_logits``) and metrics are read from the
    compile configuration saved with the model.

    Args:
        path: a ``.keras`` file (or anything ``keras.saving.load_model`` reads).

    Returns:
        A :class:`~outhead.check.model.DeclaredHead` with ``source`` set to the path; ``loss`` is
        None when the model was saved without ``compile()``.

    Raises:
        MissingDependencyError: TensorFlow/Keras is not installed (``pip install 'outhead[tf]'``).
        ModelError: the file is missing, cannot be loaded (or is refused by safe mode), or the
            model has several outputs.
    """
    text = str(path)
    if not Path(text).is_file():
        raise ModelError("model file not found", path=text)
    keras = _import_keras()
    try:
        with warnings.catch_warnings():
            # Optimizer-state and deprecation warnings say nothing about the head.
            warnings.simplefilter("ignore")
            model = keras.saving.load_model(text, compile=True, safe_mode=True)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ModelError(
            f"cannot load the model ({type(exc).__name__}: {first_line})", path=text
        ) from None
    outputs = list(getattr(model, "outputs", None) or [])
    if len(outputs) > 1:
        raise ModelError(
            f"the model has {len(outputs)} outputs; outhead checks single-output models",
            path=text,
        )
    units = _output_units(model, outputs)
    activation = _output_activation(model, outputs)
    loss, from_logits, metrics = _compiled(model)
    return DeclaredHead(
        units=units,
        activation=activation,
        loss=loss,
        from_logits=from_logits,
        metrics=metrics,
        source=text,
    )


def _output_layer(model: Any, outputs: list[Any]) -> Any:
    if outputs:
        history = getattr(outputs[0], "_keras_history", None)
        if history is not None:
            return history[0]
    layers = list(getattr(model, "layers", []) or [])
    if not layers:
        raise ModelError("the model has no layers", path=None)
    return layers[-1]


def _output_units(model: Any, outputs: list[Any]) -> int | None:
    shape = None
    if outputs:
        shape = tuple(outputs[0].shape)
    elif getattr(model, "output_shape", None) is not None:
        shape = tuple(model.output_shape)
    if not shape:
        return None
    last = shape[-1]
    return int(last) if last is not None else None


def _activation_name(value: Any) -> str:
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        # A serialized activation: {"class_name": "function", "config": "sigmoid", ...}
        config = value.get("config")
        return str(config if isinstance(config, str) else value.get("class_name", "linear"))
    return str(getattr(value, "__name__", value))


def _output_activation(model: Any, outputs: list[Any]) -> str:
    layer = _output_layer(model, outputs)
    kind = type(layer).__name__
    config = layer.get_config()
    if kind in _ACTIVATION_LAYERS:
        fixed = _ACTIVATION_LAYERS[kind]
        return fixed if fixed is not None else _activation_name(config.get("activation"))
    return _activation_name(config.get("activation"))


def _compiled(model: Any) -> tuple[str | None, bool, tuple[str, ...]]:
    """The compiled loss (name), its ``from_logits`` and the metrics, as declared strings."""
    try:
        config = model.get_compile_config()
    except Exception:
        config = None
    if not config:
        return None, False, ()
    loss = config.get("loss")
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    if isinstance(loss, dict) and "class_name" in loss and "config" in loss:
        name = loss["class_name"]
        from_logits = bool((loss.get("config") or {}).get("from_logits", False))
    elif isinstance(loss, str):
        name, from_logits = loss, False
    else:
        name, from_logits = None, False
    metrics: list[str] = []
    for item in _flatten(config.get("metrics")) + _flatten(config.get("weighted_metrics")):
        metrics.append(_metric_text(item))
    return name, from_logits, tuple(metrics)


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict) and "class_name" not in value:
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _flatten(v)]
    return [value]


def _metric_text(item: Any) -> str:
    """A serialized metric as a constructor call the check rules can parse."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and "class_name" in item:
        cfg = item.get("config") or {}
        args = ", ".join(f"{k}={cfg[k]!r}" for k in _METRIC_ARGS if k in cfg and cfg[k] is not None)
        return f"{item['class_name']}({args})" if args else str(item["class_name"])
    return str(item)
