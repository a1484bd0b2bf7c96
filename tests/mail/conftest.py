"""Shared pieces for the mail tests: a real SMTP server on 127.0.0.1, a small workshop
workbook in memory, a fake clock, and a sync runner with the full step list."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.config import Config, MailConfig, WatchConfig, WorkshopConfig
from sheets_sync.mail.ledger import Ledger
from sheets_sync.mail.mailer import Mailer, SmtpMailer
from sheets_sync.pipeline import CLOSING_STEPS, CORE_STEPS
from sheets_sync.steps.mail import MailStep
from sheets_sync.sync import SyncReport, run_sync

PARIS = ZoneInfo("Europe/Paris")
G = "⚙ "


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=PARIS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage
    at: datetime | None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def sync_id(self) -> str:
        return "".join(str(self.message["X-Sheets-Sync-Id"]).split())

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())


@dataclass
class Inbox:
    clock: FakeClock | None = None
    mails: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            when = self.clock.now() if self.clock else None
            self.mails.append(Received(list(envelope.rcpt_tos), msg, when))
        return "250 Message accepted"

    def ids(self) -> list[str]:
        return [m.sync_id for m in self.mails]

    def kinds(self) -> list[tuple[str, str]]:
        return [(m.sync_id.split(":")[1], m.rcpt[0]) for m in self.mails]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.naps = 0

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.naps += 1
        self.moment += timedelta(seconds=max(seconds, 0.001))


MONDAY = date(2026, 3, 2)
HOLIDAY = date(2026, 3, 4)  # a Wednesday the workshop is closed


def workbook(partner_email: str = "caster@example.com") -> MemoryBackend:
    return MemoryBackend(
        {
            "Orders": [
                ["Order Ref", "Client", "Piece Type", "Alloy", "Size", "Quantity",
                 "Target Weight (g)", "Route", "CAD File", "Partner", "Promised Date"],
                ["A-1001", "C-1", "Ring", "AU750", "52", 1, 6.2, "Casting",
                 "https://cad.example/a1001.stl", "P-1", date(2026, 4, 15)],
            ],
            "Alloys": [
                ["Code", "Name", "Metal", "Fineness", "Specific Gravity", "Loss Alert %"],
                ["AU750", "18K yellow", "Au", 750, 15.5, 5],
            ],
            "Partners": [
                ["Partner ID", "Name", "Role", "Contact", "Email", "Ack Hours",
                 "Escalate Hours"],
                ["P-1", "Fonderie Lyon", "Casting", "Marc", partner_email, 24, 48],
            ],
            "Clients": [
                ["Client ID", "Name", "Email"],
                ["C-1", "Mme Durand", "durand@example.com"],
            ],
            "Launches": [
                ["Launch ID", "Order Ref", "Partner", "Task", "Launch Date", "Due Date",
                 G + "State", G + "Sent At", G + "Reminded At", G + "Escalated At",
                 G + "Acknowledged At", G + "Problem", G + "Link"],
                ["L-0001", "A-1001", "P-1", "Casting", MONDAY, date(2026, 3, 9),
                 None, None, None, None, None, None, "https://desk.example/p/L-0001-token"],
            ],
            "Approvals": [
                ["Approval ID", "Order Ref", "Item", "Requested", G + "State", G + "Sent At",
                 G + "Reminded At", G + "Link"],
                ["AP-1", "A-1001", "CAD render", MONDAY, None, None, None,
                 "https://desk.example/a/AP-1-token"],
            ],
            "Holidays": [["Date", "Name"], [HOLIDAY, "Closed for inventory"]],
            "Activity": [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]],
        }
    )


def config_for(tmp: Path, port: int = 25) -> Config:
    return Config(
        workshop=WorkshopConfig(
            name="Atelier Test",
            manager_email="manager@example.com",
            staff_emails=("staff@example.com",),
        ),
        mail=MailConfig(
            transport="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            outbox_dir=tmp / "outbox",
            ledger_path=tmp / "ledger.sqlite3",
            sender="Atelier Test <atelier@example.com>",
        ),
        watch=WatchConfig(sync_minutes=10),
    )


def smtp_mailer(config: Config, port: int) -> SmtpMailer:
    return SmtpMailer(replace(config.mail, smtp_port=port), timeout=5, user="", password="")


@dataclass
class Desk:
    """A workbook, a config, a ledger and a mail step: everything one sync needs."""

    backend: MemoryBackend
    config: Config
    ledger: Ledger
    mailer: Mailer
    step: MailStep = field(init=False)

    def __post_init__(self) -> None:
        self.step = MailStep(self.mailer, self.ledger)

    def sync(self, now: datetime, digest: bool = False) -> SyncReport:
        step = self.step.with_digest("force") if digest else self.step
        return run_sync(self.backend, self.config, now, [*CORE_STEPS, step, *CLOSING_STEPS])

    def cell(self, tab: str, key: str, header: str) -> Any:
        grid = self.backend.grid(tab)
        col = grid[0].index(header)
        row = next(r for r in grid[1:] if r and r[0] == key)
        return row[col] if col < len(row) else None

    def activity_ids(self) -> list[str]:
        grid = self.backend.grid("Activity")
        return [str(r[5]) for r in grid[1:] if len(r) > 5 and r[5]]
