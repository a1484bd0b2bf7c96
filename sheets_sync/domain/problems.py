"""A problem found in the workbook, said in words and pinned to a place."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    tab: str
    key: str  # the row's key (e.g. an Order Ref), or "row 12" on tabs without keys
    column: str  # "" when the problem is about the whole row or tab
    severity: str  # ERROR or WARNING
    message: str  # a sentence a workshop manager understands; names the place

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes two problems the same across syncs (first seen survives)."""
        return (self.tab, self.key, self.column, self.message)


def where(tab: str, row: int | None = None, key: str | None = None, column: str = "") -> str:
    """'Orders row 7 (A-1001), column Alloy' — the place a message starts with."""
    text = tab
    if row is not None:
        text += f" row {row}"
    if key:
        text += f" ({key})"
    if column:
        text += f", column {column}"
    return text
