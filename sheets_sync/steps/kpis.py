"""The KPIs and KPI Trends tabs (reads the Yields step's lines, orders, Progress and the
launches with their ⚙ stamps as this sync leaves them; writes both tabs whole)."""

from __future__ import annotations

from datetime import datetime

from ..cells import CellValue, parse_datetime, parse_number
from ..contract import KPI_TRENDS, KPIS
from ..domain.calendar import WorkCalendar
from ..domain.kpis import KpiLine, LaunchFacts, TrendRow, kpi_table, trend_table
from ..domain.launches import ack_due, response_hours
from ..domain.metal import compute_yields
from ..domain.problems import WARNING, Problem
from ..errors import CellError
from ..outputs import SyncContext, row_under


def kpi_rows(lines: list[KpiLine]) -> list[list[CellValue]]:
    return [
        row_under(KPIS.headers, {
            "Month": k.period, "KPI": k.kpi, "Breakdown": k.breakdown or None,
            "Value": k.value, "Basis": k.basis or None, "Target": k.target,
            "Met": k.met or None,
        })
        for k in lines
    ]


def trend_rows(lines: list[TrendRow]) -> list[list[CellValue]]:
    return [
        row_under(KPI_TRENDS.headers, {
            "Month": t.month, "Alloy": t.alloy, "YVR %": t.yvr, "YVR Target %": t.yvr_target,
            "CDPA %": t.cdpa, "CDPA Target %": t.cdpa_target, "On-time Ack %": t.ack,
            "On-time Ack Target %": t.ack_target,
        })
        for t in lines
    ]


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
            partner.ack_hours if partner is not None else None,
        ))
    return facts, problems


def kpi_step(ctx: SyncContext) -> None:
    """KPIs: the last 3 months pooled, then each month newest first, against targets;
    and KPI Trends, the same measures month by month oldest first, for the charts."""
    cal = ctx.calendar()
    w = ctx.workshop
    yields = ctx.facts.get("yields")  # computed (and its problems said) by the Yields step
    if yields is None:
        yields, _ = compute_yields(w.metal_log, w.orders, w.alloys, w.prices, ctx.today)
    facts, problems = launch_facts(ctx, cal)
    lines, found = kpi_table(yields, w.orders, w.progress, facts, ctx.config.targets,
                             ctx.today, cal.local(ctx.now))
    ctx.outputs.tabs[KPIS.name] = kpi_rows(lines)
    trends = trend_table(yields, w.orders, facts, [a.code for a in w.alloys],
                         ctx.config.targets, ctx.today, cal.local(ctx.now))
    ctx.outputs.tabs[KPI_TRENDS.name] = trend_rows(trends)
    ctx.outputs.problems.extend([*problems, *found])
