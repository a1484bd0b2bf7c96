"""What a sync changed, in the words a person uses: "JW-2320: Risk On track → Late".

``explain(ctx, changes)`` runs inside the sync, while the read is still at hand, and keeps
only what it needs to tell: the ⚙ cells of each keyed row before and after (grouped by
order, launch and approval), the rows of each machine tab matched **by their key**, not by
their position (so one new problem is one added problem, not sixty shifted cells), the
problems added and resolved, the answers applied and the emails decided or waiting.
``story_lines`` renders it; values are shown as the sheet shows them (``presentation``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .backends.base import ChangeSet
from .cells import CellValue, is_blank, to_text
from .contract import (
    ACTIVITY,
    KPI_TRENDS,
    KPIS,
    LOAD,
    METAL_STOCK,
    PROBLEMS,
    TODAY,
    YIELDS,
    is_machine_header,
    machine_tab,
    normalize,
)
from .diff import local, same
from .looks import look_of
from .outputs import SyncContext, key_positions
from .presentation import shown

# the columns that name a row of each machine tab (rows are found by key, never by position)
ROW_KEYS: dict[str, tuple[str, ...]] = {
    TODAY.name: ("Tab", "Key"),
    PROBLEMS.name: ("Tab", "Key", "Column", "Message"),
    YIELDS.name: ("Ref",),
    METAL_STOCK.name: ("Held By", "Alloy"),
    LOAD.name: ("Week", "Skill"),
    KPIS.name: ("Month", "KPI", "Breakdown"),
    KPI_TRENDS.name: ("Month", "Alloy"),
    ACTIVITY.name: ("ID",),
}
QUIET = ("Link",)  # long signed URLs: a run does not read them out, a dry run does
ANSWER_KINDS = ("approval", "acknowledgement", "problem", "progress", "decision")
ARROW = "→"


@dataclass(frozen=True)
class Edit:
    column: str  # as the sheet names it, without the gear
    before: str  # as the sheet shows it; "—" when blank
    after: str


@dataclass(frozen=True)
class RowStory:
    key: str
    edits: tuple[Edit, ...]

    def line(self) -> str:
        return f"{self.key}: " + "; ".join(f"{e.column} {e.before} {ARROW} {e.after}"
                                           for e in self.edits)


@dataclass
class TabStory:
    """One machine tab, row by row as matched by key."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RowStory] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class Story:
    rows: dict[str, list[RowStory]] = field(default_factory=dict)  # human tab -> keyed rows
    tabs: dict[str, TabStory] = field(default_factory=dict)  # machine tab -> rows by key
    problems_added: list[str] = field(default_factory=list)
    problems_resolved: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (id, words)
    waiting: list[str] = field(default_factory=list)  # emails waiting for working time
    waiting_until: datetime | None = None
    delivered: Sequence[str] = ()  # ids the mailer took, filled after the write


def _show(tab: str, header: str, value: CellValue, ctx: SyncContext) -> str:
    look = look_of(tab)
    spec = look.column(header) if look else None
    text = shown(local(value, ctx.config.workshop.zone), spec.pattern if spec else None)
    return text if text.strip() else "—"


def _label(header: str) -> str:
    return header.replace("⚙", "").strip() if is_machine_header(header) else header


def _keyed_rows(ctx: SyncContext, changes: ChangeSet) -> dict[str, list[RowStory]]:
    zone = ctx.config.workshop.zone
    edits: dict[tuple[str, str], list[Edit]] = {}
    for cell in changes.cells:
        table = ctx.snapshot.table(cell.tab)
        pos = key_positions(ctx.snapshot, cell.tab).get(cell.key)
        before = table.value(pos, cell.column) if table is not None and pos is not None else None
        found = edits.setdefault((cell.tab, cell.key), [])
        if same(before, cell.value, zone) or any(e.column == _label(cell.column) for e in found):
            continue  # (a key on two rows gets the same cells twice: told once)
        found.append(Edit(
            _label(cell.column), _show(cell.tab, cell.column, before, ctx),
            _show(cell.tab, cell.column, cell.value, ctx)))
    out: dict[str, list[RowStory]] = {}
    for (tab, key), found in edits.items():
        if found:
            out.setdefault(tab, []).append(RowStory(key, tuple(found)))
    return out


def _rows_by_key(tab: str, headers: Sequence[str], rows: Sequence[Sequence[CellValue]]
                 ) -> dict[str, dict[str, CellValue]]:
    names = ROW_KEYS.get(tab, headers[:1])
    out: dict[str, dict[str, CellValue]] = {}
    for row in rows:
        values = {normalize(h): (row[i] if i < len(row) else None) for i, h in enumerate(headers)}
        if all(is_blank(v) for v in values.values()):
            continue
        parts = [to_text(values.get(normalize(n))) for n in names]
        key = " ".join(p for p in parts if p) or "(no key)"
        while key in out:  # two rows with one key: keep both apart
            key += " ·"
        out[key] = values
    return out


def _machine_tab(ctx: SyncContext, name: str, rows: list[list[CellValue]]) -> TabStory:
    spec = machine_tab(name)
    zone = ctx.config.workshop.zone
    table = ctx.snapshot.table(name)
    old = _rows_by_key(name, table.headers, table.rows) if table is not None else {}
    new = _rows_by_key(name, list(spec.headers), rows)
    story = TabStory(added=[k for k in new if k not in old],
                     removed=[k for k in old if k not in new])
    for key, values in new.items():
        before = old.get(key)
        if before is None:
            continue
        edits = tuple(
            Edit(h, _show(name, h, before.get(normalize(h)), ctx),
                 _show(name, h, values.get(normalize(h)), ctx))
            for h in spec.headers
            if h not in ROW_KEYS.get(name, ()) and not same(before.get(normalize(h)),
                                                            values.get(normalize(h)), zone))
        if edits:
            story.changed.append(RowStory(key, edits))
    return story


def _problem(values: Mapping[str, CellValue]) -> str:
    return f"{to_text(values.get('severity'))}: {to_text(values.get('message'))}"


def explain(ctx: SyncContext, changes: ChangeSet) -> Story:
    """What ``changes`` will do to the workbook, told by row and by key."""
    story = Story(rows=_keyed_rows(ctx, changes))
    touched = {normalize(g.tab) for g in changes.grid} | {normalize(t.name) for t in changes.new_tabs}
    for name, rows in ctx.outputs.tabs.items():
        if normalize(name) not in touched:
            continue
        tab = _machine_tab(ctx, name, rows)
        if name == PROBLEMS.name:
            table = ctx.snapshot.table(name)
            old = _rows_by_key(name, table.headers, table.rows) if table is not None else {}
            new = _rows_by_key(name, list(PROBLEMS.headers), rows)
            story.problems_added = [_problem(new[k]) for k in tab.added]
            story.problems_resolved = [_problem(old[k]) for k in tab.removed]
        elif tab:
            story.tabs[name] = tab
    appended = {to_text(a.values.get("ID")) for a in changes.appends}
    for a in ctx.outputs.activity:
        if a.id not in appended:
            continue
        if a.kind in ANSWER_KINDS:
            story.answers.append(f"{a.kind} {a.ref} by {a.actor}: {a.detail}")
        elif a.kind == "email":
            story.emails.append((a.id, a.detail))
    waiting = ctx.facts.get("emails_waiting")
    if waiting:
        story.waiting, story.waiting_until = list(waiting[0]), waiting[1]
    story.delivered = ctx.facts.get("emails_delivered", ())
    return story


# ---- rendering ------------------------------------------------------------------------------

GROUP_WORDS = {"Orders": "orders", "Launches": "launches", "Approvals": "approvals"}


def _limited(lines: list[str], limit: int, what: str) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… and {len(lines) - limit} more {what}"]


def _moment(when: datetime) -> str:
    return when.strftime("%a %d/%m %H:%M")


def story_lines(story: Story, *, limit: int = 12, every_row: bool = False) -> list[str]:
    """The story as lines for a terminal. ``every_row``: machine tabs row by row (the dry
    run), else one line per machine tab."""
    out: list[str] = []
    order = ["Orders", "Launches", "Approvals"]
    for human in sorted(story.rows, key=lambda t: (order.index(t) if t in order else 9, t)):
        rows = story.rows[human] if every_row else [
            RowStory(r.key, tuple(e for e in r.edits if e.column not in QUIET))
            for r in story.rows[human]]
        told = [f"  {r.line()}" for r in rows if r.edits]
        if told:
            out.append(f"{human}:")
            out += _limited(told, limit, GROUP_WORDS.get(human, "rows"))
    if story.problems_added or story.problems_resolved:
        out.append(f"Problems: {len(story.problems_added)} new, "
                   f"{len(story.problems_resolved)} resolved")
        out += _limited([f"  + {p}" for p in story.problems_added], limit, "new problems")
        out += _limited([f"  − {p}" for p in story.problems_resolved], limit, "resolved")
    for name, tab in story.tabs.items():
        if name == ACTIVITY.name:
            continue
        if every_row:
            lines = [f"+ {name} {k}" for k in tab.added] + [f"− {name} {k}" for k in tab.removed]
            lines += [f"{name} {r.line()}" for r in tab.changed]
            out += _limited(lines, limit, f"{name} rows")
        else:
            parts = [f"{len(tab.added)} new" if tab.added else "",
                     f"{len(tab.changed)} changed" if tab.changed else "",
                     f"{len(tab.removed)} gone" if tab.removed else ""]
            out.append(f"{name} rows: " + ", ".join(p for p in parts if p))
    if story.answers:
        out.append(f"Answers applied: {len(story.answers)}")
        out += _limited([f"  {a}" for a in story.answers], limit, "answers")
    if story.emails:
        sent = [w for i, w in story.emails if i in story.delivered]
        unsent = [w for i, w in story.emails if i not in story.delivered]
        if sent:
            out.append(f"Emails sent: {len(sent)}")
            out += _limited([f"  {w}" for w in sent], limit, "emails")
        if unsent:
            out.append(f"Emails not delivered yet (retried later): {len(unsent)}")
            out += _limited([f"  {w}" for w in unsent], limit, "emails")
    if story.waiting:
        n = len(story.waiting)
        when = f": {_moment(story.waiting_until)}" if story.waiting_until else ""
        out.append(f"{n} email{'s wait' if n != 1 else ' waits'} for working time{when}")
        out += _limited([f"  {w}" for w in story.waiting], limit, "emails")
    return out
