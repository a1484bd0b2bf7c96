"""The links in the workbook and the answers given through them: `sheets-sync links` only
reads; a sync never re-signs them with a secret the web app does not have; a header or
order that cannot be read for one sync changes no recorded answer; a new approval round
opens only on a really new image. The demo workbook on a real .xlsx, the real pipeline."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync import pipeline
from sheets_sync.cli import main
from sheets_sync.config import Config
from sheets_sync.errors import ConfigError

from .conftest import NOW

SECRET = "the-secret-serve-has-0123456789abcdef"
ANSWER = ("⚙ State", "⚙ Answered At", "⚙ Answered By", "⚙ Comment")


@pytest.fixture
def desk(demo_xlsx: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The demo workbook with the default state folder (./var), the one the commands use."""
    monkeypatch.setenv("SHEETS_SYNC_SECRET", SECRET)
    return Config().with_workbook(demo_xlsx)


def tab(path: Path, name: str) -> dict[str, dict[str, Any]]:
    """Rows of a keyed tab by key, as {header: value}."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    return {str(r[0]): dict(zip(header, r, strict=False)) for r in rows[1:] if r[0] is not None}


def dump(path: Path) -> list[str]:
    """What a SQLite file holds (its bytes move when a checkpoint folds the WAL in)."""
    with closing(sqlite3.connect(path)) as db:
        return list(db.iterdump())


def answers(path: Path) -> dict[str, tuple[Any, ...]]:
    return {k: tuple(r.get(c) for c in ANSWER) for k, r in tab(path, "Approvals").items()}


def edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def rename(tab_name: str, old: str, new: str) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        for cell in wb[tab_name][1]:
            if cell.value == old:
                cell.value = new

    return change


def set_cells(tab_name: str, column: str, value: Any, keys: set[str] | None = None) -> Callable[
    [openpyxl.Workbook], None
]:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tab_name]
        col = [c.value for c in ws[1]].index(column) + 1
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, 1).value is not None and (keys is None or ws.cell(row, 1).value in keys):
                ws.cell(row, col).value = value

    return change


# ------------------------------------------------------------------ `sheets-sync links`


def test_links_prints_what_the_last_sync_wrote_and_writes_nothing(
    desk: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = desk.workbook.path
    runner = CliRunner()
    before = runner.invoke(main, ["--workbook", str(workbook), "links", "JW-2330"])
    assert before.exit_code == 0, before.output
    assert "(no link yet: the next `sheets-sync run` writes it)" in before.output
    assert not Path("var").exists()  # no journal, no secret, no lock made by `links`

    pipeline.sync_once(desk, NOW)
    monkeypatch.setenv("SHEETS_SYNC_SECRET", "any other secret: links signs nothing")
    saved = workbook.read_bytes()
    journal = dump(desk.web.journal_path)
    done = runner.invoke(main, ["--workbook", str(workbook), "links", "JW-2330"])
    assert done.exit_code == 0, done.output
    links = tab(workbook, "Approvals")["AP-030"]["⚙ Link"]
    assert done.output.strip() == f"JW-2330  approval AP-030   Mei Tanaka: {links}"
    everything = runner.invoke(main, ["--workbook", str(workbook), "links"])
    # one line per approval and per launch: the work in hand (30 and 13) and the months
    # of history (36 and 36)
    assert everything.exit_code == 0 and len(everything.output.splitlines()) == 66 + 49
    assert workbook.read_bytes() == saved and dump(desk.web.journal_path) == journal


def test_links_of_an_unknown_order_exits_2_naming_it(desk: Config) -> None:
    done = CliRunner().invoke(main, ["--workbook", str(desk.workbook.path), "links", "JW-9999"])
    assert done.exit_code == 2
    assert "no order 'JW-9999' on the Orders tab" in done.output


# ------------------------------------------------------------------ the link secret


def test_a_sync_with_another_secret_refuses_and_says_what_to_set(
    desk: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.sync_once(desk, NOW)
    workbook = desk.workbook.path
    saved = workbook.read_bytes()
    monkeypatch.delenv("SHEETS_SYNC_SECRET")  # `run` started without the service's secret
    with pytest.raises(ConfigError) as refused:
        pipeline.sync_once(desk, NOW)
    message = str(refused.value)
    assert "signed with another link secret" in message
    assert "Set SHEETS_SYNC_SECRET (or SHEETS_SYNC_SECRET_FILE, or [web] secret_file)" in message
    assert "secret, made because none of" in message and "Nothing was written" in message
    assert workbook.read_bytes() == saved

    done = CliRunner().invoke(main, ["--workbook", str(workbook), "run"])
    assert done.exit_code == 2 and "another link secret" in done.output
    assert workbook.read_bytes() == saved


def test_an_old_secret_still_listed_is_no_refusal_and_cleared_links_are_signed_anew(
    desk: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.sync_once(desk, NOW)
    workbook = desk.workbook.path
    links = {k: r["⚙ Link"] for k, r in tab(workbook, "Approvals").items()}
    monkeypatch.setenv("SHEETS_SYNC_SECRET", "a-rotated-secret-0123456789abcdef")
    monkeypatch.setenv("SHEETS_SYNC_OLD_SECRETS", SECRET)
    pipeline.sync_once(desk, NOW)  # rotation done right: the old links stay as they are
    assert {k: r["⚙ Link"] for k, r in tab(workbook, "Approvals").items()} == links

    monkeypatch.delenv("SHEETS_SYNC_OLD_SECRETS")
    edit(workbook, set_cells("Approvals", "⚙ Link", None))
    edit(workbook, set_cells("Launches", "⚙ Link", None))
    pipeline.sync_once(desk, NOW)  # no links left: signed with the secret in force
    fresh = {k: r["⚙ Link"] for k, r in tab(workbook, "Approvals").items()}
    assert all(fresh.values()) and not set(fresh.values()) & set(links.values())


# ------------------------------------------------------- recorded answers and rounds


@pytest.mark.parametrize(
    "mistake",
    [
        ("Orders", "Order Ref", "Order Reference"),
        ("Orders", "CAD Render", "Render"),
        ("Approvals", "Image", "Picture"),
        ("Approvals", "Approval ID", "Approval"),
    ],
    ids=lambda m: f"{m[0]}.{m[1]}",
)
def test_a_header_mistake_for_one_sync_keeps_every_recorded_answer(
    desk: Config, mistake: tuple[str, str, str]
) -> None:
    """The Orders "Order Ref" -> "Order Reference" -> back round trip (and its kin) with
    approvals whose Image is blank, so their page shows the order's CAD Render."""
    workbook = desk.workbook.path
    edit(workbook, set_cells("Approvals", "Image", None))
    pipeline.sync_once(desk, NOW)
    recorded = answers(workbook)
    links = {k: r["⚙ Link"] for k, r in tab(workbook, "Approvals").items()}
    assert sum(1 for a in recorded.values() if a[0] == "Approved") >= 20
    name, right, wrong = mistake
    edit(workbook, rename(name, right, wrong))
    pipeline.sync_once(desk, NOW)
    edit(workbook, rename(name, wrong, right))
    pipeline.sync_once(desk, NOW)
    assert answers(workbook) == recorded
    assert {k: r["⚙ Link"] for k, r in tab(workbook, "Approvals").items()} == links


def test_an_unreadable_image_or_order_for_one_sync_keeps_the_answer(desk: Config) -> None:
    workbook = desk.workbook.path
    pipeline.sync_once(desk, NOW)
    recorded = answers(workbook)
    assert recorded["AP-001"][0] == "Approved"
    edit(workbook, set_cells("Approvals", "Image", "www.not-a-link", {"AP-001"}))
    edit(workbook, set_cells("Approvals", "Order Ref", "JW-0000", {"AP-002"}))
    edit(workbook, set_cells("Approvals", "Image", None, {"AP-002"}))
    pipeline.sync_once(desk, NOW)
    assert answers(workbook)["AP-001"] == recorded["AP-001"]
    assert answers(workbook)["AP-002"] == recorded["AP-002"]


def test_only_a_really_new_image_opens_a_new_round(desk: Config) -> None:
    workbook = desk.workbook.path
    pipeline.sync_once(desk, NOW)
    recorded = answers(workbook)
    own = tab(workbook, "Approvals")["AP-002"]["Image"]
    edit(workbook, set_cells("Approvals", "Item", "Wax", {"AP-001"}))  # not the image
    edit(workbook, set_cells("Approvals", "Image", f"  {own} ", {"AP-002"}))  # the same, retyped
    pipeline.sync_once(desk, NOW)
    assert answers(workbook)["AP-001"] == recorded["AP-001"]
    assert answers(workbook)["AP-002"] == recorded["AP-002"]

    edit(workbook, set_cells("Approvals", "Image", "https://drive.google.com/file/d/1rndV2/view", {"AP-001"}))
    pipeline.sync_once(desk, NOW)
    assert answers(workbook)["AP-001"] == ("Pending", None, None, None)
    assert answers(workbook)["AP-003"] == recorded["AP-003"]
