"""Every test runs in its own empty folder: the product's defaults are relative paths
(workshop.xlsx, var/journal.sqlite3, var/mail-ledger.sqlite3, outbox/), and no test may
leave them in the repository or share them with another test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
