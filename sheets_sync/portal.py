"""Sync steps that join the web app to the workbook, through the journal.

``publish_step``: every Approvals and Launches row gets a page (a ``View`` in the journal)
and a signed link in its ⚙ Link cell. A link is rewritten only when it is missing, not
one of ours, for other content, or within ``REFRESH_DAYS`` of expiring; otherwise the
cell keeps its text, so a second sync writes nothing. A new image on an Approvals row that
was already answered opens a new round: ⚙ State goes back to Pending and the answer cells
are cleared (the old answer stays in Activity).

``flush_step``: pending journal entries (answers from the web) become machine cells,
Progress rows and one Activity row each, whose ID is the entry's unique id. Entries are
marked applied only after the workbook write succeeded (``ctx.after_write``); an entry
whose id is already in Activity (the write landed, the mark did not: a crash) is only
marked. Exactly once, whatever happens between the two.

Progress posted as "Shipped" is written as Status "Done" with a Note starting "Shipped"
(the Progress statuses are Started / Done / Verified / Rework).

Times written to cells are the workshop's local wall-clock time (naive datetimes).
Both steps are pure on the workbook side; ``publish_step`` writes the views to the
journal (a local database, one transaction, nothing when unchanged).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from .cells import CellValue, is_blank, parse_datetime, to_text
from .domain.launches import missing_for_launch
from .domain.model import Approval, Launch, Order, ProgressEntry, Workshop
from .errors import CellError, LinkError
from .journal import Journal, Submission, View
from .outputs import ActivityRow, SyncContext

Step = Callable[[SyncContext], None]

REFRESH_DAYS = 3  # a link closer than this to expiring is replaced
FLUSH_BATCH = 500  # journal entries applied per sync (one backend write)
BLOCKED_STATE = "Blocked: incomplete sheet"
ANSWERED = ("Approved", "Changes requested")


class Claims(Protocol):
    row_id: str
    fingerprint: str
    expires_at: datetime


class Signer(Protocol):
    """What publish needs of ``web.links.LinkSigner``."""

    link_days: int

    def url(
        self, purpose: str, row_id: str, fingerprint: str, now: datetime | None = None
    ) -> str: ...

    def read_url(self, text: str, purpose: str, now: datetime | None = None) -> Any: ...


def fingerprint(content: Mapping[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware moment as the workshop's wall-clock time, to the second, without zone."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------------- views


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _order_fields(ws: Workshop, order: Order | None) -> dict[str, Any]:
    if order is None:
        return {}
    alloy = ws.alloy(order.alloy)
    return {
        "piece_type": order.piece_type,
        "description": order.description,
        "alloy": order.alloy,
        "alloy_name": alloy.name if alloy and alloy.name else order.alloy,
        "size": order.size,
        "quantity": order.quantity,
        "center_stone": order.center_stone,
        "side_stones": order.side_stones,
        "target_weight": order.target_weight,
        "cad_file": order.cad_file,
        "render": order.cad_render,
    }


def approval_view(ctx: SyncContext, approval: Approval) -> View:
    order = ctx.workshop.order(approval.order_ref)
    fields = _order_fields(ctx.workshop, order)
    image = approval.image or fields.get("render")
    content = {
        "id": approval.approval_id,
        "order": approval.order_ref,
        "item": approval.item,
        "image": image,
    }
    state = to_text(ctx.machine("Approvals", approval.approval_id, "State")) or "Pending"
    data: dict[str, Any] = {
        **fields,
        "workshop": ctx.config.workshop.name,
        "approval_id": approval.approval_id,
        "order_ref": approval.order_ref,
        "item": approval.item,
        "image": image,
        "requested": _iso(approval.requested),
    }
    if state in ANSWERED:
        data["answer"] = {
            "state": state,
            "at": to_text(ctx.machine("Approvals", approval.approval_id, "Answered At")),
            "by": to_text(ctx.machine("Approvals", approval.approval_id, "Answered By")),
            "comment": to_text(ctx.machine("Approvals", approval.approval_id, "Comment")),
        }
    return View("approval", approval.approval_id, fingerprint(content), state, data)


def launch_view(ctx: SyncContext, launch: Launch) -> View:
    ws = ctx.workshop
    order = ws.order(launch.order_ref)
    partner = ws.partner(launch.partner)
    sheet: dict[str, Any] = {
        **_order_fields(ws, order),
        "launch_id": launch.launch_id,
        "order_ref": launch.order_ref,
        "partner_id": launch.partner,
        "partner_name": partner.name if partner else launch.partner,
        "task": launch.task,
        "launch_date": _iso(launch.launch_date),
        "due_date": _iso(launch.due),
        "instructions": launch.instructions,
        "stones_provided": launch.stones_provided,
    }
    shop = ctx.config.workshop
    missing = missing_for_launch(order, launch)
    state = to_text(ctx.machine("Launches", launch.launch_id, "State")) or "Ready"
    if missing:  # judged here too, so the page never lags the launches step by a sync
        state = BLOCKED_STATE
    elif state == BLOCKED_STATE:
        state = "Ready"
    data = {
        **sheet,
        "workshop": shop.name,
        "contacts": {
            "name": shop.contact_name,
            "email": shop.contact_email,
            "phone": shop.contact_phone,
        },
        "acknowledged_at": to_text(ctx.machine("Launches", launch.launch_id, "Acknowledged At")),
        "acknowledged_by": to_text(ctx.machine("Launches", launch.launch_id, "Acknowledged By")),
    }
    return View("launch", launch.launch_id, fingerprint(sheet), state, data)


# -------------------------------------------------------------------- publish


def _needs_new_link(
    ctx: SyncContext, signer: Signer, tab: str, purpose: str, view: View
) -> tuple[bool, bool]:
    """(write a new link?, was the current one ours for other content?)"""
    current = ctx.machine(tab, view.id, "Link")
    if not isinstance(current, str) or is_blank(current):
        return True, False
    margin = timedelta(days=min(REFRESH_DAYS, signer.link_days / 3))
    try:
        claims = signer.read_url(current.strip(), purpose, now=ctx.now)
    except LinkError as exc:
        old = getattr(exc, "claims", None)  # expired, but ours: was it for this content?
        other = old is not None and old.row_id == view.id and old.fingerprint != view.fingerprint
        return True, other
    if claims.row_id != view.id:
        return True, False
    if claims.fingerprint != view.fingerprint:
        return True, True
    return claims.expires_at - ctx.now <= margin, False


def publish_step(journal: Journal, signer: Signer) -> Step:
    def publish(ctx: SyncContext) -> None:
        views: list[View] = []
        for approval in ctx.workshop.approvals:
            aid = approval.approval_id
            view = approval_view(ctx, approval)
            renew, other_content = _needs_new_link(ctx, signer, "Approvals", "approval", view)
            if other_content and view.state in ANSWERED:
                for column in ("Answered At", "Answered By", "Comment"):
                    ctx.outputs.set("Approvals", aid, column, None)
                ctx.outputs.set("Approvals", aid, "State", "Pending")
                view = approval_view(ctx, approval)
            elif is_blank(ctx.machine("Approvals", aid, "State")):
                ctx.outputs.set("Approvals", aid, "State", "Pending")
                view = approval_view(ctx, approval)
            if renew:
                ctx.outputs.set(
                    "Approvals", aid, "Link", signer.url("approval", aid, view.fingerprint, ctx.now)
                )
            views.append(view)
        for launch in ctx.workshop.launches:
            view = launch_view(ctx, launch)
            renew, _ = _needs_new_link(ctx, signer, "Launches", "launch", view)
            if renew:
                url = signer.url("launch", launch.launch_id, view.fingerprint, ctx.now)
                ctx.outputs.set("Launches", launch.launch_id, "Link", url)
            views.append(view)
        journal.publish_views(views)

    return publish


@dataclass(frozen=True)
class LinkLine:
    kind: str  # "approval" or "launch"
    row_id: str
    order_ref: str
    audience: str  # the client's or the partner's name
    url: str


def links_for(ctx: SyncContext, order_ref: str | None = None) -> list[LinkLine]:
    """Every ⚙ Link as it will be after this sync (run after ``publish_step``), for one
    order or all: what ``sheets-sync links [ORDER-REF]`` prints."""
    ws = ctx.workshop
    lines: list[LinkLine] = []
    for a in ws.approvals:
        if order_ref is None or a.order_ref == order_ref:
            order = ws.order(a.order_ref)
            client = ws.client(order.client if order else None)
            who = client.name if client else (order.client if order and order.client else "client")
            url = to_text(ctx.machine("Approvals", a.approval_id, "Link"))
            lines.append(LinkLine("approval", a.approval_id, a.order_ref, who, url))
    for la in ws.launches:
        if order_ref is None or la.order_ref == order_ref:
            partner = ws.partner(la.partner)
            url = to_text(ctx.machine("Launches", la.launch_id, "Link"))
            lines.append(
                LinkLine(
                    "launch",
                    la.launch_id,
                    la.order_ref,
                    partner.name if partner else la.partner,
                    url,
                )
            )
    return lines


# ---------------------------------------------------------------------- flush


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
        cell = f"{when:%d/%m/%Y %H:%M} {text}" + (f" (photo: {photo})" if photo else "")
        ctx.outputs.set("Launches", sub.ref, "Problem", cell)
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
