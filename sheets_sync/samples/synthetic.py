"""A large, valid workbook of the demo's shape, for benchmarks: thousands of orders that
walk their route in order, with approvals, photos and balanced metal. Pure data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..contract import APPROVALS
from .catalogue import ALLOYS, CLIENTS, WORKFLOW, Grid, workday
from .demo import demo_tabs


def synthetic_tabs(
    today: date, orders: int = 5000, progress: int = 50_000, metal: int = 20_000, seed: int = 7
) -> dict[str, Grid]:
    """A large, valid workbook of the demo's shape (for benchmarks)."""
    rng = random.Random(seed)
    base = demo_tabs(today)
    order_rows: Grid = []
    for i in range(orders):
        alloy = ALLOYS[i % 5][0]
        promised = workday(today + timedelta(days=rng.randint(-30, 60)))
        order_rows.append(
            [
                f"B-{i:05d}",
                CLIENTS[i % len(CLIENTS)][0],
                "Ring",
                "Batch ring",
                alloy,
                "52",
                1,
                5.5,
                0.4,
                "Casting",
                None,
                None,
                None,
                f"https://cad.example/B-{i:05d}.stl",
                f"https://cad.example/B-{i:05d}.png",
                "P-CAST",
                "Sam",
                promised,
                0,
                None,
                None,
                None,
            ]
        )
    # each order walks its route in order: Started, Done (with a photo), Verified where the
    # Workflow asks for it; rows interleave across orders as a busy sheet does
    events = [
        (r[2], status)
        for r in WORKFLOW
        if r[0] == "Casting"
        for status in ("Started", "Done", *(("Verified",) if r[6] == "yes" else ()))
    ]
    start = today - timedelta(days=2 * (progress // orders + 1))
    progress_rows: Grid = []
    for j in range(progress):
        i, k = j % orders, (j // orders) % len(events)
        stage, status = events[k]
        photo = f"https://photos.example/{i}/{j}.jpg" if status == "Done" else None
        progress_rows.append([f"B-{i:05d}", stage, status, start + timedelta(days=2 * k), "Sam", photo, None])
    approval_rows: Grid = [
        [f"A-{i:05d}", f"B-{i:05d}", "CAD render", f"https://cad.example/B-{i:05d}.png", start, "Approved"]
        for i in range(orders)
    ]
    metal_rows: Grid = []
    for j in range(metal):
        i = j % orders
        kind = ("Issue", "Return", "Scrap", "Purchase")[(j // orders) % 4]
        grams = {"Issue": 7.2, "Return": 5.5, "Scrap": 1.5, "Purchase": 100.0}[kind]
        metal_rows.append(
            [
                today - timedelta(days=rng.randint(1, 90)),
                kind,
                ALLOYS[i % 5][0],
                grams,
                f"B-{i:05d}",
                "Vacuum",
                "Sprue" if kind == "Scrap" else None,
                "Recycled",
                "P-CAST",
                "Sam",
                None,
            ]
        )
    base["Orders"] = [base["Orders"][0], *order_rows]
    base["Progress"] = [base["Progress"][0], *progress_rows]
    base["Metal Log"] = [base["Metal Log"][0], *metal_rows]
    base["Launches"] = base["Launches"][:1]
    base["Approvals"] = [[*(c.name for c in APPROVALS.columns), "⚙ State"], *approval_rows]
    return base
