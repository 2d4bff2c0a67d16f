"""The element-wise regression losses look for NaN and infinity in their result, not their inputs.

That saves two passes over the data, and is only correct if every NaN or infinity in either input
reaches the per-sample result and the error still names the argument at fault. Checked here for
each position, each kind of bad value and each loss, with warnings as errors.
"""

import warnings

import numpy as np
import pytest

from lossbook import losses

LATE = ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
        "mean_absolute_percentage_error", "pinball"]  # fmt: skip
OPTIONS = {"pinball": {"quantile": 0.3}}
BAD = [np.nan, np.inf, -np.inf]


@pytest.mark.parametrize("name", LATE)
@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("argument", ["y_true", "y_pred"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bad_value_anywhere_is_named(name, bad, argument, dtype):
    rng = np.random.default_rng(0)
    for row, col in [(0, 0), (17, 3), (49, 6)]:
        arrays = {"y_true": rng.normal(size=(50, 7)).astype(dtype),
                  "y_pred": rng.normal(size=(50, 7)).astype(dtype)}
        arrays[argument][row, col] = bad
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=f"losses.{name}: {argument} contains NaN or infinity"):
                losses.LOSSES[name](arrays["y_true"], arrays["y_pred"], **OPTIONS.get(name, {}))


@pytest.mark.parametrize("name", LATE)
def test_same_infinity_in_both_arguments(name):
    y = np.array([[1.0, np.inf, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="y_true contains NaN or infinity"):
            losses.LOSSES[name](y, y.copy(), **OPTIONS.get(name, {}))


@pytest.mark.parametrize("name", LATE)
def test_overflow_is_still_reported(name):
    big = np.full((2, 3), 3e38, dtype=np.float32)
    with pytest.raises(ValueError, match="overflowed"):
        losses.LOSSES[name](big, -big, **OPTIONS.get(name, {}))
