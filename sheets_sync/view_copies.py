"""The link pages a process has read, kept in memory until the sync publishes new ones.

Every request of a link reads its page (``journal.View``): the page itself, and before an
answer is accepted, that the link is still for what the page shows. Pages change only
when a sync publishes them (``Journal.publish_views``), from another process. So beside
the journal there is a counter, ``<journal>-views``, an 8-byte file every process that
opens the journal maps into memory: a publish adds one to it after its commit, and a
reader compares it with the counter its copies were read at. That comparison is a memory
read: no system call and no trip into SQLite, each of which would let the web server's
other threads take the interpreter, a hand-over that costs more than the read itself.

A copy is never older than the counter says: a page read while a publish was going on is
used for that request and not kept. A sync that dies between its commit and the count
leaves the old copies until the next publish (every sync that publishes counts, also when
no page changed). Where the file cannot be mapped, nothing is kept and every read goes to
the journal; a publisher that cannot write it is refused with the file named, since the
pages it published would go unseen.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import struct
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

V = TypeVar("V")
_COUNTER = struct.Struct("<Q")
_MISSING = object()


class PublishCounter:
    """The shared counter of publishes, mapped from ``path``: created if missing, with the
    permissions of ``like`` (the journal, as SQLite gives its -wal and -shm files), so a
    sync and a web server running as two users who share the journal share it too. A
    process that may only read it maps it to read; one that cannot map it has no copies."""

    def __init__(self, path: Path, like: Path | None = None) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self.writable = False
        with contextlib.suppress(OSError, ValueError):
            self._map, self.writable = self._open(like), True
        if self._map is None:
            with contextlib.suppress(OSError, ValueError):
                fd = os.open(path, os.O_RDONLY)
                try:
                    self._map = mmap.mmap(fd, _COUNTER.size, access=mmap.ACCESS_READ)
                finally:
                    os.close(fd)

    def _open(self, like: Path | None) -> mmap.mmap:
        mode = stat.S_IMODE(os.stat(like).st_mode) if like is not None and like.exists() else 0o644
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, mode)
        try:
            if os.fstat(fd).st_size < _COUNTER.size:
                os.fchmod(fd, mode)  # new: the journal's permissions, whatever the umask
                os.ftruncate(fd, _COUNTER.size)
            return mmap.mmap(fd, _COUNTER.size)
        finally:
            os.close(fd)

    @property
    def shared(self) -> bool:
        return self._map is not None

    def read(self) -> int | None:
        """The count now; None where the file could not be mapped."""
        return None if self._map is None else int(_COUNTER.unpack_from(self._map)[0])

    def add_one(self) -> None:
        """Count one publish. PermissionError when this process cannot write the counter:
        the pages it published would stay unseen where copies are kept."""
        if self._map is None or not self.writable:
            raise PermissionError(f"cannot write {self.path}")
        _COUNTER.pack_into(self._map, 0, (_COUNTER.unpack_from(self._map)[0] + 1) % 2**64)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None


class Copies(Generic[V]):
    """Values read from the journal, kept while the publish counter stands still."""

    def __init__(self, counter: PublishCounter) -> None:
        self.counter = counter
        self._seen: int | None = None
        self._copies: dict[Hashable, V] = {}

    def get(self, key: Hashable, read: Callable[[], V | None]) -> V | None:
        """The copy of ``key``, or ``read()`` (kept when it was read with no publish
        going on; None is never kept)."""
        now = self.counter.read()
        if now is None:
            return read()
        if now != self._seen:
            self._copies, self._seen = {}, now  # a new dict: readers of the old one are unharmed
        copies = self._copies
        found = copies.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        value = read()
        if value is not None and self.counter.read() == now == self._seen:
            copies[key] = value
        return value
