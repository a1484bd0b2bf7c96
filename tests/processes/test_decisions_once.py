"""A partner's decision goes out once per version across processes: two `sheets-sync run`
started together, and runs killed with SIGKILL at random moments then run again. Real
processes on the demo workbook, whose caster report "web-demo-sprue" is decided and not
sent yet; every wait bounded, the moments drawn from a seeded generator."""

from __future__ import annotations

import random
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import openpyxl
from desk import RUN_TIMEOUT, Desk, applied_once, make_desk, seen

from sheets_sync.mail.ledger import Ledger

PID = "web-demo-sprue"
PREFIX = f"email:problem_decision:L-010#{PID}#"
TRIALS = 4
SEED = 20261202


def _activity_ids(desk: Desk) -> list[str]:
    return [i for r in seen(desk.workbook).activity if (i := str(r.get("ID") or "")).startswith(PREFIX)]


def decision_emails(desk: Desk) -> list[str]:
    """The ids of the decision's emails on the Activity tab: the row written when the email
    was decided (a send resumed after a kill adds an attempt row "<id>~<n>", the same email,
    counted by ``attempt_rows``)."""
    return [i for i in _activity_ids(desk) if "~" not in i]


def attempt_rows(desk: Desk) -> list[str]:
    return [i for i in _activity_ids(desk) if "~" in i]


def outbox_ids(desk: Desk) -> list[str]:
    ids = ["".join(str(message_from_bytes(p.read_bytes(), policy=default)["X-Sheets-Sync-Id"]).split())
           for p in desk.outbox()]
    return [i for i in ids if i.startswith(PREFIX)]


def retype(desk: Desk, text: str) -> None:
    """The manager edits the Decision in the workbook (the file is closed by then)."""
    wb = openpyxl.load_workbook(desk.workbook)
    ws = wb["Partner Problems"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == PID)
    row[header.index("Decision")].value = text
    wb.save(desk.workbook)
    wb.close()


def version_cell(desk: Desk) -> object:
    wb = openpyxl.load_workbook(desk.workbook, read_only=True)
    try:
        rows = list(wb["Partner Problems"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = list(rows[0])
    row = next(r for r in rows[1:] if r[0] == PID)
    return row[header.index("⚙ Version")]


def test_two_runs_together_then_killed_runs_send_each_version_once(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    pair = [desk.start("run", name=f"run-{side}") for side in "ab"]
    codes = [p.wait(timeout=RUN_TIMEOUT) for p in pair]
    assert 0 in codes, desk.log("run-a") + desk.log("run-b")
    (first,) = decision_emails(desk)
    assert first.startswith(f"{PREFIX}1:casting@lumiere.example:")
    assert outbox_ids(desk) == decision_emails(desk)
    assert desk.command("run").returncode == 0  # a rerun sends nothing
    started = time.monotonic()  # how long a sync that computes takes (an unchanged one
    assert desk.command("run", "--full").returncode == 0  # only hashes the file): the kills
    span = time.monotonic() - started  # below land anywhere in such a sync
    assert len(decision_emails(desk)) == 1 and len(outbox_ids(desk)) == 1

    rng = random.Random(SEED)
    for trial in range(TRIALS):
        retype(desk, f"Move the sprue to the side of the shank (version {trial + 2}).")
        proc = desk.start("run", name=f"killed{trial}")
        delay = rng.uniform(0.2, 1.1) * span
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=RUN_TIMEOUT)
        where = f"trial {trial} (seed {SEED}, killed {delay:.3f} s after start)"
        done = desk.command("run")
        assert done.returncode == 0, f"{where}: {done.stderr}"
        assert desk.command("run").returncode == 0, where
        ids = decision_emails(desk)
        versions = [int(i[len(PREFIX):].split(":")[0]) for i in ids]
        assert versions == list(range(1, trial + 3)), f"{where}: {ids}"  # each version once
        assert version_cell(desk) == trial + 2, where
        delivered = outbox_ids(desk)
        assert len(delivered) == len(set(delivered)) and set(delivered) <= set(ids), where
        resumed = [a.split("~")[0] for a in attempt_rows(desk)]  # a send the kill cut short
        assert len(resumed) == len(set(resumed)) and set(resumed) <= set(ids), f"{where}: {resumed}"
        ledger = Ledger(desk.config.mail.ledger_path)
        try:
            left = {e.id: e.status for e in ledger.entries() if e.id in ids}
        finally:
            ledger.close()
        # sent, or "sending" when the kill hit the conversation (never resent: the digest
        # asks a person); never an intent left behind after a run that finished
        assert set(left.values()) <= {"sent", "sending"}, f"{where}: {left}"
        assert [i for i in ids if left.get(i) == "sent"] == [i for i in ids if i in delivered], where
    applied_once(desk, seen(desk.workbook))
