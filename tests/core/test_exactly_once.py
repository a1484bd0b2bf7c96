"""Exactly once, inside one process: what a sync leaves behind must stay unique and clean
whatever ran before it (the across-process guards are in tests/processes)."""

from __future__ import annotations

from sheets_sync.backends.base import ChangeSet
from sheets_sync.backends.memory import MemoryBackend
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
