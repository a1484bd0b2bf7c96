"""The staff digest reads true: numbers where it promises numbers, singular and plural,
and a loss above its alert shown with the decimals that make it so."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.config import Config
from sheets_sync.pipeline import build_steps
from sheets_sync.steps.mail import forced_digest
from sheets_sync.sync import run_sync

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
G = "⚙ "


def workbook() -> MemoryBackend:
    return MemoryBackend({
        "Orders": [
            ["Order Ref", "Piece Type", "Alloy", "Route", "Promised Date", "Delivered Date"],
            ["JW-2306", "Ring", "PT950", "Casting", date(2026, 11, 20), date(2026, 11, 20)],
            ["JW-2327", "Band", "18KY", "Casting", date(2026, 11, 27), None],
        ],
        "Workflow": [["Route", "Step", "Stage", "Days"], ["Casting", 1, "Cast", 1]],
        "Alloys": [
            ["Code", "Metal", "Fineness", "Specific Gravity", "Loss Alert %"],
            ["PT950", "Pt", 950, 20.1, 2],
            ["18KY", "Au", 750, 15.5, 3],
        ],
        "Metal Log": [
            ["Date", "Entry", "Alloy", "Grams", "Order Ref or Batch"],
            [date(2026, 11, 2), "Purchase", "18KY", 10, "Stock"],
            [date(2026, 11, 2), "Purchase", "PT950", 100, "Stock"],
            [date(2026, 11, 3), "Issue", "18KY", 12, "JW-2327"],  # more out than in: below zero
            # 1.4 g of 68.55 g lost: 2.04 %, above the 2 % alert of PT950
            [date(2026, 11, 10), "Issue", "PT950", 68.55, "JW-2306"],
            [date(2026, 11, 12), "Return", "PT950", 60, "JW-2306"],
            [date(2026, 11, 12), "Scrap", "PT950", 7.15, "JW-2306"],
        ],
    })


def digest_text(tmp_path: Path) -> str:
    base = Config()
    config = replace(
        base,
        workshop=replace(base.workshop, staff_emails=("desk@atelier.example",)),
        web=replace(base.web, journal_path=tmp_path / "journal.sqlite3"),
        mail=replace(base.mail, outbox_dir=tmp_path / "outbox", ledger_path=tmp_path / "ledger.sqlite3"),
    )
    run_sync(workbook(), config, NOW, forced_digest(build_steps(config)))
    (path,) = (tmp_path / "outbox").glob("digest-*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_the_digest_says_what_it_means(tmp_path: Path) -> None:
    text = digest_text(tmp_path)
    # JW-2327 needs 1 day of casting by Friday 27th, 2 working days away: 1 to spare
    assert "slack 1 working day," in text and "1 working day to spare" in text
    assert "JW-2306 (PT950): loss 2.04 % above alert 2 %" in text
    assert "18KY in the safe: book below zero (-2.00 g)" in text
    assert "  g" not in text and "working days to spare" not in text
