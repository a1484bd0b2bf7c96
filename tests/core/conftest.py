from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.backends.xlsx import write_new_workbook
from sheets_sync.config import Config
from sheets_sync.demo import demo_tabs

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def demo() -> dict[str, list[list[object]]]:
    return demo_tabs(TODAY)


@pytest.fixture
def demo_xlsx(tmp_path: Path, demo: dict[str, list[list[object]]]) -> Path:
    return write_new_workbook(tmp_path / "workshop.xlsx", demo)
