"""Several independently initialised copies of a small network, trained as one Keras model.

A claim about a trained model needs several training runs. For the small networks of this book,
most of the time of a run goes to Keras's per-step overhead, not to arithmetic, so the chapters
train ``copies`` networks side by side: one :class:`Dense` layer holds a separate weight matrix
for each copy, and :func:`summed` adds the copies' losses. No weight is shared and the sum's
gradient with respect to one copy's weights is that copy's own gradient, so with an element-wise
optimiser (SGD, Adam) each copy trains exactly as it would alone, on the same mini-batches
(``tests/test_copies.py`` checks this against ordinary Keras layers). The copies differ in their
initial weights, and, where a chapter gives each copy its own targets, in their data.

Shapes: the input is ``(batch, features)``, every layer's output is ``(batch, copies, units)``,
and targets are ``(batch, copies, ...)``, one slice per copy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossbook.session import import_tensorflow

tf, keras = import_tensorflow()

__all__ = ["Dense", "summed", "per_copy_targets", "summary"]


class Dense(keras.layers.Layer):
    """``copies`` independent dense layers: ``y[:, c] = activation(x[:, c] @ W[c] + b[c])``.

    The first layer of a network receives ``(batch, features)`` and gives every copy the same
    input. Each copy's kernel is drawn by ``kernel_initializer`` as if it were an ordinary
    ``keras.layers.Dense`` kernel, so its scale depends on that copy's fan-in and fan-out only.
    """

    def __init__(self, copies: int, units: int, *, activation=None,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.copies, self.units = int(copies), int(units)
        self.activation = keras.activations.get(activation)
        self._initializer = keras.initializers.serialize(
            keras.initializers.get(kernel_initializer))

    def _per_copy(self, shape, dtype=None):
        # A fresh initializer for each copy: a Keras 3 initializer without an explicit seed fixes
        # one at construction, so calling the same object twice would give every copy the same
        # weights. Fresh ones draw their seeds from the generator that start() seeded.
        return keras.ops.stack([keras.initializers.deserialize(self._initializer)(shape[1:],
                                                                                  dtype=dtype)
                                for _ in range(shape[0])])

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(shape=(self.copies, features, self.units),
                                      initializer=self._per_copy, name="kernel")
        self.bias = self.add_weight(shape=(self.copies, self.units), initializer="zeros",
                                    name="bias")

    def call(self, x):
        # A 2-D input is shared by every copy; a 3-D input holds one slice per copy.
        equation = "bf,cfu->bcu" if len(x.shape) == 2 else "bcf,cfu->bcu"
        return self.activation(keras.ops.einsum(equation, x, self.kernel) + self.bias)


def summed(loss: Callable) -> Callable:
    """A Keras loss for stacked copies: each copy's per-sample loss, added over the copies.

    ``loss`` is a Keras-style function that reduces the last axis, so on ``(batch, copies, k)``
    it returns ``(batch, copies)``. Summing over the copies (not averaging) keeps each copy's
    gradient exactly what it would be alone; Keras then averages over the batch as usual.
    """

    def copies_loss(y_true, y_pred):
        return keras.ops.sum(loss(y_true, y_pred), axis=-1)

    copies_loss.__name__ = f"summed_{getattr(loss, '__name__', 'loss')}"
    return copies_loss


def per_copy_targets(y: np.ndarray, copies: int) -> np.ndarray:
    """The same targets for every copy: ``(batch, ...)`` becomes ``(batch, copies, ...)``."""
    y = np.asarray(y)
    return np.repeat(y[:, None], copies, axis=1)


def summary(values, *, unit: str = "runs") -> str:
    """Mean and standard deviation of one result over several runs, to the digits they support.

    The standard deviation is rounded to one significant digit and the mean to the same decimal
    place, so a reader sees only digits that the spread does not swamp:
    ``summary([0.781, 0.794, 0.770])`` is ``"0.78 ± 0.01 (3 runs)"``.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2 or not np.all(np.isfinite(values)):
        raise ValueError(f"summary: need a 1-D array of at least 2 finite values, got {values!r}")
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    # Identical runs have no spread to round to; three decimals is the book's default.
    decimals = 3 if sd == 0 else max(0, -int(np.floor(np.log10(sd))))
    if sd and decimals and round(sd, decimals) >= 10.0 ** (1 - decimals):
        decimals -= 1  # 0.0096 rounds up to 0.010: one significant digit is 0.01
    return f"{mean:.{decimals}f} ± {sd:.{decimals}f} ({values.size} {unit})"
