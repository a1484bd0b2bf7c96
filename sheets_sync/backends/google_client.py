"""Signing in to Google: the service-account file, checked and explained, and a gspread
client with an explicit timeout (or on a given HTTP session: tests mount the fake Sheets
API there). Both the backend and ``google_setup`` use it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gspread
import requests

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import Config

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)


def credentials_path(config: Config) -> Path:
    raw = config.workbook.credentials_file or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if not raw:
        raise ConfigError(
            "no service-account credentials: set [workbook] credentials_file in config.toml "
            "or the GOOGLE_APPLICATION_CREDENTIALS environment variable"
        )
    path = Path(raw).expanduser()
    return path if path.is_absolute() else config.base_dir / path


def service_account_info(path: Path) -> dict[str, Any]:
    """The service-account JSON, checked: exists, is JSON, is a service-account key."""
    if not path.exists():
        raise ConfigError(f"the service-account file {path} does not exist")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the service-account file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"the service-account file {path} is not valid JSON (line {exc.lineno}): download "
            "the key again from the Google Cloud console"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(f'{path} is not a service-account key (its "type" should be "service_account")')
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise ConfigError(f"the service-account file {path} lacks {', '.join(missing)}")
    return info


def open_client(config: Config, session: requests.Session | None = None) -> gspread.Client:
    """A gspread client with an explicit timeout. ``session``: an HTTP session to use
    instead of google-auth's (tests mount the fake Sheets API on it)."""
    if session is not None:
        client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    else:
        from google.oauth2.service_account import Credentials

        info = service_account_info(credentials_path(config))
        try:
            creds = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES)
            )
        except ValueError as exc:
            raise ConfigError(f"the service-account key cannot be used: {exc}") from None
        client = gspread.Client(auth=creds)
    client.set_timeout(config.workbook.timeout_seconds)
    return client
