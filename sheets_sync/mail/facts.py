"""What the mail step reads from a sync: launches and approvals with their ⚙ cells, the
Activity tab's memory, and the staff digest's sections. No sending happens here."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..cells import to_text
from ..contract import METAL_STOCK, YIELDS, normalize
from ..domain.calendar import WorkCalendar
from ..domain.launches import ack_due, escalate_due, problem_decision_due
from ..domain.model import Launch
from ..domain.notices import ApprovalFacts, LaunchFacts, Notice, pending_too_long
from ..outputs import SyncContext
from ..steps.launches import sheet_gaps
from .mailer import parse_address
from .notices import fmt_day, fmt_moment


@dataclass(frozen=True)
class ActivityMemory:
    """The Activity tab as read, plus this sync's rows: when each id was recorded, and when
    each launch's latest problem was reported."""

    recorded: dict[str, datetime] = field(default_factory=dict)
    problems: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: SyncContext) -> ActivityMemory:
        recorded: dict[str, datetime] = {}
        problems: dict[str, datetime] = {}

        def see(row_id: str, kind: str, ref: str, when: datetime | None) -> None:
            if when is None:
                return
            if row_id:
                recorded.setdefault(row_id, when)
            if kind.casefold() == "problem" and ref:
                problems[ref] = max(problems.get(ref, when), when)

        table = ctx.snapshot.table("Activity")
        if table is not None:
            for _, cells in table.records():
                see(
                    to_text(cells.get("id")),
                    to_text(cells.get("kind")),
                    to_text(cells.get("ref")),
                    ctx.moment(cells.get("time")),
                )
        for a in ctx.outputs.activity:
            see(a.id, a.kind, a.ref, ctx.moment(a.time))
        return cls(recorded, problems)


def launch_facts(ctx: SyncContext, launch: Launch, memory: ActivityMemory) -> LaunchFacts:
    w, key = ctx.workshop, launch.launch_id
    order = w.order(launch.order_ref)
    state = to_text(ctx.machine("Launches", key, "State"))
    if not state and sheet_gaps(ctx, launch):
        state = "Blocked: incomplete sheet"
    problem = to_text(ctx.machine("Launches", key, "Problem")) or None
    reported = memory.problems.get(key)
    if reported is None and problem:
        reported = ctx.moment(problem[:16])  # the journal writes "dd/mm/yyyy hh:mm text"
    return LaunchFacts(
        launch=launch,
        order=order,
        partner=w.partner(launch.partner),
        state=state,
        sent_at=ctx.machine_moment("Launches", key, "Sent At"),
        reminded_at=ctx.machine_moment("Launches", key, "Reminded At"),
        escalated_at=ctx.machine_moment("Launches", key, "Escalated At"),
        acknowledged_at=ctx.machine_moment("Launches", key, "Acknowledged At"),
        problem=problem,
        problem_reported_at=reported,
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
    reported = f.problem_reported_at
    hours = ctx.config.workshop.problem_decision_hours
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
        "problem": f.problem or "",
        "reported_at": reported,
        "decision_hours": hours,
        "decision_due": problem_decision_due(reported, cal, hours) if reported else None,
        "second": notice.kind == "problem_second_alert",
        "link": link_of(ctx, "Launches", f.launch.launch_id),
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


def _flagged_rows(ctx: SyncContext, name: str, headers: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of a machine tab whose Flag is set: this sync's output when a step made it,
    else the tab as read."""
    rows: list[dict[str, Any]] = []
    if name in ctx.outputs.tabs:
        for r in ctx.outputs.tabs[name]:
            rows.append(
                {normalize(h): (r[i] if i < len(r) else None) for i, h in enumerate(headers)}
            )
    else:
        table = ctx.snapshot.table(name)
        if table is not None:
            rows = [cells for _, cells in table.records()]
    return [r for r in rows if to_text(r.get("flag"))]


def digest_sections(
    ctx: SyncContext,
    cal: WorkCalendar,
    launches: Sequence[LaunchFacts],
    approvals: Sequence[ApprovalFacts],
    new_problems: Sequence[str],
    uncertain: Sequence[str],
    undelivered: Sequence[str],
) -> list[Section]:
    """The staff digest, section by section; empty sections are left out."""
    now = ctx.now
    late: list[str] = []
    for o in ctx.workshop.orders:
        risk = to_text(ctx.machine("Orders", o.ref, "Risk"))
        if risk in ("Late", "At risk"):
            slack = to_text(ctx.machine("Orders", o.ref, "Slack (days)")) or "?"
            due = ctx.moment(ctx.machine("Orders", o.ref, "Next Due"))
            stage = to_text(ctx.machine("Orders", o.ref, "Stage"))
            late.append(
                f"{o.ref} ({o.piece_type or 'piece'}): {risk}, slack {slack} working days"
                + (f", {stage} due {fmt_day(due)}" if stage or due else "")
                + f", promised {fmt_day(o.promised)}"
            )
    blocked, overdue, problems = [], [], []
    for f in launches:
        lid, partner = f.launch.launch_id, (f.partner.name if f.partner else f.launch.partner)
        if f.state.startswith("Blocked") and f.sent_at is None:
            missing = to_text(ctx.machine("Launches", lid, "Missing")) or "details"
            blocked.append(f"{lid} ({f.launch.order_ref}, {partner}): lacks {missing}")
        elif f.state in ("Overdue", "Escalated") and f.acknowledged_at is None:
            due = ack_due(f.launch, f.partner, cal, f.sent_at)
            overdue.append(
                f"{lid} ({f.launch.order_ref}, {partner}): sent {fmt_moment(f.sent_at)}"
                f", acknowledgement due {fmt_moment(due)} ({f.state})"
            )
        if f.state == "Problem" and f.problem:
            hours = ctx.config.workshop.problem_decision_hours
            decide = problem_decision_due(f.problem_reported_at or now, cal, hours)
            late_word = "decision overdue" if now >= decide else "decide by"
            problems.append(
                f"{lid} ({f.launch.order_ref}, {partner}): {f.problem} "
                f"[{late_word} {fmt_moment(decide)}]"
            )
    pending = []
    days = ctx.config.mail.approval_pending_days
    for a in approvals:
        if a.state == "Pending" and pending_too_long(a.sent_at, cal, now, days):
            who = a.client.name if a.client else "client"
            pending.append(
                f"{a.approval.approval_id} ({a.approval.order_ref}, {who}): "
                f"{a.approval.item} sent {fmt_day(a.sent_at)}"
            )
    loss = [
        f"{to_text(r.get('ref'))} ({to_text(r.get('alloy'))}): loss {to_text(r.get('loss %'))} % "
        f"- {to_text(r.get('flag'))}"
        for r in _flagged_rows(ctx, YIELDS.name, YIELDS.headers)
    ]
    counts = [
        f"{to_text(r.get('alloy'))}"
        + (f" held by {to_text(r.get('held by'))}" if to_text(r.get("held by")) else "")
        + f": count variance {to_text(r.get('count variance (g)'))} g - {to_text(r.get('flag'))}"
        for r in _flagged_rows(ctx, METAL_STOCK.name, METAL_STOCK.headers)
    ]
    sections = [
        Section(
            "Emails that may or may not have gone out (not resent; please check)", list(uncertain)
        ),
        Section("Emails waiting to be delivered", list(undelivered)),
        Section("Partner problems awaiting a decision", problems),
        Section("Late and at-risk pieces", late),
        Section("Acknowledgements overdue", overdue),
        Section("Launches blocked by an incomplete sheet", blocked),
        Section(f"Approvals pending more than {days} working days", pending),
        Section("Metal loss above the alert level", loss),
        Section("Metal count variances", counts),
        Section("New problems in the workbook", list(new_problems)),
    ]
    return [s for s in sections if s.items]


def valid_recipient(address: str) -> str | None:
    """None when usable, else why not."""
    try:
        parse_address(address)
    except Exception as exc:  # BadAddress; kept broad: any parse trouble is a bad address
        return str(exc)
    return None
