"""Building email messages from the jinja2 templates in templates/email/.

Each kind has ``<kind>.txt`` and ``<kind>.html`` (the HTML autoescaped: every value from a
cell is data, never markup). A message is multipart/alternative, plain text first, with
``X-Sheets-Sync-Id`` carrying the email's deterministic id and a Message-ID derived from it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .. import template_dir
from ..config import Config
from ..domain import notices as dn
from ..errors import MailError
from .mailer import parse_address

TEMPLATE_DIR = template_dir() / "email"

TEMPLATE_OF = {
    "launch_notice": "launch_notice",
    "ack_reminder": "ack_reminder",
    "escalation": "escalation",
    "problem_alert": "problem_alert",
    "problem_second_alert": "problem_alert",
    "problem_decision": "problem_decision",
    "approval_request": "approval_request",
    "approval_reminder": "approval_request",
    "digest": "digest",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def fmt_day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y")


def fmt_moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y %H:%M")


def fmt_hours(value: float | None, working: bool = False) -> str:
    if value is None:
        return "—"
    number = f"{value:g}"
    unit = "hour" if value == 1 else "hours"
    return f"{number} working {unit}" if working else f"{number} {unit}"


def fmt_grams(value: float | None) -> str:
    return "—" if value is None else f"{value:g} g"


@lru_cache(maxsize=4)
def _environments(folder: str) -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(folder)
    common: dict[str, Any] = {
        "day": fmt_day,
        "moment": fmt_moment,
        "hours": fmt_hours,
        "grams": fmt_grams,
    }
    html = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    text = jinja2.Environment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    for env in (html, text):
        env.globals.update(common)
    return text, html


def render(kind: str, context: Mapping[str, Any], folder: Path = TEMPLATE_DIR) -> tuple[str, str]:
    """(plain text, HTML) of one kind of email."""
    name = TEMPLATE_OF.get(kind)
    if name is None:
        raise MailError(f"no email template for kind {kind!r}")
    text_env, html_env = _environments(str(folder))
    try:
        text = text_env.get_template(f"{name}.txt").render(context)
        html = html_env.get_template(f"{name}.html").render(context)
    except jinja2.TemplateError as exc:
        raise MailError(f"email template {name} in {folder} failed: {exc}") from None
    return _tidy(text), html


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def one_line(text: str, limit: int = 180) -> str:
    """A subject from outside text: one line, no control characters, bounded."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def message_id(email_id: str, sender: Address) -> str:
    digest = hashlib.sha256(email_id.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{sender.domain or 'sheets-sync.invalid'}>"


def build_message(
    *,
    email_id: str,
    config: Config,
    to: Address,
    subject: str,
    context: Mapping[str, Any],
    kind: str,
    now: datetime,
) -> EmailMessage:
    """The full message for one email: headers, text part, HTML part."""
    sender = parse_address(config.mail.sender)
    subject = one_line(subject)
    full = {
        **context,
        "subject": subject,
        "email_id": email_id,
        "workshop": config.workshop,
    }
    text, html = render(kind, full)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if config.workshop.contact_email and kind not in ("digest",):
        with contextlib.suppress(MailError):
            msg["Reply-To"] = parse_address(
                config.workshop.contact_email, config.workshop.contact_name
            )
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(email_id, sender)
    msg["X-Sheets-Sync-Id"] = email_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


# The subject line of each kind of email, from the template context.
SUBJECTS: dict[str, Callable[[dict[str, Any]], str]] = {
    dn.LAUNCH_NOTICE: lambda c: (
        f"New job {c['launch'].launch_id}: {c['launch'].task} "
        f"(order {c['launch'].order_ref}), due {fmt_day(c['launch'].due)}"
    ),
    dn.ACK_REMINDER: lambda c: (
        f"Reminder: please acknowledge job {c['launch'].launch_id} (order {c['launch'].order_ref})"
    ),
    dn.ESCALATION: lambda c: (
        f"Escalation: {c['partner_name']} has not acknowledged "
        f"{c['launch'].launch_id} (order {c['launch'].order_ref})"
    ),
    dn.PROBLEM_ALERT: lambda c: (
        f"Problem reported on {c['launch_id']} by {c['partner_name']} (order {c['order_ref']})"
    ),
    dn.PROBLEM_SECOND_ALERT: lambda c: (
        f"Still undecided: problem on {c['launch_id']} (order {c['order_ref']})"
    ),
    dn.PROBLEM_DECISION: lambda c: (
        ("Correction: decision" if c["correction"] else "Decision")
        + f" on your report about {c['launch_id']} (order {c['order_ref']})"
    ),
    dn.APPROVAL_REQUEST: lambda c: (
        f"Your approval please: {c['item_lower']} for order {c['approval'].order_ref}"
    ),
    dn.APPROVAL_REMINDER: lambda c: (
        f"Reminder: your approval of the {c['item_lower']} for order {c['approval'].order_ref}"
    ),
}
