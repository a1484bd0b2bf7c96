"""The demo workshop's past: months of orders that went the whole way, so the KPIs, the
KPI Trends charts and the Yields tab have a story to tell. Pure data.

The story, oldest first: in the first months the castings went to CastWorks Antwerp
(centrifugal casting): yields near 93.5 %, acknowledgements often later than the 24 h
asked, and more pieces delivered late. Then the workshop moved its castings to Fonderie
Lumière (vacuum casting): yields climb towards 97 %, partners answer within hours, and
promises are kept. Every order has its whole route on Progress (started, done with the
photo the stage asks for, verified where the Workflow says so, now and then a rework),
its metal on the Metal Log (issued to the caster, back as finished weight and sprue), its
launch sent and acknowledged (the ⚙ stamps a sync and the partner's link left), and its
CAD render approved by the client. One recent casting lost more metal than its alloy's
Loss Alert %: the example the Today tab and the staff digest flag.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..cells import CellValue
from .catalogue import CLIENTS, PIECES, SPECIFIC_GRAVITY, WORKFLOW, Grid, add_workdays, movement, workday

ORDERS = 36  # about four a month over nine months
FIRST_REF = 2265  # the history ends at JW-2300; the work in hand starts at JW-2301
ALLOYS_CAST = ("18KY", "18KW", "14KY", "14KW", "22KY", "PT950")
OLD_CASTER, NEW_CASTER = "P-CAST2", "P-CAST"
ARTISANS = ("Sam", "Noor", "Ana")
SIZES = {"Pendant": "45 cm", "Earrings": "one size", "Bracelet": "17 cm"}
LOSS_ALERT_REF = f"JW-{FIRST_REF + ORDERS - 3}"  # delivered a few days ago, 18KY, 4.2 % lost


@dataclass
class History:
    """The rows of each human tab the past adds (appended below the work in hand)."""

    orders: Grid = field(default_factory=list)
    progress: Grid = field(default_factory=list)
    metal: Grid = field(default_factory=list)
    launches: Grid = field(default_factory=list)
    approvals: Grid = field(default_factory=list)


def _stages(route: str) -> list[tuple[str, int, bool, bool]]:
    """(stage, planned days, needs photo, needs verification) in route order."""
    return [(str(r[2]), int(str(r[3])), r[5] == "yes", r[6] == "yes")
            for r in WORKFLOW if r[0] == route]


def history(today: date, seed: int = 2026) -> History:
    """``ORDERS`` delivered orders, promised about a week apart, the last one promised
    three working days before ``today``."""
    rng = random.Random(seed + 1)  # its own draws: the work in hand stays as it was
    out = History()
    for k in range(ORDERS):
        q = k / (ORDERS - 1)  # 0 the oldest, 1 the newest: how far the story has come
        ref = f"JW-{FIRST_REF + k}"
        piece, desc, center, side = PIECES[(k * 3) % len(PIECES)]
        route = "Fabrication" if k % 4 == 3 else "Casting"
        alloy = "18KY" if ref == LOSS_ALERT_REF else ALLOYS_CAST[(k * 5) % len(ALLOYS_CAST)]
        client_row = CLIENTS[(k * 7) % len(CLIENTS)]
        old = q < 0.45
        partner = "P-MFG" if route == "Fabrication" else (OLD_CASTER if old else NEW_CASTER)
        promised = workday(today - timedelta(days=3 + round((ORDERS - 1 - k) * 8)))
        client_delay = 5 if k in (9, 22) else 0
        late = client_delay > 0 or (k % 3 == 1 if old else k == 30)
        delivered = workday(promised + timedelta(days=rng.randint(1, 4) + client_delay)) if late \
            else workday(promised - timedelta(days=rng.randint(0, 2)), back=True)
        wax = round(rng.uniform(1.2, 4.5), 2) if route == "Casting" else None
        sg = SPECIFIC_GRAVITY[alloy]
        theoretical = (wax or rng.uniform(2, 5)) * sg
        kept = 0.935 + 0.035 * q + rng.uniform(-0.004, 0.004)  # yield variance, as a share
        finished = round(theoretical * kept, 2)
        size = SIZES.get(piece, "52")
        files = ref.replace("-", "")
        out.orders.append([
            ref, client_row[0], piece, desc, alloy, size, 1, round(theoretical * 0.95, 1), wax,
            route, center or None, side or None, None,
            f"https://drive.google.com/file/d/1cad{files}/view",
            f"https://drive.google.com/file/d/1rnd{files}/view", partner, ARTISANS[k % 3],
            promised, client_delay, delivered, None, None,
        ])
        # the route backwards from the day before delivery: each stage its planned days
        plan: list[tuple[str, date, date, bool, bool]] = []
        end = add_workdays(delivered, -1)
        for stage, days, photo, verify in reversed(_stages(route)):
            begun = add_workdays(end, -(days - 1))
            plan.append((stage, begun, end, photo, verify))
            end = add_workdays(begun, -1)
        plan.reverse()
        reworked = rng.random() < (0.18 if old else 0.06)
        by = ARTISANS[(k + 1) % 3]
        for s, (stage, begun, done, photo, verify) in enumerate(plan):
            shot = f"https://photos.example/{ref}/{s + 1}.jpg" if photo else None
            out.progress.append([ref, stage, "Started", begun, by, None, None])
            if reworked and stage == "Stone setting":  # 3 days: done, sent back, done again
                out.progress.append([ref, stage, "Done", begun, by, shot, None])
                out.progress.append([ref, stage, "Rework", add_workdays(begun, 1), "Noor", None,
                                     "A prong catches: re-tip it"])
            out.progress.append([ref, stage, "Done", done, by, shot, None])
            if verify:
                out.progress.append([ref, stage, "Verified", done, "Noor", None, None])
        first, made = plan[0][1], next(p for p in plan if p[0] in ("Casting", "Fabrication"))
        requested = add_workdays(first, -3)
        answered = datetime.combine(add_workdays(requested, 1), time(10, 30) if old else time(9, 40))
        out.approvals.append([f"AP-{901 + k}", ref, "CAD render",
                              f"https://drive.google.com/file/d/1rnd{files}/view", requested,
                              "Approved", answered, client_row[1]])
        # the metal: issued to the caster (or the bench) when the job starts, back when it ends
        method = "Fabrication" if route == "Fabrication" else ("Centrifugal" if old else "Vacuum")
        issued = round(theoretical * 1.1 + 2, 2)
        lost = 0.042 if ref == LOSS_ALERT_REF else rng.uniform(0.006, 0.017 if alloy == "PT950" else 0.024)
        scrap = round(issued - finished - issued * lost, 2)
        origin = "Recycled" if k % 3 else "Mined"
        out.metal += [
            movement(made[1], "Issue", alloy, issued, ref, method, origin=origin, partner=partner),
            movement(made[2], "Return", alloy, finished, ref, method, partner=partner),
            movement(made[2], "Scrap", alloy, scrap, ref, method, partner=partner,
                     scrap_kind="Sprue" if route == "Casting" else "Filings"),
        ]
        # the launch: sent on its day, acknowledged through the partner's link
        sent = datetime.combine(made[1], time(9, 0))
        hours = rng.uniform(20, 34) if old else (27.5 if k == 28 else rng.uniform(1.5, 20))
        acked = sent + timedelta(hours=round(hours, 1))
        contact = "Pieter Claes" if partner == OLD_CASTER else (
            "Hélène Roux" if partner == NEW_CASTER else "Marc Dupont")
        out.launches.append([
            f"L-{901 + k}", ref, partner, route,
            made[1], add_workdays(made[2], 2), None, center or side or None,
            *launch_stamps(sent, acked, contact),
        ])
    return out


# the ⚙ columns of Launches the demo starts with (as a sync left them: the Link before the
# stamps, so a long link never runs past the sheet's last column)
LAUNCH_STAMPS = ("Problem", "State", "Missing", "Link", "Sent At", "Acknowledged At",
                 "Acknowledged By", "Response Hours")


def launch_stamps(sent: datetime, acked: datetime, by: str) -> list[CellValue]:
    """The ⚙ cells of an acknowledged launch, in ``LAUNCH_STAMPS`` order."""
    return [None, "Acknowledged", None, None, sent, acked, by,
            round((acked - sent).total_seconds() / 3600, 2)]

