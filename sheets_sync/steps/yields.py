"""The Yields tab (reads the Metal Log, orders, alloys and prices dated up to today; writes
the Yields tab and keeps its lines in ``ctx.facts["yields"]`` for the orders and KPI
steps)."""

from __future__ import annotations

from ..cells import CellValue
from ..contract import YIELDS
from ..domain.metal import YieldLine, compute_yields
from ..outputs import SyncContext, rounded


def yields_step(ctx: SyncContext) -> None:
    """The Yields tab: one line per order or casting batch on the Metal Log."""
    w = ctx.workshop
    lines, problems = compute_yields(w.metal_log, w.orders, w.alloys, w.prices, ctx.today)
    ctx.facts["yields"] = lines
    ctx.outputs.problems.extend(problems)
    ctx.outputs.tabs[YIELDS.name] = [_yield_row(line) for line in lines]


def _yield_row(y: YieldLine) -> list[CellValue]:
    return [
        y.ref,
        y.alloy,
        y.method,
        rounded(y.issued, 2),
        rounded(y.finished, 2),
        rounded(y.scrap, 2),
        rounded(y.loss_g, 2),
        rounded(y.loss_pct, 2),
        rounded(y.theoretical, 2),
        rounded(y.yield_variance_pct, 1),
        rounded(y.fine_lost_g, 3),
        rounded(y.value_lost, 2),
        y.currency or None,
        y.price_as_of,
        y.flag or None,
    ]
