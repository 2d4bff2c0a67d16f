"""Large inputs are split over a few threads (lossbook.losses._threads); the results must not
change by a single bit, and errors must read as if nothing had been split."""

from __future__ import annotations

import numpy as np
import pytest

from lossbook import losses
from lossbook.losses import _threads

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

ROWS = 2**18 // 8 + 37  # more than PARALLEL_MIN_ELEMENTS elements in rows of 8, unevenly split


def large_inputs(name, rng):
    shape = (ROWS, 8)
    if name in ("sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"):
        return (rng.integers(0, 8, ROWS), rng.dirichlet(np.ones(8), ROWS)), {"q": 0.3} if name.startswith("categorical_g") else {}
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy", "kl_divergence"):
        return (rng.dirichlet(np.ones(8), ROWS), rng.dirichlet(np.ones(8), ROWS)), {}
    if name in ("binary_crossentropy", "binary_focal_crossentropy", "dice", "tversky"):
        opts = {"axis": -1} if name in ("dice", "tversky") else {}
        return (rng.integers(0, 2, shape).astype(float), rng.uniform(0, 1, shape)), opts
    if name in ("hinge", "squared_hinge", "categorical_hinge"):
        labels = np.eye(8)[rng.integers(0, 8, ROWS)]
        return (labels, rng.normal(size=shape)), {}
    if name == "poisson":
        return (rng.poisson(2.0, shape).astype(float), rng.uniform(0, 5, shape)), {}
    if name == "triplet_margin":
        return tuple(rng.normal(size=(3, *shape))), {}
    if name == "dpo":
        return tuple(-rng.uniform(0, 50, (4, ROWS * 8))), {}
    if name == "distillation":
        return (rng.normal(size=shape), rng.normal(size=shape)), {"temperature": 2.0}
    if name == "pinball":
        return (rng.normal(size=shape), rng.normal(size=shape)), {"quantile": 0.7}
    return (rng.normal(size=shape), rng.normal(size=shape)), {}


ROW_WISE = [name for name in losses.LOSSES if name not in ("circle", "ctc", "info_nce")]


@pytest.mark.parametrize("name", ROW_WISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_results_are_bitwise_equal(name, dtype, monkeypatch):
    args, opts = large_inputs(name, np.random.default_rng(0))
    args = tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in args)
    monkeypatch.setattr(_threads, "WORKERS", 3)  # split even on a machine with one core
    split = losses.LOSSES[name](*args, **opts)
    monkeypatch.setattr(_threads, "WORKERS", 1)
    whole = losses.LOSSES[name](*args, **opts)
    assert split.dtype == whole.dtype == dtype
    np.testing.assert_array_equal(split, whole)


def test_errors_describe_the_whole_input(monkeypatch):
    monkeypatch.setattr(_threads, "WORKERS", 3)
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.dirichlet(np.ones(8), ROWS), rng.dirichlet(np.ones(8), ROWS)
    y_pred[ROWS - 5] = 0.0  # in the last block: its row number counts from the first row
    with pytest.raises(ValueError, match=rf"row \({ROWS - 5},\) sums to 0"):
        losses.categorical_crossentropy(y_true, y_pred)
    # an overflow in a worker thread raises as it would in the caller's (np.errstate is carried)
    big = np.full((ROWS, 8), 3e19, dtype=np.float32)
    with pytest.raises(ValueError, match=r"losses\.squared_hinge: the computation overflowed"):
        losses.squared_hinge(np.ones((ROWS, 8)), -big)


def test_small_inputs_stay_in_the_calling_thread(monkeypatch):
    calls = []
    monkeypatch.setattr(_threads, "WORKERS", 3)
    monkeypatch.setattr(_threads, "_executor", lambda: calls.append(1))
    losses.mean_squared_error(np.zeros((100, 100)), np.ones((100, 100)))
    assert not calls


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
def test_hinge_labels_checked_in_the_blocks(name, monkeypatch):
    monkeypatch.setattr(_threads, "WORKERS", 3)
    labels = np.random.default_rng(2).choice([-1.0, 1.0], (ROWS, 8))
    labels[ROWS - 3, 2] = 0.5  # in the last block, which the calling thread computes
    with pytest.raises(ValueError, match=rf"^losses\.{name}: y_true must hold labels .*got the value 0.5"):
        losses.LOSSES[name](labels, np.zeros((ROWS, 8)))
    labels[ROWS - 3, 2] = 0.0  # a 0 among signs, in a block of another thread
    labels[:10] = -1.0
    with pytest.raises(ValueError, match=r"got a mix of 0 and -1"):
        losses.LOSSES[name](labels, np.zeros((ROWS, 8)))
