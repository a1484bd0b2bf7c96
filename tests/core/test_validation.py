"""The rules as staff meet them on the demo workbook: one bad cell hides nothing else,
duplicates are marked on both rows, a launch says why it waits, partners and clients are
found by ID or by Name."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.pipeline import build_steps
from sheets_sync.sync import SyncReport, run_sync

from .conftest import NOW

Tabs = dict[str, list[list[Any]]]


def run(tabs: Tabs, config: Config) -> SyncReport:
    return run_sync(MemoryBackend(tabs), config, NOW, build_steps(config), keep_context=True)


def edit(demo: Tabs, tab: str, key: str, column: str, value: Any) -> Tabs:
    """The demo with one cell changed, on the first row whose first cell is ``key``."""
    tabs = {k: [list(r) for r in v] for k, v in demo.items()}
    row = next(r for r in tabs[tab][1:] if r[0] == key)
    row[tabs[tab][0].index(column)] = value
    return tabs


def machine(report: SyncReport, tab: str, key: str, column: str) -> Any:
    assert report.context is not None
    return report.context.outputs.cells[(tab, key)][column]


def messages(report: SyncReport) -> list[str]:
    return [p.message for p in report.problems]


def test_one_unreadable_cell_hides_no_other_problem_of_its_row(demo: Tabs, config: Config) -> None:
    tabs = edit(demo, "Orders", "JW-2301", "Promised Date", "31/02/2026")
    tabs = edit(tabs, "Orders", "JW-2301", "Alloy", "22KR")
    tabs = edit(tabs, "Orders", "JW-2301", "Target Weight (g)", -3)
    report = run(tabs, config)
    said = messages(report)
    place = "Orders row 2 (JW-2301), column"
    assert f"{place} Promised Date: '31/02/2026' is not a real date (day/month/year)" in said
    assert f"{place} Alloy: alloy '22KR' is not on the Alloys tab" in said
    assert f"{place} Target Weight (g): -3 g is not a positive weight" in said
    check = machine(report, "Orders", "JW-2301", "Check")
    assert "not a real date" in check and "'22KR' is not on the Alloys tab" in check


def test_a_row_left_out_still_has_its_references_checked(demo: Tabs, config: Config) -> None:
    # a Progress row with an unreadable date still names an order that does not exist
    tabs = {k: [list(r) for r in v] for k, v in demo.items()}
    tabs["Progress"].append(["JW-9999", "Casting", "Started", "yesterday", "Sam", None, None])
    row = len(tabs["Progress"])
    report = run(tabs, config)
    said = messages(report)
    assert (
        f"Progress row {row}, column Date: 'yesterday' is not a date; "
        "write it day first, like 21/11/2026" in said
    )
    assert f"Progress row {row}, column Order Ref: order 'JW-9999' is not on the Orders tab" in said


def test_a_duplicated_order_ref_is_marked_on_both_rows(tmp_path: Path, demo: Tabs, config: Config) -> None:
    # JW-2304 is on row 5, and typed again on row 32
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    report = run_sync(XlsxBackend(path), config, NOW, build_steps(config))
    words = "Order Ref JW-2304 is on rows 5 and 32; row 5 is used, row 32 is ignored"
    assert f"Orders row 32 (JW-2304), column Order Ref: {words}" in messages(report)
    orders = XlsxBackend(path).read().table("Orders")
    assert orders is not None
    checks = dict(zip(orders.row_numbers, orders.column_values("⚙ Check"), strict=True))
    assert words in str(checks[5])
    assert checks[32] == words
    again = run_sync(XlsxBackend(path), config, NOW, build_steps(config), dry_run=True)
    assert not [c for c in again.changes.cells if c.tab == "Orders"]  # settled: nothing to rewrite


def test_a_launch_whose_order_has_errors_says_so(demo: Tabs, config: Config) -> None:
    # JW-2313's Promised Date is 31/02/2026: its row is out of the sync, but it is there
    report = run(demo, config)
    assert machine(report, "Launches", "L-013", "State") == "Blocked: incomplete sheet"
    lacks = "a valid order (JW-2313 has errors in Promised Date)"
    assert machine(report, "Launches", "L-013", "Missing") == lacks
    said = [m for m in messages(report) if m.startswith("Launches row 6 (L-013)")]
    assert said == [f"Launches row 6 (L-013): not sent, the sheet lacks {lacks}"]


def test_an_alloy_missing_from_alloys_blocks_the_launch(demo: Tabs, config: Config) -> None:
    report = run(edit(demo, "Orders", "JW-2319", "Alloy", "18KR"), config)
    for launch, code in (("L-012", "19KY"), ("L-019", "18KR")):
        assert machine(report, "Launches", launch, "State") == "Blocked: incomplete sheet"
        lacks = f"a known alloy ({code} is not on the Alloys tab)"
        assert machine(report, "Launches", launch, "Missing") == lacks


def test_check_says_each_launch_warning_once(tmp_path: Path, demo: Tabs) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    result = CliRunner().invoke(main, ["--workbook", str(path), "check"])
    launches = [line for line in result.output.splitlines() if "Launches row" in line]
    assert launches and len(launches) == len(set(launches)), result.output


def test_clients_and_partners_are_found_by_name(demo: Tabs, config: Config) -> None:
    # C-004 is Bruno Keller; JW-2328 names him as staff type it, and waits for his approval
    tabs = edit(demo, "Clients", "C-004", "Name", "Bruno Keller")
    tabs = edit(tabs, "Clients", "C-004", "Email", "bruno@client.example")
    tabs = edit(tabs, "Orders", "JW-2328", "Client", "  bruno   KELLER ")
    tabs = edit(tabs, "Orders", "JW-2328", "Partner", "fonderie lumière")  # P-CAST's Name
    tabs = edit(tabs, "Launches", "L-012", "Partner", "Fonderie  Lumière")
    report = run(tabs, config)
    assert not [m for m in messages(report) if "(JW-2328), column Client" in m or "column Partner" in m]
    outbox = sorted((config.mail.outbox_dir).glob("*.eml"))
    to = [str(message_from_bytes(p.read_bytes(), policy=policy.default)["To"]) for p in outbox]
    assert any("bruno@client.example" in t for t in to), to


def test_a_name_on_two_rows_is_a_problem(demo: Tabs, config: Config) -> None:
    tabs = edit(demo, "Clients", "C-004", "Name", "Bruno Keller")
    tabs["Clients"].append(["C-099", "bruno keller", "b.keller@client.example", "", "", ""])
    tabs = edit(tabs, "Orders", "JW-2328", "Client", "Bruno Keller")
    tabs["Metal Log"].append(list(tabs["Metal Log"][-1]))
    tabs["Partners"].append(["P-CAST3", "Fonderie Lumière", "Casting", "", "", "", 24, 48, "yes"])
    tabs["Metal Log"][-1][tabs["Metal Log"][0].index("Counterparty")] = "Fonderie Lumière"
    report = run(tabs, config)
    said = messages(report)
    assert (
        "Orders row 29 (JW-2328), column Client: 'Bruno Keller' is the Name of 2 rows of the Clients tab "
        "(C-004, C-099); write the ID" in said
    )
    row = len(tabs["Metal Log"])
    for start in (
        "Clients row 5 (C-004), column Name: the Name 'Bruno Keller' is on rows 5 and 14",
        "Partners row 2 (P-CAST), column Name: the Name 'Fonderie Lumière' is on rows 2 and 8",
        f"Metal Log row {row}, column Counterparty: 'Fonderie Lumière' is the Name of 2 rows",
    ):
        assert any(m.startswith(start) for m in said), start
