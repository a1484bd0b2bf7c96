"""An unchanged rerun skips the compute, and is never wrong for it.

Two copies of the demo workbook, each with its own state folder (same installation id,
same link secret), go through the same human edits, web answers and clock steps: one
synced as `sheets-sync run` does (skipping when nothing changed), the other forced to the
full sync every time (``full=True``, `run --full`). After every step both workbooks are
the same cell for cell (the nonce of each sync's Activity id aside) and the same emails
went out. The worked sequence below also shows the skip really happens, and when not.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync import rerun
from sheets_sync.backends import xlsx
from sheets_sync.backends.xlsx import write_new_workbook
from sheets_sync.config import Config, MailConfig, WebConfig, WorkbookConfig, WorkshopConfig
from sheets_sync.installation import WorkbookClaimed
from sheets_sync.journal import Journal, Submission
from sheets_sync.pipeline import sync_once
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import SyncReport

PARIS = ZoneInfo("Europe/Paris")
FRIDAY = date(2026, 11, 27)
START = datetime.combine(FRIDAY, time(16, 40), tzinfo=PARIS)
SYNC_NONCE = re.compile(r"^(sync:[^@]*)-[0-9a-f]{8}(@|$)")


def config_for(folder: Path, secret: Path) -> Config:
    state = folder / "var"
    return Config(
        workbook=WorkbookConfig(backend="xlsx", path=folder / "workshop.xlsx"),
        workshop=WorkshopConfig(
            manager_email="manager@atelier.example", staff_emails=("desk@atelier.example",)
        ),
        web=replace(WebConfig(), journal_path=state / "journal.sqlite3", upload_dir=state / "uploads",
                    secret_file=str(secret)),
        mail=replace(MailConfig(), transport="outbox", outbox_dir=folder / "outbox",
                     ledger_path=state / "mail-ledger.sqlite3"),
    )


@dataclass
class Side:
    config: Config
    full: bool
    reports: list[SyncReport]

    @property
    def path(self) -> Path:
        return self.config.workbook.path

    def sync(self, now: datetime) -> SyncReport:
        report = sync_once(self.config, now, full=self.full, what="test")
        self.reports.append(report)
        return report

    def cells(self) -> dict[str, list[tuple[Any, ...]]]:
        wb = openpyxl.load_workbook(self.path, read_only=True)
        try:
            out = {}
            for ws in wb.worksheets:
                rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
                if ws.title == "Activity":
                    rows = [tuple(SYNC_NONCE.sub(r"\1-nonce\2", v) if isinstance(v, str) else v
                                  for v in r) for r in rows]
                out[ws.title] = rows
            return out
        finally:
            wb.close()

    def emails(self) -> list[tuple[str, str, str, str]]:
        out = []
        folder = self.config.mail.outbox_dir
        for f in sorted(folder.glob("*.eml")) if folder.exists() else []:
            msg = message_from_bytes(f.read_bytes(), policy=policy.default)
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
            out.append((f.name, str(msg["To"]), str(msg["Subject"]), str(text)))
        return out

    def edit(self, change: Callable[[openpyxl.Workbook], None]) -> None:
        wb = openpyxl.load_workbook(self.path)
        change(wb)
        wb.save(self.path)

    def answer(self, sub: Submission) -> None:
        journal = Journal(self.config.web.journal_path)
        try:
            journal.submit(sub)
        finally:
            journal.close()


@dataclass
class Pair:
    skip: Side
    full: Side
    now: datetime = START

    @classmethod
    def made(cls, tmp: Path) -> Pair:
        secret = tmp / "link-secret"
        secret.write_text("the-same-link-secret-on-both-sides\n")
        sides = []
        for name in ("skip", "full"):
            folder = tmp / name
            (folder / "var").mkdir(parents=True)
            # one installation id on both sides, so their Activity rows sign alike
            (folder / "var" / "installation").write_text(json.dumps({"id": "0123456789ab", "host": "desk"}))
            write_new_workbook(folder / "workshop.xlsx", demo_tabs(FRIDAY))
            sides.append(Side(config_for(folder, secret), name == "full", []))
        return cls(*sides)

    def sync(self) -> SyncReport:
        """Both sides at this moment; both the same afterwards. The skip side's report."""
        mine = self.skip.sync(self.now)
        theirs = self.full.sync(self.now)
        assert theirs.unchanged_since is None
        assert mine.problems == theirs.problems or mine.unchanged_since is not None
        assert (mine.errors, mine.warnings) == (theirs.errors, theirs.warnings)
        assert self.skip.cells() == self.full.cells(), f"workbooks differ at {self.now}"
        assert self.skip.emails() == self.full.emails(), f"emails differ at {self.now}"
        return mine

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def at(self, day: date, hh: int, mm: int, ss: int = 0) -> None:
        self.now = datetime.combine(day, time(hh, mm, ss), tzinfo=PARIS)

    def edit(self, change: Callable[[openpyxl.Workbook], None]) -> None:
        self.skip.edit(change)
        self.full.edit(change)

    def answer(self, sub: Submission) -> None:
        self.skip.answer(sub)
        self.full.answer(sub)


# ---- human edits and web answers, the same on both sides -----------------------------


def _cell(ws: Any, key: str, header: str) -> Any:
    headers = [c.value for c in ws[1]]
    col = headers.index(header) + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)
    return ws.cell(row, col)


def decide_porosity(wb: openpyxl.Workbook) -> None:
    _cell(wb["Partner Problems"], "web-demo-porosity", "Decision").value = "Clean up and polish."
    _cell(wb["Partner Problems"], "web-demo-porosity", "Decided By").value = "Marc"


def promise_later(wb: openpyxl.Workbook) -> None:
    cell = _cell(wb["Orders"], "JW-2310", "Promised Date")
    cell.value = cell.value + timedelta(days=7)


def clear_a_risk(wb: openpyxl.Workbook) -> None:
    _cell(wb["Orders"], "JW-2306", "⚙ Risk").value = None  # someone typed over a ⚙ cell


def polishing_done(wb: openpyxl.Workbook) -> None:
    wb["Progress"].append(["JW-2309", "Polishing", "Done", FRIDAY, "Lina", None, None])


def slower_partner(wb: openpyxl.Workbook) -> None:
    _cell(wb["Partners"], "P-CAST", "Ack Hours").value = 4


EDITS: dict[str, Callable[[openpyxl.Workbook], None]] = {
    "decide": decide_porosity, "promise": promise_later, "risk": clear_a_risk,
    "progress": polishing_done, "partner": slower_partner,
}


def answer(kind: str, n: int, now: datetime) -> Submission:
    payloads: dict[str, tuple[str, dict[str, Any]]] = {
        "ack": ("L-009", {"name": "Hélène"}),
        "problem": ("L-014", {"text": "The wax broke at the shank.", "order_ref": "JW-2314"}),
        "approval": ("AP-028", {"decision": "approve", "comment": "Lovely"}),
        "progress": ("L-016", {"order_ref": "JW-2316", "task": "Fabrication", "status": "Started"}),
    }
    ref, payload = payloads[kind]
    return Submission(kind, ref, "seen", payload, now, f"idem-{kind}-{n}", f"web-test-{kind}-{n}")


# ---- the worked sequence -------------------------------------------------------------


def test_a_worked_week_skips_only_while_nothing_can_change(tmp_path: Path) -> None:
    pair = Pair.made(tmp_path)
    first = pair.sync()  # Friday 16:40: the first sync writes everything and mails
    assert first.unchanged_since is None and first.written is not None
    assert pair.skip.emails(), "the demo's launch notices went out"
    pair.wait(seconds=30)
    assert pair.sync().written is None  # a full sync that wrote nothing leaves the record
    record = rerun.load(pair.skip.config)
    assert record is not None and record.valid_until > pair.now
    # the Today tab counts hours since sending (0.1 h shown): the record holds < 3 minutes
    assert record.valid_until - pair.now <= timedelta(minutes=3)
    pair.wait(seconds=40)
    skipped = pair.sync()
    assert skipped.unchanged_since == record.at and skipped.changes.cell_count == 0
    assert skipped.problems == pair.full.reports[-1].problems
    pair.now = record.valid_until  # the moment a shown figure may turn over: computed again
    assert pair.sync().unchanged_since is None

    pair.edit(promise_later)  # a human edit: computed, written
    assert pair.sync().written is not None
    pair.wait(seconds=5)
    pair.sync()
    pair.wait(seconds=5)
    assert pair.sync().unchanged_since is not None

    pair.answer(answer("ack", 1, pair.now))  # a web answer waits in the journal: computed
    assert pair.sync().unchanged_since is None

    pair.at(FRIDAY, 17, 59, 50)  # the working day ends at 18:00
    pair.sync()
    pair.wait(seconds=5)
    pair.sync()
    pair.wait(seconds=5)
    pair.sync()
    pair.at(FRIDAY, 18, 0, 1)
    assert pair.sync().unchanged_since is None

    pair.edit(decide_porosity)  # a decision typed after hours: its email waits for Monday
    for minutes in (1, 1, 1, 60, 60 * 14):  # into Saturday, past midnight
        pair.wait(minutes=minutes)
        pair.sync()
    monday = FRIDAY + timedelta(days=3)
    for hh, mm, ss in ((8, 59, 0), (8, 59, 40), (9, 0, 0), (9, 0, 30), (9, 1, 0), (9, 2, 0)):
        pair.at(monday, hh, mm, ss)  # the mail window opens at 9:00
        pair.sync()
    assert any("decision" in name for name, *_ in pair.skip.emails())
    pair.edit(clear_a_risk)
    pair.sync()
    pair.wait(hours=30)  # past acknowledgement and escalation moments
    pair.sync()
    pair.wait(minutes=1)
    pair.sync()
    skipped_runs = [r for r in pair.skip.reports if r.unchanged_since is not None]
    assert len(skipped_runs) >= 4


def test_another_installation_is_refused_as_by_the_full_sync(tmp_path: Path) -> None:
    pair = Pair.made(tmp_path)
    pair.sync()
    pair.wait(seconds=10)
    pair.sync()  # the record is left
    (tmp_path / "skip" / "var" / "installation").write_text(json.dumps({"id": "ba9876543210"}))
    pair.wait(seconds=10)
    with pytest.raises(WorkbookClaimed, match="another installation"):
        pair.skip.sync(pair.now)


# ---- random sequences ----------------------------------------------------------------

STEP = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([0.5, 1, 2, 3, 7, 45, 60 * 5, 60 * 16, 60 * 24 * 2])),
    st.tuples(st.just("edit"), st.sampled_from(sorted(EDITS))),
    st.tuples(st.just("answer"), st.sampled_from(["ack", "problem", "approval", "progress"])),
)


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=3, max_size=5))
def test_random_edits_answers_and_clock_steps_give_the_same_workbook(
    tmp_path_factory: Any, steps: list[tuple[str, Any]]
) -> None:
    tmp = tmp_path_factory.mktemp("pair")
    pair = Pair.made(tmp)
    pair.sync()
    pair.wait(seconds=20)
    pair.sync()
    for n, (what, arg) in enumerate(steps):
        if what == "wait":
            pair.wait(minutes=arg)
        elif what == "edit":
            pair.edit(EDITS[arg])
        else:
            pair.answer(answer(arg, n, pair.now))
        pair.sync()
        pair.wait(seconds=20)
        pair.sync()
    shutil.rmtree(tmp, ignore_errors=True)


# ---- the stored bytes first ----------------------------------------------------------


def _rezipped(path: Path) -> None:
    """The same parts, stored again with another compression: other bytes, same cells
    (as when a person opens the file and saves it without editing)."""
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as new:
        for info, data in parts:
            new.writestr(info.filename, data)


class _NoParse:
    """Stands in for python-calamine's workbook: any parse fails the test."""

    @staticmethod
    def from_filelike(*_: object) -> None:
        raise AssertionError("the workbook was parsed")


def test_the_same_bytes_skip_without_a_parse_and_other_bytes_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = Pair.made(tmp_path)
    pair.sync()
    pair.wait(seconds=20)
    pair.sync()  # wrote nothing: the record holds the digest of the bytes it read
    record = rerun.load(pair.skip.config)
    assert record is not None and record.stored_digest and record.read_digest
    before = pair.skip.path.read_bytes()

    pair.wait(seconds=20)
    with monkeypatch.context() as m:
        m.setattr(xlsx, "CalamineWorkbook", _NoParse)
        skipped = pair.skip.sync(pair.now)  # no parse at all: the same bytes
    assert skipped.unchanged_since == record.at
    assert skipped.rows_read == pair.full.reports[-1].rows_read
    assert skipped.problems == pair.full.reports[-1].problems
    assert pair.skip.path.read_bytes() == before

    _rezipped(pair.skip.path)  # other bytes, the same cells: read, and still skipped
    assert pair.skip.path.read_bytes() != before
    with monkeypatch.context() as m:
        m.setattr(xlsx, "CalamineWorkbook", _NoParse)
        with pytest.raises(AssertionError, match="parsed"):
            pair.skip.sync(pair.now)
    assert pair.skip.sync(pair.now).unchanged_since == record.at

    pair.edit(promise_later)  # other bytes, other cells: the full sync, the same as `--full`
    assert pair.sync().unchanged_since is None


def test_a_record_of_the_older_format_is_not_trusted(tmp_path: Path) -> None:
    pair = Pair.made(tmp_path)
    pair.sync()
    pair.wait(seconds=20)
    pair.sync()
    path = rerun.memo_path(pair.skip.config)
    data = json.loads(path.read_text())
    data["format"] = 1
    path.write_text(json.dumps(data))
    assert rerun.load(pair.skip.config) is None
    pair.wait(seconds=20)
    assert pair.sync().unchanged_since is None  # computed again, and recorded anew
    assert rerun.load(pair.skip.config) is not None
