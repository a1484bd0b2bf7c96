"""The durable journal between the web app and the workbook (one SQLite file).

Two tables:

* ``views``: what each link's page shows, PUBLISHED by the sync (``steps.links.publish_step``):
  (kind "approval" | "launch", row id) -> fingerprint, state and the page's data as JSON.
  The web app reads only this; it never talks to the workbook. Each process keeps the
  pages it read in memory until the next publish (``sheets_sync.view_copies``).
* ``submissions``: what clients and partners answered. The web app makes each answer
  durable BEFORE the page says "thank you" by appending it to the journal's inbox
  (``sheets_sync.inbox``: one write on a file opened with O_DSYNC); ``absorb`` moves what
  the inbox holds into this table, in the order it arrived, many answers per transaction,
  and every read of the table absorbs first. A unique idempotency key (a hidden field,
  one per form) makes a double click one entry, and the same answer sent again through
  the same link (Back, then send: the browser restores what was typed into a page with
  fresh keys) is found as the latest entry and stays one; these rules are applied as an
  answer is absorbed, by the one statement that inserts it.
  ``steps.answers.flush_step`` applies pending entries to the workbook and marks them
  applied only after the workbook write succeeded; each entry's ``id`` (given when it is
  recorded) is the Activity row id, the proof that it was applied (exactly once across
  crashes).
* ``inbox_read``: how many bytes of the inbox are absorbed, written in the same
  transaction as the answers they held, so each answer is absorbed once, by whichever
  process reads first.

Every thread of a process shares two connections, each behind its own lock: one that
writes and one that reads, so a page being read never waits for answers being absorbed.
Other processes (the sync) open their own Journal on the same files: SQLite's WAL lets
readers and one writer work together, and any of them may absorb.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import SheetsSyncError
from .inbox import Inbox, decode, encode
from .submissions import (
    COLS,
    Ask,
    SameAnswer,
    Submission,
    blockers,
    from_row,
    insert_sql,
    new_submission_id,
    params,
)
from .view_copies import Copies, PublishCounter

__all__ = ["Journal", "JournalError", "SameAnswer", "Submission", "View", "new_submission_id"]

KINDS = ("approval", "launch")
SUBMISSION_KINDS = ("approval", "ack", "problem", "progress")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS views (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    idem TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    applied_at TEXT
);
CREATE INDEX IF NOT EXISTS submissions_pending ON submissions (applied_at, seq);
CREATE INDEX IF NOT EXISTS submissions_ref ON submissions (kind, ref);
CREATE TABLE IF NOT EXISTS inbox_read (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    absorbed INTEGER NOT NULL
);
"""
log = logging.getLogger(__name__)


class JournalError(SheetsSyncError):
    """The journal file cannot be opened or written."""


@dataclass(frozen=True)
class View:
    """What one link's page shows. ``state`` e.g. "Pending", "Approved", "Ready",
    "Blocked: incomplete sheet"; ``data`` is plain JSON-able data."""

    kind: str
    id: str
    fingerprint: str
    state: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def encoded(self) -> str:
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False, default=str)


@dataclass
class Absorbed:
    """How answers moved from the inbox into the table in this process: ``transactions``
    (one commit each), ``answers`` through them, the ``largest`` transaction."""

    transactions: int = 0
    answers: int = 0
    largest: int = 0


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect()
            self._conn.executescript(_SCHEMA)
            self._reader = self._connect()
            self._inbox = Inbox(self.path.with_name(self.path.name + "-inbox"), like=self.path)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        self._lock = threading.Lock()  # the writing connection
        self._read_lock = threading.Lock()
        self._seen = 0  # inbox bytes this process saw absorbed: nothing to do while the same
        self._waiting: dict[str, tuple[Submission, bool] | JournalError | None] = {}  # submit()'s
        self.absorbed = Absorbed()
        self._published = PublishCounter(self.path.with_name(self.path.name + "-views"), self.path)
        self._pages: Copies[View] = Copies(self._published)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=30
        )
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a commit returns once the WAL is fsynced
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._conn.close()
            self._reader.close()
            self._inbox.close()
            self._published.close()

    @property
    def inbox_path(self) -> Path:
        return self._inbox.path

    # ---------------------------------------------------------------- views

    def publish_views(self, views: Iterable[View], kinds: Iterable[str] = KINDS) -> int:
        """Make the views table say exactly ``views`` for ``kinds``: rows that changed are
        written, rows no longer in the workbook removed, all in one transaction; nothing is
        written when nothing changed. Returns the number of rows written or removed.
        Every publish then counts one on the shared publish counter (``view_copies``),
        also when nothing changed, so every process's copies of the pages are read anew."""
        written = self._publish(views, kinds)
        try:
            self._published.add_one()
        except OSError as exc:
            raise JournalError(
                f"the pages were published to {self.path}, but the web app cannot be told: "
                f"{exc} (give this user write access to it, as to the journal)"
            ) from None
        return written

    def _publish(self, views: Iterable[View], kinds: Iterable[str]) -> int:
        wanted = {(v.kind, v.id): v for v in views}
        kinds = tuple(kinds)
        marks = ",".join("?" for _ in kinds)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT kind, id, fingerprint, state, data FROM views WHERE kind IN ({marks})",
                kinds,
            ).fetchall()
            current = {(k, i): (f, s, d) for k, i, f, s, d in rows}
            upserts = [
                (v.kind, v.id, v.fingerprint, v.state, v.encoded())
                for key, v in wanted.items()
                if current.get(key) != (v.fingerprint, v.state, v.encoded())
            ]
            gone = [key for key in current if key not in wanted]
            if not upserts and not gone:
                return 0
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT INTO views (kind, id, fingerprint, state, data) VALUES (?,?,?,?,?) "
                    "ON CONFLICT (kind, id) DO UPDATE SET fingerprint=excluded.fingerprint, "
                    "state=excluded.state, data=excluded.data",
                    upserts,
                )
                self._conn.executemany("DELETE FROM views WHERE kind=? AND id=?", gone)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise JournalError(
                    f"cannot publish pages to the journal {self.path}: {exc}"
                ) from None
            return len(upserts) + len(gone)

    def view(self, kind: str, row_id: str) -> View | None:
        """The page of one link as last published (a copy kept since the last publish,
        ``view_copies``; its ``data`` is shared: read it, never change it)."""
        return self._pages.get((kind, row_id), lambda: self._read_view(kind, row_id))

    def _read_view(self, kind: str, row_id: str) -> View | None:
        with self._read_lock:
            row = self._reader.execute(
                "SELECT fingerprint, state, data FROM views WHERE kind=? AND id=?", (kind, row_id)
            ).fetchone()
        if row is None:
            return None
        return View(kind, row_id, row[0], row[1], json.loads(row[2]))

    # ---------------------------------------------------------- submissions

    def record(
        self, sub: Submission, exclusive: bool = False, same: SameAnswer | None = None
    ) -> Submission:
        """Make ``sub`` durable: appended to the inbox and on disk when this returns (one
        write). Returns it with its entry id. Whether it is a new entry is decided when it
        is absorbed, by the rules ``submit`` names, in the order answers arrived; every
        read absorbs first, so the next page already shows it."""
        return self._record(Ask(sub.identified(), exclusive, same))

    def submit(
        self, sub: Submission, exclusive: bool = False, same: SameAnswer | None = None
    ) -> tuple[Submission, bool]:
        """Record ``sub`` (durable when this returns) and absorb it at once.

        Returns (the stored entry, True) or, when an entry with the same idempotency key
        exists — or with ``exclusive``, any PENDING entry of the same kind, ref and
        fingerprint (one answer per render waiting to be applied); or with ``same``, the
        latest entry of the same kind and ref when it is the same answer (``SameAnswer``)
        — (that entry, False) and nothing new is stored. The look and the insert are one
        statement, and answers are absorbed one after the other in the order they were
        recorded: two of them at once still store one."""
        ask = Ask(sub.identified(), exclusive, same)
        self._waiting[ask.sub.id] = None
        try:
            self._record(ask)
            self.absorb()
            verdict = self._waiting.get(ask.sub.id)
        finally:
            self._waiting.pop(ask.sub.id, None)
        if isinstance(verdict, JournalError):
            raise verdict
        return verdict if verdict is not None else self._judged(ask)

    def _record(self, ask: Ask) -> Submission:
        if ask.sub.kind not in SUBMISSION_KINDS:
            raise JournalError(f"unknown submission kind {ask.sub.kind!r}")
        try:
            self._inbox.append(encode(ask.record()))
        except OSError as exc:
            raise JournalError(f"cannot record the answer in {self._inbox.path}: {exc}") from None
        return ask.sub

    def absorb(self) -> int:
        """Move the answers recorded in the inbox (by any process) that no process has
        absorbed yet into the table, in the order they arrived, in one transaction with
        the count of bytes absorbed. Returns how many were read (stored or found to be
        an answer already there)."""
        try:
            size = self._inbox.size()
        except OSError as exc:
            raise JournalError(f"cannot read the inbox {self._inbox.path}: {exc}") from None
        if size == self._seen:
            return 0
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                row = self._conn.execute("SELECT absorbed FROM inbox_read").fetchone()
                start, size = (row[0] if row else 0), self._inbox.size()
                if size < start:  # the file was replaced: read it all; entries in are found again
                    log.warning("%s is shorter than what was absorbed from it; reading it again",
                                self._inbox.path)
                    start = 0
                read = decode(self._inbox.read(start, size), start)
                for offset, entry in read.records:
                    self._absorb_one(entry, offset)
                self._conn.execute(
                    "INSERT INTO inbox_read (one, absorbed) VALUES (1, :end) "
                    "ON CONFLICT (one) DO UPDATE SET absorbed = :end",
                    {"end": read.end},
                )
                self._conn.execute("COMMIT")
            except (OSError, sqlite3.Error) as exc:
                self._rollback()
                raise JournalError(
                    f"cannot move answers from {self._inbox.path} into {self.path}: {exc}"
                ) from None
            except BaseException:
                self._rollback()
                raise
            self._seen = size
            if read.records:
                a = self.absorbed
                a.transactions += 1
                a.answers += len(read.records)
                a.largest = max(a.largest, len(read.records))
        for offset in read.torn:  # a write cut short by a crash: never acknowledged
            log.warning("%s: skipped an unfinished answer at byte %d", self._inbox.path, offset)
        return len(read.records)

    def _absorb_one(self, entry: dict[str, Any], offset: int) -> None:
        try:
            ask = Ask.from_record(entry)
        except (KeyError, IndexError, TypeError, ValueError) as exc:  # whole, but not an answer
            log.error("%s: the record at byte %d is not an answer (%s); skipped",
                      self._inbox.path, offset, exc)
            return
        try:
            stored = self._insert(ask)
        except sqlite3.IntegrityError as exc:  # only an id given twice by a caller
            error = JournalError(f"cannot record the answer in {self.path}: {exc}")
            log.error("%s: the answer at byte %d was not stored: %s", self._inbox.path, offset, exc)
            if ask.sub.id in self._waiting:
                self._waiting[ask.sub.id] = error
            return
        if ask.sub.id in self._waiting:
            self._waiting[ask.sub.id] = (stored, True) if stored else (self._existing(ask), False)

    def _judged(self, ask: Ask) -> tuple[Submission, bool]:
        """An answer another process absorbed: its entry, or the one that kept it out."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {COLS} FROM submissions WHERE id=?", (ask.sub.id,)
            ).fetchone()
            return (from_row(row), True) if row is not None else (self._existing(ask), False)

    def _insert(self, ask: Ask) -> Submission | None:
        """Insert ``ask`` unless an entry makes it not new (one statement); the stored
        entry, or None when nothing was inserted."""
        cur = self._conn.execute(insert_sql(ask.exclusive, ask.same), ask.insert_params())
        if cur.rowcount != 1:
            return None
        return replace(ask.sub, payload=dict(ask.sub.payload), seq=int(cur.lastrowid or 0))

    def _existing(self, ask: Ask) -> Submission:
        """The entry that kept ``ask`` from being stored."""
        values = params(ask.sub, ask.same)
        for query in blockers(ask.exclusive, ask.same):
            row = self._conn.execute(query, values).fetchone()
            if row is not None:
                return from_row(row)
        raise JournalError(f"the answer {ask.sub.idem!r} was neither stored nor found in {self.path}")

    def by_idem(self, idem: str) -> Submission | None:
        self.absorb()
        with self._read_lock:
            row = self._reader.execute(
                f"SELECT {COLS} FROM submissions WHERE idem=?", (idem,)
            ).fetchone()
        return None if row is None else from_row(row)

    def pending(self, limit: int | None = None) -> list[Submission]:
        """Entries not yet applied to the workbook, oldest first."""
        sql = f"SELECT {COLS} FROM submissions WHERE applied_at IS NULL ORDER BY seq"
        args: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (limit,)
        self.absorb()
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return [from_row(r) for r in rows]

    def for_ref(self, kind: str, ref: str) -> list[Submission]:
        """Every entry of one kind for one Approval ID / Launch ID, oldest first."""
        self.absorb()
        with self._read_lock:
            rows = self._reader.execute(
                f"SELECT {COLS} FROM submissions WHERE kind=? AND ref=? ORDER BY seq",
                (kind, ref),
            ).fetchall()
        return [from_row(r) for r in rows]

    def mark_applied(self, ids: Iterable[str], at: datetime) -> int:
        ids = list(ids)
        if not ids:
            return 0
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                cur = self._conn.executemany(
                    "UPDATE submissions SET applied_at=? WHERE id=? AND applied_at IS NULL",
                    [(at.isoformat(), i) for i in ids],
                )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise JournalError(f"cannot mark answers applied in {self.path}: {exc}") from None
        return cur.rowcount

    def counts(self) -> dict[str, int]:
        self.absorb()
        with self._read_lock:
            total, pending = self._reader.execute(
                "SELECT COUNT(*), COUNT(*) - COUNT(applied_at) FROM submissions"
            ).fetchone()
        return {"submissions": int(total), "pending": int(pending)}

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

