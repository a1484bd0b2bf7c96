"""The core sync steps: cross-row rules, launches, approvals, orders, yields, Check,
Problems. Each is ``step(ctx) -> None``: it reads the SyncContext and fills its Outputs.
The arithmetic lives in ``domain``; these steps only wire the workbook's rows to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from .cells import CellValue, to_text
from .contract import PROBLEMS, YIELDS
from .domain.launches import LaunchMachine, launch_state, missing_for_launch
from .domain.metal import YieldLine, compute_yields
from .domain.model import Approval, Launch, ProgressEntry
from .domain.planning import assess, check_guardrails
from .domain.problems import ERROR, WARNING, Problem, where
from .outputs import SyncContext, key_positions


def validation_step(ctx: SyncContext) -> None:
    """Rules between rows: references that must exist, weights that must be positive."""
    w = ctx.workshop

    def flag(tab: str, key: str, row: int, column: str, severity: str, text: str) -> None:
        place = where(tab, row, None if key.startswith("row ") else key, column)
        ctx.outputs.problems.append(Problem(tab, key, column, severity, f"{place}: {text}"))

    alloys = {a.code.casefold() for a in w.alloys}
    partners = {p.partner_id.casefold() for p in w.partners}
    clients = {c.client_id.casefold() for c in w.clients}
    orders = set(key_positions(ctx.snapshot, "Orders"))  # every keyed row, readable or not
    have_partners = ctx.snapshot.table("Partners") is not None
    have_clients = ctx.snapshot.table("Clients") is not None
    for o in w.orders:
        if o.alloy and o.alloy.casefold() not in alloys:
            flag("Orders", o.ref, o.row, "Alloy", ERROR, f"alloy {o.alloy!r} is not on the Alloys tab")
        if have_partners and o.partner and o.partner.casefold() not in partners:
            flag(
                "Orders", o.ref, o.row, "Partner", ERROR, f"partner {o.partner!r} is not on the Partners tab"
            )
        if have_clients and o.client and o.client.casefold() not in clients:
            flag("Orders", o.ref, o.row, "Client", WARNING, f"client {o.client!r} is not on the Clients tab")
        for column, grams in (("Target Weight (g)", o.target_weight), ("Wax Weight (g)", o.wax_weight)):
            if grams is not None and grams <= 0:
                flag("Orders", o.ref, o.row, column, ERROR, f"{to_text(grams)} g is not a positive weight")
        if o.quantity is not None and o.quantity < 1:
            flag("Orders", o.ref, o.row, "Quantity", ERROR, "quantity must be at least 1")
        if o.delivered is not None and o.delivered > ctx.today:
            flag(
                "Orders", o.ref, o.row, "Delivered Date", WARNING, f"{o.delivered:%d/%m/%Y} is in the future"
            )
    for a in w.alloys:
        if not 0 < a.fineness <= 1000:
            flag("Alloys", a.code, a.row, "Fineness", ERROR, "fineness is per mille, 1 to 1000 (18K is 750)")
        if a.specific_gravity <= 0:
            flag("Alloys", a.code, a.row, "Specific Gravity", ERROR, "must be positive (14KY is 13.07)")
    for p in w.progress:
        if p.order_ref not in orders:
            flag(
                "Progress",
                f"row {p.row}",
                p.row,
                "Order Ref",
                ERROR,
                f"order {p.order_ref!r} is not on the Orders tab",
            )
    linked: list[tuple[str, str, int, str]] = [
        *(("Launches", la.launch_id, la.row, la.order_ref) for la in w.launches),
        *(("Approvals", ap.approval_id, ap.row, ap.order_ref) for ap in w.approvals),
    ]
    for tab, key, row, ref in linked:
        if ref not in orders:
            flag(tab, key, row, "Order Ref", ERROR, f"order {ref!r} is not on the Orders tab")
    for launch in w.launches:
        if have_partners and launch.partner.casefold() not in partners:
            flag(
                "Launches",
                launch.launch_id,
                launch.row,
                "Partner",
                ERROR,
                f"partner {launch.partner!r} is not on the Partners tab",
            )


def launches_step(ctx: SyncContext) -> None:
    """⚙ State and ⚙ Missing of every launch: no launch without a complete sheet."""
    w = ctx.workshop
    cal = ctx.calendar()
    for launch in w.launches:
        key = launch.launch_id
        order = w.order(launch.order_ref)
        missing = missing_for_launch(order, launch)
        machine = LaunchMachine(
            sent_at=ctx.machine_moment("Launches", key, "Sent At"),
            acknowledged_at=ctx.machine_moment("Launches", key, "Acknowledged At"),
            problem=to_text(ctx.machine("Launches", key, "Problem")) or None,
            escalated_at=ctx.machine_moment("Launches", key, "Escalated At"),
        )
        state = launch_state(launch, order, w.partner(launch.partner), cal, ctx.now, machine)
        ctx.outputs.set("Launches", key, "State", state)
        ctx.outputs.set("Launches", key, "Missing", ", ".join(missing) or None)
        if missing:
            ctx.outputs.problems.append(
                Problem(
                    "Launches",
                    key,
                    "",
                    WARNING,
                    f"{where('Launches', launch.row, key)}: not sent, the sheet lacks {', '.join(missing)}",
                )
            )


T = TypeVar("T", ProgressEntry, Launch, Approval)


def by_order(items: Iterable[T]) -> dict[str, list[T]]:
    """Rows grouped by their Order Ref (case and spacing forgiven), sheet order kept."""
    out: dict[str, list[T]] = {}
    for item in items:
        out.setdefault(item.order_ref.strip().casefold(), []).append(item)
    return out


def approval_state(ctx: SyncContext, order_ref: str) -> str:
    groups = ctx.facts.get("approvals_by_order")
    if groups is None:
        groups = ctx.facts["approvals_by_order"] = by_order(ctx.workshop.approvals)
    states = [
        to_text(ctx.machine("Approvals", a.approval_id, "State")) or "Pending"
        for a in groups.get(order_ref.strip().casefold(), [])
    ]
    if not states:
        return ""
    if "Changes requested" in states:
        return "Changes requested"
    if "Pending" in states:
        return "Pending"
    return "Approved"


def yields_step(ctx: SyncContext) -> None:
    """The Yields tab: one line per order or casting batch on the Metal Log."""
    w = ctx.workshop
    lines, problems = compute_yields(w.metal_log, w.orders, w.alloys, w.prices)
    ctx.facts["yields"] = lines
    ctx.outputs.problems.extend(problems)
    ctx.outputs.tabs[YIELDS.name] = [_yield_row(line) for line in lines]


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _yield_row(y: YieldLine) -> list[CellValue]:
    return [
        y.ref,
        y.alloy,
        y.method,
        _r(y.issued, 2),
        _r(y.finished, 2),
        _r(y.scrap, 2),
        _r(y.loss_g, 2),
        _r(y.loss_pct, 2),
        _r(y.theoretical, 2),
        _r(y.yield_variance_pct, 1),
        _r(y.fine_lost_g, 3),
        _r(y.value_lost, 2),
        y.currency or None,
        y.flag or None,
    ]


def orders_step(ctx: SyncContext) -> None:
    """Stage, status, next due, slack, risk, approval, launch and loss of every order."""
    w = ctx.workshop
    cal = ctx.calendar()
    threshold = ctx.config.workshop.at_risk_slack_days
    yields = {y.ref.casefold(): y for y in ctx.facts.get("yields", [])}
    approved: dict[str, set[tuple[str, str]]] = {}  # by order: a scan of all per order is quadratic
    for a in w.approvals:
        if to_text(ctx.machine("Approvals", a.approval_id, "State")) == "Approved":
            approved.setdefault(a.order_ref.strip().casefold(), set()).add((a.order_ref, a.item))
    progress = by_order(w.progress)
    routes = {route: w.steps(route) for route in {o.route for o in w.orders}}
    for o in w.orders:
        steps = routes[o.route]
        mine = progress.get(o.ref.strip().casefold(), [])
        status = assess(o, steps, mine, cal, ctx.today, threshold)
        ctx.outputs.problems.extend(
            check_guardrails(o, steps, mine, approved.get(o.ref.strip().casefold(), set()))
        )
        out = ctx.outputs
        out.set("Orders", o.ref, "Stage", status.stage or None)
        out.set("Orders", o.ref, "Status", status.status)
        out.set("Orders", o.ref, "Next Due", status.next_due)
        out.set("Orders", o.ref, "Slack (days)", status.slack_days)
        out.set("Orders", o.ref, "Risk", status.risk or None)
        out.set("Orders", o.ref, "Approval", approval_state(ctx, o.ref) or None)
        y = yields.get(o.ref.casefold())
        out.set("Orders", o.ref, "Loss %", None if y is None else _r(y.loss_pct, 2))


_PLACE = re.compile(r"^[A-Z][\w ]* row \d+ \([^)]*\), ")


def order_launches_step(ctx: SyncContext) -> None:
    """Orders ⚙ Launch: the state of each of the order's launches (after emails went out)."""
    launches_of = by_order(ctx.workshop.launches)
    for o in ctx.workshop.orders:
        launches = [
            f"{la.launch_id}: {to_text(ctx.machine('Launches', la.launch_id, 'State'))}"
            for la in launches_of.get(o.ref.strip().casefold(), [])
        ]
        ctx.outputs.set("Orders", o.ref, "Launch", "; ".join(launches) or None)


def check_step(ctx: SyncContext) -> None:
    """⚙ Check on every order row: "OK" or its problems in words. Runs after the rules."""
    launch_orders = {la.launch_id: la.order_ref for la in ctx.workshop.launches}
    said: dict[str, list[str]] = {}  # order ref -> its problems in words
    for p in ctx.outputs.problems:
        if p.tab not in ("Orders", "Progress", "Launches") or not p.key:
            continue
        ref = launch_orders.get(p.key, p.key) if p.tab == "Launches" else p.key
        said.setdefault(ref, []).append(_PLACE.sub("", p.message))
    for key in key_positions(ctx.snapshot, "Orders"):
        words = said.get(key)
        ctx.outputs.set("Orders", key, "Check", "; ".join(dict.fromkeys(words)) if words else "OK")


def problems_step(ctx: SyncContext) -> None:
    """The Problems tab: one row per problem, its First Seen kept across syncs. Last step."""
    first_seen = _first_seen(ctx)
    rows: list[list[CellValue]] = []
    for p in sorted(set(ctx.outputs.problems), key=_order_key):
        seen = first_seen.get(p.identity, ctx.today)
        rows.append([p.tab, p.key, p.column or None, p.severity, p.message, seen])
    ctx.outputs.tabs[PROBLEMS.name] = rows


def _order_key(p: Problem) -> tuple[int, str, str, str, str]:
    return (0 if p.severity == ERROR else 1, p.tab, p.key, p.column, p.message)


def _first_seen(ctx: SyncContext) -> dict[tuple[str, str, str, str], CellValue]:
    table = ctx.snapshot.table(PROBLEMS.name)
    out: dict[tuple[str, str, str, str], CellValue] = {}
    if table is None:
        return out
    for _, cells in table.records():
        tab, key, column, message = (to_text(cells.get(h)) for h in ("tab", "key", "column", "message"))
        out.setdefault((tab, key, column, message), cells.get("first seen"))
    return out


CORE_STEPS = (validation_step, launches_step, yields_step, orders_step)
# after emails: a notice sent in this sync moves its launch to Sent in this same write
AFTER_MAIL_STEPS = (launches_step, order_launches_step)
CLOSING_STEPS = (check_step, problems_step)


def steps_named(steps: Iterable[object]) -> list[str]:
    return [getattr(s, "__name__", repr(s)) for s in steps]
