"""Charts in the KPIs tab and the Load heatmap on a real .xlsx: the demo workbook synced
with every step, then the file's zip read part by part."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.backends.xlsx_formulas import sheet_parts
from sheets_sync.backends.xlsx_present import draw_chart, ensure_heatmap, present
from sheets_sync.config import Config
from sheets_sync.contract import KPI_TRENDS
from sheets_sync.pipeline import build_steps
from sheets_sync.presentation import CHARTS, HEATMAPS, Chart
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import SyncReport, run_sync

TODAY = date(2026, 11, 25)


def config_in(folder: Path) -> Config:
    base = Config()
    return replace(
        base,
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "ledger"),
        web=replace(base.web, journal_path=folder / "journal.sqlite",
                    upload_dir=folder / "uploads"),
    )


def sync(path: Path, config: Config, now: datetime) -> SyncReport:
    return run_sync(XlsxBackend(path), config, now, build_steps(config))


def demo(tmp_path: Path) -> tuple[Path, Config, datetime]:
    config = config_in(tmp_path)
    path = write_new_workbook(tmp_path / "workshop.xlsx", demo_tabs(TODAY))
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    return path, config, now


def part(z: zipfile.ZipFile, name: str) -> str:
    return z.read(name).decode()


def rels_of(part_name: str) -> str:
    folder, _, file = part_name.rpartition("/")
    return f"{folder}/_rels/{file}.rels"


def targets(z: zipfile.ZipFile, part_name: str, kind: str) -> list[str]:
    """Parts a part links to with relationships of ``kind``, as zip names."""
    rels = rels_of(part_name)
    if rels not in z.namelist():
        return []
    out = []
    for rel in re.findall(r"<Relationship [^>]*>", part(z, rels)):
        if f"/{kind}\"" not in rel:
            continue
        target = re.search(r'Target="([^"]+)"', rel)
        assert target is not None
        out.append(target.group(1).lstrip("/").replace("../", "xl/"))
    return out


def charts_of_sheet(path: Path, sheet: str) -> list[str]:
    with zipfile.ZipFile(path) as z:
        drawings = targets(z, sheet_parts(z)[sheet], "drawing")
        return [c for d in drawings for c in targets(z, d, "chart")]


def color_scales(path: Path, sheet: str) -> list[str]:
    """The <conditionalFormatting> elements of ``sheet`` that hold a colour scale."""
    with zipfile.ZipFile(path) as z:
        xml = part(z, sheet_parts(z)[sheet])
    blocks = re.findall(r"<conditionalFormatting\b.*?</conditionalFormatting>", xml, re.S)
    return [b for b in blocks if "<colorScale>" in b]


def test_the_synced_demo_has_three_line_charts_in_the_kpis_tab(tmp_path: Path) -> None:
    path, config, now = demo(tmp_path)
    assert sync(path, config, now).written is not None
    charts = charts_of_sheet(path, "KPIs")
    assert sorted(charts) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml",
                              "xl/charts/chart3.xml"]
    with zipfile.ZipFile(path) as z:
        xml = {c: part(z, c) for c in charts}
        drawing = part(z, targets(z, sheet_parts(z)["KPIs"], "drawing")[0])
    titles = [re.search(r"<a:t>([^<]+)</a:t>", x).group(1) for x in xml.values()]  # type: ignore[union-attr]
    assert sorted(titles) == sorted(c.title for c in CHARTS)
    assert all("<lineChart>" in x for x in xml.values())
    # anchored right of the KPIs table (A..G): column J is index 9, rows 2, 20, 38
    assert re.findall(r"<from><col>(\d+)</col>.*?<row>(\d+)</row>",
                      drawing) == [("9", "1"), ("9", "19"), ("9", "37")]
    yvr = next(x for x in xml.values() if "Yield Variance Rate by alloy" in x)
    # the demo has castings every month from February to November 2026: rows 2-11 are
    # "All", then one block of ten rows per alloy with data, in the Alloys tab's order
    assert "<cat><strRef><f>'KPI Trends'!$A$2:$A$11</f></strRef></cat>" in yvr
    assert re.findall(r"<tx><v>([^<]+)</v></tx>", yvr) == [
        "All", "18KY", "18KW", "14KY", "14KW", "22KY", "PT950", "YVR Target %"]
    assert "<f>'KPI Trends'!$C$2:$C$11</f>" in yvr
    assert "<f>'KPI Trends'!$C$12:$C$21</f>" in yvr  # 18KY
    assert "<f>'KPI Trends'!$D$2:$D$11</f>" in yvr  # the target, dashed
    assert '<a:prstDash val="dash" />' in yvr
    assert '<dispBlanksAs val="gap" />' in yvr  # a month without data is a gap, not 0
    cdpa = next(x for x in xml.values() if "Delivery Promise Adherence" in x)
    assert re.findall(r"<val><numRef><f>([^<]+)</f>", cdpa) == [
        "'KPI Trends'!$E$2:$E$11", "'KPI Trends'!$F$2:$F$11"]
    # every point has a marker, so a month alone (no line to its neighbours) still shows
    assert re.findall(r"<marker><symbol val=\"(\w+)\"", cdpa) == ["circle", "dash"]
    ack = next(x for x in xml.values() if "On-time acknowledgement" in x)
    assert re.findall(r"<val><numRef><f>([^<]+)</f>", ack) == [
        "'KPI Trends'!$G$2:$G$11", "'KPI Trends'!$H$2:$H$11"]


def test_the_kpi_trends_tab_holds_the_charts_data(tmp_path: Path) -> None:
    path, config, now = demo(tmp_path)
    sync(path, config, now)
    grid = XlsxBackend(path).read().table(KPI_TRENDS.name)
    assert grid is not None
    assert list(grid.headers) == list(KPI_TRENDS.headers)
    assert [row[:2] for row in grid.rows[:2]] == [["2026-02", "All"], ["2026-03", "All"]]
    assert [row[:2] for row in grid.rows[9:12]] == [
        ["2026-11", "All"], ["2026-02", "18KY"], ["2026-03", "18KY"]]
    # 18KY closed no casting in April: blank, never 0
    assert grid.rows[12][:3] == ["2026-04", "18KY", None]


def test_load_gets_one_colour_scale_that_writes_do_not_pile_up(tmp_path: Path) -> None:
    path, config, now = demo(tmp_path)
    sync(path, config, now)
    assert len(color_scales(path, "Load")) == 1
    later = sync(path, config, now + timedelta(days=1))  # a new day: something changes
    assert later.written is not None and later.written.cells > 0
    scales = color_scales(path, "Load")
    assert len(scales) == 1
    assert 'sqref="F2:F1048576"' in scales[0]  # Load % is column F
    assert re.findall(r'<cfvo type="num" val="([^"]+)"', scales[0]) == ["0", "85", "120"]
    assert re.findall(r'<color rgb="([^"]+)"', scales[0]) == [
        "0063BE7B", "00FFC000", "00F8696B"]  # green, amber, red
    # and the charts were drawn again, not added to: still three
    assert len(charts_of_sheet(path, "KPIs")) == 3


def test_an_unchanged_sync_writes_nothing_and_the_charts_stay(tmp_path: Path) -> None:
    path, config, now = demo(tmp_path)
    sync(path, config, now)
    before = path.read_bytes()
    again = sync(path, config, now)
    assert again.written is None
    assert path.read_bytes() == before
    assert len(charts_of_sheet(path, "KPIs")) == 3


# ---- the drawing on small workbooks ---------------------------------------------------


def trends_book(groups: list[str]) -> Workbook:
    book = Workbook()
    assert book.active is not None
    book.active.title = "KPIs"
    ws = book.create_sheet("KPI Trends")
    ws.append(list(KPI_TRENDS.headers))
    for i, g in enumerate(groups):
        ws.append([f"2026-{10 + i % 2:02d}", g, 90.0 + i, 96.5])
    return book


def test_blocks_are_runs_of_the_group_column() -> None:
    chart = CHARTS[0]
    assert chart.blocks(["All", "All", "18KY", "18KY", None, "x"]) == [
        ("All", 0, 1), ("18KY", 2, 3)]
    assert chart.blocks([]) == []


def test_no_chart_before_the_data_tab_exists_or_has_rows() -> None:
    book = Workbook()
    assert book.active is not None
    book.active.title = "KPIs"
    assert draw_chart(book, CHARTS[0]) is False
    empty = trends_book([])
    assert draw_chart(empty, CHARTS[0]) is False
    missing_column = Chart("t", "KPIs", "KPI Trends", "Month", ("Nope %",), "J2", "%")
    assert draw_chart(trends_book(["All"]), missing_column) is False


def test_present_redraws_instead_of_adding() -> None:
    book = trends_book(["All", "All", "18KY", "18KY"])
    present(book)
    present(book)
    kpis = book["KPIs"]
    assert len(kpis._charts) == len(CHARTS)
    assert [len(c.series) for c in kpis._charts] == [3, 2, 2]  # All, 18KY, target


def test_heatmap_added_once_and_only_where_the_column_is() -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Week", "Week Of", "Skill", "Planned Hours", "Capacity Hours", "Load %"])
    assert ensure_heatmap(ws, HEATMAPS[0]) is True
    assert ensure_heatmap(ws, HEATMAPS[0]) is False
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["F2:F1048576"]
    bare = Workbook().active
    assert bare is not None
    assert ensure_heatmap(bare, HEATMAPS[0]) is False
