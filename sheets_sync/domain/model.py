"""The workbook's rows as plain, typed records. Built by ``sheets_sync.records``.

Every field is already parsed (dates are dates, grams are floats); a cell that could not
be read is None here and a Problem elsewhere. ``row`` is the sheet row, for messages only:
rows are identified by their key, never by position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Generic, TypeVar


@dataclass(frozen=True)
class Order:
    ref: str
    row: int
    client: str | None = None
    piece_type: str | None = None
    description: str | None = None
    alloy: str | None = None
    size: str | None = None
    quantity: int | None = 1
    target_weight: float | None = None
    wax_weight: float | None = None
    route: str | None = None
    center_stone: str | None = None
    side_stones: str | None = None
    stone_report: str | None = None
    cad_file: str | None = None
    cad_render: str | None = None
    partner: str | None = None
    artisan: str | None = None
    promised: date | None = None
    client_delay_days: int = 0
    delivered: date | None = None
    notes: str | None = None

    @property
    def is_set(self) -> bool:
        """The piece carries stones (so a setter needs the stones)."""
        return bool(self.center_stone or self.side_stones)


@dataclass(frozen=True)
class ProgressEntry:
    order_ref: str
    stage: str
    status: str  # Started / Done / Verified / Rework
    day: date
    row: int
    by: str | None = None
    photo: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class WorkflowStep:
    route: str
    step: int
    stage: str
    days: float
    row: int
    skill: str | None = None
    needs_photo: bool = False
    needs_verification: bool = False
    needs_client_approval: bool = False


@dataclass(frozen=True)
class Alloy:
    code: str
    metal: str
    fineness: float  # per mille
    specific_gravity: float
    row: int
    name: str | None = None
    loss_alert_pct: float = 5.0


@dataclass(frozen=True)
class Price:
    metal: str
    per_troy_oz: float
    as_of: date
    row: int
    currency: str = "USD"


@dataclass(frozen=True)
class MetalEntry:
    day: date
    entry: str  # Purchase / Issue / Return / Scrap / Refine Out / Refine In / Count
    alloy: str
    grams: float
    row: int
    ref: str | None = None  # Order Ref or Batch
    method: str | None = None
    scrap_kind: str | None = None
    origin: str | None = None
    counterparty: str | None = None
    by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Partner:
    partner_id: str
    name: str
    role: str
    row: int
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    ack_hours: float = 24.0
    escalate_hours: float = 48.0
    active: bool = True


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    row: int
    email: str | None = None
    phone: str | None = None
    preferences: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Launch:
    launch_id: str
    order_ref: str
    partner: str
    task: str
    launch_date: date | None
    row: int
    due: date | None = None
    instructions: str | None = None
    stones_provided: str | None = None


@dataclass(frozen=True)
class Approval:
    approval_id: str
    order_ref: str
    item: str
    row: int
    image: str | None = None
    requested: date | None = None


@dataclass(frozen=True)
class CapacityEntry:
    artisan: str
    skill: str
    hours_per_week: float
    row: int
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Holiday:
    day: date
    row: int
    name: str | None = None


@dataclass(frozen=True)
class PartnerProblem:
    """A problem a partner reported on a launch (a Partner Problems row), with the
    decision staff wrote in the same row. ``reported_at`` is the workshop's wall time."""

    problem_id: str
    launch_id: str
    reported_at: datetime
    report: str
    row: int
    order_ref: str | None = None
    partner: str | None = None
    photo: str | None = None
    decision: str | None = None
    decided_by: str | None = None

    @property
    def decided(self) -> bool:
        return bool(self.decision and self.decision.strip())


@dataclass(frozen=True)
class Workshop:
    """Everything the human tabs say, typed. Lists keep sheet order."""

    orders: list[Order] = field(default_factory=list)
    progress: list[ProgressEntry] = field(default_factory=list)
    workflow: list[WorkflowStep] = field(default_factory=list)
    alloys: list[Alloy] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    metal_log: list[MetalEntry] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    launches: list[Launch] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    capacity: list[CapacityEntry] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)
    partner_problems: list[PartnerProblem] = field(default_factory=list)

    def alloy(self, code: str | None) -> Alloy | None:
        return None if code is None else self._alloys.get(_fold(code))

    def order(self, ref: str) -> Order | None:
        """The order an Order Ref names: as written, else with case and outer spaces
        forgiven, as ``by_order`` groups the rows that name it (so a launch typed " a-1 "
        is the launch of A-1 everywhere, not listed on A-1 and lost on its own row)."""
        return self._orders.get(ref) or self._orders_folded.get(ref.strip().casefold())

    def partner(self, id_or_name: str | None) -> Partner | None:
        """The partner a cell names, by Partner ID or by Name (see ``Directory``)."""
        return self.partner_directory.find(id_or_name)

    def client(self, id_or_name: str | None) -> Client | None:
        """The client a cell names, by Client ID or by Name (see ``Directory``)."""
        return self.client_directory.find(id_or_name)

    # lookups by key, built once (the first row of a duplicated key wins)
    @cached_property
    def _alloys(self) -> dict[str, Alloy]:
        return {_fold(a.code): a for a in reversed(self.alloys)}

    @cached_property
    def _orders(self) -> dict[str, Order]:
        return {o.ref: o for o in reversed(self.orders)}

    @cached_property
    def _orders_folded(self) -> dict[str, Order]:
        return {o.ref.strip().casefold(): o for o in reversed(self.orders)}

    @cached_property
    def partner_directory(self) -> Directory[Partner]:
        return Directory(self.partners, lambda p: p.partner_id, lambda p: p.name)

    @cached_property
    def client_directory(self) -> Directory[Client]:
        return Directory(self.clients, lambda c: c.client_id, lambda c: c.name)

    def steps(self, route: str | None) -> list[WorkflowStep]:
        """The workflow of a route in step order."""
        if route is None:
            return []
        wanted = route.casefold()
        return sorted((s for s in self.workflow if s.route.casefold() == wanted), key=lambda s: s.step)

    def holiday_dates(self) -> frozenset[date]:
        return frozenset(h.day for h in self.holidays)


def _fold(key: str) -> str:
    """A key or name as compared: case folded, spacing collapsed."""
    return " ".join(key.split()).casefold()


R = TypeVar("R")


class Directory(Generic[R]):
    """Partners or clients as staff name them: by ID or by Name, case and spacing
    forgiven ("p-cast", "Fonderie  Lumière"). An ID wins over a Name; a Name that two rows
    share finds neither (``namesakes`` gives them, for the Problem that says so)."""

    def __init__(self, rows: Iterable[R], id_of: Callable[[R], str], name_of: Callable[[R], str]) -> None:
        self._by_id: dict[str, R] = {}
        self._by_name: dict[str, list[R]] = {}
        for row in rows:
            self._by_id.setdefault(_fold(id_of(row)), row)  # the first row of a duplicated ID
            self._by_name.setdefault(_fold(name_of(row) or ""), []).append(row)
        self._by_name.pop("", None)

    def find(self, text: str | None) -> R | None:
        if text is None:
            return None
        key = _fold(text)
        found = self._by_id.get(key)
        if found is not None:
            return found
        named = self._by_name.get(key, [])
        return named[0] if len(named) == 1 else None

    def namesakes(self, text: str | None) -> list[R]:
        """The rows that share the Name ``text`` (two or more), unless it is an ID."""
        key = _fold(text or "")
        if key in self._by_id:
            return []
        named = self._by_name.get(key, [])
        return named if len(named) > 1 else []

    def shared_names(self) -> list[list[R]]:
        """Every group of two or more rows with the same Name, in sheet order."""
        return [rows for rows in self._by_name.values() if len(rows) > 1]


T = TypeVar("T", ProgressEntry, Launch, Approval)


def by_order(items: Iterable[T]) -> dict[str, list[T]]:
    """Rows grouped by their Order Ref (case and spacing forgiven), sheet order kept."""
    out: dict[str, list[T]] = {}
    for item in items:
        out.setdefault(item.order_ref.strip().casefold(), []).append(item)
    return out
