"""`python -m benchmarks`: every benchmark, one after the other, each printing its table."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["benchmarks.bench_sync", "benchmarks.bench_google", "benchmarks.bench_web"]

if __name__ == "__main__":
    failed = 0
    for module in MODULES:
        print(f"\n=== {module} ===", flush=True)
        failed |= subprocess.call([sys.executable, "-m", module])
    sys.exit(failed)
