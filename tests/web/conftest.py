"""Fixtures of the web tests (helpers live in web_shop.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from web_shop import BASE, SECRET, START, Clock, Shop, make_config, workbook

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from web import create_app


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
