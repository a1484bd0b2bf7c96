"""The Metal Stock tab (reads the Metal Log, alloys, prices, orders and partners; writes
the whole tab: per alloy in the safe, then per partner x alloy outstanding; keeps its
lines in ``ctx.facts["stock"]`` for the Today step)."""

from __future__ import annotations

from ..cells import CellValue
from ..contract import METAL_STOCK
from ..domain.stock import StockLine, metal_stock
from ..outputs import SyncContext, row_under


def stock_rows(lines: list[StockLine]) -> list[list[CellValue]]:
    return [
        row_under(METAL_STOCK.headers, {
            "Held By": s.held_by, "Alloy": s.alloy, "Book (g)": s.grams, "Fine (g)": s.fine_g,
            "Fine Troy Oz": s.fine_troy_oz, "Value": s.value, "Currency": s.currency or None,
            "Price As Of": s.price_as_of, "Recycled %": s.recycled_pct,
            "Last Count": s.last_count, "Count (g)": s.count_g,
            "Count Variance (g)": s.variance_g, "Flag": s.flag or None,
        })
        for s in lines
    ]


def stock_step(ctx: SyncContext) -> None:
    """Metal Stock: per alloy in the safe, then per partner x alloy outstanding."""
    w = ctx.workshop
    lines, problems = metal_stock(w.metal_log, w.alloys, w.prices, w.orders, w.partners,
                                  ctx.today, ctx.config.workshop.count_tolerance_g)
    ctx.outputs.tabs[METAL_STOCK.name] = stock_rows(lines)
    ctx.facts["stock"] = lines
    ctx.outputs.problems.extend(problems)
