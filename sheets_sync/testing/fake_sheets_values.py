"""The fake Sheets API's ``values`` endpoints, and how a cell reads and is typed in.

``GET .../values:batchGet?ranges=..&valueRenderOption=..`` answers ``{"spreadsheetId",
"valueRanges": [{"range": "'Tab'!A1:A10", "majorDimension": "ROWS", "values": [...]}]}``
with trailing blanks trimmed; ``GET/PUT .../values/{range}``; ``POST .../values/{range}:append``;
``POST .../values:batchUpdate``. Typed text (``USER_ENTERED``) is parsed as the browser does.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..backends.google_values import column_letter, read_cell, write_cell
from ..cells import to_serial
from .fake_sheets_model import A1Range, FakeApiError, Json, Sheet, parse_a1

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets


def resolve(fake: FakeSheets, a1: str) -> tuple[Sheet, A1Range]:
    """The sheet and bounds an A1 range such as ``'Tab'!A1:C3`` names."""
    title, _, cells = a1.rpartition("!") if "!" in a1 else (a1, "", "")
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    for sheet in fake.sheets:
        if sheet.title == title:
            return sheet, parse_a1(cells) if cells else A1Range()
    raise FakeApiError(400, f"Unable to parse range: {a1}", "INVALID_ARGUMENT")


def range_name(sheet: Sheet, r0: int, c0: int, r1: int, c1: int) -> str:
    plain = sheet.title.replace("_", "").isalnum() and sheet.title.isascii()
    title = sheet.title if plain else "'" + sheet.title.replace("'", "''") + "'"
    return f"{title}!{column_letter(c0)}{r0 + 1}:{column_letter(c1 - 1)}{r1}"


def value_range(fake: FakeSheets, a1: str, query: dict[str, list[str]]) -> Json:
    """values.get: one ValueRange, rendered as the query asks."""
    sheet, rng = resolve(fake, a1)
    render = (query.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
    dates = (query.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
    whole = rng.row0 is None and rng.col0 is None and rng.row1 is None
    r0, c0 = rng.row0 or 0, rng.col0 or 0
    if whole:  # a whole sheet answers its used extent, as the cassettes show
        r1, c1 = max(sheet.last_data_row(), 1), max(sheet.last_data_col(), 1)
    else:
        r1 = min(rng.row1 if rng.row1 is not None else sheet.row_count, sheet.row_count)
        c1 = min(rng.col1 if rng.col1 is not None else sheet.column_count, sheet.column_count)
    values: list[list[Any]] = []
    for r in range(r0, r1):
        row = [rendered(sheet.peek(r, c), render, dates) for c in range(c0, c1)]
        while row and row[-1] == "":
            row.pop()
        values.append(row)
    while values and not values[-1]:
        values.pop()
    out: Json = {"range": range_name(sheet, r0, c0, r1, c1), "majorDimension": "ROWS"}
    if values:
        out["values"] = values
    return out


def values_batch_get(fake: FakeSheets, query: dict[str, list[str]]) -> Json:
    return {
        "spreadsheetId": fake.id,
        "valueRanges": [value_range(fake, r, query) for r in query.get("ranges", [])],
    }


def values_update(fake: FakeSheets, a1: str, values: list[list[Any]], option: str) -> Json:
    """values.update: write ``values`` from the range's top-left cell, RAW or USER_ENTERED."""
    if option not in ("RAW", "USER_ENTERED"):
        raise FakeApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED",
                           "INVALID_ARGUMENT")
    sheet, rng = resolve(fake, a1)
    r0, c0 = rng.row0 or 0, rng.col0 or 0
    for dr, row in enumerate(values):
        for dc, value in enumerate(row):
            r, c = r0 + dr, c0 + dc
            if r >= sheet.row_count or c >= sheet.column_count:
                raise FakeApiError(400, f"Range ({a1}) exceeds grid limits. Max rows: "
                                   f"{sheet.row_count}, max columns: {sheet.column_count}",
                                   "INVALID_ARGUMENT")
            cell = sheet.cell(r, c)
            cell.pop("userEnteredValue", None)
            cell.pop("effectiveValue", None)
            if value is None:
                continue
            if option == "USER_ENTERED" and isinstance(value, str):
                parsed = user_entered(value)
                fmt = parsed.pop("userEnteredFormat", None)
                cell.update(parsed)
                if fmt:
                    cell["userEnteredFormat"] = fmt
                    cell["effectiveFormat"] = copy.deepcopy(fmt)
            else:
                typed = write_cell(value)
                if "userEnteredValue" in typed:
                    cell["userEnteredValue"] = typed["userEnteredValue"]
                    cell["effectiveValue"] = dict(typed["userEnteredValue"])
    rows = len(values)
    cols = max((len(r) for r in values), default=0)
    return {"spreadsheetId": fake.id,
            "updatedRange": range_name(sheet, r0, c0, r0 + rows, c0 + max(cols, 1)),
            "updatedRows": rows, "updatedColumns": cols,
            "updatedCells": sum(len(r) for r in values)}


def values_append(fake: FakeSheets, a1: str, values: list[list[Any]], option: str) -> Json:
    """values.append: after the last row with data, growing the grid as needed."""
    sheet, _ = resolve(fake, a1)
    start = sheet.last_data_row()
    sheet.row_count = max(sheet.row_count, start + len(values))
    title = a1.rpartition("!")[0] or a1
    updates = values_update(fake, f"{title}!A{start + 1}", values, option)
    return {"spreadsheetId": fake.id, "tableRange": range_name(
        sheet, 0, 0, max(start, 1), max(sheet.last_data_col(), 1)), "updates": updates}


def values_batch_update(fake: FakeSheets, payload: Json) -> Json:
    option = payload.get("valueInputOption", "")
    responses = [values_update(fake, d["range"], d.get("values", []), option)
                 for d in payload.get("data", [])]
    return {"spreadsheetId": fake.id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0]
                                       for r in responses}),
            "responses": responses}


# ----- how a cell reads, and how typed text becomes a cell ---------------------------------
def rendered(cell: Json, render: str, dates: str) -> Any:
    """One cell as values.get renders it ("" for an empty cell)."""
    if render == "FORMULA" and "formulaValue" in cell.get("userEnteredValue", {}):
        return cell["userEnteredValue"]["formulaValue"]
    value = cell.get("effectiveValue") or {}
    if not value:
        return ""
    if "errorValue" in value:
        return read_cell(cell)
    kind = cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type", "")
    if render == "FORMATTED_VALUE" or (kind in ("DATE", "DATE_TIME") and dates != "SERIAL_NUMBER"):
        typed = read_cell(cell)
        if isinstance(typed, bool):
            return "TRUE" if typed else "FALSE"
        if isinstance(typed, datetime):
            return f"{typed.month}/{typed.day}/{typed.year} {typed:%H:%M:%S}"
        if isinstance(typed, date):
            return f"{typed.month}/{typed.day}/{typed.year}"
        return "" if typed is None else str(typed)
    for k in ("numberValue", "stringValue", "boolValue"):
        if k in value:
            found = value[k]
            if isinstance(found, float) and found.is_integer() and abs(found) < 2**53:
                return int(found)  # Google's JSON writes a whole double without ".0"
            return found
    return ""


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
