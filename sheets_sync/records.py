"""From a raw Snapshot to the typed ``Workshop`` of ``domain.model``, with a Problem for
every cell, column or tab that does not fit the contract. Pure: no I/O.

A row with an unreadable or missing required cell is reported and left out of the model
(so the computations downstream never see half a row), but every row stays available as
read, cell by cell (``ReadResult.rows``), so the rules between rows still check its other
cells: one bad cell hides no other problem. Rows are identified by key; a duplicated key
keeps its first row only, and the ignored rows are kept as such, to be marked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import cells
from .cells import CellValue
from .contract import HUMAN_TABS, Column, Kind, Tab, is_machine_header, normalize
from .domain import model as m
from .domain.problems import ERROR, WARNING, Problem, where
from .errors import CellError, WorkbookError
from .workbook import Snapshot, Table, column_letter

# Tabs the product cannot work without; the others are optional (a warning when absent).
ESSENTIAL_TABS = frozenset({"Orders", "Workflow", "Alloys"})


@dataclass(frozen=True)
class ParsedRow:
    row: int
    key: str | None
    values: dict[str, Any]  # contract column name -> typed value (None when blank/unreadable)
    complete: bool  # every required cell present and readable
    bad: tuple[str, ...] = ()  # columns whose cell is unreadable, or required and empty
    duplicate_of: int | None = None  # an ignored row: the sheet row that has its key first
    occurrence: int = 0  # 0 for the first row with its key, 1 for the next one, ...

    def label(self) -> str:
        return self.key or f"row {self.row}"


def _text(value: CellValue) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None if value is None else cells.to_text(value)


_PARSERS: dict[Kind, Callable[[CellValue], Any]] = {
    Kind.TEXT: _text,
    Kind.REF: _text,
    Kind.NUMBER: cells.parse_number,
    Kind.PERCENT: cells.parse_number,
    Kind.INTEGER: cells.parse_int,
    Kind.DATE: cells.parse_date,
    Kind.DATETIME: cells.parse_datetime,
    Kind.LINK: cells.parse_link,
    Kind.BOOL: cells.parse_bool,
}


def parse_cell(column: Column, value: CellValue) -> Any:
    """One cell as its column's type; raises CellError with the reason (a formula error
    is named as such, never read as a blank or a zero)."""
    if isinstance(value, cells.FormulaError):
        raise CellError(value.problem(column.name))
    if column.kind is not Kind.CHOICE:
        return _PARSERS[column.kind](value)
    text = _text(value)
    if text is None:
        return None
    for choice in column.choices:
        if normalize(choice) == normalize(text):
            return choice
    raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")


def duplicate_words(column: str, key: str, first: int, row: int) -> str:
    """A duplicated key, said so that it reads true on the ⚙ Check of both rows."""
    return f"{column} {key} is on rows {first} and {row}; row {first} is used, row {row} is ignored"


def read_rows(snapshot: Snapshot, tab: Tab) -> tuple[list[ParsedRow], list[Problem]]:
    problems: list[Problem] = []
    table = snapshot.table(tab.name)
    if table is None and tab.appended:
        return [], problems  # the sync creates it with the first row it appends
    if table is None:
        severity = ERROR if tab.name in ESSENTIAL_TABS else WARNING
        headers = ", ".join(c.name for c in tab.columns)
        problems.append(
            Problem(
                tab.name,
                "",
                "",
                severity,
                f"The workbook has no tab {tab.name!r}; add one with the headers: {headers}",
            )
        )
        return [], problems
    present = [c for c in tab.columns if table.has(c.name)]
    for c in tab.columns:
        if c.required and not table.has(c.name):
            problems.append(
                Problem(
                    tab.name,
                    "",
                    c.name,
                    ERROR,
                    f"{tab.name} has no column {c.name!r}; it is required "
                    "(headers are matched by name, any order, case and spacing forgiven)",
                )
            )
    problems.extend(_duplicated_headers(table, tab))
    key_col = tab.key
    if key_col is not None and not table.has(key_col.name):
        return [], problems
    seen: dict[str, list[int]] = {}  # key -> its sheet rows so far
    out: list[ParsedRow] = []
    positions = [(c, table.index(c.name)) for c in present]
    absent = {
        c.name: (parse_cell(c, c.default) if c.default is not None else None)
        for c in tab.columns
        if c not in present
    }
    key_i = table.index(key_col.name) if key_col is not None else None
    for number, raw in zip(table.row_numbers, table.rows, strict=True):
        key: str | None = None
        if key_col is not None and key_i is not None:
            key_value = raw[key_i]
            skipped = None
            if cells.is_blank(key_value):
                skipped = f"the row has no {key_col.name}, so it is skipped"
            elif isinstance(key_value, cells.FormulaError):
                skipped = f"{key_value.problem(key_col.name)}; the row is skipped until then"
            if skipped is not None:
                problems.append(
                    Problem(
                        tab.name,
                        f"row {number}",
                        key_col.name,
                        ERROR,
                        f"{where(tab.name, number, column=key_col.name)}: {skipped}",
                    )
                )
                continue
            key = cells.to_text(key_value)
            earlier = seen.setdefault(key, [])
            earlier.append(number)
            if len(earlier) > 1:
                first = earlier[0]
                problems.append(
                    Problem(
                        tab.name,
                        key,
                        key_col.name,
                        ERROR,
                        f"{where(tab.name, number, key, key_col.name)}: "
                        + duplicate_words(key_col.name, key, first, number),
                    )
                )
                out.append(ParsedRow(number, key, {}, False, (), first, len(earlier) - 1))
                continue
        label = key or f"row {number}"
        values: dict[str, Any] = dict(absent)
        complete = True
        bad: list[str] = []
        for c, i in positions:
            raw_value = raw[i] if i is not None else None
            unreadable = False
            try:
                value = parse_cell(c, raw_value)
            except CellError as exc:
                unreadable = True
                problems.append(
                    Problem(tab.name, label, c.name, ERROR, f"{where(tab.name, number, key, c.name)}: {exc}")
                )
                value = None
                bad.append(c.name)
                if c.required:
                    complete = False
            else:
                if value is None and c.required:
                    problems.append(
                        Problem(
                            tab.name,
                            label,
                            c.name,
                            ERROR,
                            f"{where(tab.name, number, key, c.name)}: {c.name} is required but empty",
                        )
                    )
                    complete = False
                    bad.append(c.name)
            if value is None and not unreadable and c.default is not None and not c.required:
                value = parse_cell(c, c.default)
            values[c.name] = value
        out.append(ParsedRow(number, key, values, complete, tuple(bad)))
    return out, problems


def _duplicated_headers(table: Table, tab: Tab) -> list[Problem]:
    """A header of the contract (or a ⚙ one) written twice: the first column is the one
    read and written; say which, naming both columns."""
    ours = {normalize(c.name) for c in tab.columns}
    found = []
    for header, positions in table.duplicate_headers():
        if normalize(header) not in ours and not is_machine_header(header):
            continue  # the staff's own columns may repeat a name: not ours to judge
        letters = [column_letter(i) for i in positions]
        others = " and ".join(letters[1:])
        found.append(
            Problem(
                tab.name,
                "",
                header,
                ERROR,
                f"{tab.name} has the header {header!r} in columns {', '.join(letters[:-1])} and "
                f"{letters[-1]}: column {letters[0]} is the one used, {others} is ignored; "
                "rename or remove the extra column",
            )
        )
    return found


def _build(rows: list[ParsedRow], make: Callable[[ParsedRow, dict[str, Any]], Any]) -> list[Any]:
    return [make(r, r.values) for r in rows if r.complete]


def _order(r: ParsedRow, v: dict[str, Any]) -> m.Order:
    return m.Order(
        ref=r.key or "",
        row=r.row,
        client=v["Client"],
        piece_type=v["Piece Type"],
        description=v["Description"],
        alloy=v["Alloy"],
        size=v["Size"],
        quantity=v["Quantity"],
        target_weight=v["Target Weight (g)"],
        wax_weight=v["Wax Weight (g)"],
        route=v["Route"],
        center_stone=v["Center Stone"],
        side_stones=v["Side Stones"],
        stone_report=v["Stone Report"],
        cad_file=v["CAD File"],
        cad_render=v["CAD Render"],
        partner=v["Partner"],
        artisan=v["Artisan"],
        promised=v["Promised Date"],
        client_delay_days=v["Client Delay (days)"] or 0,
        delivered=v["Delivered Date"],
        notes=v["Notes"],
    )


BUILDERS: dict[str, Callable[[ParsedRow, dict[str, Any]], Any]] = {
    "Orders": _order,
    "Progress": lambda r, v: m.ProgressEntry(
        v["Order Ref"], v["Stage"], v["Status"], v["Date"], r.row, v["By"], v["Photo"], v["Note"]
    ),
    "Workflow": lambda r, v: m.WorkflowStep(
        v["Route"],
        v["Step"],
        v["Stage"],
        v["Days"],
        r.row,
        v["Skill"],
        bool(v["Needs Photo"]),
        bool(v["Needs Verification"]),
        bool(v["Needs Client Approval"]),
    ),
    "Alloys": lambda r, v: m.Alloy(
        r.key or "",
        v["Metal"],
        v["Fineness"],
        v["Specific Gravity"],
        r.row,
        v["Name"],
        v["Loss Alert %"] if v["Loss Alert %"] is not None else 5.0,
    ),
    "Prices": lambda r, v: m.Price(
        v["Metal"], v["Price per Troy Oz"], v["As Of"], r.row, v["Currency"] or "USD"
    ),
    "Metal Log": lambda r, v: m.MetalEntry(
        v["Date"],
        v["Entry"],
        v["Alloy"],
        v["Grams"],
        r.row,
        v["Order Ref or Batch"],
        v["Method"],
        v["Scrap Kind"],
        v["Origin"],
        v["Counterparty"],
        v["By"],
        v["Note"],
    ),
    "Partners": lambda r, v: m.Partner(
        r.key or "",
        v["Name"],
        v["Role"],
        r.row,
        v["Contact"],
        v["Email"],
        v["Phone"],
        v["Ack Hours"] if v["Ack Hours"] is not None else 24.0,
        v["Escalate Hours"] if v["Escalate Hours"] is not None else 48.0,
        v["Active"] if v["Active"] is not None else True,
    ),
    "Clients": lambda r, v: m.Client(
        r.key or "", v["Name"], r.row, v["Email"], v["Phone"], v["Preferences"], v["Notes"]
    ),
    "Launches": lambda r, v: m.Launch(
        r.key or "",
        v["Order Ref"],
        v["Partner"],
        v["Task"],
        v["Launch Date"],
        r.row,
        v["Due Date"],
        v["Instructions"],
        v["Stones Provided"],
    ),
    "Approvals": lambda r, v: m.Approval(
        r.key or "", v["Order Ref"], v["Item"], r.row, v["Image"], v["Requested"]
    ),
    "Capacity": lambda r, v: m.CapacityEntry(
        v["Artisan"], v["Skill"], v["Hours per Week"], r.row, v["From"], v["To"]
    ),
    "Holidays": lambda r, v: m.Holiday(v["Date"], r.row, v["Name"]),
    "Partner Problems": lambda r, v: m.PartnerProblem(
        r.key or "",
        v["Launch ID"],
        v["Reported At"],
        v["Report"],
        r.row,
        v["Order Ref"],
        v["Partner"],
        v["Photo"],
        v["Decision"],
        v["Decided By"],
    ),
}

_FIELDS = {
    "Orders": "orders",
    "Progress": "progress",
    "Workflow": "workflow",
    "Alloys": "alloys",
    "Prices": "prices",
    "Metal Log": "metal_log",
    "Partners": "partners",
    "Clients": "clients",
    "Launches": "launches",
    "Approvals": "approvals",
    "Capacity": "capacity",
    "Holidays": "holidays",
    "Partner Problems": "partner_problems",
}


@dataclass(frozen=True)
class ReadResult:
    workshop: m.Workshop
    problems: list[Problem]
    rows_read: dict[str, int]  # tab -> data rows seen
    rows: dict[str, list[ParsedRow]]  # tab -> every row as read, readable or not, duplicates too


def build_workshop(snapshot: Snapshot) -> ReadResult:
    """Every human tab typed per the contract; problems for what does not fit. A workbook
    without an Orders tab is some other file: WorkbookError (exit 2), before anything is
    computed, so nothing is written into it."""
    if snapshot.table("Orders") is None:
        essential = [t.name for t in HUMAN_TABS if t.name in ESSENTIAL_TABS]
        others = [t.name for t in HUMAN_TABS if t.name not in ESSENTIAL_TABS]
        raise WorkbookError(
            f"{snapshot.source or 'the workbook'} has no tab 'Orders', so it is not a sheets-sync "
            f"workbook (its tabs: {', '.join(snapshot.names()) or 'none'}). It needs the tabs "
            f"{', '.join(essential)}, and reads {', '.join(others)} when present; "
            "`sheets-sync init --demo FILE.xlsx` writes one with every tab and header"
        )
    problems: list[Problem] = []
    lists: dict[str, list[Any]] = {}
    rows_read: dict[str, int] = {}
    parsed: dict[str, list[ParsedRow]] = {}
    for tab in HUMAN_TABS:
        rows, found = read_rows(snapshot, tab)
        problems.extend(found)
        table = snapshot.table(tab.name)
        rows_read[tab.name] = len(table.rows) if table is not None else 0
        lists[_FIELDS[tab.name]] = _build(rows, BUILDERS[tab.name])
        parsed[tab.name] = rows
    return ReadResult(m.Workshop(**lists), problems, rows_read, parsed)
