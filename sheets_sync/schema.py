"""The language the workbook contract is written in: column kinds, columns, tabs, and how
headers and tab names are compared (``normalize``). The contract itself, every tab of
the workbook, is ``sheets_sync.contract``. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

GEAR = "⚙"


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"  # percentage points: 3 means 3 %
    DATE = "date"
    DATETIME = "datetime"
    LINK = "link"
    BOOL = "bool"
    CHOICE = "choice"  # one of Column.choices
    REF = "ref"  # a key of another tab (Column.ref)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    key: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # tab whose key this column names
    default: str | int | float | None = None
    help: str = ""


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    machine_columns: tuple[str, ...] = ()  # headers without the gear
    help: str = ""
    # its rows come from the sync (it appends them; staff answer in them): a workbook
    # without the tab is not wrong, the sync creates it with the first row it appends
    appended: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header of the tab as the product lays it out: human columns, then ⚙ ones."""
        return (*(c.name for c in self.columns), *(machine_header(m) for m in self.machine_columns))

    @property
    def key(self) -> Column | None:
        return next((c for c in self.columns if c.key), None)

    def column(self, name: str) -> Column:
        wanted = normalize(name)
        for c in self.columns:
            if normalize(c.name) == wanted:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class MachineTab:
    name: str
    headers: tuple[str, ...]
    append_only: bool = False
    help: str = ""


def normalize(header: object) -> str:
    """Header or tab name as compared: case folded, spacing collapsed, gear kept."""
    return _normalize("" if header is None else str(header))


@lru_cache(maxsize=8192)  # headers are few and asked for per cell
def _normalize(text: str) -> str:
    return " ".join(text.replace(GEAR, f" {GEAR} ").split()).casefold()


def machine_header(name: str) -> str:
    return f"{GEAR} {name}"


def is_machine_header(header: object) -> bool:
    return normalize(header).startswith(GEAR)
