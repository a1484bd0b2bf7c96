"""Real SMTP (aiosmtpd on 127.0.0.1): what partners, clients, the manager and staff get."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.mail.ledger import FAILED, SENT, Ledger
from tests.mail.conftest import (
    MONDAY,
    Desk,
    Inbox,
    at,
    config_for,
    free_port,
    smtp_mailer,
    workbook,
)


def desk(tmp_path: Path, port: int, **kw: str) -> Desk:
    config = config_for(tmp_path, port)
    return Desk(workbook(**kw), config, Ledger(config.mail.ledger_path), smtp_mailer(config, port))


def test_launch_notice_and_approval_request_arrive_once_with_both_parts(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = desk(tmp_path, inbox.port)  # type: ignore[attr-defined]
    d.sync(at(MONDAY, 8, 30))  # before opening: the digest only
    assert [k for k, _ in inbox.kinds()] == ["digest"]
    d.sync(at(MONDAY, 9, 0))
    by_kind = {m.sync_id.split(":")[1]: m for m in inbox.mails}
    notice = by_kind["launch_notice"]
    assert notice.rcpt == ["caster@example.com"]
    assert notice.subject == "New job L-0001: Casting (order A-1001), due 09/03/2026"
    assert "https://desk.example/p/L-0001-token" in notice.part("plain")
    assert 'href="https://desk.example/p/L-0001-token"' in notice.part("html")
    assert "Target weight:  6.2 g" in notice.part("plain")
    assert "by 03/03/2026 09:00" in notice.part("plain")  # Monday 9:00 + 24 hours
    request = by_kind["approval_request"]
    assert request.rcpt == ["durand@example.com"]
    assert request.subject == "Your approval please: cad render for order A-1001"
    assert "Dear Mme Durand" in request.part("plain")
    assert "https://desk.example/a/AP-1-token" in request.part("html")
    # the workbook says so: stamps, state, Activity rows with the emails' ids
    assert d.cell("Launches", "L-0001", "⚙ Sent At") is not None
    assert d.cell("Launches", "L-0001", "⚙ State") == "Sent"
    assert d.cell("Approvals", "AP-1", "⚙ Sent At") is not None
    assert notice.sync_id in d.activity_ids() and request.sync_id in d.activity_ids()
    assert d.ledger.get(notice.sync_id).status == SENT  # type: ignore[union-attr]
    # any number of reruns send nothing new
    for minute in (1, 2, 30):
        d.sync(at(MONDAY, 9, minute))
    assert len(inbox.mails) == 3


def test_failing_smtp_leaves_the_email_due_then_it_goes_out_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    closed = free_port()  # nobody listens: connection refused
    d = desk(tmp_path, closed)
    d.sync(at(MONDAY, 9, 0))
    entries = {e.kind: e for e in d.ledger.entries()}
    assert entries["launch_notice"].status == FAILED
    assert "cannot connect" in entries["launch_notice"].last_error
    assert inbox.mails == []
    # the server comes back; the next run after the backoff delivers, once
    d.mailer = smtp_mailer(d.config, inbox.port)  # type: ignore[attr-defined]
    d.step = d.step.__class__(d.mailer, d.ledger)
    d.sync(at(MONDAY, 9, 1))  # inside the backoff: nothing yet
    assert not [m for m in inbox.mails if "launch_notice" in m.sync_id]
    for minute in (10, 20, 30, 40):
        d.sync(at(MONDAY, 9, minute))
    # each once: the digest, which failed too, included
    assert sorted(k for k, _ in inbox.kinds()) == ["approval_request", "digest", "launch_notice"]
    assert all(e.status == SENT for e in d.ledger.entries())


def test_bad_partner_address_is_a_problem_not_a_crash(tmp_path: Path, inbox: Inbox) -> None:
    d = desk(tmp_path, inbox.port, partner_email="marc at fonderie")  # type: ignore[attr-defined]
    report = d.sync(at(MONDAY, 9, 0))
    bad = [p for p in report.problems if p.tab == "Partners" and p.column == "Email"]
    assert bad and bad[0].key == "P-1"
    assert "launch notice for L-0001 cannot be sent" in bad[0].message
    assert [k for k, _ in inbox.kinds() if k != "digest"] == ["approval_request"]
    assert d.cell("Launches", "L-0001", "⚙ Sent At") is None
    # corrected address: the notice goes out on the next run
    grid = d.backend.grid("Partners")
    grid[1][4] = "marc@fonderie.example"
    d.sync(at(MONDAY, 9, 10))
    assert ("launch_notice", "marc@fonderie.example") in inbox.kinds()
