"""Configuration, loaded once from config.toml into frozen objects.

Secrets never live in config.toml: they come from environment variables (or files they
name). With no config file at all the product runs on the embedded default, a local .xlsx
demo workbook.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_WORKBOOK = Path("workshop.xlsx")


@dataclass(frozen=True)
class WorkbookConfig:
    backend: str = "xlsx"  # "xlsx" or "google"
    path: Path = DEFAULT_WORKBOOK  # xlsx
    spreadsheet: str = ""  # google: key or URL
    credentials_file: str = ""  # google: service-account JSON; else GOOGLE_APPLICATION_CREDENTIALS
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class WorkshopConfig:
    name: str = "Atelier Demo"
    timezone: str = "Europe/Paris"
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    manager_email: str = ""
    staff_emails: tuple[str, ...] = ()
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    at_risk_slack_days: float = 2.0  # slack at or below this is "At risk"
    problem_decision_hours: float = 4.0  # working hours to decide on a reported problem
    count_tolerance_g: float = 0.5  # metal count variance beyond this is flagged

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = "http://127.0.0.1:8080"
    secret_env: str = "SHEETS_SYNC_SECRET"  # env var holding the link secret
    secret_file: str = ""  # or a file holding it
    old_secrets_env: str = "SHEETS_SYNC_OLD_SECRETS"  # comma-separated, still accepted
    link_days: int = 30
    journal_path: Path = Path("var/journal.sqlite3")
    upload_dir: Path = Path("var/uploads")
    max_upload_mb: float = 8.0
    rate_limit_per_minute: int = 30
    # reverse proxies whose X-Forwarded-For names the client (addresses or networks)
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailConfig:
    transport: str = "outbox"  # "outbox" or "smtp"
    outbox_dir: Path = Path("outbox")
    ledger_path: Path = Path("var/mail-ledger.sqlite3")  # local record of emails sent
    sender: str = "Atelier Demo <workshop@example.com>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"  # "starttls", "ssl" or "none"
    smtp_user_env: str = "SHEETS_SYNC_SMTP_USER"
    smtp_password_env: str = "SHEETS_SYNC_SMTP_PASSWORD"
    digest_time: time = time(8, 0)
    digest_skip_empty: bool = True
    approval_reminder_days: int = 3
    approval_pending_days: int = 5


@dataclass(frozen=True)
class WatchConfig:
    sync_minutes: float = 10.0  # may be a fraction (0.5 = every 30 s)
    lock_wait_seconds: float = 30.0  # how long a sync waits for the one in progress


@dataclass(frozen=True)
class TargetsConfig:
    on_time_ack_pct: float = 90.0
    ack_hours: float = 24.0  # acknowledgement, for a launch whose partner is not on Partners
    response_hours: float = 4.0  # read for older config files; the hours are [workshop]'s
    problems_answered_pct: float = 90.0  # partner problems decided within the decision hours
    spec_error_pct: float = 2.0
    first_time_right_pct: float = 94.0
    delivery_adherence_pct: float = 90.0
    yield_variance_pct: float = 96.5


@dataclass(frozen=True)
class Config:
    workbook: WorkbookConfig = field(default_factory=WorkbookConfig)
    workshop: WorkshopConfig = field(default_factory=WorkshopConfig)
    web: WebConfig = field(default_factory=WebConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)
    source: str = "built-in defaults"
    base_dir: Path = Path(".")
    workbook_given: bool = False  # the workbook came from --workbook, not from config.toml

    def with_workbook(self, path: Path) -> Config:
        return replace(
            self,
            workbook=replace(self.workbook, backend="xlsx", path=path),
            source=f"{self.source} with --workbook {path}",
            workbook_given=True,
        )


T = TypeVar("T")


def _coerce(section: str, name: str, target: Any, value: Any) -> Any:
    where = f"config [{section}] {name}"
    if isinstance(target, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
        return value
    if isinstance(target, int) and not isinstance(target, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
        return value
    if isinstance(target, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        return float(value)
    if isinstance(target, Path):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a path in quotes, not {value!r}")
        return Path(value)
    if isinstance(target, time):
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f'{where} must be a time like "08:00", not {value!r}') from None
    if isinstance(target, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, not {value!r}")
        return tuple(value)
    if isinstance(target, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be text in quotes, not {value!r}")
        return value
    return value


def _section(cls: type[T], section: str, data: Any) -> T:
    if not isinstance(data, dict):
        raise ConfigError(f"config [{section}] must be a table of keys")
    default = cls()
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"config [{section}] has unknown key(s) {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(known))}"
        )
    values = {k: _coerce(section, k, getattr(default, k), v) for k, v in data.items()}
    return replace(default, **values)  # type: ignore[type-var]


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path


def load_config(path: Path | None = None) -> Config:
    """Read config.toml once. ``path`` None: ./config.toml when present, else defaults."""
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist (copy config.example.toml)")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    sections: dict[str, type[Any]] = {
        "workbook": WorkbookConfig,
        "workshop": WorkshopConfig,
        "web": WebConfig,
        "mail": MailConfig,
        "watch": WatchConfig,
        "targets": TargetsConfig,
    }
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(f"{path} has unknown section(s) [{'], ['.join(unknown)}]")
    parts = {name: _section(cls, name, data.get(name, {})) for name, cls in sections.items()}
    base = path.parent.resolve()
    wb: WorkbookConfig = parts["workbook"]
    web: WebConfig = parts["web"]
    mail: MailConfig = parts["mail"]
    parts["workbook"] = replace(wb, path=_resolve(base, wb.path))
    parts["web"] = replace(
        web,
        journal_path=_resolve(base, web.journal_path),
        upload_dir=_resolve(base, web.upload_dir),
    )
    parts["mail"] = replace(
        mail,
        outbox_dir=_resolve(base, mail.outbox_dir),
        ledger_path=_resolve(base, mail.ledger_path),
    )
    config = Config(**parts, source=str(path), base_dir=base)
    validate(config)
    return config


def validate(config: Config) -> None:
    if config.workbook.backend not in ("xlsx", "google"):
        raise ConfigError(
            f'config [workbook] backend must be "xlsx" or "google", not {config.workbook.backend!r}'
        )
    try:
        ZoneInfo(config.workshop.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"config [workshop] timezone {config.workshop.timezone!r} is not a known time zone "
            '(e.g. "Europe/Paris")'
        ) from None
    if not config.workshop.workdays or any(d not in range(7) for d in config.workshop.workdays):
        raise ConfigError("config [workshop] workdays must list days 0 (Monday) to 6 (Sunday)")
    if config.watch.sync_minutes <= 0:
        raise ConfigError("config [watch] sync_minutes must be more than 0")
    if config.watch.lock_wait_seconds < 0:
        raise ConfigError("config [watch] lock_wait_seconds must be 0 or more")
    for proxy in config.web.trusted_proxies:
        try:
            ipaddress.ip_network(str(proxy).strip(), strict=False)
        except ValueError:
            raise ConfigError(
                f"config [web] trusted_proxies: {proxy!r} is not an IP address or network "
                '(e.g. "127.0.0.1" or "10.0.0.0/8")'
            ) from None
    if config.web.max_upload_mb <= 0:
        raise ConfigError("config [web] max_upload_mb must be more than 0")
    if not 1 <= config.web.port <= 65535:
        raise ConfigError(f"config [web] port must be 1 to 65535, not {config.web.port}")
    if config.mail.transport not in ("outbox", "smtp"):
        raise ConfigError(
            f'config [mail] transport must be "outbox" or "smtp", not {config.mail.transport!r}'
        )


def secret_from_env(env_name: str, file_path: str = "") -> str | None:
    """A secret from an environment variable, or from a file it or ``file_path`` names."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    file_env = os.environ.get(f"{env_name}_FILE", "").strip() or file_path
    if file_env:
        try:
            return Path(file_env).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"cannot read secret file {file_env}: {exc.strerror}") from None
    return None


def as_dict(obj: Any) -> Any:
    """For `sheets-sync config`: the loaded config as plain data."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Path | time):
        return str(obj)
    if isinstance(obj, tuple):
        return [as_dict(v) for v in obj]
    return obj
