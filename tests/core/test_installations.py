"""One installation syncs a workbook. Journals and mail ledgers live in each installation's
state folder while Activity IDs are shared, so a second installation (another machine on
the same Google spreadsheet, another state folder on the same .xlsx) is refused before
it decides anything; `--take-over` hands the workbook over on purpose; two first claims
of a Google spreadsheet at the same moment land one write. The real pipeline on a real
.xlsx, and real gspread against the fake Sheets API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync import pipeline
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.contract import ACTIVITY
from sheets_sync.installation import Installation, WorkbookClaimed, installation, last_writer
from sheets_sync.journal import Journal, Submission
from sheets_sync.mail.ledger import Ledger
from sheets_sync.outputs import SyncContext
from sheets_sync.sync import run_sync
from sheets_sync.testing import FakeSheets, fake_session

from .conftest import NOW, config_in

SECRET = "one-secret-for-every-machine-0123456789"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETS_SYNC_SECRET", SECRET)


def machine(tmp_path: Path, name: str, workbook: Path) -> Config:
    """An installation: its own state folder (journal, ledger, outbox), one workbook."""
    return config_in(tmp_path / name).with_workbook(workbook)


def answer(config: Config, note: str) -> Submission:
    journal = Journal(config.web.journal_path)
    try:
        stored, _ = journal.submit(
            Submission("progress", "L-009", "seen", {"order_ref": "JW-2309", "task": "Casting",
                                                     "status": "Started", "note": note}, NOW, note)
        )
        return stored
    finally:
        journal.close()


def activity_ids(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb["Activity"].iter_rows(values_only=True)) if "Activity" in wb.sheetnames else []
    finally:
        wb.close()
    return [str(r[5]) for r in rows[1:] if r and r[5]]


def test_a_second_installation_is_refused_before_it_decides_anything(
    tmp_path: Path, demo_xlsx: Path
) -> None:
    first, second = machine(tmp_path, "desk", demo_xlsx), machine(tmp_path, "laptop", demo_xlsx)
    pipeline.sync_once(first, NOW)
    assert last_writer(pipeline.make_backend(first).read()).id == installation(first).id  # type: ignore[union-attr]
    waiting = answer(second, "typed on the laptop's page")
    saved = demo_xlsx.read_bytes()
    with pytest.raises(WorkbookClaimed) as refused:
        pipeline.sync_once(second, NOW)
    message = str(refused.value)
    assert f"installation {installation(first).id}" in message
    assert "this one is sheets-sync@" in message and installation(second).id in message
    assert "`sheets-sync run --take-over`" in message and message.endswith("Nothing was written.")
    assert demo_xlsx.read_bytes() == saved
    ledger = Ledger(second.mail.ledger_path)
    try:
        assert ledger.entries() == []  # no email decided: nothing to resend later
    finally:
        ledger.close()
    assert [s.id for s in Journal(second.web.journal_path).pending()] == [waiting.id]
    assert pipeline.sync_once(second, NOW, dry_run=True).errors >= 0  # a look is no write

    pipeline.sync_once(second, NOW, take_over=True)  # the desk moves to the laptop on purpose
    assert waiting.id in activity_ids(demo_xlsx)
    with pytest.raises(WorkbookClaimed):
        pipeline.sync_once(first, NOW)


def test_run_says_so_and_take_over_goes_through(tmp_path: Path, demo_xlsx: Path) -> None:
    other = machine(tmp_path, "elsewhere", demo_xlsx)
    pipeline.sync_once(other, NOW)
    runner = CliRunner()
    refused = runner.invoke(main, ["--workbook", str(demo_xlsx), "run"])  # ./var: another one
    assert refused.exit_code == 2 and "synced by another installation" in refused.output
    taken = runner.invoke(main, ["--workbook", str(demo_xlsx), "run", "--take-over"])
    assert taken.exit_code == 0, taken.output
    again = runner.invoke(main, ["--workbook", str(demo_xlsx), "run"])
    assert again.exit_code == 0, again.output


# ----------------------------------------------------------------------------- Google


def google(fake: FakeSheets) -> GoogleBackend:
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))


def sheet(demo: dict[str, list[list[Any]]]) -> FakeSheets:
    fake = FakeSheets()
    for name, grid in demo.items():
        fake.add_sheet(name, grid)
    fake.add_sheet("Activity", [list(ACTIVITY.headers)])
    return fake


def mark(text: str) -> Any:
    def step(ctx: SyncContext) -> None:
        ctx.outputs.set("Orders", "JW-2301", "Check", text)

    return step


def test_two_machines_on_one_google_spreadsheet_the_second_is_refused(
    tmp_path: Path, demo: dict[str, list[list[Any]]]
) -> None:
    fake = sheet(demo)
    config = config_in(tmp_path / "state")
    a = Installation("aaaaaaaaaaaa", "workshop-pc", tmp_path / "a")
    b = Installation("bbbbbbbbbbbb", "laptop", tmp_path / "b")
    run_sync(google(fake), config, NOW, [mark("by a")], installation=a)
    before = fake.values("Activity")
    with pytest.raises(WorkbookClaimed, match="sheets-sync@workshop-pc, installation aaaaaaaaaaaa"):
        run_sync(google(fake), config, NOW, [mark("by b")], installation=b)
    assert fake.values("Activity") == before


def test_two_first_claims_at_the_same_moment_land_one_write(
    tmp_path: Path, demo: dict[str, list[list[Any]]]
) -> None:
    """b reads the spreadsheet (nobody has claimed it), a syncs whole meanwhile, then b
    writes: b's batch carries the same claim token as a's and fails whole."""
    fake = sheet(demo)
    config = config_in(tmp_path / "state")
    a = Installation("aaaaaaaaaaaa", "workshop-pc", tmp_path / "a")
    b = Installation("bbbbbbbbbbbb", "laptop", tmp_path / "b")

    def meanwhile(ctx: SyncContext) -> None:
        run_sync(google(fake), config, NOW, [mark("by a")], installation=a)

    with pytest.raises(WorkbookClaimed, match="at the same moment"):
        run_sync(google(fake), config, NOW, [meanwhile, mark("by b")], installation=b)
    activity = fake.values("Activity")
    assert [r[5].rsplit("@", 1)[1] for r in activity[1:] if r and r[1] == "sync"] == ["aaaaaaaaaaaa"]
    assert "by b" not in str(fake.values("Orders"))
