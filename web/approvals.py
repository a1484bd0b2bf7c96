"""Client pages: /a/<token> shows the piece and its render; Approve or Request changes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from werkzeug.wrappers import Response

from sheets_sync.journal import JournalError, Submission, View

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

bp = Blueprint("approvals", __name__)

DECISIONS = {"approve": "Approved", "changes": "Changes requested"}


def recorded_answer(view: View) -> dict[str, Any] | None:
    """The client's answer: one waiting in the journal for this render, else the one the
    workbook holds (published by the sync)."""
    s = services()
    waiting = [
        sub
        for sub in s.journal.for_ref("approval", view.id)
        if sub.fingerprint == view.fingerprint and sub.applied_at is None
    ]
    if waiting:
        sub = waiting[-1]
        return {
            "state": DECISIONS.get(str(sub.payload.get("decision")), "Changes requested"),
            "at": s.local(sub.received_at).isoformat(sep=" ", timespec="minutes"),
            "by": sub.payload.get("name") or "",
            "comment": sub.payload.get("comment") or "",
        }
    answer = view.data.get("answer")
    return dict(answer) if isinstance(answer, dict) else None


def _page(token: str, view: View, status: int = 200, **extra: Any) -> tuple[str, int]:
    answer = recorded_answer(view)
    return render(
        "web/approval.html",
        status,
        view=view,
        d=view.data,
        answer=answer,
        keys=None if answer else form_keys(token),
        thanks=request.args.get("done") == "1",
        **extra,
    )


@bp.get("/a/<token>")
def show(token: str) -> tuple[str, int]:
    return _page(token, open_link("approval", token))


@bp.post("/a/<token>")
def answer(token: str) -> Response | tuple[str, int]:
    view = open_link("approval", token)
    idem = checked_idem(token)
    s = services()
    if recorded_answer(view) is not None:
        # this very form sent twice (a double click) was recorded: thank it again
        return see_other(f"/a/{token}?done=1") if s.journal.by_idem(idem) else _page(token, view, 409)
    decision = request.form.get("decision", "")
    comment = clean_text(request.form.get("comment"))
    name = clean_text(request.form.get("name"), MAX_NAME)
    if decision not in DECISIONS:
        return _page(token, view, 400, error="Please choose Approve or Request changes.")
    if decision == "changes" and not comment:
        return _page(
            token,
            view,
            400,
            error="Please tell us what you would like changed.",
            comment=comment,
            name=name,
        )
    sub = Submission(
        kind="approval",
        ref=view.id,
        fingerprint=view.fingerprint,
        payload={
            "decision": decision,
            "comment": comment,
            "name": name,
            "order_ref": view.data.get("order_ref"),
        },
        received_at=s.now(),
        idem=idem,
    )
    try:
        s.journal.record(sub, exclusive=True)
    except JournalError:
        raise PageError(
            503,
            "Please try again",
            "We could not record your answer just now. Please try again in a few minutes.",
        ) from None
    return see_other(f"/a/{token}?done=1")
