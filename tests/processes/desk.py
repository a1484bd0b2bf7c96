"""Helpers of the real-process tests: a folder set up as a workshop's desk (config.toml,
the demo workbook, the state folder), answers waiting in its journal, the console script
and a look at what the workbook holds afterwards.

The desk's clock is the real one, so its workshop zone is chosen for the moment the test
runs: an ``Etc/GMT±N`` zone where it is around noon now, every day a working day and no
holiday, so the emails that are due go out whenever the suite runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from sheets_sync.backends.xlsx import write_new_workbook
from sheets_sync.config import Config, load_config
from sheets_sync.journal import Journal, Submission
from sheets_sync.samples.demo import demo_tabs

SECRET = "process-test-secret-0123456789abcdef"
RUN_TIMEOUT = 60  # seconds any one command may take before the test fails


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_script() -> str:
    script = Path(sys.executable).with_name("sheets-sync")
    assert script.exists(), f"the console script is not installed next to {sys.executable}"
    return str(script)


def noon_zone() -> str:
    """An Etc/GMT zone where the local hour now is between 10 and 13."""
    offset = 12 - datetime.now(UTC).hour  # local = UTC + offset, from -11 to +12
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")


@dataclass
class Desk:
    folder: Path
    config: Config
    env: dict[str, str]
    exe: str = field(default_factory=console_script)
    answers: list[Submission] = field(default_factory=list)

    @property
    def workbook(self) -> Path:
        return self.config.workbook.path

    @property
    def today(self) -> date:
        return datetime.now(self.config.workshop.zone).date()

    def command(self, *args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.exe, *args], cwd=self.folder, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )

    def start(self, *args: str, name: str | None = None) -> subprocess.Popen[bytes]:
        """A command in the background; its output goes to ``<name>.out`` / ``.err``."""
        label = name or args[0]
        out = (self.folder / f"{label}.out").open("wb")
        err = (self.folder / f"{label}.err").open("wb")
        with out, err:
            return subprocess.Popen([self.exe, *args], cwd=self.folder, env=self.env, stdout=out, stderr=err)

    def log(self, name: str) -> str:
        parts = [self.folder / f"{name}.out", self.folder / f"{name}.err"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def add_answers(self, count: int, start: int = 0) -> list[Submission]:
        """``count`` progress posts from partners, waiting in the journal as the web app
        leaves them (each with a note of its own, so every one is told apart)."""
        launches = [r for r in demo_tabs(self.today)["Launches"][1:]]
        journal = Journal(self.config.web.journal_path)
        try:
            for n in range(start, start + count):
                row = launches[n % len(launches)]
                sub = Submission(
                    kind="progress",
                    ref=str(row[0]),
                    fingerprint="as seen",
                    payload={"order_ref": row[1], "task": row[3], "status": "Started",
                             "note": f"answer {n}", "partner_name": "Partner"},
                    received_at=datetime.now(UTC),
                    idem=f"form-{n}",
                )
                stored, _ = journal.submit(sub)
                self.answers.append(stored)
        finally:
            journal.close()
        return self.answers

    def pending(self) -> int:
        journal = Journal(self.config.web.journal_path)
        try:
            return journal.counts()["pending"]
        finally:
            journal.close()

    def outbox(self) -> list[Path]:
        return sorted(self.config.mail.outbox_dir.glob("*.eml"))

    def leftovers(self) -> list[Path]:
        return sorted(self.folder.glob("*.sheets-sync.tmp"))  # hidden ones included


def make_desk(folder: Path, **sections: dict[str, Any]) -> Desk:
    """The demo workbook (no holidays) and a config.toml; ``sections`` add or override
    keys, e.g. ``watch={"lock_wait_seconds": 0.2}``."""
    zone = noon_zone()
    today = datetime.now(ZoneInfo(zone)).date()
    tabs = demo_tabs(today)
    tabs["Holidays"] = tabs["Holidays"][:1]
    write_new_workbook(folder / "w.xlsx", tabs)
    settings: dict[str, dict[str, Any]] = {
        "workbook": {"path": "w.xlsx"},
        "workshop": {"timezone": zone, "workdays": [0, 1, 2, 3, 4, 5, 6], "day_start": "00:00",
                     "day_end": "23:59", "staff_emails": ["desk@atelier.example"],
                     "manager_email": "manager@atelier.example"},
        "mail": {"transport": "outbox", "outbox_dir": "outbox"},
        "watch": {"lock_wait_seconds": 30},
    }
    for name, values in sections.items():
        settings.setdefault(name, {}).update(values)
    (folder / "config.toml").write_text(_toml(settings), encoding="utf-8")
    env = {**os.environ, "SHEETS_SYNC_SECRET": SECRET}
    return Desk(folder, load_config(folder / "config.toml"), env)


def _toml(settings: dict[str, dict[str, Any]]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    return "\n".join(
        f"[{name}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in values.items())
        for name, values in settings.items()
    )


@dataclass
class Seen:
    """What the workbook holds, read back with openpyxl (it must open)."""

    activity: list[dict[str, Any]]
    progress: list[dict[str, Any]]

    def ids(self) -> Counter[str]:
        return Counter(str(r["ID"]) for r in self.activity if r.get("ID"))

    def notes(self) -> Counter[str]:
        return Counter(str(r["Note"]) for r in self.progress if r.get("Note"))


def seen(path: Path) -> Seen:
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise AssertionError(f"the workbook {path} does not open: {exc!r}") from exc
    try:
        return Seen(_rows(wb, "Activity"), _rows(wb, "Progress"))
    finally:
        wb.close()


def _rows(wb: Any, tab: str) -> list[dict[str, Any]]:
    if tab not in wb.sheetnames:
        return []
    rows = list(wb[tab].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h) if h is not None else "" for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def applied_once(desk: Desk, look: Seen) -> None:
    """Every answer is in the workbook exactly once and every Activity ID is unique."""
    ids = look.ids()
    repeated = {i: n for i, n in ids.items() if n > 1}
    assert not repeated, f"Activity IDs repeated: {repeated}"
    notes = look.notes()
    for sub in desk.answers:
        assert ids[sub.id] == 1, f"{sub.id} ({sub.payload['note']}) is in Activity {ids[sub.id]} times"
        note = str(sub.payload["note"])
        assert notes[note] == 1, f"{note!r} is on Progress {notes[note]} times"
