"""Human cells as people break them: a formula showing an error, a header written twice, a
merge over the cells the sync writes. Each gives a clear message naming the place, never a
blank, a zero or a bare Python error. Real .xlsx files (openpyxl writes them, Excel's way
of storing a failed formula is put back into the XML) and the fake Google Sheets API."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync import pipeline
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.errors import WorkbookError
from sheets_sync.records import build_workshop
from sheets_sync.testing import FakeSheets, fake_session

from .conftest import NOW

ERRORS = {  # Orders column -> what its cell shows on the first order
    "Quantity": "#DIV/0!",
    "Target Weight (g)": "#NAME?",
    "Wax Weight (g)": "#VALUE!",
    "Alloy": "#REF!",
    "Promised Date": "#N/A",
}


def with_formula_errors(path: Path, tab: str, cells: dict[tuple[int, str], str]) -> Path:
    """Error cells, as Excel stores a formula that failed: ``<c t="e"><f>…</f><v>#DIV/0!</v>``.
    ``cells``: (sheet row, header) -> the error shown. openpyxl writes an error value as
    ``t="e"``; the formula is put in front of its value afterwards."""
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    for (row, column), shown in cells.items():
        ws.cell(row, header.index(column) + 1).value = shown  # openpyxl: an error value
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb'(<c [^>]*t="e"[^>]*>)(<v>)', rb"\1<f>1/0</f>\2", data)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def messages(problems: list[Any], key: str) -> set[str]:
    return {p.message for p in problems if p.key == key}


def test_formula_errors_in_an_xlsx_are_problems_naming_tab_row_column_and_error(
    tmp_path: Path, demo: dict[str, list[list[Any]]]
) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    with_formula_errors(path, "Orders", {(2, column): shown for column, shown in ERRORS.items()})
    with zipfile.ZipFile(path) as z:
        assert any(b"<f>1/0</f><v>#DIV/0!</v>" in z.read(n) for n in z.namelist())
    read = build_workshop(XlsxBackend(path).read())
    ref = demo["Orders"][1][0]
    found = messages(read.problems, ref)
    for column, shown in ERRORS.items():
        said = f"Orders row 2 ({ref}), column {column}: {column} shows {shown}: fix the formula there"
        assert said in found, (said, found)
    assert not any("required but empty" in m for m in found)
    assert read.workshop.order(ref) is None  # a required cell cannot be read: left out, said why


def test_a_key_showing_an_error_is_named_and_its_row_skipped(
    tmp_path: Path, demo: dict[str, list[list[Any]]]
) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    with_formula_errors(path, "Orders", {(4, "Order Ref"): "#REF!"})
    read = build_workshop(XlsxBackend(path).read())
    assert (
        "Orders row 4, column Order Ref: Order Ref shows #REF!: fix the formula there; "
        "the row is skipped until then"
    ) in messages(read.problems, "row 4")
    assert all(o.ref != "#REF!" for o in read.workshop.orders)


def test_formula_errors_read_from_google_are_problems_too(demo: dict[str, list[list[Any]]]) -> None:
    fake = FakeSheets()
    for name, grid in demo.items():
        fake.add_sheet(name, grid)
    header = demo["Orders"][0]
    kinds = {"Quantity": "DIVIDE_BY_ZERO", "Wax Weight (g)": "VALUE", "Alloy": "REF"}
    for column, kind in kinds.items():
        letter = chr(65 + header.index(column))
        fake.cell("Orders", f"{letter}2")["effectiveValue"] = {"errorValue": {"type": kind, "message": "x"}}
    fake.human_set("Orders", f"{chr(65 + header.index('Target Weight (g)'))}2", "=nosuch()", typed=True)
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    read = build_workshop(backend.read())
    found = messages(read.problems, demo["Orders"][1][0])
    for column, shown in (("Quantity", "#DIV/0!"), ("Wax Weight (g)", "#VALUE!"), ("Alloy", "#REF!"),
                          ("Target Weight (g)", "#NAME?")):
        said = f"column {column}: {column} shows {shown}: fix the formula there"
        assert any(m.endswith(said) for m in found), (said, found)


def test_a_header_written_twice_is_a_problem_naming_both_columns_and_the_first_is_used(
    tmp_path: Path, demo: dict[str, list[list[Any]]]
) -> None:
    for i, row in enumerate(demo["Orders"]):
        row.append("Alloy" if i == 0 else "925")  # a second "Alloy" column, far right
    width = len(demo["Orders"][0])
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    read = build_workshop(XlsxBackend(path).read())
    first = chr(65 + demo["Orders"][0].index("Alloy"))
    last = chr(64 + width)
    [problem] = [p for p in read.problems if p.column == "Alloy" and p.key == ""]
    assert problem.message == (
        f"Orders has the header 'Alloy' in columns {first} and {last}: column {first} is the one "
        f"used, {last} is ignored; rename or remove the extra column"
    )
    assert read.workshop.orders[0].alloy == demo["Orders"][1][demo["Orders"][0].index("Alloy")]


# ------------------------------------------------------------------------ merged cells


def merge(path: Path, tab: str, first: str, last: str, row: int) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    a = openpyxl.utils.get_column_letter(header.index(first) + 1)
    b = openpyxl.utils.get_column_letter(header.index(last) + 1)
    ws.merge_cells(f"{a}{row}:{b}{row}")
    wb.save(path)
    return f"{a}{row}:{b}{row}"


def test_merged_cells_over_a_human_and_a_machine_column_stop_the_sync_naming_tab_and_range(
    demo_xlsx: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHEETS_SYNC_SECRET", "one-secret-for-both-0123456789abcdef")
    desk = Config().with_workbook(demo_xlsx)  # the state folder `run` below uses too
    pipeline.sync_once(desk, NOW)  # the ⚙ columns exist now
    span = merge(demo_xlsx, "Orders", "Notes", "⚙ Stage", 3)  # the merge blanks ⚙ Stage
    saved = demo_xlsx.read_bytes()
    with pytest.raises(WorkbookError) as refused:
        pipeline.sync_once(desk, NOW)
    assert str(refused.value) == (
        f"Orders: the cells {span} are merged and the sync must write ⚙ Stage in one of them; "
        "unmerge them (Format > Merge cells > Unmerge) and run again. Nothing was written."
    )
    assert demo_xlsx.read_bytes() == saved
    done = CliRunner().invoke(main, ["--workbook", str(demo_xlsx), "run"])
    assert done.exit_code == 2 and span in done.output and "Traceback" not in done.output


def test_merged_cells_the_sync_owns_are_unmerged_and_written(demo_xlsx: Path, config: Config) -> None:
    desk = config.with_workbook(demo_xlsx)
    pipeline.sync_once(desk, NOW)
    span = merge(demo_xlsx, "Orders", "⚙ Stage", "⚙ Status", 3)
    wb = openpyxl.load_workbook(demo_xlsx)
    header = [c.value for c in wb["Orders"][1]]
    stage = wb["Orders"].cell(3, header.index("⚙ Stage") + 1).value
    wb["Orders"].cell(3, header.index("⚙ Stage") + 1).value = None
    problems = wb["Problems"]
    problems.merge_cells("A2:C2")
    wb.save(demo_xlsx)
    pipeline.sync_once(desk, NOW)
    wb = openpyxl.load_workbook(demo_xlsx)
    assert span not in {str(r) for r in wb["Orders"].merged_cells.ranges}
    assert not wb["Problems"].merged_cells.ranges
    assert wb["Orders"].cell(3, header.index("⚙ Stage") + 1).value == stage
    assert wb["Orders"].cell(3, header.index("⚙ Status") + 1).value is not None
