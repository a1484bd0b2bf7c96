"""KPI charts and the Load heatmap on Google: drawn inside the write's own batch, once.

Every test runs a real gspread client against the fake Sheets API.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gspread
import pytest
from gspread.exceptions import APIError

from sheets_sync.backends.base import ChangeSet, GridCell, NewTab
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_present import (
    CHART_IDS,
    anchor_cell,
    chart_requests,
    draw_chart,
    heatmap_requests,
    rgb,
)
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_setup import prepare_spreadsheet
from sheets_sync.backends.google_values import read_cell
from sheets_sync.cells import CellValue
from sheets_sync.contract import KPI_TRENDS, KPIS, LOAD
from sheets_sync.presentation import CHARTS, HEATMAPS
from sheets_sync.testing import FakeSheets, fake_session

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
Json = dict[str, Any]


def backend_for(fake: FakeSheets) -> GoogleBackend:
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))


def sync(fake: FakeSheets, backend: GoogleBackend) -> Any:
    from sheets_sync.config import Config
    from sheets_sync.pipeline import build_steps
    from sheets_sync.sync import run_sync

    config = Config()
    return run_sync(backend, config, NOW, build_steps(config))


def demo() -> tuple[FakeSheets, GoogleBackend]:
    from sheets_sync.samples.demo import demo_tabs

    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(TODAY))
    return fake, backend_for(fake)


def gradients(fake: FakeSheets, tab: str = LOAD.name) -> list[Json]:
    return [r for r in fake.sheet(tab).conditional_formats if "gradientRule" in r]


def domain_end(chart: Json) -> int:
    return int(chart["spec"]["basicChart"]["domains"][0]["domain"]["sourceRange"]["sources"][0]
               ["endRowIndex"])


def sent(fake: FakeSheets) -> list[str]:
    """The kinds of request every batchUpdate of ``fake.calls`` carried."""
    return [next(iter(r)) for c in fake.calls if c.kind == "spreadsheets.batchUpdate"
            for r in (c.body or {}).get("requests", [])]


# ----- a real sync of the demo workbook ----------------------------------------------------


def test_the_first_sync_draws_the_heatmap_and_three_charts_in_its_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake, backend = demo()
    first = sync(fake, backend)
    assert first.written is not None
    assert [c.kind for c in fake.calls if c.status == 200] == [
        "spreadsheets.get", "values.batchGet", "spreadsheets.get", "spreadsheets.batchUpdate"]

    load = fake.values(LOAD.name)[0]
    (rule,) = gradients(fake)
    assert rule["ranges"] == [{"sheetId": fake.sheet(LOAD.name).sheet_id, "startRowIndex": 1,
                               "startColumnIndex": load.index("Load %"),
                               "endColumnIndex": load.index("Load %") + 1}]
    heat = HEATMAPS[0]
    points = rule["gradientRule"]
    assert [points[p]["value"] for p in ("minpoint", "midpoint", "maxpoint")] == ["0", "85", "120"]
    assert points["maxpoint"]["colorStyle"]["rgbColor"] == rgb(heat.high_color)
    assert rgb("F8696B") == {"red": 0.973, "green": 0.412, "blue": 0.42}  # red at 120 %

    trends_id = fake.sheet(KPI_TRENDS.name).sheet_id
    charts = fake.sheet(KPIS.name).charts
    assert [c["chartId"] for c in charts] == [9001, 9002, 9003]
    assert [c["spec"]["title"] for c in charts] == [c.title for c in CHARTS]
    anchors = [c["position"]["overlayPosition"]["anchorCell"] for c in charts]
    assert [(a["rowIndex"], a["columnIndex"]) for a in anchors] == [(1, 9), (19, 9), (37, 9)]
    assert {a["sheetId"] for a in anchors} == {fake.sheet(KPIS.name).sheet_id}
    # the demo's All block is February to November: header + 10 rows, series named by header
    trends = fake.values(KPI_TRENDS.name)
    assert [r[:2] for r in trends[1:11]] == [[f"2026-{m:02d}", "All"] for m in range(2, 12)]
    for chart in charts:
        basic = chart["spec"]["basicChart"]
        assert basic["chartType"] == "LINE" and basic["headerCount"] == 1
        sources = [s["series"]["sourceRange"]["sources"][0] for s in basic["series"]]
        assert {s["sheetId"] for s in sources} == {trends_id}
        assert {(s["startRowIndex"], s["endRowIndex"]) for s in sources} == {(0, 11)}
        assert domain_end(chart) == 11
    yvr = charts[0]["spec"]["basicChart"]["series"]
    named = [trends[0][s["series"]["sourceRange"]["sources"][0]["startColumnIndex"]] for s in yvr]
    assert named == ["YVR %", "YVR Target %"]  # Google draws the All block, not per alloy
    assert "lineStyle" not in yvr[0] and yvr[1]["lineStyle"]["type"] == "MEDIUM_DASHED"

    fake.reset_counters()
    again = sync(fake, backend_for(fake))  # the next sync, a new process
    assert again.written is None
    assert [c.kind for c in fake.calls] == ["values.batchGet"] and fake.writes == 0


def test_a_later_write_adds_no_chart_and_no_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake, backend = demo()
    sync(fake, backend)
    charts = json.dumps(fake.sheet(KPIS.name).charts)
    backend.read()  # what the next sync's read sees: the rule and the three charts
    fake.reset_counters()
    result = backend.write(ChangeSet(grid=[GridCell(LOAD.name, 2, "Skill", "Setting")]))
    assert result.calls == 2
    assert not {"addChart", "deleteEmbeddedObject", "addConditionalFormatRule"} & set(sent(fake))
    assert len(gradients(fake)) == 1
    assert json.dumps(fake.sheet(KPIS.name).charts) == charts


# ----- written straight through the backend ------------------------------------------------


def trends_tabs() -> tuple[FakeSheets, GoogleBackend]:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref"], ["1001"]])
    fake.add_sheet(KPIS.name, [list(KPIS.headers)])
    fake.add_sheet(KPI_TRENDS.name, [
        list(KPI_TRENDS.headers),
        ["2026-10", "All", 92, 96.5, 80, 90, 100, 90],
        ["2026-11", "All", 92, 96.5, 57.1, 90, 50, 90],
        ["2026-10", "18KY", 92.1, 96.5],
        ["2026-11", "18KY", 92, 96.5],
    ])
    fake.add_sheet(LOAD.name, [list(LOAD.headers)])
    return fake, backend_for(fake)


def test_charts_are_redrawn_when_a_month_joins_the_all_block() -> None:
    fake, backend = trends_tabs()
    backend.read()
    backend.write(ChangeSet(grid=[GridCell("Orders", 2, "Order Ref", "1002")]))
    assert [domain_end(c) for c in fake.sheet(KPIS.name).charts] == [3, 3, 3]
    assert len(gradients(fake)) == 1  # the Load tab had none: added with the write

    fake.reset_counters()
    backend.read()
    values: list[CellValue] = ["2026-12", "All", 91, 96.5, 70, 90, 75, 90]
    december = [GridCell(KPI_TRENDS.name, 4, h, v) for h, v in
                zip(KPI_TRENDS.headers, values, strict=True)]
    moved = [GridCell(KPI_TRENDS.name, 5, "Alloy", "18KY"), GridCell(KPI_TRENDS.name, 6, "Alloy",
                                                                     "18KY")]
    result = backend.write(ChangeSet(grid=december + moved))
    assert result.calls == 2 and len(fake.calls) == 3  # read, key re-check, one batch
    kinds = sent(fake)
    assert kinds.count("deleteEmbeddedObject") == 3 and kinds.count("addChart") == 3
    assert "addConditionalFormatRule" not in kinds
    charts = fake.sheet(KPIS.name).charts
    assert sorted(c["chartId"] for c in charts) == list(CHART_IDS)
    assert [domain_end(c) for c in charts] == [4, 4, 4]  # header + Oct, Nov, Dec


def test_a_write_that_creates_the_tabs_draws_into_them() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref"], ["1001"]])
    backend = backend_for(fake)
    backend.read()
    rows: list[list[CellValue]] = [["2026-11", "All", 92, 96.5, 57.1, 90, 50, 90]]
    backend.write(ChangeSet(
        new_tabs=[NewTab(KPIS.name, KPIS.headers), NewTab(KPI_TRENDS.name, KPI_TRENDS.headers),
                  NewTab(LOAD.name, LOAD.headers)],
        grid=[GridCell(KPI_TRENDS.name, 2, h, v)
              for h, v in zip(KPI_TRENDS.headers, rows[0], strict=True)]))
    assert fake.count("spreadsheets.batchUpdate") == 1
    assert [domain_end(c) for c in fake.sheet(KPIS.name).charts] == [2, 2, 2]
    assert len(gradients(fake)) == 1


def test_without_the_kpi_tabs_nothing_is_drawn() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref"], ["1001"]])
    backend = backend_for(fake)
    backend.read()
    backend.write(ChangeSet(grid=[GridCell("Orders", 2, "Order Ref", "1002")]))
    assert sent(fake).count("addChart") == 0
    assert all(not s.charts and not s.conditional_formats for s in fake.sheets)


# ----- init --google -------------------------------------------------------------------------


def test_init_twice_gives_one_rule_and_three_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "Client"], ["1001", "Ms Okafor"]])
    backend = backend_for(fake)
    done = prepare_spreadsheet(backend)
    assert "heatmap added on Load" in done and "KPI charts drawn on KPIs" in done
    assert fake.writes == 1
    assert len(gradients(fake)) == 1
    assert [domain_end(c) for c in fake.sheet(KPIS.name).charts] == [1, 1, 1]  # header only

    again = prepare_spreadsheet(backend)
    assert not any("heatmap" in line or "charts" in line for line in again)
    assert len(gradients(fake)) == 1 and len(fake.sheet(KPIS.name).charts) == 3
    assert fake.writes == 1  # the second init found everything in place


def test_init_on_a_workbook_with_trends_draws_them_to_fit() -> None:
    fake, backend = trends_tabs()
    prepare_spreadsheet(backend)
    assert [domain_end(c) for c in fake.sheet(KPIS.name).charts] == [3, 3, 3]
    fake.reset_counters()
    prepare_spreadsheet(backend)
    assert not {"addChart", "deleteEmbeddedObject"} & set(sent(fake))


# ----- the pure parts ----------------------------------------------------------------------


def test_anchors_and_colours() -> None:
    assert anchor_cell("J2") == (1, 9) and anchor_cell("J38") == (37, 9)
    assert anchor_cell("AA10") == (9, 26)
    assert rgb("63BE7B") == {"red": 0.388, "green": 0.745, "blue": 0.482}
    with pytest.raises(ValueError, match="J2"):
        anchor_cell("nowhere")


def test_a_column_already_coloured_gets_no_second_rule() -> None:
    tabs = {"load": (7, list(LOAD.headers))}
    assert len(heatmap_requests(tabs, {})) == 1
    assert heatmap_requests(tabs, {"load": {5}}) == []
    assert len(heatmap_requests(tabs, {"load": {4}})) == 1  # another column's rule


def test_a_chart_is_not_drawn_without_its_columns() -> None:
    assert draw_chart(CHARTS[1], 9002, 1, 2, ["Month", "Alloy", "YVR %"], 2) is None
    tabs = {"kpis": (1, list(KPIS.headers)), "kpi trends": (2, ["Month", "Alloy"])}
    assert chart_requests(tabs, {"kpi trends": ["All"]}, {}) == []


def test_a_chart_drawn_by_hand_under_our_id_is_redrawn() -> None:
    tabs = {"kpis": (1, list(KPIS.headers)), "kpi trends": (2, list(KPI_TRENDS.headers))}
    kinds = [next(iter(r)) for r in chart_requests(tabs, {"kpi trends": ["All"]},
                                                   {9001: -1, 9002: 2, 9003: 2})]
    assert kinds == ["deleteEmbeddedObject", "addChart"]  # 9002, 9003 already fit one month


# ----- the fake learns charts ----------------------------------------------------------------


def test_the_fake_refuses_a_duplicate_chart_id_and_rolls_the_batch_back() -> None:
    fake, backend = trends_tabs()
    prepare_spreadsheet(backend)
    before = fake.snapshot_state()
    chart = fake.sheet(KPIS.name).charts[0]
    with pytest.raises(APIError, match="9001"):
        backend.http.batch_update(backend.key, {"requests": [
            {"deleteEmbeddedObject": {"objectId": 9002}},
            {"addChart": {"chart": chart}}]})
    assert fake.snapshot_state() == before  # 9002 is back: all or nothing
    with pytest.raises(APIError, match="No object with id 42"):
        backend.http.batch_update(backend.key, {"requests": [
            {"deleteEmbeddedObject": {"objectId": 42}}]})


def test_the_fake_answers_charts_through_a_field_mask() -> None:
    fake, backend = trends_tabs()
    prepare_spreadsheet(backend)
    answer = backend._metadata("sheets(properties.title,charts.chartId)", grid=False)
    kpis = next(s for s in answer["sheets"] if s["properties"]["title"] == KPIS.name)
    assert kpis["charts"] == [{"chartId": 9001}, {"chartId": 9002}, {"chartId": 9003}]


# ----- deleted by hand ----------------------------------------------------------------------


def test_a_chart_and_the_heatmap_deleted_by_hand_come_back_with_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake, backend = demo()
    sync(fake, backend)
    kpis, load = fake.sheet(KPIS.name), fake.sheet(LOAD.name)
    kpis.charts = [c for c in kpis.charts if c["chartId"] != 9002]
    load.conditional_formats = [r for r in load.conditional_formats if "gradientRule" not in r]
    # nothing else changed: the values read cannot see charts or rules, the sync reads only
    fake.reset_counters()
    assert sync(fake, backend_for(fake)).written is None
    assert [c.kind for c in fake.calls] == ["values.batchGet"]
    # the next sync that writes anything puts them back in its one batch
    orders = fake.sheet("Orders")
    promised = [read_cell(c) for c in orders.rows[0]].index("Promised Date")
    fake._put(orders, 1, promised, date(2026, 12, 21))
    fake.reset_counters()
    sync(fake, backend_for(fake))
    assert fake.count("spreadsheets.batchUpdate") == 1 and len(fake.calls) == 3
    assert sent(fake).count("addChart") == 1 and "deleteEmbeddedObject" not in sent(fake)
    assert sorted(c["chartId"] for c in kpis.charts) == list(CHART_IDS)
    assert len(gradients(fake)) == 1


def test_init_puts_back_a_deleted_chart_in_one_write_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake, backend = demo()
    prepare_spreadsheet(backend)
    sync(fake, backend)
    fake.sheet(KPIS.name).charts.pop()
    fake.reset_counters()
    done = prepare_spreadsheet(backend_for(fake))
    assert fake.writes == 1 and sent(fake) == ["addChart"]
    assert done == ["KPI charts drawn on KPIs"]
