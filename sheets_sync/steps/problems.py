"""The Problems tab (reads every Problem of this sync and the tab's First Seen column;
writes the whole tab, First Seen kept across syncs). The last step."""

from __future__ import annotations

from ..cells import CellValue, to_text
from ..contract import PROBLEMS
from ..domain.problems import ERROR, Problem
from ..outputs import SyncContext


def problems_step(ctx: SyncContext) -> None:
    """The Problems tab: one row per problem, its First Seen kept across syncs. Last step."""
    first_seen = _first_seen(ctx)
    rows: list[list[CellValue]] = []
    for p in sorted(set(ctx.outputs.problems), key=_order_key):
        seen = first_seen.get(p.identity, ctx.today)
        rows.append([p.tab, p.key, p.column or None, p.severity, p.message, seen])
    ctx.outputs.tabs[PROBLEMS.name] = rows


def _order_key(p: Problem) -> tuple[int, str, str, str, str]:
    return (0 if p.severity == ERROR else 1, p.tab, p.key, p.column, p.message)


def _first_seen(ctx: SyncContext) -> dict[tuple[str, str, str, str], CellValue]:
    table = ctx.snapshot.table(PROBLEMS.name)
    out: dict[tuple[str, str, str, str], CellValue] = {}
    if table is None:
        return out
    for _, cells in table.records():
        tab, key, column, message = (to_text(cells.get(h)) for h in ("tab", "key", "column", "message"))
        out.setdefault((tab, key, column, message), cells.get("first seen"))
    return out
