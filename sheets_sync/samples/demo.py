"""The demo workbook: what a newcomer's first `sheets-sync run` writes. Pure data.

Dates are laid out around ``today`` so the demo always looks alive, and one ``today`` and
``seed`` always give the same workbook. The work in hand (``demo_tabs``: 30 orders, some
delivered, some on track, at risk or late; launches, approvals, two partner reports), the
months before it (``history``), new commissions whose whole route is still ahead
(``upcoming``), on the benches, partners and clients of ``catalogue``. A few deliberate
mistakes show what the sync catches (an unknown alloy, a date that does not exist,
negative grams, a stage started too early, a launch whose sheet is incomplete, a
duplicated reference); the 18KY count disagrees with the books by 4.30 g.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from ..cells import CellValue
from ..contract import HUMAN_TABS, PARTNER_PROBLEMS, machine_header
from .catalogue import (
    ALLOYS,
    CLIENTS,
    PARTNERS,
    PIECES,
    SPECIFIC_GRAVITY,
    WORKFLOW,
    Grid,
    add_workdays,
    capacity,
    holidays,
    movement,
    prices,
    workday,
)
from .history import LAUNCH_STAMPS, history

SIGN = {"Purchase": 1, "Issue": -1, "Return": 1, "Scrap": 1, "Refine Out": -1, "Refine In": 1}


def book(log: Grid, delivered: dict[str, date], alloy: str, day: date) -> float:
    """The safe's book grams of ``alloy`` at the end of ``day`` (as the Metal Stock tab
    counts them: every movement so far, less the finished pieces delivered by then)."""
    total = 0.0
    for when, entry, code, grams, ref, *_ in log:
        if code != alloy or not isinstance(grams, float) or grams <= 0:
            continue
        if isinstance(when, date) and when <= day:
            total += SIGN.get(str(entry), 0) * grams
        if entry == "Return" and delivered.get(str(ref), date.max) <= day:
            total -= grams
    return total


def demo_tabs(today: date, seed: int = 2026) -> dict[str, Grid]:
    """The demo workbook's human tabs, row 0 the header row of each."""
    rng = random.Random(seed)
    t = today
    orders: Grid = []
    progress: Grid = []
    metal: Grid = []
    launches: Grid = []
    approvals: Grid = []
    alloy_codes = [str(a[0]) for a in ALLOYS if a[0] != "925"]
    casting_stages = [r[2] for r in WORKFLOW if r[0] == "Casting"]
    fab_stages = [r[2] for r in WORKFLOW if r[0] == "Fabrication"]
    for i in range(30):
        ref = f"JW-{2301 + i}"
        piece, desc, center, side = PIECES[i % len(PIECES)]
        route = "Fabrication" if i % 4 == 3 else "Casting"
        alloy = alloy_codes[i % len(alloy_codes)]
        client = CLIENTS[i % len(CLIENTS)][0]
        stages = casting_stages if route == "Casting" else fab_stages
        promised = workday(t + timedelta(days=-15 + i * 2))
        delivered: date | None = None
        done_count = min(len(stages), max(0, int(len(stages) * (30 - i) / 26)))
        if i < 5:
            done_count = len(stages)
            delivered = workday(promised + timedelta(days=(2 if i == 1 else -1)), back=True)
        wax = round(rng.uniform(1.2, 4.5), 2) if route == "Casting" else None
        sg = SPECIFIC_GRAVITY[alloy]
        target = round((wax or rng.uniform(2, 5)) * sg * 0.92, 1)
        cad = f"https://drive.google.com/file/d/1cad{ref.replace('-', '')}/view"
        render = f"https://drive.google.com/file/d/1rnd{ref.replace('-', '')}/view"
        size = "52" if piece in ("Ring", "Band", "Signet") else ("45 cm" if piece == "Pendant" else "")
        partner = "P-CAST" if route == "Casting" else "P-MFG"
        delay = 3 if i in (7, 21) else 0
        orders.append(
            [
                ref,
                client,
                piece,
                desc,
                alloy,
                size,
                1,
                target,
                wax,
                route,
                center or None,
                side or None,
                None,
                cad,
                render,
                partner,
                ["Sam", "Noor", "Ana"][i % 3],
                promised,
                delay,
                delivered,
                None,
                None,
            ]
        )
        start = promised - timedelta(days=24)
        day = start
        for s, stage in enumerate(stages[: done_count + (1 if done_count < len(stages) else 0)]):
            day = workday(day + timedelta(days=2))
            if day > t:
                day = workday(t, back=True)
            needs_photo = any(r[2] == stage and r[5] == "yes" for r in WORKFLOW if r[0] == route)
            photo = f"https://photos.example/{ref}/{s + 1}.jpg" if needs_photo else None
            reworked = i == 9 and stage == "Polishing"
            first = day - timedelta(days=2) if reworked else day
            progress.append([ref, stage, "Started", first, "Sam", None, None])
            if s < done_count:
                progress.append([ref, stage, "Done", first, "Sam", photo, None])
                if any(r[2] == stage and r[6] == "yes" for r in WORKFLOW if r[0] == route):
                    progress.append([ref, stage, "Verified", day, "Noor", None, None])
                if reworked:
                    progress.append(
                        [ref, stage, "Rework", day - timedelta(days=1), "Noor", None, "Scratch on shank"]
                    )
                    progress.append([ref, stage, "Done", day, "Sam", photo, "Re-polished"])
        if route == "Casting" and done_count >= 3:
            issued = round((wax or 0.0) * sg * 1.1 + 2, 2)
            loss_pct = 0.07 if i == 6 else rng.uniform(0.008, 0.025)
            finished = round((wax or 0.0) * sg * (0.962 + (i * 7 % 10) * 0.0015), 2)
            scrap = round(issued - finished - issued * loss_pct, 2)
            method = "Vacuum"  # Fonderie Lumière casts under vacuum (see history)
            cast_day = workday(start + timedelta(days=6))
            origin = "Recycled" if i % 3 else "Mined"
            back = cast_day + timedelta(days=2)
            metal += [
                movement(cast_day, "Issue", alloy, issued, ref, method, origin=origin),
                movement(back, "Return", alloy, finished, ref, method),
                movement(back, "Scrap", alloy, scrap, ref, method, scrap_kind="Sprue"),
            ]
        requested = workday(start - timedelta(days=3), back=True)
        if i >= 27 or i == 21:  # JW-2322 went on to wax without the client's approval
            requested = workday(t - timedelta(days=max(i - 26, 2)), back=True)
            approvals.append([f"AP-{i + 1:03d}", ref, "CAD render", render, requested, None, None, None])
        else:  # answered earlier through the client's link
            answered = datetime.combine(requested + timedelta(days=1), time(10, 30))
            who = next(c[1] for c in CLIENTS if c[0] == client)
            approvals.append(
                [f"AP-{i + 1:03d}", ref, "CAD render", render, requested, "Approved", answered, who]
            )
        if 8 <= i < 20:
            task = route  # the Workflow stage the partner does
            launch_day = workday(t - timedelta(days=(20 - i) // 3))
            launches.append(
                [
                    f"L-{i + 1:03d}",
                    ref,
                    partner,
                    task,
                    launch_day,
                    workday(launch_day + timedelta(days=7)),
                    "Keep sprue on the back of the shank.",
                    center or None,
                ]
            )
    # deliberate mistakes
    orders[11][4] = "19KY"  # unknown alloy
    orders[12][17] = "31/02/2026"  # a date that does not exist
    orders[14][13] = None  # CAD file missing: its launch is blocked
    orders.append(list(orders[3]))  # duplicated reference
    orders[-1][3] = "Duplicate line typed by mistake"
    progress.append(
        [orders[25][0], "Stone setting", "Started", workday(t, back=True), "Ana", None, "Started early"]
    )
    metal.append(  # negative grams
        movement(workday(t - timedelta(days=3), back=True), "Scrap", "14KY", -1.5, "JW-2320", None,
                  scrap_kind="Filings", by="Ana", note="typo", partner=None)
    )  # fmt: skip
    past = history(t, seed)
    opened = workday(t - timedelta(days=330))
    purchases: Grid = [  # the opening balances, before the months of history
        [opened, "Purchase", alloy, grams, "Stock", None, None, origin, "Bullion Co", "Sam",
         "opening balance"]
        for alloy, grams, origin in (
            ("18KY", 420.0, "Recycled"),
            ("14KY", 380.0, "Mined"),
            ("18KW", 360.0, "Recycled"),
            ("PT950", 420.0, "Mined"),
            ("22KY", 380.0, "Recycled"),
        )
    ]  # fmt: skip
    purchases.append(
        [workday(t - timedelta(days=10)), "Refine Out", "14KY", 12.4, "Sweeps Q3", None, "Sweeps", None,
         "Refinery Ouest", "Sam", None]
    )  # fmt: skip
    counted = workday(t - timedelta(days=2), back=True)
    purchases.append(
        [counted, "Count", "18KY", None, "Safe", None, None, None, None, "Noor", "Monthly count"]
    )  # fmt: skip
    later: Grid = [
        [workday(t - timedelta(days=days)), "Purchase", alloy, grams, "Stock", None, None, origin,
         "Bullion Co", "Sam", None]
        for days, alloy, grams, origin in (
            (150, "14KW", 300.0, "Recycled"),
            (120, "18KY", 250.0, "Recycled"),
            (60, "18KW", 150.0, "Recycled"),
            (60, "14KY", 200.0, "Mined"),
            (60, "PT950", 100.0, "Mined"),
            (60, "22KY", 80.0, "Recycled"),
        )
    ]  # fmt: skip
    log = purchases + metal + past.metal + later
    handed = {str(o[0]): o[19] for o in orders + past.orders if isinstance(o[19], date)}
    # the safe weighed 4.30 g less than the books say: the count variance Metal Stock flags
    purchases[-1][3] = round(book(log, handed, "18KY", counted) - 4.3, 2)
    launches.append(
        [
            "L-031",
            orders[14][0],
            "P-SET",
            "Stone setting",
            workday(t),
            workday(t + timedelta(days=5)),
            None,
            None,
        ]
    )
    data: dict[str, Grid] = {
        "Orders": orders + past.orders + upcoming(t),
        "Progress": progress + past.progress,
        "Workflow": WORKFLOW,
        "Alloys": ALLOYS,
        "Prices": prices(t),
        "Metal Log": log,
        "Partners": PARTNERS,
        "Clients": CLIENTS,
        "Launches": launches + past.launches,
        "Approvals": approvals + past.approvals,
        "Capacity": capacity(t),
        "Holidays": holidays(t),
        "Partner Problems": partner_problems(t, launches),
    }
    return _with_headers(
        data,
        extra={
            "Orders": ["Sales Notes"],
            "Approvals": ["⚙ State", "⚙ Answered At", "⚙ Answered By"],
            "Launches": [machine_header(m) for m in LAUNCH_STAMPS],
            # every ⚙ column in the contract's order (a sync adds missing ones as it goes)
            "Partner Problems": [machine_header(m) for m in PARTNER_PROBLEMS.machine_columns],
        },
    )


def partner_problems(today: date, launches: Grid) -> Grid:
    """Two reports from the caster: one decided within the hour on its launch day (the
    sync emails the decision to the partner and shows it on the launch page), one sent
    yesterday at 16:30 and still waiting (Now on the Today tab from 11:30 today: 4
    working hours)."""
    decided, waiting = launches[1], launches[2]  # L-010 and L-011, both with the caster
    launched = decided[4] if isinstance(decided[4], date) else today
    reported = datetime.combine(launched, time(10, 15))
    yesterday = datetime.combine(workday(today - timedelta(days=1), back=True), time(16, 30))
    return [
        ["web-demo-sprue", decided[0], decided[1], decided[2], reported,
         "The sprue on the back of the shank, as the sheet asks, lands on the engraving "
         "zone. Can we move it to the side?", None,
         "Yes: move the sprue to the side of the shank. We accept up to 0.2 g over the "
         "target weight.", "Marc", "Decided", reported + timedelta(minutes=50)],
        ["web-demo-porosity", waiting[0], waiting[1], waiting[2], yesterday,
         "Porosity on the inside of the band after casting. Recast, or clean up and polish?",
         None, None, None, "Awaiting decision", None],
    ]


def _with_headers(data: dict[str, Grid], extra: dict[str, list[str]] | None = None) -> dict[str, Grid]:
    out: dict[str, Grid] = {}
    for tab in HUMAN_TABS:
        header: list[CellValue] = [c.name for c in tab.columns]
        rows = [list(r) for r in data.get(tab.name, [])]
        if extra and tab.name in extra:
            header.extend(extra[tab.name])
            rows = [r + [None] * (len(header) - len(r)) for r in rows]
        out[tab.name] = [header, *rows]
    return out


# new commissions: (working days from today to the promised date, route); nothing started
# yet, their whole route is ahead on the Load tab, spread so the benches stay busy
UPCOMING = ((15, "Casting"), (18, "Casting"), (27, "Casting"), (32, "Casting"), (33, "Fabrication"),
            (34, "Casting"), (35, "Fabrication"), (36, "Casting"), (38, "Casting"), (40, "Casting"),
            (42, "Fabrication"), (43, "Casting"), (44, "Casting"), (44, "Casting"))


def upcoming(today: date) -> Grid:
    """The orders taken in the last days, promised three to eight weeks out."""
    closed = {d for d, _ in holidays(today) if isinstance(d, date)}
    rows: Grid = []
    for j, (days, route) in enumerate(UPCOMING):
        ref = f"JW-{2331 + j}"
        piece, desc, center, side = PIECES[(j * 5 + 1) % len(PIECES)]
        alloy = ("18KY", "14KY", "18KW", "PT950", "22KY", "14KW")[j % 6]
        wax = round(1.5 + (j * 7 % 10) * 0.3, 2) if route == "Casting" else None
        files = ref.replace("-", "")
        rows.append([
            ref, CLIENTS[(j * 5 + 3) % len(CLIENTS)][0], piece, desc, alloy, "52", 1,
            round((wax or 3.0) * SPECIFIC_GRAVITY[alloy] * 0.96, 1), wax, route, center or None,
            side or None, None, f"https://drive.google.com/file/d/1cad{files}/view",
            f"https://drive.google.com/file/d/1rnd{files}/view",
            "P-CAST" if route == "Casting" else "P-MFG", ("Noor", "Ana", "Sam")[j % 3],
            add_workdays(workday(today, back=True), days, closed), 0, None, None, None,
        ])
    return rows
