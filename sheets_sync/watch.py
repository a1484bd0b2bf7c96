"""`sheets-sync watch`: the schedule loop (the ``schedule`` package).

A sync every ``[watch] sync_minutes``, and one at ``[mail] digest_time`` in the workshop's
zone (the mail step sends the digest on working days once its time has come; the web
journal is flushed by the sync's first step). Runs never overlap: the loop is one thread
and a run that takes longer than the interval simply makes the next one start later
(missed runs are not queued). A failing run is logged and the loop goes on. Across
processes, every run holds the one-sync lock (``sheets_sync.lock``): when another sync
(a `run`, the web server's) still holds it after ``[watch] lock_wait_seconds``, this
round is skipped with a log line. SIGTERM or Ctrl-C stops it cleanly after the run in
progress.

The clock is injected (``now`` and ``sleep``) so a test runs a whole day in milliseconds.
``schedule`` reads ``datetime.datetime.now()`` itself; while the loop runs, that name in the
``schedule`` module is pointed at the injected clock (as naive wall time in the workshop's
zone, so ``.at("08:00")`` means 08:00 at the workshop whatever the server's zone).
"""

from __future__ import annotations

import datetime as _dt
import logging
import signal
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import schedule

from .config import Config
from .lock import SyncBusy

log = logging.getLogger(__name__)

Run = Callable[[datetime, bool], object]  # (now, digest_forced) -> anything (a report)


def _real_now(zone: ZoneInfo) -> Callable[[], datetime]:
    return lambda: datetime.now(zone)


class Stopper:
    """Set by SIGTERM/SIGINT (or a test); the loop ends after the run in progress."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def stop(self, *_: Any) -> None:
        self.event.set()

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> None:
        self.event.wait(max(seconds, 0.0))


@contextmanager
def _clocked(now: Callable[[], datetime], zone: ZoneInfo) -> Iterator[None]:
    """Make ``schedule`` see the injected clock, as naive wall time in ``zone``."""

    class ClockedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz: _dt.tzinfo | None = None) -> ClockedDatetime:
            moment = now().astimezone(tz or zone)
            if tz is None:
                moment = moment.replace(tzinfo=None)
            return cls(
                moment.year,
                moment.month,
                moment.day,
                moment.hour,
                moment.minute,
                moment.second,
                moment.microsecond,
                tzinfo=moment.tzinfo,
            )

    shim = types.ModuleType("datetime")
    shim.__dict__.update(_dt.__dict__)
    shim.datetime = ClockedDatetime  # type: ignore[attr-defined]
    original = getattr(schedule, "datetime")  # noqa: B009 - the module the package reads
    setattr(schedule, "datetime", shim)  # noqa: B010
    try:
        yield
    finally:
        setattr(schedule, "datetime", original)  # noqa: B010


@contextmanager
def _signals(stopper: Stopper) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the run in progress", signum)
        stopper.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C is brutal

    for s in previous:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def default_run(config: Config, what: str = "watch") -> Run:
    """One sync of the pipeline (backend and steps from config), under the sync lock."""

    def run(now: datetime, digest: bool) -> object:
        from . import pipeline

        return pipeline.sync_once(config, now, digest=digest, what=what)

    return run


def watch(
    config: Config,
    *,
    run: Run | None = None,
    now: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    stopper: Stopper | None = None,
    until: datetime | None = None,
    max_nap: float = 60.0,
) -> int:
    """Run syncs on the schedule until stopped (or until ``until`` on the injected clock).
    Returns the number of runs made."""
    zone = config.workshop.zone
    stopper = stopper or Stopper()
    clock = now or _real_now(zone)
    nap = sleep or stopper.sleep
    run = run or default_run(config)
    busy = threading.Lock()
    wanted: set[str] = set()
    runs = 0

    scheduler = schedule.Scheduler()
    seconds = max(1, round(config.watch.sync_minutes * 60))
    digest_at = config.mail.digest_time.strftime("%H:%M")

    def once() -> None:
        nonlocal runs
        if not busy.acquire(blocking=False):
            log.warning("a run is still in progress; skipping this turn")
            return
        try:
            moment = clock()
            runs += 1
            log.info("sync at %s", moment.isoformat(timespec="minutes"))
            run(moment, False)
        except SyncBusy as exc:
            log.warning("%s: skipping this round", exc)
        except Exception:
            log.exception("sync failed; the loop goes on")
        finally:
            busy.release()

    with _clocked(clock, zone), _signals(stopper):
        scheduler.every(seconds).seconds.do(wanted.add, "sync")
        scheduler.every().day.at(digest_at).do(wanted.add, "digest")
        once()  # start with a sync: the loop's first minutes should not be idle
        while not stopper.stopped:
            if until is not None and clock() >= until:
                break
            scheduler.run_pending()
            if wanted:
                wanted.clear()  # a sync and the digest time together make one run
                once()
                continue
            idle = scheduler.idle_seconds
            pause = max(min(idle if idle is not None else max_nap, max_nap), 0.0)
            if until is not None:
                pause = min(pause, max((until - clock()).total_seconds(), 0.0))
            nap(pause if pause > 0 else 0.001)
    log.info("watch stopped after %d runs", runs)
    return runs


def send_digest(config: Config, *, run: Run | None = None, now: datetime | None = None) -> object:
    """`sheets-sync digest`: one sync that sends today's digest now (once a day still:
    a digest already sent today is not sent again)."""
    moment = now or datetime.now(config.workshop.zone)
    return (run or default_run(config, "digest"))(moment, True)
