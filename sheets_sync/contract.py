"""The workbook contract as data: every tab, its human columns, its machine columns.

Tabs and columns are found by header name, case and spacing forgiven (``normalize``).
Machine columns on human tabs carry a leading ⚙ in their header; machine tabs belong to
the product as a whole. Nothing here does I/O.
"""

from __future__ import annotations

from .schema import GEAR as GEAR
from .schema import Column as Column
from .schema import Kind as Kind
from .schema import MachineTab as MachineTab
from .schema import Tab as Tab
from .schema import is_machine_header as is_machine_header
from .schema import machine_header as machine_header
from .schema import normalize as normalize

T, N, INT, P, D, DT, L, B = (
    Kind.TEXT,
    Kind.NUMBER,
    Kind.INTEGER,
    Kind.PERCENT,
    Kind.DATE,
    Kind.DATETIME,
    Kind.LINK,
    Kind.BOOL,
)

METALS = ("Au", "Ag", "Pt", "Pd")
ROUTES = ("Casting", "Fabrication")
PROGRESS_STATUSES = ("Started", "Done", "Verified", "Rework")
METAL_ENTRIES = ("Purchase", "Issue", "Return", "Scrap", "Refine Out", "Refine In", "Count")
METHODS = ("Centrifugal", "Vacuum", "Fabrication")
SCRAP_KINDS = ("Sprue", "Filings", "Sweeps", "Mixed")
ORIGINS = ("Recycled", "Mined", "Unknown")
ROLES = ("Casting", "Manufacturer", "Setter", "Polisher", "Engraver")
APPROVAL_ITEMS = ("CAD render", "Wax", "Final photos")

RISKS = ("On track", "At risk", "Late", "Delivered on time", "Delivered late")
LAUNCH_STATES = (
    "Blocked: incomplete sheet",
    "Ready",
    "Sent",
    "Acknowledged",
    "Overdue",
    "Escalated",
    "Problem",
)
APPROVAL_STATES = ("Pending", "Approved", "Changes requested")


def _choice(name: str, choices: tuple[str, ...], required: bool = False) -> Column:
    return Column(name, Kind.CHOICE, required=required, choices=choices)


def _ref(name: str, tab: str, required: bool = False) -> Column:
    return Column(name, Kind.REF, required=required, ref=tab)


ORDERS = Tab(
    "Orders",
    (
        Column("Order Ref", T, required=True, key=True),
        _ref("Client", "Clients"),
        Column("Piece Type", T, required=True),
        Column("Description", T),
        _ref("Alloy", "Alloys", required=True),
        Column("Size", T),
        Column("Quantity", INT, default=1),
        Column("Target Weight (g)", N),
        Column("Wax Weight (g)", N),
        _choice("Route", ROUTES, required=True),
        Column("Center Stone", T),
        Column("Side Stones", T),
        Column("Stone Report", L),
        Column("CAD File", L),
        Column("CAD Render", L),
        _ref("Partner", "Partners"),
        Column("Artisan", T),
        Column("Promised Date", D, required=True),
        Column("Client Delay (days)", INT, default=0),
        Column("Delivered Date", D),
        Column("Notes", T),
    ),
    machine_columns=(
        "Stage",
        "Status",
        "Next Due",
        "Slack (days)",
        "Risk",
        "Approval",
        "Launch",
        "Loss %",
        "Check",
    ),
    help="One row per piece: a custom commission or a batch line.",
)

PROGRESS = Tab(
    "Progress",
    (
        _ref("Order Ref", "Orders", required=True),
        Column("Stage", T, required=True),
        _choice("Status", PROGRESS_STATUSES, required=True),
        Column("Date", D, required=True),
        Column("By", T),
        Column("Photo", L),
        Column("Note", T),
    ),
    help="One row per step taken on a piece; newest last.",
)

WORKFLOW = Tab(
    "Workflow",
    (
        _choice("Route", ROUTES, required=True),
        Column("Step", INT, required=True),
        Column("Stage", T, required=True),
        Column("Days", N, required=True),
        Column("Skill", T),
        Column("Needs Photo", B, default=0),
        Column("Needs Verification", B, default=0),
        Column("Needs Client Approval", B, default=0),
    ),
    help="One row per stage of a route, in step order.",
)

ALLOYS = Tab(
    "Alloys",
    (
        Column("Code", T, required=True, key=True),
        Column("Name", T),
        _choice("Metal", METALS, required=True),
        Column("Fineness", N, required=True, help="per mille: 18K is 750"),
        Column("Specific Gravity", N, required=True),
        Column("Loss Alert %", P, default=5),
    ),
)

PRICES = Tab(
    "Prices",
    (
        _choice("Metal", METALS, required=True),
        Column("Price per Troy Oz", N, required=True),
        Column("Currency", T, default="USD"),
        Column("As Of", D, required=True),
    ),
)

METAL_LOG = Tab(
    "Metal Log",
    (
        Column("Date", D, required=True),
        _choice("Entry", METAL_ENTRIES, required=True),
        _ref("Alloy", "Alloys", required=True),
        Column("Grams", N, required=True),
        Column("Order Ref or Batch", T),
        _choice("Method", METHODS),
        _choice("Scrap Kind", SCRAP_KINDS),
        _choice("Origin", ORIGINS),
        Column("Counterparty", T),
        Column("By", T),
        Column("Note", T),
    ),
)

PARTNERS = Tab(
    "Partners",
    (
        Column("Partner ID", T, required=True, key=True),
        Column("Name", T, required=True),
        _choice("Role", ROLES, required=True),
        Column("Contact", T),
        Column("Email", T),
        Column("Phone", T),
        Column("Ack Hours", N, default=24),
        Column("Escalate Hours", N, default=48),
        Column("Active", B, default=1),
    ),
)

CLIENTS = Tab(
    "Clients",
    (
        Column("Client ID", T, required=True, key=True),
        Column("Name", T, required=True),
        Column("Email", T),
        Column("Phone", T),
        Column("Preferences", T),
        Column("Notes", T),
    ),
)

LAUNCHES = Tab(
    "Launches",
    (
        Column("Launch ID", T, required=True, key=True),
        _ref("Order Ref", "Orders", required=True),
        _ref("Partner", "Partners", required=True),
        Column("Task", T, required=True),
        Column("Launch Date", D, required=True),
        Column("Due Date", D),
        Column("Instructions", T),
        Column("Stones Provided", T),
    ),
    machine_columns=(
        "State",
        "Missing",
        "Sent At",
        "Reminded At",
        "Escalated At",
        "Acknowledged At",
        "Acknowledged By",
        "Response Hours",
        "Problem",
        "Link",
    ),
)

APPROVALS = Tab(
    "Approvals",
    (
        Column("Approval ID", T, required=True, key=True),
        _ref("Order Ref", "Orders", required=True),
        _choice("Item", APPROVAL_ITEMS, required=True),
        Column("Image", L),
        Column("Requested", D),
    ),
    machine_columns=(
        "State",
        "Sent At",
        "Reminded At",
        "Answered At",
        "Answered By",
        "Comment",
        "Link",
    ),
)

CAPACITY = Tab(
    "Capacity",
    (
        Column("Artisan", T, required=True),
        Column("Skill", T, required=True),
        Column("Hours per Week", N, required=True),
        Column("From", D),
        Column("To", D),
    ),
)

HOLIDAYS = Tab("Holidays", (Column("Date", D, required=True), Column("Name", T)))

PROBLEM_STATES = ("Awaiting decision", "Decided", "Sent")
PARTNER_PROBLEMS = Tab(
    "Partner Problems",
    (
        Column("Problem ID", T, required=True, key=True, help="the report's Activity ID"),
        _ref("Launch ID", "Launches", required=True),
        _ref("Order Ref", "Orders"),
        _ref("Partner", "Partners"),
        Column("Reported At", DT, required=True),
        Column("Report", T, required=True, help="the partner's words"),
        Column("Photo", L),
        Column("Decision", T, help="what the workshop decided, in words for the partner"),
        Column("Decided By", T),
    ),
    machine_columns=(
        "State",  # Awaiting decision / Decided (not sent yet) / Sent
        "Decided At",  # when the sync first saw the Decision
        "Hours To Decision",  # working hours from Reported At to Decided At
        "Sent Decision",  # the decision as the partner last got it by email
        "Sent At",
        "Version",  # 1: the decision; 2, 3 ...: the corrections sent after it
    ),
    help="One row per problem a partner reported, appended by the sync; staff write the "
    "Decision in the same row, and the sync sends it to the partner.",
    appended=True,
)

HUMAN_TABS: tuple[Tab, ...] = (
    ORDERS,
    PROGRESS,
    WORKFLOW,
    ALLOYS,
    PRICES,
    METAL_LOG,
    PARTNERS,
    CLIENTS,
    LAUNCHES,
    APPROVALS,
    CAPACITY,
    HOLIDAYS,
    PARTNER_PROBLEMS,
)

PROBLEMS = MachineTab("Problems", ("Tab", "Key", "Column", "Severity", "Message", "First Seen"))
YIELDS = MachineTab(
    "Yields",
    (
        "Ref",
        "Alloy",
        "Method",
        "Issued (g)",
        "Finished (g)",
        "Scrap (g)",
        "Loss (g)",
        "Loss %",
        "Theoretical (g)",
        "Yield Variance %",
        "Fine Lost (g)",
        "Value Lost",
        "Currency",
        "Price As Of",
        "Flag",
    ),
)
METAL_STOCK = MachineTab(
    "Metal Stock",
    (
        "Held By",
        "Alloy",
        "Book (g)",
        "Fine (g)",
        "Fine Troy Oz",
        "Value",
        "Currency",
        "Price As Of",
        "Recycled %",
        "Last Count",
        "Count (g)",
        "Count Variance (g)",
        "Flag",
    ),
)
LOAD = MachineTab("Load", ("Week", "Week Of", "Skill", "Planned Hours", "Capacity Hours", "Load %"))
KPIS = MachineTab("KPIs", ("Month", "KPI", "Breakdown", "Value", "Basis", "Target", "Met"))
KPI_TRENDS = MachineTab(
    "KPI Trends",
    ("Month", "Alloy", "YVR %", "YVR Target %", "CDPA %", "CDPA Target %",
     "On-time Ack %", "On-time Ack Target %"),
    help="The KPIs charts' data: one block of months (oldest first) for all alloys, "
    "then one block per alloy with only its YVR; blank where a month has no data.",
)
ACTIVITY = MachineTab("Activity", ("Time", "Kind", "Ref", "Actor", "Detail", "ID"), append_only=True)
TODAY = MachineTab(
    "Today",
    ("Urgency", "What", "Who", "Since", "Waiting", "Tab", "Key"),
    help="The desk at a glance: one row per thing a person must act on, most urgent "
    "first; the same list the staff digest is made from.",
)

MACHINE_TABS: tuple[MachineTab, ...] = (
    TODAY, PROBLEMS, YIELDS, METAL_STOCK, LOAD, KPIS, KPI_TRENDS, ACTIVITY
)


SEVERITIES = ("error", "warning")


_HUMAN_BY_NAME = {normalize(t.name): t for t in HUMAN_TABS}
_MACHINE_BY_NAME = {normalize(t.name): t for t in MACHINE_TABS}


def human_tab(name: str) -> Tab:
    try:
        return _HUMAN_BY_NAME[normalize(name)]
    except KeyError:
        raise KeyError(name) from None


def machine_tab(name: str) -> MachineTab:
    try:
        return _MACHINE_BY_NAME[normalize(name)]
    except KeyError:
        raise KeyError(name) from None
