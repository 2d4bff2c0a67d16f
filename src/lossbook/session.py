"""Start a chapter the same way every time: quiet, seeded, deterministic and portable.

A notebook calls :func:`start` in its first code cell, before anything imports TensorFlow. The
test harness and the refresh command set the same environment before any kernel starts, so this
is a second line of defence for readers who open a notebook in JupyterLab.

"Deterministic" is not enough for a book whose stored outputs must be what a reader's machine
prints. TensorFlow's float32 matrix products and convolutions run through oneDNN, which picks its
kernel from the CPU at run time (AVX2, AVX-512, AMX...), and Eigen splits a convolution or a
reduction differently for each thread count. Both change the last bits of a result, and training
turns last bits into different accuracies. :func:`start` therefore makes Keras compute in float64
(TensorFlow's float64 kernels are Eigen code compiled into the wheel, the same instructions on
every x86-64 CPU) and runs each TensorFlow op on one thread. ``tests/test_portability.py`` checks
both choices; ``python3 run.py test --matrix`` checks the notebooks under several CPU kernel caps.

One difference remains that no environment variable can cap: Eigen blocks a long matrix product
by the CPU's L1 cache size, so a sum over more than about 250 terms (a Dense gradient over a large
batch) may be added in another order on a CPU with another cache. Splitting an op over two threads
reorders the same long sums, so the matrix's ``reordered-sums`` variant sets
``LOSSBOOK_INTRA_OP_THREADS=2`` and the printed outputs must survive it.
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


#: The precision of every Keras layer, weight and loss in the book (see the module docstring).
FLOATX = "float64"


def start(seed: int = SEED, *, logical_cpus: int = 1):
    """Seed every generator, make TensorFlow deterministic and portable, apply the figure style.

    Keras computes in :data:`FLOATX` and each TensorFlow op runs on one thread, so that a
    notebook prints the same digits whichever oneDNN kernels the CPU offers and however many
    cores it has. Calling it again in the same kernel (re-running a first cell) is harmless.

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
    # One thread per op: Eigen shards a convolution's or a reduction's sum by thread count. The
    # CPU matrix overrides it to reorder long sums on purpose (see the module docstring).
    raw = os.environ.get("LOSSBOOK_INTRA_OP_THREADS", "1")
    if not (raw.isdigit() and int(raw) >= 1):
        raise ValueError(
            f"lossbook.session.start: LOSSBOOK_INTRA_OP_THREADS must be a positive integer, "
            f"not {raw!r}")
    threads = int(raw)
    if tf.config.threading.get_intra_op_parallelism_threads() != threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    keras.config.set_floatx(FLOATX)
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow generators
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")

    from lossbook import plotting

    plotting.use_style()
    return tf, keras
