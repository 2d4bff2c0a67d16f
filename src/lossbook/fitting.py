"""Exact fits of a straight line, and a loss on a grid of lines: helpers several chapters share.

Chapter 01 shows how each of these is computed (the normal equations, the linear programme, the
broadcast grid); later chapters call them here instead of copying the code.

>>> import numpy as np
>>> x = np.array([0.0, 1.0, 2.0, 3.0])
>>> [round(v, 6) for v in least_squares_line(x, 2 * x + 1)]
[2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _line_data(name: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"fitting.{name}: x and y must be 1-D arrays of the same length, "
                         f"got x.shape={x.shape} and y.shape={y.shape}")
    if x.size < 2:
        raise ValueError(f"fitting.{name}: a line needs at least 2 points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"fitting.{name}: x and y must be finite (no NaN or inf)")
    return x, y


def least_squares_line(x, y) -> tuple[float, float]:
    """The slope and intercept ``(w, b)`` that minimise ``mean((y - w * x - b) ** 2)``.

    The minimiser solves the normal equations ``X^T X theta = X^T y`` with rows ``(x_i, 1)`` in
    ``X``; this solves the same least-squares problem by SVD (``np.linalg.lstsq``), which never
    forms ``X^T X`` and so loses no accuracy when ``x`` is far from centred.
    Reference: Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*, 3.2.
    """
    x, y = _line_data("least_squares_line", x, y)
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def least_absolute_deviations(x, y) -> tuple[float, float]:
    """The slope and intercept ``(w, b)`` that minimise ``mean(abs(y - w * x - b))``.

    Least absolute deviations is a linear programme: write each residual as ``u_i - v_i`` with
    ``u_i, v_i >= 0`` and minimise ``sum(u + v)`` subject to ``w x_i + b + u_i - v_i = y_i``. At the
    optimum ``u_i + v_i = |r_i|``. The minimiser need not be unique (the optimal set can be a
    segment of lines with the same loss); SciPy's HiGHS solver then returns one of them.
    Reference: Boyd and Vandenberghe, *Convex Optimization*, 6.1 (l1-norm approximation).
    """
    from scipy.optimize import linprog  # SciPy only for this function: lossbook needs NumPy only

    x, y = _line_data("least_absolute_deviations", x, y)
    n = x.size
    cost = np.concatenate([[0.0, 0.0], np.ones(2 * n)])
    equality = np.hstack([x[:, None], np.ones((n, 1)), np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * 2 + [(0.0, None)] * (2 * n)
    result = linprog(cost, A_eq=equality, b_eq=y, bounds=bounds, method="highs")
    if result.status != 0:  # pragma: no cover - an LP with a feasible bounded optimum always solves
        raise RuntimeError(f"fitting.least_absolute_deviations: linprog failed: {result.message}")
    w, b = result.x[:2]
    return float(w), float(b)


def loss_grid(loss: Callable, x, y, ws, bs) -> np.ndarray:
    """The loss of every line ``w * x + b`` with ``w`` in ``ws`` and ``b`` in ``bs``.

    The result has shape ``(len(bs), len(ws))``.

    ``loss`` is any function with the per-sample semantics of ``lossbook.losses`` (it reduces the
    last axis). Predictions are broadcast to shape ``(len(bs), len(ws), len(x))`` with the data on
    the last axis, so one call scores every line; element ``[i, j]`` belongs to ``(ws[j], bs[i])``,
    the layout of ``np.meshgrid(ws, bs)`` and of ``plt.contourf(ws, bs, grid)``.
    """
    x, y = _line_data("loss_grid", x, y)
    ws = np.asarray(ws, dtype=float)
    bs = np.asarray(bs, dtype=float)
    if ws.ndim != 1 or bs.ndim != 1:
        raise ValueError(f"fitting.loss_grid: ws and bs must be 1-D, got shapes {ws.shape} "
                         f"and {bs.shape}")
    predictions = ws[None, :, None] * x + bs[:, None, None]
    return np.asarray(loss(np.broadcast_to(y, predictions.shape), predictions))
