"""Make nbval compare the figures of every notebook, not only its text.

nbval leaves ``image/png`` out of its comparison unless it runs with ``--nbdime``, so a figure
could go stale while the suite stays green. This plugin wraps nbval's comparison of one cell:
after nbval's own check of the text passes, each stored PNG is compared with the PNG that the
re-executed cell produced, in order, by :func:`matplotlib.testing.compare.compare_images`. That
function measures the root-mean-square difference of the pixel values (0 to 255) and accepts a
pair below a tolerance, so that last-bit noise passes and a changed figure fails.

Options: ``--figure-tolerance`` (default :data:`TOLERANCE`), ``--no-figure-check`` (nbval's
behaviour, used by the test that proves this check matters), and ``--figure-rms-log PATH``
(append one JSON line per compared figure, which is how the tolerance was tuned).
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure
from nbval.plugin import IPyNbCell

#: RMS tolerance in pixel values (0-255). The README's "Portability" section gives the
#: measurements it was chosen from: re-executed figures under every CPU variant of the matrix, and
#: the figure of tests/test_figure_check.py drawn with thicker lines.
TOLERANCE = 1.0


def pytest_addoption(parser):
    group = parser.getgroup("nbval figures")
    group.addoption("--figure-tolerance", type=float, default=TOLERANCE,
                    help="RMS tolerance (pixel values 0-255) for stored against re-run figures")
    group.addoption("--no-figure-check", action="store_true",
                    help="do not compare figures (nbval's own behaviour)")
    group.addoption("--figure-rms-log", default=None,
                    help="append the RMS of every compared figure to this JSON-lines file")


def _pngs(outputs) -> list[bytes]:
    return [base64.b64decode(out["data"]["image/png"]) for out in outputs
            if "image/png" in out.get("data", {})]


def _compare(item, test, ref) -> str | None:
    """None if every figure matches, else a message for the failure report."""
    stored, produced = _pngs(ref), _pngs(test)
    if len(stored) != len(produced):
        return f"{len(stored)} stored figure(s), but the cell drew {len(produced)}"
    tolerance = item.config.getoption("figure_tolerance")
    log = item.config.getoption("figure_rms_log")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (old, new) in enumerate(zip(stored, produced)):
            expected, actual = Path(tmp, f"stored{n}.png"), Path(tmp, f"produced{n}.png")
            expected.write_bytes(old)
            actual.write_bytes(new)
            try:
                result = compare_images(str(expected), str(actual), tol=0, in_decorator=True)
            except ImageComparisonFailure as error:  # different sizes
                return f"figure {n}: {error}"
            rms = 0.0 if result is None else float(result["rms"])
            if log:
                with open(log, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"cell": item.nodeid, "figure": n, "rms": rms}) + "\n")
            if rms > tolerance:
                return f"figure {n} differs from the stored one: RMS {rms:.3f} > {tolerance}"
    return None


_nbval_compare = IPyNbCell.compare_outputs


def _compare_outputs(self, test, ref, skip_compare=None):
    if not _nbval_compare(self, test, ref, skip_compare):
        return False
    if self.config.getoption("no_figure_check"):
        return True
    problem = _compare(self, test, ref)
    if problem is None:
        return True
    self.comparison_traceback.append(f"figure mismatch: {problem}")
    return False


@pytest.hookimpl
def pytest_configure(config):
    IPyNbCell.compare_outputs = _compare_outputs
