"""Guards of the web app: response headers, a per-address rate limit, photo uploads
checked by content and stored under random names, and tokens kept out of logs."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from werkzeug.datastructures import Headers

from sheets_sync.errors import SheetsSyncError

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def add_headers(headers: Headers) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)


class RateLimiter:
    """At most ``limit`` requests per ``window`` seconds per key (a client address), in
    memory, sliding window. ``clock`` is injectable for tests."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._sweeps = 0

    def allow(self, key: str) -> bool:
        if self.limit <= 0:
            return True
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            self._sweeps += 1
            if self._sweeps >= 1000:  # forget idle addresses now and then
                self._sweeps = 0
                for k in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
                    del self._hits[k]
            return True


# ------------------------------------------------------------------- uploads

IMAGE_TYPES = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
MIMETYPES = {ext: mime for ext, mime in IMAGE_TYPES.values()}
UPLOAD_NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.(jpg|png|webp)$")


class UploadRejected(SheetsSyncError):
    """The uploaded file is not a photo we accept."""


def check_image(data: bytes) -> str:
    """The file extension for a JPEG, PNG or WebP photo, judged by its content (not its
    name); UploadRejected for anything else."""
    if not data:
        raise UploadRejected("The photo file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                kind = img.format or ""
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("The photo is too large in pixels; send a smaller one.") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for non-images
        raise UploadRejected(
            "That file is not a photo we can read: please send a JPEG, PNG or WebP picture."
        ) from None
    if kind not in IMAGE_TYPES:
        raise UploadRejected(
            f"{kind or 'That'} pictures are not accepted: please send a JPEG, PNG or WebP photo."
        )
    return IMAGE_TYPES[kind][0]


def store_upload(upload_dir: Path, data: bytes, ext: str) -> str:
    """Write ``data`` durably under a random name (the name is the capability to see it);
    returns the name."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{ext}"
    final = upload_dir / name
    temp = upload_dir / f".{name}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, final)
    dir_fd = os.open(upload_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return name


# ---------------------------------------------------------------------- logs

_SECRET_PATH = re.compile(r"/(a|p|u)/[^\s/?#\"']+")


def redact(text: str) -> str:
    """Paths carrying a token or an upload name, with the secret part hidden."""
    return _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/<redacted>", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactFilter()


def redact_logs(*loggers: logging.Logger) -> None:
    for logger in loggers:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
