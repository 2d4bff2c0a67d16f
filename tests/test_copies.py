"""lossbook.copies: stacked copies of a network train exactly as separate networks would."""

import numpy as np
import pytest

from lossbook.session import start

tf, keras = start()

from lossbook import copies  # noqa: E402  (after start(): Keras must see the book's settings)

COPIES, FEATURES, HIDDEN, CLASSES = 3, 5, 7, 4


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, FEATURES))
    labels = rng.integers(0, CLASSES, size=64)
    return x, keras.utils.to_categorical(labels, CLASSES)


def _stacked():
    inputs = keras.Input((FEATURES,))
    hidden = copies.Dense(COPIES, HIDDEN, activation="tanh")(inputs)
    return keras.Model(inputs, copies.Dense(COPIES, CLASSES, activation="softmax")(hidden))


def _alone(stacked, c):
    """An ordinary Keras network holding copy ``c``'s current weights."""
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(HIDDEN, "tanh"),
                              keras.layers.Dense(CLASSES, "softmax")])
    kernels = [w.numpy() for w in stacked.weights]
    model.set_weights([kernels[0][c], kernels[1][c], kernels[2][c], kernels[3][c]])
    return model


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_each_copy_trains_as_it_would_alone(optimizer):
    x, y = _data()
    stacked = _stacked()
    alone = [_alone(stacked, c) for c in range(COPIES)]
    stacked.compile(optimizer=optimizer, loss=copies.summed(keras.losses.categorical_crossentropy))
    stacked.fit(x, copies.per_copy_targets(y, COPIES), epochs=5, batch_size=16, shuffle=False,
                verbose=0)
    for c, model in enumerate(alone):
        model.compile(optimizer=optimizer, loss="categorical_crossentropy")
        model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
        after = [w.numpy() for w in stacked.weights]
        for mine, theirs in zip([a[c] for a in after], model.get_weights()):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_copies_start_from_different_weights_with_dense_scale():
    kernel = _stacked().weights[0].numpy()
    assert not np.allclose(kernel[0], kernel[1])
    limit = np.sqrt(6 / (FEATURES + HIDDEN))  # Glorot-uniform bound of one ordinary layer
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.6 * limit


def test_per_copy_targets_shape():
    assert copies.per_copy_targets(np.zeros((8, 4)), 3).shape == (8, 3, 4)
    assert copies.per_copy_targets(np.arange(8), 2).shape == (8, 2)


@pytest.mark.parametrize(
    ("values", "text"),
    [([0.781, 0.794, 0.770], "0.78 ± 0.01 (3 runs)"),
     ([12.0, 15.0, 18.0, 11.0], "14 ± 3 (4 runs)"),
     ([0.5, 0.5], "0.500 ± 0.000 (2 runs)"),
     ([1.0, 1.0137], "1.01 ± 0.01 (2 runs)")],
)
def test_summary_keeps_the_digits_the_spread_supports(values, text):
    assert copies.summary(values) == text


@pytest.mark.parametrize("values", [[1.0], [[1.0, 2.0]], [1.0, np.nan]])
def test_summary_refuses_what_it_cannot_summarise(values):
    with pytest.raises(ValueError, match="summary"):
        copies.summary(values)
