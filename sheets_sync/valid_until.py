"""Until when a sync's outputs stay right with no human edit: the earliest moment any
⚙ cell, machine tab or email could change on the clock alone.

A full sync that changed nothing leaves its fingerprint and this moment (``rerun``); a
later sync that reads the very same workbook before this moment has nothing to do. So
this must never be late: every moment here is one a step compares ``now`` with, or one
at which a shown figure can turn over. Too early only costs a full sync.

* the next midnight in the workshop's zone: slack, risk, next due, load weeks, KPIs and
  months, yields and stock dated up to today, working days waiting, the digest's day;
* today's working-day opening and closing and the digest time: emails held outside
  working hours leave at the opening, working hours stop and start counting;
* each launch's launch moment (its notice, a blocked launch becoming Now), and, sent and
  not acknowledged, its acknowledgement and escalation due moments (state, reminder,
  escalation, on-time KPI);
* each approval's request moment and, once sent, its reminder moment;
* each undecided partner report's decision due moment (second alert, Now, KPI);
* each link's refresh moment and its expiry;
* each Today row counting hours ("2.3 h since sent", "1.5 h of 4 working h"): the moment
  its figure could next show another digit. Hours there grow at most as fast as the
  clock (working hours slower), so the next 0.05 h (0.5 h from 10 h on) is never late.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from .domain import today as dt
from .domain.launches import ack_due, escalate_due, problem_decision_due
from .links import LinkSigner
from .outputs import SyncContext
from .steps.links import LINK_MOMENTS, link_claims, refresh_moment

HOURS_SECTIONS = frozenset({dt.ACK_OVERDUE, dt.AWAITING_ACK, dt.PARTNER_PROBLEMS,
                            dt.EMAILS_UNCERTAIN, dt.EMAILS_UNDELIVERED})
MARGIN = timedelta(seconds=1)  # a shown figure turns over a little before its exact moment


def next_shown_hours(hours: float) -> float:
    """The next figure at which ``domain.today``'s hours text ("2.3 h", "14 h") could
    change: the next multiple of 0.05 h below 10 h, of 0.5 h from there on."""
    step = 0.05 if hours < 10 else 0.5
    return (math.floor(hours / step + 1e-9) + 1) * step


def hours_ticks(actions: Iterable[dt.Action], now: datetime) -> list[datetime]:
    """For each Today row counting hours (its weight is the hours shown), the moment its
    figure could next change."""
    out = []
    for a in actions:
        if a.section in HOURS_SECTIONS:
            ahead = next_shown_hours(a.weight) - a.weight
            out.append(now + timedelta(hours=ahead) - MARGIN)
    return out


def clock_moments(ctx: SyncContext, signer: LinkSigner | None) -> list[datetime]:
    """Every moment at which an output of this sync can change on its own (some may be
    past: ``valid_until`` keeps the future ones)."""
    cal = ctx.calendar()
    now = cal.local(ctx.now)
    today = now.date()
    out = [
        datetime.combine(today + timedelta(days=1), time(0), tzinfo=cal.tz),
        cal.at(today, cal.day_start),
        cal.at(today, cal.day_end),
        cal.at(today, ctx.config.mail.digest_time),
    ]
    w = ctx.workshop
    for la in w.launches:
        if la.launch_date is not None:
            out.append(cal.launch_moment(la.launch_date))
        sent = ctx.machine_moment("Launches", la.launch_id, "Sent At")
        if sent is not None and ctx.machine_moment("Launches", la.launch_id, "Acknowledged At") is None:
            partner = w.partner(la.partner)
            for due in (ack_due(la, partner, cal, sent), escalate_due(la, partner, cal, sent)):
                if due is not None:
                    out.append(due)
    days = ctx.config.mail.approval_reminder_days
    for a in w.approvals:
        if a.requested is not None:
            out.append(cal.launch_moment(a.requested))
        sent = ctx.machine_moment("Approvals", a.approval_id, "Sent At")
        if sent is not None:
            out.append(cal.at(cal.add_workdays(sent.date(), days), sent.time()))
    hours = ctx.config.workshop.problem_decision_hours
    for p in w.partner_problems:
        if not p.decided:
            out.append(problem_decision_due(cal.local(p.reported_at), cal, hours))
    if LINK_MOMENTS in ctx.facts:  # the links step says when the links it leaves turn
        out += ctx.facts[LINK_MOMENTS]
    elif signer is not None:
        for claims in link_claims(ctx, signer):
            out += [refresh_moment(signer, claims), claims.expires_at]
    out += hours_ticks(ctx.facts.get("today", []), now)
    return out


def valid_until(ctx: SyncContext, signer: LinkSigner | None) -> datetime:
    """The earliest moment from this sync's ``now`` on at which an output can change. A
    sync at the very moment of a deadline gets that moment (nothing is skipped after
    it): some outputs turn just after it ("more than 4 working hours")."""
    now = ctx.calendar().local(ctx.now)
    return min(m for m in clock_moments(ctx, signer) if m >= now)
