"""OH4xx: ``from_logits`` against the activation of the output layer."""

from __future__ import annotations

from outhead.check.keras_names import (
    CROSSENTROPY,
    PROBABILITY_ACTIVATIONS,
    REGRESSION_KINDS,
)
from outhead.check.rules.common import HeadCtx, Hit, layer_code, loss_code
from outhead.recommend import LOSSES


def _applies(c: HeadCtx) -> bool:
    if c.family not in CROSSENTROPY:
        return False
    # On a regression target OH308 already says the loss is wrong; from_logits is beside the
    # point (binary cross-entropy on values in [0, 1] is a valid regression loss).
    return c.layout.kind not in REGRESSION_KINDS or c.family == "bce"


def from_logits_after_activation(c: HeadCtx) -> list[Hit]:
    """OH401: ``from_logits=True`` after a sigmoid or softmax squashes twice."""
    if not _applies(c) or not c.from_logits or c.act not in PROBABILITY_ACTIVATIONS:
        return []
    assert c.family is not None and c.act is not None
    act_word = "Softmax" if c.act == "softmax" else "Sigmoid"
    return [
        Hit(
            f"from_logits=True after a {c.act} squashes twice: the TensorFlow backend warns "
            f'"`{LOSSES[c.family][0]}` received `from_logits=True`, but the `output` argument was '
            f"produced by a {act_word} activation and thus does not represent logits. Was this "
            'intended?" and then silently uses the logits, while JAX and torch apply the '
            f"{c.act} again with no warning and barely train",
            f"{layer_code(c.units or c.width, 'linear')}; "
            f"loss={loss_code(LOSSES[c.family][1], from_logits=True)}  "
            f"(or keep the {c.act} and drop from_logits)",
        )
    ]


def linear_head_without_from_logits(c: HeadCtx) -> list[Hit]:
    """OH402: a linear head with a cross-entropy that expects probabilities."""
    if not _applies(c) or c.from_logits or c.act != "linear":
        return []
    assert c.family is not None
    return [
        Hit(
            f"a linear head outputs logits but {c.loss_name} expects probabilities "
            "(from_logits=False): no warning on any backend, the logits are clipped into "
            "[1e-7, 1-1e-7] and the loss is several times higher than it should be",
            f"loss={loss_code(LOSSES[c.family][1], from_logits=True)}",
        )
    ]
