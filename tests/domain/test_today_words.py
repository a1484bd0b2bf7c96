"""Every Today action in full (urgency, section, words, who, since, waiting, place, weight),
on Wednesday 6 May 2026 at 11:00 in Paris (Friday 1 May, Labour Day, off): what the Today
tab and the digest say, word for word, at each edge of each source."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.domain import today as dt
from sheets_sync.domain.calendar import WorkCalendar
from sheets_sync.domain.model import Approval, Client, Launch, Order, Partner, PartnerProblem
from sheets_sync.domain.notices import ApprovalFacts, LaunchFacts
from sheets_sync.domain.partner_problems import ProblemFacts
from sheets_sync.domain.today import Action

PARIS = ZoneInfo("Europe/Paris")
CAL = WorkCalendar(tz=PARIS, holidays=frozenset({date(2026, 5, 1)}))
NOW = datetime(2026, 5, 6, 11, 0, tzinfo=PARIS)
TODAY = NOW.date()
CASTER = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2)
ORDER = Order("JW-2320", row=2, piece_type="Ring", alloy="18KY")
ABOUT = "L-9 (JW-2320, Casting with Fonderie Lumière)"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=PARIS)


def piece(risk: str, slack: int | None, stage: str | None = "Polishing",
          due: date | None = date(2026, 5, 4)) -> dt.PieceFacts:
    return dt.PieceFacts("JW-1", "Ring", risk, slack, stage, due, date(2026, 5, 20), "Noor (artisan)")


def test_a_late_piece_behind_its_stage_acts_now_weighed_by_its_slip() -> None:
    assert dt.piece_actions([piece("Late", -4)], TODAY) == [Action(
        dt.NOW, dt.PIECES,
        "JW-1 Ring: late, Polishing due 04/05/2026, slack -4 working days, promised 20/05/2026",
        "Noor (artisan)", date(2026, 5, 4), "4 working days behind", "Orders", "JW-1", 4.0)]
    (one,) = dt.piece_actions([piece("Late", -1, stage=None, due=TODAY)], TODAY)
    assert one.what == "JW-1 Ring: late, due 06/05/2026, slack -1 working day, promised 20/05/2026"
    assert (one.since, one.waiting, one.weight) == (TODAY, "1 working day behind", 1.0)


def test_a_late_piece_with_no_slip_yet_is_past_its_deadline() -> None:
    (zero,) = dt.piece_actions([piece("Late", 0, due=date(2026, 5, 7))], TODAY)
    assert (zero.urgency, zero.since, zero.waiting, zero.weight) == (dt.NOW, None, "past its deadline", 0.0)
    assert "slack 0 working days" in zero.what
    (unknown,) = dt.piece_actions([piece("Late", None, due=None)], TODAY)
    assert unknown.what == "JW-1 Ring: late, Polishing due —, slack unknown, promised 20/05/2026"
    assert (unknown.since, unknown.waiting, unknown.weight) == (None, "past its deadline", 0.0)
    (ahead,) = dt.piece_actions([piece("Late", 2)], TODAY)
    assert (ahead.waiting, ahead.weight) == ("past its deadline", 0.0)


def test_an_at_risk_piece_acts_today_the_least_spare_first() -> None:
    actions = dt.piece_actions([piece("At risk", 2), piece("At risk", 1), piece("At risk", None),
                                piece("On track", 6), piece("Delivered late", -3)], TODAY)
    assert [(a.urgency, a.waiting, a.weight, a.since) for a in actions] == [
        (dt.TODAY, "2 working days to spare", -2.0, None),
        (dt.TODAY, "1 working day to spare", -1.0, None),
        (dt.TODAY, "0 working days to spare", 0.0, None),
    ]
    assert actions[1].what == ("JW-1 Ring: at risk, Polishing due 04/05/2026, slack 1 working day, "
                               "promised 20/05/2026")


def launch(state: str, *, sent: datetime | None = None, acked: datetime | None = None,
           day: date | None = date(2026, 5, 4), task: str = "Casting",
           partner: Partner | None = CASTER) -> LaunchFacts:
    la = Launch("L-9", "JW-2320", "P-CAST", task, day, row=2, due=date(2026, 5, 12))
    return LaunchFacts(la, ORDER, partner, state, sent_at=sent, acknowledged_at=acked)


def test_a_blocked_launch_whose_date_has_come_acts_now() -> None:
    assert dt.launch_actions([(launch("Blocked: incomplete sheet"), "size, CAD file")], CAL, NOW) == [Action(
        dt.NOW, dt.BLOCKED, f"{ABOUT} cannot go out: the sheet lacks size, CAD file",
        "Staff: complete the order", at(4, 9), "2 working days past its launch date", "Launches", "L-9")]
    # at 09:00 on its launch date it has come: 0 working days past
    (a,) = dt.launch_actions([(launch("Blocked: incomplete sheet", day=TODAY), "size")], CAL, at(6, 9))
    assert (a.urgency, a.since, a.waiting) == (dt.NOW, at(6, 9), "0 working days past its launch date")
    (b,) = dt.launch_actions([(launch("Blocked: incomplete sheet", day=TODAY), "size")], CAL, at(6, 8, 59))
    assert (b.urgency, b.since, b.waiting) == (dt.TODAY, None, "launch date 06/05/2026")


def test_a_blocked_launch_with_no_date_task_or_partner_name_still_reads() -> None:
    nameless = Partner("P-CAST", "", "Casting", row=2)
    (a,) = dt.launch_actions([(launch("Blocked: incomplete sheet", day=None, task="", partner=nameless), "")],
                             CAL, NOW)
    assert a == Action(dt.TODAY, dt.BLOCKED, "L-9 (JW-2320, job with P-CAST) cannot go out: the sheet "
                       "lacks details", "Staff: complete the order", None, "launch date —", "Launches", "L-9")
    (b,) = dt.launch_actions([(launch("Blocked: incomplete sheet", partner=None), "size")], CAL, NOW)
    assert b.what.startswith("L-9 (JW-2320, Casting with P-CAST) cannot go out")


def test_overdue_and_escalated_launches_chase_the_partner_or_call_them() -> None:
    overdue, escalated = dt.launch_actions(
        [(launch("Overdue", sent=at(5, 9, 30)), ""), (launch("Escalated", sent=at(4, 9)), "")], CAL, NOW)
    assert overdue == Action(dt.NOW, dt.ACK_OVERDUE,
                             f"{ABOUT} not acknowledged, due 06/05/2026 09:30 (overdue)",
                             "Chase Fonderie Lumière", at(5, 9, 30), "26 h since sent", "Launches", "L-9",
                             25.5)
    assert escalated == Action(dt.NOW, dt.ACK_OVERDUE,
                               f"{ABOUT} not acknowledged, due 05/05/2026 09:00 (escalated)",
                               "Manager: call the partner", at(4, 9), "50 h since sent", "Launches", "L-9",
                               50.0)
    (unsent,) = dt.launch_actions([(launch("Overdue"), "")], CAL, NOW)
    assert (unsent.since, unsent.waiting, unsent.weight) == (None, "0 h since sent", 0.0)
    assert unsent.what == f"{ABOUT} not acknowledged, due 05/05/2026 09:00 (overdue)"


def test_a_sent_launch_awaits_acknowledgement_this_week() -> None:
    (a,) = dt.launch_actions([(launch("Sent", sent=at(6, 6, 30)), "")], CAL, NOW)
    assert a == Action(dt.THIS_WEEK, dt.AWAITING_ACK, f"{ABOUT} awaits acknowledgement, due 07/05/2026 06:30",
                       "Fonderie Lumière", at(6, 6, 30), "4.5 h since sent", "Launches", "L-9", 4.5)
    (b,) = dt.launch_actions([(launch("Sent", sent=datetime(2026, 5, 6, 8, 0)), "")], CAL, NOW)
    assert (b.since, b.waiting, b.since.tzinfo) == (at(6, 8), "3 h since sent", PARIS)  # type: ignore[union-attr]


def test_launches_with_nothing_to_chase_are_not_on_the_desk() -> None:
    quiet = [
        (launch("Blocked: incomplete sheet", sent=at(4, 9)), "size"),  # went out before the gap
        (launch("Overdue", sent=at(4, 9), acked=at(5, 9)), ""),
        (launch("Escalated", sent=at(4, 9), acked=at(5, 9)), ""),
        (launch("Sent", sent=at(4, 9), acked=at(5, 9)), ""),
        (launch("Sent"), ""),
        (launch("Ready"), ""),
        (launch("Acknowledged", sent=at(4, 9)), ""),
        (launch("Problem", sent=at(4, 9)), ""),
    ]
    assert dt.launch_actions(quiet, CAL, NOW) == []


def report(reported: datetime, *, decision: str | None = None, partner: Partner | None = CASTER,
           task: str = "Casting", with_launch: bool = True) -> ProblemFacts:
    la = Launch("L-12", "JW-2320", "P-CAST", task, date(2026, 5, 4), row=2) if with_launch else None
    problem = PartnerProblem("web-1", "L-12", reported.replace(tzinfo=None), "sprue too thin", row=2,
                             order_ref="JW-2320", partner="P-CAST", decision=decision)
    return ProblemFacts(problem, la, partner)


def test_a_problem_report_in_full_and_at_its_deadline() -> None:
    (a,) = dt.problem_actions([report(at(6, 9, 30))], CAL, NOW, 4.0)
    assert a == Action(dt.TODAY, dt.PARTNER_PROBLEMS,
                       "L-12 (JW-2320, Casting with Fonderie Lumière) reported: sprue too thin; "
                       "decide by 06/05/2026 13:30", "Manager: write the Decision", at(6, 9, 30),
                       "1.5 h of 4 working h", "Partner Problems", "web-1", 1.5)
    (due,) = dt.problem_actions([report(at(6, 7))], CAL, at(6, 13), 4.0)  # due at 13:00 exactly
    assert (due.urgency, due.waiting) == (dt.NOW, "4 h of 4 working h")
    (half,) = dt.problem_actions([report(at(6, 9))], CAL, NOW, 2.5)
    assert half.waiting == "2 h of 2.5 working h" and half.urgency == dt.TODAY
    (c,) = dt.problem_actions([report(at(6, 9), partner=None, task="", with_launch=False)], CAL, NOW, 4.0)
    assert c.what.startswith("L-12 (JW-2320, job with P-CAST) reported")
    assert dt.problem_actions([report(at(6, 9), decision="recast")], CAL, NOW, 4.0) == []


def test_a_report_without_any_partner_name_says_the_partner() -> None:
    facts = report(at(6, 9), partner=None)
    bare = ProblemFacts(PartnerProblem("web-2", "L-12", datetime(2026, 5, 6, 9), "x", row=3),
                        facts.launch, None)
    (a,) = dt.problem_actions([bare], CAL, NOW, 4.0)
    assert "Casting with the partner) reported: x;" in a.what


def approval(state: str = "Pending", *, sent: datetime | None = None, client: Client | None = None,
             item: str = "Wax") -> ApprovalFacts:
    return ApprovalFacts(Approval("AP-1", "JW-2320", item, 2, requested=date(2026, 5, 5)), None,
                         client, state, sent_at=sent)


APRIL_29 = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)
CLAIRE = Client("C-1", "Claire Moreau", row=2, email="claire@client.example")


def test_approvals_in_full_and_at_the_pending_days_edge() -> None:
    # sent Wednesday 29 April: 4 working days to today (1 May off): more than 3, call
    (a,) = dt.approval_actions([approval(sent=APRIL_29, client=CLAIRE)], CAL, NOW, 3)
    assert a == Action(dt.TODAY, dt.APPROVALS, "AP-1 (JW-2320): Wax for Claire Moreau, sent 29/04/2026",
                       "Call Claire Moreau", APRIL_29, "4 working days", "Approvals",
                       "AP-1", 4.0)
    # sent Thursday 30 April: 3 working days, not more than 3: this week
    (b,) = dt.approval_actions([approval(sent=datetime(2026, 4, 30, 10, 0), client=CLAIRE)], CAL, NOW, 3)
    assert (b.urgency, b.who, b.waiting, b.since) == (dt.THIS_WEEK, "Claire Moreau", "3 working days",
                                                      datetime(2026, 4, 30, 10, 0, tzinfo=PARIS))
    # a clock ahead of ours counts no negative days
    (c,) = dt.approval_actions([approval(sent=at(7, 10), client=CLAIRE, item="")], CAL, NOW, 3)
    assert (c.waiting, c.weight) == ("0 working days", 0.0)
    assert c.what == "AP-1 (JW-2320): item for Claire Moreau, sent 07/05/2026"


def test_an_approval_that_cannot_go_out_asks_for_the_email() -> None:
    for client in (None, Client("C-2", "Oliver Grant", row=3), Client("C-3", "Ann", row=4, email="  ")):
        (a,) = dt.approval_actions([approval(client=client)], CAL, NOW, 3)
        name = client.name if client else "the client"
        assert a == Action(dt.TODAY, dt.APPROVALS,
                           f"AP-1 (JW-2320): Wax for {name}: the request cannot go out, the client "
                           "has no email",
                           "Staff: add the client's email", date(2026, 5, 5), "not sent", "Approvals", "AP-1")
    assert dt.approval_actions([approval(client=CLAIRE)], CAL, NOW, 3) == []  # it goes out by itself
    assert dt.approval_actions([approval("Approved", sent=at(4, 10), client=CLAIRE)], CAL, NOW, 3) == []


def test_metal_flags_in_full() -> None:
    flag = dt.MetalFlag("Yields", "JW-2", "JW-2 lost 9.1 % (alert 5 %)", date(2026, 5, 4))
    assert dt.metal_actions([flag]) == [Action(dt.TODAY, dt.METAL, "JW-2 lost 9.1 % (alert 5 %)",
                                               "Staff: weigh and check the log", date(2026, 5, 4), "",
                                               "Yields", "JW-2")]
    assert dt.MetalFlag("Metal Stock", "18KY", "x").since is None


TUESDAY_9 = datetime(2026, 5, 5, 9, 0, tzinfo=PARIS)


def doubt(status: str, *, at_: datetime = TUESDAY_9, attempts: int = 1, error: str = "") -> dt.EmailDoubt:
    return dt.EmailDoubt("email:x:1", status, "ack_reminder", "L-1", "caster@example.com", "Reminder",
                         at_, attempts, error)


def test_emails_in_doubt_in_full() -> None:
    assert dt.email_actions([doubt("uncertain")], NOW) == [Action(
        dt.NOW, dt.EMAILS_UNCERTAIN,
        "ack reminder to caster@example.com about L-1 (Reminder) may not have gone out; id email:x:1",
        "Staff: ask the recipient", at(5, 9), "26 h", "Activity", "email:x:1", 26.0)]
    assert dt.email_actions([doubt("rejected", error="550 no such user")], NOW) == [Action(
        dt.TODAY, dt.EMAILS_UNDELIVERED, "ack reminder to caster@example.com about L-1: 550 no such user "
        "(1 attempt)", "Staff: correct the address", at(5, 9), "26 h", "Activity", "email:x:1", 26.0)]
    (failed,) = dt.email_actions([doubt("failed", at_=at(6, 10, 30), attempts=3)], NOW)
    assert failed == Action(dt.THIS_WEEK, dt.EMAILS_UNDELIVERED,
                            "ack reminder to caster@example.com about L-1: failed (3 attempts)",
                            "Retried by itself", at(6, 10, 30), "0.5 h", "Activity", "email:x:1", 0.5)
    (future,) = dt.email_actions([doubt("uncertain", at_=at(6, 12))], NOW)
    assert (future.waiting, future.weight) == ("0 h", 0.0)


def test_hours_are_whole_from_ten_and_to_a_tenth_below() -> None:
    (a,) = dt.email_actions([doubt("failed", at_=at(6, 1))], NOW)
    (b,) = dt.email_actions([doubt("failed", at_=datetime(2026, 5, 6, 1, 15, tzinfo=PARIS))], NOW)
    (c,) = dt.email_actions([doubt("failed", at_=datetime(2026, 5, 6, 1, 3, tzinfo=PARIS))], NOW)
    assert (a.waiting, b.waiting, c.waiting) == ("10 h", "9.8 h", "9.9 h")


def test_the_desk_orders_by_urgency_section_weight_tab_and_key() -> None:
    def act(urgency: int, section: str, weight: float, tab: str, key: str) -> Action:
        return Action(urgency, section, "w", "p", None, "", tab, key, weight)

    unknown = act(dt.NOW, "Something new", 99.0, "Orders", "A")
    actions = [
        act(dt.TODAY, dt.METAL, 0.0, "Yields", "B"),
        unknown,
        act(dt.NOW, dt.PIECES, 1.0, "Orders", "C"),
        act(dt.NOW, dt.PIECES, 3.0, "Orders", "D"),
        act(dt.NOW, dt.PIECES, 1.0, "Activity", "E"),
        act(dt.NOW, dt.PIECES, 1.0, "Activity", "B"),
        act(dt.NOW, dt.EMAILS_UNDELIVERED, 0.0, "Activity", "F"),
        act(dt.THIS_WEEK, dt.EMAILS_UNCERTAIN, 0.0, "Activity", "G"),
    ]
    assert [a.key for a in dt.desk_list(actions)] == ["D", "B", "E", "C", "F", "A", "B", "G"]
    today = dt.needs_action_today(dt.desk_list(actions))
    assert [a.key for a in today] == ["D", "B", "E", "C", "F", "A", "B"]
    assert dt.desk_list() == [] and dt.sections([]) == []


def test_the_words_of_an_action() -> None:
    a = Action(dt.THIS_WEEK, dt.METAL, "18KY off by 3 g", "Staff", None, "2 h", "Metal Stock", "18KY")
    assert a.line() == "18KY off by 3 g (Staff, 2 h; Metal Stock 18KY)"
    assert (a.urgency_word, a.weight) == ("This week", 0.0)
    assert dt.URGENCY == ("Now", "Today", "This week") and (dt.NOW, dt.TODAY, dt.THIS_WEEK) == (0, 1, 2)


def test_one_thing_done_does_not_hide_the_next_on_the_list() -> None:
    approvals = [approval("Approved", sent=at(4, 10), client=CLAIRE), approval(client=CLAIRE),
                 approval(client=None)]
    assert [a.who for a in dt.approval_actions(approvals, CAL, NOW, 3)] == ["Staff: add the client's email"]
    reports = [report(at(6, 9), decision="recast"), report(at(6, 9, 30))]
    assert [a.waiting for a in dt.problem_actions(reports, CAL, NOW, 4.0)] == ["1.5 h of 4 working h"]
    (half,) = dt.problem_actions([report(at(6, 9))], CAL, NOW, 2.5)
    assert half.what.endswith("decide by 06/05/2026 11:30")


def test_an_at_risk_piece_in_full_and_a_launch_with_no_due_moment() -> None:
    (a,) = dt.piece_actions([piece("At risk", 1)], TODAY)
    assert a == Action(dt.TODAY, dt.PIECES,
                       "JW-1 Ring: at risk, Polishing due 04/05/2026, slack 1 working day, "
                       "promised 20/05/2026", "Noor (artisan)", None, "1 working day to spare", "Orders",
                       "JW-1", -1.0)
    (b,) = dt.launch_actions([(launch("Overdue", day=None), "")], CAL, NOW)
    assert b.what == f"{ABOUT} not acknowledged, due — (overdue)"
