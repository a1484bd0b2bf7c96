"""`python -m benchmarks`: every benchmark, one after the other, then one table of all
their figures side by side with their floors and targets (the shared ``Row`` format of
``benchmarks/__init__.py``). Options after the command go to ``bench_sync``
(e.g. ``--orders 500 --progress 5000 --metal 2000``)."""

from __future__ import annotations

import subprocess
import sys

from . import PREFIX, Row, parse_rows, table

MODULES = ["benchmarks.bench_sync", "benchmarks.bench_google", "benchmarks.bench_web"]


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
