"""A write rewrites only the tabs its ChangeSet touches and copies the rest of the file.

The workshop below is kept as people keep it: Orders with a person's fill and drop-down,
Progress saved by Excel (its text in the shared-strings table, a colour rule), a tab of
their own sums whose formula holds the value Excel computed, and the KPIs charts drawn
from KPI Trends. Any ChangeSet written tab by tab reads back exactly as the same
ChangeSet written through openpyxl's whole-file save, and every tab it does not touch is
the same bytes as before.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheets_sync.backends.base import AppendRow, ChangeSet, GridCell, KeyedCell, NewColumn
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.backends.xlsx_formulas import sheet_parts
from sheets_sync.backends.xlsx_parts import touched_tabs
from sheets_sync.cells import CellValue
from sheets_sync.contract import KPI_TRENDS, TODAY, normalize

KEYS = ["B-00001", "B-00002", "B-00003", "B-00004"]
ORDERS = ["Order Ref", "Client", "Alloy", "Promised Date", "⚙ Risk", "⚙ Next Due", "⚙ Launch"]
HOSTILE = '=IMPORTXML("http://evil.example","//a")'


def _kpi_rows() -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    for alloy in ("All", "18k yellow"):
        for month, base in (("2026-09", 2.0), ("2026-10", 2.5), ("2026-11", 3.1)):
            rows.append([month, alloy, *(base + i for i in range(len(KPI_TRENDS.headers) - 2))])
    return rows


def workshop(path: Path) -> Path:
    tabs: dict[str, list[list[CellValue]]] = {
        "Orders": [ORDERS, *([k, "Ms Okafor", "18k yellow", date(2026, 12, i + 1), "On track",
                              date(2026, 12, i + 2), None] for i, k in enumerate(KEYS))],
        "Progress": [["Order Ref", "Stage", "Status"],
                     *([k, stage, "Done"] for k in KEYS for stage in ("Wax", "Casting"))],
        "Mine": [["my own sums"]],
        TODAY.name: [list(TODAY.headers), ["Now", "Call Ms Okafor", "Sam", date(2026, 11, 20),
                                           "2 days", "Orders", "B-00001"]],
        KPI_TRENDS.name: [list(KPI_TRENDS.headers), *_kpi_rows()],
        "KPIs": [["Month", "KPI", "Value", "Target", "Met", "Basis"]],
        "Activity": [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]],
    }
    write_new_workbook(path, tabs, machine_tabs=[TODAY.name, KPI_TRENDS.name, "KPIs", "Activity"])
    book = openpyxl.load_workbook(path)
    orders = book["Orders"]
    orders["B2"].fill = PatternFill(fill_type="solid", fgColor="FFF2CC")
    orders["B3"].font = Font(bold=True, color="C00000")
    orders.column_dimensions["B"].width = 31.5
    drop_down = DataValidation(type="list", formula1='"18k yellow,Platinum"')
    drop_down.add("C2:C500")
    orders.add_data_validation(drop_down)
    book["Progress"].conditional_formatting.add(
        "C2:C100", CellIsRule(operator="equal", formula=['"Done"'], fill=PatternFill(
            fill_type="solid", bgColor="C6EFCE")))
    mine = book["Mine"]
    mine["B2"] = "=COUNTA(Orders!A2:A5)"
    mine["A3"].hyperlink = "https://cad.example/B-00001.stl"
    mine["A4"] = "ask Sam"
    mine["A4"].comment = Comment("Sam knows the caster's new price", "Ana")
    book.save(path)
    XlsxBackend(path, split=False).write(  # the KPIs charts, drawn by a whole-file write
        ChangeSet(grid=[GridCell(KPI_TRENDS.name, 2, "YVR %", 1.5)]))
    return _as_excel_saves(path)


def _as_excel_saves(path: Path) -> Path:
    """Progress's text moved into a shared-strings table and Mine's formula given the value
    Excel computed, as a file Excel saved holds them."""
    with zipfile.ZipFile(path) as z:
        parts = sheet_parts(z)
        entries = {i.filename: z.read(i) for i in z.infolist()}
    strings: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        strings.append(m.group(2))
        return m.group(1) + b' t="s"><v>%d</v></c>' % (len(strings) - 1)

    progress = parts["Progress"]
    entries[progress] = re.sub(rb'(<c r="\w+"(?: s="\d+")?) t="inlineStr"><is>(.*?)</is></c>',
                               shared, entries[progress])
    mine = parts["Mine"]
    entries[mine] = entries[mine].replace(b"<v />", b"<v>4</v>").replace(b"<v/>", b"<v>4</v>")
    ns = b"http://schemas.openxmlformats.org/"
    entries["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="' + ns
        + b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(strings), len(strings))
        + b"".join(b"<si>" + s + b"</si>" for s in strings) + b"</sst>")
    entries["xl/_rels/workbook.xml.rels"] = entries["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="' + ns
        + b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workshop(tmp_path_factory.mktemp("parts") / "base.xlsx")


def seen(path: Path) -> dict[str, Any]:
    """Everything a reader or a person sees in the file: the backend's read, each cell's
    value, formula value, number format, font, fill and alignment, widths and heights,
    drop-downs, colour rules, filters, frozen panes and charts."""
    snap = XlsxBackend(path).read()
    book = openpyxl.load_workbook(path)
    computed = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, Any] = {
        "read": [(t.name, t.headers, t.rows, t.row_numbers) for t in snap.tables.values()],
        "tabs": book.sheetnames,
    }
    for ws in book.worksheets:
        out[ws.title] = {
            "cells": [(c.coordinate, c.value, computed[ws.title][c.coordinate].value,
                       c.number_format, repr(c.font), repr(c.fill), repr(c.alignment),
                       c.quotePrefix, c.hyperlink.target if c.hyperlink else None,
                       c.comment.text if c.comment else None)
                      for row in ws.iter_rows() for c in row],
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items()},
            "drop-downs": [(str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation],
            "colours": [(str(cf.sqref), [(r.type, r.formula, repr(r.dxf)) for r in cf.rules])
                        for cf in ws.conditional_formatting],
            "view": (ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows,
                     repr(ws.sheet_properties.tabColor)),
            "charts": [type(c).__name__ for c in ws._charts],
        }
    return out


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _untouched(path: Path, changes: ChangeSet) -> dict[str, bytes]:
    """The XML of each tab the change does not touch, by tab name."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(part) for name, part in sheet_parts(z).items()
                if normalize(name) not in touched_tabs(changes)}


texts = st.one_of(st.text(max_size=12), st.sampled_from([HOSTILE, "#N/A", "Late", "_x0041_"]))
values = st.one_of(
    st.none(), texts, st.booleans(), st.integers(-10**9, 10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(lambda d: d.replace(
        microsecond=0)),
)
days = st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2099, 12, 31)))
keys = st.sampled_from([*KEYS, "B-09999"])
# what the sync writes there: dates under a date pattern, anything in other columns
keyed = st.one_of(
    st.builds(KeyedCell, st.just("Orders"), st.just("Order Ref"), keys,
              st.sampled_from(["⚙ Risk", "⚙ Launch"]), values),
    st.builds(KeyedCell, st.just("Orders"), st.just("Order Ref"), keys, st.just("⚙ Next Due"),
              days),
)
machine = st.one_of(
    st.builds(GridCell, st.just(TODAY.name), st.integers(2, 9),
              st.sampled_from([h for h in TODAY.headers if h != "Since"]), values),
    st.builds(GridCell, st.just(TODAY.name), st.integers(2, 9), st.just("Since"), days),
    st.builds(GridCell, st.just(KPI_TRENDS.name), st.integers(2, 9),
              st.sampled_from(KPI_TRENDS.headers[2:]), st.floats(0, 100)),
)
appended = st.builds(AppendRow, st.just("Activity"), st.fixed_dictionaries(
    {"Time": st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(
        lambda d: d.replace(microsecond=0)), "Kind": st.just("email"), "Detail": texts}))
change_sets = st.builds(
    ChangeSet,
    new_columns=st.lists(st.just(NewColumn("Orders", "⚙ Check")), max_size=1),
    cells=st.lists(keyed, max_size=6),
    grid=st.lists(machine, max_size=6),
    appends=st.lists(appended, max_size=3),
).filter(bool)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=change_sets)
@example(changes=ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "B-00002", "⚙ Risk", HOSTILE)]))
@example(changes=ChangeSet(grid=[GridCell(KPI_TRENDS.name, 3, "YVR %", 9.5)]))
def test_a_write_tab_by_tab_reads_back_as_the_whole_file_write(
    base: Path, tmp_path: Path, changes: ChangeSet
) -> None:
    split, whole = tmp_path / "split.xlsx", tmp_path / "whole.xlsx"
    shutil.copy(base, split)
    shutil.copy(base, whole)
    got = XlsxBackend(split).write(changes)
    wanted = XlsxBackend(whole, split=False).write(changes)
    assert got == wanted
    assert seen(split) == seen(whole)
    # the tabs not touched are the bytes they were, and still find their shared strings
    assert _untouched(split, changes) == _untouched(base, changes)
    assert "Progress" in _untouched(split, changes)
    before, after = _parts(base), _parts(split)
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    if normalize("KPIs") not in touched_tabs(changes):  # the charts, untouched
        assert {p: after[p] for p in after if p.startswith("xl/charts/")} == {
            p: before[p] for p in before if p.startswith("xl/charts/")}


def test_the_written_file_opens_in_libreoffice(base: Path, tmp_path: Path) -> None:
    path = tmp_path / "workshop.xlsx"
    shutil.copy(base, path)
    XlsxBackend(path).write(ChangeSet(
        cells=[KeyedCell("Orders", "Order Ref", "B-00003", "⚙ Risk", HOSTILE)],
        grid=[GridCell(TODAY.name, 3, "What", "Chase the caster about B-00004")],
        appends=[AppendRow("Activity", {"Time": datetime(2026, 11, 25, 10, 0),
                                        "Detail": "Reminder sent to Ms Okafor"})],
    ))
    assert "xl/sharedStrings.xml" in _parts(path)  # written tab by tab
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(path)], check=True, capture_output=True, timeout=240)
    text = subprocess.run(["pdftotext", str(tmp_path / "workshop.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    for shown in ("IMPORTXML", "Chase the caster about B-00004", "Reminder sent to Ms Okafor",
                  "Casting", "my own sums", "18k yellow"):
        assert shown in text
    assert openpyxl.load_workbook(path)["Orders"]["E4"].value == HOSTILE


def test_an_untouched_tab_whose_parts_clash_is_written_with_the_whole_file(
    base: Path, tmp_path: Path
) -> None:
    """Mine gets a chart of its own, saved before the KPIs charts: redrawing the KPIs
    charts, openpyxl names its drawing as Mine's is named, so the file is written whole."""
    path = tmp_path / "clash.xlsx"
    book = openpyxl.load_workbook(base)
    chart = LineChart()
    chart.add_data(Reference(book[KPI_TRENDS.name], min_col=3, min_row=1, max_row=4),
                   titles_from_data=True)
    book["Mine"].add_chart(chart, "D2")
    book.save(path)
    XlsxBackend(path).write(ChangeSet(grid=[GridCell(KPI_TRENDS.name, 2, "YVR %", 4.5)]))
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert len(names) == len(set(names))
    book = openpyxl.load_workbook(path)
    assert len(book["Mine"]._charts) == 1 and len(book["KPIs"]._charts) == 3
    assert book[KPI_TRENDS.name]["C2"].value == 4.5
