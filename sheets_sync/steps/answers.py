"""Answers from the web app (reads the journal's pending entries and the Activity IDs;
writes Approvals and Launches ⚙ answer cells, Progress rows, Partner Problems rows and one
Activity row per answer, whose ID is the entry's unique id).

Entries are marked applied only after the workbook write succeeded (``ctx.after_write``);
an entry whose id is already in Activity (the write landed, the mark did not: a crash) is
only marked. Exactly once, whatever happens between the two. The first step of a sync, so
every later step sees the answers.

A problem report becomes its own Partner Problems row, keyed by that same id (Problem
ID = its Activity ID), where staff write the decision; the steps after this one see it in
this same sync (the launch turns Problem, the manager's alert goes out).

Progress posted as "Shipped" is written as Status "Done" with a Note starting "Shipped"
(the Progress statuses are Started / Done / Verified / Rework). Times written to cells are
the workshop's local wall-clock time (naive datetimes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from ..cells import CellValue, is_blank, local_time, parse_datetime
from ..contract import PARTNER_PROBLEMS, machine_header
from ..domain.model import PartnerProblem, ProgressEntry, Workshop
from ..errors import CellError
from ..journal import Journal, Submission
from ..outputs import ActivityRow, SyncContext

Step = Callable[[SyncContext], None]

FLUSH_BATCH = 500  # journal entries applied per sync (one backend write)


def flush_step(journal: Journal, batch: int = FLUSH_BATCH) -> Step:
    def flush(ctx: SyncContext) -> None:
        done: list[str] = []
        for sub in journal.pending(limit=batch):
            done.append(sub.id)
            if sub.id in ctx.activity_ids:
                continue  # applied by a write whose mark was lost: only mark it now
            apply_submission(ctx, sub)
        if done:
            at = ctx.now
            ctx.after_write.append(lambda: _mark(journal, done, at))

    return flush


def _mark(journal: Journal, ids: Iterable[str], at: datetime) -> None:
    journal.mark_applied(ids, at)


def apply_submission(ctx: SyncContext, sub: Submission) -> None:
    """Turn one journal entry into machine cells, appended rows and one Activity row."""
    zone = ctx.config.workshop.zone
    when = local_time(sub.received_at, zone)
    p = sub.payload
    photo = str(p.get("photo") or "")
    if sub.kind == "approval":
        actor = _approval_actor(ctx.workshop, sub)
        decision = "Approved" if p.get("decision") == "approve" else "Changes requested"
        comment = str(p.get("comment") or "")
        for column, value in (
            ("State", decision),
            ("Answered At", when),
            ("Answered By", actor),
            ("Comment", comment or None),
        ):
            ctx.outputs.set("Approvals", sub.ref, column, value)
        detail = decision + (f": {comment}" if comment else "")
        _activity(ctx, sub, when, "approval", actor, detail)
        return
    partner = str(p.get("partner_name") or "") or _partner_name(ctx.workshop, sub.ref)
    if sub.kind == "ack":
        name = str(p.get("name") or partner)
        if is_blank(ctx.machine("Launches", sub.ref, "Acknowledged At")):
            ctx.outputs.set("Launches", sub.ref, "Acknowledged At", when)
            ctx.outputs.set("Launches", sub.ref, "Acknowledged By", name)
            hours = _response_hours(ctx, sub.ref, when)
            if hours is not None:
                ctx.outputs.set("Launches", sub.ref, "Response Hours", hours)
        _activity(
            ctx, sub, when, "acknowledgement", f"{name} ({partner})", f"Acknowledged by {name}"
        )
    elif sub.kind == "problem":
        text = str(p.get("text") or "")
        _new_problem(ctx, sub, when, partner, text, photo)
        _activity(
            ctx, sub, when, "problem", partner, text + (f" (photo: {photo})" if photo else "")
        )
    elif sub.kind == "progress":
        status = str(p.get("status") or "")
        note = str(p.get("note") or "")
        row_status, row_note = status, note
        if status == "Shipped":
            row_status, row_note = "Done", "Shipped" + (f": {note}" if note else "")
        task = str(p.get("task") or "")
        ctx.outputs.appends.append(
            (
                "Progress",
                {
                    "Order Ref": str(p.get("order_ref") or ""),
                    "Stage": task,
                    "Status": row_status,
                    "Date": when.date(),
                    "By": partner,
                    "Photo": photo or None,
                    "Note": row_note or None,
                },
            )
        )
        _see_progress(ctx, str(p.get("order_ref") or ""), task, row_status, when, partner, photo, row_note)
        detail = f"{task}: {status}" + (f" - {note}" if note else "")
        detail += f" (photo: {photo})" if photo else ""
        _activity(ctx, sub, when, "progress", partner, detail)


def _new_problem(
    ctx: SyncContext, sub: Submission, when: datetime, partner: str, text: str, photo: str
) -> None:
    """The report's Partner Problems row, appended and seen by the later steps."""
    launch = next((la for la in ctx.workshop.launches if la.launch_id == sub.ref), None)
    order_ref = str(sub.payload.get("order_ref") or "") or (launch.order_ref if launch else "")
    partner_id = launch.partner if launch else partner
    ctx.outputs.appends.append(
        (
            PARTNER_PROBLEMS.name,
            {
                "Problem ID": sub.id,
                "Launch ID": sub.ref,
                "Order Ref": order_ref or None,
                "Partner": partner_id or None,
                "Reported At": when,
                "Report": text,
                "Photo": photo or None,
                machine_header("State"): "Awaiting decision",
            },
        )
    )
    table = ctx.snapshot.table(PARTNER_PROBLEMS.name)
    last = max(table.row_numbers, default=1) if table is not None else 1
    row = last + sum(1 for tab, _ in ctx.outputs.appends if tab == PARTNER_PROBLEMS.name)
    ctx.workshop.partner_problems.append(
        PartnerProblem(sub.id, sub.ref, when, text, row, order_ref or None, partner_id or None,
                       photo or None)
    )


def _see_progress(
    ctx: SyncContext,
    order_ref: str,
    stage: str,
    status: str,
    when: datetime,
    by: str,
    photo: str | None,
    note: str,
) -> None:
    """The appended Progress row, seen by the steps after this one in the same sync (so the
    order's stage moves in this write, not one sync later). Its row is where it will land."""
    if not (order_ref and stage and status):
        return
    table = ctx.snapshot.table("Progress")
    last = max(table.row_numbers, default=1) if table is not None else 1
    row = last + sum(1 for tab, _ in ctx.outputs.appends if tab == "Progress")
    entry = ProgressEntry(order_ref, stage, status, when.date(), row, by, photo or None, note or None)
    ctx.workshop.progress.append(entry)


def _activity(
    ctx: SyncContext, sub: Submission, when: datetime, kind: str, actor: str, detail: str
) -> None:
    ctx.outputs.activity.append(ActivityRow(sub.id, when, kind, sub.ref, actor, detail))


def _approval_actor(ws: Workshop, sub: Submission) -> str:
    name = str(sub.payload.get("name") or "").strip()
    if name:
        return name
    approval = next((a for a in ws.approvals if a.approval_id == sub.ref), None)
    order = ws.order(approval.order_ref) if approval else None
    client = ws.client(order.client if order else None)
    if client:
        return client.name
    return order.client if order and order.client else "client"


def _partner_name(ws: Workshop, launch_id: str) -> str:
    launch = next((la for la in ws.launches if la.launch_id == launch_id), None)
    partner = ws.partner(launch.partner if launch else None)
    return partner.name if partner else (launch.partner if launch else "partner")


def _response_hours(ctx: SyncContext, launch_id: str, acked: datetime) -> float | None:
    start: datetime | None = None
    try:
        start = parse_datetime(_naive(ctx.machine("Launches", launch_id, "Sent At"), ctx))
    except CellError:
        start = None
    if start is None:
        launch = next((la for la in ctx.workshop.launches if la.launch_id == launch_id), None)
        if launch is None or launch.launch_date is None:
            return None
        start = datetime.combine(launch.launch_date, ctx.config.workshop.day_start)
    return round(max(0.0, (acked - start).total_seconds() / 3600), 1)


def _naive(value: CellValue, ctx: SyncContext) -> CellValue:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return local_time(value, ctx.config.workshop.zone)
    return value
