"""Partner problems word for word: Hours To Decision to a tenth, the parts of a problem
email's reference, why a retried email no longer goes out, the hours a report has waited.
Fonderie Lumière reports on Friday 6 March 2026 at 16:30 (Paris, 09:00-18:00)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.domain import partner_problems as pp
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.model import Launch, Partner, PartnerProblem
from sheets_sync.domain.notices import PROBLEM_ALERT, PROBLEM_DECISION, PROBLEM_SECOND_ALERT

PARIS = ZoneInfo("Europe/Paris")
CAL = make_calendar("Europe/Paris")
CASTER = Partner("P-CAST", "Fonderie Lumière", "Casting", row=2, email="casting@lumiere.example")
LAUNCH = Launch("L-009", "JW-2309", "P-CAST", "Casting", date(2026, 3, 2), row=10)
REPORT = PartnerProblem("web-7f3a", "L-009", datetime(2026, 3, 6, 16, 30), "Sprue too thin", row=2,
                        order_ref="JW-2309", partner="P-CAST")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def facts(problem: PartnerProblem = REPORT, version: int = 0) -> pp.ProblemFacts:
    return pp.ProblemFacts(problem, LAUNCH, CASTER, pp.ProblemMachine(version=version))


def test_hours_to_decision_are_said_to_a_tenth() -> None:
    # Friday 16:30 to Monday 10:10: 1.5 h + 1 h 10 min = 2.67 h, said 2.7
    cells = pp.decision_cells(replace(REPORT, decision="Recast"), pp.ProblemMachine(), CAL, at(9, 10, 10))
    assert cells == {"State": pp.DECIDED, "Decided At": at(9, 10, 10), "Hours To Decision": 2.7}
    sent = pp.ProblemMachine(decided_at=at(9, 10, 10), sent_decision=" Recast ")
    assert pp.decision_cells(replace(REPORT, decision="Recast"), sent, CAL, at(9, 12))["State"] == pp.SENT


def test_the_parts_of_a_problem_email_reference() -> None:
    assert pp.notice_parts("L-009") == ("L-009", "", 0)
    assert pp.notice_parts("L-009#web-7f3a") == ("L-009", "web-7f3a", 0)
    assert pp.notice_parts("L-009#web-7f3a#2") == ("L-009", "web-7f3a", 2)
    assert pp.notice_parts("L-009#web-7f3a#v2") == ("L-009", "web-7f3a", 0)


def test_why_a_retried_email_no_longer_goes_out() -> None:
    by_id = {"web-7f3a": facts()}
    decided = {"web-7f3a": facts(replace(REPORT, decision="Recast"), version=2)}
    assert pp.why_not_now(PROBLEM_ALERT, "L-009#web-7f3a", {}) == "the Partner Problems row is gone"
    assert pp.why_not_now(PROBLEM_ALERT, "L-009#web-7f3a", by_id) == ""
    assert pp.why_not_now(PROBLEM_SECOND_ALERT, "L-009#web-7f3a", by_id) == ""
    assert pp.why_not_now(PROBLEM_ALERT, "L-009#web-7f3a", decided) == "the problem was decided"
    assert pp.why_not_now(PROBLEM_SECOND_ALERT, "L-009#web-7f3a", decided) == "the problem was decided"
    assert pp.why_not_now(PROBLEM_DECISION, "L-009#web-7f3a#1", by_id) == "the decision was withdrawn"
    assert pp.why_not_now(PROBLEM_DECISION, "L-009#web-7f3a#1", decided) == (
        "a newer version of the decision was sent")
    assert pp.why_not_now(PROBLEM_DECISION, "L-009#web-7f3a#2", decided) == ""
    assert pp.why_not_now(PROBLEM_DECISION, "L-009#web-7f3a#3", decided) == ""
    assert pp.why_not_now("launch_notice", "L-009#web-7f3a", by_id) == ""


def test_the_working_hours_a_report_has_waited() -> None:
    assert pp.working_hours_open(facts(), CAL, at(9, 10)) == 2.5  # Friday 16:30 to Monday 10:00
    assert pp.working_hours_open(facts(), CAL, at(6, 16)) == 0


def test_reports_grouped_by_launch_case_and_spacing_forgiven() -> None:
    other = replace(REPORT, problem_id="web-2", launch_id=" l-009 ")
    third = replace(REPORT, problem_id="web-3", launch_id="L-010")
    assert pp.by_launch([REPORT, third, other]) == {"l-009": [REPORT, other], "l-010": [third]}
    assert pp.fold("  L-0  09 ") == "l-0 09"
