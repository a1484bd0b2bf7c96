"""The fake Sheets API's HTTP side: one exchange, the routing, and the ``requests`` adapter.

Answers are JSON, pretty-printed as Google does unless ``prettyPrint=false``; errors are
``{"error": {"code", "message", "status"}}``. Every exchange is logged as a ``Call``; queued
human edits run just before their call, and queued faults answer in its place.
"""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from .fake_sheets_get import spreadsheets_get
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


def handle(fake: FakeSheets, method: str, url: str, body: bytes | None) -> tuple[int, bytes, str]:
    """One HTTP exchange: (status, body, content type)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    request_bytes = len(url.encode()) + len(body or b"")
    hooks = fake.hooks.pop(len(fake.calls) + 1, [])
    for edit in hooks:
        edit(fake)
    payload: Json | None = None
    if body:
        payload = json.loads(body)
    fault = pick_fault(fake.faults, method, parts.path)
    if fault is not None and not fault.apply_then_fail:
        if fault.error is not None:
            fake.calls.append(Call(method, parts.path, query, request_bytes, 0, 0, payload))
            raise fault.error("fake: connection trouble")
        status, text, ctype = fault_answer(fault)
        fake.calls.append(
            Call(method, parts.path, query, request_bytes, len(text), status, payload)
        )
        return status, text, ctype
    status, answer = route(fake, method, parts.path, query, payload, request_bytes)
    if (query.get("prettyPrint") or ["true"])[0] == "false":  # a standard API parameter
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    else:  # Google pretty-prints by default, as the cassettes show
        text = json.dumps(answer, ensure_ascii=False, indent=2).encode()
    fake.calls.append(
        Call(method, parts.path, query, request_bytes, len(text), status, payload,
             len(gzip.compress(text, 6)))
    )
    if fault is not None:  # applied, then the answer is lost on the way back
        if fault.error is not None:
            raise fault.error("fake: connection reset after the server applied the call")
        return fault_answer(fault)
    return status, text, "application/json; charset=UTF-8"


def error(code: int, message: str, status: str) -> tuple[int, Json]:
    return code, {"error": {"code": code, "message": message, "status": status}}


def route(
    fake: FakeSheets, method: str, path: str, query: dict[str, list[str]], payload: Json | None,
    size: int,
) -> tuple[int, Json]:
    """(status, answer) for one request, after access and size checks."""
    prefix = "/v4/spreadsheets/"
    if not path.startswith(prefix):
        return error(404, f"Method not found: {path}", "NOT_FOUND")
    rest = unquote(path[len(prefix) :])
    key, _, tail = rest.partition("/")
    key, colon, verb = key.partition(":")
    if fake.denied is not None:
        return int(fake.denied["error"]["code"]), fake.denied
    if key != fake.id:
        return error(404, "Requested entity was not found.", "NOT_FOUND")
    if size > fake.max_request_bytes:
        return error(
            400,
            f"Request payload size exceeds the limit: {fake.max_request_bytes} bytes.",
            "INVALID_ARGUMENT",
        )
    try:
        if colon and verb == "batchUpdate" and method == "POST":
            return 200, batch_update(fake, payload or {})
        if not tail and not colon and method == "GET":
            return 200, spreadsheets_get(fake, query)
        if tail == "values:batchGet" and method == "GET":
            return 200, values_batch_get(fake, query)
        if tail == "values:batchUpdate" and method == "POST":
            return 200, values_batch_update(fake, payload or {})
        if tail.startswith("values/") and tail.endswith(":append") and method == "POST":
            opt = (query.get("valueInputOption") or [""])[0]
            rng = tail[len("values/") : -len(":append")]
            return 200, values_append(fake, rng, (payload or {}).get("values", []), opt)
        if tail.startswith("values/") and method in ("GET", "PUT"):
            rng = tail[len("values/") :]
            if method == "GET":
                return 200, value_range(fake, rng, query)
            opt = (query.get("valueInputOption") or [""])[0]
            return 200, values_update(fake, rng, (payload or {}).get("values", []), opt)
    except FakeApiError as exc:
        return error(exc.code, exc.message, exc.status)
    return error(404, f"Method not found: {method} {path}", "NOT_FOUND")


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
        status, text, ctype = self.fake.handle(request.method or "GET", request.url or "", raw)
        response = requests.Response()
        response.status_code = status
        response._content = text
        response.headers["Content-Type"] = ctype
        response.url = request.url or ""
        response.request = request
        response.reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                           429: "Too Many Requests"}.get(status, "Error")
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
