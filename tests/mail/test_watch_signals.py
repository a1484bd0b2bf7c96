"""`sheets-sync watch` as the server runs it: a real process on the real clock, stopped by
SIGTERM (what systemd and Docker send) after its first sync. It must exit 0 promptly and
leave a workbook that opens."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl

POLL_SECONDS = 0.2
FIRST_SYNC_WAIT = 20.0  # bounded: at most this many seconds of polling
EXIT_WAIT = 30.0


def console_script() -> str:
    script = Path(sys.executable).with_name("sheets-sync")
    assert script.exists(), f"the console script is not installed next to {sys.executable}"
    return str(script)


def demo_folder(folder: Path) -> tuple[str, dict[str, str]]:
    """A folder holding the demo workbook w.xlsx; the console script and its environment."""
    exe = console_script()
    env = {**os.environ, "SHEETS_SYNC_SECRET": "test-secret-for-links-0123456789abcdef"}
    init = subprocess.run(
        [exe, "init", "--demo", "w.xlsx"], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )
    assert init.returncode == 0, init.stderr
    return exe, env


def sync_rows(path: Path) -> list[tuple[object, ...]]:
    """The Activity tab's "sync" rows; [] while the workbook is absent or being replaced."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, KeyError):
        return []
    try:
        if "Activity" not in wb.sheetnames:
            return []
        return [r for r in wb["Activity"].iter_rows(min_row=2, values_only=True)
                if len(r) > 1 and r[1] == "sync"]
    finally:
        wb.close()


def test_watch_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    exe, env = demo_folder(tmp_path)
    workbook = tmp_path / "w.xlsx"
    assert sync_rows(workbook) == []  # a fresh demo: no sync has run yet
    (tmp_path / "config.toml").write_text(
        '[workbook]\npath = "w.xlsx"\n\n[watch]\nsync_minutes = 1\n\n'
        '[mail]\ntransport = "outbox"\noutbox_dir = "outbox"\n',
        encoding="utf-8",
    )
    out, err = (tmp_path / "watch.out").open("w"), (tmp_path / "watch.err").open("w")
    proc = subprocess.Popen([exe, "watch"], cwd=tmp_path, env=env, stdout=out, stderr=err)
    try:
        for _ in range(int(FIRST_SYNC_WAIT / POLL_SECONDS)):
            if sync_rows(workbook) or proc.poll() is not None:
                break
            time.sleep(POLL_SECONDS)
        assert proc.poll() is None, "watch ended by itself: " + (tmp_path / "watch.err").read_text()
        assert sync_rows(workbook), "no sync was written within 20 s"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=EXIT_WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        out.close()
        err.close()
    assert code == 0, (tmp_path / "watch.err").read_text()
    assert re.search(r"Stopped after [1-9]\d* runs\.", (tmp_path / "watch.out").read_text())
    # the workbook is whole: it opens, and the first sync's row is in it
    wb = openpyxl.load_workbook(workbook)
    assert {"Orders", "Launches", "Activity"} <= set(wb.sheetnames)
    assert len(sync_rows(workbook)) == 1
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_sigterm_during_the_first_sync_lets_it_finish(tmp_path: Path) -> None:
    """SIGTERM while the first sync is under way (its journal has just been opened): the
    run in progress completes and is written whole, then the process exits 0."""
    exe, env = demo_folder(tmp_path)
    (tmp_path / "config.toml").write_text(
        '[workbook]\npath = "w.xlsx"\n\n[watch]\nsync_minutes = 1\n', encoding="utf-8"
    )
    journal = tmp_path / "var" / "journal.sqlite3"  # opened by the sync, inside the loop
    err = (tmp_path / "watch.err").open("w")
    proc = subprocess.Popen(
        [exe, "watch"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err
    )
    try:
        for _ in range(int(FIRST_SYNC_WAIT / 0.02)):
            if journal.exists() or proc.poll() is not None:
                break
            time.sleep(0.02)
        assert proc.poll() is None and journal.exists(), (tmp_path / "watch.err").read_text()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=EXIT_WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        err.close()
    assert code == 0, (tmp_path / "watch.err").read_text()
    assert len(sync_rows(tmp_path / "w.xlsx")) == 1  # the run in progress was finished
