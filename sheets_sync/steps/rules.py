"""Rules between rows (reads every human row as read, cell by cell, the Workshop's lookups
and the Orders keys; writes Problems only): references that must exist, weights that must
be positive, alloys that make sense. The rules run on every row, readable or not, so a row
with one unreadable cell still gets its other cells checked."""

from __future__ import annotations

from collections.abc import Sequence

from ..cells import to_text
from ..domain.model import Client, Directory, Partner
from ..domain.problems import ERROR, WARNING, Problem, where
from ..outputs import SyncContext, key_positions
from ..records import ParsedRow


class _Rules:
    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        w = ctx.workshop
        have = ctx.snapshot.table
        self.partners = w.partner_directory if have("Partners") is not None else None
        self.clients = w.client_directory if have("Clients") is not None else None

    def rows(self, tab: str) -> list[ParsedRow]:
        """The rows of ``tab`` the rules look at (an ignored duplicate is not one)."""
        return [r for r in self.ctx.rows.get(tab, []) if r.duplicate_of is None]

    def flag(self, tab: str, r: ParsedRow, column: str, severity: str, text: str) -> None:
        place = where(tab, r.row, r.key, column)
        self.ctx.outputs.problems.append(Problem(tab, r.label(), column, severity, f"{place}: {text}"))

    def named(self, tab: str, r: ParsedRow, column: str, severity: str, *, unknown_ok: bool = False) -> None:
        """A cell naming a partner or a client, by ID or by Name: it must name exactly one."""
        value = r.values.get(column)
        partner = column in ("Partner", "Counterparty")
        directory: Directory[Partner] | Directory[Client] | None = self.partners if partner else self.clients
        if directory is None or not value:
            return
        their_tab = "Partners" if partner else "Clients"
        same: Sequence[Partner | Client] = directory.namesakes(value)
        if same:
            ids = ", ".join(_id(s) for s in same)
            text = f"{value!r} is the Name of {len(same)} rows of the {their_tab} tab ({ids}); write the ID"
            self.flag(tab, r, column, severity, text)
        elif directory.find(value) is None and not unknown_ok:
            noun = "partner" if partner else "client"
            self.flag(tab, r, column, severity, f"{noun} {value!r} is not on the {their_tab} tab")


def validation_step(ctx: SyncContext) -> None:
    """Rules between rows: references that must exist, weights that must be positive."""
    w = ctx.workshop
    rules = _Rules(ctx)
    flag = rules.flag
    orders = set(key_positions(ctx.snapshot, "Orders"))  # every keyed row, readable or not
    for r in rules.rows("Orders"):
        v = r.values
        alloy = v.get("Alloy")
        if alloy and w.alloy(alloy) is None:
            flag("Orders", r, "Alloy", ERROR, f"alloy {alloy!r} is not on the Alloys tab")
        rules.named("Orders", r, "Partner", ERROR)
        rules.named("Orders", r, "Client", WARNING)
        for column in ("Target Weight (g)", "Wax Weight (g)"):
            grams = v.get(column)
            if grams is not None and grams <= 0:
                flag("Orders", r, column, ERROR, f"{to_text(grams)} g is not a positive weight")
        quantity = v.get("Quantity")
        if quantity is not None and quantity < 1:
            flag("Orders", r, "Quantity", ERROR, "quantity must be at least 1")
        delivered = v.get("Delivered Date")
        if delivered is not None and delivered > ctx.today:
            flag("Orders", r, "Delivered Date", WARNING, f"{delivered:%d/%m/%Y} is in the future")
    for r in rules.rows("Alloys"):
        fineness, gravity = r.values.get("Fineness"), r.values.get("Specific Gravity")
        if fineness is not None and not 0 < fineness <= 1000:
            flag("Alloys", r, "Fineness", ERROR, "fineness is per mille, 1 to 1000 (18K is 750)")
        if gravity is not None and gravity <= 0:
            flag("Alloys", r, "Specific Gravity", ERROR, "must be positive (14KY is 13.07)")
    for tab in ("Progress", "Launches", "Approvals"):
        for r in rules.rows(tab):
            ref = r.values.get("Order Ref")
            if ref is not None and ref not in orders:
                flag(tab, r, "Order Ref", ERROR, f"order {ref!r} is not on the Orders tab")
    for r in rules.rows("Launches"):
        rules.named("Launches", r, "Partner", ERROR)
    launches = {" ".join(k.split()).casefold() for k in key_positions(ctx.snapshot, "Launches")}
    for r in rules.rows("Partner Problems"):
        launch = r.values.get("Launch ID")
        if launch is not None and " ".join(launch.split()).casefold() not in launches:
            flag("Partner Problems", r, "Launch ID", WARNING,
                 f"launch {launch!r} is not on the Launches tab: the decision goes to the Partner "
                 "named on this row, without a link to the launch sheet")
        rules.named("Partner Problems", r, "Partner", WARNING)
    for r in rules.rows("Metal Log"):  # a counterparty may be no partner at all (a refiner)
        rules.named("Metal Log", r, "Counterparty", WARNING, unknown_ok=True)
    _shared_names(rules)


def _shared_names(rules: _Rules) -> None:
    """Two Partners (or Clients) rows with one Name: a cell giving that name finds neither."""
    for tab, id_column, directory in (
        ("Partners", "Partner ID", rules.partners),
        ("Clients", "Client ID", rules.clients),
    ):
        by_row = {r.row: r for r in rules.rows(tab)}
        for same in directory.shared_names() if directory is not None else []:
            numbers = [str(s.row) for s in same]
            text = (
                f"the Name {same[0].name!r} is on rows {', '.join(numbers[:-1])} and {numbers[-1]}: "
                f"a cell giving this name cannot tell them apart, so write the {id_column} there"
            )
            rules.flag(tab, by_row[same[0].row], "Name", WARNING, text)


def _id(row: Partner | Client) -> str:
    return row.partner_id if isinstance(row, Partner) else row.client_id
