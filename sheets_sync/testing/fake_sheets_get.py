"""The fake Sheets API's ``spreadsheets.get``: properties, grid data and the field mask.

``GET /v4/spreadsheets/{id}?includeGridData=false`` with an optional ``fields`` mask and
``ranges``; charts answer as ``sheets[].charts`` (EmbeddedChart) and gradient or boolean
rules as ``sheets[].conditionalFormats``, both through the field mask.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .fake_sheets_discovery import parse_mask
from .fake_sheets_model import DEFAULT_WIDTH, A1Range, Json, Sheet

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets


def spreadsheets_get(fake: FakeSheets, query: dict[str, list[str]]) -> Json:
    grid = (query.get("includeGridData") or ["false"])[0].lower() == "true"
    ranges = [fake.resolve(r) for r in query.get("ranges", [])]
    sheets = []
    for sheet in fake.sheets:
        wanted = [r for s, r in ranges if s is sheet]
        if ranges and not wanted:
            continue
        entry: Json = {"properties": sheet.properties()}
        if grid or _mask_names_data(query):
            entry["data"] = [grid_data(sheet, r) for r in (wanted or [A1Range()])]
        if sheet.protected_ranges:
            entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
        if sheet.conditional_formats:
            entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
        if sheet.charts:
            entry["charts"] = copy.deepcopy(sheet.charts)
        if sheet.basic_filter is not None:
            entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        if sheet.developer_metadata:
            entry["developerMetadata"] = copy.deepcopy(sheet.developer_metadata)
        sheets.append(entry)
    answer: Json = {
        "spreadsheetId": fake.id,
        "properties": {"title": fake.title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                       "timeZone": "Europe/Paris"},
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{fake.id}/edit",
    }
    if fake.developer_metadata:
        answer["developerMetadata"] = copy.deepcopy(fake.developer_metadata)
    fields = (query.get("fields") or [""])[0]
    return filter_fields(answer, fields) if fields else answer


def _mask_names_data(query: dict[str, list[str]]) -> bool:
    """Whether a ``fields`` mask asks for grid data (then includeGridData is ignored)."""
    fields = (query.get("fields") or [""])[0]
    if not fields:
        return False
    sheets = parse_mask(fields).get("sheets")
    return sheets is not None and (not sheets or "data" in sheets or "*" in sheets)


def grid_data(sheet: Sheet, rng: A1Range) -> Json:
    r0, c0 = rng.row0 or 0, rng.col0 or 0
    r1 = min(rng.row1 if rng.row1 is not None else sheet.row_count, sheet.row_count)
    c1 = min(rng.col1 if rng.col1 is not None else sheet.column_count, sheet.column_count)
    rows = []
    for r in range(r0, min(r1, len(sheet.rows))):
        cells = [copy.deepcopy(c) for c in sheet.rows[r][c0:c1]]
        while cells and not cells[-1]:
            cells.pop()
        rows.append({"values": cells} if cells else {})
    while rows and not rows[-1]:
        rows.pop()
    data: Json = {}
    if r0:
        data["startRow"] = r0
    if c0:
        data["startColumn"] = c0
    if rows:
        data["rowData"] = rows
    data["columnMetadata"] = [{"pixelSize": sheet.widths.get(c, DEFAULT_WIDTH)}
                              for c in range(c0, c1)]
    return data


# ----- field masks -------------------------------------------------------------------------
def _apply_mask(value: Any, mask: dict[str, Any]) -> Any:
    if not mask:
        return value
    if isinstance(value, list):
        return [_apply_mask(v, mask) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, sub in mask.items():
        if k == "*":
            return value
        if k in value:
            picked = _apply_mask(value[k], sub)
            if picked != {} or value[k] == {}:
                out[k] = picked
    return out


def filter_fields(answer: Json, fields: str) -> Json:
    result = _apply_mask(answer, parse_mask(fields))
    return result if isinstance(result, dict) else {}
