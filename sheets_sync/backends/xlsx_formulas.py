"""The values human formulas last computed, kept across an openpyxl save.

openpyxl writes every formula cell with an empty ``<v/>``: the value Excel or LibreOffice
cached is dropped, so until someone opens and saves the file again a reader (calamine)
would see those cells as blank. Before saving we take, from the original file's sheet
XML, the cached ``<v>`` (and its ``t=`` type) of every formula cell; after openpyxl has
written the new file we put them back into the formula cells it wrote, copying every
other zip entry unchanged. A formula whose cached value is unknown stays as openpyxl
wrote it. The workbook is also marked ``fullCalcOnLoad`` so Excel and LibreOffice
recompute on open; the cached values only bridge the time until then.

The scan finds formulas by their ``<f`` tags only, so sheets without formulas (most
of them, and all the machine's: its text is never a formula) cost one pass of a regex.

Reading needs the same kind of look: calamine gives an error cell (``t="e"``, e.g. a
formula showing ``#DIV/0!``) as an empty string, which would read as a blank.
``formula_errors`` finds those cells in the sheet XML (a sheet without any costs one byte
search) so the backend can hand them on as ``FormulaError``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from typing import IO, TypeVar
from xml.etree import ElementTree

__all__ = [
    "Cached",
    "cached_in",
    "collect_cached_values",
    "errors_in",
    "formula_errors",
    "refill",
    "restore_cached_values",
    "sheet_parts",
]

K = TypeVar("K")
V = TypeVar("V")

# cell reference -> (t attribute, raw <v> text, still XML-escaped); "" means a number
Cached = dict[str, tuple[bytes, bytes]]

_F_OPEN = re.compile(rb"<(?:(\w+):)?f[\s/>]")
_REF = re.compile(rb"""\sr=["']([A-Z]{1,3}[0-9]{1,7})["']""")
_TYPE = re.compile(rb"""\st=["'](\w+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]+)</(?:\w+:)?v>")
# what openpyxl writes for a formula cell: <c r="B2" s="3"><f>...</f><v /></c>
_WRITTEN = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*)>(<f\b[^>]*?(?:/>|>[^<]*</f>))<v\s*/>')
# t= values a formula's cached value may carry over: text, boolean, error, date, number
_KEPT_TYPES = {b"str": b"str", b"b": b"b", b"e": b"e", b"d": b"d", b"n": b""}

_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC = "/officeDocument"
_WORKSHEET = "/worksheet"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _targets(z: zipfile.ZipFile, rels_path: str, base: str, kind: str) -> dict[str, str]:
    """Relationship id -> part path, for relationships of ``kind`` in ``rels_path``."""
    try:
        root = ElementTree.fromstring(z.read(rels_path))
    except (KeyError, ElementTree.ParseError):
        return {}
    found: dict[str, str] = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or not rel.get("Type", "").endswith(kind):
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        found[rel.get("Id", "")] = posixpath.normpath(path)
    return found


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> path of its XML part inside the .xlsx zip."""
    books = _targets(z, "_rels/.rels", "", _OFFICE_DOC)
    book = next(iter(books.values()), "xl/workbook.xml")
    folder, name = posixpath.split(book)
    by_id = _targets(z, posixpath.join(folder, "_rels", name + ".rels"), folder, _WORKSHEET)
    try:
        root = ElementTree.fromstring(z.read(book))
    except (KeyError, ElementTree.ParseError):
        return {}
    parts: dict[str, str] = {}
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in by_id and el.get("name") is not None:
            parts[str(el.get("name"))] = by_id[rid]
    return parts


def cached_in(xml: bytes) -> Cached:
    """The cached values of the formula cells in one sheet's XML."""
    found: Cached = {}
    for m in _F_OPEN.finditer(xml):
        prefix = m.group(1) + b":" if m.group(1) else b""
        start = xml.rfind(b"<" + prefix + b"c ", 0, m.start())
        close = b"</" + prefix + b"c>"
        if start < 0 or xml.find(close, start, m.start()) >= 0:
            continue  # not inside a cell
        open_end = xml.find(b">", start)
        end = xml.find(close, m.start())
        if end < 0 or xml[open_end - 1 : open_end] == b"/":
            continue
        head = xml[start:open_end]
        ref = _REF.search(head)
        kind = _TYPE.search(head)
        value = _VALUE.search(xml, m.start(), end)
        t = _KEPT_TYPES.get(kind.group(1) if kind else b"n")
        if ref is None or value is None or t is None:
            continue  # no reference, no cached value, or a type we cannot carry over
        found[ref.group(1).decode("ascii")] = (t, value.group(1))
    return found


_ERROR_TYPE = (b't="e"', b"t='e'")
_CELL_TAG = re.compile(rb"<(?:(\w+):)?c\s")
_POSITION = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")


def errors_in(xml: bytes) -> dict[tuple[int, int], str]:
    """(row, column), both 0-based, -> the error an error cell shows, in one sheet's XML."""
    found: dict[tuple[int, int], str] = {}
    for marker in _ERROR_TYPE:
        at = xml.find(marker)
        while at >= 0:
            start = xml.rfind(b"<", 0, at)
            end = xml.find(b">", at)
            tag = _CELL_TAG.match(xml, start) if start >= 0 else None
            if tag is not None and end > 0 and xml[end - 1 : end] != b"/":
                close = xml.find(b"</" + (tag.group(1) + b":" if tag.group(1) else b"") + b"c>", end)
                ref = _REF.search(xml, start, end)
                value = _VALUE.search(xml, end, close) if close > 0 else None
                where = _POSITION.fullmatch(ref.group(1)) if ref else None
                if where is not None and value is not None:
                    col = 0
                    for letter in where.group(1):
                        col = col * 26 + letter - 64
                    text = value.group(1).decode("utf-8", "replace")
                    found[(int(where.group(2)) - 1, col - 1)] = text
            at = xml.find(marker, at + 1)
    return found


def formula_errors(data: bytes, names: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> its error cells, for the sheets named (as written) in ``names``."""
    return _per_sheet(io.BytesIO(data), errors_in, names)


def collect_cached_values(source: IO[bytes] | str) -> dict[str, Cached]:
    """Sheet name -> cached formula values, for the sheets of ``source`` that have any."""
    return _per_sheet(source, lambda xml: cached_in(xml) if _F_OPEN.search(xml) else {})


def _per_sheet(
    source: IO[bytes] | str, scan: Callable[[bytes], dict[K, V]], names: set[str] | None = None
) -> dict[str, dict[K, V]]:
    """Sheet name -> what ``scan`` found in its XML, for the sheets (of ``names``) where
    it found anything; nothing at all for a file that is not a zip."""
    found: dict[str, dict[K, V]] = {}
    try:
        with zipfile.ZipFile(source) as z:
            for name, part in sheet_parts(z).items():
                if names is not None and name not in names:
                    continue
                try:
                    xml = z.read(part)
                except KeyError:
                    continue
                result = scan(xml)
                if result:
                    found[name] = result
    except (zipfile.BadZipFile, OSError):
        return {}
    return found


def refill(xml: bytes, cached: Cached) -> bytes:
    """One sheet's XML as openpyxl wrote it, its formula cells given back ``cached``."""

    def one(m: re.Match[bytes]) -> bytes:
        got = cached.get(m.group(1).decode("ascii"))
        if got is None or b" t=" in m.group(2):
            return m.group(0)
        t, value = got
        kind = b' t="' + t + b'"' if t else b""
        return b'<c r="%s"%s%s>%s<v>%s</v>' % (m.group(1), m.group(2), kind, m.group(3), value)

    return _WRITTEN.sub(one, xml)


def restore_cached_values(
    written: IO[bytes], target: IO[bytes], cached: dict[str, Cached]
) -> int:
    """Copy the .xlsx ``written`` by openpyxl to ``target``, formula values put back.

    Returns how many sheets were changed. Every other entry is copied as it was.
    """
    changed = 0
    with zipfile.ZipFile(written) as zin, zipfile.ZipFile(target, "w") as zout:
        by_part = {
            part: cached[name] for name, part in sheet_parts(zin).items() if name in cached
        }
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in by_part:
                new = refill(data, by_part[info.filename])
                changed += new != data
                data = new
            zout.writestr(info, data)
    return changed
