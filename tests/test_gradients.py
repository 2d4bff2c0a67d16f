"""lossbook.gradients against tf.GradientTape and against central finite differences.

Every gradient is the gradient of the batch mean of the per-sample losses with respect to
``y_pred`` (the logits where ``from_logits=True``). The random inputs keep away from kinks
(hinge at a margin of 1, MAE at 0, Huber at delta) and from Keras's clip boundaries; the
conventions at those points are tested separately below.
"""

from __future__ import annotations

import contextlib
import inspect
import zlib

import numpy as np
import pytest
from _helpers import (
    CASE_IDS,
    CASES,
    EPS,
    NAMES,
    REQUIRED,
    finite_difference_gradient,
    make_inputs,
    strict,
    tape_gradient,
)

from lossbook import gradients, losses

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def grad(name, y_true, y_pred, **opts):
    """Call lossbook's gradient with every warning turned into an error."""
    with strict():
        return getattr(gradients, name)(y_true, y_pred, **{**REQUIRED.get(name, {}), **opts})


def assert_gradients_close(ours, theirs, rtol):
    """Elementwise closeness, relative to the largest component of the expected gradient."""
    scale = np.max(np.abs(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("shape", [(6,), (4, 5), (2, 3, 4)], ids=["1d", "2d", "3d"])
@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_matches_gradient_tape(name, opts, shape):
    rng = np.random.default_rng([zlib.crc32(name.encode()), len(shape), 11])
    y_true, y_pred = make_inputs(name, opts, shape, rng)
    ours = grad(name, y_true, y_pred, **opts)
    assert ours.shape == y_pred.shape
    assert ours.dtype == np.float64
    assert_gradients_close(ours, tape_gradient(name, y_true, y_pred, **opts), rtol=1e-6)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 2, 3)], ids=["1d", "2d", "3d"])
@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_matches_finite_differences(name, opts, shape):
    rng = np.random.default_rng([zlib.crc32(name.encode()), len(shape), 12])
    y_true, y_pred = make_inputs(name, opts, shape, rng)
    ours = grad(name, y_true, y_pred, **opts)
    assert_gradients_close(
        ours, finite_difference_gradient(name, y_true, y_pred, **opts), rtol=1e-5
    )


def test_catalogue():
    assert list(gradients.GRADIENTS) == list(losses.LOSSES)
    for name, function in gradients.GRADIENTS.items():  # the same arguments and defaults
        ours = inspect.signature(function).parameters
        assert ours == inspect.signature(losses.LOSSES[name]).parameters, name


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float32), (np.float32, np.float32), (np.int32, np.float64)],
)
@pytest.mark.parametrize("name", NAMES)
def test_dtype(name, dtype, expected):
    y_true, y_pred = make_inputs(name, {}, (3, 4), np.random.default_rng(4))
    if dtype is np.int32:
        y_pred = np.ones((3, 4))
        if name in ("sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"):
            y_true = np.zeros(3, dtype=np.int64)
    ours = grad(name, y_true, y_pred.astype(dtype))
    assert ours.dtype == expected
    tolerance = 2e-3 if dtype is np.float16 else 1e-4
    assert_gradients_close(
        ours, grad(name, y_true, y_pred.astype(dtype).astype(np.float64)), rtol=tolerance
    )


# --------------------------------------------------------------------------------------------
# Gradients at kinks and clip boundaries follow TensorFlow's conventions
# --------------------------------------------------------------------------------------------


def test_mae_at_zero_error_is_zero():
    y_true = np.array([[1.0, 2.0, 3.0]])
    y_pred = np.array([[1.0, 2.5, 2.0]])
    expected = np.array([[0.0, 1.0, -1.0]]) / 3
    np.testing.assert_array_equal(grad("mean_absolute_error", y_true, y_pred), expected)
    np.testing.assert_allclose(
        tape_gradient("mean_absolute_error", y_true, y_pred), expected, rtol=1e-15
    )


def test_hinge_at_margin_one_takes_the_linear_side():
    # 1 - y * y_pred = 0 exactly: tf.maximum passes the gradient to its first argument
    y_true, y_pred = np.array([1.0, -1.0, 1.0]), np.array([1.0, -1.0, 2.0])
    expected = np.array([-1.0, 1.0, 0.0]) / 3
    np.testing.assert_array_equal(grad("hinge", y_true, y_pred), expected)
    np.testing.assert_allclose(tape_gradient("hinge", y_true, y_pred), expected, rtol=1e-15)
    np.testing.assert_array_equal(grad("squared_hinge", y_true, y_pred), np.zeros(3))


def test_huber_at_delta():
    y_true, y_pred = np.zeros(2), np.array([0.5, -0.5])
    expected = np.array([0.5, -0.5]) / 2
    np.testing.assert_allclose(grad("huber", y_true, y_pred, delta=0.5), expected, rtol=1e-15)
    np.testing.assert_allclose(
        tape_gradient("huber", y_true, y_pred, delta=0.5), expected, rtol=1e-15
    )


@pytest.mark.parametrize("name", ["binary_crossentropy", "binary_focal_crossentropy"])
def test_clipped_probabilities_have_zero_gradient(name):
    # p = 0 and p = 1 are clipped to [eps, 1 - eps]; the clip passes no gradient outside
    y_true = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    y_pred = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    ours = grad(name, y_true, y_pred)
    if name == "binary_crossentropy":
        assert np.all(ours[:2] == 0)
    else:  # the focal factor (1 - p_t)^gamma uses the unclipped p, so it still has a slope
        assert np.all(ours[:2] != 0)
    np.testing.assert_allclose(ours, tape_gradient(name, y_true, y_pred), rtol=1e-12, atol=1e-300)


def test_clip_boundaries_pass_the_gradient():
    # tf.clip_by_value passes the gradient at the bounds themselves (lo <= x <= hi)
    y_true, y_pred = np.array([1.0, 0.0]), np.array([EPS, 1 - EPS])
    ours = grad("binary_crossentropy", y_true, y_pred)
    assert np.all(ours != 0)
    np.testing.assert_allclose(
        ours, tape_gradient("binary_crossentropy", y_true, y_pred), rtol=1e-9
    )


def test_categorical_clipped_class_has_zero_gradient():
    y_true = np.array([[0.0, 1.0, 0.0]])
    y_pred = np.array([[0.0, 0.7, 0.3]])  # the zero stays clipped to eps after renormalising
    ours = grad("categorical_crossentropy", y_true, y_pred)
    np.testing.assert_allclose(
        ours, tape_gradient("categorical_crossentropy", y_true, y_pred), rtol=1e-12
    )
    ours = grad("sparse_categorical_crossentropy", np.array([1]), y_pred)
    assert ours[0, 0] == 0.0
    np.testing.assert_allclose(
        ours, tape_gradient("sparse_categorical_crossentropy", np.array([1]), y_pred), rtol=1e-12
    )


def test_kl_below_epsilon_has_zero_gradient():
    y_true, y_pred = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.6, 0.4])
    ours = grad("kl_divergence", y_true, y_pred)
    assert ours[0] == 0.0
    np.testing.assert_allclose(ours, tape_gradient("kl_divergence", y_true, y_pred), rtol=1e-12)


def test_cosine_with_a_tiny_prediction():
    # below a norm of eps, Keras divides by eps instead, so the gradient is -y_true_hat / eps
    y_true, y_pred = np.array([[3.0, 4.0]]), np.array([[1e-9, -2e-9]])
    ours = grad("cosine_similarity", y_true, y_pred)
    np.testing.assert_allclose(ours, -np.array([[0.6, 0.8]]) / EPS, rtol=1e-12)
    np.testing.assert_allclose(ours, tape_gradient("cosine_similarity", y_true, y_pred), rtol=1e-9)


# --------------------------------------------------------------------------------------------
# Where lossbook departs from TensorFlow on purpose
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def op_determinism(config, enabled: bool):
    """TensorFlow's op-determinism mode set to ``enabled`` inside the block, restored after."""
    def switch(on: bool) -> None:
        (config.enable_op_determinism if on else config.disable_op_determinism)()

    was = config.is_op_determinism_enabled()
    switch(enabled)
    try:
        yield
    finally:
        switch(was)


@pytest.mark.parametrize("deterministic", [False, True])
def test_categorical_logits_with_targets_that_do_not_sum_to_one(deterministic):
    # TensorFlow's fused softmax_cross_entropy_with_logits kernel returns softmax(z) - t as its
    # gradient, which is right only if each row of t sums to 1. With op determinism enabled (as
    # lossbook.session.start does) TensorFlow differentiates a composite instead, which is exact.
    # lossbook gives (sum t) softmax(z) - t in both cases. The mode is set here, not inherited
    # from whichever test ran before in this process.
    from tensorflow.python.framework import config

    y_true = np.array([[0.5, 0.5, 0.5]])
    y_pred = np.array([[1.0, 2.0, 3.0]])
    ours = grad("categorical_crossentropy", y_true, y_pred, from_logits=True)
    exact = finite_difference_gradient("categorical_crossentropy", y_true, y_pred, from_logits=True)
    np.testing.assert_allclose(ours, exact, rtol=1e-7)
    softmax = np.exp(y_pred) / np.exp(y_pred).sum()
    np.testing.assert_allclose(ours, 1.5 * softmax - y_true, rtol=1e-14)
    with op_determinism(config, deterministic):
        theirs = tape_gradient("categorical_crossentropy", y_true, y_pred, from_logits=True)
    if deterministic:
        np.testing.assert_allclose(theirs, exact, rtol=1e-7)
    else:
        np.testing.assert_allclose(theirs, softmax - y_true, rtol=1e-12)
        assert not np.allclose(theirs, exact, rtol=1e-2)


def test_focal_probability_gradient_is_infinite_for_gamma_below_one():
    # (1 - p_t)^gamma has an infinite slope at p = y for 0 < gamma < 1, and the clipped BCE
    # there is -log(1 - eps) > 0: TensorFlow returns NaN, lossbook says why it cannot answer.
    y_true, y_pred = np.array([1.0, 0.0]), np.array([1.0, 0.3])
    assert np.isnan(tape_gradient("binary_focal_crossentropy", y_true, y_pred, gamma=0.5)).any()
    with pytest.raises(
        ValueError, match=r"gradients\.binary_focal_crossentropy: .*infinite.*gamma"
    ):
        grad("binary_focal_crossentropy", y_true, y_pred, gamma=0.5)
    for gamma in (1.0, 2.0):  # finite, and TensorFlow agrees
        ours = grad("binary_focal_crossentropy", y_true, y_pred, gamma=gamma)
        np.testing.assert_allclose(
            ours,
            tape_gradient("binary_focal_crossentropy", y_true, y_pred, gamma=gamma),
            rtol=1e-12,
        )
    # gamma = 0 is plain BCE, whose gradient at the clipped p = 1 is 0; TensorFlow's gradient of
    # pow(u, 0) at u = 0 is 0 * u**-1 = NaN
    ours = grad("binary_focal_crossentropy", y_true, y_pred, gamma=0.0)
    np.testing.assert_array_equal(ours, grad("binary_crossentropy", y_true, y_pred))
    assert np.isnan(tape_gradient("binary_focal_crossentropy", y_true, y_pred, gamma=0.0)[0])
    # with class balancing and alpha = 1, the element with y = 0 has weight 0: no singularity
    finite = grad(
        "binary_focal_crossentropy",
        [0.0, 1.0],
        [0.0, 0.4],
        gamma=0.5,
        apply_class_balancing=True,
        alpha=1.0,
    )
    assert np.isfinite(finite).all()
