"""Partner pages: /p/<token> shows the launch sheet, the thread of the partner's reports
with the workshop's decision under each; Acknowledge, Report a problem, Post progress.
/u/<name> serves the photos partners sent (the random name is the capability)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, request, send_from_directory
from werkzeug.wrappers import Response

from sheets_sync.journal import JournalError, SameAnswer, Submission, View

from .security import MIMETYPES, UPLOAD_NAME, UploadRejected, check_image, store_upload
from .site import (
    MAX_NAME,
    PageError,
    checked_idem,
    clean_text,
    form_keys,
    open_link,
    render,
    see_other,
    services,
)

bp = Blueprint("partners", __name__)

ACTIONS = ("ack", "problem", "progress")
FORMS = {"ack": "Acknowledge receipt", "problem": "Report a problem", "progress": "Post progress"}
STATUSES = ("Started", "Done", "Shipped")
BLOCKED = "Blocked"


def _acknowledged(view: View) -> dict[str, str] | None:
    if view.data.get("acknowledged_at"):
        return {
            "at": str(view.data["acknowledged_at"]),
            "by": str(view.data.get("acknowledged_by") or ""),
        }
    s = services()
    for sub in s.journal.for_ref("ack", view.id):
        if sub.applied_at is None:
            at = s.local(sub.received_at).isoformat(sep=" ", timespec="minutes")
            return {"at": at, "by": str(sub.payload.get("name") or "")}
    return None


def _history(view: View) -> list[dict[str, Any]]:
    """Progress this launch's partner posted through the link, newest first."""
    s = services()
    items: list[dict[str, Any]] = []
    for sub in s.journal.for_ref("progress", view.id):
        p = sub.payload
        items.append(
            {
                "seq": sub.seq,
                "at": s.local(sub.received_at).isoformat(sep=" ", timespec="minutes"),
                "what": str(p.get("status") or ""),
                "text": p.get("note") or "",
                "photo": p.get("photo") or "",
            }
        )
    return sorted(items, key=lambda i: i["seq"], reverse=True)


def _thread(view: View) -> list[dict[str, Any]]:
    """The partner's reports on this launch, oldest first, each with the workshop's
    decision under it: as the last sync published them from the Partner Problems tab,
    then the reports sent here that no sync has written to the workbook yet."""
    s = services()
    items = [{**p, "pending": False} for p in view.data.get("problems") or []]
    known = {str(p.get("id")) for p in items}
    for sub in s.journal.for_ref("problem", view.id):
        if sub.applied_at is not None or sub.id in known:
            continue  # in the workbook: on the published list (or removed there by staff)
        items.append(
            {
                "id": sub.id,
                "reported_at": s.local(sub.received_at).isoformat(sep=" ", timespec="minutes"),
                "report": str(sub.payload.get("text") or ""),
                "photo": str(sub.payload.get("photo") or ""),
                "decision": "",
                "pending": True,
            }
        )
    return items


def _page(token: str, view: View, status: int = 200, **extra: Any) -> tuple[str, int]:
    if view.state.startswith(BLOCKED):
        return render("web/not_ready.html", status if status != 200 else 200, d=view.data)
    return render(
        "web/launch.html",
        status,
        view=view,
        d=view.data,
        ack=_acknowledged(view),
        history=_history(view),
        thread=_thread(view),
        keys={action: form_keys(token) for action in ACTIONS},  # each form its own key
        done="" if "error" in extra else request.args.get("done", ""),  # never thanks for a refusal
        statuses=STATUSES,
        forms=FORMS,
        **extra,
    )


@bp.get("/p/<token>")
def show(token: str) -> tuple[str, int]:
    return _page(token, open_link("launch", token))


@bp.post("/p/<token>")
def act(token: str) -> Response | tuple[str, int]:
    view = open_link("launch", token)
    if view.state.startswith(BLOCKED):
        return _page(token, view, 409)
    idem = checked_idem(token)
    s, form = services(), request.form
    action = form.get("action", "")
    if action not in ACTIONS:
        return _page(token, view, 400, error="Please choose what you want to send.")
    thanks = f"/p/{token}?done={action}"
    if action == "ack" and _acknowledged(view) is not None:
        # this very form sent twice (a double click) was recorded: thank it again
        return see_other(thanks) if s.journal.by_idem(idem) else _page(token, view, 409)
    payload: dict[str, Any] = {
        "partner_name": view.data.get("partner_name"),
        "order_ref": view.data.get("order_ref"),
        "task": view.data.get("task"),
    }
    error = None
    if action == "ack":
        payload["name"] = clean_text(form.get("name"), MAX_NAME)
        if not payload["name"]:
            error = "Please write the name of the person receiving the job."
    elif action == "problem":
        payload["text"] = clean_text(form.get("text"))
        if not payload["text"]:
            error = "Please describe the problem."
    else:
        payload["status"] = form.get("status", "")
        payload["note"] = clean_text(form.get("note"))
        if payload["status"] not in STATUSES:
            error = "Please choose Started, Done or Shipped."
    photo = request.files.get("photo")
    data = photo.read() if photo is not None and photo.filename else b""
    if data and s.journal.by_idem(idem) is not None:  # sent twice: keep one copy of the photo
        return see_other(thanks)
    if error is None and action == "progress" and payload["status"] == "Shipped" and not data:
        error = "Shipped needs a photo of the parcel or the piece."
    if error is None and data and action != "ack":
        try:
            ext = check_image(data)
        except UploadRejected as exc:
            error = str(exc)
        else:
            name = store_upload(s.upload_dir, data, ext)
            payload["photo"] = s.config.web.base_url.rstrip("/") + "/u/" + name
            payload["photo_sha256"] = hashlib.sha256(data).hexdigest()
    if error is not None:
        return _page(token, view, 400, error=error, action=action, form=form)
    kind = action
    sub = Submission(
        kind=kind,
        ref=view.id,
        fingerprint=view.fingerprint,
        payload=payload,
        received_at=s.now(),
        idem=idem,
    )
    try:
        if not data:  # durable now, judged new or not as the journal absorbs it
            s.journal.record(sub, exclusive=(kind == "ack"), same=SAME_ANSWER)
            return see_other(thanks)
        # with a photo: judged at once, so that the copy of an answer already there goes
        stored, new = s.journal.submit(sub, exclusive=(kind == "ack"), same=SAME_ANSWER)
    except JournalError as exc:
        current_app.logger.error("journal write failed: %s", exc)
        raise PageError(
            503,
            "Please try again",
            "We could not record this just now. Please try again in a few minutes.",
        ) from None
    if not new and payload.get("photo") and stored.payload.get("photo") != payload["photo"]:
        (s.upload_dir / str(payload["photo"]).rsplit("/", 1)[-1]).unlink(missing_ok=True)
    return see_other(thanks)


# The partner's latest answer sent again: the same words and choice, and no other photo
# (a page restored by Back keeps what was typed, never the file).
SAME_ANSWER = SameAnswer(("status", "note", "text", "name"), attachment="photo_sha256")


@bp.get("/u/<name>")
def upload(name: str) -> Response:
    if not UPLOAD_NAME.match(name):
        raise PageError(404, "Not found", "There is no such photo.")
    s = services()
    ext = name.rsplit(".", 1)[1]
    if not (s.upload_dir / name).is_file():
        raise PageError(404, "Not found", "There is no such photo.")
    response = send_from_directory(s.upload_dir, name, mimetype=MIMETYPES[ext], max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response
