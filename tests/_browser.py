"""Debian's headless Chromium, driven by Playwright, for the tests that look at pages.

Shared by the book's browser check (test_book.py) and the JupyterLab check (test_jupyterlab.py).
Chromium is started with background networking off: this machine has no network, and the pages
under test must not need one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def chromium():
    """Yield a Playwright browser; skip without Chromium, except under CI=true, where it fails."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install it with `sudo apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI=true: the browser check may not be skipped)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
