"""The pages behind the links, and the links themselves (reads every Approvals and
Launches row, its order, client or partner and its ⚙ cells; writes Approvals and
Launches ⚙ Link, Approvals ⚙ State when blank or when a new render opens a new round, and
the pages' ``View``s into the journal).

Every Approvals and Launches row gets a page (a ``View`` in the journal) and a signed link
in its ⚙ Link cell. A link is rewritten only when it is missing, not one of ours, for
other content, or within ``REFRESH_DAYS`` of expiring; otherwise the cell keeps its text,
so a second sync writes nothing. A new image on an Approvals row that was already
answered opens a new round: ⚙ State goes back to Pending and the answer cells are cleared
(the old answer stays in Activity). Writing the views is the step's one side effect: a
local database, one transaction, nothing when unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..cells import is_blank, to_text
from ..domain.launches import missing_for_launch
from ..domain.model import Approval, Launch, Order, Workshop
from ..errors import LinkError
from ..journal import Journal, View
from ..links import LinkSigner
from ..outputs import SyncContext

Step = Callable[[SyncContext], None]

REFRESH_DAYS = 3  # a link closer than this to expiring is replaced
BLOCKED_STATE = "Blocked: incomplete sheet"
ANSWERED = ("Approved", "Changes requested")


def fingerprint(content: Mapping[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


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


def _needs_new_link(
    ctx: SyncContext, signer: LinkSigner, tab: str, purpose: str, view: View
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


def publish_step(journal: Journal, signer: LinkSigner) -> Step:
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
