"""Bounded retries with exponential backoff and full jitter for Sheets API calls.

Retried: 429 (quota), 5xx (an HTML 502 from a front end included), 408, timeouts and
connection resets. Not retried: 4xx answers that say the request itself is wrong. After
``tries`` attempts or ``budget_seconds`` of waiting, a BackendUnavailable names the call,
the last answer, and how long we tried. ``sleep``, ``clock`` and ``rand`` are injected so
tests run instantly and deterministically.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from gspread.exceptions import APIError

from ..errors import BackendUnavailable

T = TypeVar("T")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a gspread APIError (also when the body was not JSON)."""
    if isinstance(exc, APIError):
        response = getattr(exc, "response", None)
        code = getattr(response, "status_code", None)
        return int(code) if code is not None else int(getattr(exc, "code", 0) or 0)
    return None


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return True
    status = status_of(exc)
    return status is not None and status in RETRY_STATUSES


def describe(exc: BaseException) -> str:
    status = status_of(exc)
    if status is not None:
        message = ""
        error = getattr(exc, "error", None)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            message = error["message"]
        if message.lstrip().startswith("<"):
            message = "an HTML error page"
        return f"HTTP {status}" + (f" ({message[:160]})" if message else "")
    if isinstance(exc, requests.Timeout):
        return "no answer before the timeout"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed or was reset"
    return type(exc).__name__


@dataclass
class RetryPolicy:
    tries: int = 6
    base_seconds: float = 1.0
    max_delay_seconds: float = 32.0
    budget_seconds: float = 120.0  # total time spent waiting between tries
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    waits: list[float] = field(default_factory=list)  # every wait taken, for tests

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        ceiling = min(self.max_delay_seconds, self.base_seconds * float(2**attempt))
        return float(self.rand()) * ceiling

    def run(self, what: str, call: Callable[[], T]) -> T:
        start = self.clock()
        waited = 0.0
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                attempt += 1
                pause = self.delay(attempt - 1)
                spent = max(self.clock() - start, waited)
                if attempt >= self.tries or spent + pause > self.budget_seconds:
                    raise BackendUnavailable(
                        f"Google Sheets did not answer {what}: {describe(exc)}, "
                        f"{attempt} tries over {spent:.0f} s; nothing was marked "
                        "done, try again later"
                    ) from exc
                self.waits.append(pause)
                waited += pause
                self.sleep(pause)
