"""Start a chapter the same way every time: quiet, seeded and deterministic.

A notebook calls :func:`start` in its first code cell, before anything imports TensorFlow. The
test harness and the refresh command set the same environment before any kernel starts, so this
is a second line of defence for readers who open a notebook in JupyterLab.
"""

from __future__ import annotations

import contextlib
import os

# What TensorFlow reads from the environment when it is first imported.
TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ logging: errors only
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN banner, and no order-dependent float rounding
    "PYTHONHASHSEED": "0",  # read by child processes only; a kernel is one
}

SEED = 0


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null for the duration of the block.

    TensorFlow 2.19+ logs "Could not find cuda drivers" from C++ before absl's logging is
    initialised, and such messages ignore TF_CPP_MIN_LOG_LEVEL (tensorflow/tensorflow#100442).
    Jupyter forwards that descriptor into the notebook, where it would be stored as stderr.
    """
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow and Keras with their import-time C++ chatter silenced."""
    for key, value in TF_ENV.items():
        os.environ.setdefault(key, value)
    with _stderr_to_devnull():
        import keras
        import tensorflow as tf
    return tf, keras


def start(seed: int = SEED, *, logical_cpus: int = 1):
    """Seed every generator, turn on op determinism and apply the book's figure style.

    ``logical_cpus > 1`` splits the CPU into that many logical devices, so that
    ``tf.distribute.MirroredStrategy`` has several replicas to spread a batch over; it must happen
    before TensorFlow initialises its runtime, which is why it lives here.

    Returns ``(tf, keras)`` so that a notebook's first cell reads
    ``tf, keras = lossbook.session.start()``.
    """
    tf, keras = import_tensorflow()
    if logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(logical_cpus)])
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow generators
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")

    from lossbook import plotting

    plotting.use_style()
    return tf, keras
