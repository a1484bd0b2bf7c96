"""An unchanged rerun: read, fingerprint, done.

A full sync that finds nothing to write (its read is exactly the workbook as it leaves
it) records, in ``last-full-sync.json`` in the state folder beside the journal, the mail
ledger and the sync lock:

* a fingerprint of everything the next sync would start from: every cell of every tab
  read (names, headers, row positions, values with their types), the frozen Config, the
  link secrets, the mail ledger's summary, the product version and the installation;
* ``valid_until``: the earliest moment any output can change on the clock alone
  (``valid_until``), and the moment of the sync;
* what its report said (rows read, problems), so a skipped run reports the same.

A later sync (``pipeline.sync_once``, under the same lock) skips every step when the
workbook is the same, its moment is in ``[at, valid_until)``, no
web answer waits in the journal and no email waits in the ledger (to retry, or sent
and not known to have left). Anything else runs the full sync: a dry run, a forced digest,
a take-over, ``full`` (``sheets-sync run --full``), another installation, a moment past
``valid_until`` or before the recorded sync. Every full sync forgets the record before
it starts, and only a full sync that wrote nothing and whose after-write actions all
succeeded leaves a new one, so a record never outlives the workbook it describes.

"The workbook is the same" is first asked of the stored bytes, where a backend keeps its
workbook as one file (``base.StoredWhole``, an .xlsx): the record keeps the digest of the
bytes its read parsed, and the same bytes read the same, so the rerun costs reading and
hashing the file, not parsing it (``unchanged_stored``). The installation claim the full
sync checked is in those same bytes, so the stored path need not read it again. Otherwise
the workbook is read (``unchanged``): when the read parsed the same bytes as the full
sync's (Google's values answer, which has no stored file to hash beforehand), its
fingerprint is the recorded one; when not (the file saved again by a person), the read
itself is fingerprinted and compared.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__
from .backends.base import Backend, ChangeSet, StoredWhole
from .config import Config
from .domain.problems import Problem
from .installation import Installation, check_claim
from .journal import Journal
from .links import load_secrets, signer_from_config
from .mail.ledger import Ledger
from .outputs import SyncContext
from .steps.today import UNCERTAIN_DAYS
from .sync import SyncReport
from .valid_until import valid_until
from .workbook import Snapshot

FILE_NAME = "last-full-sync.json"
FORMAT = 2


def memo_path(config: Config) -> Path:
    return Path(config.web.journal_path).parent / FILE_NAME


def snapshot_digest(snapshot: Snapshot) -> str:
    """A hash of every tab read: its name, headers, sheet row numbers and every value
    as Python spells it (so 3, 3.0, "3" and a date all differ)."""
    h = hashlib.blake2b(digest_size=20)
    for table in snapshot.tables.values():
        h.update(repr((table.name, table.headers, table.row_numbers)).encode())
        h.update(repr(table.rows).encode())
    return h.hexdigest()


def _ledger_summary(config: Config) -> str:
    path = config.mail.ledger_path
    if not Path(path).exists():
        return "no ledger"
    ledger = Ledger(path)
    try:
        return ledger.summary()
    finally:
        ledger.close()


def fingerprint(read_digest: str, config: Config, me: Installation) -> str:
    """The read's digest with everything else an output depends on, as now."""
    secrets = hashlib.sha256("\n".join(load_secrets(config)).encode()).hexdigest()
    parts = [__version__, me.id, repr(config), secrets, _ledger_summary(config), read_digest]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass
class Memo:
    installation: str
    fingerprint: str
    at: datetime
    valid_until: datetime
    source: str
    rows_read: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    read_digest: str = ""  # ``snapshot_digest`` of the read
    stored_digest: str = ""  # of the bytes that read parsed ("": the backend has none)

    def encoded(self) -> str:
        data: dict[str, Any] = asdict(self)
        data.update(format=FORMAT, at=self.at.isoformat(), valid_until=self.valid_until.isoformat())
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def decoded(cls, text: str) -> Memo | None:
        try:
            data = json.loads(text)
            if data.pop("format") != FORMAT:
                return None
            data["at"] = datetime.fromisoformat(data["at"])
            data["valid_until"] = datetime.fromisoformat(data["valid_until"])
            data["problems"] = [Problem(**p) for p in data["problems"]]
            return cls(**data)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def load(config: Config) -> Memo | None:
    try:
        return Memo.decoded(memo_path(config).read_text(encoding="utf-8"))
    except OSError:
        return None


def forget(config: Config) -> None:
    """Before a full sync: whatever it does, the old record no longer holds."""
    with contextlib.suppress(FileNotFoundError):
        memo_path(config).unlink()


def _save(config: Config, memo: Memo) -> None:
    path = memo_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_name(path.name + ".new")
    with open(spare, "w", encoding="utf-8") as out:
        out.write(memo.encoded())
        out.flush()
        os.fsync(out.fileno())
    os.replace(spare, path)


def waiting_elsewhere(config: Config, now: datetime) -> bool:
    """A web answer waits in the journal, or an email in the ledger (to retry, refused,
    or maybe sent in the last days: the Today tab counts its hours)."""
    journal = Journal(Path(config.web.journal_path))
    try:
        if journal.pending(limit=1):
            return True
    finally:
        journal.close()
    if not Path(config.mail.ledger_path).exists():
        return False
    ledger = Ledger(config.mail.ledger_path)
    try:
        return bool(ledger.open_entries() or ledger.uncertain_since(now - timedelta(days=UNCERTAIN_DAYS)))
    finally:
        ledger.close()


def _holding(config: Config, now: datetime, me: Installation) -> Memo | None:
    """The record of the last full sync, when it is this installation's and ``now`` is
    within its time."""
    memo = load(config)
    if memo is None or memo.installation != me.id or not (memo.at <= now < memo.valid_until):
        return None
    return memo


def _skipped(memo: Memo) -> SyncReport:
    return SyncReport(
        memo.source, dict(memo.rows_read), list(memo.problems), ChangeSet(), None,
        unchanged_since=memo.at,
    )


def unchanged_stored(config: Config, backend: Backend, now: datetime, me: Installation) -> SyncReport | None:
    """The report of a skipped sync when the workbook's stored bytes are those the last
    full sync read and nothing else can have changed since; None when that cannot be said
    without a read (no record, other bytes, a backend with no stored file)."""
    memo = _holding(config, now, me)
    if memo is None or not memo.stored_digest or not isinstance(backend, StoredWhole):
        return None
    if backend.stored_digest() != memo.stored_digest or waiting_elsewhere(config, now):
        return None
    if fingerprint(memo.read_digest, config, me) != memo.fingerprint:
        return None
    return _skipped(memo)


def unchanged(config: Config, snapshot: Snapshot, now: datetime, me: Installation) -> SyncReport | None:
    """The report of a skipped sync when nothing can have changed since the last full
    one; None when the full sync must run. Raises WorkbookClaimed as the full sync would."""
    memo = _holding(config, now, me)
    if memo is None:
        return None
    check_claim(snapshot, me)
    if waiting_elsewhere(config, now):
        return None
    same_bytes = bool(snapshot.stored_digest) and snapshot.stored_digest == memo.stored_digest
    read = memo.read_digest if same_bytes else snapshot_digest(snapshot)  # same bytes, same read
    if fingerprint(read, config, me) != memo.fingerprint:
        return None
    return _skipped(memo)


class Recorder:
    """What ``sync.run_sync`` calls to leave a record: ``seal`` before the write (while
    the read is still held), ``save`` once the write and its after-write actions
    succeeded."""

    def __init__(self, config: Config, me: Installation) -> None:
        self.config, self.me = config, me
        self.memo: Memo | None = None
        self.read_digest = ""

    def seal(self, ctx: SyncContext, changes: ChangeSet, report: SyncReport) -> None:
        if changes:
            return  # the workbook is about to differ from this read
        until = valid_until(ctx, signer_from_config(self.config))
        self.read_digest = snapshot_digest(ctx.snapshot)
        self.memo = Memo(self.me.id, "", ctx.now, until, report.source, dict(report.rows_read),
                         list(report.problems), self.read_digest, ctx.snapshot.stored_digest)

    def save(self, report: SyncReport) -> None:
        if self.memo is None or report.after_write_errors:
            return
        self.memo.fingerprint = fingerprint(self.read_digest, self.config, self.me)
        _save(self.config, self.memo)
