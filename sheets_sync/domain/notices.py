"""Which emails are due now: pure rules, no I/O, no clock (``now`` is an argument).

Every email has a **deterministic id** built from what it is about, never from when a sync
happened to run: ``email:<kind>:<reference>:<recipient>:<due moment in UTC>``. Two syncs
that agree on the workbook agree on the ids, so the Activity tab and the local mail ledger
can tell "already handled" by id alone (see ``sheets_sync.steps.mail``).

Due moments (all aware datetimes in the workshop's zone):

* launch notice: the launch moment (``day_start`` on Launch Date), once the launch sheet is
  complete (state not Blocked) and ⚙ Sent At is blank;
* acknowledgement reminder: ``launches.ack_due`` (launch moment or sending + Ack Hours,
  elapsed hours); escalation to the manager: ``launches.escalate_due``; both only while the
  launch is unacknowledged and not in Problem;
* problem alert to the manager, one per report: when the partner reported it (its
  Partner Problems row's Reported At); a second alert when ``problem_decision_hours``
  working hours have passed and the row still has no decision; the decision to the
  partner, once per version (``partner_problems``);
* approval request to the client: ``day_start`` on Requested (or the moment the row was
  first seen unsent); one reminder ``approval_reminder_days`` working days after sending
  while still Pending;
* staff digest: ``digest_time`` on each working day.

Emails go out only in working time (``is_sending_time``): a notice that falls due on a
Saturday goes out on Monday at opening, with its id unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from .calendar import WorkCalendar
from .launches import ack_due, escalate_due
from .model import Approval, Client, Launch, Order, Partner

LAUNCH_NOTICE = "launch_notice"
ACK_REMINDER = "ack_reminder"
ESCALATION = "escalation"
PROBLEM_ALERT = "problem_alert"
PROBLEM_SECOND_ALERT = "problem_second_alert"
PROBLEM_DECISION = "problem_decision"
APPROVAL_REQUEST = "approval_request"
APPROVAL_REMINDER = "approval_reminder"
DIGEST = "digest"

KINDS = (
    LAUNCH_NOTICE,
    ACK_REMINDER,
    ESCALATION,
    PROBLEM_ALERT,
    PROBLEM_SECOND_ALERT,
    PROBLEM_DECISION,
    APPROVAL_REQUEST,
    APPROVAL_REMINDER,
    DIGEST,
)

BLOCKED_PREFIX = "Blocked"
ANSWERED_APPROVAL_STATES = ("Approved", "Changes requested")


def notice_id(kind: str, ref: str, recipient: str, due: datetime) -> str:
    """``email:launch_notice:L-0001:atelier@example.com:20260302T0800Z``."""
    moment = due.astimezone(UTC).strftime("%Y%m%dT%H%MZ") if due.tzinfo else due.isoformat()
    return f"email:{kind}:{ref}:{recipient.strip().casefold()}:{moment}"


@dataclass(frozen=True)
class Stamp:
    """The ⚙ cell that records an email went out: (tab, key, column without the gear)."""

    tab: str
    key: str
    column: str


@dataclass(frozen=True)
class Notice:
    kind: str
    ref: str  # Launch ID, Approval ID, or the digest's date
    recipient: str  # as written (validated by the mail step); "" when there is none
    due: datetime
    # where a bad or missing address is reported: (tab, key) of the row holding the Email
    address_place: tuple[str, str]
    stamp: Stamp | None = None
    order_ref: str = ""
    # more ⚙ cells of the stamp's row, set with it when the email is decided
    marks: tuple[tuple[str, str | int], ...] = ()

    @property
    def id(self) -> str:
        return notice_id(self.kind, self.ref, self.recipient, self.due)


@dataclass(frozen=True)
class LaunchFacts:
    """A launch with what the product recorded about it (⚙ cells as after this sync)."""

    launch: Launch
    order: Order | None
    partner: Partner | None
    state: str
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    open_problems: int = 0  # reports on the launch with no decision yet


@dataclass(frozen=True)
class ApprovalFacts:
    approval: Approval
    order: Order | None
    client: Client | None
    state: str
    sent_at: datetime | None = None
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class Rules:
    manager_email: str
    approval_reminder_days: int = 3
    problem_decision_hours: float = 4.0


def is_sending_time(cal: WorkCalendar, now: datetime) -> bool:
    """Emails leave only on working days between day_start and day_end."""
    local = cal.local(now)
    return cal.is_workday(local.date()) and cal.day_start <= local.time() < cal.day_end


def next_sending_time(cal: WorkCalendar, now: datetime) -> datetime:
    """When emails can next leave: ``now`` in working time, else the next opening."""
    local = cal.local(now)
    if is_sending_time(cal, now):
        return local
    day = local.date()
    if cal.is_workday(day) and local.time() < cal.day_start:
        return cal.at(day, cal.day_start)
    return cal.at(cal.add_workdays(day, 1), cal.day_start)


def _partner_place(f: LaunchFacts) -> tuple[str, str]:
    return ("Partners", f.partner.partner_id if f.partner else f.launch.partner)


def launch_notices(
    facts: LaunchFacts,
    cal: WorkCalendar,
    now: datetime,
    rules: Rules,
) -> list[Notice]:
    """Emails about one launch that are due at ``now`` (handled or not: the step filters).
    Problem alerts and decisions are per report (``partner_problems.problem_notices``)."""
    launch, now = facts.launch, cal.local(now)
    out: list[Notice] = []
    lid = launch.launch_id
    partner_email = (facts.partner.email or "") if facts.partner else ""
    order_ref = launch.order_ref
    manager_place = ("Config", "workshop.manager_email")
    if facts.state.startswith(BLOCKED_PREFIX) or launch.launch_date is None:
        return out
    moment = cal.launch_moment(launch.launch_date)
    if facts.sent_at is None:
        if now >= moment and facts.acknowledged_at is None:
            out.append(
                Notice(
                    LAUNCH_NOTICE,
                    lid,
                    partner_email,
                    moment,
                    _partner_place(facts),
                    Stamp("Launches", lid, "Sent At"),
                    order_ref,
                )
            )
        return out
    if facts.open_problems:
        return out  # the partner waits on us: no reminder, no escalation (alerts: per report)
    if facts.acknowledged_at is not None:
        return out
    ack = ack_due(launch, facts.partner, cal, facts.sent_at)
    if ack is not None and now >= ack and facts.reminded_at is None:
        out.append(
            Notice(
                ACK_REMINDER,
                lid,
                partner_email,
                ack,
                _partner_place(facts),
                Stamp("Launches", lid, "Reminded At"),
                order_ref,
            )
        )
    esc = escalate_due(launch, facts.partner, cal, facts.sent_at)
    if esc is not None and now >= esc and facts.escalated_at is None:
        out.append(
            Notice(
                ESCALATION,
                lid,
                rules.manager_email,
                esc,
                manager_place,
                Stamp("Launches", lid, "Escalated At"),
                order_ref,
            )
        )
    return out


def approval_notices(
    facts: ApprovalFacts, cal: WorkCalendar, now: datetime, rules: Rules, first_seen: date
) -> list[Notice]:
    """The request (once) and one reminder for an approval still waiting on the client.

    ``first_seen`` is the date to count from when Requested is blank (the step passes the
    date the product first noticed the row, so the id stays the same on later syncs)."""
    a, now = facts.approval, cal.local(now)
    if facts.state in ANSWERED_APPROVAL_STATES:
        return []
    email = (facts.client.email or "") if facts.client else ""
    client_key = (
        facts.client.client_id
        if facts.client
        else ((facts.order.client or "") if facts.order else "")
    )
    place = ("Clients", client_key)
    if facts.sent_at is None:
        requested = cal.launch_moment(a.requested or first_seen)
        if now < requested:
            return []
        return [
            Notice(
                APPROVAL_REQUEST,
                a.approval_id,
                email,
                requested,
                place,
                Stamp("Approvals", a.approval_id, "Sent At"),
                a.order_ref,
            )
        ]
    if facts.reminded_at is not None:
        return []
    sent = cal.local(facts.sent_at)
    due = cal.at(cal.add_workdays(sent.date(), rules.approval_reminder_days), sent.time())
    if now < due:
        return []
    return [
        Notice(
            APPROVAL_REMINDER,
            a.approval_id,
            email,
            due,
            place,
            Stamp("Approvals", a.approval_id, "Reminded At"),
            a.order_ref,
        )
    ]


def digest_moment(cal: WorkCalendar, day: date, digest_time: time) -> datetime:
    return cal.at(day, digest_time)


def digest_notices(
    cal: WorkCalendar,
    now: datetime,
    digest_time: time,
    recipients: Sequence[str],
    *,
    force: bool = False,
) -> list[Notice]:
    """Today's digest, one email per staff address, once its time has come on a working
    day (``force``: now, whatever the day or hour, still once per day)."""
    local = cal.local(now)
    moment = digest_moment(cal, local.date(), digest_time)
    if not force and (not cal.is_workday(local.date()) or local < moment):
        return []
    ref = local.date().isoformat()
    return [Notice(DIGEST, ref, r, moment, ("Config", "workshop.staff_emails")) for r in recipients]


def all_due(
    launches: Iterable[LaunchFacts],
    approvals: Iterable[tuple[ApprovalFacts, date]],
    cal: WorkCalendar,
    now: datetime,
    rules: Rules,
) -> list[Notice]:
    """Every launch and approval email due at ``now`` (the digest is separate)."""
    out: list[Notice] = []
    for lf in launches:
        out.extend(launch_notices(lf, cal, now, rules))
    for af, first_seen in approvals:
        out.extend(approval_notices(af, cal, now, rules, first_seen))
    return out
