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
taken. Emit rows with ``emit(row)``; read them back with ``parse_rows(text)``; print
them with ``table(rows)``.
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


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".rstrip()


def _target(row: Row) -> str:
    if row.target is None or not row.target_kind:
        return ""
    if row.target_kind.startswith("ratio"):
        return f"{row.target_kind[5:]} {row.target:g}x"
    return f"{row.target_kind} {row.target:g} {row.unit}"


def table(rows: list[Row]) -> str:
    head = ["bench", "measurement", "runs", "measured", "floor", "ratio", "target", "pass", "peak MB"]
    lines = [head]
    for r in rows:
        verdict = {True: "pass", False: "MISS", None: ""}[r.passed]
        floor = f"{_fmt(r.floor, r.unit)} {r.floor_name}".strip() if r.floor is not None else ""
        lines.append(
            [
                r.bench,
                r.name + (f" ({r.note})" if r.note else ""),
                str(r.runs),
                _fmt(r.measured, r.unit),
                floor,
                f"{r.ratio:.2f}x" if r.ratio is not None else "",
                _target(r),
                verdict,
                f"{r.peak_mb:.0f}" if r.peak_mb is not None else "",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
