"""Guards of the web app: response headers, a per-address rate limit (Flask-Limiter), the
client's address behind a trusted proxy only, photo uploads checked by content and stored
under random names, and tokens kept out of logs."""

from __future__ import annotations

import io
import ipaddress
import logging
import os
import re
import secrets
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Blueprint, Flask

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


class SecurityHeaders:
    """WSGI middleware: ``HEADERS`` on every answer of the app (pages, error pages,
    redirects, static files) unless the app set one itself, and ``Retry-After: 60`` on a
    429. Added to the WSGI header list as the answer starts, a few list operations, where
    werkzeug's ``Headers.setdefault`` scanned every header once for each of them."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in _HEADERS if h[0].lower() not in present)
            if status.startswith("429") and "retry-after" not in present:
                headers.append(("Retry-After", "60"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


_HEADERS = tuple(HEADERS.items())


def rate_limiter(app: Flask, per_minute: int) -> Callable[[Blueprint], Blueprint]:
    """Flask-Limiter on ``app``, in memory (one server process), moving window, keyed by
    the client address (``request.remote_addr``, as ``TrustedProxies`` left it). Returns
    the decorator that puts a blueprint under the one allowance every limited blueprint
    shares: ``per_minute`` requests per minute per address; 0 turns it off. Going over is
    a 429 (the app's friendly page, with Retry-After)."""
    from flask import request
    from flask_limiter import Limiter

    if per_minute <= 0:
        return lambda bp: bp
    limiter = Limiter(
        key_func=lambda: request.remote_addr or "?",
        app=app,
        storage_uri="memory://",
        strategy="moving-window",
    )
    app.extensions["sheets_sync_limiter"] = limiter  # its limits hold it only weakly
    shared = limiter.shared_limit(f"{per_minute} per minute", scope="links")

    def limited(bp: Blueprint) -> Blueprint:
        shared(bp)
        return bp

    return limited


# ------------------------------------------------------------------ proxies

FORWARDED = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REAL_IP",
)


class TrustedProxies:
    """WSGI middleware: a request from an address in ``trusted`` (addresses or networks,
    ``[web] trusted_proxies``) goes through werkzeug's ProxyFix (one proxy: the client is
    the last address of X-Forwarded-For, the scheme X-Forwarded-Proto); from anyone else
    the forwarding headers are dropped, so a client cannot choose its own address (and
    with it its rate-limit allowance). No trusted proxy (the default): they are always
    dropped."""

    def __init__(self, app: WSGIApplication, trusted: Sequence[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(t.strip(), strict=False) for t in trusted]
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)

    def trusts(self, address: str | None) -> bool:
        try:
            peer = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(peer in net for net in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.networks and self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)


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
