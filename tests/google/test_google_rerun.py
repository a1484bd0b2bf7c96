"""An unchanged rerun on a Google spreadsheet, as `sheets-sync run` makes it: one read.

Google keeps no file whose bytes could be hashed before a read, so the rerun reads the
spreadsheet (one ``values.batchGet``). When the answer's bytes are those the last full
sync parsed, the read is the recorded one and is not fingerprinted again. The demo
workbook lives in the fake Sheets API behind a real gspread client; every sync goes
through ``pipeline.sync_once``, the path every command takes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import gspread
import pytest

from sheets_sync import rerun
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.config import Config, MailConfig, WebConfig, WorkbookConfig
from sheets_sync.pipeline import sync_once
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import SyncReport
from sheets_sync.testing import FakeSheets, fake_session

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = date(2026, 11, 25)
MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


def config_for(folder: Path) -> Config:
    state = folder / "var"
    return Config(
        workbook=WorkbookConfig(backend="google", spreadsheet="demo"),
        web=replace(WebConfig(), journal_path=state / "journal.sqlite3",
                    upload_dir=state / "uploads"),
        mail=replace(MailConfig(), transport="outbox", outbox_dir=folder / "outbox",
                     ledger_path=state / "mail-ledger.sqlite3"),
    )


def sync(fake: FakeSheets, config: Config, now: datetime, *, full: bool = False) -> SyncReport:
    """One `sheets-sync run`: a new process, so a new client and backend."""
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    fake.reset_counters()
    return sync_once(config, now, full=full, what="test", backend=backend)


def test_an_unchanged_google_rerun_is_one_read_and_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(WEDNESDAY))
    config = config_for(tmp_path)
    first = sync(fake, config, MORNING)
    assert first.written is not None and first.written.cells > 3000
    settled = sync(fake, config, MORNING + timedelta(seconds=10))  # computes, writes nothing
    assert settled.written is None and settled.unchanged_since is None

    def no_fingerprinting(*_: object) -> str:
        raise AssertionError("the read was fingerprinted cell by cell")

    with monkeypatch.context() as m:  # the same answer bytes: the recorded read's digest
        m.setattr(rerun, "snapshot_digest", no_fingerprinting)
        skipped = sync(fake, config, MORNING + timedelta(seconds=20))
    assert skipped.unchanged_since == MORNING + timedelta(seconds=10)
    assert [c.kind for c in fake.calls] == ["values.batchGet"] and fake.writes == 0
    # it reports what the full sync read and found
    assert skipped.rows_read == settled.rows_read and skipped.problems == settled.problems
    # and it was right to skip: the full sync at that moment has nothing to write either
    forced = sync(fake, config, MORNING + timedelta(seconds=20), full=True)
    assert forced.written is None and forced.unchanged_since is None


def test_a_human_edit_on_google_makes_the_next_rerun_compute(tmp_path: Path) -> None:
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(WEDNESDAY))
    config = config_for(tmp_path)
    sync(fake, config, MORNING)
    sync(fake, config, MORNING + timedelta(seconds=10))
    assert sync(fake, config, MORNING + timedelta(seconds=20)).unchanged_since is not None

    header = fake.values("Orders")[0]
    promised = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("Promised Date")]
    fake.human_set("Orders", f"{promised}2", "01/12/2026", typed=True)  # moved earlier
    after = sync(fake, config, MORNING + timedelta(seconds=30))
    assert after.unchanged_since is None
    assert after.written is not None and after.written.cells > 0  # its slack and risk anew
    assert sync(fake, config, MORNING + timedelta(seconds=40)).written is None
    assert sync(fake, config, MORNING + timedelta(seconds=50)).unchanged_since is not None
