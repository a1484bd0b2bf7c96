"""The Metal Stock tab in full on a harder week (20 November 2026, tolerance 0.5 g): silver
with no spot price, alloys the Alloys tab does not know, a book below zero, a partner
who returned more than was issued, rows left out (dated later, 0 g), a count of 0 g,
a delivered piece leaving the book, a batch settled by its scrap."""

from __future__ import annotations

from datetime import date

from sheets_sync.domain.model import Alloy, MetalEntry, Order, Partner, Price
from sheets_sync.domain.problems import ERROR, WARNING, Problem
from sheets_sync.domain.stock import (
    SAFE,
    StockLine,
    delivered_returns,
    metal_stock,
    outstanding,
    recycled_share,
    usable,
)

TODAY = date(2026, 11, 20)


def entry(day: int, kind: str, alloy: str, grams: float, row: int, **kw: str) -> MetalEntry:
    return MetalEntry(date(2026, 11, day), kind, alloy, grams, row, **kw)  # type: ignore[arg-type]


LOG = [
    entry(2, "Purchase", "925", 20.004, 2),
    entry(3, "Issue", "925", 30, 3, ref="C-7", counterparty="p-pol"),
    entry(4, "Return", "925", 31.5, 4, ref="C-7", counterparty="P-POL"),
    entry(5, "Issue", " pd500 ", 5, 5, ref="C-8", counterparty=" atelier x "),
    entry(6, "Purchase", "Pt950", 0.5, 6, origin="Recycled"),
    entry(25, "Purchase", "925", 5, 7, ref="BATCH-1"),  # dated after today
    entry(7, "Purchase", "925", 0, 8, ref="BATCH-2"),
    entry(7, "Scrap", "925", -2, 9, ref="C-7"),  # said by the yields
    entry(7, "Return", "925", 0, 10),
    entry(8, "Count", "925", 21.4567, 11),
    entry(9, "Issue", "925", 10, 12, ref="C-9", counterparty="P-POL"),
    entry(12, "Return", "925", 9.5, 13, ref="C-9", counterparty="P-POL"),  # C-9 delivered 15/11
    entry(20, "Refine In", "Pt950", 0.5, 14),  # our own scrap back: recycled
    entry(20, "Count", "Pt950", 0, 15),
    entry(13, "Issue", "925", 0.3, 16, ref="BATCH-3", counterparty="P-POL"),
    entry(14, "Scrap", "925", 0.3, 17, ref="BATCH-3", counterparty="P-POL"),
]
ALLOYS = [Alloy("925", "Ag", 925, 10.36, row=2)]
PRICES = [Price("Au", 2400.0, date(2026, 11, 2), row=2, currency="EUR")]
PARTNERS = [Partner("P-POL", "Polissage", "Polisher", row=2)]
ORDERS = [Order("C-7", 2), Order("C-8", 3), Order("C-9", 4, delivered=date(2026, 11, 15))]


def test_a_hard_week_of_metal_stock_in_full() -> None:
    lines, problems = metal_stock(LOG, ALLOYS, PRICES, ORDERS, PARTNERS, TODAY, 0.5)
    assert lines == [
        # 20.004 - 30 + 31.5 - 10 + 9.5 - 9.5 delivered = 11.504 g; 925 fine: 10.6375 g
        StockLine(SAFE, "925", 11.5, 10.64, 0.342, None, "", None, 0.0, date(2026, 11, 8), 21.46, -0.04,
                  ""),
        StockLine(SAFE, "pd500", -5.0, None, None, None, "", None, None, None, None, None,
                  "book below zero (-5.00 g): a purchase or return is missing"),
        StockLine(SAFE, "Pt950", 1.0, None, None, None, "", None, 100.0, TODAY, 0.0, -1.0,
                  "count off by -1.00 g (tolerance 0.5 g)"),
        StockLine("atelier x", "pd500", 5.0, None, None, None, "", None),
        StockLine("P-POL", "925", -1.5, -1.39, -0.045, None, "", None, flag="more returned than issued"),
    ]
    later = "after today; it is left out of the Metal Stock until that day."
    zero = "grams must be more than 0 (the row is left out of the Metal Stock)."
    assert problems == [
        Problem("Metal Log", "row 7", "Date", WARNING,
                f"Metal Log row 7 (BATCH-1), column Date: Purchase dated 25/11/2026, {later}"),
        Problem("Metal Log", "row 8", "Grams", ERROR,
                f"Metal Log row 8 (BATCH-2), column Grams: Purchase of 0 g; {zero}"),
        Problem("Metal Log", "row 10", "Grams", ERROR,
                f"Metal Log row 10, column Grams: Return of 0 g; {zero}"),
        Problem("Metal Stock", "925", "Value", WARNING,
                "Metal Stock (925), column Value: no spot price for Ag dated on or before 20/11/2026 on the "
                "Prices tab, so the value is blank."),
        Problem("Metal Stock", "pd500", "Fine (g)", WARNING,
                "Metal Stock (pd500), column Fine (g): alloy pd500 is on the Metal Log but not on the Alloys "
                "tab, so its fine metal and value are blank."),
        Problem("Metal Stock", "pd500", "Book (g)", WARNING,
                "Metal Stock (pd500), column Book (g): the Metal Log gives -5.00 g of stock; a purchase or a "
                "return is missing."),
        Problem("Metal Stock", "Pt950", "Fine (g)", WARNING,
                "Metal Stock (Pt950), column Fine (g): alloy Pt950 is on the Metal Log but not on the Alloys "
                "tab, so its fine metal and value are blank."),
        Problem("Metal Stock", "Pt950", "Count Variance (g)", WARNING,
                "Metal Stock (Pt950), column Count Variance (g): the count of 20/11/2026 weighed 0.00 g "
                "against 1.00 g on the books (-1.00 g, tolerance 0.5 g)."),
    ]


def test_a_partner_line_is_valued_at_the_safe_price_and_currency() -> None:
    alloys = [Alloy("18KY", "Au", 750, 15.5, row=2)]
    log = [entry(2, "Purchase", "18KY", 10, 2),
           entry(3, "Issue", "18KY", 3.111, 3, ref="B-1", counterparty="P-POL")]
    lines, _ = metal_stock(log, alloys, PRICES, [], PARTNERS, TODAY, 0.5)
    # 3.111 g held, said 3.11 g and valued as said: 2.3325 g fine = 0.07499 troy oz x 2400 EUR
    assert lines[1] == StockLine("P-POL", "18KY", 3.11, 2.33, 0.075, 179.98, "EUR", date(2026, 11, 2))
    assert (lines[0].grams, lines[0].currency, lines[0].price_as_of) == (6.89, "EUR", date(2026, 11, 2))


def test_rows_that_count_and_returns_that_leave_at_delivery() -> None:
    kept = usable(LOG, TODAY)
    assert [e.row for e in kept] == [2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 17]
    assert [e.row for e in usable(LOG, date(2026, 11, 19))] == [2, 3, 4, 5, 6, 11, 12, 13, 16, 17]
    assert delivered_returns(LOG, ORDERS) == [(date(2026, 11, 15), "925", 9.5)]
    assert delivered_returns(LOG, [Order("c-9 ", 4, delivered=date(2026, 11, 15))]) == [
        (date(2026, 11, 15), "925", 9.5)]


def test_outstanding_is_kept_to_the_hundredth_and_per_job() -> None:
    log = [entry(3, "Issue", "925", 0.005, 2, ref="C-1", counterparty="Someone New"),
           entry(3, "Issue", "925", 0.004, 3, ref="C-2", counterparty="P-POL"),
           entry(3, "Issue", "925", 4, 4, ref="BATCH-9", counterparty="P-POL"),
           entry(4, "Return", "925", 1, 5, ref="BATCH-9", counterparty="Polissage"),
           entry(3, "Issue", "925", 2, 6, ref="B-7", counterparty="P-POL"),
           entry(4, "Scrap", "925", 0.5, 7, ref="B-7", counterparty="P-POL"),
           entry(3, "Issue", "925", 1.25, 8, ref="B-8", counterparty="P-POL")]
    # BATCH-9 and B-7 came back (a Return, a Scrap): settled, what is missing is their loss
    assert outstanding(log, [], PARTNERS) == {("Someone New", "925"): 0.005, ("P-POL", "925"): 1.254}


def test_recycled_share_needs_incoming_metal() -> None:
    assert recycled_share([entry(2, "Purchase", "925", 0.5, 2, origin="Mined"),
                           entry(2, "Purchase", "925", 0.5, 3, origin=" recycled ")], "925") == 50.0
    assert recycled_share([entry(2, "Refine In", "925", 1, 2, origin="Mined")], "925") == 0.0
