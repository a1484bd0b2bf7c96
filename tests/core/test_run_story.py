"""`sheets-sync run` tells what changed the way a person says it: by order, launch and
approval, problems added and resolved, emails sent or waiting for working time."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.explain import story_lines
from sheets_sync.pipeline import build_steps
from sheets_sync.sync import SyncReport, run_sync

from .conftest import PARIS

Tabs = dict[str, list[list[Any]]]
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


def sync(path: Path, config: Config, now: datetime, *, dry_run: bool = False) -> SyncReport:
    steps = build_steps(config, dry_run=dry_run)
    return run_sync(XlsxBackend(path), config, now, steps, dry_run=dry_run, tell=True)


def told(report: SyncReport, **kw: Any) -> list[str]:
    assert report.story is not None
    return story_lines(report.story, **kw)


def set_cell(path: Path, tab: str, key: str, column: str, value: Any) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[tab]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[headers.index(column)].value = value
            break
    else:
        raise AssertionError(f"no row {key}")
    book.save(path)


def test_a_moved_promise_is_told_by_order_and_a_new_problem_is_one_line(
    demo_xlsx: Path, config: Config
) -> None:
    sync(demo_xlsx, config, WEDNESDAY)
    set_cell(demo_xlsx, "Orders", "JW-2320", "Promised Date", datetime(2026, 11, 27))
    set_cell(demo_xlsx, "Orders", "JW-2321", "Alloy", "24KR")
    report = sync(demo_xlsx, config, WEDNESDAY)
    lines = told(report)
    orders = lines[lines.index("Orders:") + 1:]
    jw2320 = next(line for line in orders if line.startswith("  JW-2320: "))
    # promised Friday 27/11 with 3 stages still to do: the next one was due today
    assert jw2320 == "  JW-2320: Next Due 16/12/2026 → 25/11/2026; Slack (days) 12 → -3; Risk On track → Late"
    # the Problems tab shifted every row below the new one, yet the story says one problem
    assert report.changed_by_tab()["Problems"] > 6
    new = [line for line in lines if line.startswith("  + ")]
    assert new == ["  + error: Orders row 22 (JW-2321), column Alloy: alloy '24KR' is not on "
                   "the Alloys tab"]
    set_cell(demo_xlsx, "Orders", "JW-2321", "Alloy", "14KY")
    back = told(sync(demo_xlsx, config, WEDNESDAY))
    assert "Problems: 0 new, 1 resolved" in back
    assert [line for line in back if line.startswith("  − ")] == [
        "  − error: Orders row 22 (JW-2321), column Alloy: alloy '24KR' is not on the Alloys tab"]


def test_emails_sent_in_working_time_and_waiting_out_of_it(tmp_path: Path, demo: Tabs,
                                                             config: Config) -> None:
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    quiet = told(sync(path, config, saturday))
    waiting = next(line for line in quiet if "for working time" in line)
    assert waiting.endswith("emails wait for working time: Mon 30/11 09:00")
    assert "  launch notice to casting@lumiere.example about L-009" in quiet
    assert not (config.mail.outbox_dir.exists() and any(config.mail.outbox_dir.iterdir()))
    monday = told(sync(path, config, datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)))
    sent = monday[monday.index(next(line for line in monday if line.startswith("Emails sent: "))):]
    assert any(line.startswith("  launch notice to casting@lumiere.example: ") for line in sent)
    assert int(monday[monday.index(sent[0])].split(": ")[1]) == len(
        list(config.mail.outbox_dir.glob("*.eml")))
    assert not any("for working time" in line for line in monday)


def test_a_dry_run_names_machine_rows_by_key_and_shows_values_as_the_sheet(
    demo_xlsx: Path, config: Config
) -> None:
    sync(demo_xlsx, config, WEDNESDAY)
    set_cell(demo_xlsx, "Orders", "JW-2325", "Promised Date", datetime(2026, 12, 7))
    lines = told(sync(demo_xlsx, config, WEDNESDAY, dry_run=True), every_row=True, limit=60)
    load = [line for line in lines if line.startswith("Load ")]
    assert load and all(line.startswith("Load 2026-W") or line.startswith("Load 2027-W")
                        for line in load)
    setting = next(line for line in load if line.startswith("Load 2026-W49 Setting: "))
    assert "Planned Hours " in setting and "Load % " in setting
    assert "+ Today Orders JW-2325" in lines
    assert not any("datetime" in line or "row " in line.split(":")[0] for line in lines)


def test_global_options_work_after_the_command(tmp_path: Path, demo: Tabs) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    (tmp_path / "config.toml").write_text('[mail]\noutbox_dir = "out"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--dry-run", "--workbook", str(path),
                                       "--config", str(tmp_path / "config.toml"), "-v"])
    assert result.exit_code == 0, result.output
    assert f"Read local workbook {path}" in result.output
    assert "Would change: " in result.output and "Orders:" in result.output


def test_progress_shows_on_a_terminal_only(tmp_path: Path, demo: Tabs) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    exe = [str(Path(sys.executable).with_name("sheets-sync"))]
    env = {**os.environ, "SHEETS_SYNC_SECRET": "s" * 32}
    piped = subprocess.run([*exe, "--workbook", str(path), "run", "--dry-run"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert "syncing:" not in piped.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen([*exe, "--workbook", str(path), "run", "--dry-run"], cwd=tmp_path,
                          env=env, stdout=subprocess.DEVNULL, stderr=follower) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=120) == 0
    os.close(leader)
    text = seen.decode(errors="replace")
    assert "syncing: read" in text and "syncing: kpi" in text
    assert text.endswith("\r\x1b[2K")  # and the line is wiped at the end
