"""What one sync wants the workbook to say: machine cells, machine tabs, appended rows.

Sync steps fill an ``Outputs``; ``sheets_sync.diff`` compares it with the Snapshot and
makes the ChangeSet. A machine cell that no step mentions is left exactly as it is (so
answers recorded by the web app, or "sent at" stamps, survive every later sync).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .cells import CellValue, parse_datetime, to_text
from .config import Config
from .contract import normalize
from .domain.calendar import WorkCalendar, make_calendar
from .domain.model import Workshop
from .domain.problems import Problem
from .errors import CellError
from .records import ParsedRow
from .workbook import Snapshot


@dataclass(frozen=True)
class ActivityRow:
    """One line of the append-only Activity tab. ``id`` is unique forever: a row whose id
    is already in the tab is never appended again (that is what makes applying a web
    submission or recording an email exactly-once)."""

    id: str
    time: datetime
    kind: str  # e.g. "approval", "acknowledgement", "problem", "progress", "email", "sync"
    ref: str  # Order Ref, Launch ID or Approval ID
    actor: str
    detail: str


@dataclass
class Outputs:
    # (tab, key) -> {machine column name without the gear: value}
    cells: dict[tuple[str, str], dict[str, CellValue]] = field(default_factory=dict)
    # machine tab name -> data rows under the contract's headers (full content)
    tabs: dict[str, list[list[CellValue]]] = field(default_factory=dict)
    activity: list[ActivityRow] = field(default_factory=list)
    # rows appended to human tabs (e.g. Progress from a partner): (tab, {header: value}, id)
    appends: list[tuple[str, dict[str, CellValue]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # ignored rows of a duplicated key: (tab, key, occurrence 1, 2 …) -> {machine column: value}
    duplicates: dict[tuple[str, str, int], dict[str, CellValue]] = field(default_factory=dict)

    def set(self, tab: str, key: str, column: str, value: CellValue) -> None:
        self.cells.setdefault((tab, key), {})[column] = value

    def set_duplicate(self, tab: str, key: str, occurrence: int, column: str, value: CellValue) -> None:
        """A machine cell on the ``occurrence``-th row (1: the second) carrying ``key``."""
        self.duplicates.setdefault((tab, key, occurrence), {})[column] = value

    def get(self, tab: str, key: str, column: str) -> tuple[bool, CellValue]:
        row = self.cells.get((tab, key))
        if row is not None and column in row:
            return True, row[column]
        return False, None


@dataclass
class SyncContext:
    """Everything a sync step sees. Steps are pure: they read this, and fill ``outputs``."""

    snapshot: Snapshot
    workshop: Workshop
    config: Config
    today: date
    now: datetime  # aware, in the workshop's time zone
    outputs: Outputs = field(default_factory=Outputs)
    # actions to run only after the one write succeeded (e.g. mark journal entries applied)
    after_write: list[Callable[[], None]] = field(default_factory=list)
    activity_ids: frozenset[str] = frozenset()  # ids already in the Activity tab
    # results one step computes for later steps (e.g. "yields"), by name
    facts: dict[str, Any] = field(default_factory=dict)
    # every human row as read, cell by cell, readable or not (``records.ReadResult.rows``):
    # the rules check these, so one unreadable cell hides no other problem of its row
    rows: Mapping[str, list[ParsedRow]] = field(default_factory=dict)

    def calendar(self) -> WorkCalendar:
        """The workshop's working calendar: config's days and hours, the Holidays tab."""
        cal = self.facts.get("calendar")
        if not isinstance(cal, WorkCalendar):
            w = self.config.workshop
            cal = make_calendar(w.timezone, w.workdays, self.workshop.holiday_dates(), w.day_start, w.day_end)
            self.facts["calendar"] = cal
        return cal

    def moment(self, value: CellValue) -> datetime | None:
        """A cell holding a moment as an aware datetime in the workshop's zone (a naive one
        is wall time there); None when blank or unreadable."""
        try:
            moment = parse_datetime(value)
        except CellError:
            return None
        if moment is None:
            return None
        zone = self.config.workshop.zone
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    def machine_moment(self, tab: str, key: str, column: str) -> datetime | None:
        return self.moment(self.machine(tab, key, column))

    def machine(self, tab: str, key: str, column: str) -> CellValue:
        """A machine cell as it will be after this sync: this sync's output if a step set
        it, else its current value in the workbook."""
        found, value = self.outputs.get(tab, key, column)
        if found:
            return value
        return current_machine_cell(self.snapshot, tab, key, column)


def current_machine_cell(snapshot: Snapshot, tab: str, key: str, column: str) -> CellValue:
    from .contract import human_tab, machine_header

    table = snapshot.table(tab)
    spec = human_tab(tab)
    if table is None or spec.key is None:
        return None
    pos = key_positions(snapshot, tab).get(key)
    if pos is None:
        return None
    return table.value(pos, machine_header(column))


def key_positions(snapshot: Snapshot, tab: str) -> Mapping[str, int]:
    """Key text -> data row position for a keyed human tab (cached per snapshot)."""
    from .contract import human_tab

    cache = snapshot.cache
    name = "keys:" + normalize(tab)
    if name not in cache:
        table = snapshot.table(tab)
        spec = human_tab(tab)
        cache[name] = table.keyed(spec.key.name) if (table and spec.key) else {}
    return cache[name]


def activity_ids(snapshot: Snapshot) -> frozenset[str]:
    table = snapshot.table("Activity")
    if table is None:
        return frozenset()
    return frozenset(to_text(v) for v in table.column_values("ID") if v not in (None, ""))


def row_under(headers: tuple[str, ...], values: Mapping[str, CellValue]) -> list[CellValue]:
    """A machine tab's row: ``values`` by header, in the contract's column order."""
    return [values.get(h) for h in headers]


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
