"""Browser fixtures shared by the browser journeys: one Chromium per module, a fresh profile per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interop.browser import VIEWPORT, launch_options

try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError:  # chromium_problem() says so, and the browser tests are skipped
    pass


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(chromium: Browser) -> AsyncIterator[Page]:
    """A fresh browser profile (no cookies) per test."""
    context = await chromium.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(15_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()
