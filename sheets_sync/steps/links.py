"""The pages behind the links, and the links themselves (reads every Approvals and
Launches row, its order, client or partner and its ⚙ cells, and the partner's reports
and their decisions on Partner Problems; writes Approvals and
Launches ⚙ Link, Approvals ⚙ State when blank or when a new image opens a new round, and
the pages' ``View``s into the journal).

Every Approvals and Launches row gets a page (a ``View`` in the journal) and a signed link
in its ⚙ Link cell. A link is rewritten only when it is missing, not one of ours, for
other content, or within ``REFRESH_DAYS`` of expiring; otherwise the cell keeps its text,
so a second sync writes nothing.

An approval's link is bound to its id and the image it asks about (the row's Image, or
its order's CAD Render when Image is blank). A new round (⚙ State back to Pending, the
answer cells cleared; the old answer stays in Activity) opens only when that image really
changed from the one the signed link, hence the answer, was for. When the image cannot be
known this sync (the Image or CAD Render header is missing, the cell or the order cannot
be read), the row keeps its page, link and answer exactly as they were; so does a launch
whose order cannot be read, and a whole tab whose key column is missing keeps its pages.
A header mistake fixed by the next sync changes nothing.

Before signing anything, the links already in the workbook must open with this sync's
secret: if none does, the sync refuses (``LinkSecretMismatch``), since re-signing them
would make the web app that holds the right secret answer 404 to every one. A workbook
with no links yet is signed with whatever secret is set.

Writing the views is the step's one side effect: a local database, one transaction,
nothing when unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..cells import CellValue, is_blank, to_text
from ..contract import human_tab, machine_header
from ..domain import partner_problems as pp
from ..domain.model import Approval, Launch, Order, Workshop
from ..errors import ConfigError, LinkError
from ..journal import Journal, View
from ..links import PATHS, LinkClaims, LinkExpired, LinkInvalid, LinkSigner
from ..outputs import SyncContext, key_positions
from .launches import sheet_gaps

Step = Callable[[SyncContext], None]

MINUTE = "%Y-%m-%d %H:%M"  # moments on the pages: wall time in the workshop's zone
REFRESH_DAYS = 3  # a link closer than this to expiring is replaced
LINK_MOMENTS = "link moments"  # ctx.facts: when the links this sync leaves turn (``valid_until``)
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


class LinkSecretMismatch(ConfigError):
    """The workbook's links were signed with another secret than this sync's."""


def _raw(ctx: SyncContext, tab: str, key: str, column: str) -> CellValue:
    table = ctx.snapshot.table(tab)
    pos = key_positions(ctx.snapshot, tab).get(key)
    return None if table is None or pos is None else table.value(pos, column)


def approval_image(ctx: SyncContext, approval: Approval) -> tuple[bool, str | None]:
    """(known, image): the image an Approvals row asks the client about, its Image or,
    when that is blank, its order's CAD Render. ``known`` is False when this sync cannot
    tell: a header missing, the cell or the order unreadable."""
    approvals = ctx.snapshot.table("Approvals")
    if approvals is None or not approvals.has("Image"):
        return False, None
    if approval.image:
        return True, approval.image
    if not is_blank(_raw(ctx, "Approvals", approval.approval_id, "Image")):
        return False, None  # there is something, but not a readable link
    order = ctx.workshop.order(approval.order_ref)
    orders = ctx.snapshot.table("Orders")
    if order is None or orders is None or not orders.has("CAD Render"):
        return False, None
    if order.cad_render is None and not is_blank(_raw(ctx, "Orders", order.ref, "CAD Render")):
        return False, None
    return True, order.cad_render


def approval_fingerprint(approval: Approval, image: str | None) -> str:
    return fingerprint({"id": approval.approval_id, "image": image})


def _older_fingerprint(approval: Approval, image: str | None) -> str:
    """How links were bound before they were bound to the image alone: a link signed
    that way for the same image is the same round, not a new one."""
    return fingerprint(
        {"id": approval.approval_id, "order": approval.order_ref, "item": approval.item, "image": image}
    )


def approval_view(
    ctx: SyncContext, approval: Approval, image: str | None = None, fp: str | None = None
) -> View:
    """The client's page; ``image`` as ``approval_image`` found it, ``fp`` the fingerprint
    its link is bound to (by default the image's)."""
    order = ctx.workshop.order(approval.order_ref)
    fields = _order_fields(ctx.workshop, order)
    if image is None:
        image = approval.image or fields.get("render")
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
    return View("approval", approval.approval_id, fp or approval_fingerprint(approval, image), state, data)


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
    missing = sheet_gaps(ctx, launch)
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
        "problems": problem_thread(ctx, launch),
    }
    return View("launch", launch.launch_id, fingerprint(sheet), state, data)


def problem_thread(ctx: SyncContext, launch: Launch) -> list[dict[str, Any]]:
    """The partner's reports on the launch, oldest first, each with the decision staff
    wrote under it (none yet: ``decision`` is "")."""
    mine = [p for p in ctx.workshop.partner_problems if pp.fold(p.launch_id) == pp.fold(launch.launch_id)]
    out = []
    for p in sorted(mine, key=lambda p: p.reported_at):
        decided = ctx.machine_moment(pp.TAB, p.problem_id, "Decided At") if p.decided else None
        out.append({
            "id": p.problem_id,
            "reported_at": p.reported_at.strftime(MINUTE),
            "report": p.report,
            "photo": p.photo or "",
            "decision": pp.decision_text(p),
            "decided_at": decided.strftime(MINUTE) if decided else "",
            "decided_by": (p.decided_by or "").strip(),
        })
    return out


def _claims(
    ctx: SyncContext, signer: LinkSigner, tab: str, purpose: str, row_id: str
) -> LinkClaims | None:
    """What the row's current ⚙ Link says, expired or not; None when it is not one of ours."""
    current = ctx.machine(tab, row_id, "Link")
    if not isinstance(current, str) or is_blank(current):
        return None
    try:
        return signer.read_url(current.strip(), purpose, now=ctx.now)
    except LinkExpired as exc:
        return exc.claims
    except LinkError:
        return None


def refresh_moment(signer: LinkSigner, claims: LinkClaims) -> datetime:
    """When a link still right for its row is replaced by a fresh one: ``REFRESH_DAYS``
    (at most a third of its life) before it expires."""
    return claims.expires_at - timedelta(days=min(REFRESH_DAYS, signer.link_days / 3))


def _turns(ctx: SyncContext, signer: LinkSigner, kept: LinkClaims | None) -> list[datetime]:
    """When a row's link as this sync leaves it is refreshed and expires: the kept
    link's, or (``None``) the one just signed, issued at ``now`` to the second."""
    if kept is None:
        issued = ctx.now.replace(microsecond=0)
        kept = LinkClaims("", "", "", issued, issued + timedelta(days=signer.link_days))
    return [refresh_moment(signer, kept), kept.expires_at]


def link_claims(ctx: SyncContext, signer: LinkSigner) -> list[LinkClaims]:
    """The claims of every ⚙ Link of ours as this sync leaves them, expired or not."""
    out = []
    for tab, purpose, rows in (
        ("Approvals", "approval", [a.approval_id for a in ctx.workshop.approvals]),
        ("Launches", "launch", [la.launch_id for la in ctx.workshop.launches]),
    ):
        for row_id in rows:
            claims = _claims(ctx, signer, tab, purpose, row_id)
            if claims is not None:
                out.append(claims)
    return out


def _needs_new_link(ctx: SyncContext, signer: LinkSigner, claims: LinkClaims | None, view: View) -> bool:
    if claims is None or claims.row_id != view.id or claims.fingerprint != view.fingerprint:
        return True
    return ctx.now >= refresh_moment(signer, claims)


def check_secret(ctx: SyncContext, signer: LinkSigner) -> None:
    """Refuse when the workbook holds links of this app and not one opens with this sync's
    secrets (expired ones count: their signature is good)."""
    ours = 0
    for tab, purpose in (("Approvals", "approval"), ("Launches", "launch")):
        table = ctx.snapshot.table(tab)
        if table is None:
            continue
        prefix = signer.base_url + PATHS[purpose]
        for value in table.column_values(machine_header("Link")):
            if not isinstance(value, str) or not value.strip().startswith(prefix):
                continue
            ours += 1
            try:
                signer.read_url(value.strip(), purpose, now=ctx.now)
            except LinkExpired:
                return
            except LinkInvalid:
                continue
            return
    if ours:
        raise LinkSecretMismatch(
            f"the {ours} links in the ⚙ Link columns were signed with another link secret than "
            f"this sync's ({signer.source}); signing them again would make every link the "
            f"workshop sent stop working. Set {signer.secret_hint} to the secret the links were "
            "signed with (the one `sheets-sync serve` uses). To sign every link anew on purpose, "
            "clear the ⚙ Link columns first. Nothing was written."
        )


def _readable(ctx: SyncContext, tab: str) -> bool:
    table = ctx.snapshot.table(tab)
    key = human_tab(tab).key
    return table is not None and key is not None and table.has(key.name)


def publish_step(journal: Journal, signer: LinkSigner) -> Step:
    def publish(ctx: SyncContext) -> None:
        check_secret(ctx, signer)
        views: list[View] = []
        moments: list[datetime] = []  # when a link left by this sync is refreshed or expires
        for approval in ctx.workshop.approvals:
            aid = approval.approval_id
            known, image = approval_image(ctx, approval)
            kept = None if known else journal.view("approval", aid)
            if kept is not None:  # cannot tell this sync: page, link and answer stay
                views.append(kept)
                continue
            if not known:  # a new row: its page shows what can be shown
                order = ctx.workshop.order(approval.order_ref)
                image = approval.image or (order.cad_render if order else None)
            claims = _claims(ctx, signer, "Approvals", "approval", aid)
            fp = approval_fingerprint(approval, image)
            if claims is not None and claims.fingerprint == _older_fingerprint(approval, image):
                fp = claims.fingerprint  # same image, signed the older way: same round
            view = approval_view(ctx, approval, image, fp)
            new_image = claims is not None and claims.row_id == aid and claims.fingerprint != fp
            if new_image and view.state in ANSWERED:
                for column in ("Answered At", "Answered By", "Comment"):
                    ctx.outputs.set("Approvals", aid, column, None)
                ctx.outputs.set("Approvals", aid, "State", "Pending")
                view = approval_view(ctx, approval, image, fp)
            elif is_blank(ctx.machine("Approvals", aid, "State")):
                ctx.outputs.set("Approvals", aid, "State", "Pending")
                view = approval_view(ctx, approval, image, fp)
            if _needs_new_link(ctx, signer, claims, view):
                ctx.outputs.set("Approvals", aid, "Link", signer.url("approval", aid, fp, ctx.now))
                claims = None
            moments.extend(_turns(ctx, signer, claims))
            views.append(view)
        for launch in ctx.workshop.launches:
            kept = None
            if ctx.workshop.order(launch.order_ref) is None:
                kept = journal.view("launch", launch.launch_id)
            if kept is not None:  # its order cannot be read this sync: nothing changes
                views.append(kept)
                continue
            view = launch_view(ctx, launch)
            claims = _claims(ctx, signer, "Launches", "launch", launch.launch_id)
            if _needs_new_link(ctx, signer, claims, view):
                url = signer.url("launch", launch.launch_id, view.fingerprint, ctx.now)
                ctx.outputs.set("Launches", launch.launch_id, "Link", url)
                claims = None
            moments.extend(_turns(ctx, signer, claims))
            views.append(view)
        ctx.facts[LINK_MOMENTS] = moments
        kinds = [k for k, tab in (("approval", "Approvals"), ("launch", "Launches")) if _readable(ctx, tab)]
        journal.publish_views([v for v in views if v.kind in kinds], kinds)

    return publish


@dataclass(frozen=True)
class LinkLine:
    kind: str  # "approval" or "launch"
    row_id: str
    order_ref: str
    audience: str  # the client's or the partner's name
    url: str


def links_for(ctx: SyncContext, order_ref: str | None = None) -> list[LinkLine]:
    """Every ⚙ Link as ``ctx`` sees it, for one order or all: after ``publish_step``, as
    this sync leaves it; on a read alone, as the last sync wrote it (what
    ``sheets-sync links [ORDER-REF]`` prints)."""
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
