#!/usr/bin/env python3
"""The project's entry point: `python3 run.py book|test|refresh|lab|bench [arguments]`.

    book               build both editions: English into _build/html, Chinese into
                       _build/html/zh_CN (renders stored outputs, executes nothing)
    book --catalogues  re-extract the English text and update locale/zh_CN's catalogues
    test               every test: library, nbval on every notebook, book build, browser checks
    test --matrix      nbval on every notebook (or the ones given) under each CPU variant of MATRIX
    refresh [PATHS]    re-execute notebooks in place: the only way to change stored outputs
    lab [ARGS]         JupyterLab on this checkout (in a container as root: --allow-root)
    bench [ARGS]       lossbook against keras.losses, and the time of every notebook

Each command first makes sure that `.venv` exists and holds `requirements.txt`, so that on a fresh
machine with only Python and pip the README's two commands (`book` and `test`) do everything.
Only the standard library is used here: this script runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".requirements.sha256"

#: The CPU variants of `test --matrix`. Each one makes this machine compute like another reader's:
#: ONEDNN_MAX_CPU_ISA caps TensorFlow's oneDNN kernels, OPENBLAS_CORETYPE picks NumPy's and
#: SciPy's BLAS kernels, NPY_DISABLE_CPU_FEATURES turns off NumPy's own AVX-512 loops, and
#: "cpus" pins the notebooks to that many cores. The everyday `test` is the native variant.
MATRIX: dict[str, dict] = {
    "avx2-laptop": {"env": {"ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell",
                            "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}},
    "avx512-server": {"env": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE",
                              "OPENBLAS_CORETYPE": "SkylakeX",
                              "NPY_DISABLE_CPU_FEATURES": "AVX512_ICL AVX512_SPR"}},
    "avx-only": {"env": {"ONEDNN_MAX_CPU_ISA": "AVX", "OPENBLAS_CORETYPE": "Sandybridge",
                         "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"}},
    "one-core": {"env": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}, "cpus": 1},
    "eight-threads": {"env": {"OPENBLAS_NUM_THREADS": "8", "OMP_NUM_THREADS": "8",
                              "TF_NUM_INTRAOP_THREADS": "8", "TF_NUM_INTEROP_THREADS": "8"}},
    # TensorFlow's ops on two threads: long sums are added in another order, as on a CPU whose
    # L1 cache makes Eigen block them differently (src/lossbook/session.py). Last bits of
    # training change; the printed digits must not.
    "reordered-sums": {"env": {"LOSSBOOK_INTRA_OP_THREADS": "2"}},
}


def venv_executable(name: str, *, venv_dir: Path = VENV, platform: str = sys.platform) -> Path:
    """The path of an executable inside a virtual environment, on Windows, macOS or Linux.

    venv puts executables in ``Scripts\\`` with an ``.exe`` suffix on Windows and in ``bin/``
    everywhere else.
    """
    if platform == "win32":
        return venv_dir / "Scripts" / f"{name}.exe"
    return venv_dir / "bin" / name


PYTHON = venv_executable("python")


def _requirements_hash() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create .venv and install requirements.txt when they are missing or have changed."""
    if not PYTHON.exists():
        print("run.py: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = _requirements_hash()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("run.py: installing requirements.txt into .venv", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], cwd=ROOT,
                   check=True)
    STAMP.write_text(wanted)


def _env() -> dict[str, str]:
    """The environment with lossbook.session.TF_ENV, the one place where it is defined.

    The module is loaded from its file, not through the package: importing ``lossbook`` needs
    NumPy, and the Python that runs this script may have nothing but the standard library.
    """
    spec = importlib.util.spec_from_file_location("_session", ROOT / "src" / "lossbook" / "session.py")
    session = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(session)
    return {**os.environ, **session.TF_ENV}


def run_matrix(pytest_args: list[str]) -> int:
    """nbval on every notebook under each CPU variant; a table of the results at the end."""
    if not (sys.platform.startswith("linux") and os.uname().machine == "x86_64"):
        print("run.py: the CPU matrix emulates x86-64 CPUs and needs Linux x86-64", file=sys.stderr)
        return 2
    paths = [] if any(not a.startswith("-") for a in pytest_args) else ["chapters"]
    results = []
    for name, variant in MATRIX.items():
        cpus = variant.get("cpus")
        command = [PYTHON, "-m", "pytest", *paths, "-q", "-n", str(cpus or 2), "--dist", "loadscope",
                   *pytest_args]
        print(f"run.py: matrix variant {name}: {variant['env']}"
              + (f", {cpus} core(s)" if cpus else ""), flush=True)
        started = time.perf_counter()
        code = subprocess.run(
            command, cwd=ROOT, env={**_env(), **variant["env"]},
            preexec_fn=(lambda: os.sched_setaffinity(0, set(range(cpus)))) if cpus else None,
        ).returncode
        results.append((name, code, time.perf_counter() - started))
    print("\nvariant          result  seconds")
    for name, code, seconds in results:
        print(f"{name:16s} {'pass' if code == 0 else 'FAIL':6s}  {seconds:7.0f}")
    return max(code for _, code, _ in results)


COMMANDS = {
    # Render the stored outputs into both editions; nothing is executed (tools/build_book.py).
    "book": [PYTHON, "tools/build_book.py"],
    # Library tests, nbval on every notebook, the book build and the browser checks.
    "test": [PYTHON, "-m", "pytest", "-n", "2", "--dist", "loadscope"],
    # Re-execute notebooks in place (all of them, or the paths given) and store the outputs.
    "refresh": [PYTHON, "tools/refresh_notebooks.py"],
    "lab": [PYTHON, "-m", "jupyter", "lab"],
    "bench": [PYTHON, "-m", "benchmarks"],
}


def command_line(argv: list[str]) -> list:
    """The command that `run.py NAME ARGS...` runs: NAME's command with ARGS passed through."""
    return [*COMMANDS[argv[0]], *argv[1:]]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_venv()
    if argv[0] == "test" and "--matrix" in argv[1:]:
        return run_matrix([a for a in argv[1:] if a != "--matrix"])
    return subprocess.run(command_line(argv), cwd=ROOT, env=_env()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
