"""What goes into the staff digest: the sections of the day, plus what the mail ledger
knows (emails that may or may not have gone out, emails that could not be delivered)."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain import notices as dn
from ..domain.calendar import WorkCalendar
from ..outputs import SyncContext
from . import ledger as lg
from .facts import Section, digest_sections, problem_key
from .ledger import Ledger
from .notices import fmt_day


def short_ref(ref: str) -> str:
    """A ledger reference without its attempt suffix ("L-009#2" -> "L-009")."""
    return ref.split("#")[0]


def digest_content(
    ledger: Ledger,
    ctx: SyncContext,
    cal: WorkCalendar,
    launches: Sequence[dn.LaunchFacts],
    approvals: Sequence[dn.ApprovalFacts],
) -> list[Section]:
    """The digest's sections. Problems are listed once: those already reported in an
    earlier digest are left out."""
    last = ledger.last(dn.DIGEST, (lg.SENT, lg.SENDING, lg.SKIPPED))
    since = last.created_at if last else None
    uncertain = [
        f"{e.kind} to {e.recipient} about {short_ref(e.ref)} ({e.subject}), "
        f"attempted {fmt_day(e.updated_at)}; id {e.id}"
        for e in ledger.uncertain_since(since)
        if e.kind != dn.DIGEST
    ]
    undelivered = [
        f"{e.kind} to {e.recipient} about {short_ref(e.ref)}: {e.last_error} ({e.attempts} attempts)"
        for e in ledger.entries(lg.FAILED) + ledger.entries(lg.REJECTED)
    ]
    keys = {problem_key(*p.identity): p.message for p in ctx.outputs.problems}
    new_keys = ledger.fresh(list(keys), ctx.today.isoformat())
    new_problems = [msg for k, msg in keys.items() if k in new_keys]
    return digest_sections(ctx, cal, launches, approvals, new_problems, uncertain, undelivered)
