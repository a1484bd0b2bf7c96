"""The desk at a glance: one list of what people must act on now, most urgent first.

Pure: each *source* below turns plain facts into ``Action``s; ``desk_list`` puts them in
order. The Today tab (``steps.today``) and the staff digest (``mail.digest``) are two
renderings of this one list, so they never disagree: the tab shows all of it, the digest
its Now and Today part (``needs_action_today``).

Every Action says what, who should act, since when, how long it has waited, and where to
look (tab and key). Urgency: ``NOW`` (someone is already waiting on us, or a promise is
broken), ``TODAY`` (act today or it will be), ``THIS_WEEK`` (in hand, keep an eye on it).

Adding a source (as partner problems awaiting a decision were, from their own tab):

1. here, a pure function ``<thing>_actions(facts..., cal, now) -> list[Action]`` that makes
   one Action per thing, with its urgency, ``section`` (the digest's heading; add it to
   ``SECTIONS`` where it belongs in the digest's order), who, since, waiting, tab and key;
2. in ``steps/today.py``, a gatherer ``(ctx) -> list[Action]`` that reads the facts from
   the sync context and calls it, added to ``SOURCES``;
3. a worked example in ``tests/domain/test_today.py``.

The Today tab and the digest pick it up with no other change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .calendar import WorkCalendar
from .launches import ack_due, problem_decision_due
from .notices import ApprovalFacts, LaunchFacts
from .partner_problems import ProblemFacts

NOW, TODAY, THIS_WEEK = 0, 1, 2
URGENCY = ("Now", "Today", "This week")
NOTHING = "Nothing to act on"

EMAILS_UNCERTAIN = "Emails that may or may not have gone out (not resent; please check)"
PARTNER_PROBLEMS = "Partner problems awaiting a decision"
PIECES = "Late and at-risk pieces"
ACK_OVERDUE = "Acknowledgements overdue"
BLOCKED = "Launches blocked by an incomplete sheet"
METAL = "Metal anomalies"
APPROVALS = "Approvals pending"
AWAITING_ACK = "Launches awaiting acknowledgement"
EMAILS_UNDELIVERED = "Emails waiting to be delivered"
SECTIONS = (EMAILS_UNCERTAIN, PARTNER_PROBLEMS, PIECES, ACK_OVERDUE, BLOCKED, METAL,
            APPROVALS, AWAITING_ACK, EMAILS_UNDELIVERED)


@dataclass(frozen=True)
class Action:
    urgency: int  # NOW, TODAY or THIS_WEEK
    section: str  # one of SECTIONS
    what: str  # the thing, in words, with the figures that matter
    who: str  # who should act
    since: date | datetime | None  # since when it waits (None: nothing has slipped yet)
    waiting: str  # how long, in words ("3 working days late", "26 h")
    tab: str  # where to look
    key: str
    weight: float = 0.0  # within one urgency and section, bigger comes first

    @property
    def urgency_word(self) -> str:
        return URGENCY[self.urgency]

    def line(self) -> str:
        """The Action as one line of the digest."""
        waiting = f", {self.waiting}" if self.waiting else ""
        return f"{self.what} ({self.who}{waiting}; {self.tab} {self.key})"


def desk_list(*groups: Iterable[Action]) -> list[Action]:
    """Every source's actions, most urgent first: by urgency, then the digest's section
    order, then weight (the longest wait or the biggest slip first), then key."""
    order = {s: i for i, s in enumerate(SECTIONS)}
    actions = [a for g in groups for a in g]
    return sorted(actions, key=lambda a: (a.urgency, order.get(a.section, len(order)),
                                          -a.weight, a.tab, a.key))


def needs_action_today(actions: Sequence[Action]) -> list[Action]:
    """The part of the list the staff digest carries: Now and Today (This week is in hand
    and stays on the Today tab)."""
    return [a for a in actions if a.urgency <= TODAY]


def sections(actions: Sequence[Action]) -> list[tuple[str, list[Action]]]:
    """The list cut into the digest's sections, each in the list's order; a section comes
    where its first (most urgent) action is."""
    out: dict[str, list[Action]] = {}
    for a in actions:
        out.setdefault(a.section, []).append(a)
    return list(out.items())


def _days(n: int, word: str = "working day") -> str:
    return f"{n} {word}{'' if abs(n) == 1 else 's'}"


def _hours(h: float) -> str:
    return f"{h:.0f} h" if h >= 10 else f"{h:.1f} h".replace(".0 h", " h")


def _day(d: date | datetime | None) -> str:
    return "—" if d is None else d.strftime("%d/%m/%Y")


def _moment(d: datetime | None) -> str:
    return "—" if d is None else d.strftime("%d/%m/%Y %H:%M")


# ---- pieces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PieceFacts:
    """An order as the Orders ⚙ columns say after this sync."""

    ref: str
    piece: str
    risk: str
    slack: int | None
    next_stage: str | None
    next_due: date | None
    promised: date | None
    who: str  # the artisan for bench stages, the partner for outside ones


def piece_actions(pieces: Iterable[PieceFacts], today: date) -> list[Action]:
    """Late pieces act now, at-risk pieces today."""
    out = []
    for p in pieces:
        if p.risk not in ("Late", "At risk"):
            continue
        stage = f"{p.next_stage} due {_day(p.next_due)}" if p.next_stage else f"due {_day(p.next_due)}"
        slack = "slack unknown" if p.slack is None else f"slack {_days(p.slack)}"
        what = f"{p.ref} {p.piece}: {p.risk.lower()}, {stage}, {slack}, promised {_day(p.promised)}"
        if p.risk == "Late":
            behind = -p.slack if p.slack is not None and p.slack < 0 else 0
            since = p.next_due if p.next_due is not None and p.next_due <= today else None
            waiting = f"{_days(behind)} behind" if behind else "past its deadline"
            out.append(Action(NOW, PIECES, what, p.who, since, waiting, "Orders", p.ref,
                              float(behind)))
        else:
            left = p.slack if p.slack is not None else 0
            out.append(Action(TODAY, PIECES, what, p.who, None, f"{_days(left)} to spare",
                              "Orders", p.ref, -float(left)))
    return out


# ---- launches --------------------------------------------------------------------------------


def _partner(f: LaunchFacts) -> str:
    return f.partner.name if f.partner and f.partner.name else f.launch.partner


def launch_actions(launches: Iterable[tuple[LaunchFacts, str]], cal: WorkCalendar,
                   now: datetime) -> list[Action]:
    """Launches blocked, awaiting acknowledgement, overdue or escalated (a launch in state
    Problem is on the list by its reports: ``problem_actions``). ``launches``: (facts,
    what the sheet lacks)."""
    out: list[Action] = []
    now = cal.local(now)
    for f, missing in launches:
        la, lid = f.launch, f.launch.launch_id
        about = f"{lid} ({la.order_ref}, {la.task or 'job'} with {_partner(f)})"
        if f.state.startswith("Blocked") and f.sent_at is None:
            starts = cal.launch_moment(la.launch_date) if la.launch_date else None
            come = starts is not None and starts <= now
            waiting = (f"{_days(cal.workdays_between(starts.date(), now.date()))} past its launch date"
                       if come and starts is not None else f"launch date {_day(la.launch_date)}")
            out.append(Action(NOW if come else TODAY, BLOCKED,
                              f"{about} cannot go out: the sheet lacks {missing or 'details'}",
                              "Staff: complete the order", starts if come else None, waiting,
                              "Launches", lid))
        elif f.state in ("Overdue", "Escalated") and f.acknowledged_at is None:
            ack = ack_due(la, f.partner, cal, f.sent_at)
            hours = (now - cal.local(f.sent_at)).total_seconds() / 3600 if f.sent_at else 0.0
            who = "Manager: call the partner" if f.state == "Escalated" else f"Chase {_partner(f)}"
            out.append(Action(NOW, ACK_OVERDUE,
                              f"{about} not acknowledged, due {_moment(ack)} ({f.state.lower()})",
                              who, f.sent_at and cal.local(f.sent_at), f"{_hours(hours)} since sent",
                              "Launches", lid, hours))
        elif f.state == "Sent" and f.acknowledged_at is None and f.sent_at is not None:
            ack = ack_due(la, f.partner, cal, f.sent_at)
            hours = (now - cal.local(f.sent_at)).total_seconds() / 3600
            out.append(Action(THIS_WEEK, AWAITING_ACK,
                              f"{about} awaits acknowledgement, due {_moment(ack)}",
                              _partner(f), cal.local(f.sent_at), f"{_hours(hours)} since sent",
                              "Launches", lid, hours))
    return out


# ---- partner problems ------------------------------------------------------------------------


def problem_actions(problems: Iterable[ProblemFacts], cal: WorkCalendar, now: datetime,
                    decision_hours: float) -> list[Action]:
    """Reports with no decision yet, one each: Now once their working hours for a
    decision are spent, else Today; waiting says the working hours spent against them."""
    out = []
    now = cal.local(now)
    for f in problems:
        p = f.problem
        if p.decided:
            continue
        reported = cal.local(p.reported_at)
        spent = cal.working_hours_between(reported, now)
        due = problem_decision_due(reported, cal, decision_hours)
        partner = f.partner.name if f.partner and f.partner.name else (p.partner or "the partner")
        task = f.launch.task if f.launch and f.launch.task else "job"
        out.append(Action(NOW if now >= due else TODAY, PARTNER_PROBLEMS,
                          f"{p.launch_id} ({f.order_ref}, {task} with {partner}) reported: "
                          f"{p.report}; decide by {_moment(due)}",
                          "Manager: write the Decision", reported,
                          f"{_hours(spent)} of {decision_hours:g} working h",
                          "Partner Problems", p.problem_id, spent))
    return out


# ---- approvals -------------------------------------------------------------------------------


def approval_actions(approvals: Iterable[ApprovalFacts], cal: WorkCalendar, now: datetime,
                     pending_days: int) -> list[Action]:
    """Approvals still pending: today once they have waited more than ``pending_days``
    working days (time to call the client), else this week."""
    out = []
    now = cal.local(now)
    for f in approvals:
        if f.state != "Pending":
            continue
        a = f.approval
        client = f.client.name if f.client and f.client.name else "the client"
        about = f"{a.approval_id} ({a.order_ref}): {a.item or 'item'} for {client}"
        if f.sent_at is None:
            if f.client is None or not (f.client.email or "").strip():  # else it goes out
                out.append(Action(TODAY, APPROVALS,  # at the next working hour by itself
                                  f"{about}: the request cannot go out, the client has no email",
                                  "Staff: add the client's email", a.requested, "not sent",
                                  "Approvals", a.approval_id))
            continue
        sent = cal.local(f.sent_at)
        days = max(cal.workdays_between(sent.date(), now.date()), 0)
        urgency = TODAY if days > pending_days else THIS_WEEK
        who = f"Call {client}" if urgency == TODAY else client
        out.append(Action(urgency, APPROVALS, f"{about}, sent {_day(sent)}", who, sent,
                          _days(days), "Approvals", a.approval_id, float(days)))
    return out


# ---- metal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetalFlag:
    """A flagged Yields or Metal Stock row: loss above alert, more returned than issued, a
    count variance, a book below zero."""

    tab: str
    key: str
    what: str
    since: date | None = None


def metal_actions(flags: Iterable[MetalFlag]) -> list[Action]:
    return [Action(TODAY, METAL, f.what, "Staff: weigh and check the log", f.since, "",
                   f.tab, f.key) for f in flags]


# ---- emails ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailDoubt:
    """An email the mail ledger is not sure about: ``uncertain`` (it may have gone out),
    or ``failed``/``rejected`` (the server did not take it)."""

    id: str
    status: str
    kind: str
    ref: str
    recipient: str
    subject: str
    at: datetime
    attempts: int = 0
    error: str = ""


def email_actions(doubts: Iterable[EmailDoubt], now: datetime) -> list[Action]:
    out = []
    for d in doubts:
        words = d.kind.replace("_", " ")
        hours = max((now - d.at).total_seconds() / 3600, 0.0)
        if d.status == "uncertain":
            out.append(Action(NOW, EMAILS_UNCERTAIN,
                              f"{words} to {d.recipient} about {d.ref} ({d.subject}) may not "
                              f"have gone out; id {d.id}",
                              "Staff: ask the recipient", d.at, f"{_hours(hours)}",
                              "Activity", d.id, hours))
        else:
            who = "Staff: correct the address" if d.status == "rejected" else "Retried by itself"
            out.append(Action(TODAY if d.status == "rejected" else THIS_WEEK, EMAILS_UNDELIVERED,
                              f"{words} to {d.recipient} about {d.ref}: {d.error or d.status} "
                              f"({_days(d.attempts, 'attempt')})",
                              who, d.at, f"{_hours(hours)}", "Activity", d.id, hours))
    return out
