"""The initial output bias and the tuned thresholds in the script of several outputs and in the
segmentation script (issue 11, continued): the same _common macro as the single-target script
(bias_function, the rules of outhead/priors.py), once per output head, or for the per-pixel
head. Fast: the rendered functions are taken out of the scripts and run with numpy. The
training run that reads the tuned thresholds back is in tests/test_multi_output_e2e.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from outhead.scaffold import scaffold_script
from tests.test_heads_train import script_function
from tests.test_images import render_in
from tests.test_multi_output import scaffold_multi
from tests.test_multi_output import write_table as write_listings
from tests.test_multi_weights import write_table as write_customers
from tests.test_render import ruff
from tests.test_segment import shapes_and_masks


def logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.fixture(scope="module")
def listings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_listings(tmp_path_factory.mktemp("bias") / "listings.csv")


# --- several outputs: a bias per output head -----------------------------------------------


def test_each_output_head_starts_at_its_priors(listings: Path, tmp_path: Path) -> None:
    script = scaffold_multi(listings, "price", "kind", "sold", "share")
    for name in ("price", "kind", "sold", "share"):
        assert f'"{name}": initial_bias_{name}(y_fit["{name}"][train]),' in script
        assert f'bias_initializer=start["{name}"],' in script
    assert "keras.initializers.Constant(bias) for name, bias in output_bias.items()" in script
    classes = {"kind": ["mid", "new", "old"], "sold": ["no", "yes"], "price": None, "share": None}
    bias = {
        name: script_function(script, f"initial_bias_{name}", CLASSES=classes)
        for name in classes
    }
    rng = np.random.default_rng(5)
    # softmax on class ids: the softmax of the bias gives back the class shares
    ids = rng.choice(3, 900, p=[0.6, 0.3, 0.1])
    b = bias["kind"](ids)
    assert abs(b.sum()) < 1e-5
    assert np.exp(b) / np.exp(b).sum() == pytest.approx(np.bincount(ids) / len(ids), abs=1e-5)
    # one sigmoid unit: the logit of the share of "yes"
    sold = (rng.random((900, 1)) < 0.07).astype("float32")
    assert bias["sold"](sold) == pytest.approx([logit(float(sold.mean()))], abs=1e-4)
    # a standardized regression target: its training mean is 0, so is the bias
    assert np.all(bias["price"](rng.normal(size=(900, 1))) == 0)
    # a value in [0, 1] under a sigmoid: the logit of the mean
    share = rng.uniform(0.2, 0.9, (900, 1))
    assert bias["share"](share) == pytest.approx([logit(float(share.mean()))], abs=1e-4)
    # a label never seen is clipped, not an infinity
    assert bias["sold"](np.zeros((10, 1))) == pytest.approx([logit(1e-4)], abs=1e-3)
    path = tmp_path / "multi"
    path.mkdir()
    (path / "train.py").write_text(script)
    ruff(path)


def test_a_weighted_output_starts_at_zero_and_the_others_at_their_priors(
    tmp_path: Path,
) -> None:
    table = write_customers(tmp_path / "customers.csv", n=800)
    result = scaffold_script(str(table), target_columns=["churn", "value", "kind"])
    assert result.multi is not None
    script = result.script
    assert 'WEIGHTED_OUTPUTS = ["churn"]' in script  # about 1 row in 8 is "yes"
    classes = {"churn": ["no", "yes"], "kind": ["a", "b", "c"], "value": None}
    churn = script_function(script, "initial_bias_churn", CLASSES=classes)
    kind = script_function(script, "initial_bias_kind", CLASSES=classes)
    y = (np.arange(800) % 8 == 0).astype("float32").reshape(-1, 1)
    # the row weights make "yes" and "no" weigh the same: the prior the loss sees is 0.5
    assert np.all(churn(y) == 0) and churn(y).shape == (1,)
    ids = np.array([0] * 500 + [1] * 200 + [2] * 100)
    b = kind(ids)
    assert np.exp(b) / np.exp(b).sum() == pytest.approx([0.625, 0.25, 0.125], abs=1e-5)


# --- several outputs: tuned thresholds for the binary ones ---------------------------------


def test_binary_outputs_get_tuned_thresholds(listings: Path) -> None:
    script = scaffold_multi(listings, "price", "kind", "sold")
    assert 'TUNED_OUTPUTS = ["sold"]' in script
    assert '"--threshold-metric",' in script and '"--min-recall",' in script
    assert '"threshold": thresholds["sold"],  # tuned on the validation rows' in script
    assert '"threshold": None,' in script  # kind (argmax) and price keep theirs
    assert 'results[name]["decision"] = decision' in script
    # the tuning functions are the single-target script's, and run as there
    tune = script_function(script, "tune_threshold")
    tune_all = script_function(script, "tune_thresholds", tune_threshold=tune)
    scores = script_function(script, "decision_scores")
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1], dtype="float32").reshape(-1, 1)
    p = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4], dtype="float32").reshape(-1, 1)
    (threshold,) = tune_all(y, p, "f1", 0.9)
    assert 0.2 < threshold < 0.25  # all three "on" rows, one false positive: F1 6/7
    assert scores(y, p, threshold)["recall"] == 1.0
    assert scores(y, p, 0.5)["recall"] == 0.0  # at 0.5 it never says "yes"


def test_no_binary_output_no_threshold_options(listings: Path) -> None:
    script = scaffold_multi(listings, "price", "kind")
    assert "--threshold-metric" not in script and "tune_threshold" not in script
    assert "TUNED_OUTPUTS" not in script and "--no-plots" not in script


# --- masks: the bias of the per-pixel head -------------------------------------------------


@pytest.fixture(scope="module")
def masks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("maskbias")
    images, masks = shapes_and_masks()
    np.save(folder / "images.npy", images)
    np.save(folder / "masks.npy", masks)
    np.save(folder / "mask01.npy", (masks > 0).astype("uint8"))
    np.save(folder / "multihot.npy", np.stack([masks > 0, masks == 2], axis=-1).astype("uint8"))
    return folder, masks


def test_the_pixel_head_starts_at_the_pixel_shares(masks: tuple[Path, np.ndarray]) -> None:
    folder, ids = masks
    scripts = {
        name: render_in(folder, f"{name}.npy", features_path="images.npy")
        for name in ("masks", "mask01", "multihot")
    }
    for script in scripts.values():
        assert "bias_initializer=keras.initializers.Constant(output_bias)" in script
        assert "model = build_model(tuple(images.shape[1:]), output_bias)" in script
    # class map: the class ids of every training pixel, log priors centred on 0
    assert "y_bias = ids[train].ravel()" in scripts["masks"]
    bias = script_function(scripts["masks"], "initial_bias", CLASSES=[0, 1, 2])
    b = bias(ids.ravel().astype("int64"))
    share = np.bincount(ids.ravel(), minlength=3) / ids.size
    assert np.exp(b) / np.exp(b).sum() == pytest.approx(share, abs=1e-5)
    # 0/1 mask: the logit of the share of "on" pixels, over every position
    assert "y_bias = y[train].reshape(-1, 1)" in scripts["mask01"]
    bias = script_function(scripts["mask01"], "initial_bias")
    on = (ids > 0).astype("float32")
    assert bias(on.reshape(-1, 1)) == pytest.approx([logit(float(on.mean()))], abs=1e-4)
    # multi-hot: one logit per channel
    assert "y_bias = y[train].reshape(-1, 2)" in scripts["multihot"]
    bias = script_function(scripts["multihot"], "initial_bias")
    channels = np.stack([ids > 0, ids == 2], axis=-1).astype("float32").reshape(-1, 2)
    expected = [logit(float(channels[:, k].mean())) for k in range(2)]
    assert bias(channels) == pytest.approx(expected, abs=1e-4)


def test_weighted_pixels_start_at_zero(masks: tuple[Path, np.ndarray]) -> None:
    folder, _ = masks
    script = render_in(folder, "masks.npy", features_path="images.npy")
    assert "CLASS_WEIGHTS = " in script  # the background covers most pixels
    # with the weights (the default) the bias is 0; with --no-class-weights the priors
    assert 'output_bias = initial_bias(y_bias) if weights is None else np.zeros(3, "float32")' in (
        script
    )
    line = next(ln for ln in script.splitlines() if "weights = np.asarray(CLASS_WEIGHTS" in ln)
    assert "if args.class_weights else None" in line


def test_mask_thresholds_are_tuned_on_the_validation_pixels(
    masks: tuple[Path, np.ndarray],
) -> None:
    folder, _ = masks
    binary = render_in(folder, "mask01.npy", features_path="images.npy")
    multihot = render_in(folder, "multihot.npy", features_path="images.npy")
    classes = render_in(folder, "masks.npy", features_path="images.npy")
    for script in (binary, multihot):
        assert '"--threshold-metric",' in script and "def tune_threshold(" in script
        assert "y[val].reshape(-1, " in script  # every validation pixel is a row
        assert 'labels["threshold"] = thresholds' in script
        assert 'metrics["decision"] = decision' in script
    assert "thresholds = thresholds[0]  # one channel: one number" in binary
    assert "thresholds[0]" not in multihot  # one per channel
    assert "--threshold-metric" not in classes and "tune_threshold" not in classes
