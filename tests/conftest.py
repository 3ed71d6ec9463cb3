"""Shared fixtures and the hypothesis profile of convlib's tests (everything else they
share: tests/support.py), and the import path of the tooling they check."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# tools/notebook_tools.py (executes notebooks, reads the table of contents, writes the
# launch buttons) is tooling, not a test; the tests that check it import it by name
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

settings.register_profile(
    "convlib", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("convlib")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def fig():
    """A fresh matplotlib figure for a draw function, closed afterwards."""
    import matplotlib.pyplot as plt

    f = plt.figure()
    yield f
    plt.close(f)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium under Playwright (see tests/browser.py), one per module."""
    from browser import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
