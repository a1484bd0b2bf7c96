"""What both audiences' pages share: the app's services, opening a link, forms, pictures.

``Services`` is stored in ``app.extensions["sheets_sync"]``; blueprints reach it through
``services()``. Opening a link: the token must be ours and for this purpose (else 404),
the page must still exist in the journal (else 404), be for the content the token was made
for (else 410 "a newer version was sent") and not be expired (else 410).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from sheets_sync.cells import local_time
from sheets_sync.config import Config
from sheets_sync.journal import Journal, View
from sheets_sync.links import LinkExpired, LinkInvalid, LinkSigner

MAX_TEXT = 2000  # characters kept of a comment or problem text
MAX_NAME = 120
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Services:
    config: Config
    journal: Journal
    signer: LinkSigner
    clock: Callable[[], datetime]  # aware "now"

    @property
    def upload_dir(self) -> Path:
        return Path(self.config.web.upload_dir).resolve()

    def now(self) -> datetime:
        return self.clock().astimezone(self.config.workshop.zone)

    def local(self, moment: datetime) -> datetime:
        return local_time(moment, self.config.workshop.zone)


def services() -> Services:
    found: Services = current_app.extensions["sheets_sync"]
    return found


class PageError(HTTPException):
    """An HTTP answer shown as a friendly page (``templates/web/message.html``)."""

    def __init__(self, code: int, title: str, message: str) -> None:
        super().__init__(description=message)
        self.code = code
        self.title = title


def gone(title: str, message: str) -> PageError:
    return PageError(410, title, message)


def open_link(kind: str, token: str) -> View:
    """The page behind a link, or an error page (404 / 410)."""
    s = services()
    try:
        claims = s.signer.read(token, kind, now=s.now())
        expired = None
    except LinkInvalid:
        abort(404)
    except LinkExpired as exc:
        claims, expired = exc.claims, exc
    view = s.journal.view(kind, claims.row_id)
    if view is None:
        abort(404)
    if view.fingerprint != claims.fingerprint:
        raise gone(
            "A newer version was sent",
            "What this link showed has changed since it was sent, so the workshop has sent "
            "(or will send) you a newer link. Please use the newest one, or ask the workshop.",
        )
    if expired is not None:
        raise gone(
            "This link has expired",
            "For your security links work for a limited time. Please ask the workshop for a "
            "new link.",
        )
    return view


def see_other(location: str) -> Response:
    """303 See Other to a path of this site: the answer to a form once it is stored. Only
    the status and the Location (what Flask's ``redirect`` adds, a small HTML page for
    browsers that do not follow, no browser shows)."""
    return Response(status=303, headers=[("Location", location)])


def form_keys(token: str) -> dict[str, str]:
    """Hidden fields for a new form: an idempotency key and its CSRF proof."""
    idem = secrets.token_urlsafe(16)
    return {"idem": idem, "csrf": services().signer.csrf(token, idem)}


def checked_idem(token: str) -> str:
    """The form's idempotency key once its CSRF proof is right; a 400 page otherwise."""
    idem = request.form.get("idem", "")
    csrf = request.form.get("csrf", "")
    if len(idem) > 64 or not services().signer.check_csrf(token, idem, csrf):
        raise PageError(
            400,
            "This form is out of date",
            "We could not accept this form. Please open your link again and resend.",
        )
    return idem


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str:
    """Text from a form as plain data: control characters dropped, length capped.
    (Text starting with = + - @ stays as it is; the backends store it as plain text.)"""
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    return text[:limit]


_DRIVE = (
    re.compile(r"^https://drive\.google\.com/file/d/([A-Za-z0-9_-]+)"),
    re.compile(r"^https://drive\.google\.com/(?:open|uc)\?(?:.*&)?id=([A-Za-z0-9_-]+)"),
)
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|webp|gif)(\?.*)?$", re.IGNORECASE)


def picture(link: str | None) -> dict[str, str] | None:
    """How to show a link to an image: {"src": shown image or "", "href": the link}.
    Google Drive share links become Drive thumbnails; other https image links are shown
    as they are; anything else is a plain link."""
    if not link or not link.startswith(("https://", "http://")):
        return None
    for pattern in _DRIVE:
        m = pattern.match(link)
        if m:
            return {
                "src": f"https://drive.google.com/thumbnail?id={m.group(1)}&sz=w1000",
                "href": link,
            }
    if link.startswith("https://") and _IMAGE_EXT.search(link):
        return {"src": link, "href": link}
    base = services().config.web.base_url.rstrip("/") + "/u/"
    if link.startswith(base):
        return {"src": "/u/" + link[len(base) :], "href": link}
    return {"src": "", "href": link}


def show_date(value: Any) -> str:
    """ISO dates as 21/11/2026 (day first, as the workshop writes them)."""
    text = "" if value is None else str(value)
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(.*)$", text)
    if not m:
        return text
    rest = m.group(4).strip()
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" + (f" {rest[:5]}" if rest else "")


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, workshop=services().config.workshop, **context), status
