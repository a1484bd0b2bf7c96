"""The Load tab (reads orders, Workflow, Progress, Capacity and the calendar; writes the
whole tab: planned bench hours against declared capacity, 8 ISO weeks from today's)."""

from __future__ import annotations

from ..cells import CellValue
from ..contract import LOAD
from ..domain.load import LoadLine, open_work, weekly_load
from ..outputs import SyncContext, row_under


def load_rows(lines: list[LoadLine]) -> list[list[CellValue]]:
    return [
        row_under(LOAD.headers, {
            "Week": ln.week, "Week Of": ln.week_of, "Skill": ln.skill,
            "Planned Hours": ln.planned_h, "Capacity Hours": ln.capacity_h,
            "Load %": ln.load_pct,
        })
        for ln in lines
    ]


def load_step(ctx: SyncContext) -> None:
    """Load: planned bench hours vs declared capacity, 8 ISO weeks from today's."""
    cal = ctx.calendar()
    w = ctx.workshop
    work = open_work(w.orders, w.workflow, w.progress, cal)
    lines, problems = weekly_load(work, w.capacity, cal, ctx.today)
    ctx.outputs.tabs[LOAD.name] = load_rows(lines)
    ctx.outputs.problems.extend(problems)
