"""The mail ledger: a durable local record of every email's intent and fate (SQLite).

One row per email id. Each change of status is its own committed transaction with
``synchronous=FULL``, so once a method returns, the status survives a crash or power cut.

Statuses, in the order an email goes through them:

* ``intent``   the sync decided to send it; its Activity row is in this sync's write;
* ``sending``  the write succeeded and the SMTP conversation is about to start;
* ``sent``     the server accepted the message (terminal);
* ``failed``   the server definitely did not take it (connection refused, a 4xx/5xx
               reply): it stays due and is retried on a later run;
* ``rejected`` the server refused the recipient for good (5xx): not retried for this id;
* ``skipped``  an empty digest that was not sent (so it is not reconsidered all day);
* ``cancelled`` an unsent email that is no longer wanted (e.g. the partner acknowledged
               before a failed reminder could be retried).

An email found in ``sending`` by a later run is **uncertain**: the process died between
opening the conversation and recording the answer, so it may have gone out. It is never
resent automatically; the next staff digest reports it (``uncertain_since``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import MailError

INTENT = "intent"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
REJECTED = "rejected"
SKIPPED = "skipped"
CANCELLED = "cancelled"
STATUSES = (INTENT, SENDING, SENT, FAILED, REJECTED, SKIPPED, CANCELLED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS emails (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    message BLOB
);
CREATE INDEX IF NOT EXISTS emails_status ON emails (status, updated_at);
CREATE TABLE IF NOT EXISTS first_seen (
    key TEXT PRIMARY KEY,
    day TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    ref: str
    recipient: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    last_error: str


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Ledger:
    """Open (and create) the ledger at ``path``. Connections are opened per operation, so
    one Ledger may be shared by the sync and the watch loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise MailError(f"cannot open the mail ledger {path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; a write one is committed (and synced) before returning."""
        with self._lock:
            db = self._conn
            try:
                if write:
                    db.execute("BEGIN IMMEDIATE")
                yield db
            except BaseException:
                if write:
                    db.execute("ROLLBACK")
                raise
            if write:
                db.execute("COMMIT")

    # ---- reading ----------------------------------------------------------------------

    def get(self, email_id: str) -> Entry | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_COLS} FROM emails WHERE id=?", (email_id,)).fetchone()
        return _entry(row) if row else None

    def entries(self, status: str | None = None) -> list[Entry]:
        with self._db() as db:
            if status is None:
                rows = db.execute(f"SELECT {_COLS} FROM emails ORDER BY created_at, id")
            else:
                rows = db.execute(
                    f"SELECT {_COLS} FROM emails WHERE status=? ORDER BY created_at, id",
                    (status,),
                )
            return [_entry(r) for r in rows.fetchall()]

    def open_entries(self) -> list[Entry]:
        """Entries a run may still act on: intent, failed, rejected (one query)."""
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLS} FROM emails WHERE status IN (?, ?, ?) ORDER BY created_at, id",
                (INTENT, FAILED, REJECTED),
            )
            return [_entry(r) for r in rows.fetchall()]

    def uncertain_since(self, since: datetime | None) -> list[Entry]:
        """Emails left in ``sending`` (maybe sent, maybe not) that became so after
        ``since`` (all of them when None)."""
        return [e for e in self.entries(SENDING) if since is None or e.updated_at > since]

    def summary(self) -> str:
        """How many emails by status, the latest change, the attempts and how many first
        sightings: a change to the ledger changes this text (an unchanged rerun compares it)."""
        with self._db() as db:
            latest = db.execute("SELECT max(updated_at), sum(attempts) FROM emails").fetchone()
            counts = db.execute("SELECT status, count(*) FROM emails GROUP BY status ORDER BY status")
            by_status = counts.fetchall()
            seen = db.execute("SELECT count(*) FROM first_seen").fetchone()[0]
        return f"{by_status} {tuple(latest)} {seen}"

    def last(self, kind: str, statuses: tuple[str, ...] = (SENT,)) -> Entry | None:
        """The most recently created email of ``kind`` in one of ``statuses``."""
        marks = ",".join("?" for _ in statuses)
        with self._db() as db:
            row = db.execute(
                f"SELECT {_COLS} FROM emails WHERE kind=? AND status IN ({marks}) "
                "ORDER BY created_at DESC, id DESC LIMIT 1",
                (kind, *statuses),
            ).fetchone()
        return _entry(row) if row else None

    def first_seen(self, key: str, day: str) -> str:
        """The day ``key`` was first seen; records ``day`` when it is new."""
        return self.first_seen_all([key], day)[key]

    def first_seen_all(self, keys: list[str], day: str) -> dict[str, str]:
        """The day each of ``keys`` was first seen, ``day`` recorded for the new ones: all
        of them in one commit (a workbook's first sync meets thousands at once, and a
        commit each cost a second per thousand)."""
        found = self._seen_days(keys)
        new = [k for k in dict.fromkeys(keys) if k not in found]
        if new:
            with self._db(write=True) as db:
                db.executemany("INSERT OR IGNORE INTO first_seen (key, day) VALUES (?, ?)",
                               [(k, day) for k in new])
            found.update(self._seen_days(new))  # another process may have been first
        return found

    def _seen_days(self, keys: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._db() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                rows = db.execute(f"SELECT key, day FROM first_seen WHERE key IN ({marks})", chunk)
                out.update((str(k), str(d)) for k, d in rows.fetchall())
        return out

    def fresh(self, keys: list[str], day: str) -> set[str]:
        """Of ``keys``, those never seen before; all of them are remembered from now on
        (the digest uses this to list only problems it has not reported yet)."""
        new: set[str] = set()
        with self._db(write=True) as db:
            for key in keys:
                cur = db.execute(
                    "INSERT OR IGNORE INTO first_seen (key, day) VALUES (?, ?)", (key, day)
                )
                if cur.rowcount == 1:
                    new.add(key)
        return new

    # ---- writing ----------------------------------------------------------------------

    def message(self, email_id: str) -> bytes | None:
        """The exact message recorded with the intent (a retry resends these bytes)."""
        with self._db() as db:
            row = db.execute("SELECT message FROM emails WHERE id=?", (email_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def record_intent(
        self,
        email_id: str,
        kind: str,
        ref: str,
        recipient: str,
        subject: str,
        now: datetime,
        message: bytes = b"",
    ) -> None:
        """Record the decision to send, with the message itself (or re-arm an
        ``intent``/``failed`` one). Never moves an email back from sending/sent/rejected."""
        at = _stamp(now)
        with self._db(write=True) as db:
            db.execute(
                "INSERT INTO emails (id, kind, ref, recipient, subject, status, created_at, "
                "updated_at, message) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE "
                "SET status=excluded.status, updated_at=excluded.updated_at, "
                "subject=excluded.subject, message=excluded.message "
                "WHERE emails.status IN (?, ?)",
                (email_id, kind, ref, recipient, subject, INTENT, at, at, message, INTENT, FAILED),
            )

    def mark_sending(self, email_id: str, now: datetime) -> bool:
        """``intent``/``failed`` -> ``sending``, counting an attempt. False when the email
        is in any other status (then it must not be sent)."""
        return self._move(email_id, (INTENT, FAILED), SENDING, now, "", attempt=True)

    def mark_sent(self, email_id: str, now: datetime) -> None:
        self._move(email_id, (SENDING,), SENT, now, "")

    def mark_failed(self, email_id: str, now: datetime, error: str) -> None:
        self._move(email_id, (SENDING,), FAILED, now, error)

    def mark_rejected(self, email_id: str, now: datetime, error: str) -> None:
        self._move(email_id, (SENDING,), REJECTED, now, error)

    def mark_skipped(
        self, email_id: str, kind: str, ref: str, recipient: str, now: datetime
    ) -> None:
        at = _stamp(now)
        with self._db(write=True) as db:
            db.execute(
                "INSERT OR IGNORE INTO emails (id, kind, ref, recipient, status, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?)",
                (email_id, kind, ref, recipient, SKIPPED, at, at),
            )

    def cancel(self, email_id: str, now: datetime, why: str) -> None:
        self._move(email_id, (INTENT, FAILED), CANCELLED, now, why)

    def cancel_rejected(self, email_id: str, now: datetime) -> None:
        """A refused address was corrected: the email is decided again for the new one."""
        self._move(email_id, (REJECTED,), CANCELLED, now, "address corrected")

    def resolve(self, email_id: str, sent: bool, now: datetime) -> None:
        """A person checked an uncertain email: it went out (``sent``) or it did not (it
        becomes ``failed`` and is retried)."""
        self._move(email_id, (SENDING,), SENT if sent else FAILED, now, "resolved by hand")

    def _move(
        self,
        email_id: str,
        sources: tuple[str, ...],
        target: str,
        now: datetime,
        error: str,
        attempt: bool = False,
    ) -> bool:
        marks = ",".join("?" for _ in sources)
        with self._db(write=True) as db:
            cur = db.execute(
                f"UPDATE emails SET status=?, updated_at=?, last_error=?, "
                f"attempts=attempts+? WHERE id=? AND status IN ({marks})",
                (target, _stamp(now), error[:500], 1 if attempt else 0, email_id, *sources),
            )
            return cur.rowcount == 1


_COLS = "id, kind, ref, recipient, subject, status, attempts, created_at, updated_at, last_error"


def _entry(row: tuple[object, ...]) -> Entry:
    eid, kind, ref, rcpt, subject, status, attempts, created, updated, error = row
    return Entry(
        id=str(eid),
        kind=str(kind),
        ref=str(ref),
        recipient=str(rcpt),
        subject=str(subject),
        status=str(status),
        attempts=int(str(attempts)),
        created_at=_moment(str(created)),
        updated_at=_moment(str(updated)),
        last_error=str(error),
    )
