"""The workbook as staff see it: number patterns, wrapping, widths, colours with a meaning
and a frozen, filterable header, from ``looks.LOOKS``, on a real .xlsx."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.backends.xlsx_looks import apply_look, highlight_formula, lines_needed
from sheets_sync.config import Config
from sheets_sync.contract import HUMAN_TABS, MACHINE_TABS, human_tab, machine_tab, normalize
from sheets_sync.looks import LOOKS, kept_off_numbers, look_of
from sheets_sync.pipeline import build_steps
from sheets_sync.presentation import (
    DATE,
    GRAMS,
    MOMENT,
    MONEY,
    RED,
    TROY_OZ,
    ColumnLook,
    Highlight,
    TabLook,
    fitted_width,
    pages_wide,
    shown,
    width_to_set,
)
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import SyncReport, run_sync

TODAY = date(2026, 11, 25)


def config_in(folder: Path) -> Config:
    base = Config()
    return replace(
        base,
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "ledger"),
        web=replace(base.web, journal_path=folder / "journal.sqlite", upload_dir=folder / "uploads"),
    )


def sync(path: Path, config: Config, now: datetime) -> SyncReport:
    return run_sync(XlsxBackend(path), config, now, build_steps(config))


def synced_demo(tmp_path: Path) -> Path:
    config = config_in(tmp_path)
    path = write_new_workbook(tmp_path / "workshop.xlsx", demo_tabs(TODAY))
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    assert sync(path, config, now).written is not None
    return path


def column(ws: Worksheet, header: str) -> int:
    return next(c.column for c in ws[1] if normalize(c.value) == normalize(header))


def cells_below(ws: Worksheet, header: str) -> list[openpyxl.cell.cell.Cell]:
    col = column(ws, header)
    return [row[0] for row in ws.iter_rows(min_row=2, min_col=col, max_col=col)
            if row[0].value is not None]


def rules(ws: Worksheet, header: str) -> list[tuple[str, str]]:
    """(formula, fill) of the expression rules on a column, in priority order."""
    letter = get_column_letter(column(ws, header))
    found = []
    for cf in ws.conditional_formatting:
        if str(cf.sqref) == f"{letter}2:{letter}1048576":
            found += [(r.formula[0], str(r.dxf.fill.bgColor.rgb)[-6:])
                      for r in sorted(cf.rules, key=lambda r: r.priority) if r.type == "expression"]
    return found


# ---- the spec itself ------------------------------------------------------------------


def test_every_look_names_a_real_tab_and_column() -> None:
    assert {normalize(t.tab) for t in LOOKS} == {
        normalize(t.name) for t in (*HUMAN_TABS, *MACHINE_TABS)}
    for look in LOOKS:
        if look.machine:
            headers = {normalize(h) for h in machine_tab(look.tab).headers}
            assert {normalize(c.header) for c in look.columns} == headers
        else:
            tab = human_tab(look.tab)
            assert {normalize(c.header) for c in look.columns} == {
                normalize("⚙ " + m) for m in tab.machine_columns}
            assert {normalize(c.header) for c in look.human} == {
                normalize(c.name) for c in tab.columns}


def test_values_as_the_sheet_shows_them() -> None:
    assert shown(date(2026, 12, 4)) == "04/12/2026"
    assert shown(datetime(2026, 12, 4, 9, 5)) == "04/12/2026 09:05"
    assert shown(datetime(2026, 12, 4, 9, 5), DATE) == "04/12/2026"
    assert shown(7.5 / 31.1034768, TROY_OZ) == "0.241"  # 10 g of 18K: 7.5 g fine
    assert shown(1234.5, MONEY) == "1,234.50"
    assert shown(71.885, GRAMS) == "71.89" or shown(71.885, GRAMS) == "71.88"
    assert shown(-0.001, GRAMS) == "0.00"
    assert shown(96.5) == "96.5" and shown(3) == "3" and shown(None) == ""


def test_widths_fit_the_content_within_bounds() -> None:
    date_col = ColumnLook("⚙ Next Due", DATE)
    assert fitted_width(date_col, [date(2026, 12, 4)]) == len("⚙ Next Due") + 4  # 14 > 12
    assert fitted_width(ColumnLook("Day", DATE), [date(2026, 12, 4)]) == 12  # 10 + 2
    long = ColumnLook("Message", wrap=True, min_width=40, max_width=80)
    assert fitted_width(long, ["x" * 300]) == 80 and fitted_width(long, ["short"]) == 40
    # a machine tab follows its content both ways; a ⚙ column on a human tab only grows
    assert width_to_set(date_col, [date(2026, 12, 4)], current=30, owned=True) == 14
    assert width_to_set(date_col, [date(2026, 12, 4)], current=30, owned=False) is None
    assert width_to_set(date_col, [date(2026, 12, 4)], current=8, owned=False) == 14
    assert width_to_set(date_col, [date(2026, 12, 4)], current=14, owned=True) is None


def test_highlights_match_as_their_rule_says() -> None:
    late = Highlight("Late", RED)
    risk = look_of("Orders")
    assert risk is not None
    colours = risk.column("⚙ Risk")
    assert colours is not None
    first = {v: next((h.colour.fill for h in colours.highlights if h.applies(v)), None)
             for v in ("Late", "At risk", "On track", "Delivered late", "")}
    assert first == {"Late": "FFC7CE", "At risk": "FFEB9C", "On track": "C6EFCE",
                     "Delivered late": "E7E6E6", "": None}
    assert late.applies("late") and not late.applies("Latest")
    assert highlight_formula(Highlight("Blocked", RED, "starts"), "K") == 'LEFT(TRIM(K2),7)="Blocked"'
    assert highlight_formula(Highlight('say "hi"', RED, "contains"), "B") == (
        'ISNUMBER(SEARCH("say ""hi""",B2))')


def test_text_right_of_a_number_or_a_date_keeps_off_it() -> None:
    today, activity, yields = look_of("Today"), look_of("Activity"), look_of("Yields")
    assert today is not None and activity is not None and yields is not None
    indents = {h: today.column(h).indent for h in ("Urgency", "Since", "Waiting")}  # type: ignore[union-attr]
    assert indents == {"Urgency": 0, "Since": 0, "Waiting": 1}  # after the date Since
    assert activity.column("Kind").indent == 1  # type: ignore[union-attr]  # after Time
    assert yields.column("Currency").indent == 1  # type: ignore[union-attr]  # after Value Lost
    assert kept_off_numbers([ColumnLook("Basis", indent=2)]) == (ColumnLook("Basis", indent=2),)


def test_a_tab_is_printed_as_few_pages_wide_as_reads_well() -> None:
    assert pages_wide([13, 18, 12, 12, 13, 28, 40]) == 1  # Progress: 136 characters
    assert pages_wide([20.0] * 31) == 5  # 620 characters: Orders with its ⚙ columns
    assert pages_wide([None] * 10) == 1  # 10 columns nobody sized, 8.43 each


def test_wrapped_lines_are_counted_generously() -> None:
    assert lines_needed("OK", 60) == 1
    assert lines_needed("word " * 40, 60) == 4  # 13 words (64 characters) in ~68 a line
    assert lines_needed("one\ntwo", 60) == 2


# ---- on the synced demo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(synced_demo(tmp_path_factory.mktemp("looks")))


def test_dates_grams_ounces_and_money_have_their_patterns(demo_book: openpyxl.Workbook) -> None:
    orders = demo_book["Orders"]
    assert {c.number_format for c in cells_below(orders, "⚙ Next Due")} == {DATE}
    assert {c.number_format for c in cells_below(orders, "Promised Date")
            if isinstance(c.value, datetime)} == {DATE}
    stock = demo_book["Metal Stock"]
    assert {c.number_format for c in cells_below(stock, "Book (g)")} == {GRAMS}
    assert {c.number_format for c in cells_below(stock, "Fine Troy Oz")} == {TROY_OZ}
    assert {c.number_format for c in cells_below(stock, "Value")} == {MONEY}
    assert {c.number_format for c in cells_below(demo_book["Yields"], "Fine Lost (g)")} == {GRAMS}
    assert {c.number_format for c in cells_below(demo_book["Activity"], "Time")} == {MOMENT}


def test_long_text_wraps_and_its_row_grows(demo_book: openpyxl.Workbook) -> None:
    problems = demo_book["Problems"]
    messages = cells_below(problems, "Message")
    assert all(c.alignment.wrap_text for c in messages)
    longest = max(messages, key=lambda c: len(str(c.value)))
    width = problems.column_dimensions[get_column_letter(longest.column)].width
    assert width == 80
    assert problems.row_dimensions[longest.row].height == 15 * lines_needed(str(longest.value), 80)
    assert all(c.alignment.wrap_text for c in cells_below(demo_book["Orders"], "⚙ Check"))


def test_every_product_tab_has_a_frozen_filterable_header(demo_book: openpyxl.Workbook) -> None:
    for ws in demo_book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref is not None, ws.title
    problems = demo_book["Problems"]
    assert problems.auto_filter.ref == f"A1:F{problems.max_row}"


def test_colours_with_a_meaning(demo_book: openpyxl.Workbook) -> None:
    orders = demo_book["Orders"]
    r = get_column_letter(column(orders, "⚙ Risk"))
    assert rules(orders, "⚙ Risk") == [
        (f'TRIM({r}2)="Late"', "FFC7CE"), (f'TRIM({r}2)="At risk"', "FFEB9C"),
        (f'TRIM({r}2)="On track"', "C6EFCE"), (f'LEFT(TRIM({r}2),9)="Delivered"', "E7E6E6"),
    ]
    severity = rules(demo_book["Problems"], "Severity")
    assert severity == [('TRIM(D2)="error"', "FFC7CE"), ('TRIM(D2)="warning"', "FFEB9C")]
    assert [fill for _, fill in rules(demo_book["KPIs"], "Met")] == ["C6EFCE", "FFC7CE"]
    assert rules(demo_book["Launches"], "⚙ State")[0][1] == "FFC7CE"  # Blocked: red
    flag = get_column_letter(column(demo_book["Yields"], "Flag"))
    assert rules(demo_book["Yields"], "Flag") == [  # a job still open is news, not an alarm
        (f'LEFT(TRIM({flag}2),5)="open:"', "DDEBF7"), (f"LEN(TRIM({flag}2))>0", "FFC7CE")]
    assert rules(demo_book["Orders"], "Client") == []  # a human column: no colour of ours


def test_dates_are_never_too_narrow_to_show(demo_book: openpyxl.Workbook) -> None:
    for ws in demo_book.worksheets:
        look = look_of(ws.title)
        assert look is not None
        for cell in ws[1]:
            spec = look.column(str(cell.value))
            if spec is None or spec.pattern not in (DATE, MOMENT):
                continue
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= len(shown(datetime(2026, 12, 24, 23, 59), spec.pattern)) + 1, (
                ws.title, cell.value)


# ---- a workbook people keep --------------------------------------------------------------


def test_human_columns_keep_their_look_and_a_persons_widths_and_heights_stay(
    tmp_path: Path,
) -> None:
    config = config_in(tmp_path)
    path = write_new_workbook(tmp_path / "w.xlsx", demo_tabs(TODAY))
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    sync(path, config, now)
    book = openpyxl.load_workbook(path)
    orders = book["Orders"]
    risk = get_column_letter(column(orders, "⚙ Risk"))
    check = get_column_letter(column(orders, "⚙ Check"))
    client = get_column_letter(column(orders, "Client"))
    orders.column_dimensions[risk].width = 35  # a person widened it
    orders.column_dimensions[check].width = 5  # and squeezed this one
    orders.column_dimensions[client].width = 3  # a human column, as narrow as they like
    orders.cell(row=2, column=column(orders, "Promised Date")).number_format = "d mmm yy"
    orders.row_dimensions[3].height = 22.5  # a person's row height
    book.save(path)
    later = sync(path, config, now + timedelta(days=1))
    assert later.written is not None
    orders = openpyxl.load_workbook(path)["Orders"]
    assert orders.column_dimensions[risk].width == 35
    assert orders.column_dimensions[check].width >= 24  # grew back to show its text
    assert orders.column_dimensions[client].width == 3
    assert orders.cell(row=2, column=column(orders, "Promised Date")).number_format == "d mmm yy"
    assert orders.row_dimensions[3].height is not None and orders.row_dimensions[3].height >= 22.5


def test_a_row_we_size_for_our_text_still_shows_a_persons_wrapped_text_whole() -> None:
    """Partner Problems: our ⚙ Sent Decision needs 2 lines, the partner's Report (a human
    cell set to wrap, in a 40-character column) needs 3: the row gets 3 lines, and the
    Report cell keeps its own look."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Partner Problems"
    ws.append(["Problem ID", "Report", "⚙ Sent Decision"])
    report = ("The sprue on the back of the shank, as the sheet asks, lands on the "
              "engraving zone. Can we move it to the side?")
    decision = "Yes: move the sprue to the side of the shank. We accept up to 0.2 g over."
    ws.append(["web-1", report, decision])
    ws.column_dimensions["B"].width = 40
    ws["B2"].alignment = openpyxl.styles.Alignment(wrap_text=True)
    ws.row_dimensions[2].height = 45.0  # 3 lines, as the workbook was made
    look = look_of("Partner Problems")
    assert look is not None
    apply_look(ws, look)
    assert lines_needed(report, 40) == 3
    assert ws.row_dimensions[2].height == 45.0  # not cut down to our 2 lines
    assert ws["B2"].alignment.wrap_text and ws["B2"].alignment.vertical is None
    ws["B2"].alignment = openpyxl.styles.Alignment(wrap_text=False)  # a person unwraps it
    apply_look(ws, look)
    assert ws.row_dimensions[2].height == 15.0 * lines_needed(decision, 40)


def test_a_look_is_written_only_where_it_is_missing_or_different() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Problems"
    ws.append(["Tab", "Key", "Column", "Severity", "Message", "First Seen"])
    ws.append(["Orders", "JW-1", "Alloy", "error", "Orders row 2 (JW-1): alloy unknown",
               date(2026, 11, 25)])
    ws.conditional_formatting.add("A2:A9", openpyxl.formatting.rule.FormulaRule(
        formula=["A2=1"], fill=openpyxl.styles.PatternFill(bgColor="123456")))  # a person's
    look = look_of("Problems")
    assert look is not None
    apply_look(ws, look)
    first = _state(ws)
    apply_look(ws, look)
    assert _state(ws) == first  # nothing piles up, nothing moves
    assert sum(len(cf.rules) for cf in ws.conditional_formatting) == 3  # theirs + 2 of ours
    # someone moved Severity two columns right: our rules follow it, theirs stay
    ws.insert_cols(4, 2)
    ws["D1"], ws["E1"] = "Note", "More"
    apply_look(ws, look)
    assert rules(ws, "Severity") == [('TRIM(F2)="error"', "FFC7CE"),
                                     ('TRIM(F2)="warning"', "FFEB9C")]
    assert sum(len(cf.rules) for cf in ws.conditional_formatting) == 3


def _state(ws: Worksheet) -> object:
    return (
        [(str(cf.sqref), [(r.formula, r.priority) for r in cf.rules])
         for cf in ws.conditional_formatting],
        {k: v.width for k, v in ws.column_dimensions.items()},
        {k: v.height for k, v in ws.row_dimensions.items()},
        [(c.number_format, c.alignment.wrap_text) for row in ws.iter_rows() for c in row],
        ws.freeze_panes, ws.auto_filter.ref,
    )


def test_a_tab_without_a_look_column_is_left_as_it_is() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    apply_look(ws, TabLook("Sheet", (ColumnLook("Nope", DATE),), machine=True))
    assert ws.freeze_panes is None and not ws.conditional_formatting
