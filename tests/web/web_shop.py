"""Helpers of the web tests. A small workshop: two orders, two approvals, two launches (one
blocked: its order has no CAD file), a journal in a temporary folder, a signer and an app
whose clock the tests move by hand."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.cells import CellValue
from sheets_sync.config import Config, WebConfig, WorkshopConfig
from sheets_sync.contract import ACTIVITY, HUMAN_TABS, machine_header
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from sheets_sync.pipeline import CLOSING_STEPS, CORE_STEPS
from sheets_sync.steps.answers import flush_step
from sheets_sync.steps.links import publish_step
from sheets_sync.sync import SyncReport, run_sync

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 10, 9, 30, tzinfo=PARIS)  # a Tuesday morning
SECRET = "test-secret-0123456789abcdef"
BASE = "http://127.0.0.1:8080"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        """Move on by elapsed time (across a DST change too)."""
        self.now = (self.now.astimezone(UTC) + timedelta(**kw)).astimezone(PARIS)


def _row(tab: str, **values: CellValue) -> list[CellValue]:
    spec = next(t for t in HUMAN_TABS if t.name == tab)
    names = [c.name for c in spec.columns] + [machine_header(m) for m in spec.machine_columns]
    by_key = {
        n.replace("⚙ ", "").replace(" ", "_").replace("(", "").replace(")", "").lower(): n for n in names
    }
    out: dict[str, CellValue] = {by_key[k]: v for k, v in values.items()}
    return [out.get(n) for n in names]


def _header(tab: str) -> list[CellValue]:
    spec = next(t for t in HUMAN_TABS if t.name == tab)
    return [c.name for c in spec.columns] + [machine_header(m) for m in spec.machine_columns]


RENDER = "https://drive.google.com/file/d/1rndJW1001abc/view?usp=sharing"


def workbook() -> dict[str, list[list[CellValue]]]:
    return {
        "Orders": [
            _header("Orders"),
            _row(
                "Orders",
                order_ref="JW-1001",
                client="C-001",
                piece_type="Ring",
                description="Solitaire engagement ring, six-prong",
                alloy="18KY",
                size="52",
                quantity=1,
                target_weight_g=4.2,
                route="Casting",
                center_stone="Round brilliant 1.02 ct G VS1",
                cad_file="https://drive.google.com/file/d/1cadJW1001/view",
                cad_render=RENDER,
                partner="P-MFG",
                promised_date=date(2026, 4, 30),
            ),
            _row(
                "Orders",
                order_ref="JW-1002",
                client="C-002",
                piece_type="Pendant",
                description="Bezel-set pendant",
                alloy="14KY",
                size="45 cm",
                quantity=1,
                target_weight_g=3.1,
                route="Casting",
                partner="P-SET",
                promised_date=date(2026, 5, 15),
            ),
        ],
        "Progress": [_header("Progress")],
        "Workflow": [
            _header("Workflow"),
            ["Casting", 1, "CAD", 2, "CAD", "no", "no", "yes"],
            ["Casting", 2, "Manufacture", 5, "Goldsmith", "no", "no", "no"],
        ],
        "Alloys": [
            _header("Alloys"),
            ["18KY", "18K yellow gold", "Au", 750, 15.5, 3],
            ["14KY", "14K yellow gold", "Au", 585, 13.07, 4],
        ],
        "Partners": [
            _header("Partners"),
            [
                "P-MFG",
                "Atelier Dupont",
                "Manufacturer",
                "Marc Dupont",
                "atelier@dupont.example",
                "+33 1 40 00 00 03",
                24,
                48,
                "yes",
            ],
            [
                "P-SET",
                "Rossi Setting Studio",
                "Setter",
                "Giulia Rossi",
                "giulia@rossi.example",
                "",
                12,
                36,
                "yes",
            ],
        ],
        "Clients": [
            _header("Clients"),
            ["C-001", "Claire Moreau", "claire@client.example", "", "", ""],
            ["C-002", "James Whitfield", "james@client.example", "", "", ""],
        ],
        "Launches": [
            _header("Launches"),
            _row(
                "Launches",
                launch_id="L-1",
                order_ref="JW-1001",
                partner="P-MFG",
                task="Manufacture",
                launch_date=date(2026, 3, 9),
                due_date=date(2026, 3, 20),
                instructions="Keep the sprue on the back of the shank.",
                stones_provided="Round brilliant 1.02 ct in parcel 17",
                sent_at=datetime(2026, 3, 9, 14, 0),
            ),
            _row(
                "Launches",
                launch_id="L-2",
                order_ref="JW-1002",
                partner="P-SET",
                task="Stone setting",
                launch_date=date(2026, 3, 10),
                due_date=date(2026, 3, 17),
            ),
        ],
        "Approvals": [
            _header("Approvals"),
            _row(
                "Approvals",
                approval_id="AP-1",
                order_ref="JW-1001",
                item="CAD render",
                image=RENDER,
                requested=date(2026, 3, 9),
            ),
            _row(
                "Approvals",
                approval_id="AP-2",
                order_ref="JW-1002",
                item="CAD render",
                image="https://example.com/renders/jw1002.png",
                requested=date(2026, 3, 9),
            ),
        ],
        "Activity": [list(ACTIVITY.headers)],
    }


def make_config(tmp: Path, **web: object) -> Config:
    settings: dict[str, object] = {
        "journal_path": tmp / "var" / "journal.sqlite3",
        "upload_dir": tmp / "var" / "uploads",
        "base_url": BASE,
        "max_upload_mb": 1.0,
        "rate_limit_per_minute": 1000,
        **web,
    }
    return Config(
        workshop=WorkshopConfig(
            name="Atelier Lumen",
            contact_name="Sam Lefèvre",
            contact_email="sam@lumen.example",
            contact_phone="+33 1 23 45 67 89",
        ),
        web=replace(WebConfig(), **settings),  # type: ignore[arg-type]
    )


@dataclass
class Shop:
    """One workshop under test: workbook, journal, signer, app and its clock."""

    config: Config
    backend: MemoryBackend
    journal: Journal
    signer: LinkSigner
    clock: Clock
    app: Flask

    def sync(self, full: bool = True) -> SyncReport:
        publish = publish_step(self.journal, self.signer)
        steps = [flush_step(self.journal), publish]
        if full:  # in the pipeline's order: the pages see the decisions stamped this sync
            steps = [flush_step(self.journal), *CORE_STEPS, publish, *CLOSING_STEPS]
        return run_sync(self.backend, self.config, self.clock.now, steps)

    def cell(self, tab: str, key: str, column: str) -> CellValue:
        grid = self.backend.grid(tab)
        header = [str(h) for h in grid[0]]
        col = header.index(column)
        for r in grid[1:]:
            if r and r[0] == key:
                return r[col] if col < len(r) else None
        raise KeyError(key)

    def link(self, tab: str, key: str) -> str:
        """The path of the link in a row's ⚙ Link cell (e.g. /a/<token>)."""
        url = str(self.cell(tab, key, "⚙ Link"))
        assert url.startswith(BASE)
        return url[len(BASE) :]

    def rows(self, tab: str) -> list[dict[str, CellValue]]:
        grid = self.backend.grid(tab)
        header = [str(h) for h in grid[0]]
        return [dict(zip(header, r, strict=False)) for r in grid[1:] if any(c not in (None, "") for c in r)]


CHROMIUM = "/usr/bin/chromium"  # Debian's; the browser tests fail, never skip, without it
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


def phone(browser: Browser) -> Page:
    """A 390 px phone screen, JavaScript off (the pages need none)."""
    page = browser.new_page(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page.set_default_timeout(10_000)
    # the workbook's Drive links would go to the internet: answer them here with nothing
    page.route("https://**/*", lambda route: route.fulfill(status=404, body=""))
    return page


def photo(kind: str = "JPEG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 160, 40)).save(out, kind)
    return out.getvalue()


def hidden(html: str, name: str, nth: int = 0) -> str:
    """The value of the nth hidden input ``name`` in a page."""
    import re

    found = re.findall(rf'name="{name}" value="([^"]*)"', html)
    return found[nth]
