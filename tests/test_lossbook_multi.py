"""The losses whose arguments are not one (y_true, y_pred) pair reduced over the last axis.

``dice`` and ``tversky`` (reduced over ``axis``), ``circle`` and ``info_nce`` (rows against
rows), ``ctc`` (sequences), ``bpr``, ``triplet_margin``, ``distillation`` and ``dpo`` (several
score arrays), and the options that the shared tests do not reach (``ignore_class``, per-class
``alpha``). Each is checked against Keras (the function itself, or a composition of Keras
operations for the six that Keras lacks), against an independent float64 formula written here
with SciPy, and its gradient against ``tf.GradientTape`` and central finite differences.
"""

from __future__ import annotations

import itertools
import math
import zlib
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest
from _helpers import keras_module, strict
from scipy import special

from lossbook import gradients, losses

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def call(module: Any, name: str, *args: Any, **opts: Any) -> Any:
    with strict():
        return getattr(module, name)(*args, **opts)


# --------------------------------------------------------------------------------------------
# Independent float64 references
# --------------------------------------------------------------------------------------------


def ref_dice(t, p, axis=None):
    t, p = np.asarray(t, float), np.asarray(p, float)
    return 1 - 2 * np.sum(t * p, axis=axis) / (np.sum(t, axis=axis) + np.sum(p, axis=axis) + 1e-7)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    t, p = np.asarray(t, float), np.asarray(p, float)
    tp = np.sum(t * p, axis=axis)
    fn, fp = np.sum(t * (1 - p), axis=axis), np.sum((1 - t) * p, axis=axis)
    return 1 - tp / (tp + alpha * fn + beta * fp + 1e-7)


def ref_circle(labels, x, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
               gamma=80.0, margin=0.4):  # fmt: skip
    labels = np.asarray(labels).reshape(-1)
    refs = x if ref_embeddings is None else np.asarray(ref_embeddings, float)
    ref_labels = labels if ref_labels is None else np.asarray(ref_labels).reshape(-1)
    out = np.zeros(len(labels))
    for i, row in enumerate(np.asarray(x, float)):
        d = np.maximum(1 - refs @ row, 0)
        same = ref_labels == labels[i]
        pos = same & ~((np.arange(len(refs)) == i) & remove_diagonal)
        if not pos.any() or same.all():
            continue  # a log-sum-exp of nothing: softplus(-inf) = 0
        lp = special.logsumexp(-gamma * (margin + d[pos]) * (margin - d[pos]))
        ln = special.logsumexp(gamma * np.maximum(1 + margin - d[~same], 0) * (1 - margin - d[~same]))
        out[i] = np.logaddexp(0, lp + ln)
    return out


def ref_ctc(labels, logits):
    """-log of the summed probability of every frame path that collapses to the labels."""
    logp = special.log_softmax(np.asarray(logits, float), axis=-1)
    out = []
    for row, lp in zip(np.asarray(labels), logp):
        target = tuple(int(c) for c in row if c != 0)
        frames, classes = lp.shape
        total = -np.inf
        for path in itertools.product(range(classes), repeat=frames):
            collapsed = tuple(c for c, _ in itertools.groupby(path) if c != 0)
            if collapsed == target:
                total = np.logaddexp(total, lp[np.arange(frames), path].sum())
        out.append(-total)
    return np.array(out)


def ref_info_nce(q, k, temperature=0.1, normalize=True):
    q, k = np.asarray(q, float), np.asarray(k, float)
    if normalize:
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-7)
        k = k / np.maximum(np.linalg.norm(k, axis=1, keepdims=True), 1e-7)
    return -np.diagonal(special.log_softmax(q @ k.T / temperature, axis=1))


def ref_distillation(t, s, temperature):
    p = special.softmax(np.asarray(t, float) / temperature, axis=-1)
    log_p = special.log_softmax(np.asarray(t, float) / temperature, axis=-1)
    log_q = special.log_softmax(np.asarray(s, float) / temperature, axis=-1)
    return temperature**2 * np.sum(np.where(p > 0, p * (log_p - log_q), 0.0), axis=-1)


def ref_dpo(pc, pr, rc, rr, beta=0.1):
    z = beta * ((np.asarray(pc, float) - rc) - (np.asarray(pr, float) - rr))
    return np.logaddexp(0.0, -z)


REFERENCES: dict[str, Callable[..., np.ndarray]] = {
    "dice": ref_dice,
    "tversky": ref_tversky,
    "circle": ref_circle,
    "ctc": ref_ctc,
    "info_nce": ref_info_nce,
    "bpr": lambda pos, neg: np.mean(np.logaddexp(0.0, np.asarray(neg, float) - pos), axis=-1),
    "triplet_margin": lambda a, p, n, margin=1.0: np.maximum(
        np.linalg.norm(np.subtract(a, p, dtype=float), axis=-1)
        - np.linalg.norm(np.subtract(a, n, dtype=float), axis=-1) + margin, 0.0),
    "distillation": ref_distillation,
    "dpo": ref_dpo,
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Keras, and compositions of Keras operations for what Keras lacks
# --------------------------------------------------------------------------------------------


def keras_composition(name: str) -> Callable[..., Any]:
    keras = keras_module()
    ops = keras.ops
    if name == "info_nce":

        def info_nce(q, k, temperature=0.1, normalize=True):
            if normalize:
                q, k = ops.normalize(q, axis=-1), ops.normalize(k, axis=-1)
            logits = ops.matmul(q, ops.transpose(k)) / temperature
            labels = np.arange(q.shape[0])
            return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)

        return info_nce
    if name == "bpr":
        return lambda pos, neg: -ops.mean(ops.log_sigmoid(pos - neg), axis=-1)
    if name == "triplet_margin":
        return lambda a, p, n, margin=1.0: ops.maximum(
            ops.norm(a - p, axis=-1) - ops.norm(a - n, axis=-1) + margin, 0.0
        )
    if name == "distillation":

        def distillation(t, s, temperature):
            soft = keras.losses.KLDivergence(reduction=None)
            return temperature**2 * soft(ops.softmax(t / temperature), ops.softmax(s / temperature))

        return distillation
    if name == "dpo":
        return lambda pc, pr, rc, rr, beta=0.1: ops.softplus(-beta * ((pc - rc) - (pr - rr)))
    return getattr(keras.losses, name)


class Case(NamedTuple):
    name: str
    args: tuple[np.ndarray, ...]
    opts: dict[str, Any]
    wrt: tuple[int, ...]  # the arguments the gradient is taken with respect to


def unit_rows(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_case(name: str, opts: dict[str, Any], rng: np.random.Generator) -> Case:
    """Random float64 inputs where the loss is smooth (away from clamps and kinks)."""
    if name in ("dice", "tversky"):
        t = (rng.random((3, 4, 5)) < 0.4).astype(float)
        t[rng.random(t.shape) < 0.2] = rng.random()  # some soft targets
        return Case(name, (t, rng.uniform(0.02, 0.98, t.shape)), opts, (1,))
    if name == "circle":
        labels = rng.integers(0, 3, 7)
        labels[:3] = [0, 1, 2]
        x = unit_rows(rng.normal(size=(7, 4))) * (0.95 if not opts.get("remove_diagonal", True)
                                                   else 1.0)  # fmt: skip
        if "ref_embeddings" in opts:
            opts = {**opts, "ref_embeddings": unit_rows(rng.normal(size=(5, 4))),
                    "ref_labels": np.array([0, 1, 2, 0, 1])}  # fmt: skip
        return Case(name, (labels, x), opts, (1,))
    if name == "ctc":
        labels = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0], [2, 1, 3, 1]])
        return Case(name, (labels, rng.normal(size=(4, 9, 4)) * 2), opts, (1,))
    if name == "info_nce":
        q = rng.normal(size=(6, 5))
        return Case(name, (q, q + rng.normal(size=(6, 5))), opts, (0, 1))
    if name == "bpr":
        return Case(name, (rng.normal(size=(4, 3)) * 3, rng.normal(size=(4, 3)) * 3), opts, (0, 1))
    if name == "triplet_margin":
        a, p, n = rng.normal(size=(3, 6, 5))
        return Case(name, (a, a + 0.5 * p, n), opts, (0, 1, 2))
    if name == "distillation":
        return Case(name, (rng.normal(size=(5, 6)) * 3, rng.normal(size=(5, 6)) * 3), opts, (1,))
    if name == "dpo":
        return Case(name, tuple(-rng.uniform(5, 60, (4, 8))), opts, (0, 1))
    raise KeyError(name)


CASES = [
    ("dice", {}),
    ("dice", {"axis": (1, 2)}),
    ("dice", {"axis": -1}),
    ("tversky", {}),
    ("tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}),
    ("tversky", {"alpha": 0.9, "beta": 0.1, "axis": (0, -1)}),
    ("circle", {}),
    ("circle", {"gamma": 10.0, "margin": 0.25}),
    ("circle", {"remove_diagonal": False, "gamma": 20.0}),
    ("circle", {"ref_embeddings": None, "gamma": 30.0}),
    ("ctc", {}),
    ("info_nce", {}),
    ("info_nce", {"temperature": 0.5}),
    ("info_nce", {"temperature": 2.0, "normalize": False}),
    ("bpr", {}),
    ("triplet_margin", {}),
    ("triplet_margin", {"margin": 0.2}),
    ("distillation", {"temperature": 1.0}),
    ("distillation", {"temperature": 4.0}),
    ("dpo", {}),
    ("dpo", {"beta": 0.5}),
]
CASE_IDS = [name + "".join(f"-{k}={v}" for k, v in opts.items()) for name, opts in CASES]
NAMES = sorted({name for name, _ in CASES})


def case_for(name: str, opts: dict[str, Any], salt: int) -> Case:
    rng = np.random.default_rng([zlib.crc32(name.encode()), len(opts), salt])
    return make_case(name, opts, rng)


#: Keras computes CTC in float32 (TensorFlow's kernel has no float64), so it agrees with the
#: exact float64 value to float32 precision only: measured below 3e-7 relative on these cases.
KERAS_RTOL = {"ctc": 2e-6}


@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_matches_keras_and_reference(name, opts):
    case = case_for(name, opts, 1)
    ours = call(losses, name, *case.args, **case.opts)
    assert ours.dtype == np.float64
    theirs = np.asarray(keras_composition(name)(*case.args, **case.opts))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=KERAS_RTOL.get(name, 1e-6), atol=1e-12)
    np.testing.assert_allclose(
        ours, REFERENCES[name](*case.args, **case.opts), rtol=1e-10, atol=1e-13
    )


def tape(name: str, case: Case) -> list[np.ndarray]:
    keras_module()
    import tensorflow as tf

    args = [tf.Variable(a) if i in case.wrt else a for i, a in enumerate(case.args)]
    with tf.GradientTape() as recorder:
        loss = tf.reduce_mean(keras_composition(name)(*args, **case.opts))
    return [g.numpy() for g in recorder.gradient(loss, [args[i] for i in case.wrt])]


def finite_differences(name: str, case: Case) -> list[np.ndarray]:
    out = []
    for i in case.wrt:
        grad = np.zeros_like(case.args[i])
        for index in np.ndindex(grad.shape):
            step = 1e-6 * max(1.0, abs(case.args[i][index]))
            values = []
            for sign in (1, -1):
                moved = list(case.args)
                moved[i] = moved[i].copy()
                moved[i][index] += sign * step
                values.append(np.mean(getattr(losses, name)(*moved, **case.opts)))
            grad[index] = (values[0] - values[1]) / (2 * step)
        out.append(grad)
    return out


def as_tuple(result: Any) -> tuple[np.ndarray, ...]:
    return result if isinstance(result, tuple) else (result,)


def assert_gradients_close(ours, theirs, rtol):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.max(np.abs(b)))


#: CTC's tape gradient is computed in float32 by TensorFlow.
TAPE_RTOL = {"ctc": 2e-5}


@pytest.mark.parametrize(("name", "opts"), CASES, ids=CASE_IDS)
def test_gradient_matches_tape(name, opts):
    case = case_for(name, opts, 2)
    ours = as_tuple(call(gradients, name, *case.args, **case.opts))
    assert all(g.dtype == np.float64 for g in ours)
    assert_gradients_close(ours, tape(name, case), rtol=TAPE_RTOL.get(name, 1e-6))


@pytest.mark.parametrize(("name", "opts"), [c for c in CASES if c[0] != "ctc"],
                         ids=[i for i in CASE_IDS if not i.startswith("ctc")])  # fmt: skip
def test_gradient_matches_finite_differences(name, opts):
    case = case_for(name, opts, 3)
    ours = as_tuple(call(gradients, name, *case.args, **case.opts))
    assert_gradients_close(ours, finite_differences(name, case), rtol=1e-5)


def test_ctc_gradient_sums_to_zero_per_frame_and_matches_differences_of_the_reference():
    # The issue asks for CTC's gradient against GradientTape only; this adds a cheap exact check:
    # the gradient of -log P with respect to the logits of one frame sums to 0 (softmax), and
    # one coordinate against central differences of the brute-force reference.
    case = case_for("ctc", {}, 4)
    grad = call(gradients, "ctc", *case.args)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-15)
    labels, logits = case.args[0][:1], case.args[1][:1, :5].copy()
    step, ours = 1e-6, call(gradients, "ctc", labels, logits)
    up, down = logits.copy(), logits.copy()
    up[0, 2, 1] += step
    down[0, 2, 1] -= step
    numeric = (ref_ctc(labels, up) - ref_ctc(labels, down))[0] / (2 * step)
    assert ours[0, 2, 1] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_dtypes(name, dtype):
    case = case_for(name, dict(CASES[[n for n, _ in CASES].index(name)][1]), 5)
    cast = tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in case.args)
    ours = call(losses, name, *cast, **case.opts)
    assert ours.dtype == np.float32
    exact = REFERENCES[name](*[a.astype(np.float64) for a in cast], **case.opts)
    np.testing.assert_allclose(ours, exact, rtol=2e-4, atol=2e-4 * np.max(np.abs(exact)))
    for grad in as_tuple(call(gradients, name, *cast, **case.opts)):
        assert grad.dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified_and_lists_work(name):
    case = case_for(name, {"temperature": 2.0} if name == "distillation" else {}, 6)
    saved = [a.copy() for a in case.args]
    ours = call(losses, name, *case.args, **case.opts)
    for a, b in zip(case.args, saved):
        np.testing.assert_array_equal(a, b)
    lists = [a.tolist() for a in case.args]
    np.testing.assert_array_equal(call(losses, name, *lists, **case.opts), ours)


# --------------------------------------------------------------------------------------------
# Hand-computed cases and documented semantics
# --------------------------------------------------------------------------------------------

DICE_TRUE = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
DICE_PRED = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]


def test_dice_keras_docstring():
    # per sample: 1 - 2 * 1 / (2 + 2) = 0.5 and 1 - 2 * 0.4 / (2 + 1.3) = 0.7575...
    per_sample = call(losses, "dice", DICE_TRUE, DICE_PRED, axis=(1, 2, 3))
    np.testing.assert_allclose(per_sample, [1 - 2 / (4 + 1e-7), 1 - 0.8 / (3.3 + 1e-7)], rtol=1e-14)
    whole = call(losses, "dice", DICE_TRUE, DICE_PRED)  # axis=None: one number for everything
    assert whole.shape == ()
    assert whole == pytest.approx(1 - 2 * 1.4 / (4 + 3.3 + 1e-7), rel=1e-14)
    assert whole == pytest.approx(0.6164384, rel=1e-6)  # Keras's docstring


def test_tversky_alpha_weights_false_negatives_as_keras_computes_it():
    # One foreground pixel missed (a false negative), one background pixel predicted (a false
    # positive) of weight 0.5: Keras's alpha multiplies the miss, beta the extra.
    t, p = np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.5])
    ours = call(losses, "tversky", t, p, alpha=0.8, beta=0.2)
    assert ours == pytest.approx(1 - 1 / (1 + 0.8 * 1 + 0.2 * 0.5 + 1e-7), rel=1e-14)
    theirs = keras_module().losses.tversky(t, p, alpha=0.8, beta=0.2)
    assert float(theirs) == pytest.approx(float(ours), rel=1e-12)
    # alpha = beta = 1/2 is Dice
    assert call(losses, "tversky", t, p) == pytest.approx(call(losses, "dice", t, p), rel=1e-6)


def test_circle_rows_without_positives_or_negatives():
    x = unit_rows(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    labels = np.array([0, 0, 1])  # row 2 has no positive once the diagonal is removed
    ours = call(losses, "circle", labels, x)
    assert ours[2] == 0.0 and ours[0] > 0
    np.testing.assert_allclose(ours, np.asarray(keras_module().losses.circle(labels, x)), rtol=1e-12)
    grad = call(gradients, "circle", labels, x)
    assert np.isfinite(grad).all()
    one_label = call(losses, "circle", np.zeros(3, int), x)  # no negatives anywhere
    np.testing.assert_array_equal(one_label, 0.0)
    np.testing.assert_array_equal(call(gradients, "circle", np.zeros(3, int), x), 0.0)


def test_circle_defaults_are_keras_defaults():
    import inspect

    ours = inspect.signature(losses.circle).parameters
    theirs = inspect.signature(keras_module().losses.circle).parameters
    for option in ("ref_labels", "ref_embeddings", "remove_diagonal", "gamma", "margin"):
        assert ours[option].default == theirs[option].default
        assert ours[option].kind is inspect.Parameter.KEYWORD_ONLY


def test_ctc_blank_and_repeats():
    # two frames, classes {blank, a}: "a" is read from (a, a), (a, blank), (blank, a)
    logits = np.log(np.array([[[0.3, 0.7], [0.4, 0.6]]]))
    p_a = 0.7 * 0.6 + 0.7 * 0.4 + 0.3 * 0.6
    assert call(losses, "ctc", [[1]], logits)[0] == pytest.approx(-math.log(p_a), rel=1e-14)
    assert call(losses, "ctc", [[0]], logits)[0] == pytest.approx(-math.log(0.3 * 0.4), rel=1e-14)
    # "a a" needs a blank between: three frames at least
    with pytest.raises(ValueError, match=r"losses\.ctc: the labels of row 0 need at least 3 frames"):
        losses.ctc([[1, 1]], logits)
    assert call(losses, "ctc", [[1, 1]], np.zeros((1, 3, 2)))[0] == pytest.approx(3 * math.log(2))


def test_sparse_ignore_class():
    keras = keras_module()
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(2, 5, 4)) * 3
    labels = rng.integers(0, 4, (2, 5))
    labels[0, 1] = labels[1, 3] = -1
    labels[1, 0] = 255
    for from_logits, y_pred in ((True, logits), (False, special.softmax(logits, axis=-1))):
        for ignore, other in ((-1, 255), (255, -1)):
            these = np.where(labels == other, 2, labels)
            ours = call(losses, "sparse_categorical_crossentropy", these, y_pred,
                        from_logits=from_logits, ignore_class=ignore)  # fmt: skip
            theirs = keras.losses.sparse_categorical_crossentropy(
                these, y_pred, from_logits=from_logits, ignore_class=ignore
            )
            np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-300)
            assert np.all(ours[these == ignore] == 0.0) and np.all(ours[these != ignore] > 0)
    import tensorflow as tf

    variable = tf.Variable(logits)
    with tf.GradientTape() as recorder:
        mean = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            np.where(labels == 255, 0, labels), variable, from_logits=True, ignore_class=-1))  # fmt: skip
    ours = call(gradients, "sparse_categorical_crossentropy", np.where(labels == 255, 0, labels),
                logits, from_logits=True, ignore_class=-1)  # fmt: skip
    np.testing.assert_allclose(ours, recorder.gradient(mean, variable).numpy(), rtol=1e-12, atol=1e-17)
    assert np.all(ours[0, 1] == 0)
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\] \(4 classes\) or the ignored class -1"):
        losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=-1)
    with pytest.raises(TypeError, match=r"ignore_class must be an integer, got 1.5"):
        losses.sparse_categorical_crossentropy(labels, logits, ignore_class=1.5)


def test_categorical_focal_per_class_alpha():
    keras = keras_module()
    rng = np.random.default_rng(9)
    t = np.eye(4)[rng.integers(0, 4, 6)]
    z = rng.normal(size=(6, 4)) * 2
    alpha = np.array([0.1, 0.2, 0.3, 0.4])
    for y_pred, from_logits in ((z, True), (special.softmax(z, axis=-1), False)):
        ours = call(losses, "categorical_focal_crossentropy", t, y_pred, alpha=alpha,
                    from_logits=from_logits)  # fmt: skip
        # Keras holds a list alpha as float32
        theirs = keras.losses.categorical_focal_crossentropy(t, y_pred, alpha=alpha.tolist(),
                                                             from_logits=from_logits)  # fmt: skip
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6)
        grad = call(gradients, "categorical_focal_crossentropy", t, y_pred, alpha=alpha,
                    from_logits=from_logits)  # fmt: skip
        import tensorflow as tf

        variable = tf.Variable(y_pred)
        with tf.GradientTape() as recorder:
            mean = tf.reduce_mean(keras.losses.categorical_focal_crossentropy(
                t, variable, alpha=alpha, from_logits=from_logits))  # fmt: skip
        np.testing.assert_allclose(grad, recorder.gradient(mean, variable).numpy(), rtol=1e-6,
                                   atol=1e-12)  # fmt: skip
    # the Keras docstring example
    ours = call(losses, "categorical_focal_crossentropy", [[0, 1, 0], [0, 0, 1]],
                [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])  # fmt: skip
    np.testing.assert_allclose(ours, [2.63401289e-04, 6.75912094e-01], rtol=1e-6)


def test_generalized_cross_entropy_limits():
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    labels = np.array([1, 0])
    # q -> 0 approaches cross-entropy, q = 1 is 1 - p
    near_ce = call(losses, "categorical_generalized_cross_entropy", labels, p, q=1e-6)
    np.testing.assert_allclose(near_ce, -np.log([0.8, 0.6]), rtol=1e-5)
    near_mae = call(losses, "categorical_generalized_cross_entropy", labels, p, q=1 - 1e-9)
    np.testing.assert_allclose(near_mae, [0.2, 0.4], rtol=1e-7)
    zero = call(losses, "categorical_generalized_cross_entropy", [0], [[0.0, 1.0]], q=0.5)
    assert zero == pytest.approx([2.0])
    with pytest.raises(ValueError, match=r"gradients\.categorical_generalized_cross_entropy: the gradient is infinite"):
        gradients.categorical_generalized_cross_entropy([0], [[0.0, 1.0]], q=0.5)


def test_pinball_matches_scikit_learn():
    from sklearn.metrics import mean_pinball_loss

    rng = np.random.default_rng(10)
    y, pred = rng.normal(size=(20, 7)), rng.normal(size=(20, 7))
    for quantile in (0.0, 0.05, 0.5, 0.9, 1.0):
        ours = call(losses, "pinball", y, pred, quantile=quantile)
        theirs = [mean_pinball_loss(a, b, alpha=quantile) for a, b in zip(y, pred)]
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
        assert ours.mean() == pytest.approx(mean_pinball_loss(y.ravel(), pred.ravel(), alpha=quantile))
    # the minimiser over constants is the quantile of the targets
    targets = rng.normal(size=(1, 999))
    grid = np.linspace(-3, 3, 601)
    values = [call(losses, "pinball", targets, np.full_like(targets, c), quantile=0.9)[0] for c in grid]
    assert grid[int(np.argmin(values))] == pytest.approx(np.quantile(targets, 0.9), abs=0.011)


def test_distillation_gradient_scale_does_not_depend_on_temperature():
    rng = np.random.default_rng(11)
    t, s = rng.normal(size=(50, 10)) * 0.1, rng.normal(size=(50, 10)) * 0.1
    small = [np.abs(call(gradients, "distillation", t, s, temperature=T)).mean() for T in (4.0, 8.0)]
    assert small[0] == pytest.approx(small[1], rel=0.05)  # the T^2 factor keeps it ~ (s - t) / K


# --------------------------------------------------------------------------------------------
# Bad input: explicit messages
# --------------------------------------------------------------------------------------------

MODULES = {"losses": losses, "gradients": gradients}


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    ("name", "args", "opts", "error", "message"),
    [
        ("dice", ([0.5, 1.0], [0.5]), {}, ValueError, r"y_true and y_pred must have the same shape .*\(2,\).*\(1,\)"),
        ("dice", ([0.5, 1.0], [0.5, 1.5]), {}, ValueError, r"y_pred must hold probabilities in \[0, 1\].*apply a sigmoid"),
        ("dice", ([0.5, 2.0], [0.5, 0.5]), {}, ValueError, r"y_true must hold mask values"),
        ("dice", ([[0.5]], [[0.5]]), {"axis": 2}, ValueError, r"axis 2 is out of range for y_pred with 2 dimensions"),
        ("dice", ([[0.5]], [[0.5]]), {"axis": (1, -1)}, ValueError, r"axis names an axis twice"),
        ("dice", ([[0.5]], [[0.5]]), {"axis": 1.0}, TypeError, r"axis must be None, an integer or a tuple"),
        ("tversky", ([0.5], [0.5]), {"alpha": -1.0}, ValueError, r"alpha must be a finite number in \[0, inf\)"),
        ("tversky", ([0.5], [np.nan]), {}, ValueError, r"y_pred contains NaN or infinity"),
        ("circle", ([0, 1], [[1.0, 0.0]]), {}, ValueError, r"y_true must hold one integer label per row of y_pred, shape \(1,\)"),
        ("circle", ([0.5], [[1.0, 0.0]]), {}, ValueError, r"y_true must hold integer labels, got 0.5"),
        ("circle", ([0], [1.0, 0.0]), {}, ValueError, r"y_pred must hold one embedding per row, shape \(N, D\)"),
        ("circle", ([0], [[1.0, 0.0]]), {"ref_embeddings": [[1.0, 0.0, 0.0]]}, ValueError, r"ref_embeddings must have the shape \(M, D\) with the D of y_pred"),
        ("circle", ([0], [[1.0, 0.0]]), {"margin": 1.5}, ValueError, r"margin must be a finite number in \[0, 1\]"),
        ("circle", ([0], [[1.0, 0.0]]), {"gamma": 0}, ValueError, r"gamma must be a finite number in \(0, inf\)"),
        ("circle", ([0], [[1.0, 0.0]]), {"remove_diagonal": 1}, TypeError, r"remove_diagonal must be True or False"),
        ("ctc", ([[1, 0, 2]], np.zeros((1, 5, 3))), {}, ValueError, r"y_true row 0 has a 0 \(the blank, used as padding\) before a label"),
        ("ctc", ([[1, 3]], np.zeros((1, 5, 3))), {}, ValueError, r"y_true must hold labels in \[1, 2\] and the padding 0"),
        ("ctc", ([[1, 2]], np.zeros((1, 5))), {}, ValueError, r"y_pred must hold logits of shape \(batch, frames, classes\)"),
        ("ctc", ([[1], [2]], np.zeros((1, 5, 3))), {}, ValueError, r"y_true must hold padded label sequences of shape \(batch, max_length\)"),
        ("ctc", ([[1, 1, 1]], np.zeros((1, 4, 3))), {}, ValueError, r"the labels of row 0 need at least 5 frames .* but y_pred has 4"),
        ("info_nce", ([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]), {}, ValueError, r"queries and keys must have the same shape .*queries\.shape=\(1, 2\) and keys\.shape=\(2, 2\)"),
        ("info_nce", ([1.0, 0.0], [1.0, 0.0]), {}, ValueError, r"queries must have 2 dimensions"),
        ("info_nce", ([[1.0]], [[1.0]]), {"temperature": 0.0}, ValueError, r"temperature must be a finite number in \(0, inf\)"),
        ("info_nce", ([[1.0]], [[1.0]]), {"normalize": "yes"}, TypeError, r"normalize must be True or False"),
        ("bpr", ([1.0, 2.0], [[1.0, 2.0]]), {}, ValueError, r"positive_scores and negative_scores must have the same shape"),
        ("bpr", ([1.0, np.inf], [1.0, 2.0]), {}, ValueError, r"positive_scores contains NaN or infinity"),
        ("bpr", (["a"], [1.0]), {}, TypeError, r"positive_scores must hold bool, integer or float16/32/64 numbers"),
        ("triplet_margin", ([1.0], [1.0], [[1.0]]), {}, ValueError, r"anchor and negative must have the same shape"),
        ("triplet_margin", ([1.0], [1.0], [1.0]), {"margin": -0.5}, ValueError, r"margin must be a finite number in \[0, inf\)"),
        ("triplet_margin", ([], [], []), {}, ValueError, r"anchor is empty"),
        ("distillation", ([1.0, 2.0], [1.0, 2.0]), {"temperature": -1.0}, ValueError, r"temperature must be a finite number in \(0, inf\)"),
        ("distillation", ([1.0, np.nan], [1.0, 2.0]), {"temperature": 2.0}, ValueError, r"teacher_logits contains NaN or infinity"),
        ("dpo", ([-1.0], [0.5], [-1.0], [-1.0]), {}, ValueError, r"policy_rejected_logps must hold log-probabilities \(values <= 0\).*not logits"),
        ("dpo", ([-1.0], [-1.0], [-1.0], [-1.0, -2.0]), {}, ValueError, r"policy_chosen_logps and reference_rejected_logps must have the same shape"),
        ("dpo", ([-1.0], [-1.0], [-1.0], [-1.0]), {"beta": None}, TypeError, r"beta must be a real number, got None"),
    ],
)  # fmt: skip
def test_bad_input_is_named(module, name, args, opts, error, message):
    with pytest.raises(error, match=rf"^{module}\.{name}: {message}"):
        call(MODULES[module], name, *args, **opts)


# --------------------------------------------------------------------------------------------
# Hypothesis: every input gives a finite, correct result or a named error
# --------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
DTYPES = st.sampled_from([np.float16, np.float32, np.float64])


def floats(draw, dtype, shape, low, high):
    elements = st.floats(low, high, width=8 * np.dtype(dtype).itemsize, allow_nan=False,
                         allow_infinity=False)  # fmt: skip
    return draw(hnp.arrays(dtype, shape, elements=elements))


def draw_valid(draw, name):
    """Valid arguments and options for ``name`` (sizes kept small for the references)."""
    dtype = draw(DTYPES)
    if name in ("dice", "tversky"):
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
        t, p = floats(draw, dtype, shape, 0, 1), floats(draw, dtype, shape, 0, 1)
        axis = draw(st.sampled_from([None, -1, 0, tuple(range(len(shape)))]))
        opts = {"axis": axis}
        if name == "tversky":
            opts |= {"alpha": draw(st.floats(0, 2)), "beta": draw(st.floats(0, 2))}
        return (t, p), opts
    if name == "circle":
        n, d = draw(st.integers(1, 5)), draw(st.integers(1, 4))
        labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(-2, 2)))
        x = floats(draw, dtype, (n, d), -1, 1)
        opts = {"gamma": draw(st.sampled_from([80.0, 1.0]) | st.floats(0.1, 200)),
                "margin": draw(st.floats(0, 1)), "remove_diagonal": draw(st.booleans())}  # fmt: skip
        return (labels, x), opts
    if name == "ctc":
        b, frames, k = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(2, 3))
        rows = []
        for _ in range(b):
            length = draw(st.integers(0, 2))
            rows.append(draw(st.lists(st.integers(1, k - 1), min_size=length, max_size=length))
                        + [0] * (2 - length))  # fmt: skip
        labels = np.array(rows)
        needed = max((r != 0).sum() + ((r[1:] == r[:-1]) & (r[1:] != 0)).sum() for r in labels)
        frames = max(frames, int(needed))
        return (labels, floats(draw, dtype, (b, frames, k), -50, 50)), {}
    if name == "info_nce":
        n, d = draw(st.integers(1, 5)), draw(st.integers(1, 4))
        opts = {"temperature": draw(st.sampled_from([0.1, 1.0]) | st.floats(0.01, 10)),
                "normalize": draw(st.booleans())}  # fmt: skip
        bound = 10.0 if opts["normalize"] else 3.0
        return (floats(draw, dtype, (n, d), -bound, bound), floats(draw, dtype, (n, d), -bound, bound)), opts
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    if name == "bpr":
        return (floats(draw, dtype, shape, -1e4, 1e4), floats(draw, dtype, shape, -1e4, 1e4)), {}
    if name == "triplet_margin":
        return tuple(floats(draw, dtype, shape, -100, 100) for _ in range(3)), {"margin": draw(st.floats(0, 5))}
    if name == "distillation":
        t = draw(st.sampled_from([1.0, 2.0]) | st.floats(0.1, 20))
        return (floats(draw, dtype, shape, -1e3, 1e3), floats(draw, dtype, shape, -1e3, 1e3)), {"temperature": t}
    if name == "dpo":
        return tuple(floats(draw, dtype, shape, -1e4, 0) for _ in range(4)), {"beta": draw(st.floats(0.01, 1))}
    raise KeyError(name)


BREAKS = ["valid", "valid", "valid", "nan", "mismatch", "empty", "wrong_type", "list"]


@st.composite
def multi_cases(draw, name):
    args, opts = draw_valid(draw, name)
    scenario = draw(st.sampled_from(BREAKS))
    if scenario == "list":
        return [a.tolist() for a in args], opts, scenario
    if scenario in ("valid",):
        return args, opts, scenario
    args = list(args)
    floating = [i for i, a in enumerate(args) if a.dtype.kind == "f"]
    index = draw(st.sampled_from(floating))
    if scenario == "nan":
        bad = args[index].astype(np.float64)
        bad.flat[draw(st.integers(0, bad.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        args[index] = bad
    elif scenario == "mismatch":  # the rows of circle and ctc may be of any length
        axis = 0 if name in ("circle", "ctc") else -1
        args[index] = np.concatenate([args[index], args[index]], axis=axis)
    elif scenario == "empty":
        args[index] = args[index][..., :0]
    else:
        args[index] = draw(st.sampled_from([None, "text", args[index].astype(complex)]))
    return tuple(args), opts, scenario


def check_multi(module, name, case):
    args, opts, scenario = case
    try:
        result = call(MODULES[module], name, *args, **opts)
    except (ValueError, TypeError) as error:
        message = str(error)
        assert message.startswith(f"{module}.{name}: "), message
        assert scenario not in ("valid", "list") or "overflow" in message, message
        return
    assert scenario in ("valid", "list"), f"{scenario}: no error"
    arrays = [np.asarray(a) for a in args]
    floats_in = [a.dtype for a in arrays if a.dtype.kind == "f"]
    dtype = np.result_type(*floats_in, np.float32)
    for part in as_tuple(result):
        assert part.dtype == dtype and np.isfinite(part).all()
    if module == "gradients":
        return
    wide = [a.astype(dtype).astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    with np.errstate(all="ignore"):
        expected = REFERENCES[name](*wide, **opts)
    tol = 1000 * np.finfo(dtype).eps
    scale = 20.0 + sum(float(np.max(np.abs(a))) for a in wide if a.dtype.kind == "f")
    if name == "circle":
        scale *= opts["gamma"] * 4
    if name == "info_nce":
        scale *= scale / opts["temperature"]
    if name == "distillation":
        scale *= opts["temperature"]
    np.testing.assert_allclose(result, expected, rtol=tol, atol=tol * scale)


MULTI = [(module, name) for module in MODULES for name in NAMES]


@pytest.mark.parametrize(("module", "name"), MULTI, ids=[f"{m}.{n}" for m, n in MULTI])
@given(data=st.data())
@PROPERTY
def test_valid_result_or_named_error(module, name, data):
    check_multi(module, name, data.draw(multi_cases(name), label="case"))
