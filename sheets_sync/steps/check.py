"""Orders ⚙ Check (reads every Problem the steps before it found; writes "OK" or the
order's problems in words on every keyed Orders row). Runs after all the rules."""

from __future__ import annotations

import re

from ..outputs import SyncContext, key_positions

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
