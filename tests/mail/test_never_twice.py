"""No email is sent twice, across processes and across a lost ledger: one id delivered by
two ledgers on one file goes out once, and a fresh ledger on a workbook whose Activity tab
already records an email never sends it again (real SMTP, aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sheets_sync.contract import PARTNER_PROBLEMS
from sheets_sync.mail.delivery import deliver
from sheets_sync.mail.ledger import SENT, Ledger
from tests.mail.conftest import MONDAY, Desk, Inbox, at, config_for, smtp_mailer, workbook

EMAIL_ID = "sheets-sync:launch_notice:L-0001:caster@example.com:20260302T0800Z"


def launch_notice() -> bytes:
    message = EmailMessage()
    message["From"] = "Atelier Test <atelier@example.com>"
    message["To"] = "caster@example.com"
    message["Subject"] = "New job L-0001: Casting (order A-1001), due 09/03/2026"
    message["X-Sheets-Sync-Id"] = EMAIL_ID
    message.set_content("Target weight: 6.2 g")
    return message.as_bytes()


def test_one_id_delivered_by_two_processes_sharing_a_ledger_goes_out_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    config = config_for(tmp_path, inbox.port)  # type: ignore[attr-defined]
    now = at(MONDAY, 9)
    # two processes: two connections on one ledger file, nothing shared in memory
    first, second = Ledger(config.mail.ledger_path), Ledger(config.mail.ledger_path)
    first.record_intent(EMAIL_ID, "launch_notice", "L-0001", "caster@example.com", "New job", now,
                        launch_notice())
    mailer = smtp_mailer(config, inbox.port)  # type: ignore[attr-defined]
    assert deliver(mailer, first, [EMAIL_ID], now) == [EMAIL_ID]
    assert deliver(mailer, second, [EMAIL_ID], now + timedelta(minutes=1)) == []
    assert deliver(mailer, first, [EMAIL_ID], now + timedelta(minutes=2)) == []
    assert inbox.ids() == [EMAIL_ID]
    entry = second.get(EMAIL_ID)
    assert entry is not None and (entry.status, entry.attempts) == (SENT, 1)


def test_two_processes_delivering_one_id_at_the_same_moment_send_it_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    config = config_for(tmp_path, inbox.port)  # type: ignore[attr-defined]
    now = at(MONDAY, 9)
    Ledger(config.mail.ledger_path).record_intent(
        EMAIL_ID, "launch_notice", "L-0001", "caster@example.com", "New job", now, launch_notice()
    )
    start = threading.Barrier(4)
    accepted: list[list[str]] = []

    def one_process() -> None:
        ledger = Ledger(config.mail.ledger_path)
        mailer = smtp_mailer(config, inbox.port)  # type: ignore[attr-defined]
        start.wait(timeout=10)
        accepted.append(deliver(mailer, ledger, [EMAIL_ID], now))

    workers = [threading.Thread(target=one_process) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert sorted(accepted) == [[], [], [], [EMAIL_ID]]
    assert inbox.ids() == [EMAIL_ID]


def test_a_fresh_ledger_on_the_same_workbook_sends_nothing_the_activity_tab_records(
    tmp_path: Path, inbox: Inbox
) -> None:
    port = inbox.port  # type: ignore[attr-defined]
    config = config_for(tmp_path / "before", port)
    desk = Desk(workbook(), config, Ledger(config.mail.ledger_path), smtp_mailer(config, port))
    desk.sync(at(MONDAY, 9), digest=True)  # the launch notice, the approval request, the digest
    # the caster reports a problem at 9:30: the manager is alerted, then again once 4 working
    # hours pass without a decision (these two have no ⚙ stamp: Activity alone remembers them)
    problems = desk.backend.tabs.setdefault(PARTNER_PROBLEMS.name, [list(PARTNER_PROBLEMS.headers)])
    report = {"Problem ID": "web-5f0c1e", "Launch ID": "L-0001", "Order Ref": "A-1001",
              "Partner": "P-1", "Reported At": at(MONDAY, 9, 30).replace(tzinfo=None),
              "Report": "The sprue is on the setting side"}
    problems.append([report.get(str(h)) for h in problems[0]])
    desk.sync(at(MONDAY, 10))
    desk.sync(at(MONDAY, 13, 45))
    sent = sorted(inbox.ids())
    kinds = sorted(i.split(":")[1] for i in sent)
    assert kinds == ["approval_request", "digest", "launch_notice", "problem_alert",
                     "problem_second_alert"]
    assert set(sent) <= set(desk.activity_ids())
    # the state folder is lost (a new disk, a new machine): a new ledger, the same workbook
    lost = config_for(tmp_path / "after", port)
    assert not lost.mail.ledger_path.exists()
    again = Desk(desk.backend, lost, Ledger(lost.mail.ledger_path), smtp_mailer(lost, port))
    for hh, mm in ((13, 46), (15, 0)):
        again.sync(at(MONDAY, hh, mm), digest=True)
    assert sorted(inbox.ids()) == sent
    assert again.step.delivered == []
