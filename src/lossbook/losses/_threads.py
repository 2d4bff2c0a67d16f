"""Computing a loss over blocks of samples in a small pool of threads.

NumPy's ufuncs and reductions release the GIL, so two threads that each take half of the samples
run on two cores. TensorFlow does the same with its own thread pool, and for the
transcendental-heavy losses (a logarithm or an exponential per element) on large arrays that is
what decides which library is faster. Each sample's loss depends on its own row only, so the
result is the same to the last bit whichever way the rows are split
(``tests/test_lossbook_threads.py`` checks it).

Below :data:`PARALLEL_MIN_ELEMENTS` the cost of handing work to a thread (some tens of
microseconds) is more than it saves, and everything runs in the calling thread.
"""

from __future__ import annotations

import contextvars
import math
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from lossbook.validation import FloatArray

#: Inputs with fewer elements run in one thread. Measured on 2 cores: splitting a loss of 1e5
#: elements into two threads made it slower (0.13 to 0.26 ms for MSE), one of 1e6 elements
#: faster (2.0 to 1.0 ms for MSE, 8.6 to 3.1 ms for MSLE); 2**18 lies between.
PARALLEL_MIN_ELEMENTS = 2**18


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: How many blocks a large input is split into: one per core, at most 4, or the number in the
#: environment variable ``LOSSBOOK_THREADS`` (1 turns the threads off).
WORKERS = max(int(os.environ.get("LOSSBOOK_THREADS", 0)) or min(_cores(), 4), 1)

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(WORKERS - 1, 1), thread_name_prefix="lossbook")
    return _pool


def by_rows(
    kernel: Callable[..., FloatArray], *arrays: np.ndarray, samples: tuple[int, ...], **options: Any
) -> FloatArray:
    """``kernel(*arrays, **options)``, computed over blocks of samples in parallel.

    ``samples`` is the shape of the result, one loss per sample; every array has it as its
    leading shape (a ``y_pred`` of shape ``samples + (K,)``, labels of shape ``samples``).
    The kernel must compute each sample from its own row only and return one value per row.
    The calling thread computes the last block itself. ``np.errstate`` (kept in a context
    variable) is carried into every thread, so an overflow raises there as here; a ValueError
    in a block (a row that sums to 0, say) is raised again from the whole input, so that its
    message counts rows as the caller does.
    """
    count = math.prod(samples)
    if WORKERS < 2 or arrays[-1].size < PARALLEL_MIN_ELEMENTS or count < WORKERS:
        return kernel(*arrays, **options)
    rows = [a.reshape((count,) + a.shape[len(samples) :]) for a in arrays]
    bounds = [count * i // WORKERS for i in range(WORKERS + 1)]
    blocks = [[r[lo:hi] for r in rows] for lo, hi in zip(bounds[:-1], bounds[1:])]
    futures: list[Future[FloatArray]] = [
        _executor().submit(contextvars.copy_context().run, kernel, *block, **options)
        for block in blocks[:-1]
    ]
    refused = False
    try:
        last = kernel(*blocks[-1], **options)
    except ValueError:
        refused = True
    finally:  # wait for every block, also when this one raised
        done = [_outcome(future) for future in futures]
    for outcome in done:
        if isinstance(outcome, ValueError):
            refused = True
        elif isinstance(outcome, BaseException):
            raise outcome
    if refused:
        return kernel(*arrays, **options)
    return np.concatenate([*done, np.reshape(last, -1)]).reshape(samples)


def _outcome(future: Future[FloatArray]) -> Any:
    """The block's result (flattened), or the exception it raised."""
    try:
        return np.reshape(future.result(), -1)
    except BaseException as error:  # re-raised by the caller, in its own thread
        return error
