"""The book builds with zero warnings from the stored outputs, executing nothing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def test_book_builds_without_warnings():
    result = subprocess.run(
        [JUPYTER_BOOK, "build", ".", "-W", "-n", "--keep-going"],
        cwd=ROOT, capture_output=True, text=True,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    assert (ROOT / "_build" / "html" / "index.html").exists()
    # Nothing was executed at build time: the stored outputs are what the reader sees.
    assert "Executing" not in log, log[-5000:]
