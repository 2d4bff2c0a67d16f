"""The figure check catches a figure that no longer matches its code, and only the figure check.

A copy of chapter 01 up to its first figure is run three times under nbval in a fresh pytest: as
stored (it passes), with that figure cell drawing thicker lines (the suite must fail on the figure
alone), and with the same mutation but the figure check turned off (nbval alone lets it through,
which shows that nothing but the image changed).
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "01_background.ipynb"
MUTATION = 'import matplotlib; matplotlib.rcParams["lines.linewidth"] *= 2  # mutation\n'


def _first_figure_copy(mutate: bool) -> nbformat.NotebookNode:
    nb = nbformat.read(CHAPTER, as_version=4)
    for n, cell in enumerate(nb.cells):
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            break
    else:
        raise AssertionError("chapter 01 stores no figure")
    nb.cells = nb.cells[: n + 1]
    if mutate:
        nb.cells[n].source = MUTATION + nb.cells[n].source
    return nb


def _nbval(tmp_path: Path, nb, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "figure_copy.ipynb"
    nbformat.write(nb, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "nbval_figures",
               "-o", "addopts=", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
               "--rootdir", str(tmp_path), "-q", *extra, str(path)]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize(
    ("mutate", "extra", "passes"),
    [(False, (), True), (True, (), False), (True, ("--no-figure-check",), True)],
    ids=["as-stored-passes", "thicker-lines-fail", "without-the-check-they-pass"],
)
def test_figure_check(tmp_path, mutate, extra, passes):
    run = _nbval(tmp_path, _first_figure_copy(mutate), *extra)
    assert (run.returncode == 0) == passes, run.stdout[-3000:]
    if not passes:
        assert "figure mismatch" in run.stdout, run.stdout[-3000:]
