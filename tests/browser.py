"""What every browser test shares: Debian's Chromium (Playwright's own download fails
here), and the marks a browser test module sets as its ``pytestmark``. The fixtures
``browser_page`` and ``logged_in_page`` are in ``tests/conftest.py``."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The machine's network is closed: keep Chromium from calling home at every start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-long-browser-test-password"

BROWSER_TESTS = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("ARCHIVE_REQUIRE_BROWSER"),
        reason="Debian's chromium package is not installed (CI installs it)",
    ),
    # The live server answers from another thread: the data must be committed.
    pytest.mark.django_db(transaction=True),
]
