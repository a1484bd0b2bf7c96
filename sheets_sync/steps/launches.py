"""Launches ⚙ State and ⚙ Missing (reads each launch, its order, its partner and its ⚙
stamps; writes Launches ⚙ State and Missing, and a Problem for an incomplete sheet), and
Orders ⚙ Launch (reads the launches' ⚙ State as this sync leaves it; writes Orders ⚙
Launch). The launches step runs twice: before the emails and after them, so a notice sent
in this sync moves its launch to Sent in this same write."""

from __future__ import annotations

from ..cells import to_text
from ..domain.launches import LaunchMachine, launch_state, missing_for_launch
from ..domain.model import by_order
from ..domain.problems import WARNING, Problem, where
from ..outputs import SyncContext


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


def order_launches_step(ctx: SyncContext) -> None:
    """Orders ⚙ Launch: the state of each of the order's launches (after emails went out)."""
    launches_of = by_order(ctx.workshop.launches)
    for o in ctx.workshop.orders:
        launches = [
            f"{la.launch_id}: {to_text(ctx.machine('Launches', la.launch_id, 'State'))}"
            for la in launches_of.get(o.ref.strip().casefold(), [])
        ]
        ctx.outputs.set("Orders", o.ref, "Launch", "; ".join(launches) or None)
