"""The fake Sheets API's parts: A1 ranges, field masks, typed input, batchUpdate requests.

Each ``spreadsheets.batchUpdate`` request kind is applied as the API documents it:
GridRange indexes are 0-based and end-exclusive; ``updateCells`` sets exactly the fields
its mask names (absent ones are cleared); ``appendCells`` writes after the last row with
data; a cell beyond the grid is an error, and one bad request fails the whole batch.
Charts: ``addChart`` (basic charts at an ``overlayPosition.anchorCell``, ids unique in the
spreadsheet, source ranges inside their grid) and ``deleteEmbeddedObject`` by id;
``spreadsheets.get`` answers them as ``sheets[].charts`` (EmbeddedChart), and gradient or
boolean rules as ``sheets[].conditionalFormats``, both through the field mask.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..cells import to_serial

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets, Sheet

Json = dict[str, Any]


@dataclass(frozen=True)
class A1Range:
    row0: int | None = None  # 0-based start row
    col0: int | None = None
    row1: int | None = None  # end-exclusive
    col1: int | None = None


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_PART = re.compile(r"^([A-Za-z]*)(\d*)$")


def parse_a1(text: str) -> A1Range:
    """'A1:C3', 'B:B', '1:1', 'C7' as 0-based, end-exclusive bounds."""
    first, _, second = text.partition(":")
    m1, m2 = _PART.match(first), _PART.match(second or first)
    if not m1 or not m2:
        from .fake_sheets import FakeApiError

        raise FakeApiError(400, f"Unable to parse range: {text}")
    c0 = _col(m1.group(1)) if m1.group(1) else None
    r0 = int(m1.group(2)) - 1 if m1.group(2) else None
    c1 = _col(m2.group(1)) + 1 if m2.group(1) else None
    r1 = int(m2.group(2)) if m2.group(2) else None
    return A1Range(r0 if r0 is not None else (0 if c0 is not None else None), c0, r1, c1)


# ----- field masks -------------------------------------------------------------------------
def _parse_mask(text: str) -> dict[str, Any]:
    """'a.b,c(d,e/f)' -> {'a': {'b': {}}, 'c': {'d': {}, 'e': {'f': {}}}}; {} = everything."""
    tree: dict[str, Any] = {}
    pos = 0

    def parse_list(until: str) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(text) and text[pos] != until:
            node = out
            name = ""
            while pos < len(text) and text[pos] not in ",()":
                ch = text[pos]
                if ch in "./":
                    node = node.setdefault(name.strip(), {})
                    name = ""
                else:
                    name += ch
                pos += 1
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
                pos += 1
                _merge(node.setdefault(name.strip(), {}), sub)
            elif name.strip():
                node.setdefault(name.strip(), {})
            if pos < len(text) and text[pos] == ",":
                pos += 1
        return out

    tree = parse_list("\0")
    return tree


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for k, v in other.items():
        _merge(into.setdefault(k, {}), v)


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
    result = _apply_mask(answer, _parse_mask(fields))
    return result if isinstance(result, dict) else {}


# ----- typed input (what the browser does with typed text) --------------------------------
def user_entered(text: str) -> Json:
    """A CellData for ``text`` typed by a person (valueInputOption=USER_ENTERED)."""
    if text == "":
        return {}
    if text.startswith("="):
        return {
            "userEnteredValue": {"formulaValue": text},
            "effectiveValue": {"errorValue": {"type": "NAME", "message": "fake: not evaluated"}},
        }
    upper = text.strip().upper()
    if upper in ("TRUE", "FALSE"):
        v: Json = {"boolValue": upper == "TRUE"}
        return {"userEnteredValue": v, "effectiveValue": dict(v)}
    for pattern, kind in (("%m/%d/%Y", "DATE"), ("%Y-%m-%d", "DATE"), ("%m/%d/%Y %H:%M:%S",
                                                                         "DATE_TIME")):
        try:
            moment = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        fmt = {"numberFormat": {"type": kind, "pattern": "M/d/yyyy"}}
        v = {"numberValue": to_serial(moment)}
        return {"userEnteredValue": v, "effectiveValue": dict(v), "userEnteredFormat": fmt,
                "effectiveFormat": copy.deepcopy(fmt)}
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", text.strip()):
        number = float(text)
        if abs(number) < 1e308:
            v = {"numberValue": int(number) if number.is_integer() else number}
            return {"userEnteredValue": v, "effectiveValue": dict(v)}
    v = {"stringValue": text}
    return {"userEnteredValue": v, "effectiveValue": dict(v)}


# ----- spreadsheets.batchUpdate requests --------------------------------------------------
def _error(message: str) -> Exception:
    from .fake_sheets import FakeApiError

    return FakeApiError(400, message)


def _sheet_by_id(fake: FakeSheets, sheet_id: Any) -> Sheet:
    for sheet in fake.sheets:
        if sheet.sheet_id == (sheet_id or 0):
            return sheet
    raise _error(f"No grid with id: {sheet_id}")


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
        raise _error("the fake does not evaluate formulas; send typed values")
    cell.pop("effectiveValue", None)
    if value:
        cell["effectiveValue"] = dict(value)
    cell.pop("effectiveFormat", None)
    if cell.get("userEnteredFormat"):
        cell["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])


def _check_grid(sheet: Sheet, row: int, col: int) -> None:
    if row >= sheet.row_count:
        raise _error(
            f"GridCoordinate.rowIndex[{row}] is after last row in grid[{sheet.row_count - 1}]"
        )
    if col >= sheet.column_count:
        raise _error(
            f"GridCoordinate.columnIndex[{col}] is after last column in grid"
            f"[{sheet.column_count - 1}]"
        )


def _bounds(sheet: Sheet, rng: Json) -> tuple[int, int, int, int]:
    return (
        int(rng.get("startRowIndex", 0)),
        int(rng.get("startColumnIndex", 0)),
        int(rng.get("endRowIndex", sheet.row_count)),
        int(rng.get("endColumnIndex", sheet.column_count)),
    )


def apply_request(fake: FakeSheets, request: Json) -> Json:
    if len(request) != 1:
        raise _error("exactly one kind of request per entry")
    kind, body = next(iter(request.items()))
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise _error(f"Unknown name \"{kind}\" at 'requests[0]': Cannot find field.")
    reply: Json = handler(fake, body)
    return reply


def _add_sheet(fake: FakeSheets, body: Json) -> Json:
    props = body.get("properties", {})
    title = props.get("title") or f"Sheet{len(fake.sheets) + 1}"
    if any(s.title.casefold() == title.casefold() for s in fake.sheets):
        raise _error(f'A sheet with the name "{title}" already exists. Please enter another name.')
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = fake.new_id()
    elif any(s.sheet_id == sheet_id for s in fake.sheets):
        raise _error(f"Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties", {})
    sheet = fake.add_sheet(title, None, row_count=grid.get("rowCount", 1000),
                           column_count=grid.get("columnCount", 26))
    sheet.sheet_id = int(sheet_id)
    sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
    sheet.tab_color = props.get("tabColor")
    return {"addSheet": {"properties": sheet.properties()}}


def _delete_sheet(fake: FakeSheets, body: Json) -> Json:
    sheet = _sheet_by_id(fake, body.get("sheetId"))
    fake.sheets.remove(sheet)
    return {}


def _update_sheet_properties(fake: FakeSheets, body: Json) -> Json:
    props = body.get("properties", {})
    sheet = _sheet_by_id(fake, props.get("sheetId"))
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
        sheet.tab_color = props.get("tabColor")
    if "title" in fields:
        sheet.title = props.get("title", sheet.title)
    return {}


def _append_dimension(fake: FakeSheets, body: Json) -> Json:
    sheet = _sheet_by_id(fake, body.get("sheetId"))
    length = int(body.get("length", 0))
    if length <= 0:
        raise _error("length must be positive")
    if body.get("dimension") == "ROWS":
        sheet.row_count += length
    elif body.get("dimension") == "COLUMNS":
        sheet.column_count += length
    else:
        raise _error("dimension must be ROWS or COLUMNS")
    return {}


def _insert_dimension(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = _sheet_by_id(fake, rng.get("sheetId"))
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


def _update_cells(fake: FakeSheets, body: Json) -> Json:
    rows = body.get("rows", [])
    fields = body.get("fields")
    if not fields:
        raise _error("At least one field must be updated.")
    if "start" in body:
        start = body["start"]
        sheet = _sheet_by_id(fake, start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        for dr, row in enumerate(rows):
            for dc, given in enumerate(row.get("values", [])):
                _check_grid(sheet, r0 + dr, c0 + dc)
                _set_fields(sheet.cell(r0 + dr, c0 + dc), given, fields)
        return {}
    rng = body.get("range", {})
    sheet = _sheet_by_id(fake, rng.get("sheetId"))
    r0, c0, r1, c1 = _bounds(sheet, rng)
    for r in range(r0, r1):
        row = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
        for c in range(c0, c1):
            _check_grid(sheet, r, c)
            _set_fields(sheet.cell(r, c), row[c - c0] if c - c0 < len(row) else {}, fields)
    return {}


def _repeat_cell(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = _sheet_by_id(fake, rng.get("sheetId"))
    r0, c0, r1, c1 = _bounds(sheet, rng)
    for r in range(r0, r1):
        for c in range(c0, c1):
            _set_fields(sheet.cell(r, c), body.get("cell", {}), body.get("fields", ""))
    return {}


def _append_cells(fake: FakeSheets, body: Json) -> Json:
    sheet = _sheet_by_id(fake, body.get("sheetId"))
    start = sheet.last_data_row()
    rows = body.get("rows", [])
    sheet.row_count = max(sheet.row_count, start + len(rows))
    for dr, row in enumerate(rows):
        for c, given in enumerate(row.get("values", [])):
            _check_grid(sheet, start + dr, c)
            _set_fields(sheet.cell(start + dr, c), given, body.get("fields", "*"))
    return {}


def _add_protected_range(fake: FakeSheets, body: Json) -> Json:
    protected = copy.deepcopy(body.get("protectedRange", {}))
    sheet = _sheet_by_id(fake, protected.get("range", {}).get("sheetId"))
    protected["protectedRangeId"] = fake.new_id()
    protected["requestingUserCanEdit"] = True
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": protected}}


def _set_data_validation(fake: FakeSheets, body: Json) -> Json:
    rng = body.get("range", {})
    sheet = _sheet_by_id(fake, rng.get("sheetId"))
    rule = body.get("rule")
    if rule is not None and rule.get("condition", {}).get("type") is None:
        raise _error("condition.type is required")
    r0, c0, r1, c1 = _bounds(sheet, rng)
    for r in range(r0, min(r1, sheet.row_count)):
        for c in range(c0, c1):
            cell = sheet.cell(r, c)
            if rule is None:
                cell.pop("dataValidation", None)
            else:
                cell["dataValidation"] = copy.deepcopy(rule)
    return {}


def _add_conditional_format_rule(fake: FakeSheets, body: Json) -> Json:
    rule = copy.deepcopy(body.get("rule", {}))
    ranges = rule.get("ranges", [])
    if not ranges:
        raise _error("rule.ranges must not be empty")
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise _error("a rule is exactly one of booleanRule or gradientRule")
    for name in ("minpoint", "maxpoint"):
        if "gradientRule" in rule and not rule["gradientRule"].get(name, {}).get("type"):
            raise _error(f"gradientRule.{name}.type is required")
    sheet = _sheet_by_id(fake, ranges[0].get("sheetId"))
    sheet.conditional_formats.insert(int(body.get("index", 0)), rule)
    return {}


def _all_charts(fake: FakeSheets) -> list[tuple[Sheet, Json]]:
    return [(sheet, chart) for sheet in fake.sheets for chart in sheet.charts]


def _chart_ranges(spec: Json) -> list[Json]:
    """Every GridRange a chart spec reads (domains and series of a basic chart)."""
    basic = spec.get("basicChart", {})
    parts = [d.get("domain", {}) for d in basic.get("domains", [])]
    parts += [s.get("series", {}) for s in basic.get("series", [])]
    return [r for p in parts for r in p.get("sourceRange", {}).get("sources", [])]


def _add_chart(fake: FakeSheets, body: Json) -> Json:
    """addChart: an EmbeddedChart over an existing sheet, at an overlay position. The fake
    knows basic charts only; ids are unique across the spreadsheet's embedded objects."""
    chart = copy.deepcopy(body.get("chart", {}))
    spec = chart.get("spec", {})
    basic = spec.get("basicChart")
    if basic is None:
        raise _error("the fake draws basicChart specs only")
    if not basic.get("chartType"):
        raise _error("basicChart.chartType is required")
    anchor = chart.get("position", {}).get("overlayPosition", {}).get("anchorCell")
    if anchor is None:
        raise _error("the fake places charts by position.overlayPosition.anchorCell only")
    host = _sheet_by_id(fake, anchor.get("sheetId"))
    for rng in _chart_ranges(spec):
        source = _sheet_by_id(fake, rng.get("sheetId"))
        r0, c0, r1, c1 = _bounds(source, rng)
        if r1 > source.row_count or c1 > source.column_count or r0 >= r1 or c0 >= c1:
            raise _error(f"Invalid chart source range on sheet {source.title!r}")
    chart_id = chart.get("chartId")
    if chart_id is None:
        chart_id = fake.new_id()
    elif any(c.get("chartId") == chart_id for _, c in _all_charts(fake)):
        raise _error(f"An object with id {chart_id} already exists.")
    chart["chartId"] = int(chart_id)
    host.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def _delete_embedded_object(fake: FakeSheets, body: Json) -> Json:
    object_id = body.get("objectId")
    for sheet, chart in _all_charts(fake):
        if chart.get("chartId") == object_id:
            sheet.charts.remove(chart)
            return {}
    raise _error(f"No object with id {object_id}")


def _create_developer_metadata(fake: FakeSheets, body: Json) -> Json:
    meta = copy.deepcopy(body.get("developerMetadata", {}))
    if "metadataKey" not in meta or "visibility" not in meta:
        raise _error("developerMetadata needs metadataKey and visibility")
    meta_id = meta.get("metadataId")
    if meta_id is None:
        meta["metadataId"] = fake.new_id()
    elif any(m["metadataId"] == meta_id for m in fake.developer_metadata):
        from .fake_sheets import FakeApiError

        raise FakeApiError(400, f"Developer metadata with id {meta_id} already exists.",
                           "ALREADY_EXISTS")
    location = meta.get("location", {})
    if not location.get("spreadsheet"):
        raise _error("the fake keeps developer metadata on the spreadsheet only")
    meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
    fake.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": meta}}


def _delete_developer_metadata(fake: FakeSheets, body: Json) -> Json:
    lookup = body.get("dataFilter", {}).get("developerMetadataLookup", {})
    names = ("metadataId", "metadataKey", "metadataValue")
    wanted = {k: v for k, v in lookup.items() if k in names}
    if not wanted:
        raise _error("dataFilter.developerMetadataLookup must name a metadata")
    deleted = [m for m in fake.developer_metadata if all(m.get(k) == v for k, v in wanted.items())]
    fake.developer_metadata = [m for m in fake.developer_metadata if m not in deleted]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}


_HANDLERS: dict[str, Any] = {
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
    "addConditionalFormatRule": _add_conditional_format_rule,
    "addChart": _add_chart,
    "deleteEmbeddedObject": _delete_embedded_object,
    "createDeveloperMetadata": _create_developer_metadata,
    "deleteDeveloperMetadata": _delete_developer_metadata,
}
