"""Fixtures of the web tests (helpers live in web_shop.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright
from web_shop import BASE, CHROMIUM, CHROMIUM_ARGS, SECRET, START, Clock, Shop, make_config, workbook

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from web import create_app
from web.server import start


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    config = make_config(tmp_path)
    clock = Clock(START)
    journal = Journal(config.web.journal_path)
    signer = LinkSigner([SECRET], config.web.link_days, BASE, clock)
    app = create_app(config, journal, signer, now=clock)
    app.testing = True
    s = Shop(config, MemoryBackend(workbook()), journal, signer, clock, app)
    s.sync()
    yield s
    journal.close()


@pytest.fixture
def client(shop: Shop) -> FlaskClient:
    return shop.app.test_client()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def site(shop: Shop) -> Iterator[str]:
    """The shop's app served by waitress on 127.0.0.1; its base URL."""
    running = start(shop.app, "127.0.0.1", 0, threads=4)
    try:
        yield running.url
    finally:
        running.stop()
