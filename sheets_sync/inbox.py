"""The journal's inbox: an append-only file where each answer from outside is made durable
by one write, before the page says "thank you" (``journal.Journal.record``).

Why a file beside the SQLite journal: storing an answer in SQLite writes a page of the
table and of each of its indexes to the WAL (six pages, ~25 KB, for a ~400 byte answer),
then fsyncs, in several trips into the sqlite3 module; each trip lets the web server's
other threads take the interpreter. One ``write`` on a file opened with ``O_DSYNC``
returns once the answer is on disk, in one trip. The journal moves what the inbox holds
into its tables later, many answers per transaction (``Journal.absorb``), before anything
reads them: the sync's ``pending``, the pages' ``for_ref`` and ``by_idem``.

One record per answer, framed so that a reader can always tell a whole record from a
torn one:

    b"\\n" + JSON + b" " + crc32 of the JSON as 8 hex digits + b"\\n"

* JSON never holds a raw newline, so a record is one line.
* A record starts with a newline too. A write cut short by a crash (never acknowledged:
  the writer had not returned) leaves a line without its end; the next record's leading
  newline ends it, and that line fails its checksum and is skipped, with its offset
  named in the log.
* A reader takes only lines that have their final newline: a record another process is
  writing at that moment is left for the next read.

Appends from many threads and processes do not interleave: each record is one ``write``
on a file opened with ``O_APPEND`` on a local filesystem. The file only grows; the journal
records how many of its bytes it has absorbed, in the same transaction as the answers.
"""

from __future__ import annotations

import json
import os
import stat
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .durable import fsync_folder

_DSYNC = getattr(os, "O_DSYNC", 0)  # without it (Windows), each append is fsynced


@dataclass(frozen=True)
class Read:
    """What a read of the inbox from ``start`` found: whole ``records`` (offset, data),
    the offsets of lines that were not records (``torn``), and ``end``, the offset just
    past the last whole line (where the next read starts)."""

    records: list[tuple[int, dict[str, Any]]]
    torn: list[int]
    end: int


def encode(record: Mapping[str, Any]) -> bytes:
    """One record as the line appended to the inbox (``TypeError`` for data JSON cannot
    hold)."""
    data = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    return b"\n" + data + b" %08x\n" % zlib.crc32(data)


def decode(data: bytes, start: int) -> Read:
    """The records in ``data``, the inbox's bytes from offset ``start``."""
    whole = data.rfind(b"\n") + 1
    records: list[tuple[int, dict[str, Any]]] = []
    torn: list[int] = []
    offset = start
    for line in data[:whole].split(b"\n")[:-1]:
        record = _record(line) if line else None
        if record is not None:
            records.append((offset, record))
        elif line:
            torn.append(offset)
        offset += len(line) + 1
    return Read(records, torn, start + whole)


def _record(line: bytes) -> dict[str, Any] | None:
    data, _, crc = line.rpartition(b" ")
    if len(crc) != 8 or b"%08x" % zlib.crc32(data) != crc:
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class Inbox:
    """The inbox file, open for appending and reading."""

    def __init__(self, path: Path, like: Path | None = None) -> None:
        """Open ``path``, made (when new) with the permissions of ``like`` (the journal)."""
        self.path = Path(path)
        created = not self.path.exists()
        mode = stat.S_IMODE(os.stat(like).st_mode) if like is not None and like.exists() else 0o644
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | _DSYNC | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, mode)
        if created:
            os.fchmod(self._fd, mode)  # whatever the umask, as the journal
            fsync_folder(self.path.parent)  # the new name itself must survive a crash

    def append(self, line: bytes) -> None:
        """Write ``line`` at the end; on disk when this returns."""
        written = os.write(self._fd, line)
        if written != len(line):  # e.g. the disk filled up mid-way: a torn line, skipped
            raise OSError(f"only {written} of {len(line)} bytes were written")
        if not _DSYNC:
            os.fsync(self._fd)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def read(self, start: int, end: int) -> bytes:
        return os.pread(self._fd, end - start, start) if end > start else b""

    def close(self) -> None:
        os.close(self._fd)

