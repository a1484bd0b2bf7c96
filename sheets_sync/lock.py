"""One sync at a time: the lock every sync holds, from its read to its after-write marks.

``one_sync(config)`` is the one context manager every entry point uses (``run``,
``check``, ``watch``, ``digest`` and the web server's own syncs all go through
``pipeline.sync_once``). It takes ``fcntl.flock`` on ``sync.lock`` in the local state
folder, beside the journal and the mail ledger: the very files whose "applied once" and
"sent once" it protects. The file records who holds it (pid, since when, which command)
so the one who waits can say so.

* A second sync waits up to ``[watch] lock_wait_seconds``, then gets ``SyncBusy``
  (exit 3 for `run` and `digest`: "another sync is running (pid N, since hh:mm)"); `watch`
  and `serve` log it and skip that round.
* A holder that dies, even by SIGKILL, never blocks the next one: the kernel drops an
  flock with the last descriptor of the process. The file itself stays; what it says about
  a dead holder is only shown, never trusted.
* Within one process the lock is re-entrant for the thread holding it, and another thread
  waits for it as another process would (the web server syncs from a thread of its own).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import Config
from .errors import WorkbookError, WorkbookLocked

LOCK_NAME = "sync.lock"
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its file says."""

    pid: int
    since: datetime  # aware
    what: str  # the command: run, watch, serve, digest, check


class SyncBusy(WorkbookLocked):
    """Another sync holds the lock (exit 3)."""

    def __init__(self, holder: Holder | None, zone: ZoneInfo | None = None) -> None:
        self.holder = holder
        if holder is None:
            message = "another sync is running"
        else:
            since = holder.since.astimezone(zone) if zone else holder.since
            message = f"another sync is running (pid {holder.pid}, since {since:%H:%M})"
        super().__init__(message + "; nothing was done, try again when it has finished")


def lock_path(config: Config) -> Path:
    """``sync.lock`` in the state folder (the journal's folder)."""
    return Path(config.web.journal_path).parent / LOCK_NAME


@dataclass
class _Held:
    thread: int
    fd: int
    depth: int


_registry = threading.Lock()
_held: dict[str, _Held] = {}


@contextmanager
def one_sync(config: Config, *, what: str = "sync", wait: float | None = None) -> Iterator[Path]:
    """Hold the sync lock of ``config``'s state folder for the body; SyncBusy when another
    sync still holds it after ``wait`` seconds (default ``[watch] lock_wait_seconds``)."""
    path = lock_path(config)
    zone = config.workshop.zone
    seconds = config.watch.lock_wait_seconds if wait is None else wait
    key = _acquire(path, what, seconds, zone)
    try:
        yield path
    finally:
        _release(key)


def read_holder(path: Path) -> Holder | None:
    """What the lock file says about its holder; None when empty or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    parts = text.split()
    if len(parts) < 2:
        return None
    try:
        since = datetime.fromisoformat(parts[1])
        return Holder(int(parts[0]), since, parts[2] if len(parts) > 2 else "sync")
    except ValueError:
        return None


def _acquire(path: Path, what: str, seconds: float, zone: ZoneInfo) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"cannot create the state folder {path.parent}: {exc.strerror}") from None
    key = str(path.resolve())
    me = threading.get_ident()
    deadline = time.monotonic() + max(seconds, 0.0)
    while True:
        with _registry:
            held = _held.get(key)
            if held is not None and held.thread == me:
                held.depth += 1
                return key
            if held is None:
                fd = _try_flock(path)
                if fd is not None:
                    _held[key] = _Held(me, fd, 1)
                    _say_who(fd, what, zone)
                    return key
        if time.monotonic() >= deadline:
            raise SyncBusy(read_holder(path), zone)
        time.sleep(POLL_SECONDS)


def _try_flock(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise WorkbookError(f"cannot open the sync lock {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:
        os.close(fd)
        raise WorkbookError(f"cannot lock {path}: {exc.strerror}") from None
    return fd


def _say_who(fd: int, what: str, zone: ZoneInfo) -> None:
    line = f"{os.getpid()} {datetime.now(zone).isoformat(timespec='seconds')} {what}\n"
    with suppress(OSError):  # only informative: a full disk must not stop the sync
        os.ftruncate(fd, 0)
        os.pwrite(fd, line.encode(), 0)


def _release(key: str) -> None:
    with _registry:
        held = _held[key]
        held.depth -= 1
        if held.depth:
            return
        del _held[key]
        try:
            fcntl.flock(held.fd, fcntl.LOCK_UN)
        finally:
            os.close(held.fd)
