"""One sync at a time, across processes: `run`, `digest`, `check`, `watch` and the web
server's own syncs all hold the lock in the state folder from the read to the after-write
marks. Real processes on a real demo workbook, every wait bounded."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from desk import RUN_TIMEOUT, Desk, applied_once, make_desk, seen

from sheets_sync.lock import SyncBusy, lock_path, one_sync, read_holder
from sheets_sync.watch import watch

HOLD = """
import sys
from pathlib import Path
from sheets_sync.config import load_config
from sheets_sync.lock import one_sync
with one_sync(load_config(Path(sys.argv[1])), what="run", wait=0):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes stdin, or kills this process
"""
BUSY = re.compile(r"another sync is running \(pid (\d+), since \d\d:\d\d\)")


@contextmanager
def holding(desk: Desk) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the desk's sync lock for the body's duration."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(desk.folder / "config.toml")],
        cwd=desk.folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held", proc.stderr.read() if proc.stderr else ""
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the holder's cue to let go
        proc.wait(timeout=RUN_TIMEOUT)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_run_digest_and_check_wait_their_bounded_time_then_exit_3_naming_the_holder(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, watch={"lock_wait_seconds": 0.3})
    desk.add_answers(3)
    before = desk.workbook.read_bytes()
    with holding(desk) as holder:
        for command in ("run", "digest", "check"):
            done = desk.command(command)
            assert done.returncode == 3, (command, done.stdout, done.stderr)
            found = BUSY.search(done.stderr)
            assert found and int(found.group(1)) == holder.pid, done.stderr
        holder_info = read_holder(lock_path(desk.config))
        assert holder_info is not None and holder_info.what == "run"
    assert desk.workbook.read_bytes() == before  # nobody wrote while the lock was held
    assert desk.pending() == 3 and not desk.outbox()
    done = desk.command("run")  # the holder has finished: the next sync goes through
    assert done.returncode == 0, done.stderr
    applied_once(desk, seen(desk.workbook))


def test_a_holder_killed_with_sigkill_never_blocks_the_next_sync(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, watch={"lock_wait_seconds": 0})
    desk.add_answers(2)
    with holding(desk) as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=RUN_TIMEOUT)
        done = desk.command("run")  # no waiting at all: the kernel dropped the lock
    assert done.returncode == 0, done.stderr
    applied_once(desk, seen(desk.workbook))


def test_watch_skips_a_round_while_another_sync_holds_the_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make_desk(tmp_path, watch={"lock_wait_seconds": 0})
    desk.add_answers(2)
    before = desk.workbook.read_bytes()
    moment = datetime.now(desk.config.workshop.zone)
    with holding(desk) as holder, caplog.at_level(logging.WARNING, "sheets_sync.watch"):
        runs = watch(desk.config, now=lambda: moment, until=moment)
    assert runs == 1
    assert f"another sync is running (pid {holder.pid}" in caplog.text
    assert "skipping this round" in caplog.text
    assert desk.workbook.read_bytes() == before and desk.pending() == 2


def test_serve_skips_its_own_sync_while_run_holds_the_lock_then_applies_the_answers(tmp_path: Path) -> None:
    from socket import socket

    with socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    desk = make_desk(tmp_path, web={"port": port}, watch={"lock_wait_seconds": 0, "sync_minutes": 0.01})
    desk.add_answers(4)
    before = desk.workbook.read_bytes()
    server = desk.start("serve")
    try:
        with holding(desk):
            _until(lambda: "skipping this round" in desk.log("serve") or server.poll() is not None)
            assert server.poll() is None, desk.log("serve")
            assert BUSY.search(desk.log("serve")), desk.log("serve")
            assert desk.workbook.read_bytes() == before
        _until(lambda: desk.pending() == 0 or server.poll() is not None)
        assert desk.pending() == 0, desk.log("serve")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=RUN_TIMEOUT)
    applied_once(desk, seen(desk.workbook))


def test_two_runs_started_together_apply_every_answer_and_email_once(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    for round_ in range(3):
        desk.add_answers(10, start=10 * round_)
        pair = [desk.start("run", name=f"run{round_}{side}") for side in "ab"]
        codes = [p.wait(timeout=RUN_TIMEOUT) for p in pair]
        for side, code in zip("ab", codes, strict=True):
            log = desk.log(f"run{round_}{side}")
            assert code == 0 or (code == 3 and BUSY.search(log)), log
        assert 0 in codes
    look = seen(desk.workbook)
    applied_once(desk, look)
    emails = [r for r in look.activity if r["Kind"] == "email"]
    assert emails, "the demo has emails due: the test must see them"
    assert len(desk.outbox()) == len(emails)
    assert desk.pending() == 0


def test_within_one_process_the_lock_is_reentrant_and_another_thread_waits(tmp_path: Path) -> None:
    config = make_desk(tmp_path).config
    got: list[str] = []

    def other() -> None:
        try:
            with one_sync(config, wait=0):
                got.append("entered")
        except SyncBusy as exc:
            got.append(str(exc))

    with one_sync(config, what="run"), one_sync(config, what="run"):  # the same thread: fine
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=RUN_TIMEOUT)
        assert got and got[0].startswith("another sync is running (pid ")
    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=RUN_TIMEOUT)
    assert got[1:] == ["entered"]  # released once the outer block ended


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
