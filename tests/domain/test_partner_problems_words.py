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
from sheets_sync.domain.notices import (
    PROBLEM_ALERT,
    PROBLEM_DECISION,
    PROBLEM_SECOND_ALERT,
    Notice,
    Rules,
    Stamp,
)

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


RULES = Rules("manager@atelier.example", problem_decision_hours=4.0)
MANAGER = ("Config", "workshop.manager_email")


def test_the_alerts_to_the_manager_in_full() -> None:
    reported = at(6, 16, 30)
    alert = Notice(PROBLEM_ALERT, "L-009#web-7f3a", "manager@atelier.example", reported, MANAGER, None,
                   "JW-2309")
    assert pp.problem_notices(facts(), CAL, at(9, 11, 29), RULES) == [alert]
    # 1.5 working hours on Friday + 2.5 on Monday: the second alert is due at 11:30
    assert pp.problem_notices(facts(), CAL, at(9, 11, 30), RULES) == [alert, Notice(
        PROBLEM_SECOND_ALERT, "L-009#web-7f3a", "manager@atelier.example", at(9, 11, 30), MANAGER, None,
        "JW-2309")]
    sooner = Rules("manager@atelier.example", problem_decision_hours=2.0)
    assert pp.problem_notices(facts(), CAL, at(9, 9, 30), sooner)[1].due == at(9, 9, 30)
    no_ref = pp.ProblemFacts(replace(REPORT, order_ref=None), LAUNCH, CASTER)
    assert pp.problem_notices(no_ref, CAL, at(9, 10), RULES)[0].order_ref == "JW-2309"


def test_the_decision_to_the_partner_in_full_once_per_version() -> None:
    decided = replace(REPORT, decision=" Recast with a 3 mm sprue ")
    assert pp.problem_notices(facts(decided), CAL, at(9, 10), RULES) == [Notice(
        PROBLEM_DECISION, "L-009#web-7f3a#1", "casting@lumiere.example", at(6, 16, 30),
        ("Partners", "P-CAST"),
        Stamp("Partner Problems", "web-7f3a", "Sent At"), "JW-2309",
        (("Sent Decision", "Recast with a 3 mm sprue"), ("Version", 1), ("State", "Sent")))]
    machine = pp.ProblemMachine(sent_decision="Recast with a 3 mm sprue", version=1)
    sent = pp.ProblemFacts(decided, LAUNCH, CASTER, machine)
    assert pp.problem_notices(sent, CAL, at(9, 10), RULES) == []
    edited = pp.ProblemFacts(replace(REPORT, decision="Recast, 4 mm"), LAUNCH, CASTER, sent.machine)
    [correction] = pp.problem_notices(edited, CAL, at(9, 10), RULES)
    assert (correction.ref, correction.marks[1]) == ("L-009#web-7f3a#2", ("Version", 2))


def test_a_decision_for_a_partner_not_on_the_partners_tab_is_placed_by_the_row() -> None:
    decided = replace(REPORT, decision="Recast")
    [a] = pp.problem_notices(pp.ProblemFacts(decided, LAUNCH, None), CAL, at(9, 10), RULES)
    assert (a.recipient, a.address_place) == ("", ("Partners", "P-CAST"))
    unnamed = replace(decided, partner=None)
    [b] = pp.problem_notices(pp.ProblemFacts(unnamed, LAUNCH, None), CAL, at(9, 10), RULES)
    assert b.address_place == ("Partners", "P-CAST")  # the launch's partner
    [c] = pp.problem_notices(pp.ProblemFacts(unnamed, None, None), CAL, at(9, 10), RULES)
    assert (c.address_place, c.order_ref) == (("Partners", ""), "JW-2309")
    [d] = pp.problem_notices(pp.ProblemFacts(decided, LAUNCH, replace(CASTER, email=None)), CAL, at(9, 10),
                             RULES)
    assert (d.recipient, d.address_place) == ("", ("Partners", "P-CAST"))
    bare = pp.ProblemFacts(replace(decided, order_ref=None), None, None)
    assert bare.order_ref == "" and bare.pid == "web-7f3a"


def test_a_report_naming_its_partner_by_name_is_placed_by_the_partner_id() -> None:
    by_name = replace(REPORT, partner="Fonderie Lumière", decision="Recast")
    [n] = pp.problem_notices(pp.ProblemFacts(by_name, LAUNCH, CASTER), CAL, at(9, 10), RULES)
    assert n.address_place == ("Partners", "P-CAST")
