"""Extreme inputs: huge logits, the focal-loss range where Keras is exact, broadcasting, overflow.

The references are closed forms in float64 that use log-sigmoid identities
(``log sigmoid(z) = -logaddexp(0, -z)``), not lossbook's code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import EPS, keras_loss, reference, strict, tape_gradient

from lossbook import gradients, losses

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

DTYPES = [np.float32, np.float64]
HUGE = [1e4, 1e3, 100.0, 30.0, -30.0, -100.0, -1e3, -1e4]


def call(function, *args, **kwargs):
    with strict():
        return function(*args, **kwargs)


def log_sigmoid(z):
    return -np.logaddexp(0.0, -np.asarray(z, dtype=np.float64))


# --------------------------------------------------------------------------------------------
# Logits up to +-1e4 give finite, exact values and gradients
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", [0.0, 1.0, 0.3])
def test_binary_crossentropy_huge_logits(dtype, target):
    z = np.array(HUGE, dtype=dtype)
    t = np.full_like(z, target)
    value = call(losses.binary_crossentropy, t[:, None], z[:, None], from_logits=True)
    # for |z| >= 30, log(1 + exp(-|z|)) < 1e-13, so the loss is max(z, 0) - z t
    closed_form = np.maximum(z.astype(np.float64), 0) - z.astype(np.float64) * target
    np.testing.assert_allclose(value, closed_form, rtol=1e-6, atol=1e-12)
    assert value.dtype == dtype
    gradient = call(gradients.binary_crossentropy, t, z, from_logits=True)
    np.testing.assert_allclose(gradient * z.size, (z > 0) - target, rtol=1e-6, atol=1e-12)
    # the unreduced per-element value for z = +-30 keeps the tiny softplus term
    exact = call(
        losses.binary_crossentropy,
        np.array([1.0], dtype),
        np.array([30.0], dtype),
        from_logits=True,
    )
    assert exact == pytest.approx(math.log1p(math.exp(-30)), rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_crossentropy_gradient_keeps_relative_precision(dtype):
    # sigmoid(z) - t for t = 1 and z = 40: sigmoid(40) rounds to 1, but the gradient is
    # -sigmoid(-40) = -4.2e-18, not 0 (TensorFlow, differentiating its stable formula, agrees)
    z = np.array([40.0, -40.0, 80.0], dtype=dtype)
    t = np.array([1.0, 0.0, 1.0], dtype=dtype)
    gradient = call(gradients.binary_crossentropy, t, z, from_logits=True)
    expected = np.array([-math.exp(-40.0), math.exp(-40.0), -math.exp(-80.0)]) / 3
    representable = np.abs(expected) > np.finfo(dtype).smallest_subnormal * 1e6
    np.testing.assert_allclose(gradient[representable], expected[representable], rtol=1e-6)
    if dtype is np.float64:
        np.testing.assert_allclose(
            gradient, tape_gradient("binary_crossentropy", t, z, from_logits=True), rtol=1e-6
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_softmax_crossentropy_huge_logits(dtype, name):
    logits = np.array(
        [[1e4, -1e4, 0.0], [-1e4, 5e3, 1e4], [3.0, 1e4, -1e4], [-1e4, -1e4, -1e4 + 1]], dtype=dtype
    )
    labels = np.array([0, 1, 2, 0])
    y_true = labels if name.startswith("sparse") else np.eye(3, dtype=dtype)[labels]
    value = call(getattr(losses, name), y_true, logits, from_logits=True)
    # -log softmax(z)_c = logsumexp(z) - z_c; with gaps of 5e3 or more, logsumexp(z) = max(z)
    wide = logits.astype(np.float64)
    lse = np.logaddexp.reduce(wide, axis=-1)
    closed_form = lse - wide[np.arange(4), labels]
    np.testing.assert_allclose(value, closed_form, rtol=1e-6)
    assert value[0] == pytest.approx(0.0, abs=1e-30) and value[1] == pytest.approx(5e3)
    assert value[3] == pytest.approx(
        math.log(2 + math.e), rel=1e-6
    )  # -log(e^0 / (e^0 + e^0 + e^1))
    gradient = call(getattr(gradients, name), y_true, logits, from_logits=True)
    softmax = np.exp(wide - lse[:, None])
    np.testing.assert_allclose(gradient * 4, softmax - np.eye(3)[labels], rtol=1e-6, atol=1e-7)
    assert gradient.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_label_smoothing_with_huge_logits(dtype):
    logits = np.array([1e4, -1e4, 0.0], dtype=dtype)
    value = call(
        losses.categorical_crossentropy,
        [1.0, 0.0, 0.0],
        logits,
        from_logits=True,
        label_smoothing=0.3,
    )
    # targets (0.8, 0.1, 0.1); each class costs max(z) - z_k
    assert value == pytest.approx(0.1 * 2e4 + 0.1 * 1e4, rel=1e-6)


def focal_reference(t, z, gamma):
    """Binary focal cross-entropy of logits, element-wise, for hard targets, in float64.

    With s = 2t - 1: 1 - p_t = sigmoid(-s z) and BCE = softplus(-s z) = -log sigmoid(s z),
    so loss = exp(gamma * log sigmoid(-s z)) * (-log sigmoid(s z)).
    """
    s = 2.0 * np.asarray(t, dtype=np.float64) - 1.0
    z = np.asarray(z, dtype=np.float64)
    return np.exp(gamma * log_sigmoid(-s * z)) * -log_sigmoid(s * z)


def focal_gradient_reference(t, z, gamma):
    """d/dz of :func:`focal_reference`, element-wise, for hard targets.

    For t = 1: -q^gamma (gamma p softplus(-z) + q); for t = 0: p^gamma (gamma q softplus(z) + p),
    with p = sigmoid(z) and q = sigmoid(-z), each from its logarithm.
    """
    s = 2.0 * np.asarray(t, dtype=np.float64) - 1.0
    z = np.asarray(z, dtype=np.float64)
    wrong = np.exp(log_sigmoid(-s * z))  # 1 - p_t
    right = np.exp(log_sigmoid(s * z))  # p_t
    return -s * wrong**gamma * (gamma * right * -log_sigmoid(s * z) + wrong)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_huge_logits(dtype, gamma):
    z = np.array(HUGE * 2, dtype=dtype)
    t = np.repeat([0.0, 1.0], len(HUGE)).astype(dtype)
    value = call(
        losses.binary_focal_crossentropy, t[:, None], z[:, None], from_logits=True, gamma=gamma
    )
    expected = focal_reference(t, z.astype(np.float64), gamma)
    tiny = np.finfo(dtype).tiny  # smaller exact values underflow in the dtype, legitimately
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=tiny)
    assert np.isfinite(value).all()
    gradient = call(gradients.binary_focal_crossentropy, t, z, from_logits=True, gamma=gamma)
    assert np.isfinite(gradient).all()
    np.testing.assert_allclose(
        gradient * z.size, focal_gradient_reference(t, z, gamma), rtol=1e-5, atol=tiny
    )


# --------------------------------------------------------------------------------------------
# Focal loss from logits: where Keras and lossbook agree, and where Keras fails
# --------------------------------------------------------------------------------------------

#: Keras computes 1 - p_t as 1 - sigmoid(z) (a subtraction that cancels) for confidently
#: correct logits. Measured with keras 3 on TensorFlow, gamma in [0.5, 4]: the relative error
#: stays below 1e-6 for |z| <= 22 in float64 (below 1e-4 for |z| <= 6 in float32), and from
#: |z| of about 37.4 (float64) or 17.3 (float32) Keras returns exactly 0 for such an element,
#: with a zero gradient, or NaN for gamma < 1. For misclassified elements Keras stays exact
#: (its BCE uses the logits kept on the sigmoid's output).
FOCAL_AGREEMENT = {np.float64: (22.0, 1e-6), np.float32: (6.0, 1e-4)}
KERAS_FOCAL_ZERO = {np.float64: [37.5, 40.0, 60.0, 100.0, 200.0], np.float32: [17.5, 20.0, 25.0]}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gamma", [0.5, 2.0, 4.0])
def test_focal_agrees_with_keras_inside_the_range(dtype, gamma):
    bound, rtol = FOCAL_AGREEMENT[dtype]
    z = np.linspace(-bound, bound, 441).astype(dtype)
    for target in (0.0, 1.0, 0.3):
        t = np.full_like(z, target)
        ours = call(
            losses.binary_focal_crossentropy, t[:, None], z[:, None], from_logits=True, gamma=gamma
        )
        theirs = keras_loss(
            "binary_focal_crossentropy", t[:, None], z[:, None], from_logits=True, gamma=gamma
        )
        np.testing.assert_allclose(ours, theirs, rtol=rtol)


def test_focal_keras_loses_precision_between_the_bounds():
    z = np.array([30.0])
    ours = call(losses.binary_focal_crossentropy, [1.0], z, from_logits=True)
    theirs = keras_loss("binary_focal_crossentropy", np.array([1.0]), z, from_logits=True)
    assert ours == pytest.approx(focal_reference(1.0, 30.0, 2.0)[()], rel=1e-12)
    assert abs(theirs - ours) / ours > 1e-4  # measured: 3.3e-4


@pytest.mark.parametrize("dtype", DTYPES)
def test_focal_keras_fails_beyond_the_range(dtype):
    z = np.array(KERAS_FOCAL_ZERO[dtype], dtype=dtype)
    for target, logits in ((1.0, z), (0.0, -z)):  # confidently correct
        t = np.full_like(logits, target)
        exact = focal_reference(t, logits, 2.0)
        ours = call(losses.binary_focal_crossentropy, t[:, None], logits[:, None], from_logits=True)
        theirs = keras_loss(
            "binary_focal_crossentropy", t[:, None], logits[:, None], from_logits=True
        )
        representable = exact > np.finfo(dtype).smallest_subnormal
        assert representable.any()
        np.testing.assert_allclose(ours[representable], exact[representable], rtol=1e-5)
        assert np.all(theirs == 0.0)  # Keras: exactly 0, where the true loss is positive

        # gradients: Keras returns NaN for gamma < 1; lossbook the exact (tiny) value
        ours_grad = call(
            gradients.binary_focal_crossentropy, t, logits, from_logits=True, gamma=0.5
        )
        theirs_grad = tape_gradient(
            "binary_focal_crossentropy", t, logits, from_logits=True, gamma=0.5
        )
        assert np.isnan(theirs_grad).all()
        assert np.isfinite(ours_grad).all()
        exact_grad = focal_gradient_reference(t, logits, 0.5) / logits.size
        np.testing.assert_allclose(
            ours_grad, exact_grad, rtol=1e-5, atol=np.finfo(dtype).smallest_subnormal
        )


# --------------------------------------------------------------------------------------------
# Nothing broadcasts silently
# --------------------------------------------------------------------------------------------


def test_keras_mse_broadcasts_where_lossbook_refuses():
    y_true = np.zeros((4, 10))
    y_pred = np.arange(4.0).reshape(4, 1)
    # Keras compares every one of the 10 targets with the single prediction of its row ...
    np.testing.assert_allclose(
        keras_loss("mean_squared_error", y_true, y_pred), [0.0, 1.0, 4.0, 9.0]
    )
    # ... lossbook says that the shapes differ
    with pytest.raises(
        ValueError, match=r"losses\.mean_squared_error: .*same shape.*\(4, 10\).*\(4, 1\)"
    ):
        losses.mean_squared_error(y_true, y_pred)
    # Keras also squeezes (N, 1) against (N,) silently
    assert keras_loss("mean_squared_error", np.zeros((4, 1)), np.ones(4)).shape == (4,)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        losses.mean_squared_error(np.zeros((4, 1)), np.ones(4))


# --------------------------------------------------------------------------------------------
# Precision and range of the dtype
# --------------------------------------------------------------------------------------------


def test_float16_is_computed_in_float32():
    # a squared error of 300^2 = 90000 does not fit in float16 (largest 65504)
    y_true = np.zeros((1, 2), dtype=np.float16)
    y_pred = np.full((1, 2), 300, dtype=np.float16)
    assert np.isinf(keras_loss("mean_squared_error", y_true, y_pred)).all()
    result = call(losses.mean_squared_error, y_true, y_pred)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [90000.0])


@pytest.mark.parametrize(
    ("name", "y_true", "y_pred"),
    [
        ("mean_squared_error", [0.0, 0.0], [3e19, 1.0]),
        ("squared_hinge", [1.0, -1.0], [-3e19, 0.0]),
        ("cosine_similarity", [1.0, 2.0], [3e19, 1.0]),
        ("mean_absolute_error", [-3e38, 0.0], [3e38, 0.0]),
    ],
)
def test_overflow_in_float32_is_a_value_error(name, y_true, y_pred):
    y_true, y_pred = np.array(y_true, np.float32), np.array(y_pred, np.float32)
    with pytest.raises(ValueError, match=rf"losses\.{name}: .*overflow"):
        call(getattr(losses, name), y_true, y_pred)
    # the same numbers in float64 are fine
    result = call(getattr(losses, name), y_true.astype(np.float64), y_pred.astype(np.float64))
    np.testing.assert_allclose(result, reference(name, y_true, y_pred), rtol=1e-6)


def test_extreme_probabilities_are_clipped_not_infinite():
    for name in ("binary_crossentropy", "binary_focal_crossentropy", "kl_divergence"):
        value = call(getattr(losses, name), [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0])
        assert np.isfinite(value)
        assert value == pytest.approx(
            keras_loss(name, np.array([1.0, 0, 1, 0]), np.array([0.0, 1, 1, 0])), rel=1e-6
        )
    value = call(losses.categorical_crossentropy, [[0.0, 1.0]], [[1.0, 0.0]])
    assert value == pytest.approx(-math.log(EPS), rel=1e-12)
