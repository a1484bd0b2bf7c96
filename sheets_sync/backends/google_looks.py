"""``looks.LOOKS`` as Sheets API requests: pure, compared before anything is sent.

What a tab looks like now comes from a ``spreadsheets.get`` that asked ``LOOK_SHEET_FIELDS``
and the tab's rows 1 and 2 (``'Tab'!1:2``): the header row, the first data row's cell
formats (a column's format is judged from its row 2), the column widths
(``columnMetadata.pixelSize``), the frozen rows, the basic filter and the conditional
formats. ``look_requests`` gives what is missing or different, nothing else:

* a column's pattern, wrapping, top alignment (on a tab the product owns) and indent
  (left padding) go to the whole column below the header with one ``repeatCell``, and
  again to the rows a write adds to the grid; a value the product writes carries the
  column's pattern, a row it appends the whole format (``cell_format``);
* widths (``updateDimensionProperties``) follow ``presentation.width_to_set``; 100 px,
  Google's default width, counts as "not set";
* colours with a meaning are ``booleanRule`` conditional formats on the column below the
  header (no end row), in spec order; ours are known by their condition and colours, and
  a rule of ours that no longer sits on its column is deleted;
* the header row is frozen when no row is, and a basic filter over the header's columns
  (no end row, so it follows the sheet) is set when the tab has none, or stretched when a
  tab the product owns got a column.

Human columns (``TabLook.human``) are formatted only on tabs the product created
(``init --google`` marks them), as on .xlsx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cells import CellValue
from ..contract import normalize
from ..looks import LOOKS
from ..presentation import DATE, MOMENT, ColumnLook, Highlight, TabLook, pixels, width_to_set
from ..workbook import Table
from .base import ChangeSet
from .google_present import rgb

if TYPE_CHECKING:
    from .google_plan import SheetLayout

Json = dict[str, Any]
FORMAT_KEYS = ("numberFormat", "wrapStrategy", "verticalAlignment", "horizontalAlignment", "padding")
CELL_FORMAT_FIELDS = "userEnteredFormat(" + ",".join(FORMAT_KEYS) + ")"
# what a write-time look or init asks of each sheet besides its grid and properties
LOOK_SHEET_FIELDS = "basicFilter.range,developerMetadata.metadataKey"
RULE_FIELDS = (
    "conditionalFormats(ranges,booleanRule(condition(type,values.userEnteredValue),"
    "format(backgroundColorStyle.rgbColor,textFormat.foregroundColorStyle.rgbColor)),"
    "gradientRule.minpoint.type)"
)
CREATED_KEY = "sheets-sync.created"  # on a sheet the product created (init --google)
DEFAULT_PX = 100
PX_PER_INDENT = 14  # an indent level is about 2 characters
_CONDITION = {"equals": "TEXT_EQ", "starts": "TEXT_STARTS_WITH", "contains": "TEXT_CONTAINS",
              "any": "NOT_BLANK"}


@dataclass
class SheetLooks:
    """How one sheet looks now."""

    sheet_id: int
    headers: list[str]
    created: bool = False  # the product made this tab
    frozen: int = 0
    filter_range: Json | None = None
    formats: dict[int, Json] = field(default_factory=dict)  # col -> row 2's format
    widths: dict[int, int] = field(default_factory=dict)  # col -> pixels
    rules: list[Json] = field(default_factory=list)  # conditional formats, in order


def sheet_looks(sheet: Json, headers: Sequence[str]) -> SheetLooks:
    """A sheet of a ``spreadsheets.get`` answer (asked rows 1:2 with ``CELL_FORMAT_FIELDS``
    and ``columnMetadata.pixelSize``) as SheetLooks."""
    props = sheet.get("properties", {})
    out = SheetLooks(int(props.get("sheetId", 0)), list(headers))
    out.frozen = int(props.get("gridProperties", {}).get("frozenRowCount", 0))
    out.filter_range = (sheet.get("basicFilter") or {}).get("range")
    out.created = any(m.get("metadataKey") == CREATED_KEY for m in sheet.get("developerMetadata", []))
    out.rules = list(sheet.get("conditionalFormats", []))
    for block in sheet.get("data", []):
        if int(block.get("startRow", 0)) != 0:
            continue
        start = int(block.get("startColumn", 0))
        for i, meta in enumerate(block.get("columnMetadata", [])):
            if "pixelSize" in meta:
                out.widths[start + i] = int(meta["pixelSize"])
        rows = block.get("rowData", [])
        if len(rows) > 1:
            for i, cell in enumerate(rows[1].get("values", []) if isinstance(rows[1], dict) else []):
                if isinstance(cell, dict) and cell.get("userEnteredFormat"):
                    out.formats[start + i] = dict(cell["userEnteredFormat"])
    return out


# ----- cell formats ------------------------------------------------------------------------
def number_format(pattern: str) -> Json:
    kind = "DATE" if pattern == DATE else "DATE_TIME" if pattern == MOMENT else "NUMBER"
    return {"type": kind, "pattern": pattern}


def column_format(spec: ColumnLook, owned: bool) -> Json:
    """The userEnteredFormat a looked column's cells carry (only the keys it sets)."""
    fmt: Json = {}
    if spec.pattern is not None:
        fmt["numberFormat"] = number_format(spec.pattern)
    if spec.wrap:
        fmt["wrapStrategy"] = "WRAP"
    if owned:
        fmt["verticalAlignment"] = "TOP"
    if spec.indent:
        fmt["horizontalAlignment"] = "LEFT"
        fmt["padding"] = {"left": spec.indent * PX_PER_INDENT}
    return fmt


def looked_column(tab: str, header: str, created: bool = False) -> tuple[ColumnLook, bool] | None:
    """A column's look and whether the product owns its tab; None when it has none."""
    wanted = normalize(tab)
    look = next((t for t in LOOKS if normalize(t.tab) == wanted), None)
    if look is None:
        return None
    name = normalize(header)
    specs = [*look.columns, *(look.human if created else ())]
    spec = next((c for c in specs if normalize(c.header) == name), None)
    return (spec, look.machine or created) if spec is not None else None


def cell_format(tab: str, header: str) -> Json:
    """The format a row the product appends carries in this column ({} when none)."""
    found = looked_column(tab, header)
    return column_format(*found) if found is not None else {}


def number_format_of(tab: str, header: str) -> Json:
    """The format a value the product writes in place carries: the column's pattern."""
    return {k: v for k, v in cell_format(tab, header).items() if k == "numberFormat"}


def _same_format(have: Json, want: Json) -> bool:
    return all(have.get(k) == v for k, v in want.items())


# ----- colours ------------------------------------------------------------------------------
def highlight_rule(h: Highlight, sheet_id: int, col: int) -> Json:
    condition: Json = {"type": _CONDITION[h.match]}
    if h.match != "any":
        condition["values"] = [{"userEnteredValue": h.text}]
    return {
        "ranges": [{"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": col,
                    "endColumnIndex": col + 1}],
        "booleanRule": {"condition": condition, "format": {
            "backgroundColorStyle": {"rgbColor": rgb(h.colour.fill)},
            "textFormat": {"foregroundColorStyle": {"rgbColor": rgb(h.colour.text)}}}},
    }


def _signature(rule: Json) -> tuple[str, str, str, str] | None:
    """(condition, text, fill, ink) of a boolean rule, None for any other rule."""
    boolean = rule.get("booleanRule")
    if not isinstance(boolean, dict):
        return None
    cond = boolean.get("condition", {})
    values = cond.get("values") or [{}]
    fmt = boolean.get("format", {})
    fill = fmt.get("backgroundColorStyle", {}).get("rgbColor", {})
    ink = fmt.get("textFormat", {}).get("foregroundColorStyle", {}).get("rgbColor", {})
    return (str(cond.get("type", "")), str(values[0].get("userEnteredValue", "")),
            _hex(fill), _hex(ink))


def _hex(colour: Mapping[str, float]) -> str:
    return "".join(f"{round(float(colour.get(c, 0)) * 255):02X}" for c in ("red", "green", "blue"))


def _sig_of(h: Highlight) -> tuple[str, str, str, str]:
    text = "" if h.match == "any" else h.text
    return (_CONDITION[h.match], text, _hex(rgb(h.colour.fill)), _hex(rgb(h.colour.text)))


_OURS = {_sig_of(h) for look in LOOKS for c in (*look.columns, *look.human) for h in c.highlights}


def _column_of(rule: Json) -> int | None:
    """The column of a rule on one whole column below its header, else None."""
    ranges = rule.get("ranges", [])
    if len(ranges) != 1:
        return None
    r = ranges[0]  # Google leaves out a 0 (proto3 JSON): column A has no startColumnIndex
    start = int(r.get("startColumnIndex", 0))
    if r.get("endColumnIndex") != start + 1 or r.get("startRowIndex", 0) != 1 or "endRowIndex" in r:
        return None
    return start


def _rule_requests(state: SheetLooks, wanted: Mapping[int, Sequence[Highlight]]) -> list[Json]:
    ours: dict[int, list[tuple[int, tuple[str, str, str, str]]]] = {}
    for index, rule in enumerate(state.rules):
        sig, col = _signature(rule), _column_of(rule)
        if sig in _OURS and col is not None:
            ours.setdefault(col, []).append((index, sig))
    doomed: list[int] = []
    fresh: list[tuple[int, Sequence[Highlight]]] = []
    for col in sorted(set(ours) | set(wanted)):
        have = [s for _, s in ours.get(col, [])]
        want = [_sig_of(h) for h in wanted.get(col, ())]
        if have == want:
            continue
        doomed += [i for i, _ in ours.get(col, [])]
        if want:
            fresh.append((col, wanted[col]))
    out: list[Json] = [{"deleteConditionalFormatRule": {"sheetId": state.sheet_id, "index": i}}
                       for i in sorted(doomed, reverse=True)]
    position = len(state.rules) - len(doomed)
    for col, highlights in fresh:
        for h in highlights:
            out.append({"addConditionalFormatRule": {
                "index": position, "rule": highlight_rule(h, state.sheet_id, col)}})
            position += 1
    return out


# ----- one tab -----------------------------------------------------------------------------
def look_requests(state: SheetLooks, look: TabLook, values: Mapping[int, Sequence[CellValue]] | None,
                  grown_from: int | None = None) -> list[Json]:
    """What ``state`` lacks of ``look``. ``values``: each looked column's values (below the
    header) after the write, for widths; None leaves widths alone. ``grown_from``: the
    first row (0-based) the write adds to the grid, whose cells get the columns' formats."""
    owned = look.machine or state.created
    specs = [*look.columns, *(look.human if state.created else ())]
    index = {normalize(h): i for i, h in enumerate(state.headers) if h.strip()}
    columns = {index[normalize(s.header)]: s for s in specs if normalize(s.header) in index}
    out: list[Json] = []
    for col, spec in sorted(columns.items()):
        fmt = column_format(spec, owned)
        whole = fmt and not _same_format(state.formats.get(col, {}), fmt)
        if whole or (fmt and grown_from is not None):
            out.append({"repeatCell": {
                "range": {"sheetId": state.sheet_id, "startRowIndex": 1 if whole else grown_from,
                          "startColumnIndex": col, "endColumnIndex": col + 1},
                "cell": {"userEnteredFormat": fmt},
                "fields": ",".join(f"userEnteredFormat.{k}" for k in fmt)}})
        if values is not None:
            px = state.widths.get(col, DEFAULT_PX)
            current = None if px == DEFAULT_PX else (px - 10) / 7
            width = width_to_set(spec, values.get(col, ()), current, owned)
            if width is not None and pixels(width) != px:
                out.append({"updateDimensionProperties": {
                    "range": {"sheetId": state.sheet_id, "dimension": "COLUMNS",
                              "startIndex": col, "endIndex": col + 1},
                    "properties": {"pixelSize": pixels(width)}, "fields": "pixelSize"}})
    out += _rule_requests(state, {c: s.highlights for c, s in columns.items() if s.highlights})
    if look.freeze and state.frozen == 0:
        out.append({"updateSheetProperties": {
            "properties": {"sheetId": state.sheet_id, "gridProperties": {"frozenRowCount": 1}},
            "fields": "gridProperties.frozenRowCount"}})
    if look.filter and index:
        wanted = {"sheetId": state.sheet_id, "startRowIndex": 0, "startColumnIndex": 0,
                  "endColumnIndex": max(index.values()) + 1}
        have = state.filter_range
        if have is None or (owned and {k: have.get(k, 0 if k != "endColumnIndex" else None)
                                       for k in wanted} != wanted):  # a 0 is left out
            out.append({"setBasicFilter": {"filter": {"range": wanted}}})
    return out


# ----- the values a column holds after a write, for widths ----------------------------------
@dataclass
class ReadColumns:
    """The values of a tab's looked columns as the read saw them, by sheet row."""

    rows: list[int]
    columns: dict[str, list[CellValue]]  # normalized header -> values, one per row


def read_columns(table: Table) -> ReadColumns:
    """The product's own columns (a person's columns keep the widths they have)."""
    look = looks_of(table.name)
    wanted = {normalize(c.header) for c in look.columns} if look else set()
    columns = {}
    for header in wanted:
        i = table.index(header)
        if i is not None:
            columns[header] = [r[i] for r in table.rows]
    return ReadColumns(table.row_numbers, columns)


def values_after(read: ReadColumns | None, layout: SheetLayout, changes: ChangeSet,
                 look: TabLook) -> dict[int, list[CellValue]] | None:
    """Each looked column's values once ``changes`` are written, by column index of
    ``layout``; None when the read did not see the tab and the write adds nothing to it."""
    tab = normalize(layout.title)
    grid = [g for g in changes.grid if normalize(g.tab) == tab]
    keyed = [c for c in changes.cells if normalize(c.tab) == tab]
    added = [a for a in changes.appends if normalize(a.tab) == tab]
    if read is None and not (grid or keyed or added):
        return None
    by_header: dict[str, dict[int, CellValue]] = {}
    if read is not None:
        for header, values in read.columns.items():
            by_header[header] = dict(zip(read.rows, values, strict=True))
    for g in grid:
        by_header.setdefault(normalize(g.column), {})[g.row] = g.value
    for c in keyed:
        found = layout.keys.get(normalize(c.key_column), {}).get(c.key, [])
        row = found[c.occurrence] if c.occurrence < len(found) else None
        if row is not None:
            by_header.setdefault(normalize(c.column), {})[row + 1] = c.value
    extra: dict[str, list[CellValue]] = {}
    for a in added:
        for header, value in a.values.items():
            extra.setdefault(normalize(header), []).append(value)
    out: dict[int, list[CellValue]] = {}
    for i, header in enumerate(layout.headers):
        name = normalize(header)
        if name in by_header or name in extra:
            out[i] = [*by_header.get(name, {}).values(), *extra.get(name, [])]
    return out


def looks_of(tab: str) -> TabLook | None:
    wanted = normalize(tab)
    return next((t for t in LOOKS if normalize(t.tab) == wanted), None)
