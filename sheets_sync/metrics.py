"""Sync steps that recompute the Metal Stock, Load, KPIs and KPI Trends machine tabs.

Each step is pure: it reads the ``SyncContext`` and puts full rows under the contract's
headers into ``ctx.outputs.tabs``; the diff then writes only the cells that changed. The
arithmetic lives in ``domain.stock``, ``domain.load`` and ``domain.kpis``.
"""

from __future__ import annotations

from datetime import datetime

from .cells import CellValue, parse_datetime, parse_number
from .contract import KPI_TRENDS, KPIS, LOAD, METAL_STOCK
from .domain.calendar import WorkCalendar
from .domain.kpis import KpiLine, LaunchFacts, TrendRow, kpi_table, trend_table
from .domain.launches import ack_due, response_hours
from .domain.load import LoadLine, open_work, weekly_load
from .domain.metal import compute_yields
from .domain.problems import WARNING, Problem
from .domain.stock import StockLine, metal_stock
from .errors import CellError
from .outputs import SyncContext


def _row(headers: tuple[str, ...], values: dict[str, CellValue]) -> list[CellValue]:
    return [values.get(h) for h in headers]


def stock_rows(lines: list[StockLine]) -> list[list[CellValue]]:
    return [
        _row(METAL_STOCK.headers, {
            "Held By": s.held_by, "Alloy": s.alloy, "Book (g)": s.grams, "Fine (g)": s.fine_g,
            "Fine Troy Oz": s.fine_troy_oz, "Value": s.value, "Currency": s.currency or None,
            "Price As Of": s.price_as_of, "Recycled %": s.recycled_pct,
            "Last Count": s.last_count, "Count (g)": s.count_g,
            "Count Variance (g)": s.variance_g, "Flag": s.flag or None,
        })
        for s in lines
    ]


def load_rows(lines: list[LoadLine]) -> list[list[CellValue]]:
    return [
        _row(LOAD.headers, {
            "Week": ln.week, "Week Of": ln.week_of, "Skill": ln.skill,
            "Planned Hours": ln.planned_h, "Capacity Hours": ln.capacity_h,
            "Load %": ln.load_pct,
        })
        for ln in lines
    ]


def kpi_rows(lines: list[KpiLine]) -> list[list[CellValue]]:
    return [
        _row(KPIS.headers, {
            "Month": k.period, "KPI": k.kpi, "Breakdown": k.breakdown or None,
            "Value": k.value, "Basis": k.basis or None, "Target": k.target,
            "Met": k.met or None,
        })
        for k in lines
    ]


def trend_rows(lines: list[TrendRow]) -> list[list[CellValue]]:
    return [
        _row(KPI_TRENDS.headers, {
            "Month": t.month, "Alloy": t.alloy, "YVR %": t.yvr, "YVR Target %": t.yvr_target,
            "CDPA %": t.cdpa, "CDPA Target %": t.cdpa_target, "On-time Ack %": t.ack,
            "On-time Ack Target %": t.ack_target,
        })
        for t in lines
    ]


def stock_step(ctx: SyncContext) -> None:
    """Metal Stock: per alloy in the safe, then per partner x alloy outstanding."""
    w = ctx.workshop
    lines, problems = metal_stock(w.metal_log, w.alloys, w.prices, w.orders, w.partners,
                                  ctx.today, ctx.config.workshop.count_tolerance_g)
    ctx.outputs.tabs[METAL_STOCK.name] = stock_rows(lines)
    ctx.outputs.problems.extend(problems)


def load_step(ctx: SyncContext) -> None:
    """Load: planned bench hours vs declared capacity, 8 ISO weeks from today's."""
    cal = ctx.calendar()
    w = ctx.workshop
    work = open_work(w.orders, w.workflow, w.progress, cal)
    lines, problems = weekly_load(work, w.capacity, cal, ctx.today)
    ctx.outputs.tabs[LOAD.name] = load_rows(lines)
    ctx.outputs.problems.extend(problems)


def _moment(
    ctx: SyncContext, cal: WorkCalendar, launch_id: str, column: str,
    problems: list[Problem],
) -> datetime | None:
    value = ctx.machine("Launches", launch_id, column)
    try:
        moment = parse_datetime(value)
    except CellError as exc:
        problems.append(Problem("Launches", launch_id, f"⚙ {column}", WARNING,
            f"Launches ({launch_id}), column ⚙ {column}: {exc}; the KPIs leave it out."))
        return None
    return None if moment is None else cal.local(moment)


def launch_facts(ctx: SyncContext, cal: WorkCalendar) -> tuple[list[LaunchFacts], list[Problem]]:
    """Each launch with its ⚙ cells as they will be after this sync, read leniently."""
    problems: list[Problem] = []
    facts: list[LaunchFacts] = []
    for launch in ctx.workshop.launches:
        lid = launch.launch_id
        sent = _moment(ctx, cal, lid, "Sent At", problems)
        acked = _moment(ctx, cal, lid, "Acknowledged At", problems)
        try:
            hours = parse_number(ctx.machine("Launches", lid, "Response Hours"))
        except CellError:
            hours = None
        if hours is None:
            hours = response_hours(sent, acked)
        partner = ctx.workshop.partner(launch.partner)
        due = ack_due(launch, partner, cal, sent) if sent is not None else None
        state = ctx.machine("Launches", lid, "State")
        problem = ctx.machine("Launches", lid, "Problem")
        facts.append(LaunchFacts(
            lid, launch.launch_date, sent, acked, hours, due,
            "" if state is None else str(state), "" if problem is None else str(problem),
        ))
    return facts, problems


def kpi_step(ctx: SyncContext) -> None:
    """KPIs: the last 3 months pooled, then each month newest first, against targets;
    and KPI Trends, the same measures month by month oldest first, for the charts."""
    cal = ctx.calendar()
    w = ctx.workshop
    yields = ctx.facts.get("yields")  # computed (and its problems said) by the Yields step
    if yields is None:
        yields, _ = compute_yields(w.metal_log, w.orders, w.alloys, w.prices)
    facts, problems = launch_facts(ctx, cal)
    lines, found = kpi_table(yields, w.orders, w.progress, facts, ctx.config.targets,
                             ctx.today, cal.local(ctx.now))
    ctx.outputs.tabs[KPIS.name] = kpi_rows(lines)
    trends = trend_table(yields, w.orders, facts, [a.code for a in w.alloys],
                         ctx.config.targets, ctx.today, cal.local(ctx.now))
    ctx.outputs.tabs[KPI_TRENDS.name] = trend_rows(trends)
    ctx.outputs.problems.extend([*problems, *found])
