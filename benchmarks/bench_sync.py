"""Sync speed on a large synthetic workbook, against floors measured in the same run.

    python -m benchmarks.bench_sync [--orders 5000 --progress 50000 --metal 20000] [--repeat 3]

Each measurement runs in a fresh process of its own, and its peak memory is that
process's ``VmHWM`` (which starts afresh at exec, unlike ``ru_maxrss``). Floors: a
python-calamine read of every tab, an openpyxl read-only iteration, an openpyxl full load
followed by a save. Ours, each through ``pipeline.sync_once`` as `sheets-sync run` does:
the first sync (writes everything), a rerun after that write (computes everything, writes
nothing, leaves the unchanged-rerun record), an unchanged rerun (the file's bytes are
those the record was made from: hashed, not parsed), the same once the file was stored
again with the same cells (other bytes: parsed, fingerprinted, skipped), the same forced to
compute (`run --full`), and a sync after 10 human edits.
Prints its table, then the same figures as ``BENCH-ROW`` lines (``benchmarks/__init__``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import Row, emit, peak_mb, table

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
    elif kind in ("sync", "sync-full"):
        from sheets_sync.config import Config
        from sheets_sync.pipeline import sync_once

        config = Config().with_workbook(Path(path))  # state folder: var/ in the cwd
        report = sync_once(config, NOW, full=kind == "sync-full", what="bench")
        info["cells_written"] = report.written.cells if report.written else 0
        info["write_calls"] = report.written.calls if report.written else 0
        info["skipped"] = report.unchanged_since is not None
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
    elif kind == "resave":  # the same parts stored again: other bytes, the same cells
        import zipfile

        with zipfile.ZipFile(path) as old:
            parts = [(info.filename, old.read(info)) for info in old.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new:
            for name, data in parts:
                new.writestr(name, data)
        return {}
    info["seconds"] = time.perf_counter() - start
    info["peak_mb"] = peak_mb()
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


def best(kind: str, path: Path, repeat: int) -> dict[str, object]:
    """The fastest of ``repeat`` runs of a measurement that leaves the workbook as it was."""
    runs = [measure(kind, path) for _ in range(repeat)]
    return min(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]


def rows(floors: dict[str, dict[str, object]], runs: dict[str, dict[str, object]], repeat: int) -> list[Row]:
    def f(r: dict[str, object], name: str) -> float:
        return float(r[name])  # type: ignore[arg-type]

    read, load_save = f(floors["calamine read"], "seconds"), f(floors["openpyxl load+save"], "seconds")
    out = [Row("sync", name, f(r, "seconds"), runs=repeat if name != "openpyxl load+save" else 1,
               peak_mb=f(r, "peak_mb")) for name, r in floors.items()]
    for name, r in runs.items():
        cells = int(r["cells_written"])  # type: ignore[call-overload]
        note = f"{cells} cells written" + (", skipped" if r.get("skipped") else "")
        if name == "unchanged rerun":
            target: dict[str, object] = dict(floor_name="calamine read", floor=read, target=1.5,
                                             target_kind="ratio<=")
        elif name in ("first sync", "after 10 edits"):
            target = dict(floor_name="openpyxl load+save", floor=load_save, target=1.0,
                          target_kind="ratio<=")
        else:  # computes everything and writes nothing: shown against the read
            target = dict(floor_name="calamine read", floor=read)
        n = repeat if name in REPEATED else 1
        out.append(Row("sync", name, f(r, "seconds"), runs=n, peak_mb=f(r, "peak_mb"), note=note,
                       **target))  # type: ignore[arg-type]
    out.append(Row("sync", "unchanged rerun, cells written", float(runs["unchanged rerun"]["cells_written"]),  # type: ignore[arg-type]
                   unit="cells", target=0, target_kind="<="))
    peak = max(f(r, "peak_mb") for r in runs.values())
    out.append(Row("sync", "largest peak memory of a sync", peak, unit="MB", target=400, target_kind="<="))
    return out


def compiled() -> None:
    """Byte-compile the package first, as installing the wheel does: the runs measure the
    sync, not compiling its source (which a PYTHONDONTWRITEBYTECODE=1 shell would
    otherwise repeat in every run)."""
    import compileall

    import sheets_sync

    compileall.compile_dir(Path(sheets_sync.__file__).parent, quiet=1)


REPEATED = ("unchanged rerun", "unchanged rerun, file saved again", "unchanged rerun, forced full")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--progress", type=int, default=50_000)
    parser.add_argument("--metal", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floors and reruns (best kept)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    from sheets_sync.backends.xlsx import write_new_workbook
    from sheets_sync.samples.synthetic import synthetic_tabs

    compiled()

    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        path = folder / "large.xlsx"
        t = time.perf_counter()
        write_new_workbook(path, synthetic_tabs(TODAY, args.orders, args.progress, args.metal))
        print(
            f"workbook: {args.orders} orders, {args.progress} progress rows, {args.metal} metal "
            f"rows, {path.stat().st_size / 1e6:.1f} MB (generated in {time.perf_counter() - t:.1f} s); "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        floors = {
            "calamine read": best("calamine", path, args.repeat),
            "openpyxl read-only": best("openpyxl-readonly", path, args.repeat),
            "openpyxl load+save": measure("openpyxl-load-save", path),
        }
        runs = {"first sync": measure("sync", path), "rerun after a write": measure("sync", path)}
        runs["unchanged rerun"] = best("sync", path, args.repeat)
        measure("resave", path)
        runs["unchanged rerun, file saved again"] = best("sync", path, args.repeat)
        runs["unchanged rerun, forced full"] = best("sync-full", path, args.repeat)
        measure("edit", path)
        runs["after 10 edits"] = measure("sync", path)
        found = rows(floors, runs, args.repeat)
        print()
        print(table(found))
        print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
        for row in found:
            emit(row)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
