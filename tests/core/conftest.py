from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.backends.xlsx import write_new_workbook
from sheets_sync.config import Config
from sheets_sync.samples.demo import demo_tabs

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


def config_in(folder: Path) -> Config:
    """Defaults, with the local state (journal, mail ledger, outbox, uploads) in ``folder``:
    one workshop's memory of what it sent and applied."""
    base = Config()
    return replace(
        base,
        web=replace(base.web, journal_path=folder / "journal.sqlite3", upload_dir=folder / "uploads"),
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "mail.sqlite3"),
    )


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_in(tmp_path / "state")


@pytest.fixture
def demo() -> dict[str, list[list[object]]]:
    return demo_tabs(TODAY)


@pytest.fixture
def demo_xlsx(tmp_path: Path, demo: dict[str, list[list[object]]]) -> Path:
    return write_new_workbook(tmp_path / "workshop.xlsx", demo)
