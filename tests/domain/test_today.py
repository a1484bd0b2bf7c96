"""The desk on Wednesday 6 May 2026 at 11:00 in Paris: what must be acted on, in order."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.domain import today as dt
from sheets_sync.domain.calendar import WorkCalendar
from sheets_sync.domain.model import Approval, Client, Launch, Order, Partner, PartnerProblem
from sheets_sync.domain.notices import ApprovalFacts, LaunchFacts
from sheets_sync.domain.partner_problems import ProblemFacts

PARIS = ZoneInfo("Europe/Paris")
CAL = WorkCalendar(tz=PARIS, holidays=frozenset({date(2026, 5, 1)}))  # Labour Day, a Friday
NOW = datetime(2026, 5, 6, 11, 0, tzinfo=PARIS)  # a Wednesday
TODAY = NOW.date()
CASTER = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2, ack_hours=24, escalate_hours=48)
ORDER = Order("JW-2320", row=2, piece_type="Ring", alloy="18KY")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=PARIS)


def launch(lid: str, state: str, *, sent: datetime | None = None,
           day: date = date(2026, 5, 4)) -> LaunchFacts:
    la = Launch(lid, "JW-2320", "P-CAST", "Casting", day, row=2, due=date(2026, 5, 12))
    return LaunchFacts(la, ORDER, CASTER, state, sent_at=sent,
                       open_problems=1 if state == "Problem" else 0)


def report(pid: str, text: str, reported: datetime, decision: str | None = None) -> ProblemFacts:
    la = Launch("L-012", "JW-2320", "P-CAST", "Casting", date(2026, 5, 4), row=2)
    problem = PartnerProblem(pid, "L-012", reported.replace(tzinfo=None), text, row=2,
                             order_ref="JW-2320", partner="P-CAST", decision=decision)
    return ProblemFacts(problem, la, CASTER)


def test_late_pieces_come_first_and_the_most_behind_leads() -> None:
    pieces = [
        dt.PieceFacts("JW-2301", "Ring", "On track", 6, "Polishing", date(2026, 5, 14),
                      date(2026, 5, 20), "Noor (artisan)"),
        dt.PieceFacts("JW-2307", "Bracelet", "Late", -1, "Quality control", date(2026, 5, 5),
                      date(2026, 5, 6), "Sam (artisan)"),
        dt.PieceFacts("JW-2306", "Signet", "Late", -4, "Quality control", date(2026, 4, 29),
                      date(2026, 4, 30), "Ana (artisan)"),
        dt.PieceFacts("JW-2310", "Ring", "At risk", 1, "Stone setting", date(2026, 5, 8),
                      date(2026, 5, 12), "Fonderie Lumière (partner)"),
    ]
    actions = dt.desk_list(dt.piece_actions(pieces, TODAY))
    assert [(a.urgency_word, a.key, a.waiting) for a in actions] == [
        ("Now", "JW-2306", "4 working days behind"),
        ("Now", "JW-2307", "1 working day behind"),
        ("Today", "JW-2310", "1 working day to spare"),
    ]
    first = actions[0]
    assert first.what == ("JW-2306 Signet: late, Quality control due 29/04/2026, "
                          "slack -4 working days, promised 30/04/2026")
    assert (first.who, first.since, first.tab) == ("Ana (artisan)", date(2026, 4, 29), "Orders")
    assert actions[2].since is None  # nothing has slipped yet


def test_launches_blocked_waiting_overdue_escalated_and_problems() -> None:
    facts = [
        # sent Monday 09:00, acknowledgement due Tuesday 09:00: overdue by now
        (launch("L-009", "Overdue", sent=at(4, 9)), ""),
        # sent Tuesday 14:00: due Wednesday 14:00, awaits acknowledgement
        (launch("L-010", "Sent", sent=at(5, 14)), ""),
        # the sheet lacks a CAD file, its Launch Date (Monday) has come
        (launch("L-015", "Blocked: incomplete sheet"), "CAD file"),
        # launch date next week: not late yet
        (launch("L-031", "Blocked: incomplete sheet", day=date(2026, 5, 11)), "size"),
        # in state Problem: on the desk by its reports (problem_actions), not here
        (launch("L-012", "Problem", sent=at(4, 9)), ""),
        (launch("L-011", "Acknowledged", sent=at(4, 9)), ""),
        (launch("L-014", "Ready"), ""),
    ]
    # a problem reported at 09:30 today: 1.5 working hours of the 4
    reports = [report("web-1", "sprue too thin", at(6, 9, 30))]
    actions = dt.desk_list(dt.launch_actions(facts, CAL, NOW),
                           dt.problem_actions(reports, CAL, NOW, 4.0))
    assert [(a.urgency_word, a.section, a.key, a.waiting) for a in actions] == [
        ("Now", dt.ACK_OVERDUE, "L-009", "50 h since sent"),
        ("Now", dt.BLOCKED, "L-015", "2 working days past its launch date"),
        ("Today", dt.PARTNER_PROBLEMS, "web-1", "1.5 h of 4 working h"),
        ("Today", dt.BLOCKED, "L-031", "launch date 11/05/2026"),
        ("This week", dt.AWAITING_ACK, "L-010", "21 h since sent"),
    ]
    overdue, _, problem, _, waiting = actions
    assert overdue.what == ("L-009 (JW-2320, Casting with Fonderie Lumière) not acknowledged, "
                            "due 05/05/2026 09:00 (overdue)")
    assert overdue.who == "Chase Fonderie Lumière" and overdue.since == at(4, 9)
    assert problem.what == ("L-012 (JW-2320, Casting with Fonderie Lumière) reported: sprue too "
                            "thin; decide by 06/05/2026 13:30")
    assert (problem.who, problem.tab) == ("Manager: write the Decision", "Partner Problems")
    assert waiting.who == "Fonderie Lumière"


def test_a_problem_undecided_after_four_working_hours_is_now() -> None:
    # reported Tuesday 16:30: 1.5 h on Tuesday + 2 h this morning = 3.5 h at 11:00 ...
    reports = [report("web-2", "stone chipped", at(5, 16, 30)),
               report("web-3", "prong bent", at(5, 10), decision="Re-tip the prong, we pay")]
    (a,) = dt.problem_actions(reports, CAL, NOW, 4.0)  # the decided one is not on the desk
    assert (a.urgency_word, a.key, a.waiting) == ("Today", "web-2", "3.5 h of 4 working h")
    # ... and 4.5 h at noon: the decision (due 11:30) is overdue
    (b,) = dt.problem_actions(reports, CAL, at(6, 12), 4.0)
    assert (b.urgency_word, b.waiting) == ("Now", "4.5 h of 4 working h")


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    assert CAL.working_hours_between(at(5, 16, 30), at(6, 11)) == 3.5
    assert CAL.working_hours_between(datetime(2026, 4, 30, 17, 0, tzinfo=PARIS), at(4, 10)) == 2
    assert CAL.working_hours_between(at(6, 11), at(5, 11)) == 0


def test_approvals_pending_by_working_days_and_unsendable_requests() -> None:
    claire = Client("C-001", "Claire Moreau", row=2, email="claire@client.example")
    nobody = Client("C-009", "Oliver Grant", row=10)
    facts = [
        # sent Monday 27 April: 6 working days (1 May is a holiday): call the client
        ApprovalFacts(Approval("AP-027", "JW-2327", "CAD render", 2), None, claire, "Pending",
                      sent_at=datetime(2026, 4, 27, 10, 0, tzinfo=PARIS)),
        ApprovalFacts(Approval("AP-028", "JW-2328", "Wax", 3), None, claire, "Pending",
                      sent_at=at(5, 10)),
        ApprovalFacts(Approval("AP-029", "JW-2329", "CAD render", 4, requested=date(2026, 5, 6)),
                      None, nobody, "Pending"),
        ApprovalFacts(Approval("AP-030", "JW-2330", "CAD render", 5), None, claire, "Pending"),
        ApprovalFacts(Approval("AP-001", "JW-2301", "CAD render", 6), None, claire, "Approved",
                      sent_at=at(4, 10)),
    ]
    actions = dt.desk_list(dt.approval_actions(facts, CAL, NOW, pending_days=3))
    assert [(a.urgency_word, a.key, a.who, a.waiting) for a in actions] == [
        ("Today", "AP-027", "Call Claire Moreau", "6 working days"),
        ("Today", "AP-029", "Staff: add the client's email", "not sent"),
        ("This week", "AP-028", "Claire Moreau", "1 working day"),
    ]  # AP-030 goes out by itself at the next working hour: nothing to do


def test_metal_and_emails() -> None:
    metal = dt.metal_actions([
        dt.MetalFlag("Metal Stock", "18KY", "18KY in the safe: count off by -31.04 g "
                     "(tolerance 0.5 g)", date(2026, 5, 4)),
    ])
    doubts = [
        dt.EmailDoubt("email:ack_reminder:L-0001:caster@example.com:20260505T0700Z",
                      "uncertain", "ack_reminder", "L-0001", "caster@example.com",
                      "Reminder: please acknowledge L-0001", at(5, 9, 0), 1),
        dt.EmailDoubt("email:launch_notice:L-0002:x@y.example:20260506T0700Z", "failed",
                      "launch_notice", "L-0002", "x@y.example", "New job", at(6, 9, 0), 2,
                      "421 try later"),
    ]
    actions = dt.desk_list(metal, dt.email_actions(doubts, NOW))
    assert [(a.urgency_word, a.section, a.tab) for a in actions] == [
        ("Now", dt.EMAILS_UNCERTAIN, "Activity"),
        ("Today", dt.METAL, "Metal Stock"),
        ("This week", dt.EMAILS_UNDELIVERED, "Activity"),
    ]
    assert actions[0].what.startswith("ack reminder to caster@example.com about L-0001")
    assert actions[0].waiting == "26 h"
    assert actions[2].what == ("launch notice to x@y.example about L-0002: 421 try later "
                               "(2 attempts)")


def test_the_digest_carries_now_and_today_in_section_order() -> None:
    a = dt.Action(dt.THIS_WEEK, dt.AWAITING_ACK, "w", "p", None, "", "Launches", "L-1")
    b = dt.Action(dt.NOW, dt.PIECES, "x", "p", None, "", "Orders", "JW-1")
    c = dt.Action(dt.TODAY, dt.METAL, "y", "p", None, "", "Yields", "JW-2")
    d = dt.Action(dt.TODAY, dt.PIECES, "z", "p", None, "", "Orders", "JW-3")
    desk = dt.desk_list([a, b, c, d])
    assert [x.key for x in desk] == ["JW-1", "JW-3", "JW-2", "L-1"]
    assert [(t, [x.key for x in xs]) for t, xs in dt.sections(dt.needs_action_today(desk))] == [
        (dt.PIECES, ["JW-1", "JW-3"]), (dt.METAL, ["JW-2"])]
    assert b.line() == "x (p; Orders JW-1)"
