"""Connecting to Google and preparing a spreadsheet: credentials, ``doctor``, ``init``.

``doctor(config)`` checks the chain a sync needs and says what is wrong in words: the
service-account file is missing or not JSON, the sheet is not shared with the service
account's email (printed), the Sheets API is disabled, the key is wrong.
``prepare_spreadsheet(backend)`` lays out every contract tab and header in one
``spreadsheets.batchUpdate``, with the look spec (``google_looks``), the Load heatmap and
the KPI charts (``google_present``); on a prepared spreadsheet it sends no write at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from ..cells import CellValue, to_text
from ..contract import (
    GEAR,
    HUMAN_TABS,
    MACHINE_TABS,
    Column,
    Kind,
    Tab,
    human_tab,
    machine_header,
    normalize,
)
from ..errors import ConfigError, SheetsSyncError, WorkbookError
from ..presentation import CHARTS, HEATMAPS
from .base import ChangeSet
from .google import GoogleBackend
from .google_client import credentials_path, open_client, service_account_info
from .google_layout import DATA_TABS
from .google_looks import (
    CELL_FORMAT_FIELDS,
    CREATED_KEY,
    LOOK_SHEET_FIELDS,
    RULE_FIELDS,
    SheetLooks,
    look_requests,
    looks_of,
    sheet_looks,
)
from .google_plan import HEADER_FIELDS, MACHINE_BACKGROUND, header_cell
from .google_present import CHART_FIELDS, present_requests, seen_from
from .google_values import column_letter, quote_title, read_cell

if TYPE_CHECKING:
    from ..config import Config

PROTECTION_NOTE = "sheets-sync: written by the machine"
Json = dict[str, Any]


def doctor(config: Config, session: requests.Session | None = None) -> list[str]:
    """Lines saying what works; a SheetsSyncError saying, in words, what does not."""
    lines: list[str] = []
    path = credentials_path(config)
    info = service_account_info(path)
    email = str(info["client_email"])
    lines.append(f"credentials: service account {email} (from {path})")
    if not config.workbook.spreadsheet:
        raise ConfigError("no spreadsheet: set [workbook] spreadsheet to its key or URL")
    backend = GoogleBackend(config.workbook.spreadsheet, open_client(config, session))
    lines.append(f"spreadsheet key: {backend.key}")
    try:
        answer = backend._metadata("properties.title,sheets.properties.title", grid=False)
    except WorkbookError as exc:
        text = str(exc)
        if "not shared" in text:
            text = text.replace("the service account's email", email)
        raise WorkbookError(f"{text} [service account: {email}]") from exc
    except Exception as exc:  # google-auth refusing the key, DNS, ...
        raise SheetsSyncError(f"cannot reach Google Sheets as {email}: {exc}") from exc
    title = answer.get("properties", {}).get("title", "")
    tabs = [s["properties"]["title"] for s in answer.get("sheets", [])]
    lines.append(f"spreadsheet: {title!r}, {len(tabs)} tab(s), shared with {email}")
    have = {normalize(t) for t in tabs}
    names = [t.name for t in HUMAN_TABS] + [t.name for t in MACHINE_TABS]
    missing = [n for n in names if normalize(n) not in have]
    if missing:
        lines.append(f"missing tabs: {', '.join(missing)} (run: sheets-sync init --google KEY)")
    else:
        lines.append("all contract tabs are present")
    return lines


def _headers_for(tab: Tab) -> list[str]:
    return [c.name for c in tab.columns] + [machine_header(m) for m in tab.machine_columns]


INIT_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,gridProperties(rowCount,columnCount,"
    f"frozenRowCount)),protectedRanges.description,{CHART_FIELDS},{RULE_FIELDS},"
    f"{LOOK_SHEET_FIELDS})"
)
ROWS_FIELDS = (
    "sheets(properties.title,data(startRow,startColumn,columnMetadata.pixelSize,"
    f"rowData.values(effectiveValue,dataValidation,{CELL_FORMAT_FIELDS})))"
)


@dataclass
class _Tab:
    """A contract tab as init finds it and leaves it."""

    name: str
    sheet_id: int
    headers: list[str]
    row_count: int
    machine: bool
    spec: Tab | None
    sheet: Json | None  # as spreadsheets.get answered, None for a tab init adds
    rows: list[list[Json]]  # rows 1 and 2 as CellData (a chart data tab whole)


def prepare_spreadsheet(backend: GoogleBackend) -> list[str]:
    """Tabs, headers (⚙ styled), protection (warning only), dropdowns, the look spec
    (patterns, widths, colours, frozen and filterable header), the KPI charts and the Load
    heatmap: only what is missing or different, in one batchUpdate, none at all when the
    spreadsheet is already prepared. Two calls look first (the sheets; rows 1 and 2 of each
    tab). A tab init adds is marked as the product's: its human columns get their looks.
    Returns what was done, in words."""
    answer = backend._metadata(INIT_FIELDS, grid=False)
    existing = {normalize(s["properties"]["title"]): s for s in answer.get("sheets", [])}
    ranges = [quote_title(s["properties"]["title"]) if k in DATA_TABS
              else f"{quote_title(s['properties']['title'])}!1:2" for k, s in existing.items()]
    rows: dict[str, list[list[Json]]] = {}
    if ranges:
        for sheet in backend._metadata(ROWS_FIELDS, grid=True, ranges=ranges).get("sheets", []):
            data = (sheet.get("data") or [{}])[0]
            rows[normalize(sheet["properties"]["title"])] = [
                list(r.get("values", [])) for r in data.get("rowData", [])]
            existing[normalize(sheet["properties"]["title"])]["data"] = sheet.get("data", [])
    done: list[str] = []
    requests_: list[Json] = []
    next_id = 1 + max((int(s["properties"].get("sheetId", 0)) for s in existing.values()), default=0)
    tabs: list[_Tab] = []
    specs: list[tuple[str, list[str], bool, Tab | None]] = [
        (t.name, _headers_for(t), False, t) for t in HUMAN_TABS
    ] + [(t.name, list(t.headers), True, None) for t in MACHINE_TABS]
    for name, wanted, machine, spec in specs:
        sheet = existing.get(normalize(name))
        if sheet is None:
            tab = _Tab(name, next_id, [], 1000, machine, spec, None, [])
            next_id += 1
            requests_ += _add_sheet(tab, len(wanted))
            done.append(f"added tab {name}")
        else:
            grid = sheet["properties"]["gridProperties"]
            tab_rows = rows.get(normalize(name), [])
            tab = _Tab(name, int(sheet["properties"].get("sheetId", 0)),
                       [to_text(read_cell(c)) for c in (tab_rows[0] if tab_rows else [])],
                       int(grid["rowCount"]), machine, spec, sheet, tab_rows)
            columns = int(grid["columnCount"])
        requests_ += _headers(tab, wanted, columns if sheet is not None else max(26, len(wanted)), done)
        tabs.append(tab)
    for tab in tabs:
        requests_ += _protect(tab, done)
        if tab.spec is not None:
            requests_ += _validations(tab)
        state = (sheet_looks(tab.sheet, tab.headers) if tab.sheet is not None
                 else SheetLooks(tab.sheet_id, list(tab.headers), created=True))
        look = looks_of(tab.name)
        if look is not None:  # widths only on a tab init adds: others follow their content
            widths: dict[int, list[CellValue]] | None = (
                {i: [] for i in range(len(tab.headers))} if tab.sheet is None else None)
            requests_ += look_requests(state, look, widths)
    seen = seen_from(list(existing.values()), {
        normalize(t.name): [[read_cell(c) for c in r] for r in t.rows] for t in tabs
        if normalize(t.name) in DATA_TABS})
    shown = present_requests(ChangeSet(), {normalize(t.name): (t.sheet_id, t.headers) for t in tabs}, seen)
    if any("addConditionalFormatRule" in r and "gradientRule" in r["addConditionalFormatRule"]["rule"]
           for r in shown):
        done.append("heatmap added on " + ", ".join(h.tab for h in HEATMAPS))
    if any("addChart" in r for r in shown):
        done.append("KPI charts drawn on " + ", ".join(dict.fromkeys(c.sheet for c in CHARTS)))
    requests_ += shown
    if requests_:
        backend._call(
            "preparing the spreadsheet",
            lambda: backend.http.batch_update(backend.key, {"requests": requests_}),
        )
    return done or ["the spreadsheet already has every tab, header and look"]


def _add_sheet(tab: _Tab, width: int) -> list[Json]:
    props: Json = {"sheetId": tab.sheet_id, "title": tab.name,
                   "gridProperties": {"rowCount": 1000, "columnCount": max(26, width),
                                      "frozenRowCount": 1}}
    if tab.machine:
        props["tabColorStyle"] = {"rgbColor": MACHINE_BACKGROUND}
    return [{"addSheet": {"properties": props}},
            {"createDeveloperMetadata": {"developerMetadata": {
                "metadataKey": CREATED_KEY, "metadataValue": "init --google",
                "location": {"sheetId": tab.sheet_id}, "visibility": "DOCUMENT"}}}]


def _headers(tab: _Tab, wanted: list[str], columns: int, done: list[str]) -> list[Json]:
    """The contract's headers the tab lacks, after its last header (tab.headers grows)."""
    have = {normalize(h) for h in tab.headers}
    added = [h for h in wanted if normalize(h) not in have]
    while tab.headers and not tab.headers[-1].strip():
        tab.headers.pop()
    if not added:
        return []
    start = len(tab.headers)
    out: list[Json] = []
    if start + len(added) > columns:
        out.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                        "length": start + len(added) - columns}})
    out.append({"updateCells": {
        "start": {"sheetId": tab.sheet_id, "rowIndex": 0, "columnIndex": start},
        "rows": [{"values": [header_cell(h, tab.machine) for h in added]}],
        "fields": HEADER_FIELDS}})
    if tab.sheet is not None:
        done.append(f"{tab.name}: added column(s) {', '.join(added)}")
    tab.headers += added
    return out


def _protect(tab: _Tab, done: list[str]) -> list[Json]:
    protected = {p.get("description") for p in (tab.sheet or {}).get("protectedRanges", [])}
    machine_cols = [i for i, h in enumerate(tab.headers)
                    if tab.machine or normalize(h).startswith(GEAR)]
    if not machine_cols or PROTECTION_NOTE in protected:
        return []
    done.append(f"{tab.name}: machine columns protected (warning only)")
    return [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": tab.sheet_id, "startColumnIndex": col, "endColumnIndex": col + 1},
        "description": PROTECTION_NOTE, "warningOnly": True}}} for col in machine_cols]


def _rule_for(column: Column) -> Json | None:
    condition: Json | None = None
    if column.kind is Kind.CHOICE and column.choices:
        condition = {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in column.choices]}
    elif column.kind is Kind.REF and column.ref:
        target = human_tab(column.ref)
        if target.key is not None:
            letter = column_letter([c.name for c in target.columns].index(target.key.name))
            condition = {"type": "ONE_OF_RANGE",
                         "values": [{"userEnteredValue": f"={quote_title(target.name)}!{letter}2:{letter}"}]}
    if condition is None:
        return None
    return {"condition": condition, "strict": False, "showCustomUi": True}


def _same_rule(have: Any, want: Json) -> bool:
    """A rule as Google answers it (false booleans left out) against the one we set."""
    if not isinstance(have, dict):
        return False
    return bool(have.get("condition") == want["condition"]
                and bool(have.get("strict", False)) == want["strict"]
                and bool(have.get("showCustomUi", False)) == want["showCustomUi"])


def _validations(tab: _Tab) -> list[Json]:
    """Dropdowns on the choice and reference columns, unless row 2 already has them."""
    assert tab.spec is not None
    out: list[Json] = []
    index = {normalize(h): i for i, h in enumerate(tab.headers)}
    second = tab.rows[1] if len(tab.rows) > 1 else []
    for column in tab.spec.columns:
        col = index.get(normalize(column.name))
        rule = _rule_for(column)
        if col is None or rule is None:
            continue
        cell = second[col] if col < len(second) else None
        if _same_rule(cell.get("dataValidation") if isinstance(cell, dict) else None, rule):
            continue
        out.append({"setDataValidation": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 1, "endRowIndex": tab.row_count,
                      "startColumnIndex": col, "endColumnIndex": col + 1},
            "rule": rule}})
    return out
