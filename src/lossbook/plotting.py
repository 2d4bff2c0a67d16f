"""One figure style for the whole book, and the plots that several chapters share.

Every figure has a title, axis labels with units where there are units, and a legend where more
than one line shares the axes. The helpers return the ``Figure`` and ``Axes`` so that a chapter can
add to them; a chapter whose figure is the point of the lesson draws it itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

# A colour-blind-safe palette (Okabe and Ito, 2008), in the order lines are drawn.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")

STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the book's style to every figure drawn after this call."""
    mpl.rcParams.update(STYLE)


def _finish(ax, title: str, xlabel: str, ylabel: str, legend: bool) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend()


def plot_curves(
    x: np.ndarray,
    curves: Mapping[str, np.ndarray],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ax=None,
    logy: bool = False,
    styles: Mapping[str, str] | None = None,
):
    """Draw several named curves over the same ``x`` (for example each loss against the residual)."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots()
    styles = styles or {}
    for name, y in curves.items():
        ax.plot(x, y, styles.get(name, "-"), label=name)
    if logy:
        ax.set_yscale("log")
    _finish(ax, title, xlabel, ylabel, legend=len(curves) > 1)
    return fig, ax


def plot_history(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    metric: str = "loss",
    title: str,
    ylabel: str | None = None,
    ax=None,
    validation: bool = True,
    colours: Sequence[str] | None = None,
):
    """Plot ``metric`` per epoch for one or more Keras ``History.history`` dicts.

    Training curves are solid and validation curves (``val_<metric>``) dashed, in the same colour.
    ``colours`` gives one colour per history (default: the book's palette in order), so that the
    same model keeps its colour across figures.
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots()
    colours = colours or PALETTE
    for i, (name, history) in enumerate(histories.items()):
        colour = colours[i % len(colours)]
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], "-", color=colour, label=f"{name} (train)")
        if validation and f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "--", color=colour, label=f"{name} (validation)")
    _finish(ax, title, "epoch", ylabel or metric, legend=True)
    return fig, ax


def plot_surface(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    zlabel: str,
    ax=None,
    levels: int = 30,
    log: bool = False,
):
    """A filled contour plot of ``z[i, j]`` over ``(xs[j], ys[i])`` with a labelled colour bar."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.0, 4.8))
    values = np.log10(z) if log else z
    filled = ax.contourf(xs, ys, values, levels=levels)
    ax.contour(xs, ys, values, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
    bar = fig.colorbar(filled, ax=ax)
    bar.set_label(f"log10({zlabel})" if log else zlabel)
    _finish(ax, title, xlabel, ylabel, legend=False)
    ax.grid(False)
    return fig, ax


def plot_confusion_matrix(
    matrix: np.ndarray,
    labels: Sequence[str],
    *,
    title: str,
    ax=None,
    normalise: bool = False,
):
    """Confusion matrix with true classes as rows, predicted classes as columns.

    With ``normalise=True`` each row is divided by its total (so the diagonal is each class's
    recall), the colour scale runs from 0 to 1 whatever the data, so that two matrices drawn side
    by side share one scale, and each cell shows its fraction above its count.
    """
    matrix = np.asarray(matrix)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.6, 4.8))
    shown = matrix / matrix.sum(axis=1, keepdims=True) if normalise else matrix
    scale = {"vmin": 0.0, "vmax": 1.0} if normalise else {}
    image = ax.imshow(shown, cmap="Blues", **scale)
    fig.colorbar(image, ax=ax, label="fraction of row" if normalise else "count")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    threshold = (scale.get("vmax") or shown.max()) / 2
    for (i, j), value in np.ndenumerate(shown):
        text = f"{value:.2f}\n({int(matrix[i, j])})" if normalise else f"{int(value)}"
        ax.text(j, i, text, ha="center", va="center", fontsize=9,
                color="white" if value > threshold else "black")
    _finish(ax, title, "predicted class", "true class", legend=False)
    ax.grid(False)
    return fig, ax


def plot_reliability(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    title: str,
    ax=None,
):
    """Reliability diagram: mean confidence against observed accuracy per bin, one line per model.

    ``curves`` maps a name to ``(confidence, accuracy)`` arrays of bin means. The diagonal is a
    perfectly calibrated model.
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.2, 5.0))
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    for name, (confidence, accuracy) in curves.items():
        ax.plot(confidence, accuracy, "o-", label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    _finish(ax, title, "mean predicted confidence", "observed accuracy", legend=True)
    return fig, ax
