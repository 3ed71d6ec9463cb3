"""Shared fixtures and the hypothesis profile of convlib's tests (strategies, dtypes and
tolerances: tests/support.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "convlib", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("convlib")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium under Playwright (see tests/browser.py), one per module."""
    from browser import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
