"""Rules between rows (reads the Workshop and the Orders keys; writes Problems only):
references that must exist, weights that must be positive, alloys that make sense."""

from __future__ import annotations

from ..cells import to_text
from ..domain.problems import ERROR, WARNING, Problem, where
from ..outputs import SyncContext, key_positions


def validation_step(ctx: SyncContext) -> None:
    """Rules between rows: references that must exist, weights that must be positive."""
    w = ctx.workshop

    def flag(tab: str, key: str, row: int, column: str, severity: str, text: str) -> None:
        place = where(tab, row, None if key.startswith("row ") else key, column)
        ctx.outputs.problems.append(Problem(tab, key, column, severity, f"{place}: {text}"))

    alloys = {a.code.casefold() for a in w.alloys}
    partners = {p.partner_id.casefold() for p in w.partners}
    clients = {c.client_id.casefold() for c in w.clients}
    orders = set(key_positions(ctx.snapshot, "Orders"))  # every keyed row, readable or not
    have_partners = ctx.snapshot.table("Partners") is not None
    have_clients = ctx.snapshot.table("Clients") is not None
    for o in w.orders:
        if o.alloy and o.alloy.casefold() not in alloys:
            flag("Orders", o.ref, o.row, "Alloy", ERROR, f"alloy {o.alloy!r} is not on the Alloys tab")
        if have_partners and o.partner and o.partner.casefold() not in partners:
            flag(
                "Orders", o.ref, o.row, "Partner", ERROR, f"partner {o.partner!r} is not on the Partners tab"
            )
        if have_clients and o.client and o.client.casefold() not in clients:
            flag("Orders", o.ref, o.row, "Client", WARNING, f"client {o.client!r} is not on the Clients tab")
        for column, grams in (("Target Weight (g)", o.target_weight), ("Wax Weight (g)", o.wax_weight)):
            if grams is not None and grams <= 0:
                flag("Orders", o.ref, o.row, column, ERROR, f"{to_text(grams)} g is not a positive weight")
        if o.quantity is not None and o.quantity < 1:
            flag("Orders", o.ref, o.row, "Quantity", ERROR, "quantity must be at least 1")
        if o.delivered is not None and o.delivered > ctx.today:
            flag(
                "Orders", o.ref, o.row, "Delivered Date", WARNING, f"{o.delivered:%d/%m/%Y} is in the future"
            )
    for a in w.alloys:
        if not 0 < a.fineness <= 1000:
            flag("Alloys", a.code, a.row, "Fineness", ERROR, "fineness is per mille, 1 to 1000 (18K is 750)")
        if a.specific_gravity <= 0:
            flag("Alloys", a.code, a.row, "Specific Gravity", ERROR, "must be positive (14KY is 13.07)")
    for p in w.progress:
        if p.order_ref not in orders:
            flag(
                "Progress",
                f"row {p.row}",
                p.row,
                "Order Ref",
                ERROR,
                f"order {p.order_ref!r} is not on the Orders tab",
            )
    linked: list[tuple[str, str, int, str]] = [
        *(("Launches", la.launch_id, la.row, la.order_ref) for la in w.launches),
        *(("Approvals", ap.approval_id, ap.row, ap.order_ref) for ap in w.approvals),
    ]
    for tab, key, row, ref in linked:
        if ref not in orders:
            flag(tab, key, row, "Order Ref", ERROR, f"order {ref!r} is not on the Orders tab")
    for launch in w.launches:
        if have_partners and launch.partner.casefold() not in partners:
            flag(
                "Launches",
                launch.launch_id,
                launch.row,
                "Partner",
                ERROR,
                f"partner {launch.partner!r} is not on the Partners tab",
            )
