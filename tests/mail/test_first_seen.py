"""The ledger remembers the day it first saw each approval (reminders count from it):
thousands at once in one commit, and a day once recorded never moves."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.mail.ledger import Ledger


def test_the_first_day_stays_and_new_keys_take_today(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "mail.sqlite3")
    try:
        assert ledger.first_seen("approval:AP-028", "2026-11-20") == "2026-11-20"
        keys = ["approval:AP-028", "approval:AP-029", "approval:AP-029", "approval:AP-030"]
        assert ledger.first_seen_all(keys, "2026-11-25") == {
            "approval:AP-028": "2026-11-20",  # seen before: its day stays
            "approval:AP-029": "2026-11-25",
            "approval:AP-030": "2026-11-25",
        }
        assert ledger.first_seen("approval:AP-030", "2026-12-02") == "2026-11-25"
        assert ledger.first_seen_all([], "2026-12-02") == {}
    finally:
        ledger.close()


def test_a_workbook_of_5000_approvals_is_seen_at_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "mail.sqlite3"
    keys = [f"approval:AP-{n:05d}" for n in range(5000)]
    ledger = Ledger(path)
    try:
        days = ledger.first_seen_all(keys, "2026-11-25")
        assert len(days) == 5000 and set(days.values()) == {"2026-11-25"}
    finally:
        ledger.close()
    again = Ledger(path)  # committed: another process reads the same days
    try:
        assert again.first_seen_all(keys[::7], "2026-12-02") == {k: "2026-11-25" for k in keys[::7]}
    finally:
        again.close()
