"""The Google Sheets backend: gspread + google-auth, at most 3 API calls per sync.

Calls (every one through a real ``gspread`` HTTP client, retried by ``RetryPolicy``):

1. read: ONE ``spreadsheets.get`` with ``includeGridData=true`` and a field mask that keeps
   only each cell's ``effectiveValue`` and ``effectiveFormat.numberFormat.type``. That gives
   tab names, sheet ids and grid sizes, and typed values in one round trip: a number whose
   format is DATE is a date (serial days from 1899-12-30), text stays text. The obvious
   alternative, metadata + ``values.batchGet`` with UNFORMATTED_VALUE, takes 2 calls and
   still cannot tell a date from a number (dates come back as bare serials). The price is
   bytes: each cell is ``{"effectiveValue":{"stringValue":..}}`` instead of a bare value,
   about 2x the values API uncompressed but only ~1.1x gzipped (benchmarks/bench_google),
   so every call asks ``prettyPrint=false``.
2. write, key re-check: ONE ``values.batchGet`` of the header row of every touched tab
   and the key column of every tab with keyed cells, so each keyed cell lands on the row
   its key is on *now*, after any sort, insert or delete since the read.
3. write: ONE ``spreadsheets.batchUpdate`` carrying everything (new tabs, columns, grid
   growth, typed cells via ``updateCells``, rows via ``appendCells``) atomically. It opens
   with a ``createDeveloperMetadata`` write token of a fixed id: if an answer is lost and
   the batch is sent again after it had landed, the replay fails as a whole on the
   duplicate id instead of appending rows twice, and we check the token to know it landed.
   The charts and the Load heatmap (``google_present``) ride in this batch when they are
   missing or out of date, judged from what call 1 saw: they never cost a call.

An empty ChangeSet makes no call at all. A change set bigger than ``max_request_bytes``
(9 MB; Google refuses 10 MB) is split between requests, between rows, never inside one;
appended rows go last, each part carries its own token. Bodies are sent as compact JSON.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from ..cells import to_text
from ..contract import normalize
from ..errors import BackendUnavailable, WorkbookError
from ..workbook import Snapshot, Table, trim_rows
from .base import ChangeSet, WriteResult
from .google_client import open_client
from .google_plan import TOKEN_KEY, SheetLayout, build, key_map, token_requests
from .google_present import PRESENT_FIELDS, Seen, present_requests, seen_from
from .google_retry import RetryPolicy, describe, is_transient, status_of
from .google_values import column_letter, quote_title, read_rows

if TYPE_CHECKING:
    from ..config import Config

T = TypeVar("T")
READ_FIELDS = (
    "spreadsheetId,properties.title,developerMetadata(metadataId,metadataKey),"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
    "data(startRow,startColumn,rowData.values(effectiveValue,effectiveFormat.numberFormat.type)),"
    f"{PRESENT_FIELDS})"
)
# Google refuses a request over 10,485,760 bytes (and recommends 2 MB for speed); a sync's
# write is one request up to this size, so only a huge first write is ever split.
MAX_REQUEST_BYTES = 9_000_000
_KEY = re.compile(r"/spreadsheets/d/([a-zA-Z0-9-_]+)")


def spreadsheet_key(text: str) -> str:
    """The key of a spreadsheet from its key or its browser URL."""
    text = text.strip()
    found = _KEY.search(text)
    if found:
        return found.group(1)
    if re.fullmatch(r"[a-zA-Z0-9-_]{10,}", text):
        return text
    raise WorkbookError(
        f"{text!r} is neither a spreadsheet key nor a docs.google.com/spreadsheets/d/... URL"
    )


class GoogleBackend:
    def __init__(
        self,
        spreadsheet: gspread.Spreadsheet | str,
        client: gspread.Client | None = None,
        *,
        retry: RetryPolicy | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        rand: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(spreadsheet, gspread.Spreadsheet):
            self.key = spreadsheet.id
            self.http = spreadsheet.client
        else:
            if client is None:
                raise WorkbookError("a spreadsheet key needs a gspread client to open it")
            self.key = spreadsheet_key(spreadsheet)
            self.http = client.http_client
        self.retry = retry or RetryPolicy()
        self.max_request_bytes = max_request_bytes
        self.title = ""
        self.calls = 0  # API round trips answered, for the budget checks
        self._layouts: dict[str, SheetLayout] | None = None
        self._tokens: list[int] = []
        self._seen = Seen()  # charts, heatmap rules and chart data as last read
        self._rand = rand or random.Random().random

    @classmethod
    def from_config(
        cls, config: Config, session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> GoogleBackend:
        client = open_client(config, session)
        return cls(config.workbook.spreadsheet, client, retry=retry)

    def describe(self) -> str:
        name = f"{self.title!r} " if self.title else ""
        return f"Google spreadsheet {name}({self.key})"

    # ----- calls ----------------------------------------------------------------------
    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            result = self.retry.run(what, call)
        except APIError as exc:
            raise WorkbookError(explain(exc, what, self.key)) from exc
        self.calls += 1
        return result

    def _metadata(self, fields: str, grid: bool) -> dict[str, Any]:
        params: dict[str, Any] = {"includeGridData": "true" if grid else "false",
                                  "fields": fields, "prettyPrint": "false"}
        return dict(self._call("reading the spreadsheet",
                               lambda: self.http.fetch_sheet_metadata(self.key, params=params)))

    def _remember(self, answer: dict[str, Any]) -> list[tuple[SheetLayout, list[Any]]]:
        self.title = str(answer.get("properties", {}).get("title", ""))
        self._tokens = [int(m["metadataId"]) for m in answer.get("developerMetadata", [])
                        if m.get("metadataKey") == TOKEN_KEY]
        sheets = sorted(answer.get("sheets", []),
                        key=lambda s: s.get("properties", {}).get("index", 0))
        self._layouts = {}
        out = []
        for sheet in sheets:
            props = sheet.get("properties", {})
            grid = props.get("gridProperties", {})
            rows = read_rows(sheet.get("data", []))
            layout = SheetLayout(
                int(props.get("sheetId", 0)), str(props.get("title", "")),
                int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)),
                [to_text(v) for v in (rows[0] if rows else [])],
                {c for r in rows for c, v in enumerate(r) if v is not None},
            )
            self._layouts[normalize(layout.title)] = layout
            out.append((layout, rows))
        self._seen = seen_from(sheets, {normalize(lay.title): rows for lay, rows in out})
        return out

    # ----- Backend --------------------------------------------------------------------
    def read(self) -> Snapshot:
        tables = []
        for layout, rows in self._remember(self._metadata(READ_FIELDS, grid=True)):
            body, numbers = trim_rows(rows[1:], len(layout.headers))
            tables.append(Table(layout.title, list(layout.headers), body, numbers))
        return Snapshot.of(tables, source=self.describe())

    def write(self, changes: ChangeSet) -> WriteResult:
        if not changes:
            return WriteResult(cells=0, calls=0)
        before = self.calls
        if self._layouts is None:  # no read since the last write: the layout is unknown
            self._remember(self._metadata(READ_FIELDS, grid=True))
        layouts = {k: SheetLayout(v.sheet_id, v.title, v.row_count, v.column_count,
                                  list(v.headers), set(v.used_columns))
                   for k, v in (self._layouts or {}).items()}
        self._recheck(changes, layouts)
        taken = {v.sheet_id for v in layouts.values()}
        new_ids = [i for i in (self._new_id() for _ in range(len(changes.new_tabs) + 4))
                   if i not in taken]
        plan = build(changes, layouts, new_ids)
        tabs = {k: (v.sheet_id, v.headers) for k, v in layouts.items()}
        plan.requests += present_requests(changes, tabs, self._seen)  # same batch, no call
        for part in self._split(plan.requests):
            self._send(part)
        self._layouts = None  # the grid changed: the next write starts from a fresh read
        return WriteResult(cells=plan.cells, calls=self.calls - before,
                           missing_keys=tuple(plan.missing_keys))

    def _new_id(self) -> int:
        return 1 + int(self._rand() * (2**31 - 2))

    def _recheck(self, changes: ChangeSet, layouts: dict[str, SheetLayout]) -> None:
        """One values.batchGet: header rows of touched tabs, key columns of keyed tabs."""
        touched = {normalize(c.tab) for c in changes.cells}
        touched |= {normalize(g.tab) for g in changes.grid}
        touched |= {normalize(a.tab) for a in changes.appends}
        touched |= {normalize(n.tab) for n in changes.new_columns}
        touched &= set(layouts)
        if not touched:
            return
        wanted_keys: dict[str, set[str]] = {}
        for c in changes.cells:
            wanted_keys.setdefault(normalize(c.tab), set()).add(c.key_column)
        ranges: list[str] = []
        probes: list[tuple[str, str, int]] = []  # tab, key header, guessed column
        for tab in sorted(touched):
            title = quote_title(layouts[tab].title)
            ranges.append(f"{title}!1:1")
            for key in sorted(wanted_keys.get(tab, ())):
                col = layouts[tab].column(key)
                if col is not None:
                    letter = column_letter(col)
                    ranges.append(f"{title}!{letter}:{letter}")
                    probes.append((tab, key, col))
        answer = self._values(ranges)
        moved: list[tuple[str, str, int]] = []
        for tab in sorted(touched):
            header = answer.pop(0)
            layouts[tab].headers = [to_text(v) for v in (header[0] if header else [])]
            probed = {p[1]: (p[2], answer.pop(0)) for p in probes if p[0] == tab}
            for key in sorted(wanted_keys.get(tab, ())):
                now = layouts[tab].column(key)
                if key in probed and probed[key][0] == now:
                    layouts[tab].keys[normalize(key)] = key_map(probed[key][1])
                elif now is not None:
                    moved.append((tab, key, now))
        if moved:  # someone moved a key column since the read: one more look, rare
            extra = [f"{quote_title(layouts[t].title)}!{column_letter(c)}:{column_letter(c)}"
                     for t, _, c in moved]
            for (tab, key, _), column in zip(moved, self._values(extra), strict=True):
                layouts[tab].keys[normalize(key)] = key_map(column)

    def _values(self, ranges: list[str]) -> list[list[list[Any]]]:
        params: dict[str, Any] = {"valueRenderOption": "UNFORMATTED_VALUE",
                                  "dateTimeRenderOption": "SERIAL_NUMBER",
                                  "majorDimension": "ROWS", "prettyPrint": "false"}
        answer = self._call("re-reading the key columns",
                            lambda: self.http.values_batch_get(self.key, ranges, dict(params)))
        return [list(vr.get("values", [])) for vr in answer.get("valueRanges", [])]

    def _split(self, requests_: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        parts: list[list[dict[str, Any]]] = [[]]
        size = 0
        budget = self.max_request_bytes - 2_000  # room for the token and the envelope
        for request in (piece for r in requests_ for piece in _pieces(r, budget)):
            length = _size(request)
            if length > budget:
                raise WorkbookError(
                    f"one update of {length} bytes is over the {self.max_request_bytes}-byte "
                    "request limit; write fewer rows at a time"
                )
            if parts[-1] and size + length > budget:
                parts.append([])
                size = 0
            parts[-1].append(request)
            size += length
        return parts

    def _send(self, requests_: list[dict[str, Any]]) -> None:
        token = self._new_id()
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        body = {"requests": token_requests(token, stamp, self._tokens) + requests_}
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        ambiguous = False

        def attempt() -> Any:
            nonlocal ambiguous
            try:  # gspread's own request(), with a compact body
                return self.http.request(
                    "post", SPREADSHEET_BATCH_UPDATE_URL % self.key, data=payload,
                    headers={"Content-Type": "application/json"}).json()
            except Exception as exc:
                if is_transient(exc) and status_of(exc) != 429:
                    ambiguous = True  # may have landed before the answer was lost
                raise

        try:
            self._call("writing the changes", attempt)
        except WorkbookError as exc:
            if isinstance(exc, BackendUnavailable) or not (
                ambiguous and isinstance(exc.__cause__, APIError) and self._token_landed(token)
            ):
                raise
        self._tokens = [token]

    def _token_landed(self, token: int) -> bool:
        answer = self._metadata("developerMetadata(metadataId,metadataKey)", grid=False)
        return any(int(m.get("metadataId", -1)) == token
                   for m in answer.get("developerMetadata", []))


def _size(request: dict[str, Any]) -> int:
    return len(json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()) + 1


def _pieces(request: dict[str, Any], budget: int) -> list[dict[str, Any]]:
    """A stacked updateCells / appendCells cut between rows until each piece fits."""
    kind = next(iter(request))
    body = request[kind]
    rows = body.get("rows", []) if kind in ("updateCells", "appendCells") else []
    if len(rows) < 2 or _size(request) <= budget or (kind == "updateCells"
                                                      and "start" not in body):
        return [request]
    half = len(rows) // 2
    first = {**body, "rows": rows[:half]}
    second = {**body, "rows": rows[half:]}
    if kind == "updateCells":
        second["start"] = {**body["start"], "rowIndex": body["start"]["rowIndex"] + half}
    return _pieces({kind: first}, budget) + _pieces({kind: second}, budget)


def explain(exc: APIError, what: str, key: str) -> str:
    """An API refusal in words, naming the spreadsheet."""
    status = status_of(exc) or 0
    error = getattr(exc, "error", {}) or {}
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    if status == 404:
        return (f"no spreadsheet with key {key!r}: check [workbook] spreadsheet in config.toml "
                "(copy the key from the browser's address bar)")
    if status == 403 and ("has not been used" in message or "disabled" in message):
        return ("the Google Sheets API is disabled for this service account's project: "
                f"enable it in the Google Cloud console, then retry ({message[:200]})")
    if status == 403:
        return (f"the spreadsheet {key!r} is not shared with the service account: open it, "
                "click Share and add the service account's email as Editor")
    if status == 401:
        return "Google refused the service-account credentials (key revoked or expired?)"
    return f"Google Sheets refused {what}: {describe(exc)}"
