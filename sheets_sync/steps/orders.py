"""Orders ⚙ Stage, Status, Next Due, Slack, Risk, Approval and Loss % (reads orders,
Workflow, Progress, the Approvals ⚙ State and the Yields step's lines; writes those
Orders ⚙ cells and a Problem for each broken guardrail between stages)."""

from __future__ import annotations

from ..cells import to_text
from ..domain.model import by_order
from ..domain.planning import assess, check_guardrails
from ..outputs import SyncContext, rounded


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
    unreadable = [  # Workflow rows left out for a bad cell still name their stage
        (r.values.get("Route") or "", r.values.get("Stage") or "")
        for r in ctx.rows.get("Workflow", []) if not r.complete
    ]
    routes = {route: w.steps(route) for route in {o.route for o in w.orders}}
    for o in w.orders:
        steps = routes[o.route]
        mine = progress.get(o.ref.strip().casefold(), [])
        status = assess(o, steps, mine, cal, ctx.today, threshold)
        ctx.outputs.problems.extend(
            check_guardrails(o, steps, mine, approved.get(o.ref.strip().casefold(), set()), unreadable)
        )
        out = ctx.outputs
        out.set("Orders", o.ref, "Stage", status.stage or None)
        out.set("Orders", o.ref, "Status", status.status)
        out.set("Orders", o.ref, "Next Due", status.next_due)
        out.set("Orders", o.ref, "Slack (days)", status.slack_days)
        out.set("Orders", o.ref, "Risk", status.risk or None)
        out.set("Orders", o.ref, "Approval", approval_state(ctx, o.ref) or None)
        y = yields.get(o.ref.casefold())
        out.set("Orders", o.ref, "Loss %", None if y is None else rounded(y.loss_pct, 2))
