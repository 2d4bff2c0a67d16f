"""Shared test set-up.

The environment that keeps notebooks quiet and reproducible is set here, at import time, before
pytest collects any notebook and so before nbval starts a kernel: every kernel inherits it.
The figure check (tests/nbval_figures.py) is registered here too, because nbval's items live
under chapters/, outside tests/.
"""

import os
import sys
from pathlib import Path

from lossbook.session import TF_ENV

os.environ.update(TF_ENV)

sys.path.insert(0, str(Path(__file__).parent / "tests"))
pytest_plugins = ["nbval_figures"]
