"""The schedule with a fake clock: Monday 00:00 to Thursday 12:00 in a blink, each email
once at the right working hour, none on the holiday, none twice across crashes."""

from __future__ import annotations

import itertools
import time as wall
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sheets_sync.errors import WorkbookError
from sheets_sync.mail.ledger import SENDING, SENT, Ledger
from sheets_sync.mail.mailer import Mailer
from sheets_sync.watch import Stopper, watch
from tests.mail.conftest import (
    HOLIDAY,
    MONDAY,
    PARIS,
    Desk,
    FakeClock,
    G,
    Inbox,
    at,
    config_for,
    smtp_mailer,
    workbook,
)


class CrashAfterSend:
    """Delivers, then dies before the ledger can say 'sent' (once, for one kind)."""

    def __init__(self, inner: Mailer, kind: str) -> None:
        self.inner, self.kind, self.armed = inner, kind, True

    def describe(self) -> str:
        return "crashing " + self.inner.describe()

    def send(self, message: object, email_id: str) -> None:
        self.inner.send(message, email_id)  # type: ignore[arg-type]
        if self.armed and f":{self.kind}:" in email_id:
            self.armed = False
            raise RuntimeError("power cut right after the server said 250")


def test_three_and_a_half_days_of_schedule(tmp_path: Path, inbox: Inbox) -> None:
    config = config_for(tmp_path, inbox.port)  # type: ignore[attr-defined]
    clock = FakeClock(at(MONDAY, 0, 0))
    inbox.clock = clock
    mailer = CrashAfterSend(smtp_mailer(config, inbox.port), "ack_reminder")  # type: ignore[attr-defined]
    desk = Desk(workbook(), config, Ledger(config.mail.ledger_path), mailer)
    failures = {"write": 0}

    def run(now: datetime, digest: bool) -> object:
        # the workbook cannot be written at the very sync the launch notice is due
        if now == at(MONDAY, 9, 0) and not failures["write"]:
            failures["write"] += 1
            desk.backend.fail_next_write = WorkbookError("Google said 503")
        if now == at(MONDAY, 12, 0):
            raise RuntimeError("a run that blows up is logged and the loop goes on")
        return desk.sync(now, digest)

    started = wall.perf_counter()
    runs = watch(config, run=run, now=clock.now, sleep=clock.sleep, stopper=Stopper(),
                 until=at(date_thu := MONDAY.replace(day=5), 12, 0))
    elapsed = wall.perf_counter() - started
    print(f"{runs} runs over 3.5 simulated days in {elapsed:.2f} s of wall time")

    sent = [(m.sync_id.split(":")[1], m.rcpt[0], m.at) for m in inbox.mails]
    assert runs >= 3 * 144  # every 10 minutes, day and night
    kinds = [k for k, _, _ in sent]
    # nothing twice: every id once
    assert len(inbox.ids()) == len(set(inbox.ids()))
    # launch notice: the 09:00 write failed, so nothing went; the 09:10 run sent it, once
    notice = [s for s in sent if s[0] == "launch_notice"]
    assert [(r, t) for _, r, t in notice] == [("caster@example.com", at(MONDAY, 9, 10))]
    # approval request likewise rode the 09:10 write
    assert [t for k, _, t in sent if k == "approval_request"] == [at(MONDAY, 9, 10)]
    # reminder at ack due (sent 09:10 Monday + 24 h), delivered once although the process
    # "died" right after the server accepted it; the ledger calls it uncertain
    reminder = [t for k, _, t in sent if k == "ack_reminder"]
    assert reminder == [at(MONDAY.replace(day=3), 9, 10)]
    uncertain = desk.ledger.entries(SENDING)
    assert [e.kind for e in uncertain] == ["ack_reminder"]
    # escalation was due Wednesday 09:10, a holiday: it waits for Thursday's opening
    escalation = [(r, t) for k, r, t in sent if k == "escalation"]
    assert escalation == [("manager@example.com", at(date_thu, 9, 0))]
    # digests at 08:00 on Monday and Thursday; none on the holiday; Tuesday's had nothing
    # to say (the launch was not overdue yet) and was skipped, as digest_skip_empty asks
    digests = [t for k, _, t in sent if k == "digest"]
    assert digests == [at(MONDAY, 8, 0), at(date_thu, 8, 0)]
    assert [e.ref for e in desk.ledger.entries("skipped")] == ["2026-03-03"]
    assert all(t is not None and t.date() != HOLIDAY for _, _, t in sent)
    # Thursday's digest reports the uncertain reminder instead of resending it
    thursday = next(m for m in inbox.mails if m.at == at(date_thu, 8, 0))
    assert "may or may not have gone out" in thursday.part("plain").lower()
    assert "ack reminder to caster@example.com about L-0001" in thursday.part("plain")
    assert kinds.count("ack_reminder") == 1
    assert sorted(set(kinds)) == [
        "ack_reminder", "approval_request", "digest", "escalation", "launch_notice"
    ]
    # the workbook recorded each: stamps and the escalated state
    assert desk.cell("Launches", "L-0001", "⚙ Escalated At") is not None
    assert desk.cell("Launches", "L-0001", "⚙ State") == "Escalated"
    # and re-running the sync any number of times sends nothing new
    before = len(inbox.mails)
    for minute in range(0, 50, 10):
        desk.sync(at(date_thu, 12, minute))
    assert len(inbox.mails) == before


def test_one_working_day_every_half_hour(tmp_path: Path, inbox: Inbox) -> None:
    """Tuesday 00:00 to Wednesday 00:00, a sync every 30 minutes: the digest at 08:00, the
    launch notice and the approval request at the 09:00 opening, the reminder 3 hours
    after sending, the escalation 7 hours after, each exactly once."""
    port: int = inbox.port  # type: ignore[attr-defined]
    base = config_for(tmp_path, port)
    config = replace(
        base,
        mail=replace(base.mail, digest_skip_empty=False),
        watch=replace(base.watch, sync_minutes=30),
    )
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    book = workbook()
    book.grid("Launches")[1][4] = tuesday  # Launch Date
    book.grid("Approvals")[1][3] = tuesday  # Requested
    partners = book.grid("Partners")
    partners[1][5], partners[1][6] = 3, 7  # Ack Hours, Escalate Hours
    clock = FakeClock(at(tuesday, 0, 0))
    inbox.clock = clock
    desk = Desk(book, config, Ledger(config.mail.ledger_path), smtp_mailer(config, port))
    moments: list[datetime] = []

    def run(now: datetime, digest: bool) -> object:
        moments.append(now)
        return desk.sync(now, digest)

    runs = watch(config, run=run, now=clock.now, sleep=clock.sleep, stopper=Stopper(),
                 until=at(wednesday, 0, 0))

    assert runs == 48 and len(moments) == 48
    assert moments[0] == at(tuesday, 0, 0) and moments[-1] == at(tuesday, 23, 30)
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(moments))
    sent = [(m.sync_id.split(":")[1], m.rcpt[0], m.at) for m in inbox.mails]
    assert sent == [
        ("digest", "staff@example.com", at(tuesday, 8, 0)),
        ("launch_notice", "caster@example.com", at(tuesday, 9, 0)),
        ("approval_request", "durand@example.com", at(tuesday, 9, 0)),
        ("ack_reminder", "caster@example.com", at(tuesday, 12, 0)),
        ("escalation", "manager@example.com", at(tuesday, 16, 0)),
    ]
    assert all(e.status == SENT for e in desk.ledger.entries())
    stamps = [desk.cell("Launches", "L-0001", G + c)
              for c in ("Sent At", "Reminded At", "Escalated At")]
    assert [s.replace(tzinfo=PARIS) if s.tzinfo is None else s for s in stamps] == [
        at(tuesday, 9, 0), at(tuesday, 12, 0), at(tuesday, 16, 0)
    ]
    assert desk.cell("Launches", "L-0001", G + "State") == "Escalated"
    assert sorted(i for i in desk.activity_ids() if i.startswith("email:")) == sorted(
        inbox.ids()
    )
