"""Problem alerts to the manager, through whole syncs (MemoryBackend, real SMTP on
127.0.0.1): one when a partner reports a problem, a second one when 4 working hours pass
without a decision, none once the problem is decided (⚙ Problem cleared)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sheets_sync.mail.ledger import SENT, Ledger
from tests.mail.conftest import MONDAY, Desk, Inbox, at, config_for, smtp_mailer, workbook

FRIDAY = date(2026, 3, 6)
NEXT_MONDAY = date(2026, 3, 9)
REPORTED = at(FRIDAY, 16, 30)


def desk(tmp_path: Path, inbox: Inbox) -> Desk:
    port: int = inbox.port  # type: ignore[attr-defined]
    config = config_for(tmp_path, port)
    return Desk(workbook(), config, Ledger(config.mail.ledger_path), smtp_mailer(config, port))


def put(d: Desk, tab: str, key: str, header: str, value: object) -> None:
    grid = d.backend.grid(tab)
    col = grid[0].index(header)
    row = next(r for r in grid[1:] if r and r[0] == key)
    row.extend([None] * (col + 1 - len(row)))
    row[col] = value


def report_problem(d: Desk, when: datetime, text: str) -> None:
    """What the partner's web page leads to (journal flush): the ⚙ Problem cell and an
    Activity row of kind "problem"."""
    put(d, "Launches", "L-0001", "⚙ Problem", f"{when:%d/%m/%Y %H:%M} {text}")
    d.backend.grid("Activity").append(
        [when.replace(tzinfo=None), "problem", "L-0001", "Fonderie Lyon", text, "journal:42"]
    )


def alerts(inbox: Inbox) -> list[tuple[str, list[str], str]]:
    return [
        (m.sync_id.split(":")[1], m.rcpt, m.subject)
        for m in inbox.mails
        if m.sync_id.split(":")[1].startswith("problem")
    ]


def launched_and_acknowledged(tmp_path: Path, inbox: Inbox) -> Desk:
    d = desk(tmp_path, inbox)
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
    assert alerts(inbox) == [
        (
            "problem_alert",
            ["manager@example.com"],
            "Problem reported on L-0001 by Fonderie Lyon (order A-1001)",
        )
    ]
    first = next(m for m in inbox.mails if "problem_alert" in m.sync_id)
    assert "Sprue too thin for the claw setting" in first.part("plain")
    assert "Sprue too thin for the claw setting" in first.part("html")
    # Friday 16:30 + 4 working hours (09:00-18:00): 1.5 h on Friday, 2.5 h on Monday
    for moment in (at(FRIDAY, 17, 50), at(date(2026, 3, 7), 11, 30), at(NEXT_MONDAY, 9, 0),
                   at(NEXT_MONDAY, 11, 20)):
        d.sync(moment)
    assert len(alerts(inbox)) == 1
    d.sync(at(NEXT_MONDAY, 11, 30))
    assert alerts(inbox)[1] == (
        "problem_second_alert",
        ["manager@example.com"],
        "Still undecided: problem on L-0001 (order A-1001)",
    )
    second = inbox.mails[-1]
    assert second.sync_id.endswith(":20260309T1030Z")  # due Monday 11:30 Paris
    assert second.sync_id in d.activity_ids()
    assert d.ledger.get(second.sync_id).status == SENT  # type: ignore[union-attr]
    # no third one, however many syncs follow
    for minute in (40, 50):
        d.sync(at(NEXT_MONDAY, 11, minute))
    d.sync(at(NEXT_MONDAY, 15, 0))
    assert [k for k, _, _ in alerts(inbox)] == ["problem_alert", "problem_second_alert"]


def test_no_second_alert_once_the_problem_is_decided(tmp_path: Path, inbox: Inbox) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, REPORTED, "Sprue too thin for the claw setting")
    d.sync(at(FRIDAY, 16, 40))
    assert [k for k, _, _ in alerts(inbox)] == ["problem_alert"]
    # Monday 10:05 the manager decides: the problem cell is cleared
    put(d, "Launches", "L-0001", "⚙ Problem", None)
    d.sync(at(NEXT_MONDAY, 10, 10))
    assert d.cell("Launches", "L-0001", "⚙ State") == "Acknowledged"
    for moment in (at(NEXT_MONDAY, 11, 30), at(NEXT_MONDAY, 11, 40), at(NEXT_MONDAY, 17, 0)):
        d.sync(moment)
    assert [k for k, _, _ in alerts(inbox)] == ["problem_alert"]


def test_a_problem_reported_at_night_is_alerted_at_opening(tmp_path: Path, inbox: Inbox) -> None:
    d = launched_and_acknowledged(tmp_path, inbox)
    report_problem(d, at(FRIDAY, 21, 5), "Cracked sprue")
    d.sync(at(FRIDAY, 21, 10))
    d.sync(at(date(2026, 3, 8), 12, 0))  # Sunday: emails wait
    assert alerts(inbox) == []
    d.sync(at(NEXT_MONDAY, 9, 0))
    assert [k for k, _, _ in alerts(inbox)] == ["problem_alert"]
    # 4 working hours from the report (outside hours: counted from Monday 09:00): 13:00
    d.sync(at(NEXT_MONDAY, 12, 50))
    assert len(alerts(inbox)) == 1
    d.sync(at(NEXT_MONDAY, 13, 0))
    assert [k for k, _, _ in alerts(inbox)] == ["problem_alert", "problem_second_alert"]
