"""`python -m benchmarks`: every benchmark, one after the other, then one table of all
their figures side by side with their floors and targets (the shared ``Row`` format of
``benchmarks/__init__.py``). Options after the command go to ``bench_sync``
(e.g. ``--orders 500 --progress 5000 --metal 2000``)."""

from __future__ import annotations

import subprocess
import sys

from . import PREFIX, Row, parse_rows

MODULES = ["benchmarks.bench_sync", "benchmarks.bench_google", "benchmarks.bench_web"]


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


def main(argv: list[str]) -> int:
    failed = 0
    rows: list[Row] = []
    for module in MODULES:
        print(f"\n=== {module} ===", flush=True)
        extra = argv if module == "benchmarks.bench_sync" else []
        done = subprocess.run([sys.executable, "-m", module, *extra], capture_output=True, text=True)
        own = [line for line in done.stdout.splitlines() if not line.startswith(PREFIX)]
        sys.stdout.write("".join(line + "\n" for line in own))
        sys.stderr.write(done.stderr)
        rows.extend(parse_rows(done.stdout))
        failed |= done.returncode
    print("\n=== all figures ===")
    print(table(rows))
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
