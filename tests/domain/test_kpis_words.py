"""KPI rows word for word at their edges (October 2026, judged on Friday 20 November 2026
at 10:00 in Paris): what each measure says with nothing to measure, with one item and with
two, the boundaries of a promise, of an acknowledgement and of a decision, and the blank
values said once per period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.config import TargetsConfig
from sheets_sync.domain.kpis import (
    ACK_HOURS,
    ACK_ON_TIME,
    ANSWERED,
    CDPA,
    CLIENT_DELAYS,
    FTRR,
    LAUNCHES_BLOCKED,
    SPEC_ERRORS,
    YVR,
    LaunchFacts,
    _first_month,
    ack_target,
    answered,
    answered_kpi,
    communication,
    delivery_adherence,
    first_time_right,
    kpi_table,
    yield_variance,
)
from sheets_sync.domain.metal import YieldLine
from sheets_sync.domain.model import Order, ProgressEntry
from sheets_sync.domain.partner_problems import Answered
from sheets_sync.domain.problems import WARNING, Problem

TZ = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
OCT = frozenset({(2026, 10)})
NOV = frozenset({(2026, 11)})


def oct_(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=TZ)


def test_with_nothing_to_measure_each_measure_says_why_it_is_blank() -> None:
    assert yield_variance([], OCT) == [(YVR, "All", None, "no casting with a wax weight closed")]
    assert first_time_right([], [], OCT) == (FTRR, "", None, "no order delivered")
    assert delivery_adherence([], TODAY, OCT) == (
        (CDPA, "", None, "no promised date reached"),
        (CLIENT_DELAYS, "", None, "no promised date reached"),
    )
    assert communication([], NOW, OCT) == [
        (ACK_HOURS, "", None, "no launch sent and acknowledged"),
        (ACK_ON_TIME, "", None, "no acknowledgement due yet"),
        (LAUNCHES_BLOCKED, "", None, "no launch dated"),
        (SPEC_ERRORS, "", None, "no launch sent"),
    ]
    assert answered([], OCT, 4.0) == (
        ANSWERED,
        "",
        None,
        "no reported problem decided or past its working hours",
    )
    assert ack_target([], OCT, 24.0) is None


def line(
    ref: str,
    alloy: str,
    method: str,
    finished: float,
    theoretical: float | None,
    day: date | None = date(2026, 10, 9),
) -> YieldLine:
    yvr = None if not theoretical else finished / theoretical * 100
    return YieldLine(ref, alloy, method, 50, finished, 4, 1, 2.0, theoretical, yvr, 0.7, 50.0, "USD", "", day)


def test_yield_variance_groups_alloy_and_method_in_name_order() -> None:
    lines = [
        line("C-1", "18KY", "Vacuum", 45, 46.5),
        line("C-2", "18KY", "centrifugal", 24.5, 26.14),
        line("C-3", "18KY", "", 10, 10.5),
        line("C-4", "18KY", "Vacuum", 9, None),
        line("C-5", "18KY", "Vacuum", 9, 10, day=date(2026, 11, 2)),
    ]
    assert yield_variance(lines, OCT) == [
        (YVR, "All", 95.6, "79.50 g finished of 83.14 g theoretical, 3 castings"),
        (YVR, "18KY · centrifugal", 93.7, "24.50 g finished of 26.14 g theoretical, 1 casting"),
        (YVR, "18KY · no method", 95.2, "10.00 g finished of 10.50 g theoretical, 1 casting"),
        (YVR, "18KY · Vacuum", 96.8, "45.00 g finished of 46.50 g theoretical, 1 casting"),
    ]


def test_first_time_right_reads_rework_whatever_its_case_and_the_ref_spacing() -> None:
    orders = [
        Order("JW 2301", 2, delivered=date(2026, 10, 5)),
        Order("JW-2302", 3, delivered=date(2026, 10, 6)),
        Order("JW-2303", 4, delivered=date(2026, 11, 6)),
    ]
    progress = [
        ProgressEntry("jw  2301", "Polish", " rework ", date(2026, 10, 2), row=2),
        ProgressEntry("JW-2302", "Polish", "Done", date(2026, 10, 3), row=3),
    ]
    assert first_time_right(orders, progress, OCT) == (
        FTRR,
        "",
        50.0,
        "1 of 2 delivered orders without rework",
    )


def test_a_promise_is_judged_once_its_day_is_past_and_kept_on_the_day() -> None:
    orders = [
        Order("A", 2, promised=date(2026, 11, 20)),  # promised today, not delivered: not known yet
        Order("B", 3, promised=date(2026, 11, 10), delivered=date(2026, 11, 10)),  # on the day: kept
        Order("C", 4, promised=date(2026, 11, 12), delivered=date(2026, 11, 13)),  # a day late
        Order("D", 5, promised=date(2026, 11, 3), delivered=date(2026, 11, 9), client_delay_days=1),
        Order("E", 6, promised=date(2026, 11, 4), client_delay_days=0),  # past, undelivered: late
    ]
    assert delivery_adherence(orders, TODAY, NOV) == (
        (CDPA, "", 33.3, "1 of 3 promised orders on time; 1 client-delayed left out"),
        (CLIENT_DELAYS, "", 1.0, "left out of adherence"),
    )
    assert delivery_adherence(orders[1:2], TODAY, NOV) == (
        (CDPA, "", 100.0, "1 of 1 promised orders on time"),
        (CLIENT_DELAYS, "", 0.0, "left out of adherence"),
    )
    only_delayed = delivery_adherence(orders[3:4], TODAY, NOV)
    assert only_delayed == (
        (CDPA, "", None, "no promised date reached"),
        (CLIENT_DELAYS, "", 1.0, "left out of adherence"),
    )


def facts(
    lid: str,
    *,
    sent: datetime | None = None,
    acked: datetime | None = None,
    hours: float | None = None,
    due: datetime | None = None,
    state: str = "",
    ack_hours: float | None = None,
    reports: tuple[str, ...] = (),
    day: date | None = date(2026, 10, 5),
) -> LaunchFacts:
    return LaunchFacts(lid, day, sent, acked, hours, due, state, ack_hours, reports)


def test_an_acknowledgement_on_its_due_moment_is_on_time_and_a_due_moment_reached_is_judged() -> None:
    launches = [
        facts("L-1", sent=oct_(5), acked=oct_(6), hours=24.0, due=oct_(6), ack_hours=24.0),
        facts("L-2", sent=oct_(7), due=NOW, state=" blocked: INCOMPLETE sheet "),
        facts(
            "L-3",
            sent=oct_(8),
            acked=oct_(8, 10),
            hours=1.3,
            due=oct_(8, 21),
            ack_hours=12.0,
            reports=(" SPEC: ring size 52 not 54",),
        ),
        facts("L-4", day=date(2026, 11, 2)),
    ]
    assert communication(launches, NOW, OCT) == [
        (ACK_HOURS, "", 12.7, "2 acknowledged launches"),  # (24 + 1.3) / 2 = 12.65
        (ACK_ON_TIME, "", 66.7, "2 of 3 within the partner's Ack Hours"),
        (LAUNCHES_BLOCKED, "", 1.0, "of 3 launches dated"),
        (SPEC_ERRORS, "", 33.3, "1 of 3 sent launches with a spec: problem"),
    ]
    assert communication(launches[:1], NOW, OCT) == [
        (ACK_HOURS, "", 24.0, "1 acknowledged launch"),
        (ACK_ON_TIME, "", 100.0, "1 of 1 within the partner's Ack Hours"),
        (LAUNCHES_BLOCKED, "", 0.0, "of 1 launch dated"),
        (SPEC_ERRORS, "", 0.0, "0 of 1 sent launches with a spec: problem"),
    ]
    # the partners' own Ack Hours, and the default for one not on the Partners tab: 24, 12, 13
    given = [*launches, facts("L-5", sent=oct_(9), acked=oct_(9, 12), hours=3.0)]
    assert ack_target(given, OCT, 13.0) == 16.3


def test_problems_answered_within_the_configured_hours() -> None:
    reports = [
        Answered(oct_(5), 1.5, 1.5),
        Answered(oct_(6), 2.5, 2.5),
        Answered(oct_(7), None, 1.0),
        Answered(oct_(8), None, 3.0),
    ]
    assert answered(reports, OCT, 2.0) == (
        answered_kpi(2.0),
        "",
        33.3,
        "1 of 3 reported problems decided within 2 working h; 1 still within them",
    )
    assert answered(reports[:2], OCT, 2.0)[3] == "1 of 2 reported problems decided within 2 working h"


def test_the_first_month_with_data_comes_from_every_source_up_to_today() -> None:
    report = Answered(datetime(2026, 9, 30, 17, 0, tzinfo=TZ), None, 1.0)
    assert _first_month([], [Order("A", 2, promised=date(2026, 10, 1))], [], TODAY, [report]) == (2026, 9)
    assert _first_month([], [], [facts("L-1", sent=oct_(2), day=None)], TODAY) == (2026, 10)
    assert _first_month(
        [], [Order("A", 2, promised=date(2026, 10, 3))], [facts("L-1", day=date(2026, 11, 2))], TODAY
    ) == (2026, 10)
    assert _first_month([], [Order("A", 2, promised=TODAY)], [], TODAY) == (2026, 11)
    assert _first_month([], [Order("A", 2, promised=date(2026, 11, 21))], [], TODAY) is None


def test_blank_values_are_said_once_per_period_in_words() -> None:
    orders = [Order("A", 2, promised=date(2026, 11, 3), delivered=date(2026, 11, 3))]
    lines, problems = kpi_table([], orders, [], [], TargetsConfig(), TODAY, NOW)
    assert [ln.period for ln in lines][::9] == ["3 months to 2026-11", "2026-11"] and len(lines) == 18
    cdpa = next(ln for ln in lines if ln.kpi == CDPA)
    assert (cdpa.value, cdpa.target, cdpa.met) == (100.0, 90.0, "met")
    assert problems[0] == Problem(
        "KPIs",
        "3 months to 2026-11",
        "Value",
        WARNING,
        "KPIs (3 months to 2026-11), column Value: left blank for lack of data: Yield Variance Rate (%) (no "
        "casting with a wax weight closed); Average Acknowledgement (h) (no launch sent and acknowledged); "
        "On-Time Acknowledgement (%) (no acknowledgement due yet); Launches Blocked (launches) (no launch "
        "dated); Specification Errors (%) (no launch sent).",
    )
    ack = next(ln for ln in lines if ln.kpi == ACK_HOURS)
    assert (ack.target, ack.met) == (24.0, "")  # [targets] ack_hours, no value to judge
    # a 12 h partner acknowledged in 10 h: judged against its own 12 h
    quick = [
        facts(
            "L-1",
            sent=datetime(2026, 11, 5, 9, tzinfo=TZ),
            acked=datetime(2026, 11, 5, 19, tzinfo=TZ),
            hours=10.0,
            due=datetime(2026, 11, 5, 21, tzinfo=TZ),
            ack_hours=12.0,
            day=date(2026, 11, 5),
        )
    ]
    lines, _ = kpi_table([], orders, [], quick, TargetsConfig(), TODAY, NOW)
    ack = next(ln for ln in lines if ln.kpi == ACK_HOURS)
    assert (ack.value, ack.target, ack.met) == (10.0, 12.0, "met")
