"""The web process keeps the link pages it read until the sync publishes new ones, and a
publish from another process is seen by the very next read."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheets_sync.journal import Journal, JournalError, View
from sheets_sync.view_copies import Copies, PublishCounter


def page(state: str, note: str = "") -> View:
    return View("launch", "L-012", "fp-1", state, {"order_ref": "JW-2312", "note": note})


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def publish_elsewhere(path: Path, state: str) -> None:
    """A sync in another process publishes the page anew."""
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from sheets_sync.journal import Journal, View
        j = Journal(Path({str(path)!r}))
        j.publish_views([View("launch", "L-012", "fp-1", {state!r}, {{"order_ref": "JW-2312"}})])
        j.close()
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_a_page_published_by_another_process_is_read_at_once(journal: Journal) -> None:
    journal.publish_views([page("Ready")])
    assert journal.view("launch", "L-012") == page("Ready")  # read, and kept
    publish_elsewhere(journal.path, "Acknowledged")
    seen = journal.view("launch", "L-012")
    assert seen is not None and seen.state == "Acknowledged"
    publish_elsewhere(journal.path, "Blocked: incomplete sheet")
    seen = journal.view("launch", "L-012")
    assert seen is not None and seen.state == "Blocked: incomplete sheet"


def test_between_publishes_the_page_is_read_once(journal: Journal) -> None:
    journal.publish_views([page("Ready", "first")])
    assert journal.view("launch", "L-012") == page("Ready", "first")
    # the row changed behind the journal's back (no publish): the copy is still served
    with sqlite3.connect(journal.path) as raw:
        raw.execute("UPDATE views SET state='Sent' WHERE id='L-012'")
    assert journal.view("launch", "L-012") == page("Ready", "first")
    journal.publish_views([], kinds=("approval",))  # a publish that changed nothing counts
    seen = journal.view("launch", "L-012")
    assert seen is not None and seen.state == "Sent"


def test_a_page_missing_is_asked_for_again(journal: Journal) -> None:
    assert journal.view("launch", "L-012") is None
    with sqlite3.connect(journal.path) as raw:  # not kept as missing: found once it is there
        raw.execute("INSERT INTO views VALUES ('launch', 'L-012', 'fp-1', 'Ready', '{}')")
    assert journal.view("launch", "L-012") == View("launch", "L-012", "fp-1", "Ready", {})


def test_a_page_read_while_a_publish_goes_on_is_used_once_and_not_kept(tmp_path: Path) -> None:
    counter = PublishCounter(tmp_path / "journal.sqlite3-views")
    copies: Copies[str] = Copies(counter)
    reads: list[str] = []

    def read_during_publish() -> str:
        reads.append("read")
        counter.add_one()  # a sync published while this read went on
        return "maybe old"

    assert copies.get("L-012", read_during_publish) == "maybe old"
    assert copies.get("L-012", lambda: reads.append("again") or "new") == "new"
    assert copies.get("L-012", lambda: "not asked") == "new"
    assert reads == ["read", "again"]
    counter.close()


def test_a_publish_the_web_app_cannot_be_told_of_is_refused_with_the_file_named(
    tmp_path: Path,
) -> None:
    (tmp_path / "journal.sqlite3-views").mkdir()  # cannot be mapped, nor written
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with pytest.raises(JournalError, match="journal.sqlite3-views"):
            journal.publish_views([page("Ready")])
        assert journal.view("launch", "L-012") == page("Ready")  # read from the journal
    finally:
        journal.close()


def test_the_counter_file_takes_the_journals_permissions(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.close()
    (tmp_path / "journal.sqlite3").chmod(0o660)
    (tmp_path / "journal.sqlite3-views").unlink()
    again = Journal(tmp_path / "journal.sqlite3")
    try:
        assert stat.S_IMODE((tmp_path / "journal.sqlite3-views").stat().st_mode) == 0o660
    finally:
        again.close()


def test_without_a_counter_file_every_read_goes_to_the_journal(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite3-views").mkdir()  # cannot be mapped
    counter = PublishCounter(tmp_path / "journal.sqlite3-views")
    assert not counter.shared and counter.read() is None
    copies: Copies[int] = Copies(counter)
    values = iter(range(10))
    assert [copies.get("k", lambda: next(values)) for _ in range(3)] == [0, 1, 2]


def test_the_counter_is_shared_by_every_mapping_of_the_file(tmp_path: Path) -> None:
    a = PublishCounter(tmp_path / "j-views")
    b = PublishCounter(tmp_path / "j-views")
    assert a.read() == b.read() == 0
    a.add_one()
    a.add_one()
    assert b.read() == 2
    a.close()
    b.close()
    assert PublishCounter(tmp_path / "j-views").read() == 2  # kept in the file
