"""Debian's chromium for browser tests, headless, never a downloaded browser.

``make test`` installs it (the Makefile's ``browser`` target); a test that
needs it fails, rather than skips, when it is missing, so a green run always
means the browser tests ran.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags, chromium tries hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run 'make browser' (apt-get install chromium)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
