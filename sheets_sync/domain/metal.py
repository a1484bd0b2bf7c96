"""Metal arithmetic: fine metal, troy ounces, theoretical metal, loss and yield per job.

Trade meanings chosen here (and used by every other room):

* **Fine metal** = grams x fineness / 1000 (fineness per mille: 18K = 750).
* **Troy ounces** = grams / 31.1034768. Spot prices are per troy ounce of *fine* metal, so
  the value of a loss is ``troy_ounces(fine_lost_g) x price``, at the latest price dated on
  or before today (``latest_price``, the one the Metal Stock uses too).
* **Theoretical metal** for a casting = wax weight x the alloy's specific gravity x quantity
  (5 g of wax in 14KY, SG 13.07 -> 65.35 g; a batch line of 3 -> 196.05 g). It is what
  should end in the pieces: the sprue a caster adds on top comes back as scrap.
* **Outstanding or lost**: metal issued for a job and not back (as finished weight or
  scrap) is *outstanding* while the job runs, and *lost* once it is over (``settled``: an
  order when delivered, a batch once its metal came back). One rule for the Yields tab, the
  Metal Stock's partner rows and the order's ⚙ Loss %.
* **Loss** = issued - (finished returned + scrap returned) of a settled job; loss % = loss /
  issued x 100.
* **Yield variance (YVR)** = actual metal used / theoretical metal required x 100, where
  *actual metal used* is the **finished weight returned** (the metal that ended in the
  pieces). This is the reading under which, as the trade puts it, "a YVR of 96.5 % means
  3.5 % metal loss", and the one the 96.5 % target in config assumes. Metal issued but
  returned as scrap is not "used" (it goes back to the safe), so it is left out.

Grams are rounded to 3 decimals (a milligram), percentages to 2, values to 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .model import Alloy, MetalEntry, Order, Price
from .problems import ERROR, WARNING, Problem, where

TROY_OUNCE_G = 31.1034768
TAB = "Metal Log"

ENTRY_SIGN: dict[str, int] = {
    "Purchase": +1,
    "Issue": -1,
    "Return": +1,
    "Scrap": +1,
    "Refine Out": -1,
    "Refine In": +1,
    "Count": 0,
}
"""Sign of each Metal Log entry toward the metal held in the workshop's safe.

Purchase +  metal bought comes in.
Issue    -  metal handed to a bench or a caster for a job leaves the safe.
Return   +  finished weight of that job comes back (it is stock until delivered).
Scrap    +  sprue, filings, sweeps of that job come back to the safe.
Refine Out - scrap sent to the refiner leaves.
Refine In  + refined metal comes back.
Count    0  a weighing of what is in the safe: not a movement; compare it with the book
            balance (sum of sign x grams up to that date) instead of adding it.
"""

YIELD_ENTRIES = ("Issue", "Return", "Scrap")


def fine_grams(grams: float, fineness: float) -> float:
    """Pure metal in ``grams`` of an alloy of ``fineness`` per mille: 10 g of 750 -> 7.5 g."""
    return grams * (fineness / 1000.0)  # the ratio first: fine 1000 gives exactly grams, never 1 ulp more


def troy_ounces(grams: float) -> float:
    """7.5 g -> 0.2411 troy oz."""
    return grams / TROY_OUNCE_G


def theoretical_metal(wax_g: float, specific_gravity: float, quantity: int = 1) -> float:
    """Metal the wax models of a line turn into: 5 g wax, SG 13.07 -> 65.35 g; x 3 -> 196.05 g."""
    return wax_g * specific_gravity * quantity


def latest_price(prices: Iterable[Price], metal: str, today: date) -> Price | None:
    """The newest spot price of ``metal`` dated on or before ``today`` (a price dated later
    is not known yet); ties go to the lower row. Used by the Yields and the Metal Stock."""
    mine = [p for p in prices if _fold(p.metal) == _fold(metal) and p.as_of <= today]
    return max(mine, key=lambda p: (p.as_of, p.row)) if mine else None


def settled(order: Order | None, came_back: bool, today: date) -> bool:
    """Whether a job is over, so that its metal not back is lost rather than outstanding:
    an order once delivered (a Delivered Date on or before ``today``); a batch (an Order
    Ref or Batch that is no order) once its metal came back (Return or Scrap rows)."""
    if order is not None:
        return order.delivered is not None and order.delivered <= today
    return came_back


def above(value: float, limit: float) -> str:
    """``value`` (> ``limit``) with the decimals it takes to read above it: 2.04 over 2."""
    for digits in range(1, 4):
        if round(value, digits) > limit:
            return f"{value:.{digits}f}"
    return f"{value:.4f}"


@dataclass(frozen=True)
class YieldLine:
    """One order or casting batch, as the Yields tab shows it."""

    ref: str
    alloy: str
    method: str
    issued: float
    finished: float
    scrap: float
    loss_g: float | None  # None while open (nothing came back yet)
    loss_pct: float | None
    theoretical: float | None  # None unless a Casting order with a wax weight
    yield_variance_pct: float | None  # finished / theoretical x 100
    fine_lost_g: float | None
    value_lost: float | None  # None when the alloy or a spot price is unknown
    currency: str
    flag: str  # "" or words: "loss 6.2 % above alert 5 %"
    day: date | None = None  # the last movement of the job (for monthly KPIs)
    rows: tuple[int, ...] = ()  # Metal Log rows of the job, for messages
    price_as_of: date | None = None  # the date of the spot price behind value_lost
    outstanding_g: float | None = None  # not back yet while the job runs (then loss_g)


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def _rows(entries: Iterable[MetalEntry]) -> str:
    rows = sorted(e.row for e in entries)
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(r) for r in rows)


def _entry_problems(
    entries: list[MetalEntry], alloys: dict[str, Alloy]
) -> tuple[list[MetalEntry], list[Problem]]:
    """Rows with unusable grams are dropped (and said); unknown alloys are said."""
    kept: list[MetalEntry] = []
    problems: list[Problem] = []
    for e in entries:
        key = f"row {e.row}"
        if e.grams <= 0:
            problems.append(Problem(TAB, key, "Grams", ERROR,
                f"{where(TAB, e.row, e.ref, 'Grams')}: {e.entry} of {e.grams:g} g; "
                "grams must be more than 0 (the row is left out of the yield)."))
            continue
        if _fold(e.alloy) not in alloys:
            problems.append(Problem(TAB, key, "Alloy", ERROR,
                f"{where(TAB, e.row, e.ref, 'Alloy')}: alloy {e.alloy!r} is not on the "
                "Alloys tab, so its fine metal and value cannot be counted."))
        kept.append(e)
    return kept, problems


def _line(
    ref: str,
    entries: list[MetalEntry],
    order: Order | None,
    alloys: dict[str, Alloy],
    prices: list[Price],
    today: date,
) -> tuple[YieldLine, list[Problem]]:
    problems: list[Problem] = []
    issues = [e for e in entries if e.entry == "Issue"]
    first = (issues or entries)[0]
    alloy_code = first.alloy
    alloy = alloys.get(_fold(alloy_code))
    others = [e for e in entries if _fold(e.alloy) != _fold(alloy_code)]
    if others:
        names = sorted({e.alloy for e in others})
        problems.append(Problem(TAB, ref, "Alloy", ERROR,
            f"{TAB} {_rows(others)} ({ref}), column Alloy: {', '.join(names)} differs from "
            f"{alloy_code} issued for the same job; one job must stay in one alloy."))

    issued = sum(e.grams for e in issues)
    finished = sum(e.grams for e in entries if e.entry == "Return")
    scrap = sum(e.grams for e in entries if e.entry == "Scrap")
    method = next((e.method for e in entries if e.method), None)
    if method is None and order is not None and _fold(order.route) == "fabrication":
        method = "Fabrication"

    theoretical: float | None = None
    if (order is not None and _fold(order.route) == "casting" and order.wax_weight
            and alloy is not None):
        theoretical = theoretical_metal(order.wax_weight, alloy.specific_gravity, order.quantity or 1)

    back = finished + scrap
    over = settled(order, back > 0, today)
    is_open = issued > 0 and back == 0 and not over
    not_back = issued - back
    loss: float | None = not_back if over else None
    loss_pct = loss / issued * 100 if loss is not None and issued > 0 else None
    yvr = finished / theoretical * 100 if theoretical and finished > 0 else None

    fine_lost = value = None
    currency = ""
    price = None
    if alloy is not None and loss is not None:
        fine_lost = fine_grams(loss, alloy.fineness)
        price = latest_price(prices, alloy.metal, today)
        if price is not None:
            value = troy_ounces(fine_lost) * price.per_troy_oz
            currency = price.currency

    flag = ""
    if is_open:
        flag = "open: nothing returned yet"
        issue_rows = _rows(issues)
        problems.append(Problem(TAB, ref, "Grams", WARNING,
            f"{TAB} {issue_rows} ({ref}): {issued:g} g {alloy_code} issued, nothing returned "
            "yet; every issue must come back as finished weight, scrap or recorded loss."))
    elif not_back < 0:
        flag = f"more returned than issued ({-not_back:.3f} g)"
        problems.append(Problem(TAB, ref, "Grams", ERROR,
            f"{TAB} {_rows(entries)} ({ref}): {finished + scrap:g} g came back "
            f"(finished {finished:g} + scrap {scrap:g}) but only {issued:g} g was issued; "
            "an issue is missing or a weight is wrong."))
    elif loss is None:
        flag = f"open: {not_back:.2f} g not back yet"
    elif loss_pct is not None and alloy is not None and loss_pct > alloy.loss_alert_pct:
        flag = f"loss {above(loss_pct, alloy.loss_alert_pct)} % above alert {alloy.loss_alert_pct:g} %"
        problems.append(Problem(TAB, ref, "Grams", WARNING,
            f"{TAB} {_rows(entries)} ({ref}): {alloy_code} {flag} "
            f"({loss:.3f} g of {issued:g} g issued)."))

    line = YieldLine(
        ref=ref,
        alloy=alloy.code if alloy is not None else alloy_code,
        method=method or "",
        issued=round(issued, 3),
        finished=round(finished, 3),
        scrap=round(scrap, 3),
        loss_g=None if loss is None else round(loss, 3),
        loss_pct=None if loss_pct is None else round(loss_pct, 2),
        theoretical=None if theoretical is None else round(theoretical, 3),
        yield_variance_pct=None if yvr is None else round(yvr, 2),
        fine_lost_g=None if fine_lost is None else round(fine_lost, 3),
        value_lost=None if value is None else round(value, 2),
        currency=currency,
        flag=flag,
        day=max(e.day for e in entries),
        rows=tuple(sorted(e.row for e in entries)),
        price_as_of=price.as_of if price is not None and value is not None else None,
        outstanding_g=None if over else round(not_back, 3),
    )
    return line, problems


def compute_yields(
    metal_log: list[MetalEntry],
    orders: list[Order],
    alloys: list[Alloy],
    prices: list[Price],
    today: date,
) -> tuple[list[YieldLine], list[Problem]]:
    """One YieldLine per "Order Ref or Batch" with Issue / Return / Scrap rows, in the order
    each job first appears on the Metal Log, and the problems found on the way. A job's
    loss is known once it is ``settled``; until then what is not back is outstanding.

    Return rows are the finished weight, Scrap rows the scrap returned. Rows without a
    reference and other entries (Purchase, Refine, Count) belong to Metal Stock, not here.
    References are matched case and spacing forgiven; the first spelling is shown.
    """
    by_code = {_fold(a.code): a for a in alloys}
    by_ref = {_fold(o.ref): o for o in orders}
    relevant = [e for e in metal_log if e.entry in YIELD_ENTRIES and _fold(e.ref)]
    kept, problems = _entry_problems(relevant, by_code)

    groups: dict[str, list[MetalEntry]] = {}
    for e in kept:
        groups.setdefault(_fold(e.ref), []).append(e)

    lines: list[YieldLine] = []
    for key, entries in groups.items():
        ref = (entries[0].ref or "").strip()
        line, found = _line(ref, entries, by_ref.get(key), by_code, prices, today)
        lines.append(line)
        problems.extend(found)
    return lines, problems
