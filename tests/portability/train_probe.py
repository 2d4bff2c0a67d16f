"""Train a tiny convolutional network on the digits for two epochs and print a hash of its weights.

tests/test_portability.py runs this script under different CPU kernel caps and thread counts: the
book's settings (lossbook.session.start) promise the same bits under all of them. Pass "float32"
as the first argument to see what Keras's default precision gives instead, and a batch size as
the second (64 unless given).
"""

import hashlib
import sys

import numpy as np
from sklearn.datasets import load_digits

from lossbook.session import start

tf, keras = start()
if len(sys.argv) > 1:
    keras.config.set_floatx(sys.argv[1])
batch_size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
x, y = load_digits(return_X_y=True)
x = (x[:512] / 16.0).reshape(-1, 8, 8, 1)
model = keras.Sequential([
    keras.Input((8, 8, 1)),
    keras.layers.Conv2D(8, 3, activation="relu"),
    keras.layers.Flatten(),
    keras.layers.Dense(32, activation="tanh"),
    keras.layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, y[:512], epochs=2, batch_size=batch_size, verbose=0)
weights = np.concatenate([w.numpy().ravel() for w in model.weights])
print(keras.config.floatx(), hashlib.sha256(weights.tobytes()).hexdigest())
