"""The mail step (reads every launch, approval and partner problem and their ⚙ stamps, the
Activity IDs and the mail ledger; writes Activity rows of kind "email", the ⚙ Sent At /
Reminded At / Escalated At stamps, a decision's ⚙ Sent Decision / Version, and sends
after the write). It decides which emails go out and sends them only after the workbook
write succeeded. No email is ever sent twice.

The never-twice protocol it follows is told in ``sheets_sync.mail`` (the package's
docstring).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain import notices as dn
from ..domain import partner_problems as pp
from ..domain.calendar import WorkCalendar
from ..domain.launches import LaunchMachine, launch_state
from ..domain.problems import WARNING, Problem
from ..errors import MailError
from ..mail import ledger as lg
from ..mail.delivery import deliver
from ..mail.digest import digest_content, short_ref
from ..mail.facts import (
    address_problem,
    approval_context,
    approval_facts,
    launch_context,
    launch_facts,
    problem_context,
)
from ..mail.ledger import Entry, Ledger
from ..mail.mailer import Mailer, parse_address
from ..mail.notices import SUBJECTS, build_message, fmt_day
from ..outputs import ActivityRow, SyncContext
from .launches import sheet_gaps
from .partner_problems import problem_facts
from .today import desk_actions

log = logging.getLogger(__name__)

ACTOR = "sheets-sync"
MAX_BACKOFF = timedelta(hours=4)
FIRST_BACKOFF = timedelta(minutes=5)
DIGEST_MODES = ("scheduled", "force", "off")

STAMP_OF = {
    dn.LAUNCH_NOTICE: ("Launches", "Sent At"),
    dn.ACK_REMINDER: ("Launches", "Reminded At"),
    dn.ESCALATION: ("Launches", "Escalated At"),
    dn.APPROVAL_REQUEST: ("Approvals", "Sent At"),
    dn.APPROVAL_REMINDER: ("Approvals", "Reminded At"),
}
PROBLEM_KINDS = (dn.PROBLEM_ALERT, dn.PROBLEM_SECOND_ALERT, dn.PROBLEM_DECISION)


def backoff(attempts: int) -> timedelta:
    factor: int = 1 << min(max(attempts - 1, 0), 16)
    return min(FIRST_BACKOFF * factor, MAX_BACKOFF)


@dataclass
class _Run:
    ctx: SyncContext
    cal: WorkCalendar
    launches: dict[str, dn.LaunchFacts]
    approvals: dict[str, dn.ApprovalFacts]
    problems: dict[str, pp.ProblemFacts]  # by Problem ID
    to_send: list[str]
    after: list[Callable[[], None]]


class MailStep:
    """``MailStep(mailer, ledger)(ctx)``; ``digest``: "scheduled" (at digest_time on
    working days), "force" (today's digest now, still once a day) or "off"."""

    __name__ = "mail_step"

    def __init__(self, mailer: Mailer, ledger: Ledger, *, digest: str = "scheduled") -> None:
        if digest not in DIGEST_MODES:
            raise MailError(f"digest mode must be one of {', '.join(DIGEST_MODES)}")
        self.mailer = mailer
        self.ledger = ledger
        self.digest = digest
        self.delivered: list[str] = []  # ids accepted by the mailer (for reports and tests)

    def with_digest(self, mode: str) -> MailStep:
        step = MailStep(self.mailer, self.ledger, digest=mode)
        step.delivered = self.delivered
        return step

    # ---- the step ---------------------------------------------------------------------

    def __call__(self, ctx: SyncContext) -> None:
        cal = ctx.calendar()
        run = _Run(
            ctx,
            cal,
            {la.launch_id: launch_facts(ctx, la) for la in ctx.workshop.launches},
            {a.approval.approval_id: a for a in approval_facts(ctx)},
            {f.pid: f for f in problem_facts(ctx)},
            [],
            [],
        )
        sending = dn.is_sending_time(cal, ctx.now)
        self._ledger_driven(run, sending)
        w = ctx.config.workshop
        rules = dn.Rules(w.manager_email, ctx.config.mail.approval_reminder_days, w.problem_decision_hours)
        seen = self.ledger.first_seen_all(
            [f"approval:{aid}" for aid in run.approvals], ctx.today.isoformat()
        )
        approvals = [(af, datetime.fromisoformat(seen[f"approval:{aid}"]).date())
                     for aid, af in run.approvals.items()]
        due = dn.all_due(run.launches.values(), approvals, cal, ctx.now, rules)
        due += [n for f in run.problems.values() for n in pp.problem_notices(f, cal, ctx.now, rules)]
        waiting = []
        for notice in due:
            if sending:
                self._consider(run, notice)
            elif self.ledger.get(notice.id) is None and notice.id not in ctx.activity_ids:
                waiting.append(f"{_words(notice.kind)} to {notice.recipient or '(no address)'} "
                               f"about {short_ref(notice.ref)}")
        if waiting:  # for the run's report: they leave at the next working hour
            ctx.facts["emails_waiting"] = (waiting, dn.next_sending_time(cal, ctx.now))
        ctx.facts["emails_delivered"] = self.delivered  # filled after the write
        if self.digest != "off":
            self._digest(run)
        if run.to_send or run.after:
            ids, after = list(run.to_send), list(run.after)
            moment = ctx.now
            ctx.after_write.append(lambda: self._after_write(ids, after, moment))

    def _ledger_driven(self, run: _Run, sending: bool) -> None:
        """Retries of failed emails, resumption of written-but-unsent ones, and problems
        for rejected addresses."""
        ctx = run.ctx
        open_entries = self.ledger.open_entries()
        for entry in open_entries:
            if entry.status == lg.REJECTED:
                self._rejected(run, entry)
        candidates = [
            e
            for e in open_entries
            if e.status == lg.FAILED or (e.status == lg.INTENT and e.id in ctx.activity_ids)
        ]
        for entry in candidates:
            if not (sending or entry.kind == dn.DIGEST):
                continue
            why_not = self._unwanted(run, entry)
            if why_not:
                self.ledger.cancel(entry.id, ctx.now, why_not)
                continue
            if entry.status == lg.FAILED and ctx.now - entry.updated_at < backoff(entry.attempts):
                continue
            n = entry.attempts + 1
            detail = f"attempt {n}: {entry.kind} to {entry.recipient}"
            if entry.last_error:
                detail += f" (last time: {entry.last_error})"
            ctx.outputs.activity.append(
                ActivityRow(f"{entry.id}~{n}", ctx.now, "email", short_ref(entry.ref), ACTOR, detail)
            )
            stamp = STAMP_OF.get(entry.kind)
            if stamp:
                ctx.outputs.set(stamp[0], short_ref(entry.ref), stamp[1], ctx.now)
                self._refresh_state(run, stamp[0], short_ref(entry.ref))
            run.to_send.append(entry.id)

    def _unwanted(self, run: _Run, entry: Entry) -> str:
        """Why a not-yet-sent email should no longer go out ("" when it still should)."""
        ref = short_ref(entry.ref)
        if entry.kind == dn.DIGEST:
            return "" if entry.ref == run.ctx.today.isoformat() else "a digest of another day"
        if entry.kind in (dn.APPROVAL_REQUEST, dn.APPROVAL_REMINDER):
            af = run.approvals.get(ref)
            if af is None:
                return "the approval row is gone"
            return "" if af.state == "Pending" else f"the approval is {af.state}"
        if entry.kind in PROBLEM_KINDS:
            return pp.why_not_now(entry.kind, entry.ref, run.problems)
        lf = run.launches.get(ref)
        if lf is None:
            return "the launch row is gone"
        if lf.acknowledged_at is not None:
            return "the partner acknowledged"
        return ""

    def _rejected(self, run: _Run, entry: Entry) -> None:
        place = self._address_place(run, entry)
        if place is None:
            return
        tab, key, current = place
        if current.strip().casefold() == entry.recipient.strip().casefold():
            run.ctx.outputs.problems.append(
                Problem(
                    tab,
                    key,
                    "Email",
                    WARNING,
                    f"{tab} ({key}), column Email: the mail server refused "
                    f"{entry.recipient} ({entry.last_error}); the {_words(entry.kind)} "
                    f"for {short_ref(entry.ref)} was not delivered; correct the address",
                )
            )
            return
        # corrected: clear the stamp so the email is decided again for the new address
        stamp = STAMP_OF.get(entry.kind)
        if stamp:
            run.ctx.outputs.set(stamp[0], short_ref(entry.ref), stamp[1], None)
        if entry.kind == dn.PROBLEM_DECISION:  # that version again, to the new address
            _, pid, version = pp.notice_parts(entry.ref)
            for column, value in (("Sent Decision", None), ("Sent At", None),
                                  ("Version", version - 1 or None), ("State", pp.DECIDED)):
                run.ctx.outputs.set(pp.TAB, pid, column, value)
        eid, at = entry.id, run.ctx.now
        run.after.append(lambda: self.ledger.cancel_rejected(eid, at))

    def _address_place(self, run: _Run, entry: Entry) -> tuple[str, str, str] | None:
        ref = short_ref(entry.ref)
        if entry.kind == dn.PROBLEM_DECISION:
            pf = run.problems.get(pp.notice_parts(entry.ref)[1])
            if pf is None or pf.partner is None:
                return None
            return ("Partners", pf.partner.partner_id, pf.partner.email or "")
        if entry.kind in (dn.LAUNCH_NOTICE, dn.ACK_REMINDER):
            lf = run.launches.get(ref)
            if lf is None or lf.partner is None:
                return None
            return ("Partners", lf.partner.partner_id, lf.partner.email or "")
        if entry.kind in (dn.APPROVAL_REQUEST, dn.APPROVAL_REMINDER):
            af = run.approvals.get(ref)
            if af is None or af.client is None:
                return None
            return ("Clients", af.client.client_id, af.client.email or "")
        return None

    def _consider(self, run: _Run, notice: dn.Notice) -> None:
        ctx = run.ctx
        entry = self.ledger.get(notice.id)
        written = notice.id in ctx.activity_ids
        if entry is None and written:
            return  # decided by another run whose ledger we do not have: done
        if entry is not None and not (entry.status == lg.INTENT and not written):
            return  # the ledger drives it (sent, sending, failed, rejected, ...)
        problem = address_problem(notice)
        if problem is not None:
            ctx.outputs.problems.append(problem)
            return
        context, subject = self._content(run, notice)
        self._decide(run, notice, subject, context)

    def _content(self, run: _Run, notice: dn.Notice) -> tuple[dict[str, Any], str]:
        ref = notice.ref.split("#")[0]
        if notice.kind in PROBLEM_KINDS:
            c = problem_context(run.ctx, run.problems[pp.notice_parts(notice.ref)[1]], run.cal, notice)
        elif notice.kind in (dn.APPROVAL_REQUEST, dn.APPROVAL_REMINDER):
            c = approval_context(run.ctx, run.approvals[ref], notice)
        else:
            c = launch_context(run.ctx, run.launches[ref], run.cal, notice)
        return c, SUBJECTS[notice.kind](c)

    def _decide(self, run: _Run, notice: dn.Notice, subject: str, context: dict[str, Any]) -> None:
        ctx = run.ctx
        message = build_message(
            email_id=notice.id,
            config=ctx.config,
            to=parse_address(notice.recipient),
            subject=subject,
            context=context,
            kind=notice.kind,
            now=ctx.now,
        )
        self.ledger.record_intent(
            notice.id,
            notice.kind,
            notice.ref,
            notice.recipient,
            str(message["Subject"]),
            ctx.now,
            message.as_bytes(),
        )
        ctx.outputs.activity.append(
            ActivityRow(
                notice.id,
                ctx.now,
                "email",
                notice.ref.split("#")[0],
                ACTOR,
                f"{_words(notice.kind)} to {notice.recipient}: {message['Subject']}",
            )
        )
        if notice.stamp is not None:
            ctx.outputs.set(notice.stamp.tab, notice.stamp.key, notice.stamp.column, ctx.now)
            for column, value in notice.marks:
                ctx.outputs.set(notice.stamp.tab, notice.stamp.key, column, value)
            self._refresh_state(run, notice.stamp.tab, notice.stamp.key)
        run.to_send.append(notice.id)

    def _refresh_state(self, run: _Run, tab: str, key: str) -> None:
        """Keep ⚙ State in step with a stamp set in this sync (the launch step ran first)."""
        if tab != "Launches" or key not in run.launches:
            return
        ctx, f = run.ctx, run.launches[key]

        machine = LaunchMachine(
            sent_at=ctx.machine_moment(tab, key, "Sent At"),
            acknowledged_at=f.acknowledged_at,
            open_problems=f.open_problems,
            escalated_at=ctx.machine_moment(tab, key, "Escalated At"),
        )
        state = launch_state(f.launch, sheet_gaps(ctx, f.launch), f.partner, run.cal, ctx.now, machine)
        ctx.outputs.set(tab, key, "State", state)

    # ---- the digest -------------------------------------------------------------------

    def _digest(self, run: _Run) -> None:
        ctx = run.ctx
        cfg = ctx.config
        recipients = list(cfg.workshop.staff_emails) or (
            [cfg.workshop.manager_email] if cfg.workshop.manager_email else []
        )
        notices = dn.digest_notices(
            run.cal, ctx.now, cfg.mail.digest_time, recipients, force=self.digest == "force"
        )
        fresh = [n for n in notices if self.ledger.get(n.id) is None and n.id not in ctx.activity_ids]
        if not fresh:
            return
        sections = digest_content(self.ledger, ctx, desk_actions(ctx, self.ledger))
        for notice in fresh:
            if not sections and cfg.mail.digest_skip_empty:
                self.ledger.mark_skipped(notice.id, notice.kind, notice.ref, notice.recipient, ctx.now)
                continue
            problem = address_problem(notice)
            if problem is not None:
                ctx.outputs.problems.append(problem)
                continue
            count = sum(len(s.items) for s in sections)
            subject = (
                f"{cfg.workshop.name}: digest of {fmt_day(ctx.today)}, "
                f"{count} item{'s' if count != 1 else ''}"
            )
            context = {"sections": sections, "digest_day": ctx.today}
            self._decide(run, notice, subject, context)

    # ---- after the write --------------------------------------------------------------

    def _after_write(self, ids: list[str], after: list[Callable[[], None]], now: datetime) -> None:
        for action in after:
            action()
        self.deliver(ids, now)

    def deliver(self, ids: list[str], now: datetime) -> None:
        """Send the decided emails (see ``delivery.deliver``)."""
        self.delivered.extend(deliver(self.mailer, self.ledger, ids, now))


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def build_mail_step(
    config: Any,
    *,
    digest: str = "scheduled",
    mailer: Mailer | None = None,
    ledger: Ledger | None = None,
) -> MailStep:
    """The mail step as config.toml describes it ([mail] transport, outbox, ledger)."""
    from ..mail.mailer import mailer_for

    return MailStep(
        mailer or mailer_for(config),
        ledger or Ledger(config.mail.ledger_path),
        digest=digest,
    )


def forced_digest(steps: list[Any]) -> list[Any]:
    """The same steps with the mail step set to send today's digest now."""
    return [s.with_digest("force") if isinstance(s, MailStep) else s for s in steps]
