"""What the demo workshop is made of: its alloys, routes, partners, clients, the pieces it
makes, its benches, holidays and spot prices. Pure data, shared by the demo (``demo``,
``history``) and the benchmarks' synthetic workbook (``synthetic``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from ..cells import CellValue

Grid = list[list[CellValue]]

ALLOYS: Grid = [
    ["18KY", "18K yellow gold", "Au", 750, 15.5, 3],
    ["18KW", "18K white gold (palladium)", "Au", 750, 15.9, 3],
    ["14KY", "14K yellow gold", "Au", 585, 13.07, 4],
    ["14KW", "14K white gold", "Au", 585, 12.61, 4],
    ["22KY", "22K yellow gold", "Au", 916, 17.8, 3],
    ["925", "Sterling silver", "Ag", 925, 10.36, 5],
    ["PT950", "Platinum 950", "Pt", 950, 20.1, 2],
]

WORKFLOW: Grid = [
    ["Casting", 1, "CAD", 2, "CAD", "no", "no", "yes"],
    ["Casting", 2, "Wax print", 1, "CAD", "no", "no", "no"],
    ["Casting", 3, "Casting", 2, "Casting", "yes", "no", "no"],
    ["Casting", 4, "Clean-up", 1, "Goldsmith", "no", "no", "no"],
    ["Casting", 5, "Stone setting", 3, "Setting", "yes", "yes", "no"],
    ["Casting", 6, "Polishing", 1, "Polishing", "yes", "no", "no"],
    ["Casting", 7, "Quality control", 1, "QC", "no", "yes", "no"],
    ["Fabrication", 1, "Design", 2, "CAD", "no", "no", "yes"],
    ["Fabrication", 2, "Fabrication", 4, "Goldsmith", "yes", "no", "no"],
    ["Fabrication", 3, "Stone setting", 3, "Setting", "yes", "yes", "no"],
    ["Fabrication", 4, "Polishing", 1, "Polishing", "yes", "no", "no"],
    ["Fabrication", 5, "Quality control", 1, "QC", "no", "yes", "no"],
]

SPECIFIC_GRAVITY: dict[str, float] = {str(a[0]): float(a[4]) for a in ALLOYS}  # type: ignore[arg-type]

# fmt: off
PARTNERS: Grid = [
    ["P-CAST", "Fonderie Lumière", "Casting", "Hélène Roux", "casting@lumiere.example", "+33 1 40 00 00 01", 24, 48, "yes"],  # noqa: E501
    ["P-CAST2", "CastWorks Antwerp", "Casting", "Pieter Claes", "orders@castworks.example", "+32 3 000 00 02", 24, 48, "yes"],  # noqa: E501
    ["P-MFG", "Atelier Dupont", "Manufacturer", "Marc Dupont", "atelier@dupont.example", "+33 1 40 00 00 03", 24, 48, "yes"],  # noqa: E501
    ["P-SET", "Rossi Setting Studio", "Setter", "Giulia Rossi", "giulia@rossi-setting.example", "+39 02 0000 004", 12, 36, "yes"],  # noqa: E501
    ["P-POL", "Polissage Martin", "Polisher", "Luc Martin", "luc@polissage.example", "+33 1 40 00 00 05", 24, 48, "yes"],  # noqa: E501
    ["P-ENG", "Gravure Blanc", "Engraver", "Anne Blanc", "anne@gravure-blanc.example", "+33 1 40 00 00 06", 48, 72, "yes"],  # noqa: E501
]
# fmt: on

CLIENTS: Grid = [
    [f"C-{i:03d}", name, f"{name.split()[0].lower()}@client.example", "", pref, ""]
    for i, (name, pref) in enumerate(
        [
            ("Claire Moreau", "Matte shank, mirror bezel"),
            ("James Whitfield", "No rhodium plating"),
            ("Sofia Benedetti", "Prefers yellow gold"),
            ("Amara Okafor", ""),
            ("Lucas Fontaine", "Engraving in script"),
            ("Mei Tanaka", "Comfort-fit bands"),
            ("Noah Schneider", ""),
            ("Inès Haddad", "Ethically sourced stones only"),
            ("Oliver Grant", ""),
            ("Chloé Lambert", "Thin prongs"),
            ("Rafael Ortega", ""),
            ("Elena Petrova", "Recycled metal"),
        ],
        start=1,
    )
]

PIECES = [
    ("Ring", "Solitaire engagement ring, six-prong", "Round brilliant 1.02 ct G VS1", ""),
    ("Ring", "Halo ring with pavé shank", "Cushion 0.9 ct F VS2", "24 × 1.3 mm round"),
    ("Band", "Comfort-fit wedding band, 4 mm", "", ""),
    ("Pendant", "Bezel-set pendant on cable chain", "Oval sapphire 1.5 ct", ""),
    ("Earrings", "Pair of huggie hoops with pavé", "", "18 × 1.1 mm round"),
    ("Signet", "Oval signet ring, hand engraved", "", ""),
    ("Bracelet", "Bangle with hinged clasp", "", ""),
    ("Ring", "Three-stone trilogy ring", "Emerald cut 0.7 ct E VS1", "2 × 0.3 ct baguette"),
]


def movement(
    day: date,
    entry: str,
    alloy: str,
    grams: float,
    ref: str,
    method: str | None,
    *,
    scrap_kind: str | None = None,
    origin: str | None = None,
    partner: str | None = "P-CAST",
    by: str = "Sam",
    note: str | None = None,
) -> list[CellValue]:
    """A Metal Log row, in the tab's column order."""
    return [day, entry, alloy, grams, ref, method, scrap_kind, origin, partner, by, note]


def add_workdays(d: date, n: int, closed: Collection[date] = ()) -> date:
    """``n`` working days (Monday to Friday, not ``closed``) after ``d``, or before it when
    negative."""
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        d += timedelta(days=step)
        while d.weekday() >= 5 or d in closed:
            d += timedelta(days=step)
    return d


def workday(d: date, back: bool = False) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=-1 if back else 1)
    return d


# the benches: who declares how many hours a week of which skill (the Load tab's capacity),
# sized for about 3.5 pieces a week, each about 11 working days of bench work
CAPACITY: Grid = [
    ["Ana", "CAD", 40, None, None],
    ["Yuki", "CAD", 40, None, None],
    ["Tomás", "CAD", 16, None, None],
    ["Tomás", "Casting", 24, None, None],
    ["Léo", "Casting", 40, None, None],
    ["Sam", "Goldsmith", 40, None, None],
    ["Inès", "Goldsmith", 40, None, None],
    ["Noor", "Polishing", 16, None, None],
    ["Noor", "QC", 24, None, None],
    ["Marco", "Polishing", 32, None, None],
    ["Jules", "QC", 32, None, None],
    ["Eva", "Setting", 40, None, None],
    ["Lina", "Setting", 40, None, None],
]


def capacity(today: date) -> Grid:
    """The benches, and Karim, the third setter, away for the week four weeks after this
    one: the week the Load tab shows setting overloaded."""
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=4)
    return [*CAPACITY,
            ["Karim", "Setting", 40, None, monday - timedelta(days=1)],
            ["Karim", "Setting", 40, monday + timedelta(days=7), None]]


def holidays(today: date) -> Grid:
    """The days the workshop is closed, last year to next."""
    rows: Grid = []
    for y in (today.year - 1, today.year, today.year + 1):
        rows += [
            [date(y, 1, 1), "New Year's Day"],
            [date(y, 5, 1), "Labour Day"],
            [date(y, 7, 14), "Bastille Day"],
            [date(y, 11, 11), "Armistice Day"],
            [date(y, 12, 25), "Christmas Day"],
        ]
    return rows


def prices(today: date) -> Grid:
    """Spot prices as of the last working day."""
    as_of = workday(today - timedelta(days=1), back=True)
    return [["Au", 2650.0, "USD", as_of], ["Ag", 31.2, "USD", as_of], ["Pt", 985.0, "USD", as_of]]
