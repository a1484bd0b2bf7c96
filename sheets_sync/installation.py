"""One installation syncs a workbook: the state folder is who is syncing.

An installation is a state folder (the folder of ``[web] journal_path``): its journal of
web answers, its mail ledger, its link secret and its sync lock. Those are per machine,
while the workbook and its Activity IDs are shared. Two installations syncing one
workbook (two machines on one Google spreadsheet, or one .xlsx on a shared drive; or one
machine started from two folders) could each apply what only it knows and each send what
its own ledger thinks unsent: an email decided by both at the same moment goes out twice,
and a machine whose write failed would later resend what the other one sent.

So every writing sync signs its Activity "sync" row with its installation (an id kept
in ``installation`` in the state folder, and the host name), and a sync refuses, before
any step runs, a workbook whose latest sync row is another installation's
(``WorkbookClaimed``, exit 2, naming which). Moving the desk to another machine means
moving its state folder with it (then it is the same installation); when the old one is
gone for good, ``sheets-sync run --take-over`` claims the workbook once. A workbook never
synced (or synced before installations signed) is claimed by its next write; on Google,
that first write carries a token of a fixed id (``claim_token_id``), so of two
installations claiming it at the same moment only one write lands.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .cells import to_text
from .config import Config
from .errors import ConfigError, WorkbookError
from .workbook import Snapshot

FILE_NAME = "installation"
MARK = "@"  # sync:<moment>-<random>@<installation id>


class WorkbookClaimed(WorkbookError):
    """Another installation syncs this workbook (exit 2)."""


@dataclass(frozen=True)
class Installation:
    id: str  # 12 hex digits
    host: str
    folder: Path

    @property
    def actor(self) -> str:
        return f"sheets-sync@{self.host}"


@dataclass(frozen=True)
class LastWriter:
    id: str
    actor: str
    at: str  # as the Time cell reads


def installation(config: Config) -> Installation:
    """This state folder's installation, made once (like the link secret)."""
    folder = Path(config.web.journal_path).parent
    path = folder / FILE_NAME
    host = socket.gethostname() or "localhost"
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return Installation(str(found["id"]), host, folder)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}; delete it if it is damaged") from None
    made = {"id": secrets.token_hex(6), "host": host}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # another process made it first: theirs is ours
        return installation(config)
    except OSError as exc:
        raise ConfigError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(made, out)
        out.flush()
        os.fsync(out.fileno())
    return Installation(made["id"], host, folder)


def sync_row_id(moment: str, nonce: str, me: Installation | None) -> str:
    return f"sync:{moment}-{nonce}" + (f"{MARK}{me.id}" if me is not None else "")


def last_writer(snapshot: Snapshot) -> LastWriter | None:
    """The installation that signed the latest "sync" row of Activity (latest by Time,
    then by position), or None when no sync row is signed."""
    table = snapshot.table("Activity")
    if table is None or not (table.has("Kind") and table.has("ID")):
        return None
    best: tuple[str, int, LastWriter] | None = None
    for pos in range(len(table.rows)):
        if to_text(table.value(pos, "Kind")) != "sync":
            continue
        row_id = to_text(table.value(pos, "ID"))
        if not row_id.startswith("sync:") or MARK not in row_id:
            continue
        at = table.value(pos, "Time")
        when = at.isoformat() if isinstance(at, datetime) else to_text(at)
        writer = LastWriter(row_id.rsplit(MARK, 1)[1], to_text(table.value(pos, "Actor")), to_text(at))
        if best is None or (when, pos) >= best[:2]:
            best = (when, pos, writer)
    return best[2] if best else None


def check_claim(snapshot: Snapshot, me: Installation, take_over: bool = False) -> bool:
    """Raise WorkbookClaimed when another installation synced this workbook last (unless
    ``take_over``). Returns True when no installation has claimed it yet."""
    last = last_writer(snapshot)
    if last is None:
        return True
    if last.id == me.id or take_over:
        return False
    raise WorkbookClaimed(
        f"{snapshot.source or 'this workbook'} is synced by another installation of sheets-sync "
        f"({last.actor or 'another machine'}, installation {last.id}, last sync {last.at}); this one "
        f"is {me.actor}, installation {me.id} (state folder {me.folder}). One installation syncs a "
        "workbook: the web answers waiting to be applied and the record of emails sent are in its "
        "state folder. Run sheets-sync there, or move that state folder here; if that installation "
        "is gone for good, run `sheets-sync run --take-over` once. Nothing was written."
    )


def claim_token_id(key: str) -> int:
    """The write-token id of the first claim of a spreadsheet: the same for every
    installation, so two first claims at once cannot both land."""
    digest = hashlib.sha256(f"sheets-sync claim {key}".encode()).digest()
    return 1 + int.from_bytes(digest[:4], "big") % (2**31 - 2)
