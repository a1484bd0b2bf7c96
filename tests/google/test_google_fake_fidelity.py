"""The fake Sheets API answers as the real one did in gspread's recorded cassettes.

Each test drives gspread's own high-level methods (no mocks) against the fake and compares
with what the gspread repository's tests/cassettes recorded from Google (file named in
each test; the expected JSON below is quoted from it).
"""

from __future__ import annotations

import json

import gspread
import pytest

from sheets_sync.testing import FakeSheets, fake_session


def open_fake(fake: FakeSheets) -> gspread.Spreadsheet:
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return client.open_by_key(fake.id)


def test_values_batch_get_matches_the_cassette() -> None:
    # SpreadsheetTest.test_values_batch_get.json
    fake = FakeSheets()
    fake.quoted_ranges = False  # the cassette: Google let an unquoted title with spaces pass
    fake.add_sheet("Sheet1")
    sh = open_fake(fake)
    title = "🌵 test_values_batch_get 1"
    ws = sh.add_worksheet(title, rows=10, cols=10)
    ws.update([["🍇", "🍉", "🍋"], ["🍐", "🍎", "🍓"]], "A1")
    answer = sh.values_batch_get([f"{title}!A:A", f"{title}!B:B", f"{title}!C:C"])
    assert answer["valueRanges"] == [
        {"range": "'🌵 test_values_batch_get 1'!A1:A10", "majorDimension": "ROWS",
         "values": [["🍇"], ["🍐"]]},
        {"range": "'🌵 test_values_batch_get 1'!B1:B10", "majorDimension": "ROWS",
         "values": [["🍉"], ["🍎"]]},
        {"range": "'🌵 test_values_batch_get 1'!C1:C10", "majorDimension": "ROWS",
         "values": [["🍋"], ["🍓"]]},
    ]
    kinds = [(c.method, c.kind) for c in fake.calls]
    assert kinds == [
        ("GET", "spreadsheets.get"),  # open_by_key: ?includeGridData=false
        ("POST", "spreadsheets.batchUpdate"),  # addSheet
        ("PUT", "values.update"),  # ?valueInputOption=RAW
        ("GET", "values.batchGet"),
    ]
    assert fake.calls[0].query == {"includeGridData": ["false"]}
    assert fake.calls[1].body == {"requests": [{"addSheet": {"properties": {
        "title": title, "sheetType": "GRID",
        "gridProperties": {"rowCount": 10, "columnCount": 10}}}}]}
    assert fake.calls[2].query == {"valueInputOption": ["RAW"]}


def test_metadata_answer_has_the_recorded_shape() -> None:
    fake = FakeSheets()
    fake.add_sheet("Sheet1")
    meta = open_fake(fake).fetch_sheet_metadata()
    assert {"spreadsheetId", "properties", "sheets"} <= set(meta)
    assert meta["sheets"] == [{"properties": {
        "sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26}}}]


def test_unformatted_values_are_bare_numbers_and_serials() -> None:
    # WorksheetTest.test_get_all_records_value_render_options.json: "Sheet1!A1:D2",
    # [[2, 43831, "string", 53], [1.5, 0.12, 36162]] for UNFORMATTED_VALUE
    from datetime import date

    fake = FakeSheets()
    fake.add_sheet("Sheet1", [[2, date(2020, 1, 1), "string", 53], [1.5, 0.12, 36162]])
    ws = open_fake(fake).sheet1
    got = ws.spreadsheet.values_get("'Sheet1'", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert got == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS",
                   "values": [[2, 43831, "string", 53], [1.5, 0.12, 36162]]}


def test_missing_spreadsheet_is_the_recorded_404() -> None:
    # ClientTest.test_access_non_existing_spreadsheet.json
    fake = FakeSheets()
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    with pytest.raises(gspread.SpreadsheetNotFound) as caught:
        client.open_by_key("test")
    body = json.loads(caught.value.args[0].text)  # the Response
    assert body == {"error": {"code": 404, "message": "Requested entity was not found.",
                              "status": "NOT_FOUND"}}


def test_protected_range_and_validation_requests_from_gspread_are_understood() -> None:
    # WorksheetTest.test_add_protected_range_warning.json / test_add_validation.json
    fake = FakeSheets()
    fake.add_sheet("Sheet1")
    ws = open_fake(fake).sheet1
    reply = ws.add_protected_range("A1:B2", warning_only=True)
    assert reply["replies"][0]["addProtectedRange"]["protectedRange"]["warningOnly"] is True
    ws.add_validation("A1", gspread.utils.ValidationConditionType.one_of_list, ["y"],
                      inputMessage="n", strict=True)
    assert fake.cell("Sheet1", "A1")["dataValidation"]["condition"] == {
        "type": "ONE_OF_LIST", "values": [{"userEnteredValue": "y"}]}


def test_one_bad_request_fails_the_whole_batch() -> None:
    fake = FakeSheets()
    fake.add_sheet("Sheet1", [["keep"]])
    sh = open_fake(fake)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.batch_update({"requests": [
            {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                             "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                             "fields": "userEnteredValue"}},
            {"updateCells": {"start": {"sheetId": 0, "rowIndex": 5000, "columnIndex": 0},
                             "rows": [{"values": [{}]}], "fields": "userEnteredValue"}},
        ]})
    assert caught.value.code == 400 and "requests[1]" in caught.value.error["message"]
    assert fake.values("Sheet1") == [["keep"]]


def test_user_entered_text_can_become_a_formula_raw_cannot() -> None:
    fake = FakeSheets()
    fake.add_sheet("Sheet1")
    ws = open_fake(fake).sheet1
    ws.update([["=1+1"]], "A1", value_input_option="USER_ENTERED")
    ws.update([["=1+1"]], "B1", value_input_option="RAW")
    assert "formulaValue" in fake.cell("Sheet1", "A1")["userEnteredValue"]
    assert fake.cell("Sheet1", "B1")["userEnteredValue"] == {"stringValue": "=1+1"}


def test_oversized_request_is_refused_like_google() -> None:
    fake = FakeSheets(max_request_bytes=10_000)
    fake.add_sheet("Sheet1")
    sh = open_fake(fake)
    with pytest.raises(gspread.exceptions.APIError, match="payload size exceeds"):
        sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                         body={"values": [["x" * 20_000]]})
