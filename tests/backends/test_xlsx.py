"""The local .xlsx backend beyond the shared contract: what a real file brings.

Human cells keep their formulas, styles, widths and validation; cached formula values are
read; wrong files, open files and a second writer are refused with a clear message; a
failed write leaves no temporary file behind; any text survives a round trip.
"""

from __future__ import annotations

import fcntl
import os
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from sheets_sync.backends.base import AppendRow, ChangeSet, GridCell, KeyedCell, NewColumn, NewTab
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.backends.xlsx_cells import MACHINE_TAB_COLOR, clean_text
from sheets_sync.backends.xlsx_formulas import cached_in
from sheets_sync.errors import NotAWorkbook, WorkbookError, WorkbookLocked

RISK = ChangeSet(
    new_columns=[NewColumn("Orders", "⚙ Risk")],
    cells=[KeyedCell("Orders", "Order Ref", "1002", "⚙ Risk", "late")],
)


def human_workbook(path: Path) -> Path:
    """Orders as a person made it in Excel: styles, a width, a drop-down, a formula, a tab."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Orders"
    ws.append(["Order Ref", "Client", "Alloy", "Wax Weight (g)", "Target Weight (g)"])
    ws.append(["1001", "Ms Okafor", "18k yellow", 2.5, "=D2*11"])
    ws.append(["1002", "Mr Lindqvist", "Platinum", 1.5, "=D3*21.4"])
    ws["B2"].font = Font(bold=True, color="C00000")
    ws["B2"].fill = PatternFill(fill_type="solid", fgColor="FFF2CC")
    ws["D2"].number_format = "0.00"
    ws.column_dimensions["B"].width = 31.5
    dv = DataValidation(type="list", formula1='"18k yellow,18k white,Platinum"')
    dv.add("C2:C500")
    ws.add_data_validation(dv)
    mine = wb.create_sheet("Mine")
    mine["A1"] = "my own sums"
    mine["B2"] = "=SUM(Orders!D2:D3)"
    wb.save(path)
    return path


def test_human_cells_survive_a_write(tmp_path: Path) -> None:
    path = human_workbook(tmp_path / "w.xlsx")
    XlsxBackend(path).write(RISK)
    wb = openpyxl.load_workbook(path)
    ws = wb["Orders"]
    assert ws["E2"].value == "=D2*11" and ws["E2"].data_type == "f"
    assert ws["E3"].value == "=D3*21.4"
    assert ws["B2"].font.bold and ws["B2"].font.color.rgb == "00C00000"
    assert ws["B2"].fill.fgColor.rgb == "00FFF2CC"
    assert ws["D2"].number_format == "0.00"
    assert ws.column_dimensions["B"].width == 31.5
    [dv] = ws.data_validations.dataValidation
    assert str(dv.sqref) == "C2:C500" and dv.formula1 == '"18k yellow,18k white,Platinum"'
    assert (
        wb["Mine"]["B2"].value == "=SUM(Orders!D2:D3)" and wb["Mine"]["A1"].value == "my own sums"
    )
    # the machine column landed after the last header, styled as the machine's
    assert ws["F1"].value == "⚙ Risk" and ws["F3"].value == "late" and ws["F2"].value is None
    assert ws["F1"].font.bold and ws["F1"].fill.fgColor.rgb == "00DCE6F1"
    assert not ws["E1"].font.bold  # a human header is not restyled


def test_new_machine_tab_is_coloured_with_a_styled_header(tmp_path: Path) -> None:
    path = human_workbook(tmp_path / "w.xlsx")
    XlsxBackend(path).write(ChangeSet(new_tabs=[NewTab("Activity", ("When", "What"))]))
    ws = openpyxl.load_workbook(path)["Activity"]
    assert ws.sheet_properties.tabColor.rgb == "00" + MACHINE_TAB_COLOR
    assert [c.value for c in ws[1]] == ["When", "What"] and ws["A1"].font.bold


def sheet_xml(cells: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )


# a boolean, an error, a formula never computed, and a shared formula, as Excel writes them
MORE_FORMULAS = (
    '<c r="E2" t="b"><f>B2&gt;2</f><v>1</v></c>'
    '<c r="F2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '<c r="G2"><f>B2+1</f><v></v></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><t>1002</t></is></c><c r="B3"><v>4</v></c>'
    '<c r="C3"><f t="shared" ref="C3:C3" si="0">B3*11</f><v>44</v></c>'
)


def hand_made_xlsx(path: Path, more: str = "") -> Path:
    """A minimal .xlsx written byte by byte, as Excel would after computing: <f> and <v>."""
    ns = "http://schemas.openxmlformats.org/"
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{ns}package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{ns}package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{ns}officeDocument/2006/relationships">'  # noqa: E501
            '<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{ns}package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>Order Ref</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Wax Weight (g)</t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>Target Weight (g)</t></is></c>'
            '<c r="D1" t="inlineStr"><is><t>Label</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>1001</t></is></c><c r="B2"><v>2.5</v></c>'
            '<c r="C2"><f>B2*11</f><v>27.5</v></c>'
            '<c r="D2" t="str"><f>"R-"&amp;A2</f><v>R-1001</v></c>'
            f"{more}</row>"
        ),
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_read_gives_the_cached_value_of_a_formula(tmp_path: Path) -> None:
    table = XlsxBackend(hand_made_xlsx(tmp_path / "excel.xlsx")).read().table("Orders")
    assert table is not None
    assert table.rows == [["1001", 2.5, 27.5, "R-1001"]]


def test_a_write_keeps_the_values_human_formulas_last_computed(tmp_path: Path) -> None:
    path = hand_made_xlsx(tmp_path / "excel.xlsx")
    backend = XlsxBackend(path)
    backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "late")],
        )
    )
    table = backend.read().table("Orders")
    assert table is not None
    # 27.5 and "R-1001" are still read, not blanks that would look "required but empty"
    assert table.rows == [["1001", 2.5, 27.5, "R-1001", "late"]]
    backend.write(ChangeSet(grid=[GridCell("Orders", 2, "⚙ Risk", "on track")]))
    table = backend.read().table("Orders")
    assert table is not None and table.rows == [["1001", 2.5, 27.5, "R-1001", "on track"]]
    wb = openpyxl.load_workbook(path)
    ws = wb["Orders"]
    assert (ws["C2"].value, ws["C2"].data_type) == ("=B2*11", "f")
    assert (ws["D2"].value, ws["D2"].data_type) == ('="R-"&A2', "f")
    # Excel and LibreOffice recompute on open; the cached values only bridge until then
    assert wb.calculation.fullCalcOnLoad
    cached = openpyxl.load_workbook(path, data_only=True)["Orders"]
    assert (cached["C2"].value, cached["D2"].value) == (27.5, "R-1001")


def test_cached_booleans_errors_and_shared_formulas_keep_their_type(tmp_path: Path) -> None:
    path = hand_made_xlsx(tmp_path / "excel.xlsx", more=MORE_FORMULAS)
    XlsxBackend(path).write(ChangeSet(grid=[GridCell("Orders", 3, "Label", "by hand")]))
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="C2"><f>B2*11</f><v>27.5</v></c>' in xml  # a number has no t=
    assert '<c r="D2" t="str"><f>"R-"&amp;A2</f><v>R-1001</v></c>' in xml
    assert '<c r="E2" t="b"><f>B2&gt;2</f><v>1</v></c>' in xml
    assert '<c r="F2" t="e"><f>1/0</f><v>#DIV/0!</v></c>' in xml
    assert '<c r="C3"><f>B3*11</f><v>44</v></c>' in xml  # openpyxl unshares the formula
    assert '<c r="G2"><f>B2+1</f><v' in xml and "<v>" not in xml.split('r="G2"')[1][:30]
    table = XlsxBackend(path).read().table("Orders")
    assert table is not None
    assert table.rows[0][:5] == ["1001", 2.5, 27.5, "R-1001", True]
    assert table.rows[1][:4] == ["1002", 4, 44, "by hand"]
    values = openpyxl.load_workbook(path, data_only=True)["Orders"]
    assert values["F2"].value == "#DIV/0!" and values["G2"].value is None


def test_cached_values_are_found_only_in_formula_cells() -> None:
    xml = sheet_xml(
        '<row r="1"><c r="A1"><v>7</v></c><c r="B1" s="2"/>'
        '<x:c r="C1" t="str"><x:f>A1&amp;"g"</x:f><x:v>7g</x:v></x:c>'
        '<c r="D1"><f>A1*2</f><v>14</v></c><c r="E1" t="s"><f>X1</f><v>0</v></c></row>'
    ).encode()
    # a shared-string index (t="s") is not a value we can carry over: left as it is
    assert cached_in(xml) == {"C1": (b"str", b"7g"), "D1": (b"", b"14")}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("orders.xlsx", b"Order Ref;Client\n1001;Ms Okafor\n"),  # a CSV renamed
        ("orders.csv", b"Order Ref,Client\n1001,Ms Okafor\n"),
        ("empty.xlsx", b""),
    ],
)
def test_a_file_that_is_not_a_workbook_is_named(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotAWorkbook, match=str(path)):
        XlsxBackend(path).read()
    with pytest.raises(NotAWorkbook, match=str(path)):
        XlsxBackend(path).write(RISK)
    assert path.read_bytes() == content


def test_a_truncated_workbook_is_named(tmp_path: Path) -> None:
    whole = human_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(NotAWorkbook, match=str(path)):
        XlsxBackend(path).read()
    with pytest.raises(NotAWorkbook, match=str(path)):
        XlsxBackend(path).write(RISK)


def test_a_missing_workbook_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.xlsx"
    with pytest.raises(WorkbookError, match="does not exist.*sheets-sync init --demo"):
        XlsxBackend(path).read()
    with pytest.raises(WorkbookError, match="does not exist"):
        XlsxBackend(path).write(RISK)
    assert not path.exists()


def test_an_empty_workbook_reads_as_an_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    snapshot = XlsxBackend(path).read()
    [table] = snapshot.tables.values()
    assert table.headers == [] and table.rows == []


@pytest.mark.parametrize("lock_name", ["~$w.xlsx", ".~lock.w.xlsx#"])
def test_open_in_excel_or_libreoffice_refuses_and_writes_nothing(
    tmp_path: Path, lock_name: str
) -> None:
    path = human_workbook(tmp_path / "w.xlsx")
    (tmp_path / lock_name).write_bytes(b"someone")
    before = path.read_bytes()
    with pytest.raises(WorkbookLocked, match="close it in Excel/LibreOffice"):
        XlsxBackend(path).write(RISK)
    assert path.read_bytes() == before


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    path = human_workbook(tmp_path / "w.xlsx")
    backend = XlsxBackend(path, lock_wait=0.2)
    before = path.read_bytes()
    with backend.lock_path().open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(WorkbookLocked, match="another sync is writing"):
            backend.write(RISK)
    assert path.read_bytes() == before
    backend.write(RISK)  # once the other writer is done, it goes through
    assert path.read_bytes() != before


def test_a_failed_save_leaves_the_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = human_workbook(tmp_path / "w.xlsx")
    before = path.read_bytes()
    listing = sorted(os.listdir(tmp_path))

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(WorkbookError, match="disk full"):
        XlsxBackend(path).write(RISK)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == sorted([*listing, "w.xlsx.sheets-sync.lock"])


def test_text_is_never_a_formula_in_the_file(tmp_path: Path) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", {"Activity": [["What"]]})
    hostile = '=HYPERLINK("http://evil","click")'
    XlsxBackend(path).write(ChangeSet(appends=[AppendRow("Activity", {"What": hostile})]))
    cell = openpyxl.load_workbook(path)["Activity"]["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (hostile, "s", True)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Activity")
    assert sheet.to_python() == [["What"], [hostile]]
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_dates_are_real_and_aware_times_keep_their_wall_clock(tmp_path: Path) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", {"Log": [["When", "Day"]]})
    paris = timezone(timedelta(hours=1))
    XlsxBackend(path).write(
        ChangeSet(
            grid=[
                GridCell("Log", 2, "When", datetime(2026, 11, 21, 16, 45, tzinfo=paris)),
                GridCell("Log", 2, "Day", date(2026, 11, 21)),
            ]
        )
    )
    ws = openpyxl.load_workbook(path)["Log"]
    assert ws["A2"].number_format == "dd/mm/yyyy hh:mm" and ws["B2"].number_format == "dd/mm/yyyy"
    table = XlsxBackend(path).read().table("Log")
    assert table is not None and table.rows == [
        [datetime(2026, 11, 21, 16, 45), date(2026, 11, 21)]
    ]


def test_times_and_durations_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Start", "Took"])
    ws.append([datetime(2026, 1, 1, 10, 30).time(), timedelta(hours=30, minutes=5)])
    wb.save(path)
    table = XlsxBackend(path).read().table("Sheet")
    assert table is not None and table.rows == [["10:30", "30:05"]]


def test_control_characters_are_escaped_not_fatal(tmp_path: Path) -> None:
    assert clean_text("a\x01b") == "a_x0001_b"
    assert clean_text("price_x0041_") == "price_x005F_x0041_"
    assert clean_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    path = write_new_workbook(tmp_path / "w.xlsx", {"Log": [["Note"]]})
    backend = XlsxBackend(path)
    backend.write(ChangeSet(grid=[GridCell("Log", 2, "Note", "bell\x07 and \ud800")]))
    table = backend.read().table("Log")
    assert table is not None and table.rows == [["bell\x07 and \ufffd"]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=4))
@example(texts=["_x0041_ stays", "cr\r\nlf", "nul\x00", "  ", "=1+1"])
def test_any_text_round_trips_through_two_writes(tmp_path: Path, texts: list[str]) -> None:
    path = write_new_workbook(tmp_path / "round.xlsx", {"Log": [["Note", "Other"]]})
    backend = XlsxBackend(path)
    backend.write(ChangeSet(grid=[GridCell("Log", i + 2, "Note", t) for i, t in enumerate(texts)]))
    backend.write(ChangeSet(grid=[GridCell("Log", 2, "Other", "second write")]))
    table = backend.read().table("Log")
    assert table is not None
    got = dict(zip(table.row_numbers, table.column_values("Note"), strict=True))
    for i, text in enumerate(texts):
        if text.strip():
            assert got.get(i + 2) == text
        else:  # "" clears the cell; a row holding only spaces may read as blank
            assert got.get(i + 2) in (None, text)


def test_a_machine_column_inside_a_group_of_columns_gets_its_own_width(tmp_path: Path) -> None:
    """Excel and LibreOffice save equal columns as one group (<col min="1" max="4">); the
    ⚙ column's width is set on it alone, the group's look stays on the others."""
    path = tmp_path / "grouped.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Orders"
    ws.append(["Order Ref", "Client", "Alloy", "⚙ Risk"])
    ws.append(["1001", "Ms Okafor", "18k yellow", None])
    ws["A2"].font = Font(italic=True)  # the second cell format: italic
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b"<sheetData>", b'<cols><col min="1" max="4" width="9" style="1" customWidth="1"/></cols>'
        b"<sheetData>")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    risk = "Late: promised 21/11/2026, casting not started"
    XlsxBackend(path).write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk",
                                                       risk)]))
    ws = openpyxl.load_workbook(path)["Orders"]
    assert ws["D2"].value == risk
    assert ws.column_dimensions["D"].width == 40  # grown to show the text, up to its maximum
    assert [ws.column_dimensions[c].width for c in "ABC"] == [9, 9, 9]
    assert all(ws.column_dimensions[c].font.italic for c in "ABC")
