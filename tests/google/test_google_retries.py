"""Quota, server errors, timeouts and resets: retried with backoff, bounded, then a clear
error; a failed write leaves nothing marked done; a replayed write never applies twice."""

from __future__ import annotations

from pathlib import Path

import gspread
import pytest
import requests

from sheets_sync.backends.base import AppendRow, ChangeSet, KeyedCell
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.errors import BackendUnavailable, WorkbookError
from sheets_sync.testing import FakeSheets, Fault, fake_session


class Clock:
    """Time that moves only when the policy sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def setup(tries: int = 6, budget: float = 120.0) -> tuple[FakeSheets, GoogleBackend, RetryPolicy]:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "⚙ Risk"], ["1001", None], ["1002", None]])
    fake.add_sheet("Activity", [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]])
    clock = Clock()
    policy = RetryPolicy(tries=tries, budget_seconds=budget, sleep=clock.sleep, clock=clock,
                         rand=lambda: 1.0)  # the top of each jitter window
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return fake, GoogleBackend(fake.id, client, retry=policy), policy


CHANGES = ChangeSet(
    cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "Late")],
    appends=[AppendRow("Activity", {"ID": "approval-77", "Kind": "approval", "Ref": "1001"})],
)


@pytest.mark.parametrize("fault", [
    Fault(429),
    Fault(500),
    Fault(502, html=True),
    Fault(503),
    Fault(0, error=requests.ReadTimeout),
    Fault(0, error=requests.ConnectionError),
])
def test_transient_trouble_is_retried_then_the_read_succeeds(fault: Fault) -> None:
    fake, backend, policy = setup()
    fake.inject(fault, fault)
    table = backend.read().table("Orders")
    assert table is not None and table.rows[0][0] == "1001"
    assert policy.waits == [1.0, 2.0]  # exponential: base 1 s, doubled


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base_seconds=1, max_delay_seconds=32, rand=lambda: 0.5)
    assert [policy.delay(a) for a in range(8)] == [0.5, 1, 2, 4, 8, 16, 16, 16]


def test_after_the_tries_a_clear_error_and_nothing_done() -> None:
    fake, backend, policy = setup(tries=4)
    backend.read()
    fake.inject(*[Fault(502, html=True, applies_to="spreadsheets.batchUpdate")] * 4)
    marked_done: list[str] = []
    with pytest.raises(BackendUnavailable) as caught:
        backend.write(CHANGES)
        marked_done.append("approval-77")  # what a sync does only after the write
    message = str(caught.value)
    assert "HTTP 502 (an HTML error page)" in message and "4 tries" in message
    assert "nothing was marked done" in message
    assert marked_done == [] and fake.writes == 0
    assert fake.values("Activity") == [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]]
    assert len(policy.waits) == 3


def test_the_total_wait_is_bounded() -> None:
    fake, backend, policy = setup(tries=50, budget=20)
    fake.inject(*[Fault(429)] * 50)
    with pytest.raises(BackendUnavailable, match="quota|HTTP 429"):
        backend.read()
    assert sum(policy.waits) <= 20
    assert policy.waits == [1.0, 2.0, 4.0, 8.0]


def test_a_refusal_is_not_retried() -> None:
    fake, backend, policy = setup()
    fake.denied = {"error": {"code": 403, "message": "The caller does not have permission",
                             "status": "PERMISSION_DENIED"}}
    with pytest.raises(WorkbookError, match="not shared"):
        backend.read()
    assert policy.waits == [] and len(fake.calls) == 1


@pytest.mark.parametrize("lost", [
    Fault(502, apply_then_fail=True, applies_to="spreadsheets.batchUpdate"),
    Fault(0, error=requests.ConnectionError, apply_then_fail=True,
          applies_to="spreadsheets.batchUpdate"),
])
def test_a_write_whose_answer_was_lost_is_not_applied_twice(lost: Fault) -> None:
    fake, backend, _ = setup()
    backend.read()
    fake.inject(lost)
    result = backend.write(CHANGES)  # landed, answer lost, replay refused, token found
    assert result.cells == 4
    ids = [r[-1] for r in fake.values("Activity")[1:]]
    assert ids == ["approval-77"]
    assert fake.values("Orders")[1] == ["1001", "Late"]
    tokens = [m for m in fake.developer_metadata if m["metadataKey"] == "sheets-sync.write"]
    assert len(tokens) == 1


def test_write_tokens_do_not_pile_up() -> None:
    fake, backend, _ = setup()
    for n in range(3):
        backend.read()
        backend.write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1002", "⚙ Risk", n)]))
    assert len(fake.developer_metadata) == 1


def test_a_sync_whose_write_fails_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from sheets_sync.config import Config
    from sheets_sync.pipeline import build_steps
    from sheets_sync.samples.demo import demo_tabs
    from sheets_sync.sync import run_sync

    monkeypatch.chdir(tmp_path)  # the sync's journal, mail ledger and outbox live here
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(date(2026, 11, 25)))
    before = fake.snapshot_state()
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client,
                            retry=RetryPolicy(tries=3, sleep=lambda _: None))
    fake.inject(*[Fault(503, applies_to="spreadsheets.batchUpdate")] * 3)
    config = Config()
    now = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with pytest.raises(BackendUnavailable, match="HTTP 503"):
        run_sync(backend, config, now, build_steps(config))
    assert fake.snapshot_state() == before  # no Activity row, no ⚙ cell, no new tab
    report = run_sync(backend, config, now, build_steps(config))  # later, Google is back
    assert report.written is not None and fake.writes == 1
