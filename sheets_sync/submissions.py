"""An answer from outside as the journal keeps it, and the SQL that stores it once.

``Submission`` is one answer; ``new_submission_id`` its id, unique forever (the Activity
row id). ``SameAnswer`` declares when an answer is the latest one sent again. ``Ask`` is an
answer with those rules, as the journal's inbox keeps it until the journal absorbs it.
``blockers`` are the queries for an entry that makes an answer not new, and ``insert_sql``
the one statement that inserts it unless one of them finds an entry
(``journal.Journal.absorb``).
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Submission:
    """One answer from outside. ``id`` is unique forever and becomes the Activity row id."""

    kind: str  # approval / ack / problem / progress
    ref: str  # Approval ID or Launch ID
    fingerprint: str  # of the content the person saw
    payload: Mapping[str, Any]
    received_at: datetime  # aware
    idem: str
    id: str = ""
    applied_at: datetime | None = None
    seq: int = 0

    def identified(self) -> Submission:
        """This answer with its entry id: its own, or a new one."""
        return self if self.id else replace(self, id=new_submission_id())


# Entry ids are unique, not secret: drawn from this process's own generator, seeded from
# the system's randomness at start and again in a forked child, so drawing one costs no
# system call (``uuid4`` asks the kernel each time).
_IDS = random.Random()
os.register_at_fork(after_in_child=_IDS.seed)


def new_submission_id() -> str:
    return "web-" + uuid.UUID(int=_IDS.getrandbits(128), version=4).hex


@dataclass(frozen=True)
class SameAnswer:
    """When a new answer is the latest one of its kind and ref sent again (a form sent
    from a page the browser restored, with a fresh key): the same value under each of
    ``fields`` (a missing key and null alike) and, when the new answer carries an
    ``attachment`` (e.g. a photo's digest), the same one there. Values are plain JSON
    scalars; the rule is checked inside the database, in the statement that stores the
    answer."""

    fields: tuple[str, ...]
    attachment: str | None = None

    def __post_init__(self) -> None:
        for key in (*self.fields, *([self.attachment] if self.attachment else [])):
            if not _KEY.match(key):
                raise ValueError(f"a SameAnswer key is a plain name, not {key!r}")

    def condition(self) -> str:
        """SQL over ``payload`` (the latest entry's), with parameters from ``params``."""
        parts = [f"json_extract(payload, {_path(f)}) IS :same_{i}" for i, f in enumerate(self.fields)]
        if self.attachment is not None:
            found = f"json_extract(payload, {_path(self.attachment)})"
            parts.append(f"(:attachment IS NULL OR {found} IS :attachment)")
        return " AND ".join(parts) or "1"

    def params(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        out = {f"same_{i}": payload.get(f) for i, f in enumerate(self.fields)}
        if self.attachment is not None:
            out["attachment"] = payload.get(self.attachment)
        return out


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(key: str) -> str:
    """A JSON path to a top-level key (a plain name), as an SQL literal: '$.note'."""
    return f"'$.{key}'"


COLS = "seq, id, idem, kind, ref, fingerprint, payload, received_at, applied_at"


@functools.cache
def blockers(exclusive: bool, same: SameAnswer | None) -> tuple[str, ...]:
    """The queries for an entry that makes an answer not new, in order of precedence (the
    same form sent twice; with ``exclusive``, an answer pending for the same render; with
    ``same``, the same answer)."""
    out = [f"SELECT {COLS} FROM submissions WHERE idem = :idem"]
    if exclusive:
        out.append(
            f"SELECT {COLS} FROM submissions WHERE kind = :kind AND ref = :ref "
            "AND fingerprint = :fingerprint AND applied_at IS NULL ORDER BY seq LIMIT 1"
        )
    if same is not None:
        out.append(
            f"SELECT {COLS} FROM (SELECT {COLS} FROM submissions WHERE kind = :kind "
            f"AND ref = :ref ORDER BY seq DESC LIMIT 1) WHERE {same.condition()}"
        )
    return tuple(out)


@functools.cache
def insert_sql(exclusive: bool, same: SameAnswer | None) -> str:
    """Insert an answer unless one of ``blockers`` finds an entry: one statement."""
    unless = " AND ".join(f"NOT EXISTS ({q})" for q in blockers(exclusive, same))
    return (
        "INSERT INTO submissions (id, idem, kind, ref, fingerprint, payload, received_at) "
        f"SELECT :id, :idem, :kind, :ref, :fingerprint, :payload, :received_at WHERE {unless}"
    )


def params(sub: Submission, same: SameAnswer | None) -> dict[str, Any]:
    """The parameters ``blockers`` and ``insert_sql`` name, but the inserted row's own."""
    out: dict[str, Any] = {"idem": sub.idem, "kind": sub.kind, "ref": sub.ref,
                           "fingerprint": sub.fingerprint}
    if same is not None:
        out.update(same.params(sub.payload))
    return out


def from_row(row: tuple[Any, ...]) -> Submission:
    seq, entry_id, idem, kind, ref, fingerprint, payload, received, applied = row
    return Submission(
        kind=kind,
        ref=ref,
        fingerprint=fingerprint,
        payload=json.loads(payload),
        received_at=datetime.fromisoformat(received),
        idem=idem,
        id=entry_id,
        applied_at=datetime.fromisoformat(applied) if applied else None,
        seq=int(seq),
    )


@dataclass(frozen=True)
class Ask:
    """One answer and the rules that decide, as the journal absorbs it, whether it is new:
    ``exclusive`` (one pending answer per render) and ``same`` (``SameAnswer``)."""

    sub: Submission
    exclusive: bool = False
    same: SameAnswer | None = None

    def record(self) -> dict[str, Any]:
        """As the inbox keeps it (``inbox.encode``); the answer has its entry id."""
        sub = self.sub
        return {
            "id": sub.id,
            "kind": sub.kind,
            "ref": sub.ref,
            "fingerprint": sub.fingerprint,
            "payload": dict(sub.payload),
            "received_at": sub.received_at.isoformat(),
            "idem": sub.idem,
            "exclusive": self.exclusive,
            "same": None if self.same is None else [list(self.same.fields), self.same.attachment],
        }

    @classmethod
    def from_record(cls, entry: Mapping[str, Any]) -> Ask:
        """The answer ``record`` wrote; KeyError, IndexError, TypeError or ValueError for a
        record that is not one."""
        same = entry.get("same")
        return cls(
            Submission(
                kind=str(entry["kind"]),
                ref=str(entry["ref"]),
                fingerprint=str(entry["fingerprint"]),
                payload=dict(entry["payload"]),
                received_at=datetime.fromisoformat(entry["received_at"]),
                idem=str(entry["idem"]),
                id=str(entry["id"]),
            ),
            bool(entry.get("exclusive")),
            None if same is None else SameAnswer(tuple(same[0]), same[1]),
        )

    def insert_params(self) -> dict[str, Any]:
        """The parameters of ``insert_sql``: ``params`` and the inserted row's own."""
        sub = self.sub
        values = params(sub, self.same)
        values["id"] = sub.id
        values["payload"] = json.dumps(dict(sub.payload), ensure_ascii=False)
        values["received_at"] = sub.received_at.isoformat()
        return values
