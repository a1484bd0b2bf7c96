"""`kill -9` of a sync at random moments: the workbook always opens, the next run removes
what the killed one left and applies every answer exactly once. Real processes, a fixed
number of trials, the moments drawn from a seeded generator (the seed and the moment are
in the message of a failing trial).

Half of the trials kill at any moment of the run; the other half wait for the save's
temporary file to appear and kill a few milliseconds later: in the middle of the save, or
between the save and the marks in the journal, the moments a uniform draw rarely hits."""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

from desk import RUN_TIMEOUT, Desk, applied_once, make_desk, seen

TRIALS = 10
SEED = 20261125


def test_sigkill_at_random_moments_never_breaks_the_workbook_nor_applies_twice(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    started = time.monotonic()
    first = desk.command("run")  # also the measure of how long a whole run takes here
    span = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    rng = random.Random(SEED)
    for trial in range(TRIALS):
        desk.add_answers(3, start=3 * trial)
        proc = desk.start("run", name=f"killed{trial}")
        if trial % 2:
            delay = rng.uniform(0.2, 1.1) * span  # from start-up to after the write
            time.sleep(delay)
            moment = f"{delay:.3f} s after start"
        else:
            saving = _wait_for_save(desk, proc)
            delay = rng.uniform(0.0, 0.1)
            time.sleep(delay)
            moment = f"{delay * 1000:.0f} ms after the save began" if saving else "after the run"
        proc.kill()
        proc.wait(timeout=RUN_TIMEOUT)
        where = f"trial {trial} (seed {SEED}, killed {moment})"
        seen(desk.workbook)  # opens, whatever the moment
        done = desk.command("run")
        assert done.returncode == 0, f"{where}: {done.stderr}"
        assert desk.leftovers() == [], where
        assert desk.pending() == 0, where
        applied_once(desk, seen(desk.workbook))


def _wait_for_save(desk: Desk, proc: subprocess.Popen[bytes]) -> bool:
    """Poll (every millisecond) until the save's temporary file appears; False if the run
    ended first."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if desk.leftovers():
            return True
        time.sleep(0.001)
    return False
