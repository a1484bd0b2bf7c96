"""Every threshold at, just below and just above its value, in worked examples: loss
alert %, count tolerance, Ack Hours and Escalate Hours, the 4 working hours for a decision,
approval reminder and pending days, KPI targets met or missed. (Slack against
``at_risk_slack_days`` is in test_planning.py.) Paris, 09:00-18:00, Monday to Friday."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.config import TargetsConfig
from sheets_sync.domain import kpis
from sheets_sync.domain import notices as dn
from sheets_sync.domain import partner_problems as pp
from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.launches import LaunchMachine, launch_state
from sheets_sync.domain.metal import compute_yields
from sheets_sync.domain.model import (
    Alloy,
    Approval,
    Client,
    Launch,
    MetalEntry,
    Order,
    Partner,
    PartnerProblem,
)
from sheets_sync.domain.stock import metal_stock
from sheets_sync.domain.today import THIS_WEEK, TODAY, approval_actions

PARIS = ZoneInfo("Europe/Paris")
CAL = make_calendar("Europe/Paris", day_start=time(9), day_end=time(18))
MINUTE = timedelta(minutes=1)
Y14 = Alloy("14KY", "Au", 585, 13.07, row=2, name="14K yellow", loss_alert_pct=5)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in Paris (Monday 2 to Friday 6, then Monday 9)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


# ---- loss alert % ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "loss_pct", "flag"),
    [
        (19.01, 4.95, ""),  # 0.99 g of 20 g: just below the 5 % alert
        (19.0, 5.0, ""),  # 1 g of 20 g: at the alert, not above it
        (18.98, 5.1, "loss 5.1 % above alert 5 %"),  # 1.02 g: just above
    ],
)
def test_loss_is_flagged_only_above_the_alloys_alert(returned: float, loss_pct: float, flag: str) -> None:
    log = [MetalEntry(date(2026, 3, 2), "Issue", "14KY", 20, row=2, ref="B-7"),
           MetalEntry(date(2026, 3, 4), "Return", "14KY", returned, row=3, ref="B-7")]
    [line], problems = compute_yields(log, [], [Y14], [], date(2026, 3, 5))
    assert (line.loss_pct, line.flag) == (loss_pct, flag)
    assert len(problems) == (1 if flag else 0)


# ---- count tolerance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counted", "variance", "flagged"),
    [
        (99.51, -0.49, False),
        (99.5, -0.5, False),  # exactly the 0.5 g tolerance, short
        (99.49, -0.51, True),
        (100.49, 0.49, False),
        (100.5, 0.5, False),  # exactly the tolerance, over
        (100.51, 0.51, True),
    ],
)
def test_a_count_is_flagged_only_beyond_the_tolerance_either_way(
    counted: float, variance: float, flagged: bool
) -> None:
    log = [MetalEntry(date(2026, 3, 2), "Purchase", "14KY", 100, row=2),
           MetalEntry(date(2026, 3, 4), "Count", "14KY", counted, row=3)]
    [safe], problems = metal_stock(log, [Y14], [], [], [], date(2026, 3, 5), tolerance_g=0.5)
    assert safe.variance_g == variance
    assert bool(safe.flag) is flagged
    assert [p.column for p in problems if p.column == "Count Variance (g)"] == (
        ["Count Variance (g)"] if flagged else [])


# ---- Ack Hours and Escalate Hours --------------------------------------------------------

CASTER = Partner("P-1", "Fonderie Lyon", "Casting", row=2, email="caster@example.com",
                 ack_hours=12, escalate_hours=30)
LAUNCH = Launch("L-0001", "A-1001", "P-1", "Casting", date(2026, 3, 3), row=2,
                due=date(2026, 3, 10))
SENT_AT = at(3, 9)  # Tuesday 09:00: acknowledgement due 21:00, escalation Wednesday 15:00


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (at(3, 21) - MINUTE, "Sent"),
        (at(3, 21), "Overdue"),  # at Ack Hours
        (at(3, 21) + MINUTE, "Overdue"),
        (at(4, 15) - MINUTE, "Overdue"),
        (at(4, 15), "Escalated"),  # at Escalate Hours
        (at(4, 15) + MINUTE, "Escalated"),
    ],
)
def test_overdue_at_ack_hours_and_escalated_at_escalate_hours(now: datetime, state: str) -> None:
    assert launch_state(LAUNCH, [], CASTER, CAL, now, LaunchMachine(sent_at=SENT_AT)) == state


ORDER = Order("A-1001", row=2, client="C-1", alloy="14KY", size="52", target_weight=6.2,
              cad_file="https://cad.example/a.stl", partner="P-1")
RULES = dn.Rules(manager_email="manager@example.com", approval_reminder_days=3,
                 problem_decision_hours=4.0)


@pytest.mark.parametrize(
    ("now", "kinds"),
    [
        (at(3, 21) - MINUTE, []),
        (at(3, 21), ["ack_reminder"]),
        (at(4, 15) - MINUTE, ["ack_reminder"]),
        (at(4, 15), ["ack_reminder", "escalation"]),
        (at(4, 15) + MINUTE, ["ack_reminder", "escalation"]),
    ],
)
def test_the_reminder_at_ack_hours_and_the_escalation_at_escalate_hours(
    now: datetime, kinds: list[str]
) -> None:
    facts = dn.LaunchFacts(launch=LAUNCH, order=ORDER, partner=CASTER, state="Sent", sent_at=SENT_AT)
    notices = dn.launch_notices(facts, CAL, now, RULES)
    assert [n.kind for n in notices] == kinds
    assert [n.due for n in notices] == [at(3, 21), at(4, 15)][: len(kinds)]


# ---- 4 working hours for a decision ------------------------------------------------------

REPORTED = at(6, 16, 30)  # Friday 16:30: 1.5 working hours that day, 2.5 more on Monday
REPORT = PartnerProblem("web-7f3a", "L-0001", REPORTED.replace(tzinfo=None), "Sprue too thin",
                        row=2, order_ref="A-1001", partner="P-1")


@pytest.mark.parametrize(
    ("now", "second"),
    [(at(9, 11, 29), False), (at(9, 11, 30), True), (at(9, 11, 31), True)],
)
def test_the_second_alert_at_four_working_hours(now: datetime, second: bool) -> None:
    facts = pp.ProblemFacts(REPORT, LAUNCH, CASTER, pp.ProblemMachine())
    kinds = [n.kind for n in pp.problem_notices(facts, CAL, now, RULES)]
    assert kinds == ["problem_alert", *(["problem_second_alert"] if second else [])]


@pytest.mark.parametrize(
    ("hours", "within", "judged"),
    [(3.99, 1, 1), (4.0, 1, 1), (4.01, 0, 1)],
)
def test_a_decision_counts_as_answered_within_four_hours_up_to_the_fourth(
    hours: float, within: int, judged: int
) -> None:
    assert pp.answered_within([pp.Answered(REPORTED, hours, hours)], 4.0) == (within, judged)


@pytest.mark.parametrize(("open_hours", "judged"), [(3.99, 0), (4.0, 0), (4.01, 1)])
def test_an_open_report_is_judged_once_past_its_four_hours(open_hours: float, judged: int) -> None:
    assert pp.answered_within([pp.Answered(REPORTED, None, open_hours)], 4.0) == (0, judged)


# ---- approval reminder and pending days --------------------------------------------------

CLIENT = Client("C-1", "Mme Durand", row=2, email="durand@example.com")
APPROVAL = Approval("AP-1", "A-1001", "CAD render", row=2, requested=date(2026, 3, 3))
ASKED = dn.ApprovalFacts(approval=APPROVAL, order=ORDER, client=CLIENT, state="Pending",
                         sent_at=at(3, 9, 40))  # Tuesday: 3 working days on is Friday 09:40


@pytest.mark.parametrize(
    ("now", "reminded"),
    [(at(6, 9, 39), False), (at(6, 9, 40), True), (at(6, 9, 41), True)],
)
def test_one_reminder_after_the_approval_reminder_days(now: datetime, reminded: bool) -> None:
    notices = dn.approval_notices(ASKED, CAL, now, RULES, date(2026, 3, 3))
    assert [(n.kind, n.due) for n in notices] == (
        [("approval_reminder", at(6, 9, 40))] if reminded else [])


@pytest.mark.parametrize(
    ("day", "waited", "urgency"),
    [(date(2026, 3, 9), 4, THIS_WEEK), (date(2026, 3, 10), 5, THIS_WEEK), (date(2026, 3, 11), 6, TODAY)],
)
def test_a_pending_approval_is_for_today_once_past_the_pending_days(
    day: date, waited: int, urgency: str
) -> None:
    now = datetime.combine(day, time(10), tzinfo=PARIS)
    [action] = approval_actions([ASKED], CAL, now, pending_days=5)
    assert (action.urgency, action.weight) == (urgency, float(waited))
    assert action.waiting == f"{waited} working days"


# ---- KPI targets met or missed -----------------------------------------------------------

T = TargetsConfig()


@pytest.mark.parametrize(
    ("kpi", "value", "met"),
    [
        (kpis.YVR, 96.4, "missed"), (kpis.YVR, 96.5, "met"), (kpis.YVR, 96.6, "met"),
        (kpis.FTRR, 93.9, "missed"), (kpis.FTRR, 94.0, "met"), (kpis.FTRR, 94.1, "met"),
        (kpis.CDPA, 89.9, "missed"), (kpis.CDPA, 90.0, "met"), (kpis.CDPA, 90.1, "met"),
        (kpis.ACK_ON_TIME, 89.9, "missed"), (kpis.ACK_ON_TIME, 90.0, "met"),
        (kpis.ACK_ON_TIME, 90.1, "met"),
        # the lower the better: at or under the target is met
        (kpis.SPEC_ERRORS, 1.9, "met"), (kpis.SPEC_ERRORS, 2.0, "met"),
        (kpis.SPEC_ERRORS, 2.1, "missed"),
        (kpis.ACK_HOURS, 23.9, "met"), (kpis.ACK_HOURS, 24.0, "met"),
        (kpis.ACK_HOURS, 24.1, "missed"),
    ],
)
def test_kpi_targets_are_met_at_the_target(kpi: str, value: float, met: str) -> None:
    target, judged = kpis.judge(kpi, value, T)
    assert judged == met
    assert target == {kpis.YVR: 96.5, kpis.FTRR: 94.0, kpis.CDPA: 90.0, kpis.ACK_ON_TIME: 90.0,
                      kpis.SPEC_ERRORS: 2.0, kpis.ACK_HOURS: 24.0}[kpi]


def test_problems_answered_kpi_is_met_at_its_target() -> None:
    assert [kpis.judge(kpis.ANSWERED, v, T)[1] for v in (89.9, 90.0, 90.1)] == ["missed", "met", "met"]
    assert kpis.judge(kpis.CLIENT_DELAYS, 3, T) == (None, "")  # no target: never judged
    assert kpis.judge(kpis.YVR, None, T) == (96.5, "")  # no value: not judged


def test_the_ack_hours_target_is_the_hours_given() -> None:
    # launches to a 12 h partner averaging 12.0 h met their own target, 12.1 h missed it
    assert kpis.judge(kpis.ACK_HOURS, 12.0, T, own=12.0) == (12.0, "met")
    assert kpis.judge(kpis.ACK_HOURS, 12.1, T, own=12.0) == (12.0, "missed")
