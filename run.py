#!/usr/bin/env python3
"""The project's entry point: `python3 run.py book|test|refresh|lab|bench`.

Each command first makes sure that `.venv` exists and holds `requirements.txt`, so that on a fresh
machine with only Python and pip the README's two commands (`book` and `test`) do everything.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".requirements.sha256"


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


def main(argv: list[str]) -> int:
    commands = {
        # Render the stored outputs into _build/html; nothing is executed.
        "book": [VENV / "bin" / "jupyter-book", "build", ".", "-W", "-n", "--keep-going"],
        # Library tests, nbval on every notebook, the book build and the browser check.
        "test": [PYTHON, "-m", "pytest", "-n", "2", "--dist", "loadscope"],
        # Re-execute notebooks in place (all of them, or the paths given) and store the outputs.
        "refresh": [PYTHON, "tools/refresh_notebooks.py"],
        "lab": [PYTHON, "-m", "jupyter", "lab"],
        "bench": [PYTHON, "-m", "benchmarks"],
    }
    if not argv or argv[0] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_venv()
    return subprocess.run([*commands[argv[0]], *argv[1:]], cwd=ROOT, env=_env()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
