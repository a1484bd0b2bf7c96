"""The fake Sheets API's HTTP side: one exchange, the routing, and the ``requests`` adapter.

Every request is first checked as Google checks it (``fake_sheets_check``, against the
discovery document); a violation answers 400 with Google's error JSON, never 200, and a
fault inside the fake answers 500 instead of raising. Answers are JSON, pretty-printed as
Google does unless ``prettyPrint=false``, gzip-compressed when the caller asks the way
Google documents (``Accept-Encoding: gzip`` and "gzip" in the User-Agent); errors are
``{"error": {"code", "message", "status"}}``. Every exchange is logged as a ``Call`` with
its bytes and the fake's own seconds; queued human edits run just before their call, and
queued faults answer in its place.
"""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse

from .fake_sheets_check import Accepted, check_request
from .fake_sheets_discovery import Violation
from .fake_sheets_get import filter_fields, spreadsheets_get
from .fake_sheets_hooks import Call, fault_answer, pick_fault
from .fake_sheets_model import FakeApiError, Json
from .fake_sheets_ops import batch_update
from .fake_sheets_values import (
    value_range,
    values_append,
    values_batch_get,
    values_batch_update,
    values_update,
)

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets


@dataclass
class Answer:
    """One HTTP answer as it leaves the fake: status, body bytes, type and encoding."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"
    encoding: str = ""  # "gzip" when compressed


def wants_gzip(headers: Mapping[str, str]) -> bool:
    """Google compresses only when asked both ways: ``Accept-Encoding: gzip`` and a
    User-Agent that contains "gzip" (Sheets API performance guide)."""
    accept = headers.get("Accept-Encoding", "")
    agent = headers.get("User-Agent", "")
    return "gzip" in accept.lower() and "gzip" in agent.lower()


def handle(fake: FakeSheets, method: str, url: str, body: bytes | None,
           headers: Mapping[str, str] | None = None) -> Answer:
    """One HTTP exchange. The fake's own time is added to ``fake.server_seconds``."""
    started = time.perf_counter()
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    request_bytes = len(url.encode()) + len(body or b"")
    for edit in fake.hooks.pop(len(fake.calls) + 1, []):
        edit(fake)
    try:
        payload: Json | None = json.loads(body) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    call = Call(method, parts.path, query, request_bytes, 0, 0, payload)
    fake.calls.append(call)
    fault = pick_fault(fake.faults, method, parts.path)
    if fault is not None and not fault.apply_then_fail:
        if fault.error is not None:
            call.seconds = time.perf_counter() - started
            fake.server_seconds += call.seconds
            raise fault.error("fake: connection trouble")
        status, text, ctype = fault_answer(fault)
        call.status, call.response_bytes, call.wire_bytes = status, len(text), len(text)
        return Answer(status, text, ctype)
    try:
        status, answer = route(fake, method, parts.path, query, body, request_bytes, call)
    except Exception as exc:  # a fake that crashes is a bug of the fake: say so, as a 500
        status, answer = error(500, f"fake: internal error: {type(exc).__name__}: {exc}",
                               "INTERNAL")
    if (query.get("prettyPrint") or ["true"])[0] == "false":  # a standard API parameter
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    else:  # Google pretty-prints by default, as the cassettes show
        text = json.dumps(answer, ensure_ascii=False, indent=2).encode()
    packed = gzip.compress(text, 6)
    call.status, call.response_bytes, call.response_gzip_bytes = status, len(text), len(packed)
    out = Answer(status, text)
    if wants_gzip(headers or {}):
        out = Answer(status, packed, encoding="gzip")
    call.wire_bytes = len(out.body)
    call.seconds = time.perf_counter() - started
    fake.server_seconds += call.seconds
    if fault is not None:  # applied, then the answer is lost on the way back
        if fault.error is not None:
            raise fault.error("fake: connection reset after the server applied the call")
        status, text, ctype = fault_answer(fault)
        return Answer(status, text, ctype)
    return out


def error(code: int, message: str, status: str) -> tuple[int, Json]:
    return code, {"error": {"code": code, "message": message, "status": status}}


def route(
    fake: FakeSheets, verb: str, path: str, query: dict[str, list[str]], body: bytes | None,
    size: int, call: Call,
) -> tuple[int, Json]:
    """(status, answer) for one request: access, then Google's checks, then the work."""
    if fake.denied is not None:
        return int(fake.denied["error"]["code"]), fake.denied
    try:
        accepted = check_request(verb, path, query, body, quoted_ranges=fake.quoted_ranges)
    except Violation as exc:
        return exc.code, exc.body()
    call.body = accepted.payload
    fake.deprecated.extend(accepted.deprecated)
    key = accepted.params.get("spreadsheetId", "")
    if key != fake.id:
        return error(404, "Requested entity was not found.", "NOT_FOUND")
    if size > fake.max_request_bytes:
        return error(
            400,
            f"Request payload size exceeds the limit: {fake.max_request_bytes} bytes.",
            "INVALID_ARGUMENT",
        )
    status, answer = _serve(fake, accepted.method.kind, accepted, query)
    fields = (query.get("fields") or [""])[0]
    if status == 200 and fields:  # a partial response, on every method
        answer = filter_fields(answer, fields)
    return status, answer


def _serve(fake: FakeSheets, kind: str, accepted: Accepted,
           query: dict[str, list[str]]) -> tuple[int, Json]:
    payload = accepted.payload or {}
    rng = accepted.params.get("range", "")
    try:
        if kind == "spreadsheets.batchUpdate":
            return 200, batch_update(fake, payload)
        if kind == "spreadsheets.get":
            return 200, spreadsheets_get(fake, query)
        if kind == "spreadsheets.values.batchGet":
            return 200, values_batch_get(fake, query)
        if kind == "spreadsheets.values.batchUpdate":
            return 200, values_batch_update(fake, payload)
        if kind == "spreadsheets.values.append":
            opt = (query.get("valueInputOption") or [""])[0]
            return 200, values_append(fake, rng, payload.get("values", []), opt)
        if kind == "spreadsheets.values.get":
            return 200, value_range(fake, rng, query)
        if kind == "spreadsheets.values.update":
            opt = (query.get("valueInputOption") or [""])[0]
            return 200, values_update(fake, rng, payload.get("values", []), opt)
    except FakeApiError as exc:
        return error(exc.code, exc.message, exc.status)
    return error(501, f"fake: {accepted.method.id} is a real method the fake does not serve",
                 "UNIMPLEMENTED")


class FakeSheetsAdapter(BaseAdapter):
    """A ``requests`` transport adapter that answers from a FakeSheets, nothing on the wire."""

    def __init__(self, fake: FakeSheets) -> None:
        super().__init__()
        self.fake = fake

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
        verify: Any = True, cert: Any = None, proxies: Any = None,
    ) -> requests.Response:
        body = request.body
        raw = body.encode() if isinstance(body, str) else (body or b"")
        answer = self.fake.handle(request.method or "GET", request.url or "", raw,
                                  dict(request.headers))
        headers = {"Content-Type": answer.content_type}
        if answer.encoding:
            headers["Content-Encoding"] = answer.encoding
        # a urllib3 response, as on the wire: requests inflates a gzip body itself
        raw_response = HTTPResponse(body=io.BytesIO(answer.body), headers=headers,
                                    status=answer.status, preload_content=False,
                                    decode_content=True)
        response = requests.Response()
        response.status_code = answer.status
        response.raw = raw_response
        response.headers = CaseInsensitiveDict(headers)
        response.url = request.url or ""
        response.request = request
        response.reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                           429: "Too Many Requests"}.get(answer.status, "Error")
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def fake_session(fake: FakeSheets) -> requests.Session:
    """A requests Session whose https traffic goes to ``fake``."""
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc lookups from the environment
    session.mount("https://", FakeSheetsAdapter(fake))
    return session
