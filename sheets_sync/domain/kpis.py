"""KPIs per month and over the last 3 months, each next to its target.

Every rate pools the raw items of its period (3 months of castings give one ratio of sums,
not an average of monthly percentages). A period with nothing to measure gives a blank
value (never 0 %) and one Problem naming what is missing. Which month an item belongs to:

* Yield Variance Rate: the casting's last Metal Log movement (``YieldLine.day``);
  = sum of finished grams / sum of theoretical grams x 100 (``metal`` module), by alloy x
  method and for all castings together. Higher is better.
* First-Time-Right Rate: orders by Delivered Date; right first time = no Progress row with
  status Rework for the order. Higher is better.
* Client Delivery Promise Adherence: orders by Promised Date, once their outcome is known
  (delivered, or the promised date is past); on time = delivered on or before the promised
  date. Orders with a Client Delay (days) above 0 are left out and counted apart as
  "Client-Initiated Delays". Higher is better.
* Partner communication, launches by the month they were sent (⚙ Sent At): average
  acknowledgement hours (⚙ Response Hours, lower is better), judged against the average of
  the Ack Hours those launches were given (each its partner's Ack Hours, ``[targets]
  ack_hours`` for a partner not on the Partners tab); on-time acknowledgement rate
  (acknowledged by ``launches.ack_due``: sending + the partner's Ack Hours; a launch past
  that moment and still unacknowledged counts as late; higher is better); specification
  errors = launches with a partner's report (Partner Problems) starting with "spec:" /
  launches sent (lower is better). Launches blocked: launches by Launch Date whose ⚙ State
  is "Blocked: incomplete sheet" (a count, no target).
* Problems answered within 4 working hours (``[workshop] problem_decision_hours``), reports
  by the month they were reported: decided within those working hours ÷ decided, or open
  for longer than that (``partner_problems.answered_within``). Higher is better.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..config import TargetsConfig
from .metal import YieldLine
from .model import Order, ProgressEntry
from .partner_problems import Answered, answered_within
from .problems import WARNING, Problem

TAB = "KPIs"
MONTHS = 12
ROLLING = 3
BLOCKED = "Blocked: incomplete sheet"
SPEC_PREFIX = "spec:"

YVR = "Yield Variance Rate (%)"
FTRR = "First-Time-Right Rate (%)"
CDPA = "Delivery Promise Adherence (%)"
CLIENT_DELAYS = "Client-Initiated Delays (orders)"
ACK_HOURS = "Average Acknowledgement (h)"
ACK_ON_TIME = "On-Time Acknowledgement (%)"
ANSWERED_PREFIX = "Problems Answered Within"
ANSWERED = f"{ANSWERED_PREFIX} 4 Working Hours (%)"
LAUNCHES_BLOCKED = "Launches Blocked (launches)"
SPEC_ERRORS = "Specification Errors (%)"

# KPI -> (TargetsConfig field, higher is better)
TARGETS: dict[str, tuple[str, bool]] = {
    YVR: ("yield_variance_pct", True),
    FTRR: ("first_time_right_pct", True),
    CDPA: ("delivery_adherence_pct", True),
    ACK_HOURS: ("ack_hours", False),  # a period's own target: ack_target
    ACK_ON_TIME: ("on_time_ack_pct", True),
    ANSWERED: ("problems_answered_pct", True),
    SPEC_ERRORS: ("spec_error_pct", False),
}


def answered_kpi(hours: float) -> str:
    """The KPI's name for the configured working hours (4: ``ANSWERED``)."""
    return f"{ANSWERED_PREFIX} {hours:g} Working Hours (%)"

Month = tuple[int, int]


@dataclass(frozen=True)
class LaunchFacts:
    """What the KPIs need of one launch, its ⚙ cells already read (datetimes aware)."""

    launch_id: str
    launch_date: date | None
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    response_hours: float | None = None
    ack_due: datetime | None = None
    state: str = ""
    ack_hours: float | None = None  # the partner's Ack Hours; None: not on the Partners tab
    reports: tuple[str, ...] = ()  # what partners reported on it (Partner Problems)


@dataclass(frozen=True)
class KpiLine:
    period: str  # "2026-11", or "3 months to 2026-11"
    kpi: str
    breakdown: str
    value: float | None
    basis: str  # the counts behind the value, or why it is blank
    target: float | None = None
    met: str = ""  # "met", "missed", or "" when there is no value or no target


def month_of(d: date) -> Month:
    return d.year, d.month


def label(m: Month) -> str:
    return f"{m[0]}-{m[1]:02d}"


def months_back(today: date, count: int) -> list[Month]:
    """``count`` months ending with ``today``'s, oldest first."""
    y, m = month_of(today)
    out = []
    for _ in range(count):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(part / whole * 100, 1)


def judge(
    kpi: str, value: float | None, targets: TargetsConfig, own: float | None = None
) -> tuple[float | None, str]:
    """(target, "met"/"missed"/"") of a KPI value; ``own``: a target of its own, instead of
    the one from ``[targets]``."""
    spec = TARGETS.get(ANSWERED if kpi.startswith(ANSWERED_PREFIX) else kpi)
    if spec is None:
        return None, ""
    target = float(getattr(targets, spec[0])) if own is None else own
    if value is None:
        return target, ""
    ok = value >= target if spec[1] else value <= target
    return target, "met" if ok else "missed"


# ---- the measures, each over a set of months ---------------------------------------


Row = tuple[str, str, float | None, str]  # kpi, breakdown, value, basis


def yield_variance(lines: Iterable[YieldLine], months: frozenset[Month]) -> list[Row]:
    """All castings, then alloy x method sorted: 48 g finished of 50 g theoretical -> 96.0."""
    used = [ln for ln in lines
            if ln.day is not None and month_of(ln.day) in months
            and ln.theoretical and ln.yield_variance_pct is not None]
    groups: dict[str, list[YieldLine]] = {}
    for ln in used:
        groups.setdefault(f"{ln.alloy} · {ln.method or 'no method'}", []).append(ln)
    rows: list[Row] = []
    for name, group in [("All", used), *sorted(groups.items(), key=lambda kv: kv[0].casefold())]:
        finished = sum(ln.finished for ln in group)
        theoretical = sum(ln.theoretical or 0.0 for ln in group)
        basis = (f"{finished:.2f} g finished of {theoretical:.2f} g theoretical, "
                 f"{len(group)} casting{'s' if len(group) != 1 else ''}" if group
                 else "no casting with a wax weight closed")
        rows.append((YVR, name, pct(finished, theoretical), basis))
    return rows


def first_time_right(
    orders: Iterable[Order], progress: Iterable[ProgressEntry], months: frozenset[Month]
) -> Row:
    reworked = {" ".join(p.order_ref.split()).casefold() for p in progress
                if p.status.strip().casefold() == "rework"}
    done = [o for o in orders if o.delivered is not None and month_of(o.delivered) in months]
    right = [o for o in done if " ".join(o.ref.split()).casefold() not in reworked]
    basis = (f"{len(right)} of {len(done)} delivered orders without rework" if done
             else "no order delivered")
    return FTRR, "", pct(len(right), len(done)), basis


def delivery_adherence(
    orders: Iterable[Order], today: date, months: frozenset[Month]
) -> tuple[Row, Row]:
    """CDPA over orders promised in ``months`` whose outcome is known; client-delayed
    orders apart (their count is the second row)."""
    known = [o for o in orders
             if o.promised is not None and month_of(o.promised) in months
             and (o.delivered is not None or o.promised < today)]
    delayed = [o for o in known if o.client_delay_days > 0]
    own = [o for o in known if o.client_delay_days <= 0]
    kept = [o for o in own
            if o.delivered is not None and o.promised is not None and o.delivered <= o.promised]
    basis = (f"{len(kept)} of {len(own)} promised orders on time"
             + (f"; {len(delayed)} client-delayed left out" if delayed else "")
             if own else "no promised date reached")
    apart = (CLIENT_DELAYS, "", float(len(delayed)) if known else None,
             "left out of adherence" if known else "no promised date reached")
    return (CDPA, "", pct(len(kept), len(own)), basis), apart


def ack_target(launches: Iterable[LaunchFacts], months: frozenset[Month], default: float) -> float | None:
    """The Ack Hours the acknowledged launches sent in ``months`` were given, averaged
    (24 h partners and a 12 h one: 20 h); None without any."""
    given = [f.ack_hours if f.ack_hours is not None else default for f in launches
             if f.sent_at is not None and month_of(f.sent_at.date()) in months
             and f.response_hours is not None]
    return round(sum(given) / len(given), 1) if given else None


def communication(
    launches: Iterable[LaunchFacts], now: datetime, months: frozenset[Month]
) -> list[Row]:
    launches = list(launches)
    sent = [f for f in launches if f.sent_at is not None and month_of(f.sent_at.date()) in months]
    hours = [f.response_hours for f in sent if f.response_hours is not None]
    avg = round(sum(hours) / len(hours), 1) if hours else None
    judged = [f for f in sent if f.acknowledged_at is not None
              or (f.ack_due is not None and f.ack_due <= now)]
    on_time = [f for f in judged if f.acknowledged_at is not None and f.ack_due is not None
               and f.acknowledged_at <= f.ack_due]
    dated = [f for f in launches if f.launch_date is not None and month_of(f.launch_date) in months]
    blocked = [f for f in dated if f.state.strip().casefold() == BLOCKED.casefold()]
    spec = [f for f in sent
            if any(r.strip().casefold().startswith(SPEC_PREFIX) for r in f.reports)]
    return [
        (ACK_HOURS, "", avg,
         f"{len(hours)} acknowledged launch{'es' if len(hours) != 1 else ''}" if hours
         else "no launch sent and acknowledged"),
        (ACK_ON_TIME, "", pct(len(on_time), len(judged)),
         f"{len(on_time)} of {len(judged)} within the partner's Ack Hours" if judged
         else "no acknowledgement due yet"),
        (LAUNCHES_BLOCKED, "", float(len(blocked)) if dated else None,
         f"of {len(dated)} launch{'es' if len(dated) != 1 else ''} dated" if dated
         else "no launch dated"),
        (SPEC_ERRORS, "", pct(len(spec), len(sent)),
         f"{len(spec)} of {len(sent)} sent launches with a spec: problem" if sent
         else "no launch sent"),
    ]


def answered(
    problems: Iterable[Answered], months: frozenset[Month], hours: float
) -> Row:
    """Reports of ``months`` decided within ``hours`` working hours ÷ those judged."""
    mine = [a for a in problems if month_of(a.reported_at.date()) in months]
    within, judged = answered_within(mine, hours)
    basis = (f"{within} of {judged} reported problems decided within {hours:g} working h"
             + (f"; {len(mine) - judged} still within them" if len(mine) > judged else "")
             if judged else "no reported problem decided or past its working hours")
    return answered_kpi(hours), "", pct(within, judged), basis


# ---- the tab ------------------------------------------------------------------------


def _first_month(
    yields: Iterable[YieldLine], orders: Iterable[Order], launches: Iterable[LaunchFacts],
    today: date, reports: Iterable[Answered] = (),
) -> Month | None:
    days: list[date] = [ln.day for ln in yields if ln.day is not None]
    days += [a.reported_at.date() for a in reports]
    for o in orders:
        days += [d for d in (o.delivered, o.promised) if d is not None]
    for f in launches:
        days += [d for d in (f.launch_date, f.sent_at.date() if f.sent_at else None) if d]
    days = [d for d in days if d <= today]
    return month_of(min(days)) if days else None


def kpi_table(
    yields: list[YieldLine],
    orders: list[Order],
    progress: list[ProgressEntry],
    launches: list[LaunchFacts],
    targets: TargetsConfig,
    today: date,
    now: datetime,
    reports: Sequence[Answered] = (),
    decision_hours: float = 4.0,
) -> tuple[list[KpiLine], list[Problem]]:
    """The last 3 months pooled first, then each month newest first, from the first month
    with any data (at most ``MONTHS`` back) to ``today``'s."""
    first = _first_month(yields, orders, launches, today, reports)
    months = [m for m in months_back(today, MONTHS) if first is not None and m >= first]
    recent = months_back(today, ROLLING)
    periods: list[tuple[str, frozenset[Month]]] = [
        (f"{ROLLING} months to {label(recent[-1])}", frozenset(recent)),
        *[(label(m), frozenset({m})) for m in reversed(months)],
    ]
    lines: list[KpiLine] = []
    problems: list[Problem] = []
    measures: list[Callable[[frozenset[Month]], list[Row]]] = [
        lambda ms: yield_variance(yields, ms),
        lambda ms: [first_time_right(orders, progress, ms)],
        lambda ms: list(delivery_adherence(orders, today, ms)),
        lambda ms: _with_answered(communication(launches, now, ms),
                                  answered(reports, ms, decision_hours)),
    ]
    for period, ms in periods:
        blank: list[str] = []
        for measure in measures:
            for kpi, breakdown, value, basis in measure(ms):
                own = ack_target(launches, ms, targets.ack_hours) if kpi == ACK_HOURS else None
                target, met = judge(kpi, value, targets, own)
                lines.append(KpiLine(period, kpi, breakdown, value, basis, target, met))
                # a month without a reported problem is good news, not missing data
                if (value is None and breakdown in ("", "All")
                        and not kpi.startswith(ANSWERED_PREFIX)):
                    blank.append(f"{kpi} ({basis})")
        if blank:
            problems.append(Problem(TAB, period, "Value", WARNING,
                f"KPIs ({period}), column Value: left blank for lack of data: "
                + "; ".join(blank) + "."))
    return lines, problems


def _with_answered(rows: list[Row], row: Row) -> list[Row]:
    """The partner communication rows with the problems answered in its place (after
    on-time acknowledgement)."""
    at = next((i + 1 for i, r in enumerate(rows) if r[0] == ACK_ON_TIME), len(rows))
    return [*rows[:at], row, *rows[at:]]


# ---- the trends behind the KPIs charts ------------------------------------------------

ALL_ALLOYS = "All"


@dataclass(frozen=True)
class TrendRow:
    """One month of the KPI Trends tab: ``alloy`` is "All" (every measure) or an alloy
    code (its YVR only). Values are percentages, None where the month has no data."""

    month: str
    alloy: str
    yvr: float | None
    yvr_target: float | None
    cdpa: float | None = None
    cdpa_target: float | None = None
    ack: float | None = None
    ack_target: float | None = None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def trend_table(
    yields: list[YieldLine],
    orders: list[Order],
    launches: list[LaunchFacts],
    alloys: list[str],
    targets: TargetsConfig,
    today: date,
    now: datetime,
    reports: Sequence[Answered] = (),
) -> list[TrendRow]:
    """Months oldest first, from the first month with any data (at most ``MONTHS`` back)
    to ``today``'s: one block for all alloys, then one block per alloy with a YVR in the
    window, in ``alloys`` order (the Alloys tab), alloys not listed there after, sorted.
    Every block has the same months, so a chart shares one month axis across them."""
    first = _first_month(yields, orders, launches, today, reports)
    months = [m for m in months_back(today, MONTHS) if first is not None and m >= first]
    yvr_target = float(targets.yield_variance_pct)
    rows: list[TrendRow] = []
    for m in months:
        ms = frozenset({m})
        cdpa = delivery_adherence(orders, today, ms)[0][2]
        ack = next(r[2] for r in communication(launches, now, ms) if r[0] == ACK_ON_TIME)
        rows.append(TrendRow(label(m), ALL_ALLOYS, yield_variance(yields, ms)[0][2],
                             yvr_target, cdpa, float(targets.delivery_adherence_pct),
                             ack, float(targets.on_time_ack_pct)))
    by_alloy: dict[str, list[YieldLine]] = {}
    for ln in yields:
        by_alloy.setdefault(_fold(ln.alloy), []).append(ln)
    listed = {_fold(a) for a in alloys}
    extra = sorted({ln.alloy.strip() for ln in yields
                    if ln.alloy.strip() and _fold(ln.alloy) not in listed}, key=str.casefold)
    for alloy in [*alloys, *extra]:
        lines = by_alloy.pop(_fold(alloy), [])  # pop: an alloy listed twice draws once
        values = [yield_variance(lines, frozenset({m}))[0][2] for m in months]
        if any(v is not None for v in values):
            rows += [TrendRow(label(m), alloy.strip(), v, yvr_target)
                     for m, v in zip(months, values, strict=True)]
    return rows
