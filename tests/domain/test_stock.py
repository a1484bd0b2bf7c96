"""Metal Stock worked examples: book balance, fine, troy oz, value, recycled share, count
variance and metal outstanding at partners."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.domain.metal import ENTRY_SIGN
from sheets_sync.domain.model import Alloy, MetalEntry, Order, Partner, Price
from sheets_sync.domain.stock import (
    SAFE,
    book_balance,
    last_count,
    metal_stock,
    outstanding,
    recycled_share,
)

TODAY = date(2026, 11, 20)
ALLOYS = [
    Alloy("18KY", "Au", 750, 15.5, row=2),
    Alloy("14KY", "Au", 585, 13.07, row=3),
]
PRICES = [
    Price("Au", 2300.0, date(2026, 10, 1), row=2),
    Price("Au", 2400.0, date(2026, 11, 2), row=3),
    Price("Au", 9999.0, date(2026, 12, 1), row=4),  # dated after today: not used yet
]
PARTNERS = [
    Partner("CAST", "Fonderie Martin", "Casting", row=2),
    Partner("SET", "Atelier Serti", "Setter", row=3),
]


def entry(day: int, kind: str, alloy: str, grams: float, row: int, **kw: str) -> MetalEntry:
    return MetalEntry(date(2026, 11, day), kind, alloy, grams, row, **kw)  # type: ignore[arg-type]


LOG = [
    entry(2, "Purchase", "18KY", 100, 2, origin="Recycled"),
    entry(2, "Purchase", "18KY", 50, 3, origin="Mined"),
    entry(3, "Issue", "18KY", 40, 4, ref="A-1", method="Vacuum", counterparty="CAST"),
    entry(5, "Return", "18KY", 33, 5, ref="A-1", counterparty="CAST"),
    entry(5, "Scrap", "18KY", 5, 6, ref="A-1", counterparty="CAST", scrap_kind="Sprue"),
    entry(6, "Refine Out", "18KY", 10, 7, counterparty="Refiner"),
    entry(10, "Count", "18KY", 137.2, 8),
    entry(12, "Refine In", "18KY", 8, 9),
    entry(4, "Purchase", "14KY", 30, 10, origin="Mined"),
    entry(6, "Issue", "14KY", 12, 11, ref="B-2", counterparty="Atelier Serti"),
]
ORDERS = [Order("A-1", 2), Order("B-2", 3)]


def test_every_entry_kind_has_its_documented_sign() -> None:
    assert ENTRY_SIGN == {
        "Purchase": 1, "Issue": -1, "Return": 1, "Scrap": 1,
        "Refine Out": -1, "Refine In": 1, "Count": 0,
    }


def test_book_balance_adds_movements_and_ignores_counts() -> None:
    # 100 + 50 - 40 + 33 + 5 - 10 (+ 8 after the count) ; the 137.2 g count is not added
    assert book_balance(LOG, "18KY", date(2026, 11, 10)) == pytest.approx(138.0)
    assert book_balance(LOG, "18ky", TODAY) == pytest.approx(146.0)


def test_delivered_finished_weight_leaves_the_book_on_its_delivery_date() -> None:
    deliveries = [(date(2026, 11, 15), "18ky", 33.0)]
    assert book_balance(LOG, "18KY", date(2026, 11, 14), deliveries) == pytest.approx(146.0)
    assert book_balance(LOG, "18KY", date(2026, 11, 15), deliveries) == pytest.approx(113.0)


def test_recycled_share_counts_purchases_and_refine_in() -> None:
    # came in: 100 recycled + 50 mined + 8 refined back (blank origin = recycled) = 158 g
    assert recycled_share(LOG, "18KY") == pytest.approx(108 / 158 * 100)
    assert recycled_share(LOG, "14KY") == 0.0
    assert recycled_share(LOG, "9KR") is None


def test_same_day_counts_are_added() -> None:
    log = [entry(10, "Count", "18KY", 100, 2), entry(10, "Count", "18KY", 37.2, 3),
           entry(1, "Count", "18KY", 5, 4)]
    assert last_count(log, "18KY") == (date(2026, 11, 10), pytest.approx(137.2))


def test_partner_outstanding_until_the_job_is_delivered() -> None:
    held = outstanding(LOG, ORDERS, PARTNERS)
    # CAST: 40 issued - 33 finished - 5 scrap; SET named by its Name in Counterparty
    assert held == {("CAST", "18KY"): pytest.approx(2.0), ("SET", "14KY"): pytest.approx(12.0)}
    delivered = [Order("A-1", 2, delivered=date(2026, 11, 15)), Order("B-2", 3)]
    assert outstanding(LOG, delivered, PARTNERS) == {("SET", "14KY"): pytest.approx(12.0)}


def test_metal_stock_lines_worked_example() -> None:
    lines, problems = metal_stock(LOG, ALLOYS, PRICES, ORDERS, PARTNERS, TODAY, 0.5)
    assert [(s.held_by, s.alloy) for s in lines] == [
        (SAFE, "18KY"), (SAFE, "14KY"), ("CAST", "18KY"), ("SET", "14KY"),
    ]
    gold18, gold14, cast, setter = lines
    # 146 g of 750 -> 109.5 g fine = 3.521 troy oz at 2400 USD/oz (price of 02/11)
    assert (gold18.grams, gold18.fine_g, gold18.fine_troy_oz) == (146.0, 109.5, 3.521)
    assert gold18.value == 8449.22 and gold18.currency == "USD"
    assert gold18.price_as_of == date(2026, 11, 2)
    assert gold18.recycled_pct == 68.4
    # the count of 10/11 weighed 137.2 g against 138 g on the books: -0.8 g > 0.5 g
    assert (gold18.last_count, gold18.count_g, gold18.variance_g) == (
        date(2026, 11, 10), 137.2, -0.8)
    assert "count off by -0.80 g" in gold18.flag
    # 14KY: 30 g - 12 g issued = 18 g; 585 fine -> 10.53 g = 0.339 oz = 812.51 USD
    assert (gold14.grams, gold14.fine_g, gold14.fine_troy_oz, gold14.value) == (
        18.0, 10.53, 0.339, 812.51)
    assert gold14.last_count is None and gold14.flag == ""
    assert (cast.grams, cast.fine_g, cast.value) == (2.0, 1.5, 115.74)
    assert (setter.grams, setter.fine_g, setter.value) == (12.0, 7.02, 541.68)
    assert [(p.key, p.column) for p in problems] == [("18KY", "Count Variance (g)")]
    assert "137.20 g against 138.00 g" in problems[0].message


def test_count_within_tolerance_is_not_flagged() -> None:
    log = [*LOG[:6], entry(10, "Count", "18KY", 137.6, 8)]
    lines, problems = metal_stock(log, ALLOYS, PRICES, ORDERS, PARTNERS, TODAY, 0.5)
    assert lines[0].variance_g == -0.4 and lines[0].flag == ""
    assert problems == []


def test_missing_price_gives_blank_value_and_a_problem() -> None:
    lines, problems = metal_stock(LOG, ALLOYS, [], ORDERS, PARTNERS, TODAY, 5.0)
    assert lines[0].value is None and lines[0].price_as_of is None
    assert lines[0].fine_g == 109.5  # what can be known still is
    assert [(p.tab, p.key, p.column, p.severity) for p in problems] == [
        ("Metal Stock", "18KY", "Value", "warning"),
        ("Metal Stock", "14KY", "Value", "warning"),
    ]
    assert "no spot price for Au" in problems[0].message


def test_unknown_alloy_negative_book_future_and_bad_rows() -> None:
    log = [
        entry(3, "Issue", "9KR", 4, 2),
        entry(25, "Purchase", "18KY", 10, 3),
        entry(3, "Purchase", "18KY", -2, 4),
    ]
    lines, problems = metal_stock(log, ALLOYS, PRICES, [], [], TODAY, 0.5)
    assert [(s.alloy, s.grams, s.fine_g) for s in lines] == [
        ("18KY", 0.0, 0.0), ("14KY", 0.0, 0.0), ("9KR", -4.0, None)]
    assert "book below zero" in lines[2].flag
    assert {(p.tab, p.key, p.column) for p in problems} == {
        ("Metal Log", "row 3", "Date"),
        ("Metal Log", "row 4", "Grams"),
        ("Metal Stock", "9KR", "Fine (g)"),
        ("Metal Stock", "9KR", "Book (g)"),
    }


@given(st.lists(st.tuples(st.sampled_from(list(ENTRY_SIGN)), st.integers(1, 10_000)),
                max_size=30))
def test_book_balance_is_the_signed_sum(moves: list[tuple[str, int]]) -> None:
    log = [entry(1, kind, "18KY", grams / 100, i) for i, (kind, grams) in enumerate(moves)]
    expected = sum(ENTRY_SIGN[k] * g for k, g in moves) / 100
    assert book_balance(log, "18KY", TODAY) == pytest.approx(expected)


def test_rows_are_identical_from_one_sync_to_the_next() -> None:
    first = metal_stock(LOG, ALLOYS, PRICES, ORDERS, PARTNERS, TODAY, 0.5)
    again = metal_stock(list(LOG), list(ALLOYS), list(PRICES), ORDERS, PARTNERS, TODAY, 0.5)
    assert first == again
