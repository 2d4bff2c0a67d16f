"""Input validation: explicit error messages, then hypothesis properties of every public function.

The property, for every loss of ``_helpers.NAMES`` and its gradient: given random shapes, dtypes, options and
inputs (valid, or broken in one of a dozen ways), the function either returns a finite result
that agrees with a plain float64 reference formula, or raises ValueError or TypeError whose
message starts with the function's name and names the problem. Never a warning, never a NaN.

The hypothesis profile ``lossbook-ci`` (300 examples per function, no deadline, no example
database) is registered here and applied to these tests only.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np
import pytest
from _helpers import NAMES, REQUIRED, clip_bounds, reference, reference_gradient, strict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossbook import gradients, losses

settings.register_profile(
    "lossbook-ci",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CI = settings.get_profile("lossbook-ci")

MODULES = {"losses": losses, "gradients": gradients}
FUNCTIONS = [(module, name) for module in MODULES for name in NAMES]
FUNCTION_IDS = [f"{module}.{name}" for module, name in FUNCTIONS]

KIND = {
    "mean_squared_error": "real",
    "mean_absolute_error": "real",
    "huber": "real",
    "log_cosh": "real",
    "cosine_similarity": "real",
    "binary_crossentropy": "binary",
    "binary_focal_crossentropy": "binary",
    "categorical_crossentropy": "categorical",
    "sparse_categorical_crossentropy": "sparse",
    "kl_divergence": "distribution",
    "hinge": "hinge",
    "squared_hinge": "hinge",
    "poisson": "poisson",
    "mean_absolute_percentage_error": "real",
    "mean_squared_logarithmic_error": "real",
    "pinball": "real",
    "categorical_focal_crossentropy": "categorical",
    "categorical_generalized_cross_entropy": "sparse",
    "categorical_hinge": "scores",
}
PROBABILITY_PREDICTIONS = {"binary", "categorical", "sparse", "distribution"}
WITH_LOGITS = {
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_focal_crossentropy",
}
FLOAT_OPTIONS = {
    "delta": (0.0, math.inf),
    "label_smoothing": (0.0, 1.0),
    "gamma": (0.0, math.inf),
    "alpha": (0.0, 1.0),
    "quantile": (0.0, 1.0),
    "q": (0.0, 1.0),
}
#: Where a loss gives an option another range than FLOAT_OPTIONS.
OPTION_RANGES = {("categorical_focal_crossentropy", "alpha"): (0.0, math.inf)}
#: Options whose lower bound itself is refused.
OPEN_BELOW = {"delta", "q"}
BOOL_OPTIONS = {"from_logits", "apply_class_balancing"}
OPTION_NAMES = {
    "huber": ["delta"],
    "binary_crossentropy": ["from_logits", "label_smoothing"],
    "categorical_crossentropy": ["from_logits", "label_smoothing"],
    "sparse_categorical_crossentropy": ["from_logits"],
    "binary_focal_crossentropy": [
        "gamma",
        "from_logits",
        "apply_class_balancing",
        "alpha",
        "label_smoothing",
    ],
    "pinball": ["quantile"],
    "categorical_focal_crossentropy": ["alpha", "gamma", "from_logits", "label_smoothing"],
    "categorical_generalized_cross_entropy": ["q"],
}
#: Where squares of the inputs are formed, huge finite inputs may overflow the dtype.
MAY_OVERFLOW = {
    ("losses", "mean_squared_error"),
    ("losses", "squared_hinge"),
    ("losses", "cosine_similarity"),
    ("gradients", "cosine_similarity"),
}

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def call(module: str, name: str, y_true: Any, y_pred: Any, opts: dict[str, Any]) -> np.ndarray:
    with strict():
        return getattr(MODULES[module], name)(y_true, y_pred, **{**REQUIRED.get(name, {}), **opts})


# --------------------------------------------------------------------------------------------
# Explicit messages
# --------------------------------------------------------------------------------------------


def valid_pair(name: str, shape=(3, 4)):
    """A small valid input for every loss (probabilities, labels and rates all in range)."""
    rng = np.random.default_rng(0)
    y_pred = rng.uniform(0.1, 0.9, shape)
    if KIND[name] == "sparse":
        return rng.integers(0, shape[-1], shape[:-1]), y_pred
    if KIND[name] == "hinge":
        return rng.choice([-1.0, 1.0], shape), y_pred
    return rng.uniform(0.0, 1.0, shape), y_pred


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_shape_mismatch_names_both_shapes(module, name):
    y_true, _ = valid_pair(name, (4, 1))
    _, y_pred = valid_pair(name, (4, 10))
    if KIND[name] == "sparse":
        y_true = np.zeros(5, dtype=int)
    expected = (
        rf"^{module}\.{name}: .*y_true\.shape=\({y_true.shape[0]},.*\) and y_pred\.shape=\(4, 10\)"
    )
    with pytest.raises(ValueError, match=expected):
        call(module, name, y_true, y_pred, {})


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("argument", ["y_true", "y_pred"])
def test_nan_and_infinity(module, name, bad, argument):
    y_true, y_pred = valid_pair(name)
    y_true = y_true.astype(float)
    (y_true if argument == "y_true" else y_pred).flat[1] = bad
    with pytest.raises(
        ValueError, match=rf"^{module}\.{name}: {argument} contains NaN or infinity \(1 of"
    ):
        call(module, name, y_true, y_pred, {})


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_empty_and_0d(module, name):
    y_true, y_pred = valid_pair(name, (0, 3))
    with pytest.raises(
        ValueError, match=rf"^{module}\.{name}: y_(true|pred) is empty \(shape \(0,"
    ):
        call(module, name, y_true, y_pred, {})
    with pytest.raises(
        ValueError, match=rf"^{module}\.{name}: y_(true|pred) must have at least 1 dimension"
    ):
        call(module, name, 0.5 if KIND[name] != "sparse" else 0, 0.5, {})


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize(
    "value", [None, "0.5", np.array(["a", "b"]), np.array([1 + 2j, 1j]), np.array([1.0, None])]
)
def test_wrong_types(module, name, value):
    y_true, y_pred = valid_pair(name, (2,))
    with pytest.raises(TypeError, match=rf"^{module}\.{name}: y_true must"):
        call(module, name, value, y_pred, {})
    with pytest.raises(TypeError, match=rf"^{module}\.{name}: y_pred must"):
        call(module, name, y_true, value, {})


def test_ragged_lists_and_unsupported_dtypes():
    with pytest.raises(ValueError, match=r"^losses\.hinge: y_true cannot be converted to an array"):
        losses.hinge([[1, -1], [1]], [[0.5, 0.5], [0.5]])
    with pytest.raises(TypeError, match=r"got dtype float128|got dtype longdouble"):
        losses.mean_squared_error(np.ones(2, dtype=np.longdouble), np.ones(2))
    with pytest.raises(TypeError, match=r"got dtype datetime64"):
        losses.mean_squared_error(np.array(["2024-01-01"], dtype="datetime64[D]"), np.ones(1))


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    "name",
    [
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    ],
)
@pytest.mark.parametrize("bad", [1.5, -0.25])
def test_probabilities_out_of_range_hint_at_logits(module, name, bad):
    y_true, y_pred = valid_pair(name)
    y_pred[0, 1] = bad
    message = (
        rf"^{module}\.{name}: y_pred must hold probabilities in \[0, 1\], "
        rf"but its values range from .*{bad}.*from_logits=True"
    )
    with pytest.raises(ValueError, match=message):
        call(module, name, y_true, y_pred, {})
    call(module, name, y_true, y_pred, {"from_logits": True})  # fine as logits


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    "name",
    [
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "kl_divergence",
    ],
)
def test_targets_out_of_range(module, name):
    y_true, y_pred = valid_pair(name)
    y_true[2, 0] = 2.0
    with pytest.raises(
        ValueError,
        match=rf"^{module}\.{name}: y_true must hold (targets \(probabilities\)|probabilities) "
        r"in \[0, 1\]",
    ):
        call(module, name, y_true, y_pred, {})


@pytest.mark.parametrize("module", MODULES)
def test_kl_divergence_predictions_out_of_range(module):
    with pytest.raises(
        ValueError,
        match=rf"^{module}\.kl_divergence: y_pred must hold probabilities .*apply a softmax",
    ):
        call(module, "kl_divergence", [0.5, 0.5], [1.5, -0.5], {})


@pytest.mark.parametrize("module", MODULES)
def test_sparse_labels(module):
    y_pred = np.full((3, 4), 0.25)
    function = MODULES[module].sparse_categorical_crossentropy
    with pytest.raises(
        ValueError,
        match=r"class indices in \[0, 3\] \(4 classes\), but its values range from 0.* to 4",
    ):
        function([0, 4, 1], y_pred)
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\].* from -1"):
        function([0, -1, 1], y_pred)
    with pytest.raises(ValueError, match=r"y_true must hold integer class indices, got 1.5"):
        function([0.0, 1.5, 1.0], y_pred)
    with pytest.raises(
        ValueError,
        match=r"shape y_pred\.shape\[:-1\]=\(3,\) \(or \(3, 1\)\), got y_true\.shape=\(3, 4\)",
    ):
        function(np.zeros((3, 4), dtype=int), y_pred)
    assert (
        function(np.zeros((3, 1), dtype=int), y_pred).shape
        == y_pred.shape[: 1 if module == "losses" else 2]
    )


@pytest.mark.parametrize("module", MODULES)
def test_categorical_zero_row(module):
    with pytest.raises(
        ValueError,
        match=rf"^{module}\.categorical_crossentropy: every row of y_pred must have a positive "
        r"sum.*row \(1,\) sums to 0",
    ):
        call(module, "categorical_crossentropy", [[1, 0], [0, 1]], [[0.5, 0.5], [0.0, 0.0]], {})


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
def test_hinge_labels(module, name):
    for labels, found in (
        ([0.5, 1.0], "the value 0.5"),
        ([0, -1], "a mix of 0 and -1"),
        ([2, 1], "the value 2"),
    ):
        with pytest.raises(
            ValueError,
            match=rf"^{module}\.{name}: y_true must hold labels in \{{-1, 1\}}, "
            rf"or all in \{{0, 1\}}.*got {found}",
        ):
            call(module, name, labels, [0.3, 0.4], {})


@pytest.mark.parametrize("module", MODULES)
def test_poisson_domain(module):
    with pytest.raises(
        ValueError,
        match=rf"^{module}\.poisson: y_pred must hold non-negative rates.*-0.5.*log-rates",
    ):
        call(module, "poisson", [1.0, 2.0], [-0.5, 1.0], {})
    with pytest.raises(
        ValueError, match=rf"^{module}\.poisson: y_true must hold non-negative counts"
    ):
        call(module, "poisson", [-1.0, 2.0], [0.5, 1.0], {})


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    ("name", "option", "value", "error", "message"),
    [
        (
            "huber",
            "delta",
            0.0,
            ValueError,
            r"delta must be a finite number in \(0, inf\), got delta=0.0",
        ),
        ("huber", "delta", -1, ValueError, r"delta must be a finite number in \(0, inf\)"),
        ("huber", "delta", math.nan, ValueError, r"delta must be a finite number"),
        ("huber", "delta", True, TypeError, r"delta must be a real number, got True \(bool\)"),
        ("huber", "delta", "1", TypeError, r"delta must be a real number, got '1' \(str\)"),
        (
            "binary_crossentropy",
            "label_smoothing",
            1.5,
            ValueError,
            r"label_smoothing must be a finite number in \[0, 1\]",
        ),
        (
            "categorical_crossentropy",
            "label_smoothing",
            -0.1,
            ValueError,
            r"label_smoothing must be a finite number in \[0, 1\]",
        ),
        (
            "binary_focal_crossentropy",
            "gamma",
            -0.5,
            ValueError,
            r"gamma must be a finite number in \[0, inf\)",
        ),
        (
            "binary_focal_crossentropy",
            "gamma",
            math.inf,
            ValueError,
            r"gamma must be a finite number",
        ),
        (
            "binary_focal_crossentropy",
            "alpha",
            1.2,
            ValueError,
            r"alpha must be a finite number in \[0, 1\]",
        ),
        (
            "binary_focal_crossentropy",
            "alpha",
            None,
            TypeError,
            r"alpha must be a real number, got None",
        ),
        (
            "binary_focal_crossentropy",
            "apply_class_balancing",
            1,
            TypeError,
            r"apply_class_balancing must be True or False, got 1 \(int\)",
        ),
        (
            "sparse_categorical_crossentropy",
            "from_logits",
            "yes",
            TypeError,
            r"from_logits must be True or False",
        ),
    ],
)
def test_invalid_options(module, name, option, value, error, message):
    y_true, y_pred = valid_pair(name)
    with pytest.raises(error, match=rf"^{module}\.{name}: {message}"):
        call(module, name, y_true, y_pred, {option: value})


@pytest.mark.parametrize("module", MODULES)
def test_numpy_scalars_are_accepted_as_options(module):
    y_true, y_pred = valid_pair("binary_focal_crossentropy")
    expected = call(
        module,
        "binary_focal_crossentropy",
        y_true,
        y_pred,
        {"gamma": 1.5, "alpha": 0.5, "apply_class_balancing": True},
    )
    got = call(
        module,
        "binary_focal_crossentropy",
        y_true,
        y_pred,
        {"gamma": np.float32(1.5), "alpha": np.int64(0) + 0.5, "apply_class_balancing": np.True_},
    )
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_hint_is_only_given_where_it_helps():
    with pytest.raises(ValueError) as info:
        losses.binary_crossentropy([2.0], [0.5])
    assert "from_logits" not in str(info.value)  # the targets are wrong, not the predictions


def test_too_large_for_the_computing_dtype():
    # y_true is cast to the dtype of y_pred, as in Keras; 1e300 does not fit in float32
    with pytest.raises(
        ValueError, match=r"^losses\.mean_squared_error: y_true has values too large for float32"
    ):
        losses.mean_squared_error(np.array([1e300]), np.array([1.0], dtype=np.float32))


# --------------------------------------------------------------------------------------------
# Strategies for the properties
# --------------------------------------------------------------------------------------------


# Strategies are built once and cached: building and validating a new strategy object for every
# draw would cost more than running the test.


@functools.cache
def float_arrays(
    dtype: Any, shape: tuple[int, ...], low: float, high: float
) -> st.SearchStrategy[np.ndarray]:
    elements = st.floats(
        low, high, width=8 * np.dtype(dtype).itemsize, allow_nan=False, allow_infinity=False
    )
    return hnp.arrays(dtype, shape, elements=elements)


@functools.cache
def int_arrays(
    dtype: Any, shape: tuple[int, ...], low: int, high: int
) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(dtype, shape, elements=st.integers(low, high))


@functools.cache
def sign_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int64, shape, elements=st.sampled_from([-1, 1]))


@functools.cache
def other_shapes(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    return SHAPES.filter(lambda other: other != shape)


DELTAS = st.sampled_from([1.0, 0.5, 2.0]) | st.floats(1e-3, 1e3)
GAMMAS = st.sampled_from([0.0, 0.5, 1.0, 2.0]) | st.floats(0.0, 5.0)
FRACTIONS = st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)
# Smoothing of 1e-45 makes a target of 7e-46 that is 0 in float32 but not in the float64
# reference, which matters where the focal gradient is singular at a target of 0.
SMOOTHINGS = st.sampled_from([0.0, 1.0]) | st.floats(1e-30, 1.0)
POSITIVE = st.floats(1e-6, 1e3)
DTYPES = st.sampled_from(FLOAT_DTYPES)
OUTSIDE_UNIT = st.floats(1.0, 10.0, exclude_min=True) | st.floats(-10.0, 0.0, exclude_max=True)


def draw_options(draw: st.DrawFn, name: str) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for option in OPTION_NAMES.get(name, []):
        if option not in REQUIRED.get(name, {}) and not draw(st.booleans()):
            continue  # leave the default
        if option in BOOL_OPTIONS:
            opts[option] = draw(st.booleans())
        elif option == "delta":
            opts[option] = draw(DELTAS)
        elif option == "gamma":
            opts[option] = draw(GAMMAS)
        elif option == "label_smoothing":
            opts[option] = draw(SMOOTHINGS)
        elif option == "q":
            opts[option] = draw(st.sampled_from([0.5, 0.1, 0.9]) | st.floats(0.01, 0.99))
        else:
            opts[option] = draw(FRACTIONS)
    return opts


def draw_predictions(
    draw: st.DrawFn, name: str, opts: dict[str, Any], shape: tuple[int, ...]
) -> np.ndarray:
    kind = KIND[name]
    if kind in ("real", "hinge", "scores") and draw(st.integers(0, 5)) == 0:
        return draw(int_arrays(np.int64, shape, -1000, 1000))
    dtype = draw(DTYPES)
    if opts.get("from_logits"):
        # the focal reference formula is not stable beyond this; test_extremes covers it
        bound = 30.0 if name == "binary_focal_crossentropy" else 1e4
        return draw(float_arrays(dtype, shape, -bound, bound))
    if kind in PROBABILITY_PREDICTIONS:
        return draw(float_arrays(dtype, shape, 0.0, 1.0))
    if kind == "poisson":
        return draw(float_arrays(dtype, shape, 0.0, 100.0))
    return draw(float_arrays(dtype, shape, -1000.0, 1000.0))


def draw_targets(draw: st.DrawFn, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Valid ``y_true`` for ``y_pred`` of ``shape``."""
    kind = KIND[name]
    if kind == "sparse":
        classes = shape[-1]
        labels_shape = shape[:-1] + (1,) * draw(st.integers(0, 1))
        labels = draw(int_arrays(np.int64, labels_shape, 0, classes - 1))
        as_type = draw(
            st.sampled_from(
                ["int", "float", "bool", "uint8"] if classes >= 2 else ["int", "float", "uint8"]
            )
        )
        return {
            "int": labels,
            "float": labels.astype(float),
            "bool": labels.astype(bool),
            "uint8": labels.astype(np.uint8),
        }[as_type]
    if kind == "hinge":
        signs = draw(sign_arrays(shape))
        style = draw(st.sampled_from(["signs", "signs-float", "binary", "bool"]))
        if style == "signs":
            return signs
        if style == "signs-float":
            return signs.astype(draw(DTYPES))
        binary = signs > 0
        return (
            binary
            if style == "bool"
            else binary.astype(draw(st.sampled_from([np.int32, np.float32, np.float64])))
        )
    dtype = draw(DTYPES)
    if kind == "real":
        if draw(st.integers(0, 5)) == 0:
            return draw(int_arrays(draw(st.sampled_from([np.int32, np.int8])), shape, -100, 100))
        return draw(float_arrays(dtype, shape, -1000.0, 1000.0))
    if kind == "poisson":
        if draw(st.booleans()):
            return draw(int_arrays(np.int64, shape, 0, 100))
        return draw(float_arrays(dtype, shape, 0.0, 100.0))
    # binary, categorical, distribution: values in [0, 1], sometimes hard 0/1 labels
    if draw(st.integers(0, 3)) == 0:
        labels = draw(int_arrays(np.int8, shape, 0, 1))
        return labels.astype(bool) if draw(st.booleans()) else labels
    return draw(float_arrays(dtype, shape, 0.0, 1.0))


SCENARIOS = ["valid", "valid", "list", "huge", "nan", "infinity", "empty", "zero_d", "mismatch",
             "pred_out_of_range", "true_out_of_range", "bad_option", "wrong_type"]  # fmt: skip


@functools.cache
def cases(module: str, name: str) -> st.SearchStrategy[tuple[Any, Any, dict[str, Any], str, Any]]:
    return st.composite(draw_case)(module, name)


def draw_case(draw: st.DrawFn, module: str, name: str) -> tuple[Any, Any, dict[str, Any], str, Any]:
    """``(y_true, y_pred, opts, scenario, expected)``; ``expected`` is None or (error, regex)."""
    kind = KIND[name]
    opts = draw_options(draw, name)
    shape = draw(SHAPES)
    y_pred = draw_predictions(draw, name, opts, shape)
    y_true = draw_targets(draw, name, shape)
    scenario = draw(st.sampled_from(SCENARIOS))
    where = rf"^{module}\.{name}: "

    if scenario == "list":
        return y_true.tolist(), y_pred.tolist(), opts, scenario, None
    if scenario == "huge":
        if (
            kind in PROBABILITY_PREDICTIONS
            and not opts.get("from_logits")
            or y_pred.dtype.kind != "f"
            or y_pred.dtype == np.float16
        ):
            return y_true, y_pred, opts, "valid", None
        size = 1e30 if y_pred.dtype == np.float32 else 1e200
        y_pred = y_pred.copy()
        signs = [1.0] if kind == "poisson" else [-1.0, 1.0]
        y_pred.flat[draw(st.integers(0, y_pred.size - 1))] = draw(st.sampled_from(signs)) * size
        return y_true, y_pred, opts, scenario, None
    if scenario in ("nan", "infinity"):
        bad = math.nan if scenario == "nan" else draw(st.sampled_from([math.inf, -math.inf]))
        argument = draw(st.sampled_from(["y_true", "y_pred"]))
        array = (y_true if argument == "y_true" else y_pred).astype(np.float64)
        array.flat[draw(st.integers(0, array.size - 1))] = bad
        if argument == "y_true":
            y_true = array
        else:
            y_pred = array
        return (
            y_true,
            y_pred,
            opts,
            scenario,
            (ValueError, where + rf"{argument} contains NaN or infinity"),
        )
    if scenario == "empty":
        empty = shape[:-1] + (0,) if draw(st.booleans()) else (0,) + shape[1:]
        y_pred = np.zeros(empty, dtype=y_pred.dtype)
        y_true = np.zeros(empty[:-1] if kind == "sparse" else empty, dtype=y_true.dtype)
        return y_true, y_pred, opts, scenario, (ValueError, where + r"y_(true|pred) is empty")
    if scenario == "zero_d":
        if kind == "sparse":
            return (
                0,
                y_pred.flat[0],
                opts,
                scenario,
                (ValueError, where + r"y_pred must have at least 1 dimension"),
            )
        return (
            y_true.flat[0],
            y_pred.flat[0],
            opts,
            scenario,
            (ValueError, where + r"y_(true|pred) must have at least 1 dimension"),
        )
    if scenario == "mismatch":
        other = draw(other_shapes(shape))
        if kind == "sparse":
            if other[:-1] == shape[:-1] or other == shape[:-1]:
                return y_true, y_pred, opts, "valid", None
            y_true = np.zeros(other, dtype=np.int64)
        else:
            y_true = draw_targets(draw, name, other)
        return (
            y_true,
            y_pred,
            opts,
            scenario,
            (ValueError, where + r".*y_true\.shape=\(.*\) and y_pred\.shape=\(.*\)"),
        )
    if scenario == "pred_out_of_range":
        y_pred = y_pred.astype(np.float64)
        index = draw(st.integers(0, y_pred.size - 1))
        if kind == "poisson":
            y_pred.flat[index] = -draw(POSITIVE)
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (ValueError, where + r"y_pred must hold non-negative rates"),
            )
        if kind not in PROBABILITY_PREDICTIONS or opts.get("from_logits"):
            return y_true, y_pred, opts, "valid", None
        y_pred.flat[index] = draw(OUTSIDE_UNIT)
        hint = ".*from_logits=True" if name in WITH_LOGITS else ""
        return (
            y_true,
            y_pred,
            opts,
            scenario,
            (ValueError, where + r"y_pred must hold probabilities in \[0, 1\]" + hint),
        )
    if scenario == "true_out_of_range":
        y_true = y_true.astype(np.float64) if kind != "sparse" else y_true.astype(np.float64).copy()
        index = draw(st.integers(0, y_true.size - 1))
        if kind == "real":
            return y_true, y_pred, opts, "valid", None
        if kind == "sparse":
            classes = y_pred.shape[-1]
            y_true.flat[index] = draw(st.sampled_from([-1.0, float(classes), classes + 7.0, 0.5]))
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (ValueError, where + r"y_true must hold (integer )?class indices"),
            )
        if kind == "hinge":
            y_true.flat[index] = draw(st.sampled_from([0.5, 2.0, -3.0, 0.25]))
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (ValueError, where + r"y_true must hold labels in \{-1, 1\}"),
            )
        if kind == "poisson":
            y_true.flat[index] = -draw(POSITIVE)
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (ValueError, where + r"y_true must hold non-negative counts"),
            )
        y_true.flat[index] = draw(OUTSIDE_UNIT)
        return (
            y_true,
            y_pred,
            opts,
            scenario,
            (
                ValueError,
                where + r"y_true must hold (targets \(probabilities\)|probabilities) in \[0, 1\]",
            ),
        )
    if scenario == "bad_option":
        if name not in OPTION_NAMES:
            return y_true, y_pred, opts, "valid", None
        option = draw(st.sampled_from(OPTION_NAMES[name]))
        opts = dict(opts)
        if option in BOOL_OPTIONS:
            opts[option] = draw(st.sampled_from([1, 0, "True", None, 1.0]))
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (TypeError, where + rf"{option} must be True or False"),
            )
        if draw(st.booleans()):
            wrong = [True, False, "1", None, [1.0], 1j]
            if (name, option) == ("categorical_focal_crossentropy", "alpha"):
                wrong.remove([1.0])  # a sequence of class weights is fine there
            opts[option] = draw(st.sampled_from(wrong))
            return (
                y_true,
                y_pred,
                opts,
                scenario,
                (TypeError, where + rf"{option} must be a real number"),
            )
        low, high = OPTION_RANGES.get((name, option), FLOAT_OPTIONS[option])
        too_low = st.floats(max_value=low, exclude_max=option not in OPEN_BELOW, allow_nan=False)
        too_high = (
            st.floats(min_value=high, exclude_min=True)
            if math.isfinite(high)
            else st.just(math.inf)
        )
        opts[option] = draw(too_low | too_high | st.just(math.nan))
        return (
            y_true,
            y_pred,
            opts,
            scenario,
            (ValueError, where + rf"{option} must be a finite number in"),
        )
    if scenario == "wrong_type":
        bad = draw(
            st.sampled_from(
                [
                    None,
                    "abc",
                    np.array(["x"] * y_pred.size),
                    y_pred.astype(np.complex128),
                    y_pred.astype(object),
                ]
            )
        )
        if draw(st.booleans()):
            return bad, y_pred, opts, scenario, (TypeError, where + r"y_true must")
        return y_true, bad, opts, scenario, (TypeError, where + r"y_pred must")
    return y_true, y_pred, opts, "valid", None


# --------------------------------------------------------------------------------------------
# The property
# --------------------------------------------------------------------------------------------


def computing_dtype(y_pred: Any) -> np.dtype:
    dtype = np.asarray(y_pred).dtype
    return np.dtype(np.float64) if dtype.kind in "biu" else np.result_type(dtype, np.float32)


def gradient_term_size(
    name: str, true: np.ndarray, pred: np.ndarray, opts: dict[str, Any], dtype: Any
) -> float:
    """How large the terms are that a gradient adds or subtracts, per element, times N.

    Rounding errors in float32 are relative to these, not to the (possibly tiny) difference.
    """
    low, high = clip_bounds(dtype)
    from_logits = opts.get("from_logits", False)
    inputs = 1.0 + np.max(np.abs(pred)) + np.max(np.abs(true))
    if name == "cosine_similarity":  # -(a - cos b) / |p|: unit vectors divided by the norm
        return 1.0 / max(float(np.linalg.norm(pred, axis=-1).min()), low)
    if name == "categorical_focal_crossentropy":  # alpha times the terms of the CE gradient
        alpha = float(np.max(opts.get("alpha", 0.25)))
        gamma = opts.get("gamma", 2.0)
        if from_logits:  # |w_k| <= alpha (gamma + 1), and o sum(w) <= K alpha (gamma + 1)
            return pred.shape[-1] * alpha * (gamma + 1.0)
        with np.errstate(all="ignore"):  # (gamma (1 - c)^(gamma - 1) |log c| + 1 / c) / S
            slope = gamma * 17.0 * max(1.0, low ** min(gamma - 1.0, 0.0)) + 1.0 / low
            return min(float(alpha * slope / pred.sum(axis=-1).min()), 1e300)
    if name == "mean_absolute_percentage_error":  # 100 / max(|t|, eps)
        return 100.0 / max(float(np.min(np.abs(true))), low)
    if name == "categorical_generalized_cross_entropy":  # p_c^(q - 1)
        labels = true.astype(np.int64).reshape(pred.shape[:-1])
        picked = np.take_along_axis(pred, labels[..., None], axis=-1)
        with np.errstate(all="ignore"):
            return min(float(np.max(picked ** (opts["q"] - 1.0))), 1e300)
    if (
        from_logits
    ):  # sigmoid(z) - t, (sum t) softmax(z) - t, and focal's gamma * BCE <= gamma (1 + |z|)
        return pred.shape[-1] + opts.get("gamma", 2.0) * inputs
    if name == "categorical_crossentropy":  # t / c <= 1 / eps, divided by the row sum
        with np.errstate(all="ignore"):
            return min(float(np.float64(1.0 / low) / pred.sum(axis=-1).min()), 1e300)
    if name in ("sparse_categorical_crossentropy", "kl_divergence"):  # 1 / q_c and t / p <= 1 / eps
        return 1.0 / low
    if name in ("binary_crossentropy", "binary_focal_crossentropy"):  # (c - t) / (c (1 - c)), and
        c = np.clip(pred, low, high)  # gamma u^(gamma - 1) b
        slope = float(np.max(1.0 / (c * (1.0 - c))))
        gamma = opts.get("gamma", 2.0)
        if name == "binary_crossentropy" or gamma == 0:
            return slope
        smoothing = opts.get("label_smoothing", 0.0)
        true = true * (1 - smoothing) + 0.5 * smoothing
        u = true * (1 - pred) + (1 - true) * pred
        b = -(true * np.log(c) + (1 - true) * np.log(1 - c))
        # log(1 - c) has an absolute error of eps (not a relative one), hence b + 1; through
        # logarithms, as u^(gamma - 1) alone may overflow
        with np.errstate(all="ignore"):
            focal = np.exp(math.log(gamma) + (gamma - 1) * np.log(u) + np.log(b + 1))
        return slope + min(float(np.max(focal[u > 0], initial=0.0)), 1e300)
    if name == "poisson":  # 1 - t / (p + eps)
        return 1.0 + float(np.max(true / (pred + low)))
    return inputs  # p - t, clip(p - t), tanh(p - t), hinge margins


def check_against_reference(
    module: str, name: str, y_true: Any, y_pred: Any, opts: dict[str, Any], result: np.ndarray
) -> None:
    dtype = computing_dtype(y_pred)
    pred = np.asarray(y_pred).astype(dtype).astype(np.float64)
    true = np.asarray(y_true)
    if KIND[name] != "sparse":
        true = true.astype(dtype).astype(
            np.float64
        )  # lossbook, like Keras, casts y_true to the dtype of y_pred
    assert isinstance(result, np.ndarray)
    assert result.dtype == dtype
    assert result.shape == (pred.shape[:-1] if module == "losses" else pred.shape)
    assert np.isfinite(result).all()
    formula = reference if module == "losses" else reference_gradient
    with np.errstate(all="ignore"):
        expected = formula(name, true, pred, dtype=dtype, **opts)
    # Rounding errors are relative to the terms that are added, not to the result (a difference
    # of two terms of size 2 can be 4e-7, and be off by 20% in float32). The terms of a loss are
    # as large as the inputs (logits up to 1e4) or the clipped logarithms (up to 16.1); those of
    # a gradient are given by gradient_term_size. float64 is checked almost to its precision.
    tolerance = 1000 * np.finfo(dtype).eps
    if module == "losses":
        scale = 20.0 + np.max(np.abs(pred)) + np.max(np.abs(true))
    else:
        scale = np.max(np.abs(expected)) + gradient_term_size(name, true, pred, opts, dtype) / (
            pred.size // pred.shape[-1]
        )
    # values below the dtype's smallest normal number may underflow (a class weight of 1e-260
    # is 0 in float32), so that is the least absolute tolerance
    atol = tolerance * scale + np.finfo(dtype).tiny
    np.testing.assert_allclose(result, expected, rtol=tolerance, atol=atol)


def fits(module: str, name: str, y_true: Any, y_pred: Any, opts: dict[str, Any]) -> bool:
    """Whether the exact result fits in the computing dtype."""
    dtype = computing_dtype(y_pred)
    true, pred = (np.asarray(a).astype(dtype).astype(np.float64) for a in (y_true, y_pred))
    formula = reference if module == "losses" else reference_gradient
    with np.errstate(all="ignore"):
        exact = formula(name, true, pred, dtype=dtype, **opts)
    return bool(np.all(np.abs(exact) < np.finfo(dtype).max))


def check_case(module: str, name: str, case: tuple[Any, Any, dict[str, Any], str, Any]) -> None:
    y_true, y_pred, opts, scenario, expected = case
    try:
        result = call(module, name, y_true, y_pred, opts)
    except (ValueError, TypeError) as error:
        message = str(error)
        assert message.startswith(f"{module}.{name}: "), message
        if expected is not None:
            assert isinstance(error, expected[0]), (type(error), message)
            assert re.search(expected[1], message), (expected[1], message)
            return
        # valid inputs may still be refused for a reason in the data, which must be real
        assert isinstance(error, ValueError), message
        if "overflow" in message:
            assert (
                scenario == "huge"
                and (module, name) in MAY_OVERFLOW
                or not fits(module, name, y_true, y_pred, opts)
            ), message
        elif "positive sum" in message:
            assert (
                name in ("categorical_crossentropy", "categorical_focal_crossentropy")
                and not (np.asarray(y_pred).sum(axis=-1) > 0).all()
            )
        elif "gradient is infinite" in message:
            dtype = computing_dtype(y_pred)  # y_true is cast to it first, as in Keras
            true, pred = (np.asarray(a).astype(dtype).astype(np.float64) for a in (y_true, y_pred))
            with np.errstate(all="ignore"):
                exact = reference_gradient(name, true, pred, dtype=dtype, **opts)
            assert not np.isfinite(exact).all(), message
        else:
            raise AssertionError(f"valid input refused: {message}") from error
        return
    assert expected is None, f"{scenario}: no error, expected {expected}"
    check_against_reference(module, name, y_true, y_pred, opts, result)


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=FUNCTION_IDS)
@given(data=st.data())
@CI
def test_valid_result_or_named_error(module, name, data):
    check_case(module, name, data.draw(cases(module, name), label="case"))
