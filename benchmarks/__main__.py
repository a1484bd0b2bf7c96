"""`python -m benchmarks`: every benchmark, one after the other, then one table of all
their figures side by side with their floors and targets (the shared ``Row`` format of
``benchmarks/__init__.py``). Options after the command go to ``bench_sync``, and the
workbook's size (``--orders 500 --progress 5000 --metal 2000``) to ``bench_google`` too."""

from __future__ import annotations

import subprocess
import sys

from . import PREFIX, Row, parse_rows, table

MODULES = ["benchmarks.bench_sync", "benchmarks.bench_google", "benchmarks.bench_web"]
SIZES = ("--orders", "--progress", "--metal")


def main(argv: list[str]) -> int:
    failed = 0
    rows: list[Row] = []
    for module in MODULES:
        print(f"\n=== {module} ===", flush=True)
        extra = argv if module == "benchmarks.bench_sync" else []
        if module == "benchmarks.bench_google":  # the same workbook size
            extra = [a for i, a in enumerate(argv) if a in SIZES or (i and argv[i - 1] in SIZES)]
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
