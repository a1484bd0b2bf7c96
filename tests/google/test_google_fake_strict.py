"""The fake Sheets API refuses what Google refuses, as Google does: 400 and Google's error JSON.

Every request is checked against the Sheets v4 discovery document shipped with
google-api-python-client: method and path, query parameters and their enums, each body
field and its type, field masks against their target schema, quoted A1 ranges. Our own
requests, taken from a real write and then spoiled one field at a time, are refused.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

import gspread
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.backends.base import AppendRow, ChangeSet, KeyedCell
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.testing import FakeSheets, fake_session
from sheets_sync.testing.fake_sheets_discovery import discovery, revision

Json = dict[str, Any]


def workshop() -> tuple[FakeSheets, requests.Session, str]:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "⚙ Risk"], ["1001", None], ["1002", "Late"]])
    fake.add_sheet("Metal Log", [["Date", "Entry", "Alloy", "Grams"]])
    fake.add_sheet("Activity", [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]])
    return fake, fake_session(fake), f"https://sheets.googleapis.com/v4/spreadsheets/{fake.id}"


def refused(answer: requests.Response, *words: str) -> Json:
    """A 400 in Google's shape whose message says every one of ``words``."""
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    for word in words:
        assert word in error["message"], error["message"]
    return dict(error)


def batch(session: requests.Session, base: str, *requests_: Json, **extra: Any) -> requests.Response:
    return session.post(f"{base}:batchUpdate", data=json.dumps({"requests": list(requests_), **extra}))


def test_the_rules_come_from_the_discovery_document_of_google_api_python_client() -> None:
    doc = discovery()
    assert doc["name"] == "sheets" and doc["version"] == "v4"
    assert revision() >= "20240101"  # a dated revision, e.g. 20261019
    assert "UpdateCellsRequest" in doc["schemas"]


# ----- bodies ------------------------------------------------------------------------------
def test_an_unknown_field_inside_a_request_is_refused_with_its_place() -> None:
    fake, session, base = workshop()
    error = refused(batch(session, base, {"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}, "colour": "red"}]}],
        "fields": "userEnteredValue"}}), 'Unknown name "colour"', "Cannot find field")
    (violation,) = error["details"][0]["fieldViolations"]
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert violation["field"] == "requests[0].update_cells.rows[0].values[0]"
    assert fake.values("Orders")[1] == ["1001"]  # nothing applied


def test_an_unknown_field_beside_requests_is_refused() -> None:
    _, session, base = workshop()
    refused(batch(session, base, {"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                      "length": 1}}, dryRun=True),
            'Unknown name "dryRun"')


def test_an_int32_given_words_is_a_400_not_a_crash() -> None:
    _, session, base = workshop()
    refused(batch(session, base, {"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                      "length": "ten"}}),
            "requests[0].append_dimension.length", "TYPE_INT32", '"ten"')
    ok = batch(session, base, {"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                   "length": "10"}})
    assert ok.status_code == 200  # proto3 JSON takes an int32 written as a numeral


@pytest.mark.parametrize("request_, word", [
    ({"repeatCell": {"range": {"sheetId": 0}, "fields": "userEnteredFormat.numberFormat",
                     "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATES"}}}}},
     '"DATES"'),
    ({"repeatCell": {"range": {"sheetId": 0}, "fields": "userEnteredFormat.numberFormat",
                     "cell": {"userEnteredFormat": {"numberFormat": {"pattern": "0.00"}}}}},
     "NumberFormat.type must be set"),
    ({"addChart": {"chart": {"spec": {"basicChart": {"chartType": "LINES"}}, "position": {
        "overlayPosition": {"anchorCell": {"sheetId": 0}}}}}}, '"LINES"'),
    ({"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1.5}}, "TYPE_INT32"),
    ({"addSheet": {"properties": {"title": 7}}}, "TYPE_STRING"),
    ({"addSheet": {"properties": {"hidden": "yes"}}}, "TYPE_BOOL"),
])
def test_enums_and_types_are_checked_everywhere(request_: Json, word: str) -> None:
    _, session, base = workshop()
    refused(batch(session, base, request_), word)


def test_a_request_is_exactly_one_kind_and_a_batch_has_one() -> None:
    _, session, base = workshop()
    refused(batch(session, base), "at least one request")
    refused(batch(session, base, {}), "No request set")
    refused(batch(session, base, {"deleteSheet": {"sheetId": 0},
                                  "appendDimension": {"sheetId": 0}}), "Oneof field")


# ----- field masks -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["repeatCell", "appendCells", "updateCells"])
def test_cell_writes_without_fields_are_refused(kind: str) -> None:
    fake, session, base = workshop()
    body: Json = {"rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}]}
    if kind == "repeatCell":
        body = {"range": {"sheetId": 0}, "cell": {"userEnteredValue": {"stringValue": "x"}}}
    elif kind == "appendCells":
        body["sheetId"] = 0
    else:
        body["start"] = {"sheetId": 0}
    refused(batch(session, base, {kind: body}), f"requests[0].{kind}", "'fields'")
    assert fake.values("Orders")[2] == ["1002", "Late"]


@pytest.mark.parametrize("mask", [
    "userEnteredValue,userEnteredFormat.numberFormat.kind",  # a misspelt leaf
    "userEnteredFormat.backgroundColour",
    "userEnteredValue(stringValue,numberVal)",
    "effectiveValue.stringValue.length",  # no field below a string
])
def test_an_update_mask_naming_a_missing_field_is_refused(mask: str) -> None:
    _, session, base = workshop()
    refused(batch(session, base, {"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "On track"}}]}],
        "fields": mask}}), "CellData does not have")


def test_a_good_update_mask_passes_in_every_spelling() -> None:
    fake, session, base = workshop()
    for mask in ("userEnteredValue,userEnteredFormat.numberFormat", "*",
                 "userEnteredFormat(numberFormat,backgroundColorStyle)"):
        answer = batch(session, base, {"updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "On track"}}]}],
            "fields": mask}})
        assert answer.status_code == 200, answer.text
    assert fake.values("Orders")[1] == ["1001", "On track"]


def test_a_response_mask_naming_a_missing_field_is_refused() -> None:
    _, session, base = workshop()
    good = ("sheets(properties(sheetId,title),"
            "data.rowData.values(effectiveValue,effectiveFormat.numberFormat.type))")
    assert session.get(base, params={"fields": good}).status_code == 200
    refused(session.get(base, params={"fields": good.replace("numberFormat.type", "numberFormat.kind")}),
            "Invalid field selection sheets.data.rowData.values.effectiveFormat.numberFormat.kind")
    refused(session.get(f"{base}/values:batchGet", params={"ranges": "'Orders'",
                                                         "fields": "valueRanges.cells"}),
            "valueRanges.cells")


# ----- query parameters, paths, ranges ------------------------------------------------------
def test_query_parameters_and_their_enums() -> None:
    _, session, base = workshop()
    refused(session.get(f"{base}/values:batchGet", params={
        "ranges": "'Orders'", "valueRenderOption": "RAW"}), "value_render_option", '"RAW"')
    refused(session.get(f"{base}/values:batchGet", params={"ranges": "'Orders'", "render": "x"}),
            'Unknown name "render"')
    refused(session.get(base, params={"includeGridData": "yes"}), "TYPE_BOOL")
    answer = session.get(f"{base}/values:batchGet", params={
        "ranges": "'Orders'", "valueRenderOption": "UNFORMATTED_VALUE", "prettyPrint": "false",
        "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS",
        "fields": "valueRanges.values"})
    assert answer.json() == {"valueRanges": [{"values": [["Order Ref", "⚙ Risk"], ["1001"],
                                                         ["1002", "Late"]]}]}


def test_a_title_with_a_space_must_be_quoted() -> None:
    _, session, base = workshop()
    refused(session.get(f"{base}/values:batchGet", params={"ranges": "Metal Log!A1"}),
            "Unable to parse range: Metal Log!A1")
    refused(session.get(base, params={"ranges": "Metal Log!A:A", "includeGridData": "true"}),
            "Unable to parse range")
    ok = session.get(f"{base}/values:batchGet", params={"ranges": ["'Metal Log'!A1", "Orders!B:B"]})
    assert ok.status_code == 200, ok.text
    refused(session.get(f"{base}/values:batchGet", params={"ranges": "'Today'!A:F"}),
            "Unable to parse range: 'Today'!A:F")  # a missing tab, as Google answers it


def test_unknown_paths_and_verbs_are_404_and_junk_is_400() -> None:
    _, session, base = workshop()
    assert session.get(f"{base}/nothing").status_code == 404
    assert session.delete(base).status_code == 404
    refused(session.post(f"{base}:batchUpdate", data=b"{not json"), "Invalid JSON payload")


# ----- our own requests, spoiled ------------------------------------------------------------
@lru_cache(maxsize=1)
def our_write() -> str:
    """The body of one real write of ours (cells, an append, the write token)."""
    fake, _, _ = workshop()
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    backend.read()
    backend.write(ChangeSet(
        cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "On track")],
        appends=[AppendRow("Activity", {"ID": "sync:1", "Kind": "sync", "Detail": "1 cell"})]))
    (write,) = [c for c in fake.calls if c.kind == "spreadsheets.batchUpdate"]
    return json.dumps(write.body)


def test_our_write_passes_and_a_misspelt_mask_in_it_is_refused() -> None:
    body = json.loads(our_write())
    _, session, base = workshop()
    assert session.post(f"{base}:batchUpdate", data=json.dumps(body)).status_code == 200
    spoiled = copy.deepcopy(body)
    update = next(r["updateCells"] for r in spoiled["requests"] if "updateCells" in r)
    update["fields"] = update["fields"].replace("numberFormat", "numberFormats")
    _, session, base = workshop()
    refused(session.post(f"{base}:batchUpdate", data=json.dumps(spoiled)),
            "userEnteredFormat.numberFormats")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


junk = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
                 st.text(max_size=8), st.just("ten"), st.just([]), st.just({}),
                 st.just({"bogus": 1}), st.just([1, "a"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_spoiled_copy_of_our_write_answers_200_or_a_google_400(data: st.DataObject) -> None:
    body = json.loads(our_write())
    path = data.draw(st.sampled_from(_paths(body)[1:]))
    node = body
    for step in path[:-1]:
        node = node[step]
    if data.draw(st.booleans()) and isinstance(node, dict):
        node[data.draw(st.sampled_from(["bogus", "fields", "sheetId", "rows"]))] = data.draw(junk)
    else:
        node[path[-1]] = data.draw(junk)
    fake, session, base = workshop()
    answer = session.post(f"{base}:batchUpdate", data=json.dumps(body))
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert set(answer.json()["error"]) >= {"code", "message", "status"}


def test_our_syncs_and_init_use_no_deprecated_field(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from sheets_sync.backends.google_setup import prepare_spreadsheet
    from sheets_sync.config import Config
    from sheets_sync.pipeline import build_steps
    from sheets_sync.samples.demo import demo_tabs
    from sheets_sync.sync import run_sync

    monkeypatch.chdir(tmp_path)
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(date(2026, 11, 25)))
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    prepare_spreadsheet(backend)
    config = Config()
    run_sync(backend, config, datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Europe/Paris")),
             build_steps(config))
    assert fake.writes >= 2
    assert fake.deprecated == []
    # the fake does notice them
    _, session, base = workshop()
    fake2 = session.get_adapter("https://x").fake  # type: ignore[attr-defined]
    batch(session, base, {"updateSheetProperties": {"properties": {
        "sheetId": 0, "tabColor": {"red": 1}}, "fields": "tabColor"}})
    assert fake2.deprecated == ["requests[0].update_sheet_properties.properties.tab_color"]
