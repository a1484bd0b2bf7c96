"""Sync speed on a large synthetic workbook, against floors measured in the same run.

    python -m benchmarks.bench_sync [--orders 5000 --progress 50000 --metal 20000]

Each measurement runs in its own process, so its peak RSS is its own. Floors: a
python-calamine read of every tab, an openpyxl read-only iteration, an openpyxl full load
followed by a save. Ours: the first sync (writes everything), an unchanged rerun (must write
nothing), and a sync after 10 human edits.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _child(kind: str, path: str) -> dict[str, object]:
    """Run one measurement in this (child) process and return its figures."""
    start = time.perf_counter()
    info: dict[str, object] = {}
    if kind == "calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(path)
        info["cells"] = sum(len(r) for n in wb.sheet_names for r in wb.get_sheet_by_name(n).to_python())
    elif kind == "openpyxl-readonly":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        info["cells"] = sum(len(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True))
        wb.close()
    elif kind == "openpyxl-load-save":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        wb.save(path + ".copy.xlsx")
    elif kind == "sync":
        from sheets_sync.backends.xlsx import XlsxBackend
        from sheets_sync.config import Config
        from sheets_sync.pipeline import build_steps
        from sheets_sync.sync import run_sync

        config = Config()
        report = run_sync(XlsxBackend(Path(path)), config, NOW, build_steps(config))
        info["cells_written"] = report.written.cells if report.written else 0
        info["write_calls"] = report.written.calls if report.written else 0
    elif kind == "edit":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = wb["Orders"]
        header = [c.value for c in ws[1]]
        col = header.index("Promised Date") + 1
        for row in range(2, 12):  # 10 human edits: promised dates moved a week later
            cell = ws.cell(row=row, column=col)
            cell.value = date.fromordinal(cell.value.toordinal() + 7) if cell.value else TODAY
        wb.save(path)
        return {}
    info["seconds"] = time.perf_counter() - start
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return info


def measure(kind: str, path: Path) -> dict[str, object]:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(  # in the workbook's folder: the sync's local state lands there
        [sys.executable, "-m", "benchmarks.bench_sync", "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=path.parent,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--progress", type=int, default=50_000)
    parser.add_argument("--metal", type=int, default=20_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    from sheets_sync.backends.xlsx import write_new_workbook
    from sheets_sync.samples.synthetic import synthetic_tabs

    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        path = folder / "large.xlsx"
        t = time.perf_counter()
        write_new_workbook(path, synthetic_tabs(TODAY, args.orders, args.progress, args.metal))
        print(
            f"workbook: {args.orders} orders, {args.progress} progress rows, {args.metal} metal "
            f"rows, {path.stat().st_size / 1e6:.1f} MB (generated in {time.perf_counter() - t:.1f} s)"
        )
        floors = {k: measure(k, path) for k in ("calamine", "openpyxl-readonly", "openpyxl-load-save")}
        runs = {"first sync": measure("sync", path), "unchanged rerun": measure("sync", path)}
        measure("edit", path)
        runs["after 10 edits"] = measure("sync", path)
        fastest_read = float(floors["calamine"]["seconds"])  # type: ignore[arg-type]
        load_save = float(floors["openpyxl-load-save"]["seconds"])  # type: ignore[arg-type]
        print(f"\n{'measurement':<22}{'seconds':>9}{'peak MB':>9}{'cells written':>15}  ratio")
        for name, r in floors.items():
            print(f"{name:<22}{r['seconds']:>9.2f}{r['peak_rss_mb']:>9.0f}{'':>15}  floor")
        for name, r in runs.items():
            floor, label = (
                (fastest_read, "x calamine read")
                if name == "unchanged rerun"
                else (load_save, "x openpyxl load+save")
            )
            ratio = float(r["seconds"]) / floor  # type: ignore[arg-type]
            print(
                f"{name:<22}{r['seconds']:>9.2f}{r['peak_rss_mb']:>9.0f}"
                f"{r['cells_written']:>15}  {ratio:.2f} {label}"
            )
        print(
            "\ntargets: unchanged rerun writes 0 cells and <= 1.5x calamine read; "
            "a run that writes <= 1.2x openpyxl load+save; peak RSS < 400 MB"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
