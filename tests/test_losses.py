"""Values of lossbook.losses: hand-computed cases (one class per loss) and agreement with Keras.

The hand-computed cases follow keras/src/losses/losses_test.py. Agreement with
``keras.losses.<name>`` (TensorFlow backend) is checked on the same float64 arrays, 1-D, 2-D and
3-D, to a relative error of 1e-6.
"""

from __future__ import annotations

import inspect
import math
import zlib

import numpy as np
import pytest
from _helpers import (
    CASE_IDS,
    CASES,
    EPS,
    NAMES,
    REQUIRED,
    keras_loss,
    make_inputs,
    reference,
    strict,
)

from lossbook import losses

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

SHAPES = [(7,), (5, 4), (2, 3, 4)]

# keras.losses.log_cosh subtracts ops.log(2.0), which is computed in float32 even for float64
# inputs, so Keras's float64 values are off by |float32(log 2) - log 2| = 1.9e-9 (see
# TestLogCosh.test_keras_float32_log2_offset).
KERAS_ATOL = {"log_cosh": 2e-9}


def loss(name, y_true, y_pred, **opts):
    """Call lossbook with every warning turned into an error."""
    with strict():
        return getattr(losses, name)(y_true, y_pred, **{**REQUIRED.get(name, {}), **opts})


# --------------------------------------------------------------------------------------------
# Every loss against Keras
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=["1d", "2d", "3d"])
@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_matches_keras_float64(name, opts, shape):
    rng = np.random.default_rng([zlib.crc32(name.encode()), len(shape), len(opts)])
    y_true, y_pred = make_inputs(name, opts, shape, rng)
    ours = loss(name, y_true, y_pred, **opts)
    theirs = keras_loss(name, y_true, y_pred, **opts)
    assert ours.shape == theirs.shape == shape[:-1]
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=KERAS_ATOL.get(name, 0.0))
    np.testing.assert_allclose(
        ours, reference(name, y_true, y_pred, **opts), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_matches_keras_float32(name, opts):
    rng = np.random.default_rng(7)
    y_true, y_pred = make_inputs(name, opts, (6, 5), rng)
    y_pred = y_pred.astype(np.float32)
    if y_true.dtype.kind == "f":
        y_true = y_true.astype(np.float32)
    ours = loss(name, y_true, y_pred, **opts)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, keras_loss(name, y_true, y_pred, **opts), rtol=2e-5, atol=1e-6)


#: The six losses of part two that Keras lacks.
BEYOND_KERAS = {"bpr", "distillation", "dpo", "info_nce", "pinball", "triplet_margin"}


def test_catalogue():
    from _helpers import keras_module

    keras = keras_module()
    keras_functions = {
        name
        for name, obj in vars(keras.losses).items()
        if inspect.isfunction(obj) and name not in ("get", "serialize", "deserialize")
    }
    assert len(keras_functions) == 22
    assert list(losses.KERAS_NAMES) == sorted(keras_functions)
    assert list(losses.LOSSES) == sorted(keras_functions | BEYOND_KERAS)
    assert set(losses.__all__) == set(losses.LOSSES) | {"LOSSES", "KERAS_NAMES"}
    assert set(NAMES) <= set(losses.LOSSES)
    for name, function in losses.LOSSES.items():
        assert function is getattr(losses, name)
        parameters = list(inspect.signature(function).parameters.values())
        options = [p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters[: -len(options) or None])
        if name in keras_functions:  # Keras's option names, each of them (but axis, reduced by lossbook)
            theirs = inspect.signature(getattr(keras.losses, name)).parameters
            keras_options = set(list(theirs)[2:]) - {"axis"}
            if name in ("dice", "tversky"):
                keras_options |= {"axis"}
            assert {p.name for p in options} == keras_options, name


@pytest.mark.parametrize("name", NAMES)
def test_options_are_keyword_only(name):
    parameters = list(inspect.signature(getattr(losses, name)).parameters.values())
    assert [p.name for p in parameters[:2]] == ["y_true", "y_pred"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
    if len(parameters) > 2:
        y_true, y_pred = make_inputs(name, {}, (3,), np.random.default_rng(0))
        with pytest.raises(TypeError):
            getattr(losses, name)(y_true, y_pred, parameters[2].default)


@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_inputs_are_not_modified_and_lists_work(name, opts):
    y_true, y_pred = make_inputs(name, opts, (3, 4), np.random.default_rng(1))
    saved_true, saved_pred = y_true.copy(), y_pred.copy()
    from_arrays = loss(name, y_true, y_pred, **opts)
    np.testing.assert_array_equal(y_true, saved_true)
    np.testing.assert_array_equal(y_pred, saved_pred)
    np.testing.assert_array_equal(loss(name, y_true.tolist(), y_pred.tolist(), **opts), from_arrays)


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float16, np.float32),
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
    ],
)
@pytest.mark.parametrize("name", NAMES)
def test_result_dtype(name, dtype, expected):
    y_true, y_pred = make_inputs(name, {}, (4, 3), np.random.default_rng(2))
    if dtype is np.int64:  # integer predictions that are valid for every loss
        y_pred = np.ones((4, 3), dtype=np.int64)
        if name == "sparse_categorical_crossentropy":
            y_true = np.zeros(4, dtype=np.int64)
    ours = loss(name, y_true, y_pred.astype(dtype))
    assert ours.dtype == expected
    assert ours.shape == (4,)
    tolerance = 1e-3 if dtype is np.float16 else 1e-6
    expected = reference(name, y_true, y_pred.astype(dtype), **REQUIRED.get(name, {}))
    np.testing.assert_allclose(ours, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", NAMES)
def test_one_dimensional_input_gives_a_0d_array(name):
    y_true, y_pred = make_inputs(name, {}, (5,), np.random.default_rng(3))
    result = loss(name, y_true, y_pred)
    assert isinstance(result, np.ndarray)
    assert result.shape == ()


# --------------------------------------------------------------------------------------------
# One class per loss: hand-computed cases
# --------------------------------------------------------------------------------------------

# The arrays of keras/src/losses/losses_test.py
Y_TRUE = np.array([[1, 9, 2], [-5, -2, 6]])
Y_PRED = np.array([[4, 8, 12], [8, 1, 3]], dtype=np.float64)


class TestMeanSquaredError:
    def test_hand_computed(self):
        # errors (3, -1, 10) and (13, 3, -3)
        per_sample = loss("mean_squared_error", Y_TRUE, Y_PRED)
        np.testing.assert_allclose(per_sample, [110 / 3, 187 / 3], rtol=1e-15)
        assert per_sample.mean() == pytest.approx(49.5, rel=1e-15)

    def test_all_correct(self):
        assert np.all(loss("mean_squared_error", Y_PRED, Y_PRED) == 0)

    def test_per_timestep(self):
        per_step = loss("mean_squared_error", Y_TRUE.reshape(2, 3, 1), Y_PRED.reshape(2, 3, 1))
        np.testing.assert_array_equal(per_step, [[9, 1, 100], [169, 9, 9]])


class TestMeanAbsoluteError:
    def test_hand_computed(self):
        per_sample = loss("mean_absolute_error", Y_TRUE, Y_PRED)
        np.testing.assert_allclose(per_sample, [14 / 3, 19 / 3], rtol=1e-15)
        assert per_sample.mean() == pytest.approx(5.5, rel=1e-15)

    def test_all_correct(self):
        assert np.all(loss("mean_absolute_error", Y_PRED, Y_PRED) == 0)


class TestHuber:
    Y_TRUE = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    Y_PRED = np.array([[0.9, 0.2, 0.2], [0.8, 0.4, 0.6]])

    def test_quadratic_region(self):
        # every |error| <= 1: 0.5 e^2 with e = (-0.1, 0.2, -0.8) and (-0.2, 0.4, 0.6)
        expected = [(0.01 + 0.04 + 0.64) / 6, (0.04 + 0.16 + 0.36) / 6]
        np.testing.assert_allclose(loss("huber", self.Y_TRUE, self.Y_PRED), expected, rtol=1e-14)

    def test_linear_region(self):
        # delta = 0.5: |e| = 0.8 and 0.6 are linear, delta |e| - delta^2 / 2; the rest quadratic
        expected = [(0.005 + 0.02 + (0.4 - 0.125)) / 3, (0.02 + 0.08 + (0.3 - 0.125)) / 3]
        np.testing.assert_allclose(
            loss("huber", self.Y_TRUE, self.Y_PRED, delta=0.5), expected, rtol=1e-14
        )

    def test_keras_docstring_example(self):
        result = loss("huber", [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        assert result.mean() == pytest.approx(0.155, rel=1e-14)

    def test_linear_growth_for_outliers(self):
        # far in the linear region the loss grows by delta per unit of error, unlike MSE
        small, large = (
            loss("huber", [0.0], [100.0], delta=2.0),
            loss("huber", [0.0], [101.0], delta=2.0),
        )
        assert large - small == pytest.approx(2.0)


class TestLogCosh:
    def test_keras_docstring_example(self):
        per_sample = loss("log_cosh", [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
        np.testing.assert_allclose(
            per_sample, [math.log(math.cosh(1.0)) / 2, 0.0], rtol=1e-15, atol=1e-300
        )

    def test_keras_test_arrays(self):
        expected = np.mean(np.log(np.cosh(Y_PRED - Y_TRUE)), axis=-1)
        np.testing.assert_allclose(loss("log_cosh", Y_TRUE, Y_PRED), expected, rtol=1e-14)

    def test_large_errors_do_not_overflow(self):
        # cosh(1000) overflows float64, log cosh(1000) = 1000 - log 2 does not
        assert loss("log_cosh", [0.0], [1000.0]) == pytest.approx(1000 - math.log(2), rel=1e-15)
        assert loss(
            "log_cosh", np.zeros(1, np.float32), np.full(1, -1e4, np.float32)
        ) == pytest.approx(1e4 - math.log(2), rel=1e-7)

    def test_keras_float32_log2_offset(self):
        # Keras's float64 log_cosh is off by a constant: it subtracts float32(log 2)
        zero = np.zeros(3)
        offset = keras_loss("log_cosh", zero, zero)
        assert offset == pytest.approx(math.log(2) - float(np.float32(math.log(2))), rel=1e-6)
        assert offset != 0.0
        assert loss("log_cosh", zero, zero) == 0.0


class TestBinaryCrossentropy:
    def test_keras_docstring_example(self):
        per_sample = loss("binary_crossentropy", [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        expected = [-math.log(0.4), -(math.log(0.6) + math.log(0.4)) / 2]
        np.testing.assert_allclose(per_sample, expected, rtol=1e-14)

    def test_all_correct(self):
        identity = np.eye(3)
        assert (
            loss("binary_crossentropy", identity, identity).max() < 2e-7
        )  # clipped, so -log(1 - 1e-7)
        assert (
            loss("binary_crossentropy", identity, 20 * identity - 10, from_logits=True).max() < 1e-4
        )

    def test_clipping_depends_on_dtype(self):
        # Keras's test: one confident mistake, y_true = 0 with y_pred = 1, is clipped to
        # -log(1 - c) with c = 1 - 1e-7 rounded to the dtype
        y_true = np.array([[1, 0], [1, 0]])
        y_pred = np.array([[1, 1], [1, 0]])
        in_float32 = loss("binary_crossentropy", y_true, y_pred.astype(np.float32)).mean()
        in_float64 = loss("binary_crossentropy", y_true, y_pred.astype(np.float64)).mean()
        assert in_float32 == pytest.approx(3.98559, rel=1e-5)  # Keras's expected value
        assert in_float64 == pytest.approx(-math.log(1e-7) / 4, rel=1e-6)
        assert keras_loss(
            "binary_crossentropy", y_true, y_pred.astype(np.float32)
        ).mean() == pytest.approx(in_float32, rel=1e-6)

    def test_logits(self):
        y_true = np.array([[1, 0, 1], [0, 1, 1]])
        logits = np.array([[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]])
        softplus = lambda z: math.log1p(math.exp(-abs(z))) + max(z, 0.0)  # noqa: E731
        expected = [softplus(-10), (softplus(10) + softplus(-10) + softplus(10)) / 3]
        per_sample = loss("binary_crossentropy", y_true, logits, from_logits=True)
        np.testing.assert_allclose(per_sample, expected, rtol=1e-14)
        assert per_sample.mean() == pytest.approx(3.3333, rel=1e-4)  # Keras's expected value

    def test_label_smoothing(self):
        # s = 0.2 turns targets (1, 0) into (0.9, 0.1)
        result = loss("binary_crossentropy", [1, 0], [0.8, 0.3], label_smoothing=0.2)
        expected = (
            -(0.9 * math.log(0.8) + 0.1 * math.log(0.2) + 0.1 * math.log(0.3) + 0.9 * math.log(0.7))
            / 2
        )
        assert result == pytest.approx(expected, rel=1e-14)


class TestCategoricalCrossentropy:
    Y_TRUE = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    Y_PRED = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]])

    def test_renormalises_rows(self):
        # the middle row sums to 1.99 and is divided by its sum first
        per_sample = loss("categorical_crossentropy", self.Y_TRUE, self.Y_PRED)
        np.testing.assert_allclose(
            per_sample, [-math.log(0.9), -math.log(0.89 / 1.99), -math.log(0.94)], rtol=1e-14
        )
        assert per_sample.mean() == pytest.approx(0.3239, abs=1e-4)  # Keras's expected value

    def test_logits(self):
        logits = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]])
        expected = [
            math.log(1 + 2 * math.exp(-7)),
            math.log(math.exp(-9) + 1 + math.exp(-8)),
            math.log(math.exp(-3) + math.exp(-2) + 1),
        ]
        per_sample = loss("categorical_crossentropy", self.Y_TRUE, logits, from_logits=True)
        np.testing.assert_allclose(per_sample, expected, rtol=1e-13)
        assert per_sample.mean() == pytest.approx(0.0573, abs=1e-4)  # Keras's expected value

    def test_keras_docstring_example(self):
        per_sample = loss(
            "categorical_crossentropy", [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
        )
        np.testing.assert_allclose(per_sample, [-math.log(0.95), -math.log(0.1)], rtol=1e-14)

    def test_label_smoothing(self):
        # s = 0.3 over K = 3 classes: targets (0.8, 0.1, 0.1)
        result = loss("categorical_crossentropy", [1, 0, 0], [0.5, 0.3, 0.2], label_smoothing=0.3)
        expected = -(0.8 * math.log(0.5) + 0.1 * math.log(0.3) + 0.1 * math.log(0.2))
        assert result == pytest.approx(expected, rel=1e-14)


class TestSparseCategoricalCrossentropy:
    def test_keras_test_arrays(self):
        y_pred = TestCategoricalCrossentropy.Y_PRED
        per_sample = loss("sparse_categorical_crossentropy", [0, 1, 2], y_pred)
        expected = loss("categorical_crossentropy", np.eye(3), y_pred)
        np.testing.assert_allclose(per_sample, expected, rtol=1e-14)
        assert per_sample.mean() == pytest.approx(0.3239, abs=1e-4)

    def test_trailing_axis_of_one(self):
        y_pred = TestCategoricalCrossentropy.Y_PRED
        np.testing.assert_array_equal(
            loss("sparse_categorical_crossentropy", [[0], [1], [2]], y_pred),
            loss("sparse_categorical_crossentropy", [0, 1, 2], y_pred),
        )

    def test_clips_before_renormalising(self):
        # Keras clips the 0 to 1e-7 first and then renormalises (the row sums to 1 + 1e-7),
        # where categorical_crossentropy renormalises first and clips second.
        sparse = loss("sparse_categorical_crossentropy", [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        dense = loss(
            "categorical_crossentropy", [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
        )
        assert sparse[0] == pytest.approx(math.log(1 + EPS) - math.log(0.95), rel=1e-12)
        assert dense[0] == pytest.approx(-math.log(0.95), rel=1e-14)
        assert sparse[1] == pytest.approx(dense[1], rel=1e-14)

    def test_logits(self):
        logits = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0]])
        np.testing.assert_allclose(
            loss("sparse_categorical_crossentropy", [0, 2], logits, from_logits=True),
            [math.log(1 + 2 * math.exp(-7)), 8 + math.log(math.exp(-9) + 1 + math.exp(-8))],
            rtol=1e-14,
        )

    def test_float_and_bool_labels(self):
        y_pred = [[0.3, 0.7], [0.6, 0.4]]
        expected = loss("sparse_categorical_crossentropy", [1, 0], y_pred)
        np.testing.assert_array_equal(
            loss("sparse_categorical_crossentropy", [1.0, 0.0], y_pred), expected
        )
        np.testing.assert_array_equal(
            loss("sparse_categorical_crossentropy", [True, False], y_pred), expected
        )


class TestKLDivergence:
    Y_TRUE = np.array([[0.5, 0.8, 0.12], [0.7, 0.43, 0.8]])
    Y_PRED = np.array([[0.4, 0.9, 0.12], [0.36, 0.3, 0.4]])

    def test_keras_test_arrays(self):
        expected = np.sum(self.Y_TRUE * np.log(self.Y_TRUE / self.Y_PRED), axis=-1)
        np.testing.assert_allclose(
            loss("kl_divergence", self.Y_TRUE, self.Y_PRED), expected, rtol=1e-14
        )

    def test_zeros_are_clipped(self):
        # a zero target contributes eps * log(eps / p), a zero prediction is read as eps
        result = loss("kl_divergence", [1.0, 0.0], [0.0, 1.0])
        assert result == pytest.approx(math.log(1 / EPS) + EPS * math.log(EPS), rel=1e-14)

    def test_identical_distributions(self):
        assert loss("kl_divergence", [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


class TestHinge:
    Y_TRUE = np.array([[0.0, 1.0], [0.0, 0.0]])
    Y_PRED = np.array([[0.6, 0.4], [0.4, 0.6]])

    def test_binary_labels_are_mapped_to_signs(self):
        # labels (-1, 1) and (-1, -1): margins 1 - y * y_pred = (1.6, 0.6) and (1.4, 1.6)
        per_sample = loss("hinge", self.Y_TRUE, self.Y_PRED)
        np.testing.assert_allclose(per_sample, [1.1, 1.5], rtol=1e-14)
        assert per_sample.mean() == pytest.approx(1.3, rel=1e-14)
        np.testing.assert_array_equal(per_sample, loss("hinge", 2 * self.Y_TRUE - 1, self.Y_PRED))

    def test_no_loss_beyond_the_margin(self):
        assert loss("hinge", [1, -1], [1.0, -3.0]) == 0.0


class TestSquaredHinge:
    def test_hand_computed(self):
        per_sample = loss("squared_hinge", TestHinge.Y_TRUE, TestHinge.Y_PRED)
        np.testing.assert_allclose(per_sample, [(2.56 + 0.36) / 2, (1.96 + 2.56) / 2], rtol=1e-14)
        assert per_sample.mean() == pytest.approx(1.86, rel=1e-14)


class TestBinaryFocalCrossentropy:
    def test_keras_docstring_example(self):
        # (1 - p_t) is 0.6, 0.6 | 0.4, 0.6 and the cross-entropies
        # -log(0.4), -log(0.4) | -log(0.6), -log(0.4)
        per_sample = loss("binary_focal_crossentropy", [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        expected = [0.36 * -math.log(0.4), (0.16 * -math.log(0.6) + 0.36 * -math.log(0.4)) / 2]
        np.testing.assert_allclose(per_sample, expected, rtol=1e-14)

    def test_gamma_zero_is_binary_crossentropy(self):
        y_true, y_pred = [[0, 1], [1, 1]], [[0.3, 0.8], [0.55, 0.9]]
        np.testing.assert_allclose(
            loss("binary_focal_crossentropy", y_true, y_pred, gamma=0.0),
            loss("binary_crossentropy", y_true, y_pred),
            rtol=1e-15,
        )

    def test_class_balancing(self):
        # alpha = 0.3 weights class 1 by 0.3 and class 0 by 0.7
        result = loss(
            "binary_focal_crossentropy", [1, 0], [0.8, 0.4], apply_class_balancing=True, alpha=0.3
        )
        expected = (0.3 * 0.2**2 * -math.log(0.8) + 0.7 * 0.4**2 * -math.log(0.6)) / 2
        assert result == pytest.approx(expected, rel=1e-14)

    def test_logits_equal_probabilities(self):
        logits = np.array([-2.0, 0.5, 3.0])
        probabilities = 1 / (1 + np.exp(-logits))
        np.testing.assert_allclose(
            loss("binary_focal_crossentropy", [1, 0, 1], logits, from_logits=True, gamma=1.5),
            loss("binary_focal_crossentropy", [1, 0, 1], probabilities, gamma=1.5),
            rtol=1e-14,
        )


class TestPoisson:
    def test_keras_test_arrays(self):
        y_true = np.array([[4, 8, 12], [8, 1, 3]], dtype=float)
        y_pred = np.array([[1, 9, 2], [5, 2, 6]], dtype=float)
        expected = np.mean(y_pred - y_true * np.log(y_pred + EPS), axis=-1)
        np.testing.assert_allclose(loss("poisson", y_true, y_pred), expected, rtol=1e-15)

    def test_zero_rate(self):
        # log(0 + eps) keeps a zero rate finite: a count of 2 at rate 0 costs -2 log(eps) / 1
        assert loss("poisson", [2.0], [0.0]) == pytest.approx(-2 * math.log(EPS))


class TestCosineSimilarity:
    def test_keras_docstring_example(self):
        per_sample = loss(
            "cosine_similarity",
            [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
            [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]],
        )
        np.testing.assert_allclose(per_sample, [0.0, -1.0, 1.0], atol=1e-15)

    def test_keras_test_arrays(self):
        unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
        expected = -np.sum(unit(Y_TRUE) * unit(Y_PRED), axis=-1)
        np.testing.assert_allclose(loss("cosine_similarity", Y_TRUE, Y_PRED), expected, rtol=1e-14)

    def test_zero_vector(self):
        assert loss("cosine_similarity", [0.0, 0.0], [1.0, 2.0]) == 0.0

    def test_scale_invariant(self):
        a = loss("cosine_similarity", [1.0, 2.0, 3.0], [0.5, -1.0, 4.0])
        b = loss("cosine_similarity", [10.0, 20.0, 30.0], [0.05, -0.1, 0.4])
        assert a == pytest.approx(b, rel=1e-15)
