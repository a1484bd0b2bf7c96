"""The rules as staff meet them on the demo workbook: one bad cell hides nothing else,
duplicates are marked on both rows, a launch says why it waits, partners and clients are
found by ID or by Name."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
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


def copy(tabs: Tabs) -> Tabs:
    return {k: [list(r) for r in v] for k, v in tabs.items()}


def test_a_blank_workflow_days_keeps_its_row_out_and_the_sync_completes(demo: Tabs, config: Config) -> None:
    tabs = copy(demo)
    header = tabs["Workflow"][0]
    clean_up = tabs["Workflow"][4]  # Casting, step 4, Clean-up, 1 day: row 5 of the sheet
    assert clean_up[header.index("Stage")] == "Clean-up"
    clean_up[header.index("Days")] = None
    report = run(tabs, config)  # completes: a blank Days never reaches the planning
    assert report.context is not None
    assert [s.stage for s in report.context.workshop.workflow if s.route == "Casting"] == [
        "CAD", "Wax print", "Casting", "Stone setting", "Polishing", "Quality control"]
    said = messages(report)
    assert "Workflow row 5, column Days: Days is required but empty" in said
    # the orders are still planned with the stages that can be read
    assert machine(report, "Orders", "JW-2310", "Risk") == "At risk"
    # and the Progress rows that name Clean-up are not blamed: it is on the Workflow tab
    assert not [m for m in said if "'Clean-up' is not a step" in m]


def test_a_bad_route_is_said_on_its_row_and_blames_no_other_row(
    tmp_path: Path, demo: Tabs, config: Config
) -> None:
    from .conftest import config_in

    before = {p.message for p in run(demo, config_in(tmp_path / "before")).problems}
    report = run(edit(demo, "Orders", "JW-2310", "Route", "Castng"), config)
    assert report.context is not None and report.context.workshop.order("JW-2310") is None
    assert {p.message for p in report.problems} - before == {
        "Orders row 11 (JW-2310), column Route: 'Castng' is not one of Casting, Fabrication",
        "Launches row 3 (L-010): not sent, the sheet lacks a valid order (JW-2310 has errors in Route)",
    }
    assert machine(report, "Orders", "JW-2310", "Check") == (
        "column Route: 'Castng' is not one of Casting, Fabrication; "
        "Launches row 3 (L-010): not sent, the sheet lacks a valid order (JW-2310 has errors in Route)"
    )


def test_a_duplicated_order_ref_never_writes_the_later_row_into_the_first(
    tmp_path: Path, demo: Tabs, config: Config
) -> None:
    from .conftest import config_in

    # row 32 repeats JW-2304 (row 5, delivered 13/11) but says otherwise: not delivered,
    # promised for 18/12, in an alloy nobody has
    tabs = copy(demo)
    header = tabs["Orders"][0]
    later = tabs["Orders"][31]
    assert later[0] == "JW-2304"
    for column, value in (("Delivered Date", None), ("Promised Date", date(2026, 12, 18)),
                          ("Alloy", "22KR")):
        later[header.index(column)] = value
    alone = copy(tabs)
    del alone["Orders"][31]
    without = MemoryBackend(alone)
    run_sync(without, config_in(tmp_path / "alone"), NOW, build_steps(config_in(tmp_path / "alone")))
    backend = MemoryBackend(tabs)
    report = run_sync(backend, config, NOW, build_steps(config), keep_context=True)
    assert report.context is not None
    assert [o.description for o in report.context.workshop.orders if o.ref == "JW-2304"] == [
        "Bezel-set pendant on cable chain"]
    grid, expected = backend.grid("Orders"), without.grid("Orders")
    gears = [h for h in grid[0] if str(h).startswith("⚙") and h != "⚙ Check"]
    assert "⚙ Risk" in gears and "⚙ Slack (days)" in gears
    first, ignored = grid[4], grid[31]
    assert first[grid[0].index("⚙ Risk")] == "Delivered on time"
    for column in gears:  # the first row's ⚙ cells are what its own values give
        assert first[grid[0].index(column)] == expected[4][expected[0].index(column)], column
        assert ignored[grid[0].index(column)] is None, column  # the ignored row gets none
    words = "Order Ref JW-2304 is on rows 5 and 32; row 5 is used, row 32 is ignored"
    assert first[grid[0].index("⚙ Check")] == f"column Order Ref: {words}"
    assert ignored[grid[0].index("⚙ Check")] == words
    assert not [m for m in messages(report) if "22KR" in m]  # the ignored row is not checked


@pytest.mark.parametrize(("grams", "held"), [(0, True), (-1.5, True), (0.01, False), ("", True)])
def test_a_launch_goes_out_only_with_a_positive_target_weight(
    demo: Tabs, config: Config, grams: object, held: bool
) -> None:
    # L-017 (JW-2317, casting, launched 24/11) goes out at 10:00 on 25/11 with 20.1 g
    report = run(edit(demo, "Orders", "JW-2317", "Target Weight (g)", grams), config)
    notices = [p.name for p in config.mail.outbox_dir.glob("launch-notice-*.eml")]
    assert any(n.startswith("launch-notice-L-018-") for n in notices)  # the others go out
    went = [n for n in notices if n.startswith("launch-notice-L-017-")]
    if held:
        assert machine(report, "Launches", "L-017", "State") == "Blocked: incomplete sheet"
        assert machine(report, "Launches", "L-017", "Missing") == "target weight"
        assert went == []
    else:
        assert machine(report, "Launches", "L-017", "State") == "Sent"
        assert machine(report, "Launches", "L-017", "Missing") is None
        assert len(went) == 1


def test_a_persons_column_named_like_a_machine_one_is_never_written(demo: Tabs, config: Config) -> None:
    # the manager keeps her own "Risk" and "check" columns, without the ⚙
    tabs = copy(demo)
    for i, row in enumerate(tabs["Orders"]):
        row.extend(["Risk", "check"] if i == 0 else [f"her guess {i}", None])
    before = [r[-2:] for r in tabs["Orders"]]
    backend = MemoryBackend(tabs)
    run_sync(backend, config, NOW, build_steps(config))
    grid = backend.grid("Orders")
    width = len(before[0]) + len(demo["Orders"][0])
    assert [r[len(demo["Orders"][0]):width] for r in grid] == before
    risk = grid[0].index("⚙ Risk")
    assert risk > grid[0].index("Risk")
    assert {r[risk] for r in grid[1:]} >= {"Late", "At risk", "On track"}
