"""Partner problems through whole syncs (MemoryBackend, real SMTP on 127.0.0.1): the alert
to the manager when a partner reports, a second one when 4 working hours pass without a
decision, none once the Decision is written; then the decision to the partner, each
version exactly once (a crash between the write and the sending included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from sheets_sync.backends.base import ChangeSet, WriteResult
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.contract import PARTNER_PROBLEMS
from sheets_sync.mail.ledger import INTENT, SENDING, SENT, Ledger
from sheets_sync.mail.mailer import Mailer
from sheets_sync.sync import SyncReport
from tests.mail.conftest import MONDAY, Desk, Inbox, at, config_for, smtp_mailer, workbook

FRIDAY = date(2026, 3, 6)
NEXT_MONDAY = date(2026, 3, 9)
REPORTED = at(FRIDAY, 16, 30)
PID = "web-5f0c1e"
TAB = PARTNER_PROBLEMS.name


class PowerCut(BaseException):
    """The process dies: nothing after it runs."""


class LosesPowerAfterWriting(MemoryBackend):
    """A workbook whose write lands, after which the process dies (when armed)."""

    armed = False

    def write(self, changes: ChangeSet) -> WriteResult:
        result = super().write(changes)
        if self.armed:
            self.armed = False
            raise PowerCut("the power went right after the workbook was written")
        return result


def desk(tmp_path: Path, inbox: Inbox, mailer: Mailer | None = None) -> Desk:
    port: int = inbox.port  # type: ignore[attr-defined]
    config = config_for(tmp_path, port)
    return Desk(LosesPowerAfterWriting(workbook().tabs), config, Ledger(config.mail.ledger_path),
                mailer or smtp_mailer(config, port))


def put(d: Desk, tab: str, key: str, header: str, value: object) -> None:
    grid = d.backend.grid(tab)
    col = grid[0].index(header)
    row = next(r for r in grid[1:] if r and r[0] == key)
    row.extend([None] * (col + 1 - len(row)))
    row[col] = value


def report_problem(d: Desk, when: datetime, text: str, pid: str = PID) -> None:
    """The row the journal's flush appends when the partner sends the launch page's
    "Report a problem" form (the whole web path is in tests/web/test_problem_loop.py)."""
    grid = d.backend.tabs.setdefault(TAB, [list(PARTNER_PROBLEMS.headers)])
    values = {"Problem ID": pid, "Launch ID": "L-0001", "Order Ref": "A-1001", "Partner": "P-1",
              "Reported At": when.replace(tzinfo=None), "Report": text}
    grid.append([values.get(str(h)) for h in grid[0]])


def decide(d: Desk, text: str, by: str = "Marc", pid: str = PID) -> None:
    put(d, TAB, pid, "Decision", text)
    put(d, TAB, pid, "Decided By", by)


def mails(inbox: Inbox, prefix: str = "problem") -> list[tuple[str, list[str], str]]:
    return [(m.sync_id.split(":")[1], m.rcpt, m.subject) for m in inbox.mails
            if m.sync_id.split(":")[1].startswith(prefix)]


def launched_and_acknowledged(tmp_path: Path, inbox: Inbox, mailer: Mailer | None = None) -> Desk:
    d = desk(tmp_path, inbox, mailer)
    d.sync(at(MONDAY, 9, 0))  # the launch notice goes out
    put(d, "Launches", "L-0001", "⚙ Acknowledged At", at(MONDAY, 10, 15).replace(tzinfo=None))
    d.sync(at(MONDAY, 10, 20))
    assert d.cell("Launches", "L-0001", "⚙ State") == "Acknowledged"
    return d


def test_problem_alert_then_a_second_one_after_four_working_hours(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    d.sync(at(FRIDAY, 16, 40))
    assert d.cell("Launches", "L-0001", "⚙ State") == "Problem"
    assert d.cell("Launches", "L-0001", "⚙ Problem") == (
        "1 open, reported 06/03/2026 16:30: Sprue too thin for the claw setting")
    assert d.cell(TAB, PID, "⚙ State") == "Awaiting decision"
    assert mails(inbox) == [
        (
            "problem_alert",
            ["manager@example.com"],
            "Problem reported on L-0001 by Fonderie Lyon (order A-1001)",
        )
    ]
    first = next(m for m in inbox.mails if "problem_alert" in m.sync_id)
    assert "Sprue too thin for the claw setting" in first.part("plain")
    assert "Sprue too thin for the claw setting" in first.part("html")
    assert f"Partner Problems tab, row {PID}" in first.part("plain")
    # Friday 16:30 + 4 working hours (09:00-18:00): 1.5 h on Friday, 2.5 h on Monday
    for moment in (at(FRIDAY, 17, 50), at(date(2026, 3, 7), 11, 30), at(NEXT_MONDAY, 9, 0),
                   at(NEXT_MONDAY, 11, 20)):
        d.sync(moment)
    assert len(mails(inbox)) == 1
    d.sync(at(NEXT_MONDAY, 11, 30))
    assert mails(inbox)[1] == (
        "problem_second_alert",
        ["manager@example.com"],
        "Still undecided: problem on L-0001 (order A-1001)",
    )
    second = inbox.mails[-1]
    assert second.sync_id == (f"email:problem_second_alert:L-0001#{PID}:manager@example.com:"
                              "20260309T1030Z")  # due Monday 11:30 Paris
    assert second.sync_id in d.activity_ids()
    assert d.ledger.get(second.sync_id).status == SENT  # type: ignore[union-attr]
    # no third one, however many syncs follow
    for minute in (40, 50):
        d.sync(at(NEXT_MONDAY, 11, minute))
    d.sync(at(NEXT_MONDAY, 15, 0))
    assert [k for k, _, _ in mails(inbox)] == ["problem_alert", "problem_second_alert"]


def test_a_decision_at_1000_stops_the_second_alert_and_reaches_the_partner_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    d.sync(at(FRIDAY, 16, 40))
    assert [k for k, _, _ in mails(inbox)] == ["problem_alert"]
    # Monday 10:00 the manager writes the decision in the problem's row
    decide(d, "Recast with a 3 mm sprue; we cover the metal.")
    d.sync(at(NEXT_MONDAY, 10, 0))
    assert d.cell(TAB, PID, "⚙ Decided At") == datetime(2026, 3, 9, 10, 0)
    assert d.cell(TAB, PID, "⚙ Hours To Decision") == 2.5  # 1.5 h Friday + 1 h Monday
    assert d.cell(TAB, PID, "⚙ State") == "Sent"
    assert d.cell(TAB, PID, "⚙ Sent Decision") == "Recast with a 3 mm sprue; we cover the metal."
    assert d.cell(TAB, PID, "⚙ Version") == 1
    assert d.cell("Launches", "L-0001", "⚙ State") == "Acknowledged"
    assert d.cell("Launches", "L-0001", "⚙ Problem") == "none open"
    for moment in (at(NEXT_MONDAY, 11, 30), at(NEXT_MONDAY, 11, 40), at(NEXT_MONDAY, 17, 0)):
        d.sync(moment)
    assert mails(inbox) == [
        ("problem_alert", ["manager@example.com"],
         "Problem reported on L-0001 by Fonderie Lyon (order A-1001)"),
        ("problem_decision", ["caster@example.com"],
         "Decision on your report about L-0001 (order A-1001)"),
    ]
    decision = next(m for m in inbox.mails if "problem_decision" in m.sync_id)
    text = decision.part("plain").replace("\r\n", "\n")
    assert "> Sprue too thin for the claw setting" in text  # the report quoted
    assert "Our decision (Marc):\nRecast with a 3 mm sprue; we cover the metal." in text
    assert "https://desk.example/p/L-0001-token#problems" in text  # the launch link, at the thread
    assert "Sprue too thin for the claw setting" in decision.part("html")
    assert d.cell(TAB, PID, "⚙ Decided At") == datetime(2026, 3, 9, 10, 0)  # stamped once


def test_decided_at_1400_is_not_within_four_working_hours(tmp_path: Path, inbox: Inbox) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    d.sync(at(FRIDAY, 16, 40))
    decide(d, "Recast")
    d.sync(at(NEXT_MONDAY, 14, 0))
    assert d.cell(TAB, PID, "⚙ Hours To Decision") == 6.5  # 1.5 h Friday + 5 h Monday


def test_each_edit_of_a_decision_is_sent_once_as_a_correction(tmp_path: Path, inbox: Inbox) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    decide(d, "Recast with a 3 mm sprue")
    d.sync(at(NEXT_MONDAY, 10, 0))
    decide(d, "Recast with a 3.5 mm sprue")  # edited after it went out
    for minute in (10, 20, 30):
        d.sync(at(NEXT_MONDAY, 10, minute))
    decide(d, "Recast with a 3 mm sprue")  # back to the first words: still a new version
    d.sync(at(NEXT_MONDAY, 11, 0))
    d.sync(at(NEXT_MONDAY, 11, 10))
    decisions = [m for m in inbox.mails if "problem_decision" in m.sync_id]
    assert [m.subject.split(":")[0] for m in decisions] == [
        "Decision on your report about L-0001 (order A-1001)", "Correction", "Correction"]
    assert [m.sync_id.split(":")[2] for m in decisions] == [
        f"L-0001#{PID}#1", f"L-0001#{PID}#2", f"L-0001#{PID}#3"]
    assert "CORRECTION" in decisions[1].part("plain")
    assert "Recast with a 3.5 mm sprue" in decisions[1].part("plain")
    assert d.cell(TAB, PID, "⚙ Version") == 3
    assert d.cell(TAB, PID, "⚙ Decided At") == datetime(2026, 3, 9, 10, 0)


def test_a_problem_reported_at_night_is_alerted_at_opening(tmp_path: Path, inbox: Inbox) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, at(FRIDAY, 21, 5), "Cracked sprue")
    d.sync(at(FRIDAY, 21, 10))
    d.sync(at(date(2026, 3, 8), 12, 0))  # Sunday: emails wait
    assert mails(inbox) == []
    d.sync(at(NEXT_MONDAY, 9, 0))
    assert [k for k, _, _ in mails(inbox)] == ["problem_alert"]
    # 4 working hours from the report (outside hours: counted from Monday 09:00): 13:00
    d.sync(at(NEXT_MONDAY, 12, 50))
    assert len(mails(inbox)) == 1
    d.sync(at(NEXT_MONDAY, 13, 0))
    assert [k for k, _, _ in mails(inbox)] == ["problem_alert", "problem_second_alert"]


def test_two_reports_on_one_launch_each_keep_their_row_and_their_decision(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin", pid="web-a")
    report_problem(d, at(NEXT_MONDAY, 9, 45), "Two stones missing from the parcel", pid="web-b")
    d.sync(at(NEXT_MONDAY, 9, 50))
    assert d.cell("Launches", "L-0001", "⚙ Problem") == (
        "2 open, latest reported 09/03/2026 09:45: Two stones missing from the parcel")
    decide(d, "Recast", pid="web-a")
    d.sync(at(NEXT_MONDAY, 10, 0))
    assert d.cell("Launches", "L-0001", "⚙ State") == "Problem"  # web-b is still open
    decide(d, "We send the two stones today", pid="web-b")
    d.sync(at(NEXT_MONDAY, 10, 10))
    assert d.cell("Launches", "L-0001", "⚙ State") == "Acknowledged"
    assert sorted(m.sync_id.split(":")[2] for m in inbox.mails if "problem_decision" in m.sync_id) == [
        "L-0001#web-a#1", "L-0001#web-b#1"]


def test_a_crash_between_the_write_and_the_sending_sends_the_decision_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    d.sync(at(FRIDAY, 16, 40))
    decide(d, "Recast with a 3 mm sprue")
    assert isinstance(d.backend, LosesPowerAfterWriting)
    d.backend.armed = True
    with pytest.raises(PowerCut):
        d.sync(at(NEXT_MONDAY, 10, 0))
    # the write landed: Activity has the decision's id, the ledger its intent, nothing sent
    (entry,) = [e for e in d.ledger.entries() if e.kind == "problem_decision"]
    assert entry.status == INTENT and entry.id in d.activity_ids()
    assert mails(inbox, "problem_decision") == []
    assert d.cell(TAB, PID, "⚙ Version") == 1
    for minute in (10, 20, 30):  # the reruns: sent by the first, never again
        d.sync(at(NEXT_MONDAY, 10, minute))
    assert [m.sync_id for m in inbox.mails if "problem_decision" in m.sync_id] == [entry.id]
    assert d.ledger.get(entry.id).status == SENT  # type: ignore[union-attr]


def test_a_crash_in_the_middle_of_sending_is_reported_never_resent(
    tmp_path: Path, inbox: Inbox
) -> None:
    port: int = inbox.port  # type: ignore[attr-defined]

    class CrashAfterSend:
        def __init__(self, inner: Mailer) -> None:
            self.inner, self.armed = inner, True

        def describe(self) -> str:
            return "crashes once"

        def send(self, message: object, email_id: str) -> None:
            self.inner.send(message, email_id)  # type: ignore[arg-type]
            if self.armed and ":problem_decision:" in email_id:
                self.armed = False
                raise RuntimeError("power cut right after the server said 250")

    config = config_for(tmp_path, port)
    d = launched_and_acknowledged(tmp_path, inbox, CrashAfterSend(smtp_mailer(config, port)))
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    decide(d, "Recast with a 3 mm sprue")
    report: SyncReport = d.sync(at(NEXT_MONDAY, 10, 0))
    assert report.after_write_errors
    for minute in (10, 20):
        d.sync(at(NEXT_MONDAY, 10, minute))
    assert len(mails(inbox, "problem_decision")) == 1
    assert [e.kind for e in d.ledger.entries(SENDING)] == ["problem_decision"]
    d.sync(at(date(2026, 3, 10), 8, 0))  # the next morning's digest says so
    digest = inbox.mails[-1]
    assert ":digest:2026-03-10:" in digest.sync_id
    assert "problem decision to caster@example.com about L-0001" in digest.part("plain")


def test_without_a_manager_address_the_alert_is_a_problem_naming_the_report(
    tmp_path: Path, inbox: Inbox
) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    d.config = replace(d.config, workshop=replace(d.config.workshop, manager_email=""))
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    report = d.sync(at(FRIDAY, 16, 40))
    (problem,) = [p for p in report.problems if p.tab == "Config"]
    assert problem.message.endswith(
        f"the problem alert for L-0001 (report {PID}) cannot be sent")
    assert mails(inbox) == []
