"""The fake Sheets API's ``spreadsheets.batchUpdate``: all requests apply, or none.

Each request kind is applied as the API documents it: GridRange indexes are 0-based and
end-exclusive; ``updateCells`` sets exactly the fields its mask names (absent ones are
cleared); ``appendCells`` writes after the last row with data; a cell beyond the grid is an
error, and one bad request fails the whole batch. Charts and conditional formats live in
``fake_sheets_charts``; A1 ranges in ``fake_sheets_model``; field masks in
``fake_sheets_get``; typed input in ``fake_sheets_values`` (re-exported here).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .fake_sheets_charts import add_chart, add_conditional_format_rule, delete_embedded_object
from .fake_sheets_get import filter_fields
from .fake_sheets_model import (
    A1Range,
    FakeApiError,
    Json,
    Sheet,
    bad_request,
    grid_bounds,
    parse_a1,
    sheet_by_id,
)
from .fake_sheets_values import user_entered

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets

__all__ = ["A1Range", "apply_request", "batch_update", "filter_fields", "parse_a1",
           "user_entered"]


def batch_update(fake: FakeSheets, payload: Json) -> Json:
    """spreadsheets.batchUpdate: apply every request in order, or put everything back."""
    # all or nothing: copies of the sheets the batch names, to put back on failure
    named = _sheet_ids(payload) | {0}  # an absent sheetId means sheet 0
    order = list(fake.sheets)
    copies = {s.sheet_id: pickle.dumps(s) for s in order
              if s.sheet_id in named or s.charts}  # deleteEmbeddedObject names no sheet
    staged = (copy.deepcopy(fake.developer_metadata), fake._next_id)
    replies = []
    try:
        for i, request in enumerate(payload.get("requests", [])):
            try:
                replies.append(apply_request(fake, request))
            except FakeApiError as exc:
                exc.message = f"Invalid requests[{i}].{next(iter(request), '?')}: {exc.message}"
                raise
    except Exception:
        fake.sheets = [pickle.loads(copies[s.sheet_id]) if s.sheet_id in copies else s
                       for s in order]
        fake.developer_metadata, fake._next_id = staged
        raise
    return {"spreadsheetId": fake.id, "replies": replies}


def _sheet_ids(value: Any) -> set[int]:
    """Every ``sheetId`` named anywhere in a request body."""
    found: set[int] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "sheetId" and isinstance(v, int):
                found.add(v)
            else:
                found |= _sheet_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= _sheet_ids(v)
    return found


def apply_request(fake: FakeSheets, request: Json) -> Json:
    if len(request) != 1:
        raise bad_request("exactly one kind of request per entry")
    kind, body = next(iter(request.items()))
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise bad_request(f"Unknown name \"{kind}\" at 'requests[0]': Cannot find field.")
    reply: Json = handler(fake, body)
    cells = sum(s.row_count * s.column_count for s in fake.sheets)
    if cells > CELL_LIMIT:  # refused before any request could make that many cells
        raise bad_request("This action would increase the number of cells in the workbook "
                          f"above the limit of {CELL_LIMIT} cells.")
    return reply


CELL_LIMIT = 10_000_000  # Google's limit of cells in one spreadsheet, every tab counted


# ----- cells -------------------------------------------------------------------------------
def _set_fields(cell: Json, given: Json, fields: str) -> None:
    paths = ["*"] if fields.strip() == "*" else [f.strip() for f in fields.split(",")]
    for path in paths:
        if path == "*":
            keep = {k: v for k, v in cell.items() if k not in ("userEnteredValue",
                                                                  "userEnteredFormat", "note")}
            cell.clear()
            cell.update(keep)
            cell.update(copy.deepcopy({k: v for k, v in given.items()
                                       if k in ("userEnteredValue", "userEnteredFormat", "note")}))
            continue
        keys = path.split(".")
        src: Any = given
        for k in keys:
            src = src.get(k) if isinstance(src, dict) else None
        node = cell
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        if src is None:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = copy.deepcopy(src)
    value = cell.get("userEnteredValue")
    if value and "formulaValue" in value:
        raise bad_request("the fake does not evaluate formulas; send typed values")
    cell.pop("effectiveValue", None)
    if value:
        cell["effectiveValue"] = dict(value)
    cell.pop("effectiveFormat", None)
    if cell.get("userEnteredFormat"):
        cell["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])


def _check_grid(sheet: Sheet, row: int, col: int) -> None:
    if row >= sheet.row_count:
        raise bad_request(
            f"GridCoordinate.rowIndex[{row}] is after last row in grid[{sheet.row_count - 1}]"
        )
    if col >= sheet.column_count:
        raise bad_request(
            f"GridCoordinate.columnIndex[{col}] is after last column in grid"
            f"[{sheet.column_count - 1}]"
        )


def _update_cells(fake: FakeSheets, body: Json) -> Json:
    rows = body.get("rows", [])
    fields = body.get("fields")
    if not fields:
        raise bad_request("At least one field must be updated.")
    if "start" in body:
        start = body["start"]
        sheet = sheet_by_id(fake, start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        for dr, row in enumerate(rows):
            for dc, given in enumerate(row.get("values", [])):
                _check_grid(sheet, r0 + dr, c0 + dc)
                _set_fields(sheet.cell(r0 + dr, c0 + dc), given, fields)
        return {}
    rng = body.get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    r0, c0, r1, c1 = grid_bounds(sheet, rng)
    for r in range(r0, r1):
        row = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
        for c in range(c0, c1):
            _check_grid(sheet, r, c)
            _set_fields(sheet.cell(r, c), row[c - c0] if c - c0 < len(row) else {}, fields)
    return {}


def _repeat_cell(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    r0, c0, r1, c1 = grid_bounds(sheet, rng)
    for r in range(r0, r1):
        for c in range(c0, c1):
            _set_fields(sheet.cell(r, c), body.get("cell", {}), body.get("fields", ""))
    return {}


def _append_cells(fake: FakeSheets, body: Json) -> Json:
    sheet = sheet_by_id(fake, body.get("sheetId"))
    start = sheet.last_data_row()
    rows = body.get("rows", [])
    sheet.row_count = max(sheet.row_count, start + len(rows))
    for dr, row in enumerate(rows):
        for c, given in enumerate(row.get("values", [])):
            _check_grid(sheet, start + dr, c)
            _set_fields(sheet.cell(start + dr, c), given, body.get("fields", "*"))
    return {}


def _set_data_validation(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    rule = body.get("rule")
    if rule is not None and rule.get("condition", {}).get("type") is None:
        raise bad_request("condition.type is required")
    r0, c0, r1, c1 = grid_bounds(sheet, rng)
    for r in range(r0, r1):
        for c in range(c0, c1):
            cell = sheet.cell(r, c)
            if rule is None:
                cell.pop("dataValidation", None)
            else:
                cell["dataValidation"] = copy.deepcopy(rule)
    return {}


# ----- sheets and their dimensions -----------------------------------------------------------
def _add_sheet(fake: FakeSheets, body: Json) -> Json:
    props = body.get("properties", {})
    title = props.get("title") or f"Sheet{len(fake.sheets) + 1}"
    if any(s.title.casefold() == title.casefold() for s in fake.sheets):
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = fake.new_id()
    elif any(s.sheet_id == sheet_id for s in fake.sheets):
        raise bad_request(f"Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties", {})
    sheet = fake.add_sheet(title, None, row_count=grid.get("rowCount", 1000),
                           column_count=grid.get("columnCount", 26))
    sheet.sheet_id = int(sheet_id)
    sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
    sheet.tab_color = _tab_colour(props)
    return {"addSheet": {"properties": sheet.properties()}}


def _tab_colour(props: Json) -> Json | None:
    """A tab colour as a ColorStyle, from tabColorStyle or the deprecated tabColor."""
    if props.get("tabColorStyle") is not None:
        return dict(props["tabColorStyle"])
    if props.get("tabColor") is not None:
        return {"rgbColor": dict(props["tabColor"])}
    return None


def _delete_sheet(fake: FakeSheets, body: Json) -> Json:
    sheet = sheet_by_id(fake, body.get("sheetId"))
    fake.sheets.remove(sheet)
    return {}


def _update_sheet_properties(fake: FakeSheets, body: Json) -> Json:
    props = body.get("properties", {})
    sheet = sheet_by_id(fake, props.get("sheetId"))
    fields = body.get("fields", "").replace("/", ".")
    grid = props.get("gridProperties", {})
    if "gridProperties.frozenRowCount" in fields or fields == "*":
        sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
    if "gridProperties.rowCount" in fields:  # shrinking drops the rows below
        sheet.row_count = int(grid.get("rowCount", sheet.row_count))
        del sheet.rows[sheet.row_count :]
    if "gridProperties.columnCount" in fields:
        sheet.column_count = int(grid.get("columnCount", sheet.column_count))
        for row in sheet.rows:
            del row[sheet.column_count :]
    if "tabColor" in fields:
        sheet.tab_color = _tab_colour(props)
    if "title" in fields:
        sheet.title = props.get("title", sheet.title)
    return {}


def _append_dimension(fake: FakeSheets, body: Json) -> Json:
    sheet = sheet_by_id(fake, body.get("sheetId"))
    length = int(body.get("length", 0))
    if length <= 0:
        raise bad_request("length must be positive")
    if body.get("dimension") == "ROWS":
        sheet.row_count += length
    elif body.get("dimension") == "COLUMNS":
        sheet.column_count += length
    else:
        raise bad_request("dimension must be ROWS or COLUMNS")
    return {}


def _insert_dimension(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    if rng.get("dimension") == "COLUMNS":
        for row in sheet.rows:
            if start <= len(row):
                row[start:start] = [{} for _ in range(end - start)]
        sheet.column_count += end - start
    else:
        sheet.rows[start:start] = [[] for _ in range(end - start)]
        sheet.row_count += end - start
    return {}


def _add_protected_range(fake: FakeSheets, body: Json) -> Json:
    protected = copy.deepcopy(body.get("protectedRange", {}))
    sheet = sheet_by_id(fake, protected.get("range", {}).get("sheetId"))
    protected["protectedRangeId"] = fake.new_id()
    protected["requestingUserCanEdit"] = True
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": protected}}


def _update_dimension_properties(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    fields = body.get("fields", "")
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    if rng.get("dimension") == "COLUMNS" and ("pixelSize" in fields or fields == "*"):
        if end > sheet.column_count or start >= end:
            raise bad_request(f"Invalid dimension range {start}:{end}")
        for col in range(start, end):
            sheet.widths[col] = int(body.get("properties", {}).get("pixelSize", 100))
    return {}


def _set_basic_filter(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("filter", {}).get("range", {})
    sheet = sheet_by_id(fake, rng.get("sheetId"))
    sheet.basic_filter = {"range": copy.deepcopy(rng)}
    return {}


def _delete_conditional_format_rule(fake: FakeSheets, body: Json) -> Json:
    sheet = sheet_by_id(fake, body.get("sheetId"))
    index = int(body.get("index", 0))
    if index >= len(sheet.conditional_formats):
        raise bad_request(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
    return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}


# ----- developer metadata ------------------------------------------------------------------
def _create_developer_metadata(fake: FakeSheets, body: Json) -> Json:
    meta = copy.deepcopy(body.get("developerMetadata", {}))
    if "metadataKey" not in meta or "visibility" not in meta:
        raise bad_request("developerMetadata needs metadataKey and visibility")
    meta_id = meta.get("metadataId")
    if meta_id is None:
        meta["metadataId"] = fake.new_id()
    elif any(m["metadataId"] == meta_id for m in fake.developer_metadata):
        raise FakeApiError(400, f"Developer metadata with id {meta_id} already exists.",
                           "ALREADY_EXISTS")
    location = meta.get("location", {})
    if location.get("spreadsheet"):
        meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        fake.developer_metadata.append(meta)
    elif "sheetId" in location:
        sheet = sheet_by_id(fake, location["sheetId"])
        if any(m["metadataId"] == meta_id for s in fake.sheets for m in s.developer_metadata):
            raise FakeApiError(400, f"Developer metadata with id {meta_id} already exists.",
                               "ALREADY_EXISTS")
        meta["location"] = {"locationType": "SHEET", "sheetId": sheet.sheet_id}
        sheet.developer_metadata.append(meta)
    else:
        raise bad_request("the fake keeps developer metadata on the spreadsheet or a sheet")
    return {"createDeveloperMetadata": {"developerMetadata": meta}}


def _delete_developer_metadata(fake: FakeSheets, body: Json) -> Json:
    lookup = body.get("dataFilter", {}).get("developerMetadataLookup", {})
    names = ("metadataId", "metadataKey", "metadataValue")
    wanted = {k: v for k, v in lookup.items() if k in names}
    if not wanted:
        raise bad_request("dataFilter.developerMetadataLookup must name a metadata")
    deleted = [m for m in fake.developer_metadata if all(m.get(k) == v for k, v in wanted.items())]
    fake.developer_metadata = [m for m in fake.developer_metadata if m not in deleted]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}


_HANDLERS: dict[str, Callable[[FakeSheets, Json], Json]] = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "appendDimension": _append_dimension,
    "insertDimension": _insert_dimension,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "appendCells": _append_cells,
    "addProtectedRange": _add_protected_range,
    "setDataValidation": _set_data_validation,
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": _delete_conditional_format_rule,
    "updateDimensionProperties": _update_dimension_properties,
    "setBasicFilter": _set_basic_filter,
    "addChart": add_chart,
    "deleteEmbeddedObject": delete_embedded_object,
    "createDeveloperMetadata": _create_developer_metadata,
    "deleteDeveloperMetadata": _delete_developer_metadata,
}
