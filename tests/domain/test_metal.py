"""Metal arithmetic and yields, checked against worked examples."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.contract import METAL_ENTRIES
from sheets_sync.domain.metal import (
    ENTRY_SIGN,
    TROY_OUNCE_G,
    compute_yields,
    fine_grams,
    theoretical_metal,
    troy_ounces,
)
from sheets_sync.domain.model import Alloy, MetalEntry, Order, Price
from sheets_sync.domain.problems import ERROR, WARNING

Y14 = Alloy("14KY", "Au", 585, 13.07, row=2, name="14K yellow", loss_alert_pct=5)
S925 = Alloy("925", "Ag", 925, 10.36, row=3, name="Sterling", loss_alert_pct=3)
GOLD = [Price("Au", 2300, date(2026, 4, 1), row=2), Price("Au", 2400, date(2026, 5, 1), row=3)]
RING = Order("A-1001", row=2, alloy="14KY", route="Casting", wax_weight=5.0, quantity=1)
D = date(2026, 5, 11)


def entry(kind: str, grams: float, ref: str | None = "A-1001", row: int = 2,
          alloy: str = "14KY", method: str | None = None) -> MetalEntry:
    return MetalEntry(D, kind, alloy, grams, row=row, ref=ref, method=method)


def test_worked_examples_of_the_trade() -> None:
    assert theoretical_metal(5, 13.07, 0.10) == pytest.approx(71.885)
    assert round(theoretical_metal(5, 13.07, 0.10), 2) == 71.89
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
    lines, problems = compute_yields(log, [RING], [Y14], GOLD)
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
    lines, problems = compute_yields(log, [], [Y14], [])
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
    lines, problems = compute_yields(log, [], [Y14, S925], [])
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
    lines, problems = compute_yields(log, [], [Y14], GOLD)
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
    lines, _ = compute_yields(log, [batch, chain], [S925], [])
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
    (line,), _ = compute_yields(log, [RING], [Y14], GOLD)
    assert line.loss_g is not None
    assert line.loss_g + line.finished + line.scrap == pytest.approx(line.issued, abs=0.002)


@given(grams=st.floats(0, 1e6), fineness=st.floats(0, 1000))
def test_fine_never_exceeds_grams(grams: float, fineness: float) -> None:
    assert 0 <= fine_grams(grams, fineness) <= grams
    assert troy_ounces(grams) <= grams
