"""One request checked as Google checks it, before the fake acts on it.

``check_request`` finds the method in the discovery document (``fake_sheets_discovery``),
checks its query, its ``?fields`` mask and its body, then what the schema alone cannot say:
a ``batchUpdate`` carries at least one request and each request exactly one kind; an update
request whose mask is required names one (``repeatCell`` or ``appendCells`` without
``fields`` is refused); an A1 range naming a sheet whose title is not a plain word quotes it
(``'Metal Log'!A1``, never ``Metal Log!A1``). Any violation raises ``Violation``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .fake_sheets_discovery import (
    MASK_ROOTS,
    Method,
    Violation,
    check_body,
    check_query,
    check_response_mask,
    find_method,
    schema,
)

Json = dict[str, Any]
_PLAIN_TITLE = re.compile(r"^\w+$")
_CELLS = re.compile(r"^([A-Za-z]{0,3}\d{0,7})(:[A-Za-z]{0,3}\d{0,7})?$")


@dataclass
class Accepted:
    method: Method
    params: dict[str, str]  # path parameters: spreadsheetId, range, ...
    payload: Json | None
    deprecated: list[str] = field(default_factory=list)


def check_request(verb: str, path: str, query: dict[str, list[str]], body: bytes | None,
                  *, quoted_ranges: bool = True) -> Accepted:
    """``quoted_ranges``: refuse an unquoted title that is not a plain word, as Google's A1
    notation guide requires ("single quotes are required for sheet names with spaces or
    special characters"); gspread's recorded cassettes show the values endpoints letting it
    pass, and ``False`` reproduces that leniency."""
    method, params = find_method(verb, path)
    check_query(method, query)
    check_response_mask(method, query)
    payload: Json | None = None
    if body:
        try:  # NaN and Infinity are not JSON, whatever Python's parser allows
            payload = json.loads(body, parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError):
            raise Violation(400, [("", "Invalid JSON payload received. Unexpected token.")]) from None
        if not isinstance(payload, dict):
            raise Violation(400, [("", "Invalid JSON payload received. Expected an object.")])
    found = check_body(method, payload)
    problems = list(found.problems)
    if method.kind == "spreadsheets.batchUpdate" and not problems:
        problems += _requests_problems((payload or {}).get("requests"))
    ranges = [params["range"]] if "range" in params else []
    ranges += query.get("ranges", [])
    ranges += [d.get("range", "") for d in (payload or {}).get("data", []) or []
               if isinstance(d, dict) and isinstance(d.get("range"), str)]
    for text in ranges:
        if not a1_ok(text, quoted_ranges):
            problems.append(("range", f"Unable to parse range: {text}"))
    if problems:
        raise Violation(400, problems)
    return Accepted(method, params, _without_nulls(payload), found.deprecated)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _without_nulls(value: Any) -> Any:
    """JSON null is an unset field in proto3 JSON: the request as Google reads it."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _requests_problems(requests: Any) -> list[tuple[str, str]]:
    if not requests:
        return [("requests", "Must specify at least one request.")]
    problems: list[tuple[str, str]] = []
    kinds = schema("Request")["properties"]
    for i, request in enumerate(requests):
        where = f"requests[{i}]"
        set_ = [k for k, v in (request or {}).items() if v is not None]
        if not set_:
            problems.append((where, f"Invalid {where}: No request set."))
            continue
        if len(set_) > 1:
            problems.append((where, "Invalid JSON payload received. Oneof field 'kind' is already "
                             f"set. Cannot set '{set_[1]}'"))
            continue
        kind = set_[0]
        owner = kinds[kind].get("$ref", "")
        body = request[kind]
        if owner in MASK_ROOTS and isinstance(body, dict) and not str(body.get("fields") or "").strip():
            problems.append((f"{where}.{kind}", f"Invalid {where}.{kind}: At least one field must "
                             "be specified in 'fields'."))
    return problems


def a1_ok(text: str, quoted: bool = True) -> bool:
    """Whether Google can parse ``text`` as a range: a sheet title that is not a plain word is
    quoted ('Metal Log'!A1), and the cells after ``!`` are A1 cells, columns or rows."""
    t = text.strip()
    if t.startswith("'"):
        i = 1
        while i < len(t):
            if t[i] == "'":
                if t[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        else:
            return False  # no closing quote
        rest = t[i + 1 :]
        if not rest:
            return True
        if not rest.startswith("!"):
            return False
        cells = rest[1:]
    elif "!" in t:
        title, _, cells = t.rpartition("!")
        if quoted and not _PLAIN_TITLE.match(title):
            return False
    else:
        return True  # a bare sheet title or bare cells: the resolver decides
    return bool(cells) and _CELLS.match(cells) is not None and cells != ":"
