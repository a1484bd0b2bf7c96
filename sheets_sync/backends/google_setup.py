"""Connecting to Google and preparing a spreadsheet: credentials, ``doctor``, ``init``.

``doctor(config)`` checks the chain a sync needs and says what is wrong in words: the
service-account file is missing or not JSON, the sheet is not shared with the service
account's email (printed), the Sheets API is disabled, the key is wrong.
``prepare_spreadsheet(backend)`` lays out every contract tab and header in one
``spreadsheets.batchUpdate``, with the Load heatmap and the KPI charts
(``google_present``); running it again adds only what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from ..contract import GEAR, HUMAN_TABS, MACHINE_TABS, Kind, Tab, machine_header, normalize
from ..errors import ConfigError, SheetsSyncError, WorkbookError
from ..presentation import CHARTS, HEATMAPS
from .base import ChangeSet
from .google import GoogleBackend
from .google_client import credentials_path, open_client, service_account_info
from .google_plan import HEADER_FIELDS, MACHINE_BACKGROUND, header_cell
from .google_present import PRESENT_FIELDS, present_requests, seen_from
from .google_values import column_letter, quote_title

if TYPE_CHECKING:
    from ..config import Config

PROTECTION_NOTE = "sheets-sync: written by the machine"
RISK_COLOURS = {
    "Late": {"red": 0.957, "green": 0.8, "blue": 0.8},
    "At risk": {"red": 1.0, "green": 0.898, "blue": 0.6},
    "Delivered late": {"red": 0.918, "green": 0.82, "blue": 0.863},
}
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


def prepare_spreadsheet(backend: GoogleBackend) -> list[str]:
    """Tabs, headers (⚙ styled), protection (warning only), dropdowns, risk colours.

    Two calls to read what is there (layout, header rows), one batchUpdate to add what is
    missing. Returns what was done, in words.
    """
    answer = backend._metadata(
        "properties.title,sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
        f"protectedRanges.description,{PRESENT_FIELDS})",
        grid=False,
    )
    existing = {normalize(s["properties"]["title"]): s for s in answer.get("sheets", [])}
    header_ranges = [f"{quote_title(s['properties']['title'])}!1:1" for s in existing.values()]
    data_tabs = [t for t in dict.fromkeys(normalize(c.data_tab) for c in CHARTS) if t in existing]
    header_ranges += [quote_title(existing[t]["properties"]["title"]) for t in data_tabs]
    rows = backend._values(header_ranges, "reading the header rows") if header_ranges else []
    seen = seen_from(answer.get("sheets", []), dict(zip(data_tabs, rows[len(existing) :], strict=True)))
    rows = rows[: len(existing)]
    current = {name: [str(v) for v in (r[0] if r else [])] for name, r in zip(existing, rows, strict=True)}
    requests_: list[Json] = []
    done: list[str] = []
    next_id = 1 + max((int(s["properties"].get("sheetId", 0)) for s in existing.values()), default=0)
    ids: dict[str, int] = {}
    layout: dict[str, tuple[int, list[str], int, bool]] = {}  # tab -> id, headers, rows, machine
    specs: list[tuple[str, list[str], bool, Tab | None]] = [
        (t.name, _headers_for(t), False, t) for t in HUMAN_TABS
    ] + [(t.name, list(t.headers), True, None) for t in MACHINE_TABS]
    for name, wanted, machine_tab, _spec in specs:
        key = normalize(name)
        sheet = existing.get(key)
        if sheet is None:
            sheet_id, next_id = next_id, next_id + 1
            requests_.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": sheet_id,
                            "title": name,
                            "gridProperties": {
                                "rowCount": 1000,
                                "columnCount": max(26, len(wanted)),
                                "frozenRowCount": 1,
                            },
                            **({"tabColorStyle": {"rgbColor": MACHINE_BACKGROUND}}
                               if machine_tab else {}),
                        }
                    }
                }
            )
            headers: list[str] = []
            row_count = 1000
            columns = max(26, len(wanted))
            done.append(f"added tab {name}")
        else:
            sheet_id = int(sheet["properties"].get("sheetId", 0))
            headers = list(current.get(key, []))
            row_count = int(sheet["properties"]["gridProperties"]["rowCount"])
            columns = int(sheet["properties"]["gridProperties"]["columnCount"])
        ids[key] = sheet_id
        have = {normalize(h) for h in headers}
        added = [h for h in wanted if normalize(h) not in have]
        while headers and not headers[-1].strip():
            headers.pop()
        start = len(headers)
        if start + len(added) > columns:
            requests_.append(
                {
                    "appendDimension": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "length": start + len(added) - columns,
                    }
                }
            )
        if added:
            requests_.append(
                {
                    "updateCells": {
                        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": start},
                        "rows": [{"values": [header_cell(h, machine_tab) for h in added]}],
                        "fields": HEADER_FIELDS,
                    }
                }
            )
            if sheet is not None:
                done.append(f"{name}: added column(s) {', '.join(added)}")
        layout[key] = (sheet_id, headers + added, row_count, machine_tab)
    for name, _wanted, machine_tab, spec in specs:
        sheet_id, headers, row_count, _ = layout[normalize(name)]
        sheet = existing.get(normalize(name))
        protected = {p.get("description") for p in (sheet or {}).get("protectedRanges", [])}
        machine_cols = [i for i, h in enumerate(headers) if machine_tab or normalize(h).startswith(GEAR)]
        if machine_cols and PROTECTION_NOTE not in protected:
            for col in machine_cols:
                requests_.append(
                    {
                        "addProtectedRange": {
                            "protectedRange": {
                                "range": {
                                    "sheetId": sheet_id,
                                    "startColumnIndex": col,
                                    "endColumnIndex": col + 1,
                                },
                                "description": PROTECTION_NOTE,
                                "warningOnly": True,
                            }
                        }
                    }
                )
            done.append(f"{name}: machine columns protected (warning only)")
        if spec is not None:
            requests_ += _validations(spec, sheet_id, headers, row_count)
            if sheet is None or not sheet.get("conditionalFormats"):
                requests_ += _risk_colours(sheet_id, headers, row_count)
    tabs = {k: (v[0], v[1]) for k, v in layout.items()}
    shown = present_requests(ChangeSet(), tabs, seen)
    if any("addConditionalFormatRule" in r for r in shown):
        done.append("heatmap added on " + ", ".join(h.tab for h in HEATMAPS))
    if any("addChart" in r for r in shown):
        done.append("KPI charts drawn on " + ", ".join(dict.fromkeys(c.sheet for c in CHARTS)))
    requests_ += shown
    if requests_:
        backend._call(
            "preparing the spreadsheet",
            lambda: backend.http.batch_update(backend.key, {"requests": requests_}),
        )
    return done or ["the spreadsheet already has every tab and header"]


def _validations(spec: Tab, sheet_id: int, headers: list[str], row_count: int) -> list[Json]:
    out: list[Json] = []
    index = {normalize(h): i for i, h in enumerate(headers)}
    for column in spec.columns:
        col = index.get(normalize(column.name))
        if col is None:
            continue
        condition: Json | None = None
        if column.kind is Kind.CHOICE and column.choices:
            condition = {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in column.choices]}
        elif column.kind is Kind.REF and column.ref:
            from ..contract import human_tab

            target = human_tab(column.ref)
            if target.key is not None:
                letter = column_letter([c.name for c in target.columns].index(target.key.name))
                condition = {
                    "type": "ONE_OF_RANGE",
                    "values": [{"userEnteredValue": f"={quote_title(target.name)}!{letter}2:{letter}"}],
                }
        if condition is None:
            continue
        out.append(
            {
                "setDataValidation": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "endRowIndex": row_count,
                        "startColumnIndex": col,
                        "endColumnIndex": col + 1,
                    },
                    "rule": {"condition": condition, "strict": False, "showCustomUi": True},
                }
            }
        )
    return out


def _risk_colours(sheet_id: int, headers: list[str], row_count: int) -> list[Json]:
    col = next((i for i, h in enumerate(headers) if normalize(h) == normalize(machine_header("Risk"))), None)
    if col is None:
        return []
    rng = {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": row_count,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [rng],
                    "booleanRule": {
                        "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": text}]},
                        "format": {"backgroundColorStyle": {"rgbColor": colour}},
                    },
                },
            }
        }
        for text, colour in RISK_COLOURS.items()
    ]
