"""Cell parsing: day-first dates, decimal commas, serials — worked examples and properties."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.cells import (
    from_serial,
    looks_like_formula,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_link,
    parse_number,
    to_serial,
    to_text,
)
from sheets_sync.errors import CellError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        (" 7,25 g", 7.25),
        ("1 234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("0,750", 0.75),
        ("-3", -3.0),
        (750, 750.0),
        (13.07, 13.07),
        ("5%", 5.0),
    ],
)
def test_numbers_with_comma_or_dot(text: object, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1,234", "12 grams", "abc", "1,2,3", "--4", "23E1231"])
def test_numbers_that_are_not_clear_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_number(text)


def test_blank_is_none() -> None:
    assert parse_number("  ") is None
    assert parse_date(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21/11/2026", date(2026, 11, 21)),
        ("1/2/2026", date(2026, 2, 1)),  # day first: 1 February
        ("01.02.26", date(2026, 2, 1)),
        ("2026-02-01", date(2026, 2, 1)),
        ("21 Nov 2026", date(2026, 11, 21)),
        ("3 September 2026", date(2026, 9, 3)),
    ],
)
def test_dates_are_read_day_first(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_a_date_cell_is_a_date_not_reparsed() -> None:
    assert parse_date(date(2026, 2, 1)) == date(2026, 2, 1)
    assert parse_date(datetime(2026, 2, 1, 15, 30)) == date(2026, 2, 1)


def test_a_day_that_does_not_exist_is_named() -> None:
    with pytest.raises(CellError, match="31/02/2026"):
        parse_date("31/02/2026")


def test_serial_epoch_is_1899_12_30() -> None:
    assert from_serial(46351) == datetime(2026, 11, 25)
    assert to_serial(date(2026, 11, 25)) == 46351
    assert parse_date(46351.5) == date(2026, 11, 25)
    assert parse_datetime(46351.5) == datetime(2026, 11, 25, 12, 0)


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2999, 12, 31)))
def test_serial_round_trip(d: date) -> None:
    assert from_serial(to_serial(d)).date() == d


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_day_first_text_round_trip(d: date) -> None:
    assert parse_date(d.strftime("%d/%m/%Y")) == d


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False))
def test_decimal_comma_round_trip(value: object) -> None:
    text = f"{value:.3f}"
    comma = text.replace(".", ",")
    head = comma.split(",")[0].lstrip("-")
    if head not in ("0",) and len(comma.split(",")[1]) == 3 and head:
        # "1,234" style is ambiguous on purpose; the dot form is always clear
        assert parse_number(text) == pytest.approx(float(text))
    else:
        assert parse_number(comma) == pytest.approx(float(text))


def test_text_of_numbers_and_dates() -> None:
    assert to_text(1001.0) == "1001"
    assert to_text(date(2026, 11, 21)) == "2026-11-21"
    assert to_text("  A-1 ") == "A-1"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_formula_like_text_is_recognised(text: str) -> None:
    assert looks_like_formula(text)


def test_bool_and_link() -> None:
    assert parse_bool("yes") is True and parse_bool("no") is False and parse_bool("✓") is True
    with pytest.raises(CellError):
        parse_bool("maybe")
    assert parse_link("https://drive.google.com/file/d/1/view") is not None
    with pytest.raises(CellError, match="not a link"):
        parse_link('=HYPERLINK("http://evil")')
