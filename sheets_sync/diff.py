"""Outputs -> ChangeSet: only what differs from the workbook as it was read.

Values are compared as a spreadsheet would show them: blank text and None are the same, a
number is compared after rounding away float noise, an aware moment is compared by its wall
time in the workshop's zone (files have no time zones), a midnight datetime equals its date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .backends.base import AppendRow, ChangeSet, GridCell, KeyedCell, NewColumn, NewTab
from .cells import CellValue, local_time, to_text
from .contract import (
    ACTIVITY,
    HUMAN_TABS,
    human_tab,
    is_machine_header,
    machine_header,
    machine_tab,
    normalize,
)
from .outputs import SyncContext, key_positions
from .workbook import Snapshot, Table


def local(value: CellValue, zone: ZoneInfo) -> CellValue:
    """Aware datetimes become naive wall time in the workshop's zone, as stored in cells."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return local_time(value, zone)
    return value


def canonical(value: CellValue, zone: ZoneInfo) -> Any:
    value = local(value, zone)
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    return value


def same(current: CellValue, wanted: CellValue, zone: ZoneInfo) -> bool:
    a, b = canonical(current, zone), canonical(wanted, zone)
    if type(a) is not type(b):
        return False
    return bool(a == b)


def changes_for(ctx: SyncContext) -> ChangeSet:
    zone = ctx.config.workshop.zone
    snap = ctx.snapshot
    out = ctx.outputs
    changes = ChangeSet()
    _machine_cells(snap, ctx, zone, changes)
    for name, rows in out.tabs.items():
        _machine_tab(snap, name, rows, zone, changes)
    _appends(snap, ctx, zone, changes)
    _appended_tabs(snap, changes)
    return changes


def _appended_tabs(snap: Snapshot, changes: ChangeSet) -> None:
    """A tab whose rows the sync appends (Partner Problems) is laid out as soon as it is
    missing, not with its first row: staff see where the answers go, and a read that asks
    for every contract tab by name finds them all (on Google, one call)."""
    for spec in HUMAN_TABS:
        if not spec.appended or snap.table(spec.name) is not None:
            continue
        if not any(normalize(t.name) == normalize(spec.name) for t in changes.new_tabs):
            changes.new_tabs.append(NewTab(spec.name, spec.headers, machine=False))


def _machine_cells(snap: Snapshot, ctx: SyncContext, zone: ZoneInfo, changes: ChangeSet) -> None:
    added: set[tuple[str, str]] = set()
    wanted = [((tab, key, 0), columns) for (tab, key), columns in ctx.outputs.cells.items()]
    wanted += list(ctx.outputs.duplicates.items())
    for (tab, key, occurrence), columns in wanted:
        table = snap.table(tab)
        spec = human_tab(tab)
        if table is None or spec.key is None:
            continue
        if occurrence:
            rows = [i for i, v in enumerate(table.column_values(spec.key.name)) if to_text(v) == key]
            pos: int | None = rows[occurrence] if occurrence < len(rows) else None
        else:
            pos = key_positions(snap, tab).get(key)
        if pos is None:
            continue
        for column, value in columns.items():
            header = machine_header(column)
            if not table.has(header):
                if (tab, header) not in added:
                    added.add((tab, header))
                    changes.new_columns.append(NewColumn(table.name, header))
                current: CellValue = None
            else:
                current = table.value(pos, header)
            if not same(current, value, zone):
                changes.cells.append(
                    KeyedCell(table.name, spec.key.name, key, header, local(value, zone), occurrence)
                )


def _machine_tab(
    snap: Snapshot, name: str, rows: list[list[CellValue]], zone: ZoneInfo, changes: ChangeSet
) -> None:
    spec = machine_tab(name)
    table = snap.table(name)
    if table is None:
        changes.new_tabs.append(NewTab(spec.name, spec.headers))
        existing: dict[int, list[CellValue]] = {}
        tab_name = spec.name
        positions: dict[str, int | None] = {h: None for h in spec.headers}
    else:
        tab_name = table.name
        existing = dict(zip(table.row_numbers, table.rows, strict=True))
        positions = {h: table.index(h) for h in spec.headers}
        for h, i in positions.items():
            if i is None:
                changes.new_columns.append(NewColumn(tab_name, h))
    last_row = max([1, *existing.keys()])
    for offset in range(max(len(rows), last_row - 1)):
        sheet_row = offset + 2
        wanted = rows[offset] if offset < len(rows) else [None] * len(spec.headers)
        current_row = existing.get(sheet_row)
        for c, header in enumerate(spec.headers):
            value = wanted[c] if c < len(wanted) else None
            i = positions[header]
            current = (
                current_row[i]
                if (current_row is not None and i is not None and i < len(current_row))
                else None
            )
            if not same(current, value, zone):
                changes.grid.append(GridCell(tab_name, sheet_row, header, local(value, zone)))


def _appends(snap: Snapshot, ctx: SyncContext, zone: ZoneInfo, changes: ChangeSet) -> None:
    seen = set(ctx.activity_ids)
    activity = snap.table(ACTIVITY.name)
    rows = []
    for a in ctx.outputs.activity:
        if a.id in seen:
            continue
        seen.add(a.id)
        rows.append(
            AppendRow(
                activity.name if activity else ACTIVITY.name,
                {
                    "Time": local(a.time, zone),
                    "Kind": a.kind,
                    "Ref": a.ref,
                    "Actor": a.actor,
                    "Detail": a.detail,
                    "ID": a.id,
                },
            )
        )
    if rows and activity is None:
        changes.new_tabs.append(NewTab(ACTIVITY.name, ACTIVITY.headers))
    for tab, values in ctx.outputs.appends:
        table = snap.table(tab)
        if table is not None:  # a missing tab the sync appends to: see _appended_tabs
            values = _fitted(table, values, changes)
        changes.appends.append(
            AppendRow(table.name if table else tab, {k: local(v, zone) for k, v in values.items()})
        )
    changes.appends.extend(rows)


def _fitted(table: Table, values: dict[str, CellValue], changes: ChangeSet) -> dict[str, CellValue]:
    """An appended row's values against its tab as it is: a ⚙ column it lacks is added; a
    human column someone removed gets nothing (the Activity row keeps every word, and the
    read names the missing column)."""
    out: dict[str, CellValue] = {}
    for header, value in values.items():
        if table.has(header):
            out[header] = value
        elif is_machine_header(header):
            if NewColumn(table.name, header) not in changes.new_columns:
                changes.new_columns.append(NewColumn(table.name, header))
            out[header] = value
    return out
