"""Each email the rules decide, in full (kind, reference, recipient, due moment, where a bad
address is reported, the ⚙ stamp, the order): one launch and one approval in March 2026,
Paris, Monday to Friday 09:00-18:00. The worked story is in tests/mail/test_notices_rules.py."""

from __future__ import annotations

import time as systime
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.domain import notices as dn
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.model import Approval, Client, Launch, Order, Partner
from sheets_sync.domain.notices import Notice, Stamp

PARIS = ZoneInfo("Europe/Paris")
CAL = make_calendar("Europe/Paris", holidays={date(2026, 3, 6)})  # Friday 6 March off
RULES = dn.Rules(manager_email="manager@example.com", approval_reminder_days=3)
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 3, d) for d in range(2, 9))
NEXT_MON = date(2026, 3, 9)

ORDER = Order("A-1001", row=2, client="C-1", alloy="18KY", size="52", target_weight=6.2)
PARTNER = Partner("P-1", "Fonderie Lyon", "Casting", row=2, email="caster@example.com", ack_hours=12,
                  escalate_hours=30)
LAUNCH = Launch("L-1", "A-1001", "P-1", "Casting", TUE, row=2)
CLIENT = Client("C-1", "Mme Durand", row=2, email="durand@example.com")
APPROVAL = Approval("AP-1", "A-1001", "Wax", row=2, requested=TUE)
PARTNER_PLACE = ("Partners", "P-1")
MANAGER_PLACE = ("Config", "workshop.manager_email")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=PARIS)


def launch(**kw: object) -> dn.LaunchFacts:
    return replace(dn.LaunchFacts(LAUNCH, ORDER, PARTNER, "Ready"), **kw)  # type: ignore[arg-type]


def test_the_launch_notice_in_full_and_without_an_address() -> None:
    assert dn.launch_notices(launch(), CAL, at(TUE, 9), RULES) == [
        Notice("launch_notice", "L-1", "caster@example.com", at(TUE, 9), PARTNER_PLACE,
               Stamp("Launches", "L-1", "Sent At"), "A-1001")]
    [blank] = dn.launch_notices(launch(partner=replace(PARTNER, email=None)), CAL, at(TUE, 9), RULES)
    assert (blank.recipient, blank.address_place) == ("", PARTNER_PLACE)
    [unknown] = dn.launch_notices(launch(partner=None), CAL, at(TUE, 9), RULES)
    assert (unknown.recipient, unknown.address_place) == ("", ("Partners", "P-1"))
    # acknowledged before it was recorded as sent: nothing to send
    assert dn.launch_notices(launch(acknowledged_at=at(TUE, 8)), CAL, at(TUE, 10), RULES) == []


def test_the_reminder_and_the_escalation_in_full() -> None:
    sent = launch(state="Sent", sent_at=at(TUE, 9))
    assert dn.launch_notices(sent, CAL, at(WED, 15), RULES) == [
        Notice("ack_reminder", "L-1", "caster@example.com", at(TUE, 21), PARTNER_PLACE,
               Stamp("Launches", "L-1", "Reminded At"), "A-1001"),
        Notice("escalation", "L-1", "manager@example.com", at(WED, 15), MANAGER_PLACE,
               Stamp("Launches", "L-1", "Escalated At"), "A-1001"),
    ]
    reminded = replace(sent, reminded_at=at(TUE, 21))
    assert [n.kind for n in dn.launch_notices(reminded, CAL, at(WED, 15), RULES)] == ["escalation"]
    assert dn.launch_notices(replace(reminded, escalated_at=at(WED, 15)), CAL, at(WED, 16), RULES) == []


def approval(**kw: object) -> dn.ApprovalFacts:
    return replace(dn.ApprovalFacts(APPROVAL, ORDER, CLIENT, "Pending"), **kw)  # type: ignore[arg-type]


def test_the_approval_request_and_reminder_in_full() -> None:
    assert dn.approval_notices(approval(), CAL, at(TUE, 9), RULES, MON) == [
        Notice("approval_request", "AP-1", "durand@example.com", at(TUE, 9), ("Clients", "C-1"),
               Stamp("Approvals", "AP-1", "Sent At"), "A-1001")]
    # sent Tuesday 10:15; 3 working days on, Friday 6 March is off: Monday 09:00 + 10:15
    sent = approval(sent_at=at(TUE, 10, 15))
    assert dn.approval_notices(sent, CAL, at(NEXT_MON, 10, 14), RULES, MON) == []
    assert dn.approval_notices(sent, CAL, at(NEXT_MON, 10, 15), RULES, MON) == [
        Notice("approval_reminder", "AP-1", "durand@example.com", at(NEXT_MON, 10, 15), ("Clients", "C-1"),
               Stamp("Approvals", "AP-1", "Reminded At"), "A-1001")]
    sooner = dn.Rules("manager@example.com", approval_reminder_days=1)
    [r] = dn.approval_notices(sent, CAL, at(WED, 10, 15), sooner, MON)
    assert r.due == at(WED, 10, 15)


def test_an_approval_without_a_client_row_is_placed_by_the_order_client() -> None:
    [a] = dn.approval_notices(approval(client=None), CAL, at(TUE, 9), RULES, MON)
    assert (a.recipient, a.address_place) == ("", ("Clients", "C-1"))
    [b] = dn.approval_notices(approval(client=None, order=None), CAL, at(TUE, 9), RULES, MON)
    assert b.address_place == ("Clients", "")
    [c] = dn.approval_notices(approval(client=None, order=replace(ORDER, client=None)), CAL, at(TUE, 9),
                              RULES, MON)
    assert c.address_place == ("Clients", "")
    [d] = dn.approval_notices(approval(client=replace(CLIENT, email=None)), CAL, at(TUE, 9), RULES, MON)
    assert d.recipient == ""


def test_every_due_email_of_launches_and_approvals_in_order() -> None:
    got = dn.all_due([launch(), launch(launch=replace(LAUNCH, launch_id="L-2"))],
                     [(approval(), MON), (approval(approval=replace(APPROVAL, approval_id="AP-2")), MON)],
                     CAL, at(TUE, 9), RULES)
    assert [(n.kind, n.ref) for n in got] == [("launch_notice", "L-1"), ("launch_notice", "L-2"),
                                              ("approval_request", "AP-1"), ("approval_request", "AP-2")]
    assert dn.all_due([], [], CAL, at(TUE, 9), RULES) == []


def test_emails_wait_for_the_next_opening() -> None:
    assert dn.next_sending_time(CAL, at(TUE, 10, 30)) == at(TUE, 10, 30)
    assert dn.next_sending_time(CAL, at(TUE, 7, 0)) == at(TUE, 9)
    assert dn.next_sending_time(CAL, at(TUE, 18, 0)) == at(WED, 9)
    assert dn.next_sending_time(CAL, at(THU, 19, 0)) == at(NEXT_MON, 9)  # Friday is a holiday
    assert dn.next_sending_time(CAL, at(SAT, 7, 0)) == at(NEXT_MON, 9)
    assert dn.next_sending_time(CAL, datetime(2026, 3, 3, 6, 0, tzinfo=ZoneInfo("UTC"))) == at(TUE, 9)
    assert dn.next_sending_time(CAL, datetime(2026, 3, 3, 10, 0)) == at(TUE, 10)
    assert dn.is_sending_time(CAL, datetime(2026, 3, 3, 9, 0))


def test_the_digest_in_full_once_its_time_has_come_on_a_working_day() -> None:
    staff = ["a@example.com", "b@example.com"]
    place = ("Config", "workshop.staff_emails")
    assert dn.digest_notices(CAL, at(TUE, 8, 0), time(8, 0), staff) == [
        Notice("digest", "2026-03-03", "a@example.com", at(TUE, 8), place),
        Notice("digest", "2026-03-03", "b@example.com", at(TUE, 8), place),
    ]
    assert dn.digest_notices(CAL, at(TUE, 7, 59), time(8, 0), staff) == []
    assert dn.digest_notices(CAL, at(FRI, 9, 0), time(8, 0), staff) == []  # a holiday
    assert dn.digest_notices(CAL, at(TUE, 7, 0), time(8, 0), staff, force=True) == [
        Notice("digest", "2026-03-03", "a@example.com", at(TUE, 8), place),
        Notice("digest", "2026-03-03", "b@example.com", at(TUE, 8), place),
    ]
    assert dn.digest_notices(CAL, at(SUN, 23, 30), time(8, 0), ["a@example.com"], force=True)[0].ref == (
        "2026-03-08"
    )
    assert dn.digest_moment(CAL, WED, time(7, 45)) == at(WED, 7, 45)


def test_an_id_from_a_naive_moment_uses_its_own_words() -> None:
    assert dn.notice_id("digest", "2026-03-03", " Staff@Example.com ", datetime(2026, 3, 3, 8, 0)) == (
        "email:digest:2026-03-03:staff@example.com:2026-03-03T08:00:00"
    )
    notice = Notice("digest", "2026-03-03", "a@example.com", at(TUE, 8), ("Config", "x"))
    assert notice.id == "email:digest:2026-03-03:a@example.com:20260303T0700Z"
    assert (notice.stamp, notice.order_ref, notice.marks) == (None, "", ())
    assert dn.KINDS[0] == "launch_notice" and len(dn.KINDS) == 9 and dn.DIGEST == "digest"


def test_a_launch_naming_its_partner_by_name_is_placed_by_the_partner_id() -> None:
    by_name = launch(launch=replace(LAUNCH, partner="fonderie lyon"))
    [n] = dn.launch_notices(by_name, CAL, at(TUE, 9), RULES)
    assert n.address_place == ("Partners", "P-1")
    named = approval(order=replace(ORDER, client="Mme Durand"))
    [a] = dn.approval_notices(named, CAL, at(TUE, 9), RULES, MON)
    assert a.address_place == ("Clients", "C-1")


def test_an_id_is_in_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    systime.tzset()
    try:
        assert dn.notice_id("digest", "2026-03-03", "a@example.com", at(TUE, 8)) == (
            "email:digest:2026-03-03:a@example.com:20260303T0700Z")
    finally:
        monkeypatch.undo()
        systime.tzset()
