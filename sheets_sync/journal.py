"""The durable journal between the web app and the workbook (one SQLite file).

Two tables:

* ``views``: what each link's page shows, PUBLISHED by the sync (``steps.links.publish_step``):
  (kind "approval" | "launch", row id) -> fingerprint, state and the page's data as JSON.
  The web app reads only this; it never talks to the workbook. Each process keeps the
  pages it read in memory until the next publish (``sheets_sync.view_copies``).
* ``submissions``: what clients and partners answered, written by the web app and
  committed to disk (WAL, ``synchronous=FULL``) BEFORE the page says "thank you". A unique
  idempotency key (a hidden field, one per form) makes a double click one entry, and the
  same answer sent again through the same link (Back, then send: the browser restores
  what was typed into a page with fresh keys) is found as the latest entry and stays one.
  ``steps.answers.flush_step`` applies pending entries to the workbook and marks them
  applied only after the workbook write succeeded; each entry's ``id`` is the Activity
  row id, the proof that it was applied (exactly once across crashes).

Every thread of the web server shares two connections, each behind its own lock: one
that writes and one that reads, so a page being read never waits for an answer being
fsynced. An answer is stored by one statement (its checks and its insert together), its
own transaction; while commits are slow, answers that arrive together share one
transaction and one fsync (group commit, ``sheets_sync.group_commit``). Each request
returns only when its own answer is on disk. Other processes (the sync) open their own
Journal on the same file: SQLite's WAL lets readers and one writer work together.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import SheetsSyncError
from .group_commit import GROUP_ABOVE, GroupCommit, GroupStats
from .submissions import (
    COLS,
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
"""


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


@dataclass(frozen=True)
class _Ask:
    """One ``submit`` call waiting for its batch."""

    sub: Submission
    exclusive: bool
    same: SameAnswer | None


class Journal:
    def __init__(self, path: Path, group_above: float = GROUP_ABOVE) -> None:
        """``group_above``: answers are grouped into one commit while commits lately took
        this long or longer (``group_commit``; 0: always)."""
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect()
            self._conn.executescript(_SCHEMA)
            self._reader = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        self._lock = threading.Lock()  # the writing connection
        self._read_lock = threading.Lock()
        self._group: GroupCommit[_Ask, tuple[Submission, bool]] = GroupCommit(
            self._store_batch, group_above
        )
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
            self._published.close()

    @property
    def commits(self) -> GroupStats:
        """How the answers were grouped into transactions so far (one fsync each)."""
        return self._group.stats

    @property
    def grouping(self) -> bool:
        """Whether answers arriving together now wait to share a commit (commits have
        lately been slow) or each is committed at once (they have been quick)."""
        return self._group.grouping

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

    def submit(
        self, sub: Submission, exclusive: bool = False, same: SameAnswer | None = None
    ) -> tuple[Submission, bool]:
        """Store ``sub`` durably (committed and fsynced when this returns).

        Returns (the stored entry, True) or, when an entry with the same idempotency key
        exists — or with ``exclusive``, any PENDING entry of the same kind, ref and
        fingerprint (one answer per render waiting to be applied); or with ``same``, the
        latest entry of the same kind and ref when it is the same answer (``SameAnswer``)
        — (that entry, False) and nothing new is stored. The look and the insert are one
        statement: two of them at once still store one, also when they are committed
        together (each looks after the one before it in the batch).

        One answer alone is one statement, its own transaction: one fsync, and one trip
        into SQLite (each trip lets the web server's other threads take the interpreter,
        a switch that costs more than the statement itself)."""
        if sub.kind not in SUBMISSION_KINDS:
            raise JournalError(f"unknown submission kind {sub.kind!r}")
        return self._group.submit(_Ask(sub, exclusive, same))

    def _store_batch(self, asks: Sequence[_Ask]) -> list[tuple[Submission, bool] | Exception]:
        """``asks`` in order, committed (one fsync) before returning. Alone, an answer is
        one autocommitted statement. Together, they share one transaction; an answer the
        database refuses is undone alone (SQLite undoes a failed statement, not its
        transaction) and its caller hears why; a failed commit reaches every caller."""
        with self._lock:
            if len(asks) == 1:
                try:
                    stored = self._insert(asks[0])
                except sqlite3.Error as exc:
                    raise _journal_error(exc, self.path) from None
                if stored is not None:
                    return [(stored, True)]
            return self._store_in_transaction(asks)

    def _store_in_transaction(self, asks: Sequence[_Ask]) -> list[tuple[Submission, bool] | Exception]:
        outcomes: list[tuple[Submission, bool] | Exception] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for ask in asks:
                try:
                    stored = self._insert(ask)
                    outcomes.append((stored, True) if stored is not None else (self._existing(ask), False))
                except Exception as exc:  # noqa: BLE001 - handed to that answer's caller
                    if not self._conn.in_transaction:  # SQLite gave up the whole transaction
                        raise
                    outcomes.append(_journal_error(exc, self.path))
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _journal_error(exc, self.path) from None
        except BaseException:
            self._rollback()  # never leave the transaction open for the next batch
            raise
        return outcomes

    def _insert(self, ask: _Ask) -> Submission | None:
        """Insert ``ask`` unless an entry makes it not new (one statement); the stored
        entry, or None when nothing was inserted."""
        sub = ask.sub
        values = params(sub, ask.same)
        values["id"] = sub.id or new_submission_id()
        values["payload"] = json.dumps(dict(sub.payload), ensure_ascii=False)
        values["received_at"] = sub.received_at.isoformat()
        cur = self._conn.execute(insert_sql(ask.exclusive, ask.same), values)
        if cur.rowcount != 1:
            return None
        return Submission(
            sub.kind, sub.ref, sub.fingerprint, dict(sub.payload), sub.received_at, sub.idem,
            values["id"], None, int(cur.lastrowid or 0),
        )

    def _existing(self, ask: _Ask) -> Submission:
        """The entry that kept ``ask`` from being stored (inside the same transaction)."""
        values = params(ask.sub, ask.same)
        for query in blockers(ask.exclusive, ask.same):
            row = self._conn.execute(query, values).fetchone()
            if row is not None:
                return from_row(row)
        raise JournalError(f"the answer {ask.sub.idem!r} was neither stored nor found in {self.path}")

    def by_idem(self, idem: str) -> Submission | None:
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
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return [from_row(r) for r in rows]

    def for_ref(self, kind: str, ref: str) -> list[Submission]:
        """Every entry of one kind for one Approval ID / Launch ID, oldest first."""
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
        with self._read_lock:
            total, pending = self._reader.execute(
                "SELECT COUNT(*), COUNT(*) - COUNT(applied_at) FROM submissions"
            ).fetchone()
        return {"submissions": int(total), "pending": int(pending)}

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")


def _journal_error(exc: Exception, path: Path) -> Exception:
    """What the caller of ``submit`` hears: a database failure as a JournalError, anything
    else (e.g. a payload JSON cannot hold) as it is."""
    if isinstance(exc, sqlite3.Error):
        return JournalError(f"cannot record the answer in {path}: {exc}")
    return exc
