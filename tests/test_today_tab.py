"""The Today tab on the synced demo, and the staff digest made from the same list."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from python_calamine import CalamineWorkbook
from staffed import config_in

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.contract import TODAY, human_tab
from sheets_sync.domain.today import NOTHING
from sheets_sync.pipeline import build_steps
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.steps.mail import forced_digest
from sheets_sync.sync import run_sync

DAY = date(2026, 11, 25)  # a Wednesday



def today_rows(path: Path) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Today").to_python()
    assert rows[0] == list(TODAY.headers)
    return rows[1:]


def digest_text(folder: Path) -> str:
    for eml in sorted((folder / "outbox").glob("*.eml")):
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if "digest" in str(msg["X-Sheets-Sync-Id"]):
            body = msg.get_body(preferencelist=("plain",))
            assert body is not None
            return str(body.get_content())
    raise AssertionError("no digest in the outbox")


def test_the_desk_lists_what_to_act_on_and_the_digest_says_the_same(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    path = write_new_workbook(tmp_path / "workshop.xlsx", demo_tabs(DAY))
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    report = run_sync(XlsxBackend(path), config, now, forced_digest(build_steps(config)))
    assert report.written is not None
    rows = today_rows(path)
    urgencies = [r[0] for r in rows]
    assert urgencies == sorted(urgencies, key=["Now", "Today", "This week"].index)  # most urgent first
    by_key = {(r[5], r[6]): r for r in rows}
    late = by_key[("Orders", "JW-2307")]
    assert late[0] == "Now" and late[1].startswith("JW-2307 Bracelet: late, ")
    assert late[2] == "Sam (artisan)" and late[4].endswith("working days behind")
    assert by_key[("Launches", "L-015")][1].endswith("the sheet lacks size, CAD file")
    assert by_key[("Metal Stock", "18KY")][1].startswith("18KY in the safe: count off by")
    # the caster's report of yesterday 16:30 (Tuesday) waits for a decision: 1.5 working h
    # yesterday and 1 h this morning, of the 4; the decided one is not on the desk
    waiting = by_key[("Partner Problems", "web-demo-porosity")]
    assert waiting[:3] == [
        "Today", "L-011 (JW-2311, Casting with Fonderie Lumière) reported: Porosity on the "
        "inside of the band after casting. Recast, or clean up and polish?; decide by "
        "25/11/2026 11:30", "Manager: write the Decision"]
    assert waiting[4] == "2.5 h of 4 working h"
    assert ("Partner Problems", "web-demo-sprue") not in by_key
    assert "PARTNER PROBLEMS AWAITING A DECISION" in digest_text(tmp_path)
    # the digest carries every Now and Today row of the tab, in the same words
    digest = digest_text(tmp_path)
    for r in rows:
        if r[0] in ("Now", "Today"):
            assert f"{r[1]} ({r[2]}" in digest, r[1]
    assert "LATE AND AT-RISK PIECES" in digest
    # a rerun at the same moment finds the tab as it should be: nothing to write
    again = run_sync(XlsxBackend(path), config, now, build_steps(config))
    assert again.written is None


def test_an_empty_desk_says_so_in_one_row(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    tabs = {t.name: [[c.name for c in t.columns]] for t in
            (human_tab(n) for n in ("Orders", "Workflow", "Alloys", "Launches", "Approvals"))}
    backend = MemoryBackend(tabs)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    run_sync(backend, config, now, build_steps(config))
    today = backend.read().table("Today")
    assert today is not None
    assert [r[0] for r in today.rows] == [NOTHING]
    assert str(today.rows[0][1]).startswith("Nothing needs acting on")
