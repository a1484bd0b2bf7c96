"""Cell parsing: day-first dates, decimal commas, serials — worked examples and properties."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.cells import (
    from_serial,
    is_blank,
    local_time,
    looks_like_formula,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
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


# ---- the exact words and every branch, as people type them ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7g", 7.0),
        ("7 gr", 7.0),
        ("4.5 G", 4.5),
        ("+2,5", 2.5),
        ("-0,5", -0.5),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("1,234,567.25", 1234567.25),
        ("1.234.567,25", 1234567.25),
        ("12,50", 12.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        (",5", 0.5),
        ("0", 0.0),
        (7, 7.0),
    ],
)
def test_more_numbers_as_people_type_them(text: object, expected: float) -> None:
    got = parse_number(text)  # type: ignore[arg-type]
    assert got == expected and isinstance(got, float)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,234", "'1,234' is ambiguous: write 1234 or 1,5 without a thousands comma"),
        ("-1,234", "'-1,234' is ambiguous: write 1234 or 1,5 without a thousands comma"),
        ("abc", "'abc' is not a number"),
        (" 12 grams ", "'12 grams' is not a number"),
        ("g", "'g' is not a number"),
        ("%", "'%' is not a number"),
        ("-", "'-' is not a number"),
        ("1,2,3", "'1,2,3' is not a number"),
        ("1,234,5", "'1,234,5' is not a number"),
        ("1.2.3", "'1.2.3' is not a number"),
        ("1.234.5", "'1.234.5' is not a number"),
        ("1.2,3.4", "'1.2,3.4' is not a number"),
        (True, "'TRUE' is not a number"),
        (float("nan"), "nan is not a number"),
        (float("inf"), "inf is not a number"),
        (date(2026, 11, 21), "'2026-11-21' is a date, not a number"),
        (datetime(2026, 11, 21, 9, 30), "'2026-11-21 09:30' is a date, not a number"),
    ],
)
def test_a_number_refused_says_why_in_the_words_typed(value: object, message: str) -> None:
    with pytest.raises(CellError) as raised:
        parse_number(value)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_a_thousands_comma_is_only_ambiguous_with_three_digits_after_a_real_head() -> None:
    assert parse_number("0,125") == 0.125  # 0,125 can only be a decimal
    assert parse_number("1,25") == 1.25
    assert parse_number("1,2345") == 1.2345
    assert parse_number("1.234") == 1.234  # a dot is a decimal point


def test_whole_numbers_and_their_refusals() -> None:
    assert parse_int("3") == 3 and isinstance(parse_int("3"), int)
    assert parse_int(4.0) == 4
    assert parse_int(" ") is None
    with pytest.raises(CellError) as raised:
        parse_int("2,5")
    assert str(raised.value) == "'2,5' is not a whole number"


def test_serials_outside_the_calendar_are_refused() -> None:
    assert from_serial(1) == datetime(1899, 12, 31)
    assert from_serial(2958465) == datetime(9999, 12, 31)
    for bad in (0, 0.5, 2958466, -3):
        with pytest.raises(CellError) as raised:
            from_serial(bad)
        assert str(raised.value) == f"{bad!r} is not a date serial"
    assert to_serial(datetime(2026, 11, 25, 18, 0)) == 46351.75
    assert to_serial(datetime(2026, 11, 25, 0, 0, 0, 432000)) == pytest.approx(46351 + 0.432 / 86400)
    assert to_serial(datetime(2026, 11, 25, 6, 0, tzinfo=ZoneInfo("Europe/Paris"))) == 46351.25


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21/11/2026 14:30", datetime(2026, 11, 21, 14, 30)),
        ("21-11-2026T14:30:15", datetime(2026, 11, 21, 14, 30, 15)),
        ("21.11.26 8:05", datetime(2026, 11, 21, 8, 5)),
        ("2026-11-21 14:30", datetime(2026, 11, 21, 14, 30)),
        ("2026-11-21T14:30:15.250", datetime(2026, 11, 21, 14, 30, 15)),
        ("2026-1-2", datetime(2026, 1, 2)),
        ("21 nov. 2026", datetime(2026, 11, 21)),
        ("21-Sept-2026", datetime(2026, 9, 21)),
        ("5 May, 2026", datetime(2026, 5, 5)),
        ("  21/11/2026  ", datetime(2026, 11, 21)),
        (date(2026, 11, 21), datetime(2026, 11, 21)),
        (46351, datetime(2026, 11, 25)),
    ],
)
def test_moments_as_people_type_them(text: object, expected: datetime) -> None:
    assert parse_datetime(text) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2026", "'31/02/2026' is not a real date (day/month/year)"),
        ("2026-13-01", "'2026-13-01' is not a real date (day/month/year)"),
        ("21/11/2026 25:00", "'21/11/2026 25:00' is not a real date (day/month/year)"),
        ("30 Feb 2026", "'30 Feb 2026' is not a real date (day/month/year)"),
        ("21 Foo 2026", "'21 Foo 2026' is not a date: unknown month 'Foo'"),
        ("next tuesday", "'next tuesday' is not a date; write it day first, like 21/11/2026"),
        ("21/11", "'21/11' is not a date; write it day first, like 21/11/2026"),
        (True, "'TRUE' is not a date"),
        (0, "0.0 is not a date serial"),
    ],
)
def test_a_date_refused_says_why(value: object, message: str) -> None:
    with pytest.raises(CellError) as raised:
        parse_datetime(value)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_every_yes_and_no_word() -> None:
    for word in ("yes", "Y", "TRUE", "1", "x", "✓", "✔", "Oui", "si", "ja", " yes "):
        assert parse_bool(word) is True, word
    for word in ("no", "N", "false", "0", "", "  ", "-", "non"):
        assert parse_bool(word) is False, word
    assert parse_bool(None) is None
    assert parse_bool(True) is True and parse_bool(False) is False
    assert parse_bool(1) is True and parse_bool(0) is False and parse_bool(0.0) is False
    assert parse_bool(2.5) is True
    with pytest.raises(CellError) as raised:
        parse_bool(" maybe ")
    assert str(raised.value) == "'maybe' is not yes or no"


def test_links_are_http_or_https() -> None:
    assert parse_link("  https://drive.google.com/file/d/1/view ") == "https://drive.google.com/file/d/1/view"
    assert parse_link("HTTP://example.com/a.png") == "HTTP://example.com/a.png"
    assert parse_link(" ") is None and parse_link(None) is None
    for bad in ("ftp://example.com/a", "https:// example.com", "https://.example.com", "www.example.com"):
        with pytest.raises(CellError) as raised:
            parse_link(bad)
        assert str(raised.value) == f"{bad!r} is not a link (it should start with https://)"


def test_text_of_every_kind_of_cell() -> None:
    assert to_text(None) == ""
    assert to_text(True) == "TRUE" and to_text(False) == "FALSE"
    assert to_text(4.5) == "4.5" and to_text(7) == "7"
    assert to_text(datetime(2026, 11, 21, 9, 5, 59)) == "2026-11-21 09:05"
    assert is_blank(None) and is_blank(" \t") and not is_blank(0) and not is_blank("x")


def test_formula_starts_and_plain_text() -> None:
    assert looks_like_formula("\tx") and looks_like_formula("\rx")
    assert not looks_like_formula("A-1001") and not looks_like_formula(" =1")


def test_a_moment_is_stored_as_workshop_wall_time_to_the_second() -> None:
    utc = datetime(2026, 11, 25, 9, 0, 30, 900000, tzinfo=ZoneInfo("UTC"))
    assert local_time(utc, ZoneInfo("Europe/Paris")) == datetime(2026, 11, 25, 10, 0, 30)


def test_a_fraction_of_a_second_counts_forward_in_a_serial() -> None:
    half_second = to_serial(datetime(2026, 11, 25, 0, 0, 0, 500000))
    assert half_second > 46351 and half_second == 46351 + 0.5 / 86400
