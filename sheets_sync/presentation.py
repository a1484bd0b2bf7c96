"""How machine tabs are shown, as data both backends read: the KPI trend charts drawn into
the KPIs tab and the heatmap on Load %. Backends turn these into openpyxl charts and
conditional formats, or Sheets API addChart / addConditionalFormatRule requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .contract import KPI_TRENDS, KPIS, LOAD


@dataclass(frozen=True)
class Chart:
    """A line chart drawn into ``sheet`` at ``anchor`` (its top-left cell) from ``data_tab``.

    ``data_tab`` holds blocks of rows: a block is a run of rows with the same
    ``group_column`` value, each block the same months. ``series`` are columns drawn over
    the first block only; ``per_group`` (if set) is a column drawn once per block, each
    series named by its group value. Categories: ``x_column`` of the first block.
    """

    title: str
    sheet: str
    data_tab: str
    x_column: str
    series: tuple[str, ...]
    anchor: str
    y_title: str
    per_group: str | None = None
    group_column: str = "Alloy"

    def blocks(self, groups: Sequence[object]) -> list[tuple[str, int, int]]:
        """(group, first, last) 0-based positions of each run in ``groups`` (the
        ``group_column`` cells below the header, in order), blank cells ending the data."""
        out: list[tuple[str, int, int]] = []
        for i, value in enumerate(groups):
            if value is None or not str(value).strip():
                break
            name = str(value).strip()
            if out and out[-1][0] == name and out[-1][2] == i - 1:
                out[-1] = (name, out[-1][1], i)
            else:
                out.append((name, i, i))
        return out


@dataclass(frozen=True)
class Heatmap:
    """A 3-colour scale on ``column`` of ``tab`` (rows 2 down): numbers at or below
    ``low`` take ``low_color``, ``mid`` ``mid_color``, at or above ``high`` ``high_color``."""

    tab: str
    column: str
    low: float = 0
    mid: float = 85
    high: float = 120
    low_color: str = "63BE7B"  # green
    mid_color: str = "FFC000"  # amber
    high_color: str = "F8696B"  # red


CHARTS: tuple[Chart, ...] = (
    Chart(
        "Yield Variance Rate by alloy",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("YVR Target %",),
        "J2",
        "YVR %",
        per_group="YVR %",
    ),
    Chart(
        "Delivery Promise Adherence",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("CDPA %", "CDPA Target %"),
        "J20",
        "CDPA %",
    ),
    Chart(
        "On-time acknowledgement",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("On-time Ack %", "On-time Ack Target %"),
        "J38",
        "On-time Ack %",
    ),
)
HEATMAPS: tuple[Heatmap, ...] = (Heatmap(LOAD.name, "Load %"),)
