"""The Metal Stock, Load and KPIs steps on a real (in-memory) workbook: rows under the
contract headers, Problems for what is missing, and nothing written by a second sync."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.cells import CellValue
from sheets_sync.config import Config
from sheets_sync.contract import KPIS, LOAD, METAL_STOCK, YIELDS, machine_header
from sheets_sync.outputs import SyncContext
from sheets_sync.pipeline import CORE_STEPS
from sheets_sync.records import build_workshop
from sheets_sync.steps.kpis import kpi_step
from sheets_sync.steps.load import load_step
from sheets_sync.steps.stock import stock_step
from sheets_sync.sync import run_sync

TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)  # Wednesday of ISO week 2026-W47
G = machine_header

TABS: dict[str, list[list[CellValue]]] = {
    "Orders": [
        ["Order Ref", "Piece Type", "Alloy", "Route", "Wax Weight (g)", "Promised Date",
         "Client Delay (days)", "Delivered Date"],
        ["C-1", "Ring", "18KY", "Casting", 3, date(2026, 10, 10), 0, date(2026, 10, 9)],
        ["C-2", "Ring", "14KY", "Casting", 2, date(2026, 10, 20), 4, date(2026, 10, 27)],
        ["F-1", "Pendant", "18KY", "Fabrication", None, "27/11/2026", 0, None],
    ],
    "Progress": [["Order Ref", "Stage", "Status", "Date"]],
    "Workflow": [
        ["Route", "Step", "Stage", "Days", "Skill"],
        ["Fabrication", 1, "Bench", 3, "Goldsmith"],
        ["Fabrication", 2, "Polish", 1, "Polisher"],
        ["Casting", 1, "Cast", 1, None],
    ],
    "Alloys": [
        ["Code", "Metal", "Fineness", "Specific Gravity"],
        ["18KY", "Au", 750, 15.5],
        ["14KY", "Au", 585, 13.07],
    ],
    "Prices": [["Metal", "Price per Troy Oz", "Currency", "As Of"],
               ["Au", 2400, "USD", "02/11/2026"]],
    "Metal Log": [
        ["Date", "Entry", "Alloy", "Grams", "Order Ref or Batch", "Method", "Origin",
         "Counterparty"],
        ["01/10/2026", "Purchase", "18KY", 200, None, None, "Recycled", None],
        ["01/10/2026", "Purchase", "14KY", 100, None, None, "Mined", None],
        ["06/10/2026", "Issue", "18KY", 55, "C-1", "Vacuum", None, "CAST"],
        ["08/10/2026", "Return", "18KY", 45, "C-1", None, None, "CAST"],
        ["08/10/2026", "Scrap", "18KY", 8, "C-1", None, None, "CAST"],
        ["06/10/2026", "Issue", "14KY", 32, "C-2", "Centrifugal", None, "CAST"],
        ["09/10/2026", "Return", "14KY", 24.5, "C-2", None, None, "CAST"],
        ["09/10/2026", "Scrap", "14KY", 6, "C-2", None, None, "CAST"],
        ["10/11/2026", "Issue", "18KY", 20, "F-1", "Fabrication", None, "MANU"],
        ["12/11/2026", "Count", "18KY", 150, None, None, None, None],
    ],
    "Partners": [
        ["Partner ID", "Name", "Role", "Ack Hours"],
        ["CAST", "Fonderie", "Casting", 24],
        ["MANU", "Atelier", "Manufacturer", 24],
    ],
    "Launches": [
        ["Launch ID", "Order Ref", "Partner", "Task", "Launch Date",
         G("State"), G("Sent At"), G("Acknowledged At"), G("Response Hours"), G("Problem")],
        ["L-1", "C-1", "CAST", "Cast", date(2026, 10, 5), "Acknowledged",
         datetime(2026, 10, 5, 9, 0), "06/10/2026 08:00", None, None],
        ["L-2", "C-2", "CAST", "Cast", date(2026, 10, 7), "Acknowledged",
         "07/10/2026 09:00", datetime(2026, 10, 8, 15, 0), 30, None],
        ["L-3", "F-1", "MANU", "Make", date(2026, 11, 10), "Blocked: incomplete sheet",
         None, None, None, None],
    ],
    "Capacity": [["Artisan", "Skill", "Hours per Week"], ["Ana", "Goldsmith", 15]],
    "Holidays": [["Date", "Name"], [date(2026, 11, 23), "Staff day"]],
}


def context() -> SyncContext:
    snapshot = MemoryBackend(TABS).read()
    read = build_workshop(snapshot)
    return SyncContext(snapshot, read.workshop, Config(), NOW.date(), NOW)


def rows_of(ctx: SyncContext, name: str, headers: tuple[str, ...]) -> list[dict[str, CellValue]]:
    return [dict(zip(headers, r, strict=True)) for r in ctx.outputs.tabs[name]]


def test_stock_step_fills_the_metal_stock_tab() -> None:
    ctx = context()
    stock_step(ctx)
    rows = rows_of(ctx, "Metal Stock", METAL_STOCK.headers)
    assert [(r["Held By"], r["Alloy"], r["Book (g)"]) for r in rows] == [
        # 200 - 55 + 45 + 8 - 20 = 178, less the 45 g of C-1 delivered 09/10 = 133
        ("Safe", "18KY", 133.0),
        # 100 - 32 + 24.5 + 6 = 98.5, less the 24.5 g of C-2 delivered 27/10 = 74
        ("Safe", "14KY", 74.0),
        ("MANU", "18KY", 20.0),  # F-1 issued, nothing back yet
    ]
    gold = rows[0]
    assert gold["Fine (g)"] == 99.75 and gold["Fine Troy Oz"] == 3.207
    assert gold["Value"] == 7696.89 and gold["Price As Of"] == date(2026, 11, 2)
    assert gold["Recycled %"] == 100.0
    # count of 12/11 weighed 150 g against 133 g on the books
    assert (gold["Last Count"], gold["Count Variance (g)"]) == (date(2026, 11, 12), 17.0)
    assert [p.column for p in ctx.outputs.problems if p.tab == "Metal Stock"] == [
        "Count Variance (g)"]


def test_load_step_fills_eight_weeks_per_skill() -> None:
    ctx = context()
    load_step(ctx)
    rows = rows_of(ctx, "Load", LOAD.headers)
    assert len(rows) == 16  # Goldsmith and Polisher x 8 weeks
    first = [(r["Week"], r["Skill"], r["Planned Hours"], r["Capacity Hours"], r["Load %"])
             for r in rows[:4]]
    # F-1 due Fri 27/11: Polish 27/11, Bench 24/11..26/11 (24 h) in the week whose Monday
    # is a holiday: 15 h x 4/5 = 12 h declared, so 200 %
    assert first == [
        ("2026-W47", "Goldsmith", 0.0, 15.0, 0.0),
        ("2026-W47", "Polisher", 0.0, 0.0, None),
        ("2026-W48", "Goldsmith", 24.0, 12.0, 200.0),
        ("2026-W48", "Polisher", 8.0, 0.0, None),
    ]
    assert rows[0]["Week Of"] == date(2026, 11, 16)
    assert [(p.tab, p.key) for p in ctx.outputs.problems if p.tab == "Load"] == [
        ("Load", "2026-W48 Polisher")]


def test_kpi_step_reads_acknowledgements_from_machine_cells() -> None:
    ctx = context()
    kpi_step(ctx)
    rows = rows_of(ctx, "KPIs", KPIS.headers)
    october = {(r["KPI"], r["Breakdown"]): r for r in rows if r["Month"] == "2026-10"}
    assert october[("Yield Variance Rate (%)", "18KY · Vacuum")]["Value"] == 96.8
    assert october[("Yield Variance Rate (%)", "14KY · Centrifugal")]["Met"] == "missed"
    assert october[("First-Time-Right Rate (%)", None)]["Value"] == 100.0
    # C-2 was delayed by its client: left out of adherence, counted apart
    assert october[("Delivery Promise Adherence (%)", None)]["Value"] == 100.0
    assert october[("Client-Initiated Delays (orders)", None)]["Value"] == 1.0
    # L-1 answered after 23 h (computed from the cells), L-2 after 30 h (its ⚙ cell)
    assert october[("Average Acknowledgement (h)", None)]["Value"] == 26.5
    ack = october[("On-Time Acknowledgement (%)", None)]
    assert (ack["Value"], ack["Basis"], ack["Target"], ack["Met"]) == (
        50.0, "1 of 2 within the partner's Ack Hours", 90.0, "missed")
    november = {(r["KPI"], r["Breakdown"]): r for r in rows if r["Month"] == "2026-11"}
    assert november[("Launches Blocked (launches)", None)]["Value"] == 1.0
    assert rows[0]["Month"] == "3 months to 2026-11"


def test_unreadable_acknowledgement_is_a_problem_not_a_crash() -> None:
    ctx = context()
    ctx.outputs.set("Launches", "L-1", "Acknowledged At", "tomorrow-ish")
    kpi_step(ctx)
    assert [(p.tab, p.key, p.column) for p in ctx.outputs.problems if p.tab == "Launches"] == [
        ("Launches", "L-1", "⚙ Acknowledged At")]


def test_a_second_sync_of_an_unchanged_workbook_writes_nothing() -> None:
    backend = MemoryBackend(TABS)
    steps = [stock_step, load_step, kpi_step]
    first = run_sync(backend, Config(), NOW, steps)
    assert first.written is not None
    assert backend.grid("Metal Stock")[0] == list(METAL_STOCK.headers)
    assert backend.grid("KPIs")[0] == list(KPIS.headers)
    again = run_sync(backend, Config(), NOW, steps)
    assert not again.changes and again.written is None


def test_one_rule_for_metal_not_back_on_yields_metal_stock_and_the_orders_loss() -> None:
    # F-1, not delivered: 20 g issued to MANU, 15 g back so far; C-1 (delivered) lost 2 g
    tabs = {k: [list(r) for r in v] for k, v in TABS.items()}
    tabs["Metal Log"].append(["14/11/2026", "Return", "18KY", 15, "F-1", None, None, "Atelier"])
    backend = MemoryBackend(tabs)
    run_sync(backend, Config(), NOW, [*CORE_STEPS, stock_step])
    yields = {r[0]: dict(zip(YIELDS.headers, r, strict=False)) for r in backend.grid("Yields")[1:]}
    f1 = yields["F-1"]
    assert (f1["Loss (g)"], f1["Loss %"], f1["Value Lost"]) == (None, None, None)
    assert yields["F-1"]["Flag"] == "open: 5.00 g not back yet"
    assert (yields["C-1"]["Loss (g)"], yields["C-1"]["Loss %"]) == (2.0, 3.64)
    assert yields["C-1"]["Price As Of"] == date(2026, 11, 2)  # the price the value is at
    orders = {r[0]: r for r in backend.grid("Orders")[1:]}
    loss = backend.grid("Orders")[0].index(G("Loss %"))
    assert orders["F-1"][loss] is None and orders["C-1"][loss] == 3.64
    stock = [r[:3] for r in backend.grid("Metal Stock")[1:] if r[0] != "Safe"]
    assert stock == [["MANU", "18KY", 5.0]]  # "Atelier" is MANU's Name
