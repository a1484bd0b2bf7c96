"""The Google Sheets backend: gspread + google-auth, at most 3 API calls per sync.

Calls (every one through a real ``gspread`` HTTP client, retried by ``RetryPolicy``):

1. read: ONE ``values.batchGet`` over the tabs (``valueRenderOption=UNFORMATTED_VALUE``,
   ``dateTimeRenderOption=SERIAL_NUMBER``, ``majorDimension=ROWS``,
   ``fields=valueRanges.values``, ``prettyPrint=false``), gzip-compressed: bare values,
   about a fifth of the bytes of a grid-data read and a fifteenth of its parsing time.
   Dates come back as serial numbers and are typed by their columns (``google_types``:
   the contract's date columns and the date columns the product writes). Which tabs: the
   ones the last look at the spreadsheet found, else the contract's tabs by name. A tab
   that is not there makes Google refuse the whole call ("Unable to parse range"); then,
   and only then, one ``spreadsheets.get`` of the tab list and the read again (a first
   sync before ``init --google``, a tab renamed or deleted).
2. write, look: ONE ``spreadsheets.get`` (``google_layout``) bringing what the read no
   longer does: sheet ids and grid sizes, the header row of every tab and the key column
   of every tab written by key as they are *now* (so a keyed cell lands on the row its key
   is on after any sort, insert or delete since the read), how each tab looks (row 2's
   cell formats, widths, frozen rows, filter, conditional formats; ``google_looks``), the
   charts drawn, and the tokens of earlier writes.
3. write: ONE ``spreadsheets.batchUpdate`` carrying everything (new tabs, columns, grid
   growth, typed cells via ``updateCells``, rows via ``appendCells``) atomically. It opens
   with a ``createDeveloperMetadata`` write token of a fixed id: if an answer is lost and
   the batch is sent again after it had landed, the replay fails as a whole on the
   duplicate id instead of appending rows twice, and we check the token to know it landed.
   The look spec (``google_looks``), the charts and the Load heatmap (``google_present``)
   ride in this batch when they are missing or out of date, judged from call 2: they
   never cost a call.

An empty ChangeSet makes no call at all. A change set bigger than ``max_request_bytes``
(9 MB; Google refuses 10 MB) is split between requests, between rows, never inside one;
appended rows go last, each part carries its own token. Bodies are sent as compact JSON.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_VALUES_BATCH_URL

from .. import __version__
from ..contract import HUMAN_TABS, MACHINE_TABS, normalize
from ..errors import BackendUnavailable, WorkbookError
from ..installation import WorkbookClaimed, claim_token_id
from ..workbook import Snapshot, bytes_digest
from .base import ChangeSet, WriteResult
from .google_client import open_client
from .google_layout import LOOK_FIELDS, META_FIELDS, Look, key_map, look_ranges, read_look
from .google_looks import ReadColumns, SheetLooks, look_requests, looks_of, read_columns, values_after
from .google_plan import build, token_requests
from .google_present import present_requests
from .google_retry import RetryPolicy, describe, is_transient, status_of
from .google_types import parse_values, read_table
from .google_values import column_letter, quote_title

if TYPE_CHECKING:
    from ..config import Config

T = TypeVar("T")
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
               "majorDimension": "ROWS", "fields": "valueRanges.values", "prettyPrint": "false"}
# Google compresses an answer only for a caller that asks both ways (Sheets API guide,
# "Improve performance": Accept-Encoding: gzip, and "gzip" in the User-Agent)
GZIP_HEADERS = {"Accept-Encoding": "gzip", "User-Agent": f"sheets-sync/{__version__} (gzip)"}
CONTRACT_TITLES = tuple(t.name for t in HUMAN_TABS) + tuple(t.name for t in MACHINE_TABS)
# Google refuses a request over 10,485,760 bytes (and recommends 2 MB for speed); a sync's
# write is one request up to this size, so only a huge first write is ever split.
MAX_REQUEST_BYTES = 9_000_000
_KEY = re.compile(r"/spreadsheets/d/([a-zA-Z0-9-_]+)")


class MissingTab(WorkbookError):
    """Google could not find a tab a range named: the tab list changed (the read and the
    write-time look then list the tabs and try again; anywhere else it stops the sync)."""


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
        self.http.session.headers.update(GZIP_HEADERS)
        self.retry = retry or RetryPolicy()
        self.max_request_bytes = max_request_bytes
        self.title = ""
        self.calls = 0  # API round trips answered, for the budget checks
        self.titles: list[str] | None = None  # the tabs, as the last look at the sheet found
        self._used: dict[str, set[int]] = {}  # columns holding data, as the last read saw
        self._headers: dict[str, list[str]] = {}  # header rows, as the last read saw
        self._columns: dict[str, ReadColumns] = {}  # looked columns' values, for widths
        self._tokens: list[int] = []
        self._hashes = True  # the last values read had text starting with "#"
        self._digest = ""  # of the last values answer and the ranges asked (``_values``)
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
            if status_of(exc) == 400 and "Unable to parse range" in describe(exc):
                self.calls += 1
                raise MissingTab(f"a tab changed while {what}: {describe(exc)}; try again") from exc
            raise WorkbookError(explain(exc, what, self.key)) from exc
        self.calls += 1
        return result

    def _metadata(self, fields: str, grid: bool, ranges: Sequence[str] = ()) -> dict[str, Any]:
        params: dict[str, Any] = {"includeGridData": "true" if grid else "false",
                                  "fields": fields, "prettyPrint": "false"}
        if ranges:
            params["ranges"] = list(ranges)
        return dict(self._call("reading the spreadsheet",
                               lambda: self.http.fetch_sheet_metadata(self.key, params=params)))

    def _values(self, ranges: Sequence[str], what: str) -> list[list[list[Any]]]:
        """One values.batchGet; empty cells come back as None (``parse_values``). Keeps
        the digest of the answer with the ranges asked: the bytes the read parses."""
        params: dict[str, Any] = {**READ_PARAMS, "ranges": list(ranges)}
        body = self._call(what, lambda: self.http.request(
            "get", SPREADSHEET_VALUES_BATCH_URL % self.key, params=params).content)
        got, self._hashes = parse_values(body)
        self._digest = bytes_digest("\n".join(ranges).encode(), body)
        return got + [[] for _ in range(len(ranges) - len(got))]

    def _learn_tabs(self) -> Look:
        """The tab list changed: one look at the sheets alone (no cells)."""
        look = read_look(self._metadata(META_FIELDS, grid=False))
        self.title, self.titles = look.title, list(look.titles)
        return look

    # ----- Backend --------------------------------------------------------------------
    def read(self) -> Snapshot:
        titles = list(self.titles or CONTRACT_TITLES)
        try:
            answer = self._values([quote_title(t) for t in titles], "reading the spreadsheet")
        except MissingTab:  # a tab is gone or was never made: look which are there
            titles = list(self._learn_tabs().titles)
            answer = self._values([quote_title(t) for t in titles], "reading the spreadsheet")
        self.titles = titles
        tables = []
        self._used, self._headers, self._columns = {}, {}, {}
        for title, raw in zip(titles, answer, strict=True):
            table, used = read_table(title, raw, self._hashes)
            self._used[normalize(title)] = used
            self._headers[normalize(title)] = list(table.headers)
            self._columns[normalize(title)] = read_columns(table)
            tables.append(table)
        return Snapshot.of(tables, source=self.describe(), stored_digest=self._digest)

    def write(self, changes: ChangeSet) -> WriteResult:
        if not changes:
            return WriteResult(cells=0, calls=0)
        before = self.calls
        look = self._look(changes)
        layouts = look.layouts
        taken = {v.sheet_id for v in layouts.values()}
        new_ids = [i for i in (self._new_id() for _ in range(len(changes.new_tabs) + 4))
                   if i not in taken]
        plan = build(changes, layouts, new_ids)
        tabs = {k: (v.sheet_id, v.headers) for k, v in layouts.items()}
        plan.requests += present_requests(changes, tabs, look.seen)  # same batch, no call
        plan.requests += self._look_requests(changes, look, plan.requests)
        self._tokens = look.tokens
        claim = claim_token_id(self.key) if changes.first_claim else None
        for n, part in enumerate(self._split(plan.requests + plan.appends)):
            self._send(part, claim if n == 0 else None)
        self.titles = [v.title for v in layouts.values()]  # new tabs included
        return WriteResult(cells=plan.cells, calls=self.calls - before,
                           missing_keys=tuple(plan.missing_keys))

    def _look_requests(self, changes: ChangeSet, look: Look, planned: list[dict[str, Any]],
                       ) -> list[dict[str, Any]]:
        """The looks (patterns, widths, colours, frozen and filtered header) each tab
        lacks once this write is done; a tab that gets a column inserted waits for the
        next write (its columns move under the batch)."""
        shifted = {r["insertDimension"]["range"]["sheetId"] for r in planned if "insertDimension" in r}
        grown: dict[int, int] = {}  # sheet id -> rows the grid gets
        for r in planned:
            if r.get("appendDimension", {}).get("dimension") == "ROWS":
                grown[r["appendDimension"]["sheetId"]] = int(r["appendDimension"]["length"])
        out: list[dict[str, Any]] = []
        for name, layout in look.layouts.items():
            tab_look = looks_of(layout.title)
            if tab_look is None or layout.sheet_id in shifted:
                continue
            state = look.looks.get(name) or SheetLooks(layout.sheet_id, [])
            state.headers = list(layout.headers)
            values = values_after(self._columns.get(name), layout, changes, tab_look)
            added = grown.get(layout.sheet_id)
            out += look_requests(state, tab_look, values,
                                 layout.row_count - added if added and name in look.looks else None)
        return out

    def _new_id(self) -> int:
        return 1 + int(self._rand() * (2**31 - 2))

    def _look(self, changes: ChangeSet) -> Look:
        """One spreadsheets.get: every known tab's layout and header, the key columns of
        the tabs written by key where the read saw them, charts, rules and tokens."""
        wanted: dict[str, set[str]] = {}
        for c in changes.cells:
            wanted.setdefault(normalize(c.tab), set()).add(c.key_column)
        guessed = {tab: {key: col for key in keys
                         if (col := _index(self._headers.get(tab, []), key)) is not None}
                   for tab, keys in wanted.items()}
        columns = {tab: list(cols.values()) for tab, cols in guessed.items()}
        titles = list(self.titles or CONTRACT_TITLES)
        try:
            answer = self._metadata(LOOK_FIELDS, grid=True, ranges=look_ranges(titles, columns))
        except MissingTab:
            titles = list(self._learn_tabs().titles)
            answer = self._metadata(LOOK_FIELDS, grid=True, ranges=look_ranges(titles, columns))
        look = read_look(answer, self._used)
        self.title, self.titles = look.title, list(look.titles)
        moved: list[tuple[str, str, int]] = []
        for tab, keys in wanted.items():
            layout = look.layouts.get(tab)
            if layout is None:
                continue
            for key in sorted(keys):
                now = layout.column(key)
                if now is not None and guessed[tab].get(key) == now:
                    layout.keys[normalize(key)] = look.key_columns.get((tab, now), {})
                elif now is not None:
                    moved.append((tab, key, now))
        if moved:  # a key column moved since the read (or no read was made): one more look
            ranges = [f"{quote_title(look.layouts[t].title)}!{column_letter(c)}2:{column_letter(c)}"
                      for t, _, c in moved]
            for (tab, key, _), rows in zip(moved, self._values(ranges, "re-reading the keys"),
                                           strict=True):
                look.layouts[tab].keys[normalize(key)] = key_map(rows, 1)
        return look

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

    def _send(self, requests_: list[dict[str, Any]], claim: int | None = None) -> None:
        """One batchUpdate opening with this write's token. ``claim``: the token id every
        installation uses for the first claim of this spreadsheet (see ``installation``):
        when another one landed it first, this whole batch fails on the duplicate id."""
        token = claim or self._new_id()
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
            if claim is not None and "already exists" in str(exc):
                raise WorkbookClaimed(
                    f"another installation of sheets-sync started syncing {self.describe()} at "
                    "the same moment and its first write landed first; this one wrote nothing. "
                    "One installation syncs a spreadsheet: run sheets-sync there."
                ) from exc
            if claim is not None or isinstance(exc, BackendUnavailable) or not (
                ambiguous and isinstance(exc.__cause__, APIError) and self._token_landed(token)
            ):
                raise
        self._tokens = [token]

    def _token_landed(self, token: int) -> bool:
        answer = self._metadata("developerMetadata(metadataId,metadataKey)", grid=False)
        return any(int(m.get("metadataId", -1)) == token
                   for m in answer.get("developerMetadata", []))


def _index(headers: Sequence[str], name: str) -> int | None:
    wanted = normalize(name)
    return next((i for i, h in enumerate(headers) if normalize(h) == wanted), None)


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
