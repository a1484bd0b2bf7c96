"""More rules at their edges, each with the numbers that tell one reading from another:
numbers that are not clear, a backward jump over a holiday, half an hour of Ack Hours,
a launch's gaps word for word, jobs on the Metal Log that are not yields, grams to the
milligram, and the emails and stock lines that need the configured rules and today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.cells import parse_number
from sheets_sync.domain import notices as dn
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.launches import ack_due, missing_for_launch
from sheets_sync.domain.metal import compute_yields
from sheets_sync.domain.model import Alloy, Approval, Client, Launch, MetalEntry, Order, Partner, Price
from sheets_sync.domain.stock import metal_stock
from sheets_sync.errors import CellError

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("text", ["1,2.3,4", "1,23,456", "1.23.456"])
def test_numbers_with_misplaced_separators_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_number(text)


def test_a_backward_jump_counts_a_holiday_on_the_day_it_lands() -> None:
    # Friday 8 May (Victory in Europe Day) and Friday 29 May off, Monday to Friday
    cal = make_calendar(holidays=[date(2026, 5, 8), date(2026, 5, 29)])
    d, left = date(2026, 5, 29), 20
    while left:
        d -= timedelta(days=1)
        left -= cal.is_workday(d)
    assert cal.add_workdays(date(2026, 5, 29), -20) == d == date(2026, 4, 30)


def test_half_an_hour_of_ack_hours_is_kept() -> None:
    cal = make_calendar()
    quick = Partner("P-1", "Atelier", "Setter", row=2, ack_hours=0.5)
    launch = Launch("L-1", "A-1", "P-1", "Set", date(2026, 5, 4), row=2)
    assert ack_due(launch, quick, cal) == datetime(2026, 5, 4, 9, 30, tzinfo=PARIS)


def test_a_launch_sheet_gaps_word_for_word() -> None:
    launch = Launch("L-1", "A-1", "P-1", "Set", date(2026, 5, 4), row=2, due=date(2026, 5, 8))
    assert missing_for_launch(None, launch, order_errors=("Alloy", "Promised Date")) == [
        "a valid order (A-1 has errors in Alloy, Promised Date)"
    ]
    unreferenced = Launch("L-2", "", "P-1", "Set", date(2026, 5, 4), row=3)
    assert missing_for_launch(None, unreferenced) == ["the order (no Order Ref is not on the Orders tab)"]
    order = Order(
        "A-1", 2, alloy="18KY", size="52", quantity=1, target_weight=0, cad_file="https://c.example/a"
    )
    assert missing_for_launch(order, launch) == ["target weight"]
    light = Order(
        "A-1", 2, alloy="18KY", size="52", quantity=1, target_weight=0.5, cad_file="https://c.example/a"
    )
    assert missing_for_launch(light, launch) == []


ALLOYS = [Alloy("18KY", "Au", 750, 15.5, row=2)]
PRICES = [Price("Au", 2400.0, date(2026, 11, 2), row=2)]
TODAY = date(2026, 11, 20)


def e(
    day: int, kind: str, grams: float, row: int, ref: str | None, alloy: str = "18KY", **kw: str
) -> MetalEntry:
    return MetalEntry(date(2026, 11, day), kind, alloy, grams, row, ref=ref, **kw)  # type: ignore[arg-type]


def test_only_issue_return_and_scrap_rows_with_a_reference_make_a_job() -> None:
    log = [e(2, "Purchase", 50, 2, "BATCH-1"), e(3, "Issue", 5, 3, None), e(4, "Refine Out", 3, 4, "R-1")]
    assert compute_yields(log, [], ALLOYS, PRICES, TODAY) == ([], [])


def test_jobs_with_no_issue_or_no_finished_weight_and_the_alloy_as_the_alloys_tab_spells_it() -> None:
    orders = [Order("C-1", 2, route="Casting", wax_weight=2.0, delivered=date(2026, 11, 18))]
    log = [
        e(3, "Return", 4, 2, "B-1", alloy="18ky"),  # back without an issue: no loss %
        e(3, "Issue", 10, 3, "C-1"),
        e(4, "Scrap", 9.5, 4, "C-1"),
    ]  # nothing finished: no YVR
    lines, _ = compute_yields(log, orders, ALLOYS, PRICES, TODAY)
    assert [
        (ln.ref, ln.alloy, ln.loss_g, ln.loss_pct, ln.theoretical, ln.yield_variance_pct) for ln in lines
    ] == [("B-1", "18KY", -4, None, None, None), ("C-1", "18KY", 0.5, 5.0, 31.0, None)]


def test_grams_are_kept_to_the_milligram() -> None:
    orders = [
        Order("C-1", 2, route="Casting", wax_weight=0.7891, delivered=date(2026, 11, 18)),
        Order("C-2", 3, route="Casting", wax_weight=1),
    ]
    log = [
        e(3, "Issue", 12.3456, 2, "C-1"),
        e(4, "Return", 10.1234, 3, "C-1"),
        e(4, "Scrap", 1.0001, 4, "C-1"),
        e(5, "Issue", 3.14159, 5, "C-2"),
        e(6, "Return", 1, 6, "C-2"),
    ]
    c1, c2 = compute_yields(log, orders, ALLOYS, PRICES, TODAY)[0]
    assert (c1.issued, c1.finished, c1.scrap, c1.loss_g, c1.theoretical, c1.fine_lost_g) == (
        12.346,
        10.123,
        1.0,
        1.222,
        12.231,
        0.917,
    )
    assert c2.outstanding_g == 2.142


def test_all_due_passes_the_configured_rules_and_the_day_first_seen() -> None:
    cal = make_calendar()
    rules = dn.Rules("boss@example.com", approval_reminder_days=1)
    partner = Partner("P-1", "Atelier", "Setter", row=2, email="a@example.com")
    launch = dn.LaunchFacts(
        Launch("L-1", "A-1", "P-1", "Set", date(2026, 3, 2), row=2),
        None,
        partner,
        "Sent",
        sent_at=datetime(2026, 3, 2, 9, 0, tzinfo=PARIS),
    )
    client = Client("C-1", "Ada", row=2, email="ada@example.com")
    asked = dn.ApprovalFacts(
        Approval("AP-1", "A-1", "Wax", 2),
        None,
        client,
        "Pending",
        sent_at=datetime(2026, 3, 2, 10, 0, tzinfo=PARIS),
    )
    fresh = dn.ApprovalFacts(Approval("AP-2", "A-1", "Wax", 3), None, client, "Pending")
    got = dn.all_due(
        [launch],
        [(asked, date(2026, 3, 2)), (fresh, date(2026, 3, 3))],
        cal,
        datetime.combine(date(2026, 3, 5), time(10), tzinfo=PARIS),
        rules,
    )
    assert [(n.kind, n.ref, n.recipient, n.due.strftime("%d %H:%M")) for n in got] == [
        ("ack_reminder", "L-1", "a@example.com", "03 09:00"),
        ("escalation", "L-1", "boss@example.com", "04 09:00"),
        ("approval_reminder", "AP-1", "ada@example.com", "03 10:00"),
        ("approval_request", "AP-2", "ada@example.com", "03 09:00"),
    ]


def test_stock_lines_take_today_the_alloys_tab_spelling_and_every_flag() -> None:
    partners = [Partner("P-1", "Polissage", "Polisher", row=2)]
    orders = [Order("C-1", 2, delivered=date(2026, 11, 20)), Order("C-2", 3, delivered=date(2026, 11, 21))]
    log = [
        e(2, "Purchase", 1, 2, None, alloy="18ky"),
        e(3, "Issue", 5, 3, "C-1", alloy="18ky", counterparty="P-1"),
        e(4, "Return", 4.5, 4, "C-1", alloy="18ky", counterparty="P-1"),
        e(5, "Issue", 0.3, 5, "C-2", alloy="18ky", counterparty="P-1"),
        e(6, "Count", 7, 6, None, alloy="18ky"),
    ]
    lines, _ = metal_stock(log, ALLOYS, PRICES, orders, partners, TODAY, 0.5)
    safe, held = lines
    # 1 - 5 + 4.5 - 0.3 = 0.2 g, and C-1's 4.5 g left with its delivery today: -4.3 g
    assert (safe.alloy, safe.grams) == ("18KY", -4.3)
    assert safe.flag == (
        "book below zero (-4.30 g): a purchase or return is missing; count off by +6.80 g (tolerance 0.5 g)"
    )
    # C-2 is delivered tomorrow: its 0.3 g are still at the polisher today
    assert (held.held_by, held.alloy, held.grams, held.flag) == ("P-1", "18KY", 0.3, "")


def test_last_edges_of_kpis_yields_stock_today_and_planning() -> None:
    from sheets_sync.config import TargetsConfig
    from sheets_sync.domain import today as dt
    from sheets_sync.domain.kpis import first_time_right, kpi_table, trend_table
    from sheets_sync.domain.metal import YieldLine
    from sheets_sync.domain.model import ProgressEntry
    from sheets_sync.domain.notices import LaunchFacts
    from sheets_sync.domain.partner_problems import Answered
    from sheets_sync.domain.planning import _names

    nov = frozenset({(2026, 11)})
    done = [Order(r, i, delivered=date(2026, 11, 3)) for i, r in enumerate(("A", "B", "C"), start=2)]
    rework = [ProgressEntry("A", "Polish", "Rework", date(2026, 11, 2), row=2)]
    assert first_time_right(done, rework, nov)[2] == 66.7  # B and C have no Progress row at all

    now = datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)
    september = [Answered(datetime(2026, 9, 30, 17, 0, tzinfo=PARIS), 1.0, 1.0)]
    lines, _ = kpi_table([], done, [], [], TargetsConfig(), TODAY, now, september)
    assert sorted({ln.period for ln in lines})[:3] == ["2026-09", "2026-10", "2026-11"]

    def yl(alloy: str) -> YieldLine:
        return YieldLine(
            "C", alloy, "Vacuum", 10, 9, 0.5, 0.5, 5.0, 9.5, 94.74, 0.4, 30.0, "USD", "", date(2026, 11, 3)
        )

    rows = trend_table([yl("Pt950"), yl("pd500")], [], [], [], TargetsConfig(), TODAY, now, september)
    assert [r.alloy for r in rows if r.month == "2026-11"] == ["All", "pd500", "Pt950"]

    orders = [Order("C-1", 2, route="Casting", wax_weight=0.1234, delivered=date(2026, 11, 18))]
    log = [e(3, "Issue", 2, 2, "C-1"), e(4, "Return", 1.9, 3, "C-1")]
    assert compute_yields(log, orders, ALLOYS, PRICES, TODAY)[0][0].theoretical == 1.913  # 1.9127 g

    partners = [Partner("P-1", "Polissage", "Polisher", row=2)]
    alloys = [*ALLOYS, Alloy("14KY", "Au", 585, 13.07, row=3)]
    stock_log = [
        e(2, "Purchase", 10, 2, None),
        e(3, "Issue", 5, 3, "C-1"),
        e(4, "Return", 4, 4, "C-1"),
        e(12, "Count", 6, 5, None),  # after C-1 left with its delivery on 10/11: 10 - 5 + 4 - 4
        e(5, "Issue", 1, 6, "B-1", counterparty="P-1"),
        e(5, "Issue", 2, 7, "B-2", alloy="14KY", counterparty="P-1"),
    ]
    stock, _ = metal_stock(
        stock_log, alloys, PRICES, [Order("C-1", 2, delivered=date(2026, 11, 10))], partners, TODAY, 0.5
    )
    assert (stock[0].count_g, stock[0].variance_g) == (6, 2.0)
    assert [(s.held_by, s.alloy, s.grams) for s in stock[2:]] == [("P-1", "14KY", 2.0), ("P-1", "18KY", 1.0)]

    cal = make_calendar()
    doubt = dt.EmailDoubt(
        "x",
        "failed",
        "digest",
        "2026-05-06",
        "a@example.com",
        "Digest",
        datetime(2026, 5, 6, 0, 36, tzinfo=PARIS),
    )
    assert dt.email_actions([doubt], datetime(2026, 5, 6, 11, 0, tzinfo=PARIS))[0].waiting == "10 h"
    quick = Partner("P-1", "Atelier", "Setter", row=2, ack_hours=12)
    facts = LaunchFacts(
        Launch("L-1", "A-1", "P-1", "Set", date(2026, 5, 4), row=2),
        None,
        quick,
        "Overdue",
        sent_at=datetime(2026, 5, 4, 9, 0, tzinfo=PARIS),
    )
    (a,) = dt.launch_actions([(facts, "")], cal, datetime(2026, 5, 6, 11, 0, tzinfo=PARIS))
    assert a.what.endswith("due 04/05/2026 21:00 (overdue)")

    assert _names("Wax", "Final wax")


def test_the_trend_starts_with_the_month_of_the_first_report_and_a_sent_launch_keeps_its_partner_hours() -> (
    None
):
    from sheets_sync.config import TargetsConfig
    from sheets_sync.domain import today as dt
    from sheets_sync.domain.kpis import trend_table
    from sheets_sync.domain.notices import LaunchFacts
    from sheets_sync.domain.partner_problems import Answered

    now = datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)
    september = [Answered(datetime(2026, 9, 30, 17, 0, tzinfo=PARIS), 1.0, 1.0)]
    orders = [Order("A", 2, promised=date(2026, 11, 3), delivered=date(2026, 11, 3))]
    rows = trend_table([], orders, [], [], TargetsConfig(), TODAY, now, september)
    assert [r.month for r in rows] == ["2026-09", "2026-10", "2026-11"]
    quick = Partner("P-1", "Atelier", "Setter", row=2, ack_hours=12)
    facts = LaunchFacts(
        Launch("L-1", "A-1", "P-1", "Set", date(2026, 5, 6), row=2),
        None,
        quick,
        "Sent",
        sent_at=datetime(2026, 5, 6, 9, 0, tzinfo=PARIS),
    )
    (a,) = dt.launch_actions([(facts, "")], make_calendar(), datetime(2026, 5, 6, 11, 0, tzinfo=PARIS))
    assert a.what.endswith("awaits acknowledgement, due 06/05/2026 21:00")
