"""Extreme inputs: huge logits, the focal-loss range where Keras is exact, broadcasting, overflow.

The references are closed forms in float64 that use log-sigmoid identities
(``log sigmoid(z) = -logaddexp(0, -z)``), not lossbook's code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import EPS, keras_loss, keras_module, reference, strict, tape_gradient

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


# --------------------------------------------------------------------------------------------
# The losses of issue 12: huge scores and logits, and where Keras stops being exact
# --------------------------------------------------------------------------------------------

from scipy import special  # noqa: E402
from test_lossbook_multi import ref_ctc, ref_distillation, ref_info_nce  # noqa: E402


def tape_of(function, *arrays):
    """GradientTape gradients of the mean of ``function(*variables)``."""
    import tensorflow as tf

    variables = [tf.Variable(a) for a in arrays]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(function(*variables))
    return [g.numpy() for g in tape.gradient(loss, variables)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_bpr_and_dpo_huge_scores(dtype):
    pos = np.array([1e4, -1e4, 30.0, 5e3], dtype=dtype)
    neg = np.array([-1e4, 1e4, -30.0, 5e3], dtype=dtype)
    exact = np.logaddexp(0.0, neg.astype(np.float64) - pos)
    np.testing.assert_allclose(call(losses.bpr, pos[:, None], neg[:, None]), exact, rtol=1e-6)
    grad_pos, grad_neg = call(gradients.bpr, pos, neg)
    wrong = np.exp(-np.logaddexp(0.0, pos.astype(np.float64) - neg))  # sigma(s- - s+)
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(grad_neg * 4, wrong, rtol=1e-6, atol=tiny)
    np.testing.assert_array_equal(grad_pos, -grad_neg)
    # DPO with log-probabilities down to -1e4: z = beta * (+-2e4) and 0
    chosen = np.array([-1.0, -1e4, -5e3], dtype=dtype)
    rejected = np.array([-1e4, -1.0, -5e3], dtype=dtype)
    reference = np.full(3, -20.0, dtype=dtype)
    value = call(losses.dpo, chosen, rejected, reference, reference, beta=1.0)
    z = chosen.astype(np.float64) - rejected
    np.testing.assert_allclose(value, np.logaddexp(0.0, -z), rtol=1e-6, atol=tiny)
    assert value.dtype == dtype and np.isfinite(call(gradients.dpo, chosen, rejected, reference,
                                                     reference, beta=1.0)).all()  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_info_nce_huge_logits(dtype):
    # unnormalised embeddings whose similarities divided by the temperature reach +-1e4
    q = np.array([[100.0, 0.0], [0.0, 100.0], [-100.0, 100.0]], dtype=dtype)
    k = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 0.5]], dtype=dtype)
    value = call(losses.info_nce, q, k, temperature=0.01, normalize=False)
    exact = ref_info_nce(q.astype(np.float64), k, temperature=0.01, normalize=False)
    np.testing.assert_allclose(value, exact, rtol=1e-6)
    for grad in call(gradients.info_nce, q, k, temperature=0.01, normalize=False):
        assert np.isfinite(grad).all() and grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_distillation_huge_logits(dtype):
    teacher = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], dtype=dtype)
    student = np.array([[-1e4, 1e4, 0.0], [0.0, 0.0, 1e4]], dtype=dtype)
    value = call(losses.distillation, teacher, student, temperature=2.0)
    exact = ref_distillation(teacher.astype(np.float64), student, 2.0)
    np.testing.assert_allclose(value, exact, rtol=1e-6, atol=1e-6)
    assert value[0] == pytest.approx(4 * 1e4, rel=1e-6)  # T^2 (log p_0 - log q_0) = 4 * 2e4 / 2
    grad = call(gradients.distillation, teacher, student, temperature=2.0)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_focal_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 5e3, 1e4], [0.0, 0.0, -1e4]], dtype=dtype)
    t = np.eye(3, dtype=dtype)[[0, 1, 2]]
    value = call(losses.categorical_focal_crossentropy, t, logits, from_logits=True)
    wide = logits.astype(np.float64)
    lse = special.logsumexp(wide, axis=-1)
    # the wrong ones cost 0.25 * (1 - o)^2 * (lse - z_c) with 1 - o = 1 at these gaps
    expected = [0.0, 0.25 * (lse[1] - 5e3), 0.25 * (lse[2] + 1e4)]
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=np.finfo(dtype).tiny)
    grad = call(gradients.categorical_focal_crossentropy, t, logits, from_logits=True, gamma=0.5)
    assert np.isfinite(grad).all() and grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_ctc_huge_logits(dtype):
    rng = np.random.default_rng(5)
    logits = (rng.normal(size=(2, 5, 3)) * 1e4).astype(dtype)
    labels = np.array([[1, 2], [2, 0]])
    value = call(losses.ctc, labels, logits)
    np.testing.assert_allclose(value, ref_ctc(labels, logits.astype(np.float64)), rtol=1e-6)
    assert np.isfinite(call(gradients.ctc, labels, logits)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_triplet_and_circle_large_inputs(dtype):
    a = np.array([[1e4, -1e4], [0.0, 3.0]], dtype=dtype)
    p = np.array([[1e4, 1e4], [0.0, 3.0]], dtype=dtype)
    n = np.array([[-1e4, -1e4], [4.0, 0.0]], dtype=dtype)
    value = call(losses.triplet_margin, a, p, n, margin=0.5)
    np.testing.assert_allclose(value, [2e4 - 2e4 + 0.5, 0.0], rtol=1e-6)
    assert all(np.isfinite(g).all() for g in call(gradients.triplet_margin, a, p, n, margin=0.5))
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 3))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(dtype)
    labels = np.arange(8) % 3
    for gamma in (80.0, 1e4):  # exponents of gamma * 2 = 2e4 stay finite
        assert np.isfinite(call(losses.circle, labels, x, gamma=gamma)).all()
        assert np.isfinite(call(gradients.circle, labels, x, gamma=gamma)).all()


#: Keras takes the softmax and then clips it to [eps, 1 - eps], so from logits its categorical
#: focal loss is exact while every probability stays inside (logit gaps up to about 16); beyond
#: it saturates at 0.25 (1 - eps)^2 (-log eps) = 4.0295 for a wrong prediction.
CATEGORICAL_FOCAL_AGREEMENT = 16.0


def test_categorical_focal_keras_range():
    keras = keras_module()
    t = np.eye(3)[[0, 1]]
    for gap in np.linspace(0.0, CATEGORICAL_FOCAL_AGREEMENT, 33):
        z = np.array([[0.0, -gap, -gap / 2], [gap, 0.0, 0.0]])
        ours = call(losses.categorical_focal_crossentropy, t, z, from_logits=True)
        theirs = keras.losses.categorical_focal_crossentropy(t, z, from_logits=True)
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6)
    z = np.array([[0.0, 100.0, 0.0]])
    saturated = float(keras.losses.categorical_focal_crossentropy([[1.0, 0, 0]], z, from_logits=True)[0])
    assert saturated == pytest.approx(0.25 * (1 - EPS) ** 2 * -math.log(EPS), rel=1e-6)
    assert call(losses.categorical_focal_crossentropy, [[1.0, 0, 0]], z, from_logits=True)[0] == (
        pytest.approx(25.0, rel=1e-12))  # 0.25 * (100 + log(1 + 2e-100))  # fmt: skip


def test_generalized_cross_entropy_keras_range():
    # Keras computes 1 - p**q, which cancels when p_c is close to 1; lossbook uses -expm1(q log p)
    keras = keras_module()
    for q in (0.1, 0.5, 0.9):
        for gap in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10):
            p = np.array([[1 - gap, gap]])
            ours = call(losses.categorical_generalized_cross_entropy, [0], p, q=q)
            exact = -math.expm1(q * math.log1p(-gap)) / q
            assert ours[0] == pytest.approx(exact, rel=1e-12)
            theirs = keras.losses.categorical_generalized_cross_entropy(np.array([0]), p, q=q)
            np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6)
    p = np.array([[1 - 1e-12, 1e-12]])
    theirs = float(keras.losses.categorical_generalized_cross_entropy(np.array([0]), p, q=0.5)[0])
    ours = call(losses.categorical_generalized_cross_entropy, [0], p, q=0.5)[0]
    assert abs(theirs - ours) / ours > 1e-5  # measured: 1.1e-4


def test_ctc_keras_is_float32():
    keras = keras_module()
    rng = np.random.default_rng(7)
    labels = np.array([[1, 2, 2, 0], [3, 1, 0, 0]])
    for _ in range(5):  # moderate logits: float32 precision (measured below 3e-7)
        logits = rng.normal(size=(2, 30, 5)) * 3
        theirs = np.asarray(keras.losses.ctc(labels, logits))
        assert theirs.dtype == np.float64  # returned as float64, computed in float32
        np.testing.assert_allclose(call(losses.ctc, labels, logits), theirs, rtol=1e-6)
    # logits of 1e4: lossbook stays exact (against the brute-force sum over paths), Keras's
    # float32 kernel is off by up to 88% on some draws (measured: 3 of 10 above 40%)
    errors = []
    for _ in range(10):
        logits = rng.normal(size=(1, 6, 3)) * 1e4
        exact = ref_ctc([[1, 2, 0]], logits)
        np.testing.assert_allclose(call(losses.ctc, [[1, 2, 0]], logits), exact, rtol=1e-12)
        theirs = np.asarray(keras.losses.ctc(np.array([[1, 2, 0]]), logits))
        errors.append(float(np.abs(theirs - exact)[0] / max(exact[0], 1.0)))
    assert max(errors) > 1e-2


def test_distillation_keras_kl_clips_small_probabilities():
    keras = keras_module()
    for gap, agrees in ((5.0, True), (10.0, True), (16.0, True), (20.0, False)):
        t, s = np.array([[0.0, -gap]]), np.array([[0.0, -gap / 2]])
        ours = call(losses.distillation, t, s, temperature=1.0)
        theirs = keras.losses.kl_divergence(keras.ops.softmax(t), keras.ops.softmax(s))
        close = np.allclose(ours, np.asarray(theirs), rtol=1e-6)
        assert close is agrees, gap  # at gap 20, softmax(t)_1 = 2e-9 is clipped to 1e-7
        np.testing.assert_allclose(ours, ref_distillation(t, s, 1.0), rtol=1e-10)


def test_triplet_gradient_at_zero_distance():
    # TensorFlow differentiates the norm at 0 as 0/0 = NaN; lossbook takes the subgradient 0 there
    keras = keras_module()
    anchor, negative = np.ones((1, 3)), np.zeros((1, 3))
    (theirs,) = tape_of(
        lambda a: keras.ops.maximum(
            keras.ops.norm(a - anchor, axis=-1) - keras.ops.norm(a - negative, axis=-1) + 5.0, 0.0
        ),
        anchor.copy(),
    )
    assert np.isnan(theirs).all()
    grad_anchor, grad_positive, _ = call(gradients.triplet_margin, anchor, anchor, negative, margin=5.0)
    np.testing.assert_allclose(grad_anchor, -np.ones((1, 3)) / math.sqrt(3), rtol=1e-15)
    np.testing.assert_array_equal(grad_positive, 0.0)
