"""Stage plans, progress state, risk and guardrails of one order.

Conventions:

* **Deadline** = Promised Date + Client Delay (days), the delay counted in *working* days
  (a client who takes three days to approve costs three days of the bench, not a weekend).
* **Plan**: stages are planned backwards from the deadline, each taking its Workflow Days
  rounded up to whole working days (see ``calendar.whole_days``). The last stage is due on
  the deadline; each stage starts on the first of its working days, and the stage before
  it is due on the working day before that start. A 0-day stage starts and ends on the
  due date of the stage after it.
* **Progress**: per stage, the latest entry (by Date, then sheet row) is its state. Done or
  Verified means finished; where the Workflow says Needs Verification, only Verified lets
  the next stage start. Rework reopens a stage.
* **Slack** = working days left in (today, deadline] - planned days of the stages not yet
  finished. Risk: "Late" when slack < 0 or today is past the deadline, "At risk" when slack
  <= the threshold with work still to do, else "On track"; a Delivered Date gives
  "Delivered on time" (on or before the deadline) or "Delivered late".
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..contract import APPROVAL_ITEMS
from .calendar import ONE_DAY, WorkCalendar, whole_days
from .model import Order, ProgressEntry, WorkflowStep
from .problems import ERROR, Problem

FINISHED = ("done", "verified")
NOT_STARTED = "Not started"

ApprovalCheck = Collection[tuple[str, str]] | Callable[[str, str], bool]


@dataclass(frozen=True)
class StagePlan:
    stage: str
    step: int
    start: date
    due: date
    days: float  # as the Workflow says; the plan uses whole_days(days)


@dataclass(frozen=True)
class StageState:
    stage: str  # the furthest stage with progress; "" when none
    status: str  # its latest status, or "Not started"
    next_stage: str | None  # the stage to work on next; None when all are finished
    finished: frozenset[str]  # folded names of the stages whose latest entry is Done/Verified


@dataclass(frozen=True)
class OrderStatus:
    stage: str
    status: str
    next_due: date | None
    slack_days: int | None
    risk: str  # one of contract.RISKS, or "" when there is no promised date


def _fold(text: str | None) -> str:
    return _folded(text or "")


@lru_cache(maxsize=4096)  # stage names and refs repeat on every row
def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def route_steps(order: Order, steps: list[WorkflowStep]) -> list[WorkflowStep]:
    """The order's route, in step order (steps of other routes are ignored)."""
    route = _fold(order.route)
    return sorted((s for s in steps if _fold(s.route) == route), key=lambda s: (s.step, s.row))


# Within one day the sheet's row order is weak evidence (people sort), so a stage's entries
# of one date are taken in the order work moves: Started, then Done or Rework (these two in
# sheet order), then Verified.
_STATUS_RANK = {"started": 0, "done": 1, "rework": 1, "verified": 2}


def order_progress(order: Order, progress: list[ProgressEntry]) -> list[ProgressEntry]:
    """The order's entries, oldest first (Date, then status rank, then sheet row)."""
    ref = _fold(order.ref)
    return sorted(
        (p for p in progress if _fold(p.order_ref) == ref),
        key=lambda p: (p.day, _STATUS_RANK.get(_fold(p.status), 1), p.row),
    )


def _latest(entries: list[ProgressEntry]) -> dict[str, ProgressEntry]:
    """Latest entry per folded stage name; ``entries`` must be oldest first."""
    return {_fold(p.stage): p for p in entries}


def deadline(order: Order, cal: WorkCalendar) -> date | None:
    """Promised Date + Client Delay working days; None without a promised date."""
    if order.promised is None:
        return None
    return cal.add_workdays(order.promised, max(order.client_delay_days, 0))


def plan_stages(order: Order, steps: list[WorkflowStep], cal: WorkCalendar) -> list[StagePlan]:
    """Stage dates planned backwards from the deadline; [] without a promised date."""
    due = deadline(order, cal)
    if due is None:
        return []
    plans: list[StagePlan] = []
    for s in reversed(route_steps(order, steps)):
        n = max(whole_days(s.days), 0)
        start = cal.subtract_workdays(due + ONE_DAY, n) if n else due
        plans.append(StagePlan(s.stage, s.step, start, due, s.days))
        due = cal.subtract_workdays(start, 1) if n else due
    return list(reversed(plans))


def current_stage(
    order: Order, steps: list[WorkflowStep], progress: list[ProgressEntry]
) -> StageState:
    """Where the order stands: its furthest stage with progress and that stage's status."""
    route = route_steps(order, steps)
    latest = _latest(order_progress(order, progress))
    finished = frozenset(k for k, p in latest.items() if _fold(p.status) in FINISHED)
    next_stage = next((s.stage for s in route if _fold(s.stage) not in finished), None)
    reached = [s for s in route if _fold(s.stage) in latest]
    if not reached:
        return StageState("", NOT_STARTED, next_stage, finished)
    furthest = reached[-1]
    return StageState(furthest.stage, latest[_fold(furthest.stage)].status, next_stage, finished)


def assess(
    order: Order,
    steps: list[WorkflowStep],
    progress: list[ProgressEntry],
    cal: WorkCalendar,
    today: date,
    at_risk_slack_days: float,
) -> OrderStatus:
    """Stage, status, next due date, slack and risk of one order on ``today``."""
    state = current_stage(order, steps, progress)
    plans = plan_stages(order, steps, cal)
    end = deadline(order, cal)
    if end is None:
        return OrderStatus(state.stage, state.status, None, None, "")
    if order.delivered is not None:
        risk = "Delivered on time" if order.delivered <= end else "Delivered late"
        return OrderStatus(state.stage, state.status, None, None, risk)
    pending = [p for p in plans if _fold(p.stage) not in state.finished]
    remaining = sum(max(whole_days(p.days), 0) for p in pending)
    slack = cal.workdays_between(today, end) - remaining
    next_due = pending[0].due if pending else end
    if slack < 0 or today > end:
        risk = "Late"
    elif pending and slack <= at_risk_slack_days:
        risk = "At risk"
    else:
        risk = "On track"
    return OrderStatus(state.stage, state.status, next_due, slack, risk)


def _names(item: str, stage: str) -> bool:
    """An approval item names a stage: "CAD render" ~ "CAD", "Wax" ~ "Wax approval"."""
    a, b = _fold(item), _fold(stage)
    return bool(a and b) and (a in b or b in a or a.split(" ")[0] == b.split(" ")[0])


def _is_approved(check: ApprovalCheck, order_ref: str, stage: str) -> bool:
    """A callable decides (order_ref, stage) itself. With (order ref, approved item) pairs:
    when the stage is named like one of the Approval items (CAD render / Wax / Final photos)
    that item must be approved; a stage named otherwise passes with any approved item of
    the order."""
    if callable(check):
        return check(order_ref, stage)
    items = [item for ref, item in check if _fold(ref) == _fold(order_ref)]
    if any(_names(kind, stage) for kind in APPROVAL_ITEMS):
        return any(_names(item, stage) for item in items)
    return bool(items)


def check_guardrails(
    order: Order,
    steps: list[WorkflowStep],
    progress: list[ProgressEntry],
    approvals_approved: ApprovalCheck,
    unreadable: Collection[tuple[str, str]] = (),
) -> list[Problem]:
    """Rule breaks between stages of one order, each named by order ref, stage and rows.
    ``unreadable``: (route, stage) of the Workflow rows left out for a bad cell (their
    own Problem says so): a Progress row naming such a stage is not blamed for it."""
    route = route_steps(order, steps)
    entries = order_progress(order, progress)
    by_name = {_fold(s.stage): s for s in route}
    listed = {_fold(stage) for r, stage in unreadable if _fold(r) == _fold(order.route)}
    problems: list[Problem] = []
    ref = order.ref

    unknown: dict[str, list[ProgressEntry]] = {}
    for p in entries:
        if _fold(p.stage) not in by_name and _fold(p.stage) not in listed:
            unknown.setdefault(_fold(p.stage), []).append(p)
    for group in unknown.values():
        rows = ", ".join(str(p.row) for p in group)
        problems.append(Problem("Progress", ref, "Stage", ERROR,
            f"Progress row{'s' if len(group) > 1 else ''} {rows} ({ref}), column Stage: "
            f"stage {group[0].stage!r} is not a step of route {order.route or '(none)'} "
            "on the Workflow tab."))

    for s in route:
        mine = [p for p in entries if _fold(p.stage) == _fold(s.stage)]
        problems.extend(_order_problems(ref, s, mine, entries, route))
        if s.needs_photo:
            problems.extend(_photo_problems(ref, s, mine))
        if s.needs_client_approval and not _is_approved(approvals_approved, ref, s.stage):
            later = [p for p in entries
                     if _fold(p.stage) in by_name and by_name[_fold(p.stage)].step > s.step]
            if later:
                first = later[0]
                problems.append(Problem("Orders", ref, "", ERROR,
                    f"Orders ({ref}): stage {first.stage} was {first.status} on "
                    f"{first.day:%d/%m/%Y} (Progress row {first.row}) but {s.stage} needs "
                    "the client's approval and none is approved."))
    return problems


def _passed(step: WorkflowStep, latest: ProgressEntry | None) -> bool:
    if latest is None:
        return False
    wanted = ("verified",) if step.needs_verification else FINISHED
    return _fold(latest.status) in wanted


def _order_problems(
    ref: str,
    step: WorkflowStep,
    mine: list[ProgressEntry],
    entries: list[ProgressEntry],
    route: list[WorkflowStep],
) -> list[Problem]:
    """The first entry of ``step`` made while an earlier stage had not passed (judged with
    every entry up to the end of that entry's date, so same-day rows may come in any order)."""
    before = [s for s in route if s.step < step.step]
    for p in mine:
        latest = _latest([e for e in entries if e.day <= p.day])
        missing = [s for s in before if not _passed(s, latest.get(_fold(s.stage)))]
        if missing:
            names = " and ".join(
                f"{s.stage} ({'verified' if s.needs_verification else 'done'})" for s in missing)
            return [Problem("Progress", ref, "Status", ERROR,
                f"Progress row {p.row} ({ref}), column Status: {step.stage} was {p.status} on "
                f"{p.day:%d/%m/%Y} before {names}.")]
    return []


def _photo_problems(ref: str, step: WorkflowStep, mine: list[ProgressEntry]) -> list[Problem]:
    finished = [p for p in mine if _fold(p.status) in FINISHED]
    if not finished or any((p.photo or "").strip() for p in finished):
        return []
    rows = ", ".join(str(p.row) for p in finished)
    return [Problem("Progress", ref, "Photo", ERROR,
        f"Progress row{'s' if len(finished) > 1 else ''} {rows} ({ref}), column Photo: "
        f"{step.stage} is marked {finished[-1].status} without a photo; this stage needs one.")]
