"""Problems partners report, and the decisions the workshop writes back: pure rules.

One Partner Problems row per report (appended by the sync when the partner sends it from
the launch page; staff may add one for a report that came by phone). Staff write the
Decision in the same row. Conventions, once for the whole product:

* A problem is **open** while its Decision is blank. A launch is in state Problem while
  any of its problems is open; its ⚙ Problem says how many and the latest ("2 open, latest
  reported 06/03/2026 16:30: ..."), or "none open".
* **Decided At** is when the sync first saw the Decision (to within one sync);
  **Hours To Decision** = working hours from Reported At to Decided At
  (``WorkCalendar.working_hours_between``: on a 09:00-18:00 day, Friday 16:30 to Monday
  10:00 is 2.5 h). A Decision cleared later reopens the problem (both cleared).
* The manager gets an alert when a report comes, and a second one when
  ``problem_decision_hours`` working hours pass with no decision.
* The partner gets the decision by email, **once per version**: version 1 is the decision,
  each edit after a version was sent is a correction (2, 3 ...). The email's id carries the
  problem and the version, so each version is sent exactly once (``sheets_sync.mail``).
* The KPI: problems decided within the working hours ÷ problems decided, or open longer
  than that, by the month they were reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .calendar import WorkCalendar
from .launches import PROBLEM_DECISION_HOURS, problem_decision_due
from .model import Launch, Partner, PartnerProblem
from .notices import PROBLEM_ALERT, PROBLEM_DECISION, PROBLEM_SECOND_ALERT, Notice, Rules, Stamp

TAB = "Partner Problems"
AWAITING, DECIDED, SENT = "Awaiting decision", "Decided", "Sent"
NONE_OPEN = "none open"


@dataclass(frozen=True)
class ProblemMachine:
    """What the product recorded on a Partner Problems row (its ⚙ cells)."""

    decided_at: datetime | None = None
    sent_decision: str | None = None  # the decision as the partner last got it
    sent_at: datetime | None = None
    version: int = 0  # versions sent so far (0: none)


@dataclass(frozen=True)
class ProblemFacts:
    """A report with its launch, the partner who gets the decision, and its ⚙ cells."""

    problem: PartnerProblem
    launch: Launch | None
    partner: Partner | None
    machine: ProblemMachine = ProblemMachine()

    @property
    def pid(self) -> str:
        return self.problem.problem_id

    @property
    def order_ref(self) -> str:
        return self.problem.order_ref or (self.launch.order_ref if self.launch else "")


def fold(key: str) -> str:
    """A Launch ID as compared: case folded, spacing collapsed."""
    return " ".join(key.split()).casefold()


def decision_text(problem: PartnerProblem) -> str:
    return (problem.decision or "").strip()


def decision_cells(
    problem: PartnerProblem, machine: ProblemMachine, cal: WorkCalendar, now: datetime
) -> dict[str, str | float | datetime | None]:
    """⚙ State, Decided At and Hours To Decision as this sync leaves them (the mail step
    moves State to Sent when it sends the decision)."""
    if not problem.decided:
        return {"State": AWAITING, "Decided At": None, "Hours To Decision": None}
    decided_at = cal.local(machine.decided_at) if machine.decided_at else cal.local(now)
    hours = round(cal.working_hours_between(problem.reported_at, decided_at), 1)
    sent = (machine.sent_decision or "").strip() == decision_text(problem)
    return {"State": SENT if sent else DECIDED, "Decided At": decided_at, "Hours To Decision": hours}


def by_launch(problems: Iterable[PartnerProblem]) -> dict[str, list[PartnerProblem]]:
    """Reports grouped by their Launch ID (case and spacing forgiven), sheet order kept."""
    out: dict[str, list[PartnerProblem]] = {}
    for p in problems:
        out.setdefault(fold(p.launch_id), []).append(p)
    return out


def launch_problem_text(problems: Sequence[PartnerProblem]) -> str | None:
    """A launch's ⚙ Problem: the open reports' count and the latest, "none open" once all
    are decided, blank (None) when the partner never reported one."""
    if not problems:
        return None
    open_ = sorted((p for p in problems if not p.decided), key=lambda p: p.reported_at)
    if not open_:
        return NONE_OPEN
    latest = open_[-1]
    head = "1 open, reported" if len(open_) == 1 else f"{len(open_)} open, latest reported"
    photo = f" (photo: {latest.photo})" if latest.photo else ""
    return f"{head} {latest.reported_at:%d/%m/%Y %H:%M}: {latest.report}{photo}"


def _partner_place(f: ProblemFacts) -> tuple[str, str]:
    if f.partner is not None:
        return ("Partners", f.partner.partner_id)
    return ("Partners", f.problem.partner or (f.launch.partner if f.launch else ""))


def problem_notices(
    f: ProblemFacts, cal: WorkCalendar, now: datetime, rules: Rules
) -> list[Notice]:
    """The emails about one report due at ``now`` (handled or not: the step filters):
    while it is open, the alert and, after the working hours, the second alert to the
    manager; once decided, the decision to the partner unless the partner already has
    this very text. Every id is the report's (``<launch>#<problem id>``), the decision's
    with its version too, and the due moment is Reported At: fixed, whatever the sync."""
    p, now = f.problem, cal.local(now)
    reported = cal.local(p.reported_at)
    ref = f"{p.launch_id}#{p.problem_id}"
    manager = ("Config", "workshop.manager_email")
    if not p.decided:
        out = [Notice(PROBLEM_ALERT, ref, rules.manager_email, reported, manager, None, f.order_ref)]
        second = problem_decision_due(reported, cal, rules.problem_decision_hours)
        if now >= second:
            out.append(Notice(PROBLEM_SECOND_ALERT, ref, rules.manager_email, second, manager,
                              None, f.order_ref))
        return out
    decision = decision_text(p)
    if decision == (f.machine.sent_decision or "").strip():
        return []
    version = f.machine.version + 1
    email = (f.partner.email or "") if f.partner else ""
    return [Notice(PROBLEM_DECISION, f"{ref}#{version}", email, reported, _partner_place(f),
                   Stamp(TAB, p.problem_id, "Sent At"), f.order_ref,
                   (("Sent Decision", decision), ("Version", version), ("State", SENT)))]


def notice_parts(ref: str) -> tuple[str, str, int]:
    """(Launch ID, Problem ID, version) of a problem email's reference ("" and 0 where
    it has none: an alert has no version)."""
    parts = ref.split("#")
    pid = parts[1] if len(parts) > 1 else ""
    version = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
    return parts[0], pid, version


def why_not_now(kind: str, ref: str, facts: dict[str, ProblemFacts]) -> str:
    """Why an email about a report, decided earlier but not sent yet (a retry), should no
    longer go out; "" when it still should. ``facts`` by Problem ID."""
    _, pid, version = notice_parts(ref)
    f = facts.get(pid)
    if f is None:
        return "the Partner Problems row is gone"
    if kind in (PROBLEM_ALERT, PROBLEM_SECOND_ALERT):
        return "the problem was decided" if f.problem.decided else ""
    if kind == PROBLEM_DECISION:
        if not f.problem.decided:
            return "the decision was withdrawn"
        if f.machine.version > version:
            return "a newer version of the decision was sent"
    return ""


def working_hours_open(f: ProblemFacts, cal: WorkCalendar, now: datetime) -> float:
    """Working hours the report has waited for a decision so far."""
    return cal.working_hours_between(f.problem.reported_at, now)


@dataclass(frozen=True)
class Answered:
    """What the KPI needs of one report: when, and how long to its decision (None: open)."""

    reported_at: datetime
    hours_to_decision: float | None
    hours_open: float  # working hours from the report to now (for an open one)


def answered_within(
    items: Iterable[Answered], hours: float = PROBLEM_DECISION_HOURS
) -> tuple[int, int]:
    """(decided within ``hours``, judged): judged are the decided reports and the open ones
    past ``hours``; an open one still inside its hours is not judged yet."""
    judged = within = 0
    for a in items:
        if a.hours_to_decision is not None:
            judged += 1
            within += a.hours_to_decision <= hours
        elif a.hours_open > hours:
            judged += 1
    return within, judged
