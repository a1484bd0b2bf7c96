"""When a shown hours figure can next change: the Today tab shows "2.3 h" below 10 h and
"14 h" from there on, so a record of an unchanged sync holds at most to the next
0.05 h (0.5 h from 10 h on), a second early."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.domain import today as dt
from sheets_sync.valid_until import hours_ticks, next_shown_hours

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 16, 40, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("hours", "turns_at"),
    [(0.0, 0.05), (2.31, 2.35), (2.35, 2.40), (9.97, 10.0), (10.0, 10.5), (14.2, 14.5), (14.5, 15.0)],
)
def test_the_next_figure_that_can_show_another_digit(hours: float, turns_at: float) -> None:
    assert next_shown_hours(hours) == pytest.approx(turns_at)


def test_a_launch_sent_2_31_hours_ago_holds_for_2_4_minutes_less_a_second() -> None:
    waiting = dt.Action(dt.THIS_WEEK, dt.AWAITING_ACK, "L-9 awaits acknowledgement", "Fonderie",
                        NOW - timedelta(hours=2.31), "2.3 h since sent", "Launches", "L-9", 2.31)
    late_piece = dt.Action(dt.NOW, dt.PIECES, "JW-1 late", "Lina", None, "2 working days behind",
                           "Orders", "JW-1", 2.0)
    (tick,) = hours_ticks([waiting, late_piece], NOW)  # days count at midnight, not here
    assert tick - NOW == timedelta(minutes=2.4) - timedelta(seconds=1)
