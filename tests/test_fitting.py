"""lossbook.fitting: exact line fits and the loss grid, against independent computations."""

import itertools

import numpy as np
import pytest

from lossbook import fitting, losses


def _line(seed=0, n=30):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 5.0, size=n)
    return x, 2.0 * x + 1.0 + rng.standard_t(2, size=n)


@pytest.mark.parametrize("seed", range(5))
def test_least_squares_line_is_the_polyfit_line(seed):
    x, y = _line(seed)
    assert np.allclose(fitting.least_squares_line(x, y), np.polyfit(x, y, 1), rtol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_least_absolute_deviations_beats_every_line_through_two_points(seed):
    # Some minimiser of the LAD loss passes through two data points, so the best of those lines
    # has the smallest loss there is; the linear programme must reach it.
    x, y = _line(seed, n=15)
    w, b = fitting.least_absolute_deviations(x, y)
    best = min(losses.mean_absolute_error(y, wi * x + bi)
               for wi, bi in ((np.polyfit(x[[i, j]], y[[i, j]], 1))
                              for i, j in itertools.combinations(range(x.size), 2)))
    assert np.isclose(losses.mean_absolute_error(y, w * x + b), best, rtol=1e-9)


def test_least_absolute_deviations_ignores_one_wild_response():
    x = np.arange(10.0)
    y = 3.0 * x - 2.0
    y[4] += 1e3
    assert np.allclose(fitting.least_absolute_deviations(x, y), (3.0, -2.0), atol=1e-9)


def test_loss_grid_matches_a_loop():
    x, y = _line(1, n=12)
    ws, bs = np.linspace(1.0, 3.0, 7), np.linspace(-1.0, 2.0, 5)
    grid = fitting.loss_grid(losses.mean_absolute_error, x, y, ws, bs)
    assert grid.shape == (5, 7)
    for (i, b), (j, w) in itertools.product(enumerate(bs), enumerate(ws)):
        assert np.isclose(grid[i, j], np.mean(np.abs(y - w * x - b)), rtol=1e-12)


@pytest.mark.parametrize("function", [fitting.least_squares_line,
                                      fitting.least_absolute_deviations])
def test_bad_input_is_refused_with_the_function_name(function):
    with pytest.raises(ValueError, match=function.__name__):
        function(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="at least 2"):
        function(np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="finite"):
        function(np.array([0.0, 1.0, np.nan]), np.ones(3))


def test_loss_grid_refuses_a_2d_parameter_axis():
    with pytest.raises(ValueError, match="loss_grid"):
        fitting.loss_grid(losses.mean_squared_error, np.arange(3.0), np.arange(3.0),
                          np.ones((2, 2)), np.ones(3))
