"""Making a new file's name survive a crash: its folder is fsynced once it is made."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk (best effort: where a folder cannot be opened, as
    on Windows, its names are durable already)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
