"""One sync: read everything once, validate and compute, write only what changed, once.

    backend.read() -> Snapshot -> records.build_workshop -> steps fill Outputs
                   -> diff.changes_for -> backend.write(ChangeSet) -> after_write actions

This module never names a concrete backend; ``pipeline`` chooses it from config.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .backends.base import AppendRow, Backend, ChangeSet, NewTab, WriteResult
from .config import Config
from .contract import ACTIVITY
from .diff import changes_for, local
from .domain.problems import ERROR, WARNING, Problem
from .explain import Story, explain
from .installation import Installation, check_claim, sync_row_id
from .outputs import SyncContext, activity_ids
from .records import build_workshop
from .workbook import Snapshot

log = logging.getLogger(__name__)

Step = Callable[[SyncContext], None]
Phase = Callable[[str], None]


class Recorder(Protocol):
    """Leaves the record an unchanged rerun compares with (``rerun.Recorder``)."""

    def seal(self, ctx: SyncContext, changes: ChangeSet, report: SyncReport) -> None: ...

    def save(self, report: SyncReport) -> None: ...


@dataclass
class SyncReport:
    source: str
    rows_read: dict[str, int]
    problems: list[Problem]
    changes: ChangeSet
    written: WriteResult | None  # None on a dry run or when nothing changed
    dry_run: bool = False
    after_write_errors: list[str] = field(default_factory=list)
    context: SyncContext | None = field(default=None, repr=False)  # for tests
    story: Story | None = field(default=None, repr=False)  # what changed, in words (``tell``)
    # set when no step ran: the workbook is as the full sync at this moment left it
    unchanged_since: datetime | None = None

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == WARNING)

    def changed_by_tab(self) -> dict[str, int]:
        count: Counter[str] = Counter()
        for t in self.changes.new_tabs:
            count[t.name] += len(t.headers)
        for c in self.changes.new_columns:
            count[c.tab] += 1
        for k in self.changes.cells:
            count[k.tab] += 1
        for g in self.changes.grid:
            count[g.tab] += 1
        for a in self.changes.appends:
            count[a.tab] += len(a.values)
        return dict(count)


def run_sync(
    backend: Backend,
    config: Config,
    now: datetime,
    steps: Sequence[Step],
    *,
    dry_run: bool = False,
    phase: Phase | None = None,
    keep_context: bool = False,
    installation: Installation | None = None,
    take_over: bool = False,
    tell: bool = False,
    read_ahead: list[Snapshot] | None = None,
    recorder: Recorder | None = None,
) -> SyncReport:
    """Run one sync at moment ``now`` (aware). Raises WorkbookError children when the
    workbook as a whole cannot be read or written; row-level trouble becomes Problems.
    ``keep_context`` keeps the SyncContext (the whole read) on the report; otherwise it is
    let go before the write, so a large workbook is not held twice in memory.
    ``installation``: who is syncing; a workbook another installation synced last is
    refused right after the read, before any step (see ``installation``), unless
    ``take_over``; this sync's Activity row is signed with it. ``tell``: put on the
    report what changed in words (``explain``), for people watching. ``read_ahead``: a
    list holding the workbook already read under the same lock (by the unchanged-rerun
    check); it is taken out of the list, so that nothing but this function holds the
    read when it lets go of it before the write. ``recorder``: given the context before
    the write, told after it (``rerun``)."""
    say = phase or (lambda _: None)
    zone = config.workshop.zone
    now = now.astimezone(zone)
    say("read")
    snapshot = read_ahead.pop() if read_ahead else backend.read()
    unclaimed = False
    if installation is not None and not dry_run:
        unclaimed = check_claim(snapshot, installation, take_over)
    say("validate")
    read = build_workshop(snapshot)
    ctx = SyncContext(
        snapshot=snapshot,
        workshop=read.workshop,
        config=config,
        today=now.date(),
        now=now,
        activity_ids=activity_ids(snapshot),
        rows=read.rows,
    )
    ctx.outputs.problems.extend(read.problems)
    for step in steps:
        say(getattr(step, "__name__", "step").removesuffix("_step"))
        step(ctx)
    changes = changes_for(ctx)
    changes.first_claim = unclaimed
    report = SyncReport(snapshot.source, read.rows_read, list(ctx.outputs.problems), changes, None, dry_run)
    if tell:
        report.story = explain(ctx, changes)
    if keep_context:
        report.context = ctx
    if dry_run:
        return report
    if recorder is not None:
        recorder.seal(ctx, changes, report)
    if changes:
        _record_sync(ctx, changes, report, installation)
    after_write = ctx.after_write
    del ctx, read, snapshot  # the write loads the workbook again: don't hold the read too
    if changes:
        say("write")
        report.written = backend.write(changes)
    # Nothing to write is a write that succeeded: an entry found already applied (its
    # Activity id is in the workbook) is marked so even when this sync changes nothing.
    for action in after_write:
        try:
            action()
        except Exception as exc:  # each action is idempotent; the next sync retries it
            log.exception("after-write action failed")
            report.after_write_errors.append(str(exc))
    if recorder is not None:
        recorder.save(report)
    return report


def _record_sync(
    ctx: SyncContext, changes: ChangeSet, report: SyncReport, me: Installation | None
) -> None:
    """A sync that changes something leaves one Activity row saying what it changed."""
    by_tab = report.changed_by_tab()
    detail = ", ".join(f"{tab} {n}" for tab, n in sorted(by_tab.items()))
    moment = local(ctx.now, ctx.config.workshop.zone)
    if ctx.snapshot.table(ACTIVITY.name) is None and not any(
        t.name == ACTIVITY.name for t in changes.new_tabs
    ):
        changes.new_tabs.append(NewTab(ACTIVITY.name, ACTIVITY.headers))
    table = ctx.snapshot.table(ACTIVITY.name)
    changes.appends.append(
        AppendRow(
            table.name if table else ACTIVITY.name,
            {
                "Time": moment,
                "Kind": "sync",
                "Ref": "",
                "Actor": me.actor if me is not None else "sheets-sync",
                "Detail": f"{changes.cell_count} cells changed ({detail}); "
                f"{report.errors} errors, {report.warnings} warnings",
                # two syncs within one second (one waited for the other) still differ;
                # signed with the installation that wrote it
                "ID": sync_row_id(ctx.now.isoformat(timespec="seconds"), uuid.uuid4().hex[:8], me),
            },
        )
    )
