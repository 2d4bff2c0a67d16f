"""lossbook: exact NumPy reference implementations of loss functions and their gradients.

The library under the book *Loss Functions in Practice*. :mod:`lossbook.losses` holds the
losses, with Keras's names and per-sample semantics; :mod:`lossbook.gradients` holds their
analytic gradients; :mod:`lossbook.validation` holds the input checks that both share.

>>> import lossbook
>>> float(lossbook.losses.mean_squared_error([[1, 9, 2], [-5, -2, 6]],
...                                         [[4, 8, 12], [8, 1, 3]]).mean())
49.5
"""

from lossbook import gradients, losses, validation

__all__ = ["__version__", "gradients", "losses", "validation"]

__version__ = "0.2.0"  # 0.2: all 22 keras.losses, six part-two losses, copies, calibration, fitting
