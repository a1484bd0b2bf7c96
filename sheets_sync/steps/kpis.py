"""The KPIs and KPI Trends tabs (reads the Yields step's lines, orders, Progress, the
launches with their ⚙ stamps and the Partner Problems with their ⚙ Decided At as this sync
leaves them; writes both tabs whole)."""

from __future__ import annotations

from datetime import datetime

from ..cells import CellValue, parse_datetime, parse_number
from ..contract import KPI_TRENDS, KPIS
from ..domain.calendar import WorkCalendar
from ..domain.kpis import KpiLine, LaunchFacts, TrendRow, kpi_table, trend_table
from ..domain.launches import ack_due, response_hours
from ..domain.metal import compute_yields
from ..domain.partner_problems import Answered, by_launch, fold
from ..domain.problems import WARNING, Problem
from ..errors import CellError
from ..outputs import SyncContext, row_under
from .partner_problems import problem_facts


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
    reported = by_launch(ctx.workshop.partner_problems)
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
        facts.append(LaunchFacts(
            lid, launch.launch_date, sent, acked, hours, due,
            "" if state is None else str(state),
            partner.ack_hours if partner is not None else None,
            tuple(p.report for p in reported.get(fold(lid), [])),
        ))
    return facts, problems


def answered_facts(ctx: SyncContext, cal: WorkCalendar) -> list[Answered]:
    """Each report with its working hours to a decision (from ⚙ Decided At, as this sync
    leaves it) or, while open, its working hours so far."""
    out = []
    for f in problem_facts(ctx):
        p = f.problem
        decided = ctx.machine_moment("Partner Problems", f.pid, "Decided At") if p.decided else None
        hours = None if decided is None else cal.working_hours_between(p.reported_at, decided)
        out.append(Answered(cal.local(p.reported_at), hours,
                            cal.working_hours_between(p.reported_at, ctx.now)))
    return out


def kpi_step(ctx: SyncContext) -> None:
    """KPIs: the last 3 months pooled, then each month newest first, against targets;
    and KPI Trends, the same measures month by month oldest first, for the charts."""
    cal = ctx.calendar()
    w = ctx.workshop
    yields = ctx.facts.get("yields")  # computed (and its problems said) by the Yields step
    if yields is None:
        yields, _ = compute_yields(w.metal_log, w.orders, w.alloys, w.prices, ctx.today)
    facts, problems = launch_facts(ctx, cal)
    reports = answered_facts(ctx, cal)
    lines, found = kpi_table(yields, w.orders, w.progress, facts, ctx.config.targets,
                             ctx.today, cal.local(ctx.now), reports,
                             ctx.config.workshop.problem_decision_hours)
    ctx.outputs.tabs[KPIS.name] = kpi_rows(lines)
    trends = trend_table(yields, w.orders, facts, [a.code for a in w.alloys],
                         ctx.config.targets, ctx.today, cal.local(ctx.now), reports)
    ctx.outputs.tabs[KPI_TRENDS.name] = trend_rows(trends)
    ctx.outputs.problems.extend([*problems, *found])
