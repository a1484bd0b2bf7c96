"""The look of each tab the product writes or creates (``LOOKS``), in the terms of
``presentation``: which columns get a number pattern, wrapping, a width in bounds and
colours with a meaning. Machine tabs: every column. Human tabs: the ⚙ columns (formatted
in every workbook) and the human columns (formatted only in a workbook the product
creates: the demo, ``init --google``).

Adding a look: add a ``ColumnLook`` to the tab's entry below; both backends pick it up,
and ``tests/test_looks.py`` checks every look names a real column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .contract import (
    ACTIVITY,
    HUMAN_TABS,
    KPI_TRENDS,
    KPIS,
    LOAD,
    MACHINE_TABS,
    METAL_STOCK,
    PROBLEMS,
    TODAY,
    YIELDS,
    Kind,
    MachineTab,
    Tab,
    machine_header,
    normalize,
)
from .presentation import (
    AMBER,
    BLUE,
    DATE,
    GRAMS,
    GREEN,
    GREY,
    HOURS,
    MOMENT,
    MONEY,
    PERCENT,
    RATIO,
    RED,
    TROY_OZ,
    WHOLE,
    ColumnLook,
    Highlight,
    TabLook,
)

# ---- colours with a meaning ------------------------------------------------------------

RISK_COLOURS = (
    Highlight("Late", RED),
    Highlight("At risk", AMBER),
    Highlight("On track", GREEN),
    Highlight("Delivered", GREY, "starts"),
)
LAUNCH_COLOURS = (
    Highlight("Blocked", RED, "starts"),
    Highlight("Problem", RED),
    Highlight("Escalated", RED),
    Highlight("Overdue", AMBER),
    Highlight("Sent", BLUE),
    Highlight("Acknowledged", GREEN),
)
ORDER_LAUNCH_COLOURS = (  # "L-009: Sent; L-015: Blocked: incomplete sheet"
    Highlight("Blocked", RED, "contains"),
    Highlight("Problem", RED, "contains"),
    Highlight("Escalated", RED, "contains"),
    Highlight("Overdue", AMBER, "contains"),
)
APPROVAL_COLOURS = (
    Highlight("Changes requested", RED),
    Highlight("Pending", AMBER),
    Highlight("Approved", GREEN),
)
SEVERITY_COLOURS = (Highlight("error", RED), Highlight("warning", AMBER))
FLAG_COLOURS = (  # a job still running ("open: 5.00 g not back yet") is news, not an alarm
    Highlight("open:", BLUE, "starts"),
    Highlight("", RED, "any"),
)
MET_COLOURS = (Highlight("met", GREEN), Highlight("missed", RED))
CHECK_COLOURS = (Highlight("OK", GREEN), Highlight("", AMBER, "any"))
PROBLEM_STATE_COLOURS = (
    Highlight("Awaiting decision", RED),
    Highlight("Decided", AMBER),
    Highlight("Sent", GREEN),
)
URGENCY_COLOURS = (
    Highlight("Now", RED),
    Highlight("Today", AMBER),
    Highlight("This week", BLUE),
    Highlight("Nothing", GREEN, "starts"),
)


def _gear(name: str, pattern: str | None = None, *, wrap: bool = False, max_width: int = 40,
          highlights: tuple[Highlight, ...] = (), indent: int = 0) -> ColumnLook:
    return ColumnLook(machine_header(name), pattern, wrap, 6, max_width, highlights, indent)


def _long(header: str) -> ColumnLook:
    """Sentences (⚙ Check, Missing, Problem, Comment): wrapped."""
    return ColumnLook(header, wrap=True, min_width=24, max_width=60)


def _link(header: str) -> ColumnLook:
    """A long URL: cut at a readable width, never wrapped."""
    return ColumnLook(header, max_width=28)


_TEXT_WIDTH = 40

# ⚙ columns of the human tabs
_MACHINE_COLUMNS: dict[str, tuple[ColumnLook, ...]] = {
    "Orders": (
        _gear("Stage", max_width=18),
        _gear("Status"),
        _gear("Next Due", DATE),
        _gear("Slack (days)", WHOLE),
        _gear("Risk", highlights=RISK_COLOURS),
        _gear("Approval", highlights=APPROVAL_COLOURS),
        _gear("Launch", wrap=True, max_width=36, highlights=ORDER_LAUNCH_COLOURS, indent=1),
        _gear("Loss %", PERCENT),
        replace(_long(machine_header("Check")), highlights=CHECK_COLOURS),
    ),
    "Launches": (
        _gear("State", highlights=LAUNCH_COLOURS),
        _long(machine_header("Missing")),
        _gear("Sent At", MOMENT),
        _gear("Reminded At", MOMENT),
        _gear("Escalated At", MOMENT),
        _gear("Acknowledged At", MOMENT),
        _gear("Acknowledged By"),
        _gear("Response Hours", HOURS),
        _long(machine_header("Problem")),
        _link(machine_header("Link")),
    ),
    "Approvals": (
        _gear("State", highlights=APPROVAL_COLOURS),
        _gear("Sent At", MOMENT),
        _gear("Reminded At", MOMENT),
        _gear("Answered At", MOMENT),
        _gear("Answered By"),
        _long(machine_header("Comment")),
        _link(machine_header("Link")),
    ),
    "Partner Problems": (
        _gear("State", highlights=PROBLEM_STATE_COLOURS),
        _gear("Decided At", MOMENT),
        _gear("Hours To Decision", HOURS),
        _long(machine_header("Sent Decision")),
        _gear("Sent At", MOMENT),
        _gear("Version", WHOLE),
    ),
}

# human columns whose look is not told by their kind alone
_HUMAN_PATTERNS = {
    "price per troy oz": MONEY,
    "specific gravity": RATIO,
    "fineness": WHOLE,
    "ack hours": WHOLE,
    "escalate hours": WHOLE,
    "hours per week": WHOLE,
    "step": WHOLE,
    "days": WHOLE,
}
_HUMAN_LONG = {"description", "notes", "note", "instructions", "preferences", "report",
               "decision"}
_HUMAN_IDS = {"problem id"}  # long generated keys: cut at a readable width


def _human_look(tab: Tab) -> tuple[ColumnLook, ...]:
    out = []
    for c in tab.columns:
        name = normalize(c.name)
        if name in _HUMAN_LONG:
            out.append(ColumnLook(c.name, wrap=True, min_width=20, max_width=_TEXT_WIDTH))
        elif c.kind is Kind.LINK or name in _HUMAN_IDS:
            out.append(_link(c.name))
        elif c.kind is Kind.DATE:
            out.append(ColumnLook(c.name, DATE))
        elif c.kind is Kind.DATETIME:
            out.append(ColumnLook(c.name, MOMENT))
        elif c.kind is Kind.PERCENT:
            out.append(ColumnLook(c.name, PERCENT))
        elif c.kind is Kind.INTEGER:
            out.append(ColumnLook(c.name, WHOLE))
        elif name in _HUMAN_PATTERNS:
            out.append(ColumnLook(c.name, _HUMAN_PATTERNS[name]))
        elif c.kind is Kind.NUMBER and ("(g)" in name or name == "grams"):
            out.append(ColumnLook(c.name, GRAMS))
        else:
            out.append(ColumnLook(c.name))
    return tuple(out)


def _col(header: str, pattern: str | None = None, *, wrap: bool = False, min_width: int = 6,
         max_width: int = 40, highlights: tuple[Highlight, ...] = (), indent: int = 0) -> ColumnLook:
    return ColumnLook(header, pattern, wrap, min_width, max_width, highlights, indent)


# machine tabs, every column (a header not named here gets the plain look)
_MACHINE_TAB_COLUMNS: dict[str, tuple[ColumnLook, ...]] = {
    PROBLEMS.name: (
        _col("Column", max_width=22),
        _col("Severity", highlights=SEVERITY_COLOURS),
        _col("Message", wrap=True, min_width=40, max_width=80),
        _col("First Seen", DATE),
    ),
    YIELDS.name: (
        *(_col(h, GRAMS) for h in ("Issued (g)", "Finished (g)", "Scrap (g)", "Loss (g)",
                                   "Theoretical (g)", "Fine Lost (g)")),
        _col("Loss %", PERCENT),
        _col("Yield Variance %", PERCENT),
        _col("Value Lost", MONEY),
        _col("Price As Of", DATE),
        _col("Flag", wrap=True, max_width=50, highlights=FLAG_COLOURS),
    ),
    METAL_STOCK.name: (
        *(_col(h, GRAMS) for h in ("Book (g)", "Fine (g)", "Count (g)", "Count Variance (g)")),
        _col("Fine Troy Oz", TROY_OZ),
        _col("Value", MONEY),
        _col("Price As Of", DATE),
        _col("Recycled %", PERCENT),
        _col("Last Count", DATE),
        _col("Flag", wrap=True, max_width=50, highlights=FLAG_COLOURS),
    ),
    LOAD.name: (
        _col("Week Of", DATE),
        _col("Planned Hours", HOURS),
        _col("Capacity Hours", HOURS),
        _col("Load %", PERCENT),
    ),
    KPIS.name: (
        _col("Month", min_width=18),
        _col("KPI", max_width=44),
        _col("Basis", wrap=True, min_width=30, max_width=50, indent=1),
        _col("Met", highlights=MET_COLOURS, indent=1),
    ),
    KPI_TRENDS.name: tuple(_col(h, PERCENT) for h in KPI_TRENDS.headers if h.endswith("%")),
    TODAY.name: (
        _col("Urgency", highlights=URGENCY_COLOURS),
        _col("What", wrap=True, min_width=40, max_width=70),
        _col("Who", wrap=True, max_width=26),
        _col("Since", DATE),
        _col("Waiting", max_width=36),  # "2 working days past its launch date"
        _col("Key", max_width=24),
    ),
    ACTIVITY.name: (
        _col("Time", MOMENT),
        _col("Ref", max_width=16),
        _col("Detail", wrap=True, min_width=40, max_width=80),
        _col("ID", max_width=70),  # the last column: shown whole, not spilling off the page
    ),
}


def kept_off_numbers(columns: Sequence[ColumnLook]) -> tuple[ColumnLook, ...]:
    """Text right of a number or date column (right-aligned) gets an indent, so the two
    never touch ("25/11/2026 4 working days", not "25/11/20264 working days"). For
    columns in the order the sheet has them: a machine tab's, a tab the product creates."""
    out = list(columns)
    for i in range(1, len(out)):
        if out[i].pattern is None and out[i - 1].pattern is not None and not out[i].indent:
            out[i] = replace(out[i], indent=1)
    return tuple(out)


def _machine_tab_look(tab: MachineTab) -> TabLook:
    named = {normalize(c.header): c for c in _MACHINE_TAB_COLUMNS.get(tab.name, ())}
    columns = tuple(named.get(normalize(h), ColumnLook(h)) for h in tab.headers)
    return TabLook(tab.name, kept_off_numbers(columns), machine=True)


def tab_looks(machine_tabs: Sequence[MachineTab] = MACHINE_TABS,
              human_tabs: Sequence[Tab] = HUMAN_TABS) -> tuple[TabLook, ...]:
    """The looks of the given tabs (the contract's, by default)."""
    return (
        *(TabLook(t.name, _MACHINE_COLUMNS.get(t.name, ()), kept_off_numbers(_human_look(t)))
          for t in human_tabs),
        *(_machine_tab_look(t) for t in machine_tabs),
    )


LOOKS: tuple[TabLook, ...] = tab_looks()


def look_of(tab: str) -> TabLook | None:
    wanted = normalize(tab)
    return next((t for t in LOOKS if normalize(t.tab) == wanted), None)
