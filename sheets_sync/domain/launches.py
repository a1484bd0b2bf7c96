"""Launch sheets: what a partner needs before a job goes out, and where the job stands.

Conventions:

* A launch is counted from its **launch moment**: ``day_start`` on the Launch Date in the
  workshop's zone (``WorkCalendar.launch_moment``), or from when it was actually sent if
  that is later (a launch held back by an incomplete sheet is not the partner's delay).
* Acknowledgement is due Ack Hours (default 24) after that, escalation Escalate Hours
  (default 48) after it; both are plain elapsed hours, nights and weekends included.
* A problem a partner reports wants a decision within 4 *working* hours; the launch is
  in state Problem while any report on it has no decision (``partner_problems``).
* State precedence: Blocked: incomplete sheet > Problem > Acknowledged > Escalated >
  Overdue > Sent > Ready. Only a sent launch can be Overdue or Escalated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .calendar import WorkCalendar
from .model import Launch, Order, Partner

DEFAULT_ACK_HOURS = 24.0
DEFAULT_ESCALATE_HOURS = 48.0
PROBLEM_DECISION_HOURS = 4.0


@dataclass(frozen=True)
class LaunchMachine:
    """What the product itself recorded about a launch (its ⚙ columns and the journal)."""

    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    open_problems: int = 0  # reports on the launch (Partner Problems rows) with no decision
    escalated_at: datetime | None = None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_for_launch(
    order: Order | None,
    launch: Launch,
    *,
    alloy_known: bool = True,
    order_errors: Sequence[str] = (),
) -> list[str]:
    """What the launch sheet still lacks, in plain words; [] when it can go out.

    ``alloy_known``: the order's alloy is on the Alloys tab (a partner cannot cast "19KY").
    ``order_errors``: the columns that keep the order's row out of the sync (an unreadable
    or missing required cell); the launch waits until they are fixed."""
    if order is None:
        if order_errors:
            return [f"a valid order ({launch.order_ref} has errors in {', '.join(order_errors)})"]
        return [f"the order ({launch.order_ref or 'no Order Ref'} is not on the Orders tab)"]
    missing: list[str] = []
    if _blank(order.alloy):
        missing.append("alloy")
    elif not alloy_known:
        missing.append(f"a known alloy ({order.alloy} is not on the Alloys tab)")
    if _blank(order.size):
        missing.append("size")
    if order.quantity is None or order.quantity <= 0:
        missing.append("quantity")
    if order.target_weight is None or order.target_weight <= 0:
        missing.append("target weight")
    if _blank(order.cad_file):
        missing.append("CAD file")
    if launch.due is None:
        missing.append("due date")
    if order.is_set and _blank(launch.stones_provided):
        missing.append("stones (the piece is set; Stones Provided is blank)")
    return missing


def _hours(partner: Partner | None, attribute: str, default: float) -> float:
    value = getattr(partner, attribute, None) if partner is not None else None
    return float(value) if isinstance(value, int | float) and value > 0 else default


def _counted_from(
    launch: Launch, cal: WorkCalendar, sent_at: datetime | None
) -> datetime | None:
    start = cal.launch_moment(launch.launch_date) if launch.launch_date is not None else None
    sent = cal.local(sent_at) if sent_at is not None else None
    if start is None:
        return sent
    if sent is None:
        return start
    return max(start, sent)


def ack_due(
    launch: Launch, partner: Partner | None, cal: WorkCalendar, sent_at: datetime | None = None
) -> datetime | None:
    """Launch moment (or the later sending) + Ack Hours; None with neither."""
    start = _counted_from(launch, cal, sent_at)
    if start is None:
        return None
    return cal.add_hours(start, _hours(partner, "ack_hours", DEFAULT_ACK_HOURS))


def escalate_due(
    launch: Launch, partner: Partner | None, cal: WorkCalendar, sent_at: datetime | None = None
) -> datetime | None:
    """Launch moment (or the later sending) + Escalate Hours; None with neither."""
    start = _counted_from(launch, cal, sent_at)
    if start is None:
        return None
    return cal.add_hours(start, _hours(partner, "escalate_hours", DEFAULT_ESCALATE_HOURS))


def problem_decision_due(
    reported_at: datetime, cal: WorkCalendar, hours: float = PROBLEM_DECISION_HOURS
) -> datetime:
    """When the workshop owes a decision on a reported problem: + ``hours`` working hours."""
    return cal.add_working_hours(reported_at, hours)


def response_hours(sent_at: datetime | None, acknowledged_at: datetime | None) -> float | None:
    """Elapsed hours from sending to acknowledgement, 2 decimals; None unless both known.
    Naive datetimes are taken as UTC; an acknowledgement logged before the sending
    (clock skew) counts as 0."""

    def utc(moment: datetime) -> datetime:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    if sent_at is None or acknowledged_at is None:
        return None
    seconds = (utc(acknowledged_at) - utc(sent_at)).total_seconds()
    return round(max(seconds, 0.0) / 3600.0, 2)


def launch_state(
    launch: Launch,
    missing: Sequence[str],
    partner: Partner | None,
    cal: WorkCalendar,
    now: datetime,
    machine: LaunchMachine,
) -> str:
    """One of contract.LAUNCH_STATES (precedence in the module docstring); ``missing`` is
    what the sheet lacks (``missing_for_launch``)."""
    if missing:
        return "Blocked: incomplete sheet"
    if machine.open_problems > 0:
        return "Problem"
    if machine.acknowledged_at is not None:
        return "Acknowledged"
    if machine.sent_at is None:
        return "Ready"
    moment = cal.local(now)
    escalate = escalate_due(launch, partner, cal, machine.sent_at)
    if machine.escalated_at is not None or (escalate is not None and moment >= escalate):
        return "Escalated"
    ack = ack_due(launch, partner, cal, machine.sent_at)
    if ack is not None and moment >= ack:
        return "Overdue"
    return "Sent"
