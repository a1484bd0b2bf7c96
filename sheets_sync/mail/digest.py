"""What goes into the staff digest: the Today list (``domain.today``, the same list the
Today tab shows; its Now and Today rows), section by section, then the problems found in
the workbook that no earlier digest reported."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.today import Action, needs_action_today, sections
from ..outputs import SyncContext
from .facts import Section, problem_key
from .ledger import Ledger

NEW_PROBLEMS = "New problems in the workbook"


def short_ref(ref: str) -> str:
    """A ledger reference without its attempt suffix ("L-009#2" -> "L-009")."""
    return ref.split("#")[0]


def digest_content(ledger: Ledger, ctx: SyncContext, desk: Sequence[Action]) -> list[Section]:
    """The digest's sections: the Now and Today part of ``desk`` (this sync's Today list),
    most urgent section first, then the new problems (each listed once: those an earlier
    digest reported are left out)."""
    out = [Section(title, [a.line() for a in actions])
           for title, actions in sections(needs_action_today(desk))]
    keys = {problem_key(*p.identity): p.message for p in ctx.outputs.problems}
    new_keys = ledger.fresh(list(keys), ctx.today.isoformat())
    new_problems = [msg for k, msg in keys.items() if k in new_keys]
    if new_problems:
        out.append(Section(NEW_PROBLEMS, new_problems))
    return out
