"""Shared test set-up.

The environment that keeps notebooks quiet and reproducible is set here, at import time, before
pytest collects any notebook and so before nbval starts a kernel: every kernel inherits it.
"""

import os

from lossbook.session import TF_ENV

os.environ.update(TF_ENV)
