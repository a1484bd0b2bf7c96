"""Yields word for word on a harder week (20 November 2026; Au at 2400 USD since 2 November):
a job logged in three alloys, rows of 0 g and below, an unknown alloy, more back than issued,
half a gram issued and 0.4 g back, a casting with no quantity, a casting balanced to the
gram, and the exact words of every Problem."""

from __future__ import annotations

from datetime import date

from sheets_sync.domain.metal import YieldLine, compute_yields
from sheets_sync.domain.model import Alloy, MetalEntry, Order, Price
from sheets_sync.domain.problems import ERROR, WARNING, Problem

TODAY = date(2026, 11, 20)
AS_OF = date(2026, 11, 2)
ALLOYS = [Alloy("18KY", "Au", 750, 15.5, row=2), Alloy("14KY", "Au", 585, 13.07, row=3)]
PRICES = [Price("Au", 2400.0, AS_OF, row=2)]
ORDERS = [
    Order("C-1", 2, route="Casting", wax_weight=2.0, quantity=None, delivered=date(2026, 11, 18)),
    Order("C-2", 3, route="Casting", wax_weight=0.05, quantity=1, delivered=date(2026, 11, 18)),
]


def e(
    day: int, kind: str, alloy: str, grams: float, row: int, ref: str, method: str | None = None
) -> MetalEntry:
    return MetalEntry(date(2026, 11, day), kind, alloy, grams, row, ref=ref, method=method)


LOG = [
    e(2, "Return", "14KY", 1, 2, "C-4"),
    e(3, "Issue", "18KY", 10, 3, "C-4"),
    e(4, "Scrap", "9KR", 1, 4, "c-4 "),
    e(3, "Issue", "18KY", 0, 5, "C-9"),
    e(3, "Issue", "18KY", -1, 6, "C-9"),
    e(3, "Issue", "19KY", 2, 7, "B-7"),
    e(3, "Issue", "14KY", 20, 8, "B-9"),
    e(4, "Return", "14KY", 21, 9, "B-9"),
    e(4, "Scrap", "14KY", 4, 10, "B-9"),
    e(5, "Issue", "18KY", 0.5, 11, "B-1"),
    e(6, "Return", "18KY", 0.4, 12, "B-1"),
    e(5, "Issue", "18KY", 0.5, 13, "B-2"),
    e(5, "Issue", "18KY", 33, 14, "C-1", "Vacuum"),
    e(6, "Return", "18KY", 31, 15, "C-1"),
    e(6, "Scrap", "18KY", 2, 16, "C-1"),
    e(5, "Issue", "18KY", 1, 17, "C-2"),
    e(6, "Return", "18KY", 0.7, 18, "C-2"),
]


def test_a_harder_week_of_yields_in_full() -> None:
    lines, _ = compute_yields(LOG, ORDERS, ALLOYS, PRICES, TODAY)
    nov = date(2026, 11, 1).replace
    assert lines == [
        # alloy of the job = the alloy of its first Issue, even after an earlier Return row
        YieldLine(
            "C-4",
            "18KY",
            "",
            10,
            1,
            1,
            8,
            80.0,
            None,
            None,
            6.0,
            462.97,
            "USD",
            "loss 80.0 % above alert 5 %",
            nov(day=4),
            (2, 3, 4),
            AS_OF,
            None,
        ),
        YieldLine(
            "B-7",
            "19KY",
            "",
            2,
            0,
            0,
            None,
            None,
            None,
            None,
            None,
            None,
            "",
            "open: nothing returned yet",
            nov(day=3),
            (7,),
            None,
            2,
        ),
        YieldLine(
            "B-9",
            "14KY",
            "",
            20,
            21,
            4,
            -5,
            -25.0,
            None,
            None,
            -2.925,
            -225.7,
            "USD",
            "more returned than issued (5.000 g)",
            nov(day=4),
            (8, 9, 10),
            AS_OF,
            None,
        ),
        # half a gram out, 0.4 g back: a batch settled by its return, 20 % lost
        YieldLine(
            "B-1",
            "18KY",
            "",
            0.5,
            0.4,
            0,
            0.1,
            20.0,
            None,
            None,
            0.075,
            5.79,
            "USD",
            "loss 20.0 % above alert 5 %",
            nov(day=6),
            (11, 12),
            AS_OF,
            None,
        ),
        YieldLine(
            "B-2",
            "18KY",
            "",
            0.5,
            0,
            0,
            None,
            None,
            None,
            None,
            None,
            None,
            "",
            "open: nothing returned yet",
            nov(day=5),
            (13,),
            None,
            0.5,
        ),
        # no Quantity counts as 1: 2 g of wax x 15.5 = 31 g theoretical, all of it finished
        YieldLine(
            "C-1",
            "18KY",
            "Vacuum",
            33,
            31,
            2,
            0,
            0.0,
            31.0,
            100.0,
            0.0,
            0.0,
            "USD",
            "",
            nov(day=6),
            (14, 15, 16),
            AS_OF,
            None,
        ),
        # 0.05 g of wax x 15.5 = 0.775 g theoretical; 0.7 g finished: 90.32 %
        YieldLine(
            "C-2",
            "18KY",
            "",
            1,
            0.7,
            0,
            0.3,
            30.0,
            0.775,
            90.32,
            0.225,
            17.36,
            "USD",
            "loss 30.0 % above alert 5 %",
            nov(day=6),
            (17, 18),
            AS_OF,
            None,
        ),
    ]


def test_every_problem_of_that_week_word_for_word() -> None:
    _, problems = compute_yields(LOG, ORDERS, ALLOYS, PRICES, TODAY)
    unknown = "is not on the Alloys tab, so its fine metal and value cannot be counted."
    zero = "grams must be more than 0 (the row is left out of the yield)."
    nothing = "nothing returned yet; every issue must come back as finished weight, scrap or recorded loss."
    assert problems == [
        Problem(
            "Metal Log",
            "row 4",
            "Alloy",
            ERROR,
            f"Metal Log row 4 (c-4 ), column Alloy: alloy '9KR' {unknown}",
        ),
        Problem(
            "Metal Log", "row 5", "Grams", ERROR, f"Metal Log row 5 (C-9), column Grams: Issue of 0 g; {zero}"
        ),
        Problem(
            "Metal Log",
            "row 6",
            "Grams",
            ERROR,
            f"Metal Log row 6 (C-9), column Grams: Issue of -1 g; {zero}",
        ),
        Problem(
            "Metal Log",
            "row 7",
            "Alloy",
            ERROR,
            f"Metal Log row 7 (B-7), column Alloy: alloy '19KY' {unknown}",
        ),
        Problem(
            "Metal Log",
            "C-4",
            "Alloy",
            ERROR,
            "Metal Log rows 2, 4 (C-4), column Alloy: 14KY, 9KR differs from 18KY issued for the same job; "
            "one job must stay in one alloy.",
        ),
        Problem(
            "Metal Log",
            "C-4",
            "Grams",
            WARNING,
            "Metal Log rows 2, 3, 4 (C-4): 18KY loss 80.0 % above alert 5 % (8.000 g of 10 g issued).",
        ),
        Problem("Metal Log", "B-7", "Grams", WARNING, f"Metal Log row 7 (B-7): 2 g 19KY issued, {nothing}"),
        Problem(
            "Metal Log",
            "B-9",
            "Grams",
            ERROR,
            "Metal Log rows 8, 9, 10 (B-9): 25 g came back (finished 21 + scrap 4) but only 20 g was issued; "
            "an issue is missing or a weight is wrong.",
        ),
        Problem(
            "Metal Log",
            "B-1",
            "Grams",
            WARNING,
            "Metal Log rows 11, 12 (B-1): 18KY loss 20.0 % above alert 5 % (0.100 g of 0.5 g issued).",
        ),
        Problem(
            "Metal Log", "B-2", "Grams", WARNING, f"Metal Log row 13 (B-2): 0.5 g 18KY issued, {nothing}"
        ),
        Problem(
            "Metal Log",
            "C-2",
            "Grams",
            WARNING,
            "Metal Log rows 17, 18 (C-2): 18KY loss 30.0 % above alert 5 % (0.300 g of 1 g issued).",
        ),
    ]
