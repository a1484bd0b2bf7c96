"""What the mail step reads from a sync: launches, approvals and partner problems with
their ⚙ cells, and the shape of a digest section. No sending happens here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..cells import to_text
from ..domain.calendar import WorkCalendar
from ..domain.launches import ack_due, escalate_due, problem_decision_due
from ..domain.model import Launch
from ..domain.notices import (
    PROBLEM_ALERT,
    PROBLEM_DECISION,
    PROBLEM_SECOND_ALERT,
    ApprovalFacts,
    LaunchFacts,
    Notice,
)
from ..domain.partner_problems import ProblemFacts, decision_text, notice_parts
from ..domain.problems import WARNING, Problem
from ..outputs import SyncContext
from ..steps.launches import sheet_gaps
from ..steps.partner_problems import open_problems
from .mailer import parse_address


def launch_facts(ctx: SyncContext, launch: Launch) -> LaunchFacts:
    w, key = ctx.workshop, launch.launch_id
    order = w.order(launch.order_ref)
    state = to_text(ctx.machine("Launches", key, "State"))
    if not state and sheet_gaps(ctx, launch):
        state = "Blocked: incomplete sheet"
    return LaunchFacts(
        launch=launch,
        order=order,
        partner=w.partner(launch.partner),
        state=state,
        sent_at=ctx.machine_moment("Launches", key, "Sent At"),
        reminded_at=ctx.machine_moment("Launches", key, "Reminded At"),
        escalated_at=ctx.machine_moment("Launches", key, "Escalated At"),
        acknowledged_at=ctx.machine_moment("Launches", key, "Acknowledged At"),
        open_problems=open_problems(ctx, key),
    )


def approval_facts(ctx: SyncContext) -> list[ApprovalFacts]:
    w = ctx.workshop
    out = []
    for a in w.approvals:
        order = w.order(a.order_ref)
        out.append(
            ApprovalFacts(
                approval=a,
                order=order,
                client=w.client(order.client if order else None),
                state=to_text(ctx.machine("Approvals", a.approval_id, "State")) or "Pending",
                sent_at=ctx.machine_moment("Approvals", a.approval_id, "Sent At"),
                reminded_at=ctx.machine_moment("Approvals", a.approval_id, "Reminded At"),
            )
        )
    return out


def link_of(ctx: SyncContext, tab: str, key: str) -> str:
    text = to_text(ctx.machine(tab, key, "Link"))
    return text if text.startswith(("https://", "http://")) else ""


def launch_context(
    ctx: SyncContext, f: LaunchFacts, cal: WorkCalendar, notice: Notice
) -> dict[str, Any]:
    p = f.partner
    sent = f.sent_at or ctx.now
    return {
        "launch": f.launch,
        "order": f.order,
        "partner_name": p.name if p else f.launch.partner,
        "contact": (p.contact or "") if p else "",
        "partner_email": (p.email or "") if p else "",
        "partner_phone": (p.phone or "") if p else "",
        "ack_hours": p.ack_hours if p else 24.0,
        "escalate_hours": p.escalate_hours if p else 48.0,
        "sent_at": sent,
        "ack_due": ack_due(f.launch, p, cal, sent),
        "escalate_due": escalate_due(f.launch, p, cal, sent),
        "reminded_at": f.reminded_at,
        "link": link_of(ctx, "Launches", f.launch.launch_id),
    }


def problem_context(
    ctx: SyncContext, f: ProblemFacts, cal: WorkCalendar, notice: Notice
) -> dict[str, Any]:
    """An alert to the manager or a decision to the partner, about one report."""
    p, partner, launch = f.problem, f.partner, f.launch
    reported = cal.local(p.reported_at)
    hours = ctx.config.workshop.problem_decision_hours
    _, _, version = notice_parts(notice.ref)
    return {
        "problem": p,
        "launch_id": p.launch_id,
        "order_ref": f.order_ref,
        "task": launch.task if launch else "",
        "partner_name": partner.name if partner else (p.partner or (launch.partner if launch else "")),
        "contact": (partner.contact or "") if partner else "",
        "partner_email": (partner.email or "") if partner else "",
        "partner_phone": (partner.phone or "") if partner else "",
        "reported_at": reported,
        "decision_hours": hours,
        "decision_due": problem_decision_due(reported, cal, hours),
        "second": notice.kind == "problem_second_alert",
        "decision": decision_text(p),
        "decided_by": p.decided_by or "",
        "correction": version > 1,
        "link": link_of(ctx, "Launches", launch.launch_id) if launch else "",
        "thread": "#problems",  # where the launch page shows the reports and decisions
    }


def approval_context(ctx: SyncContext, f: ApprovalFacts, notice: Notice) -> dict[str, Any]:
    o = f.order
    return {
        "approval": f.approval,
        "order": o,
        "client_name": f.client.name if f.client else "client",
        "item_lower": f.approval.item.lower() if f.approval.item else "item",
        "piece": (o.piece_type or "piece").lower() if o else "piece",
        "reminder": notice.kind == "approval_reminder",
        "link": link_of(ctx, "Approvals", f.approval.approval_id),
    }


@dataclass(frozen=True)
class Section:
    title: str
    items: list[str]


def problem_key(tab: str, key: str, column: str, message: str) -> str:
    text = "\x1f".join((tab, key, column, message))
    return "problem:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def address_problem(notice: Notice) -> Problem | None:
    """The Problem saying why an email cannot go to its recipient; None when it can."""
    why = valid_recipient(notice.recipient)
    if why is None:
        return None
    tab, key = notice.address_place
    what = notice.kind.replace("_", " ")
    about = notice.ref
    if notice.kind in (PROBLEM_ALERT, PROBLEM_SECOND_ALERT, PROBLEM_DECISION):
        # "L-011 (report web-…)", not the inner form of the email's reference
        lid, pid, _ = notice_parts(notice.ref)
        about = f"{lid} (report {pid})"
    if tab == "Config":
        return Problem(
            "Config",
            key,
            "",
            WARNING,
            f"config [workshop] {key.split('.')[-1]}: {why}; the {what} for {about} cannot be sent",
        )
    return Problem(
        tab,
        key,
        "Email",
        WARNING,
        f"{tab} ({key}), column Email: {why}; the {what} for {about} cannot be sent",
    )


def valid_recipient(address: str) -> str | None:
    """None when usable, else why not."""
    try:
        parse_address(address)
    except Exception as exc:  # BadAddress; kept broad: any parse trouble is a bad address
        return str(exc)
    return None
