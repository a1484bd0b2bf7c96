"""An installation with a staff desk and a manager to write to, its files in one folder:
the set-up the demo's story and the Today tab are checked in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sheets_sync.config import Config


def config_in(folder: Path) -> Config:
    base = Config()
    return replace(
        base,
        workshop=replace(base.workshop, staff_emails=("desk@atelier.example",),
                         manager_email="manager@atelier.example"),
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "ledger"),
        web=replace(base.web, journal_path=folder / "journal.sqlite", upload_dir=folder / "uploads"),
    )
