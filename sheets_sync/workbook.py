"""Snapshot / Table: what a backend read, found by header name and by key.

A Snapshot is raw: cell values as the backend typed them (text, number, bool, date,
datetime, None). Header row is row 1 of every tab. Turning cells into typed records per
the contract is ``sheets_sync.records``' job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from .cells import CellValue, is_blank, to_text
from .contract import normalize


@dataclass
class Table:
    name: str  # as spelled in the workbook
    headers: list[str]  # header cells in sheet order ("" for a blank header cell)
    rows: list[list[CellValue]] = field(default_factory=list)  # padded to len(headers)
    row_numbers: list[int] = field(default_factory=list)  # sheet row of each data row
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._index = {}
        for i, header in enumerate(self.headers):
            key = normalize(header)
            if key and key not in self._index:  # first of duplicate headers wins
                self._index[key] = i
        if not self.row_numbers:
            self.row_numbers = list(range(2, 2 + len(self.rows)))

    def index(self, header: str) -> int | None:
        """Column position of a header, case and spacing forgiven; None when absent."""
        return self._index.get(normalize(header))

    def duplicate_headers(self) -> list[tuple[str, list[int]]]:
        """Headers written more than once (case and spacing forgiven), each as first written
        with all its column positions; ``index`` gives the first."""
        seen: dict[str, list[int]] = {}
        for i, header in enumerate(self.headers):
            if normalize(header):
                seen.setdefault(normalize(header), []).append(i)
        return [(self.headers[cols[0]], cols) for cols in seen.values() if len(cols) > 1]

    def has(self, header: str) -> bool:
        return normalize(header) in self._index

    def value(self, row: int, header: str) -> CellValue:
        """Cell of data row ``row`` (0-based position in ``rows``) under ``header``."""
        i = self.index(header)
        if i is None:
            return None
        cells = self.rows[row]
        return cells[i] if i < len(cells) else None

    def column_values(self, header: str) -> list[CellValue]:
        i = self.index(header)
        if i is None:
            return [None] * len(self.rows)
        return [r[i] if i < len(r) else None for r in self.rows]

    def keyed(self, key_header: str) -> dict[str, int]:
        """Map of key text -> data row position (first occurrence wins)."""
        out: dict[str, int] = {}
        for pos, value in enumerate(self.column_values(key_header)):
            if not is_blank(value):
                out.setdefault(to_text(value), pos)
        return out

    def records(self) -> Iterator[tuple[int, dict[str, CellValue]]]:
        """(sheet row, {normalized header: value}) for every data row."""
        keys = [normalize(h) for h in self.headers]
        for number, cells in zip(self.row_numbers, self.rows, strict=True):
            yield number, {k: v for k, v in zip(keys, cells, strict=False) if k}


def bytes_digest(*parts: bytes) -> str:
    """A digest of the bytes a read parsed (``Snapshot.stored_digest``)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))  # "ab" + "c" and "a" + "bc" differ
        h.update(part)
    return h.hexdigest()


@dataclass
class Snapshot:
    tables: dict[str, Table] = field(default_factory=dict)  # by normalized tab name
    source: str = ""
    # a digest of the bytes this snapshot was parsed from (``bytes_digest``): the .xlsx
    # file, or Google's values answer with the tabs it was asked for. The same bytes
    # give the same snapshot (``rerun``); "" when the backend has none
    stored_digest: str = field(default="", compare=False)
    # derived lookups (e.g. key -> row position), filled lazily by readers of the snapshot
    cache: dict[str, dict[str, int]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, tables: list[Table], source: str = "", stored_digest: str = "") -> Snapshot:
        return cls({normalize(t.name): t for t in tables}, source, stored_digest)

    def table(self, name: str) -> Table | None:
        return self.tables.get(normalize(name))

    def names(self) -> list[str]:
        return [t.name for t in self.tables.values()]


def column_letter(index: int) -> str:
    """A 0-based column position as the sheet names it: 0 -> "A", 27 -> "AB"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def trim_rows(
    rows: list[list[CellValue]], width: int, first_row: int = 2
) -> tuple[list[list[CellValue]], list[int]]:
    """Pad/cut rows to ``width`` and drop wholly blank ones, keeping their sheet numbers."""
    kept: list[list[CellValue]] = []
    numbers: list[int] = []
    for offset, raw in enumerate(rows):
        cells = list(raw[:width])
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        if "" in cells:  # one C-level scan; most rows have no empty text
            cells = [None if (isinstance(c, str) and c == "") else c for c in cells]
        if is_blank(cells[0] if cells else None) and all(is_blank(c) for c in cells):
            continue
        kept.append(cells)
        numbers.append(first_row + offset)
    return kept, numbers
