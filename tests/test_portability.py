"""The two settings that make the stored outputs portable, checked in the open.

lossbook.session.start() trains in float64 and runs each TensorFlow op on one thread. Here a small
network is trained in fresh processes under other CPU kernel caps (ONEDNN_MAX_CPU_ISA, the same
caps as `python3 run.py test --matrix`) and thread settings, and every run must give the same
weights, bit for bit. With float32 on an AVX-512 machine the first cap already changes the bits,
which is why the book does not train in float32 (the README gives the measurement).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("portability") / "train_probe.py"

VARIANTS = {
    "native": {},
    "oneDNN capped at AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "oneDNN capped at AVX-512 (Skylake)": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
    "eight TensorFlow threads asked for": {"TF_NUM_INTRAOP_THREADS": "8",
                                           "TF_NUM_INTEROP_THREADS": "8"},
}


def _weights_hash(extra_env: dict[str, str], *args: str) -> str:
    env = {**os.environ, **extra_env}
    done = subprocess.run([sys.executable, str(PROBE), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=True)
    dtype, digest = done.stdout.split()
    assert dtype == "float64"
    return digest


@pytest.fixture(scope="module")
def reference() -> str:
    return _weights_hash({})


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "native"])
def test_same_weights_bit_for_bit(reference, variant):
    assert _weights_hash(VARIANTS[variant]) == reference, variant


def test_reordered_sums_variant_reorders_long_sums():
    """The matrix's reordered-sums variant is not a no-op: with a batch of 512 (a Dense gradient
    summed over 512 samples, longer than Eigen's L1 block) two threads change the last bits.

    That is the perturbation a CPU with another L1 cache size causes, which no cap emulates; the
    notebooks must print the same digits under it (run.py's MATRIX).
    """
    threads = {"LOSSBOOK_INTRA_OP_THREADS": "2"}
    assert _weights_hash(threads, "float64", "512") != _weights_hash({}, "float64", "512")


def test_a_bad_thread_count_is_refused_clearly():
    env = {**os.environ, "LOSSBOOK_INTRA_OP_THREADS": "two"}
    done = subprocess.run([sys.executable, "-c", "from lossbook.session import start; start()"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "LOSSBOOK_INTRA_OP_THREADS must be a positive integer, not 'two'" in done.stderr
