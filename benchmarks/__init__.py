"""The benchmarks, and the one row format their figures share.

Every benchmark module prints its own readable table, and beside it one line per figure
in the shared format, so `python -m benchmarks` can put every figure in one table:

    BENCH-ROW {"bench": "sync", "name": "unchanged rerun", "runs": 1, "measured": 0.91,
               "unit": "s", "floor_name": "calamine read", "floor": 0.78,
               "target": 1.5, "target_kind": "ratio<=", "peak_mb": 120.0, "note": "0 cells"}

A line starts with ``BENCH-ROW `` followed by one JSON object (``Row`` below, all on one
line). ``floor`` is the same-run measurement the figure is compared with (None when the
figure has no floor); ``target`` and ``target_kind`` say what passes:

* ``ratio<=``: measured / floor <= target (seconds against a floor's seconds)
* ``ratio>=``: measured / floor >= target (e.g. requests per second against a floor's)
* ``<=``, ``>=``: measured itself against target (e.g. peak MB < 400, calls <= 1)
* ``""``: no target: a floor or a figure shown for information.

``peak_mb``: the peak resident memory of the process that took the measurement, read from
``VmHWM`` in ``/proc/self/status`` of a fresh process (``peak_mb()``), None when not
taken. Emit rows with ``emit(row)``; read them back with ``parse_rows(text)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

PREFIX = "BENCH-ROW "
TARGET_KINDS = ("ratio<=", "ratio>=", "<=", ">=", "")


@dataclass(frozen=True)
class Row:
    bench: str  # which benchmark: "sync", "google", "web"
    name: str  # the measurement, e.g. "unchanged rerun"
    measured: float
    unit: str = "s"  # "s", "ms", "req/s", "calls", "MB", ...
    runs: int = 1  # how many runs the figure is the best (or median) of
    floor_name: str = ""
    floor: float | None = None
    target: float | None = None
    target_kind: str = ""  # one of TARGET_KINDS
    peak_mb: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.measured / self.floor

    @property
    def passed(self) -> bool | None:
        """True or False against the target, None when there is none."""
        if self.target is None or not self.target_kind:
            return None
        value = self.ratio if self.target_kind.startswith("ratio") else self.measured
        if value is None:
            return None
        if self.target_kind.endswith("<="):
            return value <= self.target
        return value >= self.target

    def line(self) -> str:
        return PREFIX + json.dumps(asdict(self), ensure_ascii=False)


def emit(row: Row) -> None:
    print(row.line(), flush=True)


def parse_rows(text: str) -> list[Row]:
    """The rows among a benchmark's output lines (other lines are its own table)."""
    rows = []
    for raw in text.splitlines():
        if raw.startswith(PREFIX):
            rows.append(Row(**json.loads(raw[len(PREFIX) :])))
    return rows


def peak_mb() -> float | None:
    """This process's peak resident memory (VmHWM), in MB; None where /proc has none.
    Unlike ``ru_maxrss`` it starts afresh at exec, so a child never reports its parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
