"""`sheets-sync doctor` in words, and `sheets-sync init --google KEY` laying out a sheet."""

from __future__ import annotations

import json
from pathlib import Path

import gspread
import pytest

from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_setup import doctor, prepare_spreadsheet
from sheets_sync.config import Config, WorkbookConfig
from sheets_sync.contract import HUMAN_TABS, MACHINE_TABS
from sheets_sync.errors import ConfigError, SheetsSyncError
from sheets_sync.testing import FakeSheets, fake_session

EMAIL = "sheets-sync@atelier-demo.iam.gserviceaccount.com"
KEY_JSON = {
    "type": "service_account",
    "project_id": "atelier-demo",
    "client_email": EMAIL,
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n",
    "token_uri": "https://oauth2.googleapis.com/token",
}


def config_for(tmp_path: Path, fake: FakeSheets, key_text: str | None = None) -> Config:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(KEY_JSON) if key_text is None else key_text, encoding="utf-8")
    return Config(workbook=WorkbookConfig(
        backend="google", spreadsheet=f"https://docs.google.com/spreadsheets/d/{fake.id}/edit",
        credentials_file=str(path), timeout_seconds=12.0))


def test_doctor_when_all_is_well(tmp_path: Path) -> None:
    fake = FakeSheets(spreadsheet_id="1AbCdEfGhIjKlMnOp")
    fake.add_sheet("Orders")
    lines = doctor(config_for(tmp_path, fake), session=fake_session(fake))
    assert lines[0].startswith(f"credentials: service account {EMAIL}")
    assert "spreadsheet key: 1AbCdEfGhIjKlMnOp" in lines
    assert any("'Workshop', 1 tab(s)" in line for line in lines)
    assert "missing tabs: Progress, Workflow" in lines[-1]


def test_doctor_missing_file(tmp_path: Path) -> None:
    fake = FakeSheets()
    config = Config(workbook=WorkbookConfig(backend="google", spreadsheet=fake.id,
                                            credentials_file=str(tmp_path / "nope.json")))
    with pytest.raises(ConfigError, match="nope.json does not exist"):
        doctor(config, session=fake_session(fake))


def test_doctor_no_credentials_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    config = Config(workbook=WorkbookConfig(backend="google", spreadsheet="1AbCdEfGhIjKlMnOp"))
    with pytest.raises(ConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        doctor(config)


def test_doctor_bad_json(tmp_path: Path) -> None:
    fake = FakeSheets()
    with pytest.raises(ConfigError, match="not valid JSON"):
        doctor(config_for(tmp_path, fake, key_text='{"type": "service_account",'),
               session=fake_session(fake))


def test_doctor_not_shared_prints_the_email(tmp_path: Path) -> None:
    fake = FakeSheets()
    fake.denied = {"error": {"code": 403, "message": "The caller does not have permission",
                             "status": "PERMISSION_DENIED"}}
    with pytest.raises(SheetsSyncError) as caught:
        doctor(config_for(tmp_path, fake), session=fake_session(fake))
    assert "not shared" in str(caught.value) and EMAIL in str(caught.value)


def test_doctor_api_disabled(tmp_path: Path) -> None:
    fake = FakeSheets()
    fake.denied = {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": (
        "Google Sheets API has not been used in project 1234 before or it is disabled.")}}
    with pytest.raises(SheetsSyncError, match="API is disabled"):
        doctor(config_for(tmp_path, fake), session=fake_session(fake))


def test_doctor_wrong_key(tmp_path: Path) -> None:
    fake = FakeSheets(spreadsheet_id="the-real-key-0123")
    config = config_for(tmp_path, fake)
    config = Config(workbook=WorkbookConfig(backend="google", spreadsheet="a-wrong-key-4567",
                                            credentials_file=config.workbook.credentials_file))
    with pytest.raises(SheetsSyncError, match="no spreadsheet with key 'a-wrong-key-4567'"):
        doctor(config, session=fake_session(fake))


def test_from_config_uses_the_key_from_the_url(tmp_path: Path) -> None:
    fake = FakeSheets(spreadsheet_id="1AbCdEfGhIjKlMnOp")
    fake.add_sheet("Orders", [["Order Ref"], ["1001"]])
    backend = GoogleBackend.from_config(config_for(tmp_path, fake), session=fake_session(fake))
    assert backend.key == "1AbCdEfGhIjKlMnOp" and backend.http.timeout == 12.0
    table = backend.read().table("Orders")
    assert table is not None and table.rows == [["1001"]]


def prepared() -> tuple[FakeSheets, GoogleBackend, list[str]]:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "Client", "My own column"], ["1001", "Ms Okafor"]])
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client)
    return fake, backend, prepare_spreadsheet(backend)


def test_init_lays_out_every_tab_in_one_write() -> None:
    fake, _, done = prepared()
    assert fake.writes == 1
    titles = [s.title for s in fake.sheets]
    assert titles == ["Orders"] + [t.name for t in HUMAN_TABS[1:]] + [t.name for t in MACHINE_TABS]
    headers = fake.values("Orders")[0]
    assert headers[:3] == ["Order Ref", "Client", "My own column"]  # kept where they were
    assert "Promised Date" in headers and "⚙ Risk" in headers and "⚙ Check" in headers
    assert fake.values("Orders")[1] == ["1001", "Ms Okafor"]
    assert "added tab Progress" in done


def test_init_styles_and_protects_machine_columns() -> None:
    fake, _, _ = prepared()
    headers = fake.values("Orders")[0]
    risk = headers.index("⚙ Risk")
    sheet = fake.sheet("Orders")
    assert sheet.peek(0, risk)["userEnteredFormat"]["textFormat"]["bold"] is True
    assert "userEnteredFormat" not in sheet.peek(0, 0)  # a human header is left plain
    protected = {p["range"]["startColumnIndex"] for p in sheet.protected_ranges}
    machine = {i for i, h in enumerate(headers) if h.startswith("⚙")}
    assert protected == machine
    assert all(p["warningOnly"] for p in sheet.protected_ranges)


def test_init_adds_dropdowns_and_risk_colours() -> None:
    fake, _, _ = prepared()
    headers = fake.values("Orders")[0]
    sheet = fake.sheet("Orders")
    route = sheet.peek(1, headers.index("Route"))["dataValidation"]["condition"]
    assert route["type"] == "ONE_OF_LIST"
    assert route["values"] == [{"userEnteredValue": "Casting"}, {"userEnteredValue": "Fabrication"}]
    alloy = sheet.peek(5, headers.index("Alloy"))["dataValidation"]["condition"]
    assert alloy == {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "='Alloys'!A2:A"}]}
    log = fake.sheet("Metal Log")
    entry = log.peek(1, 1)["dataValidation"]["condition"]["values"]
    assert [v["userEnteredValue"] for v in entry][:3] == ["Purchase", "Issue", "Return"]
    risk = headers.index("⚙ Risk")
    rules = [(r["booleanRule"]["condition"]["type"],
              r["booleanRule"]["condition"]["values"][0]["userEnteredValue"])
             for r in sheet.conditional_formats if r["ranges"][0]["startColumnIndex"] == risk]
    assert rules == [("TEXT_EQ", "Late"), ("TEXT_EQ", "At risk"), ("TEXT_EQ", "On track"),
                     ("TEXT_STARTS_WITH", "Delivered")]  # the look spec's colours, in order


def test_init_on_a_prepared_spreadsheet_sends_no_write() -> None:
    fake, backend, _ = prepared()
    before = fake.snapshot_state()
    fake.reset_counters()
    again = prepare_spreadsheet(backend)
    assert fake.writes == 0 and [c.kind for c in fake.calls] == ["spreadsheets.get"] * 2
    assert again == ["the spreadsheet already has every tab, header and look"]
    assert fake.snapshot_state() == before


def test_init_puts_back_only_what_a_person_removed() -> None:
    fake, backend, _ = prepared()
    orders = fake.sheet("Orders")
    orders.protected_ranges.clear()
    route = fake.values("Orders")[0].index("Route")
    for row in orders.rows[1:]:
        if len(row) > route:
            row[route].pop("dataValidation", None)
    fake.reset_counters()
    prepare_spreadsheet(backend)
    (write,) = [c for c in fake.calls if c.kind == "spreadsheets.batchUpdate"]
    kinds = {next(iter(r)) for r in (write.body or {})["requests"]}
    assert kinds == {"addProtectedRange", "setDataValidation"}
    assert orders.peek(1, route)["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
