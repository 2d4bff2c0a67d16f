"""The execution time of every chapter, against the book's compute budget.

The budget (issue 9): the whole book executes in at most BOOK_SECONDS on the project's 2-core
machine, and no chapter takes over CHAPTER_SECONDS. The machines are shared, so each run also
measures a bare ``import tensorflow`` in the notebooks' own environment: a run whose import is
much slower than usual was taken on a loaded machine, and its seconds are not comparable.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK_SECONDS = 120.0
CHAPTER_SECONDS = 20.0


def tf_import_seconds(repeats: int = 3) -> float:
    """Median wall time of ``python -c "import tensorflow"`` in the notebooks' environment."""
    from lossbook.session import TF_ENV

    env = {**os.environ, **TF_ENV}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tensorflow"], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def notebook_seconds(paths=None) -> list[dict]:
    """Execute a copy of each notebook (the stored files are never touched) and time it."""
    import nbformat

    sys.path.insert(0, str(ROOT / "tools"))
    from refresh_notebooks import execute  # the refresh command's quiet kernel

    rows = []
    for path in paths or sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)  # executed in memory, never written back
        rows.append({"notebook": path.name, "seconds": execute(nb, path.parent)})
        print(f"  {path.name:34s} {rows[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    return rows


def print_table(rows: list[dict], tf_s: float) -> None:
    total = sum(r["seconds"] for r in rows)
    print(f"\nnotebooks (bare `import tensorflow`: {tf_s:.1f} s, median of 3)")
    for r in rows:
        flag = "" if r["seconds"] <= CHAPTER_SECONDS else f"   OVER {CHAPTER_SECONDS:.0f} s"
        print(f"{r['notebook']:34s}{r['seconds']:8.1f} s {r['seconds'] / tf_s:6.1f} x import{flag}")
    verdict = "within" if total <= BOOK_SECONDS else "OVER"
    print(f"{'whole book':34s}{total:8.1f} s {total / tf_s:6.1f} x import   {verdict} the "
          f"budget of {BOOK_SECONDS:.0f} s ({BOOK_SECONDS / tf_s:.0f} x this run's import)")
