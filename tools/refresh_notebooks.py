"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs in place.

This is the only way outputs in chapters/ should change: what is stored is then exactly one clean
run, with execution counts 1, 2, 3... Usage (through run.py, which sets the environment):

    python3 run.py refresh                      # every notebook under chapters/
    python3 run.py refresh chapters/03_*.ipynb  # just these

It prints one line per notebook, with its time, and nothing else. :func:`execute` is shared with
the benchmarks, which time notebooks without writing them back.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

ROOT = Path(__file__).resolve().parents[1]

# The kernel's own log goes to this terminal, not into the notebook. At its default level it
# warns once per kernel that the loopback connection is not encrypted; only errors are wanted.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


def execute(nb: nbformat.NotebookNode, directory: Path) -> float:
    """Execute ``nb`` in a fresh kernel started in ``directory``; return the seconds it took."""
    started = time.perf_counter()
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=900,
        record_timing=False,  # no timestamps in the stored file, so a rerun changes nothing
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(directory)}},
    ).execute()
    return time.perf_counter() - started


def refresh(path: Path) -> float:
    """Execute ``path`` in place and return the wall-clock seconds it took."""
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path.parent)
    # One stream output per cell: how print output is split into messages varies between runs,
    # and the stored file should not.
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                              "language": "python"}
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "chapters").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    for path in paths:
        seconds = refresh(path.resolve())
        print(f"{path}: executed in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
