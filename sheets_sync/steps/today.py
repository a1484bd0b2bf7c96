"""The Today tab (reads the Orders, Launches, Approvals and Partner Problems ⚙ cells as this
sync leaves them,
the Yields and Metal Stock lines, the Activity tab and the mail ledger; writes the whole tab:
one row per thing a person must act on, most urgent first, or one row saying there is none).

The list itself is ``domain.today``'s; this step gathers each source's facts from the sync
(``SOURCES``), keeps the list in ``ctx.facts["today"]`` and writes it. The staff digest
renders the same list (``desk_actions`` computes it once per sync, whoever asks first).

Adding a source: see ``domain.today``; its gatherer goes into ``SOURCES`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from ..cells import CellValue, parse_date, parse_number, to_text
from ..contract import TODAY as TODAY_TAB
from ..domain import today as dt
from ..domain.model import by_order
from ..domain.planning import current_stage, route_steps
from ..domain.stock import SAFE
from ..errors import CellError
from ..mail import ledger as lg
from ..mail.facts import approval_facts, launch_facts
from ..mail.ledger import Ledger
from ..outputs import SyncContext, row_under
from .partner_problems import problem_facts

Source = Callable[[SyncContext, Ledger | None], list[dt.Action]]
UNCERTAIN_DAYS = 7  # an email that may not have gone out stays on the desk this long


def _number(value: CellValue) -> float | None:
    try:
        return parse_number(value)
    except CellError:
        return None


def _date(value: CellValue) -> date | None:
    try:
        return parse_date(value)
    except CellError:
        return None


def pieces(ctx: SyncContext, _: Ledger | None) -> list[dt.Action]:
    """Late and at-risk pieces, with the next stage and who works on it."""
    w = ctx.workshop
    progress = by_order(w.progress)
    facts = []
    for o in w.orders:
        risk = to_text(ctx.machine("Orders", o.ref, "Risk"))
        if risk not in ("Late", "At risk"):
            continue
        steps = route_steps(o, w.workflow)
        state = current_stage(o, w.workflow, progress.get(o.ref.strip().casefold(), []))
        stage = next((s for s in steps if s.stage == state.next_stage), None)
        partner = w.partner(o.partner)
        if stage is not None and not (stage.skill or "").strip():
            who = f"{partner.name if partner else o.partner or 'the partner'} (partner)"
        else:
            who = f"{o.artisan} (artisan)" if o.artisan else "the bench (no artisan named)"
        slack = _number(ctx.machine("Orders", o.ref, "Slack (days)"))
        facts.append(dt.PieceFacts(
            o.ref, o.piece_type or "piece", risk, None if slack is None else int(slack),
            state.next_stage, _date(ctx.machine("Orders", o.ref, "Next Due")), o.promised, who))
    return dt.piece_actions(facts, ctx.today)


def launches(ctx: SyncContext, _: Ledger | None) -> list[dt.Action]:
    """Launches blocked, awaiting acknowledgement, overdue or escalated."""
    facts = [(launch_facts(ctx, la), to_text(ctx.machine("Launches", la.launch_id, "Missing")))
             for la in ctx.workshop.launches]
    return dt.launch_actions(facts, ctx.calendar(), ctx.now)


def problems(ctx: SyncContext, _: Ledger | None) -> list[dt.Action]:
    """Problems partners reported that wait for a decision (Partner Problems)."""
    return dt.problem_actions(problem_facts(ctx), ctx.calendar(), ctx.now,
                              ctx.config.workshop.problem_decision_hours)


def approvals(ctx: SyncContext, _: Ledger | None) -> list[dt.Action]:
    return dt.approval_actions(approval_facts(ctx), ctx.calendar(), ctx.now,
                               ctx.config.mail.approval_pending_days)


def metal(ctx: SyncContext, _: Ledger | None) -> list[dt.Action]:
    """Loss above alert and more returned than issued (Yields); count variances and books
    below zero (Metal Stock). An open casting (nothing back yet) is not an anomaly."""
    flags = [dt.MetalFlag("Yields", y.ref, f"{y.ref} ({y.alloy}): {y.flag}", y.day)
             for y in ctx.facts.get("yields", []) if y.flag and y.loss_g is not None]
    for s in ctx.facts.get("stock", []):
        if s.flag:
            holder = "the safe" if s.held_by == SAFE else s.held_by
            key = s.alloy if s.held_by == SAFE else f"{s.held_by} {s.alloy}"
            flags.append(dt.MetalFlag("Metal Stock", key, f"{s.alloy} in {holder}: {s.flag}",
                                      s.last_count))
    return dt.metal_actions(flags)


def emails(ctx: SyncContext, ledger: Ledger | None) -> list[dt.Action]:
    """Emails that may not have gone out (the last ``UNCERTAIN_DAYS`` days), and emails
    the server did not take (retried, or refused for the address)."""
    if ledger is None:
        return []
    since = ctx.now - timedelta(days=UNCERTAIN_DAYS)
    doubts = [dt.EmailDoubt(e.id, "uncertain", e.kind, e.ref.split("#")[0], e.recipient,
                            e.subject, ctx.calendar().local(e.updated_at), e.attempts)
              for e in ledger.uncertain_since(since) if e.kind != "digest"]
    doubts += [dt.EmailDoubt(e.id, e.status, e.kind, e.ref.split("#")[0], e.recipient,
                             e.subject, ctx.calendar().local(e.updated_at), e.attempts,
                             e.last_error)
               for e in ledger.entries(lg.FAILED) + ledger.entries(lg.REJECTED)]
    return dt.email_actions(doubts, ctx.now)


SOURCES: tuple[Source, ...] = (pieces, launches, problems, approvals, metal, emails)


def desk_actions(ctx: SyncContext, ledger: Ledger | None = None) -> list[dt.Action]:
    """The one list of this sync (computed once, then shared with the digest)."""
    found = ctx.facts.get("today")
    if found is None:
        found = ctx.facts["today"] = dt.desk_list(*(source(ctx, ledger) for source in SOURCES))
    return list(found)


def today_rows(actions: list[dt.Action]) -> list[list[CellValue]]:
    if not actions:
        return [row_under(TODAY_TAB.headers, {
            "Urgency": dt.NOTHING,
            "What": "Nothing needs acting on: no piece late or at risk, no launch, approval "
                    "or email waiting, no metal anomaly."})]
    return [
        row_under(TODAY_TAB.headers, {
            "Urgency": a.urgency_word, "What": a.what, "Who": a.who,
            "Since": a.since.date() if isinstance(a.since, datetime) else a.since,
            "Waiting": a.waiting or None, "Tab": a.tab, "Key": a.key,
        })
        for a in actions
    ]


def today_step(ledger: Ledger | None) -> Callable[[SyncContext], None]:
    """The step, reading email doubts from ``ledger`` (None: no mail ledger yet)."""

    def today_step(ctx: SyncContext) -> None:
        ctx.outputs.tabs[TODAY_TAB.name] = today_rows(desk_actions(ctx, ledger))

    return today_step
