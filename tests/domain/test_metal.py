"""Metal arithmetic and yields, checked against worked examples."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sheets_sync.contract import METAL_ENTRIES
from sheets_sync.domain.metal import (
    ENTRY_SIGN,
    TROY_OUNCE_G,
    above,
    compute_yields,
    fine_grams,
    latest_price,
    theoretical_metal,
    troy_ounces,
)
from sheets_sync.domain.model import Alloy, MetalEntry, Order, Partner, Price
from sheets_sync.domain.problems import ERROR, WARNING
from sheets_sync.domain.stock import metal_stock, outstanding

Y14 = Alloy("14KY", "Au", 585, 13.07, row=2, name="14K yellow", loss_alert_pct=5)
S925 = Alloy("925", "Ag", 925, 10.36, row=3, name="Sterling", loss_alert_pct=3)
GOLD = [Price("Au", 2300, date(2026, 4, 1), row=2), Price("Au", 2400, date(2026, 5, 1), row=3)]
D = date(2026, 5, 11)
RING = Order("A-1001", row=2, alloy="14KY", route="Casting", wax_weight=5.0, quantity=1, delivered=D)


def entry(kind: str, grams: float, ref: str | None = "A-1001", row: int = 2,
          alloy: str = "14KY", method: str | None = None) -> MetalEntry:
    return MetalEntry(D, kind, alloy, grams, row=row, ref=ref, method=method)


def test_worked_examples_of_the_trade() -> None:
    # the README's example: wax x specific gravity x quantity
    assert theoretical_metal(5, 13.07) == pytest.approx(65.35)
    assert theoretical_metal(5, 13.07, 3) == pytest.approx(196.05)
    assert fine_grams(10, 750) == pytest.approx(7.5)
    assert round(troy_ounces(10), 4) == 0.3215
    assert troy_ounces(TROY_OUNCE_G) == 1.0


def test_entry_signs_cover_every_entry_kind() -> None:
    assert set(ENTRY_SIGN) == set(METAL_ENTRIES)
    assert ENTRY_SIGN["Issue"] == -1 and ENTRY_SIGN["Scrap"] == 1 and ENTRY_SIGN["Count"] == 0


def test_a_casting_within_its_alert() -> None:
    log = [
        entry("Issue", 75.0, row=2, method="Vacuum"),
        entry("Return", 62.0, row=5),
        entry("Scrap", 9.5, row=6),
    ]
    lines, problems = compute_yields(log, [RING], [Y14], GOLD, D)
    assert problems == []
    (line,) = lines
    assert (line.ref, line.alloy, line.method) == ("A-1001", "14KY", "Vacuum")
    assert (line.issued, line.finished, line.scrap, line.loss_g) == (75.0, 62.0, 9.5, 3.5)
    assert line.loss_pct == 4.67
    assert line.theoretical == 65.35  # 5 g wax x 13.07
    assert line.yield_variance_pct == 94.87  # 62 / 65.35
    assert line.fine_lost_g == pytest.approx(2.0475, abs=0.0006)  # 3.5 x 0.585
    assert line.value_lost == 157.99  # 2.0475 / 31.1034768 x 2400 (the latest price)
    assert line.currency == "USD"
    assert line.flag == ""
    assert line.rows == (2, 5, 6)


def test_loss_above_alert_is_flagged_and_reported() -> None:
    log = [entry("Issue", 20, "B-7"), entry("Return", 17, "B-7"), entry("Scrap", 1.76, "b-7 ")]
    lines, problems = compute_yields(log, [], [Y14], [], D)
    (line,) = lines
    assert line.loss_g == 1.24 and line.loss_pct == 6.2
    assert line.flag == "loss 6.2 % above alert 5 %"
    assert line.theoretical is None and line.yield_variance_pct is None
    assert line.value_lost is None and line.currency == ""  # no price for gold
    assert [(p.key, p.severity) for p in problems] == [("B-7", WARNING)]


def test_open_issue_negative_loss_and_mismatch() -> None:
    log = [
        entry("Issue", 30, "A-1", row=2),
        entry("Issue", 10, "A-2", row=3, alloy="925"),
        entry("Return", 9, "A-2", row=4, alloy="925"),
        entry("Scrap", 2, "A-2", row=5, alloy="925"),
        entry("Issue", 12, "A-3", row=6),
        entry("Return", 11, "A-3", row=7, alloy="925"),
    ]
    lines, problems = compute_yields(log, [], [Y14, S925], [], D)
    open_line, over, mixed = lines
    assert open_line.loss_g is None and open_line.flag.startswith("open")
    assert over.loss_g == -1.0 and over.flag.startswith("more returned")
    assert mixed.alloy == "14KY"
    found = {(p.key, p.column, p.severity) for p in problems}
    assert found == {
        ("A-1", "Grams", WARNING),  # open
        ("A-2", "Grams", ERROR),  # 11 g back of 10 g issued
        ("A-3", "Alloy", ERROR),  # 925 returned on a 14KY job
        ("A-3", "Grams", WARNING),  # 1 g of 12 g lost: 8.3 % > 5 %
    }
    texts = " | ".join(p.message for p in problems)
    assert "Metal Log row 2 (A-1)" in texts and "row 7" in texts


def test_bad_grams_and_unknown_alloy_are_pinned_to_rows() -> None:
    log = [
        entry("Issue", 0, "C-1", row=8),
        entry("Issue", 5, "C-2", row=9, alloy="22KR"),
        entry("Return", 4.8, "C-2", row=10, alloy="22KR"),
        entry("Purchase", 100, None, row=11),  # stock, not a job
    ]
    lines, problems = compute_yields(log, [], [Y14], GOLD, D)
    assert [line.ref for line in lines] == ["C-2"]
    assert lines[0].fine_lost_g is None and lines[0].loss_g == 0.2
    keys = sorted((p.key, p.column) for p in problems)
    assert keys == [("row 10", "Alloy"), ("row 8", "Grams"), ("row 9", "Alloy")]
    assert all(p.tab == "Metal Log" for p in problems)


def test_batch_theoretical_uses_quantity_and_fabrication_has_none() -> None:
    batch = Order("BATCH-3", row=3, alloy="925", route="Casting", wax_weight=2.0, quantity=10)
    chain = Order("F-9", row=4, alloy="925", route="Fabrication")
    log = [
        entry("Issue", 230, "BATCH-3", alloy="925"),
        entry("Return", 200, "BATCH-3", alloy="925"),
        entry("Scrap", 25, "BATCH-3", alloy="925"),
        entry("Issue", 40, "F-9", alloy="925"),
        entry("Return", 39.5, "F-9", alloy="925"),
    ]
    lines, _ = compute_yields(log, [batch, chain], [S925], [], D)
    assert lines[0].theoretical == 207.2  # 2 g x 10.36 x 10
    assert lines[0].yield_variance_pct == 96.53
    assert lines[1].theoretical is None and lines[1].method == "Fabrication"


@given(
    issued=st.floats(0.1, 5000),
    finished_share=st.floats(0, 1),
    scrap_share=st.floats(0, 1),
)
def test_loss_finished_and_scrap_add_up_to_issued(
    issued: float, finished_share: float, scrap_share: float
) -> None:
    finished = round(issued * finished_share, 3)
    scrap = round((issued - finished) * scrap_share, 3)
    if finished + scrap == 0:
        finished = 0.001
    log = [entry("Issue", issued), entry("Return", finished), entry("Scrap", scrap)]
    log = [e for e in log if e.grams > 0]
    (line,), _ = compute_yields(log, [RING], [Y14], GOLD, D)
    assert line.loss_g is not None
    assert line.loss_g + line.finished + line.scrap == pytest.approx(line.issued, abs=0.002)


@given(grams=st.floats(0, 1e6), fineness=st.floats(0, 1000))
@example(grams=161420.8995154407, fineness=1000)  # grams * 1000 / 1000 is one ulp above
def test_fine_never_exceeds_grams(grams: float, fineness: float) -> None:
    assert 0 <= fine_grams(grams, fineness) <= grams
    assert troy_ounces(grams) <= grams


# Gold at 2000 (1 Oct), 2500 (20 Nov) and 9000 dated 15 Dec; the sync runs on 30 Nov.
NOV_30 = date(2026, 11, 30)
PRICES = [
    Price("Au", 2000, date(2026, 10, 1), row=2),
    Price("Au", 2500, date(2026, 11, 20), row=3),
    Price("Au", 9000, date(2026, 12, 15), row=4),  # not known on 30 Nov
]
CASTER = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2)


def job(delivered: date | None) -> tuple[list[MetalEntry], list[Order]]:
    """20 g of 14KY issued to the caster for A-2001, 15 g back as the cast piece."""
    order = Order("A-2001", row=2, alloy="14KY", route="Fabrication", delivered=delivered)
    log = [
        MetalEntry(date(2026, 11, 23), "Purchase", "14KY", 100, row=2, origin="Mined"),
        MetalEntry(date(2026, 11, 24), "Issue", "14KY", 20, row=3, ref="A-2001", counterparty="P-CAST"),
        MetalEntry(date(2026, 11, 26), "Return", "14KY", 15, row=4, ref="A-2001", counterparty="P-CAST"),
    ]
    return log, [order]


def test_one_price_function_the_latest_dated_on_or_before_today() -> None:
    assert latest_price(PRICES, "au", NOV_30) == PRICES[1]
    assert latest_price(PRICES, "Au", date(2026, 12, 15)) == PRICES[2]
    assert latest_price(PRICES, "Au", date(2026, 9, 30)) is None
    log, orders = job(delivered=date(2026, 11, 27))
    (line,), _ = compute_yields(log, orders, [Y14], PRICES, NOV_30)
    # 5 g lost x 0.585 = 2.925 g fine = 0.09404 oz t x 2500 (not 9000)
    assert line.value_lost == 235.1 and line.price_as_of == date(2026, 11, 20)
    lines, _ = metal_stock(log, [Y14], PRICES, orders, [CASTER], NOV_30, 0.5)
    assert lines[0].price_as_of == date(2026, 11, 20)  # the Metal Stock, same run, same price


def test_metal_still_at_a_partner_is_outstanding_until_the_order_is_delivered() -> None:
    log, orders = job(delivered=None)
    (line,), problems = compute_yields(log, orders, [Y14], PRICES, NOV_30)
    assert (line.issued, line.finished, line.outstanding_g) == (20.0, 15.0, 5.0)
    assert line.loss_g is None and line.loss_pct is None and line.value_lost is None
    assert line.flag == "open: 5.00 g not back yet" and problems == []
    stock, _ = metal_stock(log, [Y14], PRICES, orders, [CASTER], NOV_30, 0.5)
    assert [(s.held_by, s.grams) for s in stock if s.held_by != "Safe"] == [("P-CAST", 5.0)]
    # delivered on 27 Nov: the 5 g are lost (25 %, above the 5 % alert), no longer out
    log, orders = job(delivered=date(2026, 11, 27))
    (line,), problems = compute_yields(log, orders, [Y14], PRICES, NOV_30)
    assert (line.loss_g, line.loss_pct, line.outstanding_g) == (5.0, 25.0, None)
    assert line.flag == "loss 25.0 % above alert 5 %" and len(problems) == 1
    stock, _ = metal_stock(log, [Y14], PRICES, orders, [CASTER], NOV_30, 0.5)
    assert [s.held_by for s in stock] == ["Safe"]


def test_a_batch_is_settled_once_its_metal_came_back() -> None:
    log = [
        MetalEntry(D, "Issue", "14KY", 40, row=2, ref="TREE-7", counterparty="P-CAST"),
        MetalEntry(D, "Return", "14KY", 30, row=3, ref="TREE-7", counterparty="Fonderie Lumière"),
        MetalEntry(D, "Scrap", "14KY", 8, row=4, ref="TREE-7", counterparty="P-CAST"),
    ]
    (line,), _ = compute_yields(log, [], [Y14], [], D)
    assert line.loss_g == 2.0 and line.outstanding_g is None
    assert outstanding(log, [], [CASTER], D) == {}  # lost on Yields, so not outstanding
    assert outstanding(log[:1], [], [CASTER], D) == {("P-CAST", "14KY"): 40.0}


def test_a_loss_flag_shows_the_decimals_that_make_it_read_above_its_alert() -> None:
    # PT950, alert 2 %: 1.4 g of 68.55 g is 2.042 %, which reads "2.0" with one decimal
    pt = Alloy("PT950", "Pt", 950, 20.1, row=4, loss_alert_pct=2)
    log = [entry("Issue", 68.55, "B-9", alloy="PT950"), entry("Return", 60, "B-9", alloy="PT950"),
           entry("Scrap", 7.15, "B-9", alloy="PT950")]
    (line,), _ = compute_yields(log, [], [pt], [], D)
    assert line.flag == "loss 2.04 % above alert 2 %"
    assert above(6.2, 5) == "6.2" and above(2.0004, 2) == "2.0004"
