"""A worked week of partner problems on the injected clock (Paris, 09:00-18:00, Monday to
Friday): Fonderie Lumière reports on Friday 6 March 2026 at 16:30."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sheets_sync.domain import partner_problems as pp
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.model import Launch, Partner, PartnerProblem
from sheets_sync.domain.notices import Rules, Stamp

PARIS = ZoneInfo("Europe/Paris")
CAL = make_calendar("Europe/Paris", day_start=time(9), day_end=time(18))
CASTER = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2, contact="Hélène Roux",
                 email="casting@lumiere.example")
LAUNCH = Launch("L-009", "JW-2309", "P-CAST", "Casting", date(2026, 3, 2), row=10)
RULES = Rules("manager@atelier.example", problem_decision_hours=4.0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


FRIDAY_1630 = at(6, 16, 30)
REPORT = PartnerProblem("web-7f3a", "L-009", FRIDAY_1630.replace(tzinfo=None),
                        "Sprue too thin for the claw setting", row=2, order_ref="JW-2309",
                        partner="P-CAST")


def facts(problem: PartnerProblem = REPORT, **machine: object) -> pp.ProblemFacts:
    return pp.ProblemFacts(problem, LAUNCH, CASTER, pp.ProblemMachine(**machine))  # type: ignore[arg-type]


def decided(text: str) -> PartnerProblem:
    return replace(REPORT, decision=text, decided_by="Marc")


def test_decided_monday_1000_is_within_four_working_hours() -> None:
    # Friday 16:30-18:00 is 1.5 working hours, Monday 09:00-10:00 one more: 2.5 h
    cells = pp.decision_cells(decided("Recast with a 3 mm sprue"), pp.ProblemMachine(), CAL,
                              at(9, 10))
    assert cells == {"State": "Decided", "Decided At": at(9, 10), "Hours To Decision": 2.5}
    assert pp.answered_within([pp.Answered(FRIDAY_1630, 2.5, 2.5)]) == (1, 1)


def test_decided_monday_1400_is_not() -> None:
    cells = pp.decision_cells(decided("Recast with a 3 mm sprue"), pp.ProblemMachine(), CAL,
                              at(9, 14))
    assert cells["Hours To Decision"] == 6.5
    assert pp.answered_within([pp.Answered(FRIDAY_1630, 6.5, 6.5)]) == (0, 1)


def test_decided_at_is_stamped_once_and_a_cleared_decision_reopens() -> None:
    first = pp.ProblemMachine(decided_at=at(9, 10))
    later = pp.decision_cells(decided("Recast, 3 mm sprue (edited)"), first, CAL, at(11, 15))
    assert (later["Decided At"], later["Hours To Decision"]) == (at(9, 10), 2.5)
    assert pp.decision_cells(REPORT, first, CAL, at(11, 15)) == {
        "State": "Awaiting decision", "Decided At": None, "Hours To Decision": None}
    # the partner already has this very text: Sent
    sent = pp.ProblemMachine(at(9, 10), "Recast with a 3 mm sprue", at(9, 10), 1)
    assert pp.decision_cells(decided("Recast with a 3 mm sprue "), sent, CAL, at(9, 12))[
        "State"] == "Sent"


def test_open_or_not_past_its_hours_is_judged_only_once_late() -> None:
    # open on Monday 11:00 (3.5 working h): not judged yet; on Monday 13:00 (5.5 h): late
    assert pp.answered_within([pp.Answered(FRIDAY_1630, None, 3.5)]) == (0, 0)
    assert pp.answered_within([pp.Answered(FRIDAY_1630, None, 5.5)]) == (0, 1)


def test_the_launch_says_its_open_problems() -> None:
    second = replace(REPORT, problem_id="web-81c0", reported_at=datetime(2026, 3, 9, 9, 45),
                     report="Two stones missing from the parcel", photo="https://x.example/u/a.jpg")
    assert pp.launch_problem_text([]) is None
    assert pp.launch_problem_text([REPORT]) == (
        "1 open, reported 06/03/2026 16:30: Sprue too thin for the claw setting")
    assert pp.launch_problem_text([REPORT, second]) == (
        "2 open, latest reported 09/03/2026 09:45: Two stones missing from the parcel "
        "(photo: https://x.example/u/a.jpg)")
    assert pp.launch_problem_text([decided("Recast"), second]).startswith("1 open, reported 09/03")
    assert pp.launch_problem_text([decided("Recast")]) == "none open"


def test_alerts_to_the_manager_while_open() -> None:
    kinds = [(n.kind, n.due, n.recipient) for n in pp.problem_notices(facts(), CAL, at(6, 16, 31), RULES)]
    assert kinds == [("problem_alert", FRIDAY_1630, "manager@atelier.example")]
    # 4 working hours after Friday 16:30 is Monday 11:30: the second alert
    assert len(pp.problem_notices(facts(), CAL, at(9, 11, 29), RULES)) == 1
    second = pp.problem_notices(facts(), CAL, at(9, 11, 30), RULES)[1]
    assert (second.kind, second.due) == ("problem_second_alert", at(9, 11, 30))
    assert second.id == ("email:problem_second_alert:L-009#web-7f3a:manager@atelier.example:"
                         "20260309T1030Z")
    # decided: no alert any more, the decision goes to the partner
    (decision,) = pp.problem_notices(facts(decided("Recast with a 3 mm sprue")), CAL, at(9, 12), RULES)
    assert decision.kind == "problem_decision"
    assert decision.recipient == "casting@lumiere.example"
    assert decision.id == ("email:problem_decision:L-009#web-7f3a#1:casting@lumiere.example:"
                           "20260306T1530Z")
    assert decision.stamp == Stamp("Partner Problems", "web-7f3a", "Sent At")
    assert decision.marks == (("Sent Decision", "Recast with a 3 mm sprue"), ("Version", 1),
                              ("State", "Sent"))


def test_each_version_of_a_decision_once() -> None:
    text = "Recast with a 3 mm sprue"
    sent = dict(decided_at=at(9, 10), sent_decision=text, sent_at=at(9, 10), version=1)
    # the partner has it: nothing, whatever the hour
    assert pp.problem_notices(facts(decided(text), **sent), CAL, at(10, 9), RULES) == []
    # edited after it was sent: a correction, version 2, with its own id
    (fix,) = pp.problem_notices(facts(decided("Recast with a 3.5 mm sprue"), **sent), CAL,
                                at(10, 9), RULES)
    assert fix.ref == "L-009#web-7f3a#2" and fix.id.endswith("#2:casting@lumiere.example:20260306T1530Z")
    assert pp.notice_parts(fix.ref) == ("L-009", "web-7f3a", 2)
    # a retry of version 1 that did not go out is not wanted once version 2 was sent
    newer = {"web-7f3a": facts(decided("Recast with a 3.5 mm sprue"), **{**sent, "version": 2})}
    assert pp.why_not_now("problem_decision", "L-009#web-7f3a#1", newer) == (
        "a newer version of the decision was sent")
    assert pp.why_not_now("problem_decision", "L-009#web-7f3a#2", newer) == ""
    assert pp.why_not_now("problem_alert", "L-009#web-7f3a", newer) == "the problem was decided"
    assert pp.why_not_now("problem_alert", "L-009#web-gone", newer) == (
        "the Partner Problems row is gone")
