"""Partner Problems ⚙ State, Decided At and Hours To Decision, and Launches ⚙ Problem
(reads every Partner Problems row, its Decision and its ⚙ cells, and the launches; writes
those ⚙ cells, and an Activity row "decision" when a Decision is first seen). Runs before
the launches step, which judges a launch Problem while any report on it has no decision.
The decision's email to the partner is the mail step's; the rules
(``domain.partner_problems``) are told there."""

from __future__ import annotations

from ..cells import parse_number, to_text
from ..domain import partner_problems as pp
from ..errors import CellError
from ..outputs import ActivityRow, SyncContext


def _version(ctx: SyncContext, pid: str) -> int:
    try:
        number = parse_number(ctx.machine(pp.TAB, pid, "Version"))
    except CellError:
        return 0
    return int(number) if number is not None and number > 0 else 0


def problem_facts(ctx: SyncContext) -> list[pp.ProblemFacts]:
    """Every report with its launch, partner and ⚙ cells as this sync leaves them so far."""
    w = ctx.workshop
    launches = {pp.fold(la.launch_id): la for la in reversed(w.launches)}
    out = []
    for p in w.partner_problems:
        launch = launches.get(pp.fold(p.launch_id))
        partner = w.partner(p.partner) or w.partner(launch.partner if launch else None)
        pid = p.problem_id
        machine = pp.ProblemMachine(
            decided_at=ctx.machine_moment(pp.TAB, pid, "Decided At"),
            sent_decision=to_text(ctx.machine(pp.TAB, pid, "Sent Decision")) or None,
            sent_at=ctx.machine_moment(pp.TAB, pid, "Sent At"),
            version=_version(ctx, pid),
        )
        out.append(pp.ProblemFacts(p, launch, partner, machine))
    return out


def open_problems(ctx: SyncContext, launch_id: str) -> int:
    """Reports on the launch with no decision (this sync's new ones included)."""
    found = ctx.facts.get("open problems")
    if found is None:
        found = ctx.facts["open problems"] = {
            key: sum(1 for p in group if not p.decided)
            for key, group in pp.by_launch(ctx.workshop.partner_problems).items()
        }
    return int(found.get(pp.fold(launch_id), 0))


def partner_problems_step(ctx: SyncContext) -> None:
    """Stamp the decisions, and say each launch's open problems on Launches ⚙ Problem."""
    cal = ctx.calendar()
    for f in problem_facts(ctx):
        for column, value in pp.decision_cells(f.problem, f.machine, cal, ctx.now).items():
            ctx.outputs.set(pp.TAB, f.pid, column, value)
        p = f.problem
        if p.decided and f.machine.decided_at is None:  # first seen: on the audit trail
            ctx.outputs.activity.append(ActivityRow(
                f"decision:{p.problem_id}", ctx.now, "decision", p.launch_id,
                p.decided_by or "staff", f"on the report of {p.reported_at:%d/%m/%Y %H:%M}: "
                f"{pp.decision_text(p)}"))
    grouped = pp.by_launch(ctx.workshop.partner_problems)
    for launch in ctx.workshop.launches:
        text = pp.launch_problem_text(grouped.get(pp.fold(launch.launch_id), []))
        ctx.outputs.set("Launches", launch.launch_id, "Problem", text)
