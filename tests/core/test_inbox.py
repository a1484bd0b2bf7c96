"""Answers are made durable by one append to the journal's inbox, then absorbed into the
journal's table by whichever reader comes first: in the order they arrived, each once, with
every rule that makes an answer one answer (a double click, the same answer resent from a
page the browser restored) still holding when they are absorbed together. A write cut
short by a crash is skipped; a record still being written is left for the next read."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.inbox import decode, encode
from sheets_sync.journal import Journal, JournalError, Submission
from web.partners import SAME_ANSWER

from .conftest import NOW

ROOT = Path(__file__).resolve().parents[2]


def progress(idem: str, status: str, note: str, at: datetime = NOW) -> Submission:
    return Submission(
        kind="progress",
        ref="L-7",
        fingerprint="as seen",
        payload={"order_ref": "JW-2301", "status": status, "note": note},
        received_at=at,
        idem=idem,
    )


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def reopened(journal: Journal) -> Journal:
    """The same files opened again, as another process (the sync) opens them."""
    return Journal(journal.path)


def test_a_double_click_and_a_resend_absorbed_together_are_one_answer(journal: Journal) -> None:
    journal.record(progress("form-1", "Started", "Casting today"), same=SAME_ANSWER)
    journal.record(progress("form-2", "Done", "Polished, ready to ship"), same=SAME_ANSWER)
    journal.record(progress("form-2", "Done", "Polished, ready to ship"), same=SAME_ANSWER)
    journal.record(progress("form-3", "Done", "Polished, ready to ship"), same=SAME_ANSWER)

    other = reopened(journal)
    try:
        notes = [s.payload["note"] for s in other.pending()]
        assert other.absorbed.transactions == 1 and other.absorbed.answers == 4
    finally:
        other.close()
    assert notes == ["Casting today", "Polished, ready to ship"]
    assert journal.absorb() == 0  # the other process absorbed them: nothing left here
    assert [s.idem for s in journal.for_ref("progress", "L-7")] == ["form-1", "form-2"]


def test_recorded_answers_are_on_disk_before_any_read(journal: Journal) -> None:
    recorded = journal.record(progress("form-1", "Started", "Casting today"))
    assert recorded.id.startswith("web-")
    line = journal.inbox_path.read_bytes()
    read = decode(line, 0)
    assert [r["id"] for _, r in read.records] == [recorded.id] and read.end == len(line)
    [entry] = journal.pending()
    assert (entry.id, entry.payload["note"], entry.received_at) == (
        recorded.id, "Casting today", NOW,
    )


def test_submit_says_whether_the_answer_is_new(journal: Journal) -> None:
    first, new = journal.submit(progress("form-1", "Done", "Polished"), same=SAME_ANSWER)
    again, new_again = journal.submit(progress("form-1", "Done", "Polished"), same=SAME_ANSWER)
    resent, new_resent = journal.submit(progress("form-2", "Done", "Polished"), same=SAME_ANSWER)
    other, new_other = journal.submit(progress("form-3", "Shipped", "Sent"), same=SAME_ANSWER)
    assert (new, new_again, new_resent, new_other) == (True, False, False, True)
    assert first.id == again.id == resent.id != other.id
    assert first.seq == 1 and other.seq == 2


def test_threads_sending_the_same_form_at_once_store_it_once(journal: Journal) -> None:
    outcomes: list[tuple[Submission, bool]] = []
    lock = threading.Lock()

    def send(idem: str) -> None:
        result = journal.submit(progress(idem, "Done", "Polished"))
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=send, args=("form-1" if n % 2 else f"own-{n}",))
               for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    double = [o for o in outcomes if o[0].idem == "form-1"]
    assert len(outcomes) == 16
    assert sorted(new for _, new in double) == [False] * 7 + [True]
    assert len({entry.id for entry, _ in double}) == 1
    assert all(new for entry, new in outcomes if entry.idem != "form-1")
    assert journal.counts() == {"submissions": 9, "pending": 9}


def test_a_write_cut_short_by_a_crash_is_skipped_and_named(
    journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    journal.record(progress("form-1", "Started", "Casting today"))
    whole = encode({"id": "web-x", "note": "never thanked"})
    torn_at = journal.inbox_path.stat().st_size + 1  # past the record's leading newline
    with journal.inbox_path.open("ab") as f:  # the server died in the middle of a write
        f.write(whole[: len(whole) // 2])
    after = reopened(journal)  # the server started again
    try:
        after.record(progress("form-2", "Done", "Polished"))
        with caplog.at_level(logging.WARNING, logger="sheets_sync.journal"):
            notes = [s.payload["note"] for s in after.pending()]
    finally:
        after.close()
    assert notes == ["Casting today", "Polished"]
    assert f"journal.sqlite3-inbox: skipped an unfinished answer at byte {torn_at}" in caplog.text


def test_a_record_still_being_written_is_left_for_the_next_read(journal: Journal) -> None:
    journal.record(progress("form-1", "Started", "Casting today"))
    line = encode(
        {"id": "web-2", "kind": "progress", "ref": "L-7", "fingerprint": "as seen",
         "payload": {"note": "Polished"}, "received_at": NOW.isoformat(), "idem": "form-2",
         "exclusive": False, "same": None}
    )
    with journal.inbox_path.open("ab") as f:  # another process, half-way through its write
        f.write(line[:40])
        f.flush()
        assert [s.idem for s in journal.pending()] == ["form-1"]
        f.write(line[40:])
    assert [s.idem for s in journal.pending()] == ["form-1", "form-2"]


def test_an_entry_id_already_taken_fails_alone(journal: Journal) -> None:
    kept, _ = journal.submit(progress("form-0", "Started", "Casting today"))
    clash = Submission(  # an entry id the journal already holds: refused by the database
        kind="progress", ref="L-7", fingerprint="as seen", payload={"note": "Polished"},
        received_at=NOW, idem="form-2", id=kept.id,
    )
    journal.record(progress("form-1", "Done", "Stones set"))
    with pytest.raises(JournalError, match="UNIQUE"):
        journal.submit(clash)
    journal.record(progress("form-3", "Shipped", "Sent"))
    notes = [s.payload["note"] for s in journal.pending()]
    assert notes == ["Casting today", "Stones set", "Sent"]


def test_a_whole_record_that_is_not_an_answer_is_skipped_and_named(
    journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    journal.record(progress("form-1", "Started", "Casting today"))
    at = journal.inbox_path.stat().st_size + 1
    with journal.inbox_path.open("ab") as f:  # e.g. written by a later version of this app
        f.write(encode({"id": "web-9", "kind": "progress", "note": "no ref, no date"}))
    journal.record(progress("form-2", "Done", "Polished"))
    with caplog.at_level(logging.ERROR, logger="sheets_sync.journal"):
        assert [s.idem for s in journal.pending()] == ["form-1", "form-2"]
    assert f"the record at byte {at} is not an answer ('ref'); skipped" in caplog.text


def test_an_inbox_replaced_by_a_new_file_is_read_from_its_start(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.submit(progress("form-1", "Started", "Casting today"))
    journal.close()
    journal.inbox_path.unlink()  # e.g. the state folder restored without it
    again = Journal(journal.path)
    try:
        again.record(progress("form-2", "Done", "Polished"))
        assert [s.idem for s in again.pending()] == ["form-1", "form-2"]
    finally:
        again.close()


WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from sheets_sync.journal import Journal, JournalError, Submission
journal, name, count = Journal(Path(sys.argv[1])), sys.argv[2], int(sys.argv[3])
for n in range(count):
    journal.record(Submission("progress", "L-7", "fp", {"note": f"{name} {n}" + "x" * 3000},
                              datetime.now(UTC), f"{name}-{n}"))
    if n % 7 == 0:
        journal.pending(limit=1)  # a reader absorbing while the others write
journal.close()
"""


def test_processes_writing_and_absorbing_at_once_keep_every_answer_once_in_order(
    tmp_path: Path,
) -> None:
    """Three processes record 150 answers each (3 KB, so a read often finds one half
    written) and absorb as they go; every answer is in the table once, each process's
    in the order it sent them."""
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "150"], cwd=ROOT)
        for name in ("a", "b", "c")
    ]
    for w in writers:
        assert w.wait(120) == 0
    journal = Journal(path)
    try:
        entries = journal.pending()
    finally:
        journal.close()
    assert len(entries) == 450 and len({e.idem for e in entries}) == 450
    for name in ("a", "b", "c"):
        mine = [int(e.idem.split("-")[1]) for e in entries if e.idem.startswith(name)]
        assert mine == list(range(150))


payloads = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.text(), st.integers(), st.none(), st.booleans()),
    max_size=5,
)


@given(st.lists(payloads, min_size=1, max_size=5), st.lists(st.binary(max_size=30), max_size=5))
def test_whole_records_are_read_back_whatever_torn_bytes_lie_between(
    records: list[dict[str, object]], torn: list[bytes]
) -> None:
    data = b""
    for n, record in enumerate(records):
        if n < len(torn):
            data += torn[n]  # a write cut short before this one
        data += encode(record)
    read = decode(data, 100)
    assert [r for _, r in read.records] == records
    assert read.end == 100 + len(data)
    for offset, record in read.records:
        assert data[offset - 100 :].startswith(encode(record)[1:])
