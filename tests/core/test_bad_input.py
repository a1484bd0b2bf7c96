"""Bad input gets a clear message naming the place; the sync never crashes and never
corrupts the workbook."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sheets_sync import cli
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.backends.xlsx import write_new_workbook
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.errors import WorkbookError
from sheets_sync.pipeline import build_steps
from sheets_sync.sync import SyncReport, run_sync

from .conftest import NOW

Tabs = dict[str, list[list[Any]]]


def run(tabs: Tabs, config: Config) -> SyncReport:
    return run_sync(MemoryBackend(tabs), config, NOW, build_steps(config))


def messages(report: SyncReport) -> list[str]:
    return [p.message for p in report.problems]


def edit(demo: Tabs, tab: str, row: int, column: str, value: Any) -> Tabs:
    tabs = {k: [list(r) for r in v] for k, v in demo.items()}
    tabs[tab][row][tabs[tab][0].index(column)] = value
    return tabs


def test_missing_tab(demo: Tabs, config: Config) -> None:
    tabs = dict(demo)
    del tabs["Alloys"]
    report = run(tabs, config)
    assert any("no tab 'Alloys'" in m and "Specific Gravity" in m for m in messages(report))
    assert report.errors >= 1


def test_missing_required_column(demo: Tabs, config: Config) -> None:
    tabs = {k: [list(r) for r in v] for k, v in demo.items()}
    i = tabs["Orders"][0].index("Promised Date")
    tabs["Orders"] = [r[:i] + r[i + 1 :] for r in tabs["Orders"]]
    report = run(tabs, config)
    assert "Orders has no column 'Promised Date'; it is required" in " ".join(messages(report))


def test_unknown_alloy(demo: Tabs, config: Config) -> None:
    report = run(edit(demo, "Orders", 1, "Alloy", "24KR"), config)
    assert "Orders row 2 (JW-2301), column Alloy: alloy '24KR' is not on the Alloys tab" in messages(report)


def test_a_date_that_does_not_exist(demo: Tabs, config: Config) -> None:
    report = run(edit(demo, "Orders", 1, "Promised Date", "31/02/2026"), config)
    assert (
        "Orders row 2 (JW-2301), column Promised Date: '31/02/2026' is not a real date (day/month/year)"
        in messages(report)
    )


def test_negative_grams(demo: Tabs, config: Config) -> None:
    report = run(demo, config)
    assert any("Metal Log row 54" in m and "-1.5 g" in m for m in messages(report))


def test_a_workbook_without_orders_is_refused_whole_and_left_alone(tmp_path: Path, config: Config) -> None:
    # an unrelated file: a price list someone saved as .xlsx
    path = write_new_workbook(tmp_path / "prices.xlsx", {"Sheet1": [["Item", "Price"], ["Ring box", 4.5]]})
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["--workbook", str(path), "run"])
    assert result.exit_code == 2
    assert "prices.xlsx has no tab 'Orders'" in result.output
    assert "its tabs: Sheet1" in result.output
    assert "needs the tabs Orders, Workflow, Alloys" in result.output
    assert path.read_bytes() == before  # no machine tab added
    backend = MemoryBackend({"Sheet1": []})
    with pytest.raises(WorkbookError, match="no tab 'Orders'"):
        run_sync(backend, config, NOW, build_steps(config))
    assert backend.writes == 0


def test_text_where_a_number_belongs(demo: Tabs, config: Config) -> None:
    report = run(edit(demo, "Orders", 2, "Target Weight (g)", "about 6"), config)
    assert "Orders row 3 (JW-2302), column Target Weight (g): 'about 6' is not a number" in messages(report)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_not_an_xlsx_file_exit_2_and_file_untouched(tmp_path: Path, runner: CliRunner) -> None:
    bad = tmp_path / "orders.xlsx"
    bad.write_text("Order Ref;Alloy\nA-1;18KY\n")
    before = bad.read_bytes()
    result = runner.invoke(main, ["--workbook", str(bad), "run"])
    assert result.exit_code == 2
    assert "orders.xlsx" in result.output and "not" in result.output
    assert bad.read_bytes() == before


def test_cli_truncated_xlsx(tmp_path: Path, runner: CliRunner, demo: Tabs) -> None:
    good = write_new_workbook(tmp_path / "w.xlsx", demo)
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(good.read_bytes()[:2000])
    result = runner.invoke(main, ["--workbook", str(bad), "check"])
    assert result.exit_code == 2 and "cut.xlsx" in result.output


def test_cli_missing_workbook_is_named(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["--workbook", str(tmp_path / "nope.xlsx"), "run"])
    assert result.exit_code == 2
    assert "nope.xlsx does not exist" in result.output and "init --demo" in result.output


def test_cli_check_exit_1_on_errors_and_run_exit_0(
    tmp_path: Path, runner: CliRunner, demo: Tabs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the demo's own moment for every command: on the real clock a Today row's hours
    # ("0.1 h since sent") can tick between the two runs, and the second would write it
    monkeypatch.setattr(cli, "_now", lambda config: NOW)
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    before = path.read_bytes()
    result = runner.invoke(main, ["--workbook", str(path), "check"])
    assert result.exit_code == 1
    assert "column Alloy: alloy '19KY' is not on the Alloys tab" in result.output
    assert path.read_bytes() == before  # check writes nothing
    result = runner.invoke(main, ["--workbook", str(path), "run", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Changed:" in result.output
    again = runner.invoke(main, ["--workbook", str(path), "run", "--quiet"])
    assert "Nothing to change" in again.output


def test_cli_dry_run_writes_nothing(tmp_path: Path, runner: CliRunner, demo: Tabs) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    before = path.read_bytes()
    result = runner.invoke(main, ["--workbook", str(path), "run", "--dry-run"])
    assert result.exit_code == 0
    assert "Would change" in result.output
    assert "Link — → http://" in result.output
    assert path.read_bytes() == before


def test_cli_open_in_excel_exit_3(tmp_path: Path, runner: CliRunner, demo: Tabs) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    (tmp_path / "~$w.xlsx").write_bytes(b"owner")
    before = path.read_bytes()
    result = runner.invoke(main, ["--workbook", str(path), "run"])
    assert result.exit_code == 3
    assert "Excel" in result.output
    assert path.read_bytes() == before


def test_cli_bad_config_names_the_key(tmp_path: Path, runner: CliRunner) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[workshop]\ntimezone = "Mars/Olympus"\n')
    result = runner.invoke(main, ["--config", str(cfg), "run"])
    assert result.exit_code == 2
    assert "timezone 'Mars/Olympus'" in result.output
    cfg.write_text("[workbok]\n")
    result = runner.invoke(main, ["--config", str(cfg), "run"])
    assert "unknown section(s) [workbok]" in result.output


def test_cli_init_demo_then_run(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "demo.xlsx"
    result = runner.invoke(main, ["init", "--demo", str(path)])
    assert result.exit_code == 0 and path.exists()
    assert zipfile.is_zipfile(path)
    again = runner.invoke(main, ["init", "--demo", str(path)])
    assert again.exit_code == 2 and "--force" in again.output


def test_cli_init_over_a_workbook_being_synced_waits_then_refuses(
    tmp_path: Path, runner: CliRunner, demo: Tabs
) -> None:
    """`init --demo --force` takes the state folder's sync lock, as every sync does: while
    a sync (here a thread holding that lock) runs, it waits [watch] lock_wait_seconds,
    then says so (exit 3) and leaves the workbook alone; afterwards it goes through."""
    import threading

    from sheets_sync.config import load_config
    from sheets_sync.lock import one_sync

    cfg = tmp_path / "config.toml"
    cfg.write_text('[workbook]\npath = "w.xlsx"\n\n[watch]\nlock_wait_seconds = 0.3\n')
    path = write_new_workbook(tmp_path / "w.xlsx", demo)
    before = path.read_bytes()
    holding, release = threading.Event(), threading.Event()

    def sync() -> None:
        with one_sync(load_config(cfg), what="watch"):
            holding.set()
            release.wait(30)

    syncing = threading.Thread(target=sync)
    syncing.start()
    try:
        assert holding.wait(30)
        busy = runner.invoke(main, ["--config", str(cfg), "init", "--demo", str(path), "--force"])
        assert busy.exit_code == 3, busy.output
        assert "another sync is running" in busy.output
        assert path.read_bytes() == before
    finally:
        release.set()
        syncing.join(30)
    done = runner.invoke(main, ["--config", str(cfg), "init", "--demo", str(path), "--force"])
    assert done.exit_code == 0, done.output
    assert path.read_bytes() != before  # the demo written anew
