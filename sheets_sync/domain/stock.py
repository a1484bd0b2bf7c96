"""Metal stock: what the books say each alloy should weigh, and what partners still hold.

Conventions (the README section "Metal Stock" says the same in words):

* **Book balance** of an alloy on a date = sum of ``ENTRY_SIGN[entry] x grams`` over the
  Metal Log rows dated on or before that date (signs in ``metal.ENTRY_SIGN``: Purchase +,
  Issue -, Return +, Scrap +, Refine Out -, Refine In +, Count 0), **minus** the finished
  weight returned for orders delivered by then: a Return brings the finished piece back
  into stock, and its Delivered Date takes it out again (the log has no "sale" row).
* A **Count** is a weighing, never a movement. The last Count date of an alloy is compared
  with the book balance at the end of that day; several Count rows of one alloy on that
  date are added (one row per box or tray). Variance = counted - book.
* **Recycled share** = grams with Origin "Recycled" / grams that came in (Purchase and
  Refine In rows); a Refine In with a blank Origin is our own scrap back, so recycled.
* **Outstanding at a partner** (Counterparty: a Partner ID or Name, case and spacing
  forgiven) = Issue - Return - Scrap of that partner, job by job, until the job is settled
  (``metal.settled``: an order once delivered, a batch once its metal came back); then what
  is missing is its loss, shown on the Yields tab, and no longer outstanding.
* Value = fine troy ounces x the latest spot price of the alloy's metal dated on or before
  ``today``. Grams are rounded to 2 decimals, ounces to 3, money to 2, shares to 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .metal import ENTRY_SIGN, YIELD_ENTRIES, fine_grams, latest_price, settled, troy_ounces
from .model import Alloy, Directory, MetalEntry, Order, Partner, Price
from .problems import ERROR, WARNING, Problem, where

TAB = "Metal Stock"
LOG = "Metal Log"
SAFE = "Safe"
INCOMING = ("Purchase", "Refine In")
PARTNER_ENTRIES = ("Issue", "Return", "Scrap")


@dataclass(frozen=True)
class StockLine:
    """One row of the Metal Stock tab: an alloy in the safe, or held by a partner."""

    held_by: str  # SAFE, or the partner (Partner ID when known, else the Counterparty text)
    alloy: str
    grams: float
    fine_g: float | None
    fine_troy_oz: float | None
    value: float | None
    currency: str
    price_as_of: date | None
    recycled_pct: float | None = None
    last_count: date | None = None
    count_g: float | None = None
    variance_g: float | None = None
    flag: str = ""


def fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def usable(entries: Iterable[MetalEntry], today: date) -> list[MetalEntry]:
    """Rows that count: dated today or before, grams above 0 (a Count may be 0 g)."""
    return [
        e for e in entries
        if e.day <= today and (e.grams > 0 or (e.entry == "Count" and e.grams == 0))
    ]


def delivered_returns(
    entries: Iterable[MetalEntry], orders: Iterable[Order]
) -> list[tuple[date, str, float]]:
    """(delivery date, folded alloy, finished grams) leaving the book at delivery."""
    delivered = {fold(o.ref): o.delivered for o in orders if o.delivered is not None}
    out: list[tuple[date, str, float]] = []
    for e in entries:
        day = delivered.get(fold(e.ref))
        if e.entry == "Return" and day is not None:
            out.append((day, fold(e.alloy), e.grams))
    return out


def book_balance(
    entries: Iterable[MetalEntry],
    alloy: str,
    on: date,
    deliveries: Iterable[tuple[date, str, float]] = (),
) -> float:
    """Book grams of ``alloy`` at the end of day ``on``.

    Purchase 100 g, Issue 40 g, Scrap 6 g, Return 31 g -> 97 g; once the order of that
    return is delivered, 66 g."""
    code = fold(alloy)
    moved = sum(
        ENTRY_SIGN.get(e.entry, 0) * e.grams
        for e in entries
        if fold(e.alloy) == code and e.day <= on
    )
    gone = sum(g for day, a, g in deliveries if a == code and day <= on)
    return moved - gone


def recycled_share(entries: Iterable[MetalEntry], alloy: str) -> float | None:
    """Percent of incoming grams of recycled origin; None when nothing came in."""
    code = fold(alloy)
    incoming = [e for e in entries if fold(e.alloy) == code and e.entry in INCOMING]
    total = sum(e.grams for e in incoming)
    if total <= 0:
        return None
    recycled = sum(
        e.grams for e in incoming
        if fold(e.origin) == "recycled" or (e.entry == "Refine In" and not fold(e.origin))
    )
    return recycled / total * 100


def last_count(entries: Iterable[MetalEntry], alloy: str) -> tuple[date, float] | None:
    """(date, grams) of the latest Count of ``alloy``; same-day Count rows are added."""
    code = fold(alloy)
    counts = [e for e in entries if fold(e.alloy) == code and e.entry == "Count"]
    if not counts:
        return None
    day = max(e.day for e in counts)
    return day, sum(e.grams for e in counts if e.day == day)


def outstanding(
    entries: Iterable[MetalEntry],
    orders: Iterable[Order],
    partners: Iterable[Partner] = (),
    today: date = date.max,
) -> dict[tuple[str, str], float]:
    """(holder, alloy as logged first) -> grams issued to that holder and not back yet, job
    by job, until the job is ``settled`` (then what is missing is its loss, on Yields).

    Issue 50 g to CAST-01 for A-1, Return 44 g + Scrap 4 g -> 2 g until A-1 is delivered."""
    entries = list(entries)
    by_ref = {fold(o.ref): o for o in orders}
    came_back = {fold(e.ref) for e in entries if e.entry in ("Return", "Scrap")}
    people = Directory(partners, lambda p: p.partner_id, lambda p: p.name)
    spelled: dict[tuple[str, str], tuple[str, str]] = {}
    jobs: dict[tuple[str, str, str], float] = {}
    for e in entries:
        if e.entry not in PARTNER_ENTRIES or not fold(e.counterparty):
            continue
        partner = people.find(e.counterparty)
        holder = partner.partner_id if partner else (e.counterparty or "").strip()
        key = (fold(holder), fold(e.alloy))
        spelled.setdefault(key, (holder, e.alloy.strip()))
        job = (*key, fold(e.ref))
        jobs[job] = jobs.get(job, 0.0) + ENTRY_SIGN[e.entry] * -1 * e.grams
    totals: dict[tuple[str, str], float] = {}
    for (holder, alloy, ref), grams in jobs.items():
        if ref and settled(by_ref.get(ref), ref in came_back, today):
            continue
        totals[(holder, alloy)] = totals.get((holder, alloy), 0.0) + grams
    return {spelled[k]: v for k, v in totals.items() if abs(v) >= 0.005}


def _valued(
    grams: float, alloy: Alloy | None, price: Price | None
) -> tuple[float | None, float | None, float | None]:
    if alloy is None:
        return None, None, None
    fine = fine_grams(grams, alloy.fineness)
    oz = troy_ounces(fine)
    value = None if price is None else round(oz * price.per_troy_oz, 2)
    return round(fine, 2), round(oz, 3), value


def _bad_rows(entries: Iterable[MetalEntry], today: date) -> list[Problem]:
    """Rows left out of the stock that ``metal.compute_yields`` does not already report."""
    problems: list[Problem] = []
    for e in entries:
        key = f"row {e.row}"
        if e.day > today:
            problems.append(Problem(LOG, key, "Date", WARNING,
                f"{where(LOG, e.row, e.ref, 'Date')}: {e.entry} dated {e.day:%d/%m/%Y}, after "
                "today; it is left out of the Metal Stock until that day."))
        elif e.grams < 0 or (e.grams == 0 and e.entry != "Count"):
            if e.entry in YIELD_ENTRIES and fold(e.ref):
                continue  # said by the yields
            problems.append(Problem(LOG, key, "Grams", ERROR,
                f"{where(LOG, e.row, e.ref, 'Grams')}: {e.entry} of {e.grams:g} g; grams must "
                "be more than 0 (the row is left out of the Metal Stock)."))
    return problems


def metal_stock(
    metal_log: list[MetalEntry],
    alloys: list[Alloy],
    prices: list[Price],
    orders: list[Order],
    partners: list[Partner],
    today: date,
    tolerance_g: float,
) -> tuple[list[StockLine], list[Problem]]:
    """The Metal Stock tab: one line per alloy (Alloys tab order, then unknown codes found
    on the log, sorted), then one per partner x alloy with metal outstanding (sorted)."""
    problems = _bad_rows(metal_log, today)
    entries = usable(metal_log, today)
    deliveries = [d for d in delivered_returns(entries, orders) if d[0] <= today]
    by_code = {fold(a.code): a for a in alloys}
    codes = [a.code for a in alloys]
    unknown = sorted({e.alloy.strip() for e in entries if fold(e.alloy) not in by_code},
                     key=fold)
    lines: list[StockLine] = []
    price_of: dict[str, Price | None] = {}
    for code in [*codes, *unknown]:
        alloy = by_code.get(fold(code))
        price = latest_price(prices, alloy.metal, today) if alloy else None
        price_of[fold(code)] = price
        book = round(book_balance(entries, code, today, deliveries), 2)
        fine, oz, value = _valued(book, alloy, price)
        flags: list[str] = []
        if alloy is None:
            problems.append(Problem(TAB, code, "Fine (g)", WARNING,
                f"{where(TAB, key=code, column='Fine (g)')}: alloy {code} is on the Metal Log "
                "but not on the Alloys tab, so its fine metal and value are blank."))
        elif price is None:
            problems.append(Problem(TAB, code, "Value", WARNING,
                f"{where(TAB, key=code, column='Value')}: no spot price for {alloy.metal} "
                f"dated on or before {today:%d/%m/%Y} on the Prices tab, so the value is "
                "blank."))
        if book < 0:
            flags.append(f"book below zero ({book:.2f} g): a purchase or return is missing")
            problems.append(Problem(TAB, code, "Book (g)", WARNING,
                f"{where(TAB, key=code, column='Book (g)')}: the Metal Log gives {book:.2f} g "
                "of stock; a purchase or a return is missing."))
        count = last_count(entries, code)
        count_day = count_g = variance = None
        if count is not None:
            count_day, count_g = count[0], round(count[1], 2)
            at_count = book_balance(entries, code, count_day, deliveries)
            variance = round(count_g - at_count, 2)
            if abs(variance) > tolerance_g:
                flags.append(f"count off by {variance:+.2f} g (tolerance {tolerance_g:g} g)")
                problems.append(Problem(TAB, code, "Count Variance (g)", WARNING,
                    f"{where(TAB, key=code, column='Count Variance (g)')}: the count of "
                    f"{count_day:%d/%m/%Y} weighed {count_g:.2f} g against {at_count:.2f} g "
                    f"on the books ({variance:+.2f} g, tolerance {tolerance_g:g} g)."))
        recycled = recycled_share(entries, code)
        lines.append(StockLine(
            SAFE, alloy.code if alloy else code, book, fine, oz, value,
            price.currency if price else "", price.as_of if price else None,
            None if recycled is None else round(recycled, 1),
            count_day, count_g, variance, "; ".join(flags),
        ))
    held = outstanding(entries, orders, partners, today)
    for (holder, code), grams in sorted(held.items(), key=lambda kv: (fold(kv[0][0]),
                                                                       fold(kv[0][1]))):
        alloy = by_code.get(fold(code))
        price = price_of.get(fold(code))
        grams = round(grams, 2)
        fine, oz, value = _valued(grams, alloy, price)
        flag = "" if grams >= 0 else "more returned than issued"
        lines.append(StockLine(
            holder, alloy.code if alloy else code, grams, fine, oz, value,
            price.currency if price else "", price.as_of if price else None, flag=flag,
        ))
    return lines, problems
