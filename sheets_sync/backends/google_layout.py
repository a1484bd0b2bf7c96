"""The write-time look at a spreadsheet: one ``spreadsheets.get``, pure parsing around it.

The lean read brings values only. What a write needs besides (sheet ids and grid sizes,
the header row and the key column of each tab it touches as they are *now*, the charts
and conditional formats already drawn, how each tab looks, the write tokens of earlier
writes) comes from one ``spreadsheets.get`` made at write time, with ``ranges`` asking rows
1 and 2 of every known tab (the header, and row 2 whose cell formats tell a column's
look; the whole tab for a chart's data tab, a few rows) and the key column of each tab
written by key, below its header (``'Orders'!A2:A``): a GridData starting on row 2 is a
key column, one starting on row 1 a header row. With ``ranges`` Google answers only
the sheets they name, so every tab the read knows is named. The mask keeps each cell's
``effectiveValue`` alone, so keys read exactly as the values API gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cells import CellValue, is_blank, to_text
from ..contract import normalize
from ..presentation import CHARTS
from .google_looks import CELL_FORMAT_FIELDS, LOOK_SHEET_FIELDS, RULE_FIELDS, SheetLooks, sheet_looks
from .google_plan import TOKEN_KEY, SheetLayout
from .google_present import CHART_FIELDS, Seen, seen_from
from .google_values import column_letter, quote_title, read_cell

Json = dict[str, Any]
SHEET_FIELDS = (
    "properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount)),"
    f"{CHART_FIELDS},{RULE_FIELDS},{LOOK_SHEET_FIELDS}"
)
META_FIELDS = (
    "spreadsheetId,properties.title,developerMetadata(metadataId,metadataKey),"
    f"sheets({SHEET_FIELDS})"
)
LOOK_FIELDS = (
    "spreadsheetId,properties.title,developerMetadata(metadataId,metadataKey),"
    f"sheets({SHEET_FIELDS},data(startRow,startColumn,columnMetadata.pixelSize,"
    f"rowData.values(effectiveValue,{CELL_FORMAT_FIELDS})))"
)
DATA_TABS = frozenset(normalize(c.data_tab) for c in CHARTS)


@dataclass
class Look:
    """A spreadsheet as the write sees it."""

    title: str = ""
    titles: list[str] = field(default_factory=list)  # every sheet answered, in tab order
    tokens: list[int] = field(default_factory=list)  # ids of earlier writes' tokens
    layouts: dict[str, SheetLayout] = field(default_factory=dict)  # normalized title ->
    seen: Seen = field(default_factory=Seen)
    looks: dict[str, SheetLooks] = field(default_factory=dict)  # normalized title ->
    key_columns: dict[tuple[str, int], dict[str, list[int]]] = field(default_factory=dict)


def look_ranges(titles: Sequence[str], keys: Mapping[str, Sequence[int]]) -> list[str]:
    """The header row of every tab (a chart data tab whole) and the key columns named
    (normalized title -> 0-based columns), below their header."""
    out: list[str] = []
    for title in titles:
        quoted = quote_title(title)
        out.append(quoted if normalize(title) in DATA_TABS else f"{quoted}!1:2")
        for col in sorted(set(keys.get(normalize(title), ()))):
            letter = column_letter(col)
            out.append(f"{quoted}!{letter}2:{letter}")
    return out


def read_look(answer: Json, used: Mapping[str, set[int]] | None = None) -> Look:
    """A ``spreadsheets.get`` answer (``LOOK_FIELDS`` or ``META_FIELDS``) as a Look.
    ``used``: normalized title -> columns holding data, as the read saw them (a tab the
    read did not see counts every column as used)."""
    look = Look(title=str(answer.get("properties", {}).get("title", "")))
    look.tokens = [int(m["metadataId"]) for m in answer.get("developerMetadata", [])
                   if m.get("metadataKey") == TOKEN_KEY and "metadataId" in m]
    sheets = sorted(answer.get("sheets", []), key=lambda s: s.get("properties", {}).get("index", 0))
    data_rows: dict[str, list[list[CellValue]]] = {}
    for sheet in sheets:
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        title = str(props.get("title", ""))
        name = normalize(title)
        look.titles.append(title)
        header: list[CellValue] = []
        for block in sheet.get("data", []):
            start_row, start_col = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
            rows = [[read_cell(c) for c in (r.get("values", []) if isinstance(r, dict) else [])]
                    for r in block.get("rowData", [])]
            if start_row == 0:
                header = list(rows[0]) if rows else []
                if name in DATA_TABS:
                    data_rows[name] = rows
            else:
                look.key_columns[(name, start_col)] = key_map(rows, start_row)
        columns = int(grid.get("columnCount", 0))
        seen_used = (used or {}).get(name)
        look.layouts[name] = SheetLayout(
            int(props.get("sheetId", 0)), title, int(grid.get("rowCount", 0)), columns,
            [to_text(v) for v in header],
            set(seen_used) if seen_used is not None else set(range(columns)))
        look.looks[name] = sheet_looks(sheet, look.layouts[name].headers)
    look.seen = seen_from(sheets, data_rows)
    return look


def key_map(rows: Sequence[Sequence[CellValue]], first_row: int) -> dict[str, list[int]]:
    """The cells of a key column from 0-based row ``first_row`` down -> key text -> its
    rows (more than one for a duplicated key)."""
    out: dict[str, list[int]] = {}
    for offset, row in enumerate(rows):
        if not row or is_blank(row[0]):
            continue
        out.setdefault(to_text(row[0]), []).append(first_row + offset)
    return out
