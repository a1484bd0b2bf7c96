"""The pure rules of which emails are due (``sheets_sync.domain.notices``), worked through
with one launch and one approval in March 2026 (Paris, Monday to Friday, 09:00-18:00)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sheets_sync.domain import notices as dn
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.model import Approval, Client, Launch, Order, Partner

PARIS = ZoneInfo("Europe/Paris")
CAL = make_calendar("Europe/Paris")
RULES = dn.Rules(manager_email="manager@example.com", approval_reminder_days=3)
MON, TUE, WED, THU, FRI, SAT = (date(2026, 3, d) for d in (2, 3, 4, 5, 6, 7))
NEXT_MON = date(2026, 3, 9)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=PARIS)


ORDER = Order(ref="A-1001", row=2, client="C-1", alloy="AU750", size="52", target_weight=6.2,
              cad_file="https://cad.example/a.stl", partner="P-1")
PARTNER = Partner(partner_id="P-1", name="Fonderie Lyon", role="Casting", row=2,
                  email="caster@example.com", ack_hours=12, escalate_hours=30)
LAUNCH = Launch(launch_id="L-0001", order_ref="A-1001", partner="P-1", task="Casting",
                launch_date=TUE, row=2, due=date(2026, 3, 10))
CLIENT = Client(client_id="C-1", name="Mme Durand", row=2, email="durand@example.com")
APPROVAL = Approval(approval_id="AP-1", order_ref="A-1001", item="CAD render", row=2,
                    requested=TUE)


def facts(**kw: object) -> dn.LaunchFacts:
    base = dn.LaunchFacts(launch=LAUNCH, order=ORDER, partner=PARTNER, state="Ready")
    return replace(base, **kw)  # type: ignore[arg-type]


def due(f: dn.LaunchFacts, now: datetime) -> list[tuple[str, str, datetime]]:
    return [(n.kind, n.recipient, n.due) for n in dn.launch_notices(f, CAL, now, RULES)]


# ---- launch notice ------------------------------------------------------------------------


def test_launch_notice_is_due_from_the_launch_moment_on_its_date() -> None:
    assert due(facts(), at(MON, 17, 59)) == []  # the day before
    assert due(facts(), at(TUE, 8, 59)) == []  # before day_start on the Launch Date
    assert due(facts(), at(TUE, 9, 0)) == [("launch_notice", "caster@example.com", at(TUE, 9))]
    # still due later on, with the same due moment (hence the same id)
    assert due(facts(), at(THU, 15, 0)) == [("launch_notice", "caster@example.com", at(TUE, 9))]
    [notice] = dn.launch_notices(facts(), CAL, at(TUE, 9), RULES)
    assert notice.stamp == dn.Stamp("Launches", "L-0001", "Sent At")
    assert notice.address_place == ("Partners", "P-1")


def test_no_launch_notice_for_an_incomplete_sheet_or_without_a_launch_date() -> None:
    assert due(facts(state="Blocked: incomplete sheet"), at(WED, 10)) == []
    undated = facts(launch=replace(LAUNCH, launch_date=None))
    assert due(undated, at(WED, 10)) == []


def test_emails_leave_only_in_working_time() -> None:
    assert not dn.is_sending_time(CAL, at(TUE, 8, 59))
    assert dn.is_sending_time(CAL, at(TUE, 9, 0))
    assert dn.is_sending_time(CAL, at(TUE, 17, 59))
    assert not dn.is_sending_time(CAL, at(TUE, 18, 0))
    assert not dn.is_sending_time(CAL, at(SAT, 11, 0))
    holiday_cal = make_calendar("Europe/Paris", holidays={WED})
    assert not dn.is_sending_time(holiday_cal, at(WED, 11, 0))
    # the same instant given in UTC is judged in the workshop's zone (09:00 Paris = 08:00Z)
    assert dn.is_sending_time(CAL, at(TUE, 9, 0).astimezone(ZoneInfo("UTC")))


def test_a_launch_dated_on_a_saturday_keeps_its_due_moment() -> None:
    weekend = facts(launch=replace(LAUNCH, launch_date=SAT))
    [(kind, _, when)] = due(weekend, at(NEXT_MON, 9, 0))
    assert (kind, when) == ("launch_notice", at(SAT, 9))
    # the step holds it until Monday's opening; the id does not change meanwhile
    ids = {
        n.id
        for d in (SAT, NEXT_MON)
        for n in dn.launch_notices(weekend, CAL, at(d, 10), RULES)
    }
    assert ids == {"email:launch_notice:L-0001:caster@example.com:20260307T0800Z"}


# ---- reminder and escalation ------------------------------------------------------------


def test_reminder_at_ack_hours_then_escalation_to_the_manager() -> None:
    sent = facts(state="Sent", sent_at=at(TUE, 9, 0))
    # partner answers within 12 h: Tuesday 09:00 + 12 h = Tuesday 21:00 (elapsed hours)
    assert due(sent, at(TUE, 20, 59)) == []
    assert due(sent, at(TUE, 21, 0)) == [("ack_reminder", "caster@example.com", at(TUE, 21))]
    reminded = replace(sent, reminded_at=at(WED, 9, 0))
    assert due(reminded, at(WED, 14, 59)) == []
    # escalate after 30 h: Wednesday 15:00, to the manager, not the partner
    assert due(reminded, at(WED, 15, 0)) == [
        ("escalation", "manager@example.com", at(WED, 15))
    ]
    [esc] = dn.launch_notices(reminded, CAL, at(WED, 15), RULES)
    assert esc.stamp == dn.Stamp("Launches", "L-0001", "Escalated At")
    assert esc.address_place == ("Config", "workshop.manager_email")
    done = replace(reminded, escalated_at=at(WED, 15))
    assert due(done, at(FRI, 12, 0)) == []


def test_a_late_sending_moves_the_reminder_along() -> None:
    # the sheet was completed only on Wednesday 10:00: counted from the sending
    late = facts(state="Sent", sent_at=at(WED, 10, 0))
    assert due(late, at(WED, 21, 59)) == []
    assert due(late, at(WED, 22, 0)) == [("ack_reminder", "caster@example.com", at(WED, 22))]


def test_partner_default_hours_when_blank() -> None:
    plain = replace(PARTNER, ack_hours=0, escalate_hours=0)  # blank or 0: 24 h and 48 h
    sent = facts(partner=plain, state="Sent", sent_at=at(TUE, 9, 0))
    assert [k for k, _, _ in due(sent, at(WED, 8, 59))] == []
    assert due(sent, at(WED, 9, 0)) == [("ack_reminder", "caster@example.com", at(WED, 9))]
    assert ("escalation", "manager@example.com", at(THU, 9)) in due(sent, at(THU, 9, 0))


def test_nothing_once_acknowledged() -> None:
    acked = facts(state="Acknowledged", sent_at=at(TUE, 9), acknowledged_at=at(TUE, 11))
    for moment in (at(TUE, 21), at(WED, 15), at(NEXT_MON, 10)):
        assert due(acked, moment) == []


# ---- problem alerts (pure part) ----------------------------------------------------------


def test_no_reminder_or_escalation_while_a_problem_waits_on_us() -> None:
    # the alerts and the decision are per report (tests/domain/test_partner_problems.py)
    waiting = facts(state="Problem", sent_at=at(TUE, 9), open_problems=1)
    assert due(waiting, at(NEXT_MON, 11, 30)) == []
    # once decided, the launch is judged again: not acknowledged, long past its hours
    decided = replace(waiting, state="Escalated", open_problems=0)
    assert [k for k, _, _ in due(decided, at(NEXT_MON, 11, 30))] == ["ack_reminder", "escalation"]


# ---- approvals --------------------------------------------------------------------------


def approval(**kw: object) -> dn.ApprovalFacts:
    base = dn.ApprovalFacts(approval=APPROVAL, order=ORDER, client=CLIENT, state="Pending")
    return replace(base, **kw)  # type: ignore[arg-type]


def adue(f: dn.ApprovalFacts, now: datetime, seen: date = MON) -> list[tuple[str, datetime]]:
    return [(n.kind, n.due) for n in dn.approval_notices(f, CAL, now, RULES, seen)]


def test_approval_request_when_the_row_appears_then_one_reminder() -> None:
    assert adue(approval(), at(TUE, 8, 59)) == []
    assert adue(approval(), at(TUE, 9, 0)) == [("approval_request", at(TUE, 9))]
    [req] = dn.approval_notices(approval(), CAL, at(TUE, 9), RULES, MON)
    assert (req.recipient, req.address_place) == ("durand@example.com", ("Clients", "C-1"))
    # Requested blank: counted from the day the product first saw the row
    undated = approval(approval=replace(APPROVAL, requested=None))
    assert adue(undated, at(WED, 9, 5), seen=WED) == [("approval_request", at(WED, 9))]
    # sent Tuesday 09:40; 3 working days later: Friday 09:40, once
    sent = approval(sent_at=at(TUE, 9, 40))
    assert adue(sent, at(FRI, 9, 39)) == []
    assert adue(sent, at(FRI, 9, 40)) == [("approval_reminder", at(FRI, 9, 40))]
    assert adue(replace(sent, reminded_at=at(FRI, 9, 40)), at(NEXT_MON, 9)) == []


def test_approval_reminder_counts_working_days_only() -> None:
    sent = approval(sent_at=at(THU, 14, 0))  # Thursday + 3 working days = next Tuesday
    assert adue(sent, at(NEXT_MON, 17, 0)) == []
    assert adue(sent, at(date(2026, 3, 10), 14, 0)) == [
        ("approval_reminder", at(date(2026, 3, 10), 14))
    ]


def test_no_approval_email_once_answered() -> None:
    for state in ("Approved", "Changes requested"):
        assert adue(approval(state=state), at(TUE, 9)) == []
        assert adue(approval(state=state, sent_at=at(TUE, 9)), at(NEXT_MON, 9)) == []


# ---- ids -------------------------------------------------------------------------------


def test_ids_are_deterministic_and_name_the_recipient() -> None:
    a = dn.launch_notices(facts(), CAL, at(TUE, 9, 0), RULES)[0]
    b = dn.launch_notices(facts(), CAL, at(WED, 16, 20), RULES)[0]
    assert a.id == b.id == "email:launch_notice:L-0001:caster@example.com:20260303T0800Z"
    other = facts(partner=replace(PARTNER, email="atelier@fonderie.example"))
    c = dn.launch_notices(other, CAL, at(TUE, 9, 0), RULES)[0]
    assert c.id != a.id
    # case and spaces around an address do not make a new email
    shouty = facts(partner=replace(PARTNER, email=" Caster@Example.com "))
    assert dn.launch_notices(shouty, CAL, at(TUE, 9, 0), RULES)[0].id == a.id
    assert dn.notice_id("digest", "2026-03-03", "staff@example.com", at(TUE, 8)) == (
        "email:digest:2026-03-03:staff@example.com:20260303T0700Z"
    )


def test_digest_at_its_time_on_working_days_only() -> None:
    staff = ["staff@example.com", "boss@example.com"]
    assert dn.digest_notices(CAL, at(TUE, 7, 59), time(8, 0), staff) == []
    got = dn.digest_notices(CAL, at(TUE, 8, 0), time(8, 0), staff)
    assert [(n.recipient, n.due, n.ref) for n in got] == [
        ("staff@example.com", at(TUE, 8), "2026-03-03"),
        ("boss@example.com", at(TUE, 8), "2026-03-03"),
    ]
    assert dn.digest_notices(CAL, at(SAT, 10, 0), time(8, 0), staff) == []
    forced = dn.digest_notices(CAL, at(SAT, 10, 0), time(8, 0), staff, force=True)
    assert [n.ref for n in forced] == ["2026-03-07", "2026-03-07"]
