"""Answers that arrive together share one commit (one fsync), and every rule that makes an
answer one answer still holds inside that commit: a double click, and the same answer sent
again from a page the browser restored, are one entry even when they are committed
together.

To have answers arrive together for sure, the journal is held busy by another connection
(as a sync holds it while it marks answers applied): the first answer waits for it alone,
the next ones queue behind it and go in the next commit together."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from sheets_sync.group_commit import GroupCommit
from sheets_sync.journal import Journal, JournalError, Submission
from web.partners import SAME_ANSWER

from .conftest import NOW

WAIT = 10.0  # seconds for the threads to reach the journal


def progress(idem: str, status: str, note: str, at: datetime = NOW) -> Submission:
    return Submission(
        kind="progress",
        ref="L-7",
        fingerprint="as seen",
        payload={"order_ref": "JW-2301", "status": status, "note": note},
        received_at=at,
        idem=idem,
    )


class Sender(threading.Thread):
    """One browser's post: what the journal answered, or what it raised."""

    def __init__(self, journal: Journal, sub: Submission) -> None:
        super().__init__()
        self.journal, self.sub = journal, sub
        self.stored: tuple[Submission, bool] | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.stored = self.journal.submit(self.sub, same=SAME_ANSWER)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after {WAIT:g} s"
        time.sleep(0.001)


@contextmanager
def journal_held_busy(path: Path) -> Iterator[None]:
    """Another connection holds the journal's write lock until the block ends."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("COMMIT")
    finally:
        other.close()


def send_together(journal: Journal, first: Submission, together: list[Submission]) -> list[Sender]:
    """``first`` waits alone for the busy journal; ``together`` queue up behind it."""
    senders = [Sender(journal, first)]
    with journal_held_busy(journal.path):
        senders[0].start()
        until(lambda: journal.commits.running == 1, "the first answer waiting for its commit")
        for n, sub in enumerate(together, start=1):  # one after the other: in this order
            senders.append(Sender(journal, sub))
            senders[-1].start()
            until(lambda n=n: journal.commits.queued == n, f"answer {n} queued")
    for s in senders:
        s.join(WAIT)
    return senders


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3", group_above=0)  # always grouping
    yield j
    j.close()


def test_a_double_click_and_a_resend_committed_together_are_one_answer(journal: Journal) -> None:
    cast = progress("form-1", "Started", "Casting today")
    done = progress("form-2", "Done", "Polished, ready to ship")
    double_click = progress("form-2", "Done", "Polished, ready to ship")
    resent = progress("form-3", "Done", "Polished, ready to ship")  # Back, then send
    first, *others = send_together(journal, cast, [done, double_click, resent])

    assert journal.commits.sizes == {1: 1, 3: 1}  # two commits, two fsyncs, for four posts
    assert first.stored is not None and first.stored[1] is True
    outcomes = [s.stored for s in others]
    assert all(o is not None for o in outcomes)
    entries = {o[0].id for o in outcomes if o is not None}
    news = [o[1] for o in outcomes if o is not None]
    assert len(entries) == 1 and news == [True, False, False]
    stored = journal.for_ref("progress", "L-7")
    assert [s.payload["note"] for s in stored] == ["Casting today", "Polished, ready to ship"]


def test_another_answer_committed_together_is_its_own_entry(journal: Journal) -> None:
    started = progress("form-1", "Started", "Casting today")
    done = progress("form-2", "Done", "Polished")
    shipped = progress("form-3", "Shipped", "Sent with the courier")
    send_together(journal, started, [done, shipped])

    assert journal.commits.sizes == {1: 1, 2: 1}
    notes = [s.payload["note"] for s in journal.for_ref("progress", "L-7")]
    assert notes == ["Casting today", "Polished", "Sent with the courier"]


def test_an_answer_that_cannot_be_stored_fails_alone_and_the_rest_of_its_commit_is_kept(
    journal: Journal, tmp_path: Path
) -> None:
    kept, _ = journal.submit(progress("form-0", "Started", "Casting today"))
    clash = Submission(  # an entry id the journal already holds: refused by the database
        kind="progress",
        ref="L-7",
        fingerprint="as seen",
        payload={"status": "Done", "note": "Polished"},
        received_at=NOW,
        idem="form-2",
        id=kept.id,
    )
    first, before, bad, after = send_together(
        journal,
        progress("form-1", "Done", "Stones set"),
        [progress("form-3", "Done", "Engraved"), clash, progress("form-4", "Shipped", "Sent")],
    )

    assert journal.commits.sizes == {1: 2, 3: 1}
    assert isinstance(bad.error, JournalError) and "UNIQUE" in str(bad.error)
    assert [s.error for s in (first, before, after)] == [None, None, None]
    notes = [s.payload["note"] for s in journal.for_ref("progress", "L-7")]
    assert notes == ["Casting today", "Stones set", "Engraved", "Sent"]
    reopened = Journal(tmp_path / "journal.sqlite3")
    try:
        assert reopened.counts() == {"submissions": 4, "pending": 4}
    finally:
        reopened.close()


def test_answers_group_only_while_commits_are_slow(tmp_path: Path) -> None:
    """Quick commits: each answer is committed at once, nobody waits for a batch. A slow
    commit (the disk, or the journal held busy) turns grouping on. (The default line is
    2 ms; 0.25 s here, so that any disk's commit is quick and 1.5 s held busy is slow.)"""
    journal = Journal(tmp_path / "journal.sqlite3", group_above=0.25)
    try:
        assert journal.grouping  # nothing timed yet
        for n in range(5):
            journal.submit(progress(f"quick-{n}", "Started", f"note {n}"))
        assert not journal.grouping
        assert journal.commits.sizes == {1: 5}

        first, second = (
            Sender(journal, progress("busy-1", "Done", "a")),
            Sender(journal, progress("busy-2", "Done", "b")),
        )
        with journal_held_busy(journal.path):
            first.start()
            second.start()
            time.sleep(1.5)  # both wait for the database, neither in a batch
            assert journal.commits.queued == 0 and journal.commits.running == 0
        first.join(WAIT)
        second.join(WAIT)
        assert first.error is None and second.error is None
        assert journal.commits.sizes == {1: 7}  # each its own commit
        assert [s.payload["note"] for s in journal.for_ref("progress", "L-7")][-2:] == ["a", "b"]
    finally:
        journal.close()


def test_batches_slow_lately_turn_grouping_on_and_quick_ones_off() -> None:
    took = {"seconds": 0.0}
    runs: list[list[int]] = []

    def run(items: Sequence[int]) -> list[int]:
        time.sleep(took["seconds"])
        runs.append(list(items))
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(run, group_above=0.05, lately=2)
    assert group.grouping  # nothing timed yet
    assert [group.submit(n) for n in (1, 2)] == [10, 20]
    assert not group.grouping
    took["seconds"] = 0.08  # the disk got slow: once both batches timed are slow, group
    group.submit(3)
    assert not group.grouping  # the quickest of the last two is still quick
    group.submit(4)
    assert group.grouping
    threads = [threading.Thread(target=group.submit, args=(n,)) for n in (5, 6, 7)]
    threads[0].start()
    until(lambda: group.stats.running == 1, "5 in its batch")
    for t in threads[1:]:
        t.start()
    until(lambda: group.stats.queued == 2, "6 and 7 queued")
    for t in threads:
        t.join(WAIT)
    assert runs[-2:] == [[5], [6, 7]]  # 6 and 7 shared one batch
    took["seconds"] = 0.0
    group.submit(8)
    group.submit(9)
    assert not group.grouping
