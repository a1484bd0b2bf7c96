"""Orders ⚙ Check (reads every Problem the steps before it found and the rows ignored as
duplicates; writes "OK" or the order's problems in words on every keyed Orders row, the
ignored duplicates included). Runs after all the rules."""

from __future__ import annotations

import re

from ..outputs import SyncContext, key_positions
from ..records import duplicate_words

_PLACE = re.compile(r"^[A-Z][\w ]* row \d+ \([^)]*\), ")


def check_step(ctx: SyncContext) -> None:
    """⚙ Check on every order row: "OK" or its problems in words. Runs after the rules."""
    launch_orders = {la.launch_id: la.order_ref for la in ctx.workshop.launches}
    said: dict[str, list[str]] = {}  # order ref -> its problems in words
    for p in ctx.outputs.problems:
        if p.tab not in ("Orders", "Progress", "Launches") or not p.key:
            continue
        ref = launch_orders.get(p.key, p.key) if p.tab == "Launches" else p.key
        said.setdefault(ref, []).append(_PLACE.sub("", p.message))
    for key in key_positions(ctx.snapshot, "Orders"):
        words = said.get(key)
        ctx.outputs.set("Orders", key, "Check", "; ".join(dict.fromkeys(words)) if words else "OK")
    for r in ctx.rows.get("Orders", []):
        if r.duplicate_of is not None and r.key is not None:
            ignored = duplicate_words("Order Ref", r.key, r.duplicate_of, r.row)
            ctx.outputs.set_duplicate("Orders", r.key, r.occurrence, "Check", ignored)
