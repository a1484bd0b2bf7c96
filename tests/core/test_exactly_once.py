"""Exactly once, inside one process: what a sync leaves behind must stay unique and clean
whatever ran before it (the across-process guards are in tests/processes)."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.backends.base import AppendRow, ChangeSet, NewTab
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.config import Config
from sheets_sync.contract import ACTIVITY
from sheets_sync.outputs import SyncContext
from sheets_sync.sync import run_sync

from .conftest import NOW


def test_two_syncs_in_the_same_second_leave_two_distinct_activity_ids(config: Config) -> None:
    """A sync that waited for another may start within the same second: its "sync" row
    must not repeat the first one's ID."""
    backend = MemoryBackend({"Orders": [["Order Ref"]], "Activity": [list(ACTIVITY.headers)]})

    def touch(ctx: SyncContext) -> None:  # each sync changes something
        ctx.outputs.tabs["Problems"] = [["Orders", str(len(ctx.activity_ids)), "", "info", "x", None]]

    for _ in range(2):
        report = run_sync(backend, config, NOW, [touch])
        assert report.changes != ChangeSet()
    ids = [row[5] for row in backend.grid("Activity")[1:]]
    assert len(ids) == 2 and len(set(ids)) == 2, ids


def test_the_next_write_removes_the_temporary_files_a_killed_save_left(demo_xlsx: Path) -> None:
    """A save killed between creating its temporary file and the swap leaves
    ``.w.xlsx.<random>.sheets-sync.tmp`` behind; the next write clears those, and only
    those (another workbook's, or anybody's other files, stay)."""
    folder = demo_xlsx.parent
    ours = folder / f".{demo_xlsx.name}.k1ll3d.sheets-sync.tmp"
    ours.write_bytes(b"PK\x03\x04 half a workbook")
    other_book = folder / ".other.xlsx.k1ll3d.sheets-sync.tmp"
    other_book.write_bytes(b"not ours")
    notes = folder / "notes.tmp"
    notes.write_text("not ours either")
    backend = XlsxBackend(demo_xlsx)
    backend.write(
        ChangeSet(
            new_tabs=[NewTab(ACTIVITY.name, ACTIVITY.headers)],
            appends=[AppendRow(ACTIVITY.name, {"ID": "x-1", "Kind": "test"})],
        )
    )
    assert not ours.exists()
    assert other_book.exists() and notes.exists()
    assert backend.read().table("Activity") is not None
