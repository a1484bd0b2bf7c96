"""Launches ⚙ State and ⚙ Missing (reads each launch, its order as read, its alloy, its
partner, its ⚙ stamps and the reports on it still without a decision; writes Launches
⚙ State and Missing, and a Problem for an incomplete sheet), and Orders ⚙ Launch (reads the
launches' ⚙ State as this sync leaves it; writes Orders ⚙ Launch). After the emails,
``launch_states_step`` judges the states again, so a notice sent in this sync moves its
launch to Sent in this same write."""

from __future__ import annotations

from ..cells import to_text
from ..domain.launches import LaunchMachine, launch_state, missing_for_launch
from ..domain.model import Launch, by_order
from ..domain.problems import WARNING, Problem, where
from ..outputs import SyncContext
from .partner_problems import open_problems


def sheet_gaps(ctx: SyncContext, launch: Launch) -> list[str]:
    """What the launch's sheet lacks (``missing_for_launch``), with what only the sync
    knows: whether the order's alloy is on the Alloys tab, and which cells keep an order
    that is on the Orders tab out of the sync."""
    w = ctx.workshop
    order = w.order(launch.order_ref)
    if order is None:
        flawed = ctx.facts.get("order errors")
        if flawed is None:
            flawed = ctx.facts["order errors"] = {
                r.key: r.bad for r in ctx.rows.get("Orders", []) if r.duplicate_of is None and r.bad
            }
        return missing_for_launch(None, launch, order_errors=flawed.get(launch.order_ref, ()))
    alloy_known = not order.alloy or w.alloy(order.alloy) is not None
    return missing_for_launch(order, launch, alloy_known=alloy_known)


def _judge_state(ctx: SyncContext, launch: Launch, missing: list[str]) -> None:
    key = launch.launch_id
    machine = LaunchMachine(
        sent_at=ctx.machine_moment("Launches", key, "Sent At"),
        acknowledged_at=ctx.machine_moment("Launches", key, "Acknowledged At"),
        open_problems=open_problems(ctx, key),
        escalated_at=ctx.machine_moment("Launches", key, "Escalated At"),
    )
    partner = ctx.workshop.partner(launch.partner)
    state = launch_state(launch, missing, partner, ctx.calendar(), ctx.now, machine)
    ctx.outputs.set("Launches", key, "State", state)


def launches_step(ctx: SyncContext) -> None:
    """⚙ State and ⚙ Missing of every launch: no launch without a complete sheet."""
    for launch in ctx.workshop.launches:
        key = launch.launch_id
        missing = sheet_gaps(ctx, launch)
        _judge_state(ctx, launch, missing)
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


def launch_states_step(ctx: SyncContext) -> None:
    """⚙ State again, after the emails (⚙ Missing and its Problem were said before them)."""
    for launch in ctx.workshop.launches:
        _judge_state(ctx, launch, sheet_gaps(ctx, launch))


def order_launches_step(ctx: SyncContext) -> None:
    """Orders ⚙ Launch: the state of each of the order's launches (after emails went out)."""
    launches_of = by_order(ctx.workshop.launches)
    for o in ctx.workshop.orders:
        launches = [
            f"{la.launch_id}: {to_text(ctx.machine('Launches', la.launch_id, 'State'))}"
            for la in launches_of.get(o.ref.strip().casefold(), [])
        ]
        ctx.outputs.set("Orders", o.ref, "Launch", "; ".join(launches) or None)
