"""Signed links: scoped to one purpose and one row, bound to content, expiring, rotatable.

A token is ``itsdangerous`` URL-safe signed JSON ``[row id, content fingerprint, issued
at (epoch seconds)]``, salted with its purpose, so an approval token is worthless on the
partner page and the other way round. The secret comes from the environment
(``[web] secret_env``) or a file (``secret_file``); old secrets listed in
``old_secrets_env`` (comma-separated) still open links signed with them. With no secret at
all (the demo) one is created once in ``var/secret`` beside the journal, mode 0600.

No clock is read here unless the caller gives none: ``now`` can be passed to every
method, or a ``clock`` to the signer (tests move time that way instead of sleeping).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from itsdangerous import BadData, URLSafeSerializer

from .config import Config, secret_from_env
from .errors import ConfigError, LinkError

log = logging.getLogger("sheets_sync.web")

PURPOSES = ("approval", "launch")
PATHS = {"approval": "/a/", "launch": "/p/"}
MAX_TOKEN_CHARS = 400
VERIFIED_KEPT = 4096  # genuine tokens remembered, so a link's every request checks it once


class LinkInvalid(LinkError):
    """Not one of ours: tampered, truncated, signed with an unknown secret, other purpose."""


class LinkExpired(LinkError):
    """Genuine, but older than ``link_days``."""

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__(f"the link for {claims.row_id} expired on {claims.expires_at:%Y-%m-%d}")
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    row_id: str
    fingerprint: str
    issued_at: datetime  # aware, UTC
    expires_at: datetime


class LinkSigner:
    def __init__(
        self,
        secret_keys: Sequence[str],
        link_days: int = 30,
        base_url: str = "http://127.0.0.1:8080",
        clock: Callable[[], datetime] | None = None,
        *,
        source: str = "the secret given",
        secret_hint: str = "SHEETS_SYNC_SECRET",
    ) -> None:
        """``secret_keys``: the current secret first, then older ones still accepted.
        ``source``: where the current one came from, and ``secret_hint`` how to set it,
        both in words for messages."""
        keys = [k for k in secret_keys if k]
        if not keys:
            raise ConfigError("no secret to sign links with")
        self._keys = keys
        self.source = source
        self.secret_hint = secret_hint
        self.link_days = link_days
        self.base_url = base_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        # itsdangerous signs with the LAST key and accepts all of them
        self._serializers = {
            p: URLSafeSerializer(list(reversed(keys)), salt=f"sheets-sync link {p}")
            for p in PURPOSES
        }
        # the signature of a token string is checked once: what it says depends on nothing
        # but the string and the keys; a bad token raises and is not remembered
        self._verified = lru_cache(maxsize=VERIFIED_KEPT)(self._verify)

    def now(self, now: datetime | None = None) -> datetime:
        return now if now is not None else self._clock()

    # ------------------------------------------------------------------ tokens

    def token(
        self, purpose: str, row_id: str, fingerprint: str, now: datetime | None = None
    ) -> str:
        issued = int(self.now(now).timestamp())
        text = self._serializers[_purpose(purpose)].dumps([row_id, fingerprint, issued])
        return text if isinstance(text, str) else text.decode("ascii")

    def url(self, purpose: str, row_id: str, fingerprint: str, now: datetime | None = None) -> str:
        return (
            self.base_url + PATHS[_purpose(purpose)] + self.token(purpose, row_id, fingerprint, now)
        )

    def read(self, token: str, purpose: str, now: datetime | None = None) -> LinkClaims:
        """The claims of a genuine, unexpired token for ``purpose``.

        Raises LinkInvalid (answer 404) or LinkExpired (answer 410)."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise LinkInvalid("not a link of this workshop")
        row_id, fingerprint, issued = self._verified(_purpose(purpose), token)
        claims = LinkClaims(
            purpose, row_id, fingerprint, issued, issued + timedelta(days=self.link_days)
        )
        if self.now(now) >= claims.expires_at:
            raise LinkExpired(claims)
        return claims

    def _verify(self, purpose: str, token: str) -> tuple[str, str, datetime]:
        """(row id, fingerprint, issued at) of a token signed by us for ``purpose``."""
        try:
            data = self._serializers[purpose].loads(token)
        except BadData:
            raise LinkInvalid("not a link of this workshop") from None
        if not (
            isinstance(data, list)
            and len(data) == 3
            and isinstance(data[0], str)
            and isinstance(data[1], str)
            and isinstance(data[2], int)
        ):
            raise LinkInvalid("not a link of this workshop")
        return data[0], data[1], datetime.fromtimestamp(data[2], UTC)

    def read_url(self, text: str, purpose: str, now: datetime | None = None) -> LinkClaims:
        """Claims of a link as written in a ⚙ Link cell (full URL of this app)."""
        prefix = self.base_url + PATHS[_purpose(purpose)]
        if not text.startswith(prefix):
            raise LinkInvalid("not a link of this app")
        return self.read(text[len(prefix) :], purpose, now)

    # -------------------------------------------------------------------- CSRF

    def csrf(self, token: str, idem: str) -> str:
        """A form's CSRF value: HMAC of the link token and the form's idempotency key."""
        return _mac(self._keys[0], token, idem)

    def check_csrf(self, token: str, idem: str, value: str) -> bool:
        if not value or not idem:
            return False
        return any(hmac.compare_digest(_mac(k, token, idem), value) for k in self._keys)


def _mac(key: str, token: str, idem: str) -> str:
    msg = f"csrf|{token}|{idem}".encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


def _purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise LinkInvalid(f"unknown link purpose {purpose!r}")
    return purpose


def load_secrets(config: Config) -> list[str]:
    """The current link secret first, then the old ones still accepted.

    Current: env ``[web] secret_env`` (or ``<secret_env>_FILE``, or ``secret_file``).
    Old: env ``[web] old_secrets_env``, comma-separated. Neither set: a secret generated
    once into ``secret`` beside the journal (mode 0600), announced once in the log."""
    web = config.web
    current = secret_from_env(web.secret_env, web.secret_file)
    old = [s.strip() for s in os.environ.get(web.old_secrets_env, "").split(",") if s.strip()]
    if current is None:
        current = _demo_secret(Path(web.journal_path).parent / "secret", web.secret_env)
    return [current, *[s for s in old if s != current]]


def _demo_secret(path: Path, env_name: str) -> str:
    try:
        return path.read_text(encoding="ascii").strip() or _create_secret(path, env_name, True)
    except FileNotFoundError:
        return _create_secret(path, env_name, False)
    except OSError as exc:
        raise ConfigError(f"cannot read the link secret {path}: {exc.strerror}") from None


def _create_secret(path: Path, env_name: str, overwrite: bool) -> str:
    value = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(f"cannot create the link secret {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
        out.flush()
        os.fsync(out.fileno())
    log.warning(
        "No link secret configured: created %s (mode 0600). Keep it: links signed with it "
        "stop working if it is lost. In production set %s instead.",
        path,
        env_name,
    )
    return value


def secret_source(config: Config) -> tuple[str, str]:
    """(where the current link secret comes from, how to set it), in words."""
    web = config.web
    hint = f"{web.secret_env} (or {web.secret_env}_FILE, or [web] secret_file)"
    if os.environ.get(web.secret_env, "").strip():
        return f"from {web.secret_env}", hint
    named = os.environ.get(f"{web.secret_env}_FILE", "").strip() or web.secret_file
    if named:
        return f"from the file {named}", hint
    demo = Path(web.journal_path).parent / "secret"
    return f"from {demo}, made because none of {hint} is set", hint


def signer_from_config(config: Config, clock: Callable[[], datetime] | None = None) -> LinkSigner:
    keys = load_secrets(config)
    source, hint = secret_source(config)
    return LinkSigner(
        keys, config.web.link_days, config.web.base_url, clock, source=source, secret_hint=hint
    )
