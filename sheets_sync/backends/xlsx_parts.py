"""A write that rewrites only the tabs its ChangeSet touches; every other part of the
.xlsx is copied byte for byte.

openpyxl must load a whole workbook to save one, and loading and saving the big tabs a
sync does not touch (Progress, Metal Log…) costs most of a write. So the write hands
openpyxl a *skeleton* of the file: the same zip, but each untouched tab cut down to an
empty ``<sheetData/>`` (its root tag and its ``autoFilter`` kept, for the workbook's
filter names), with its own relationships (drawings, comments, images…) left out.
openpyxl loads the skeleton, the ChangeSet and the looks are applied to the touched tabs
exactly as on a whole file, and it saves. Then the file is put together again from the
saved skeleton: the touched tabs, new tabs, styles, workbook and content types as openpyxl
wrote them, and for each untouched tab its original XML, its relationships and the parts
they reach (charts, drawings, images), and the original shared strings the untouched tabs
point into (openpyxl writes text inline and never uses them), copied unchanged, still
compressed.

Why this keeps untouched tabs right: openpyxl keeps a file's cell formats in their order
and only adds to them, so a tab copied unchanged still finds its own formats by number
in the styles openpyxl writes; the same holds for the conditional formats' styles.

``split_write`` returns False whenever the skeleton cannot be made or put back together
safely (a tab in a namespace prefix, a part an untouched tab needs clashing with one
openpyxl wrote, an odd package…); the caller then drops what it wrote and writes the
whole file.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Collection, Iterable
from typing import IO
from xml.etree import ElementTree

from openpyxl import Workbook

from ..contract import normalize
from ..presentation import CHARTS
from .base import ChangeSet
from .xlsx_formulas import cached_in, refill, sheet_parts

__all__ = ["touched_tabs", "split_write"]

_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_SHEET_DATA = re.compile(rb"<sheetData\b")
_AUTO_FILTER = re.compile(rb"<autoFilter\b[^>]*?(?:/>|>.*?</autoFilter>)", re.S)
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHARED_STRINGS = "/sharedStrings"
_OFFICE_DOC = "/officeDocument"
_LOCAL_HEADER = struct.Struct("<4s22xHH")
# a package that is odd in a way the whole-file write may still handle
_UNEXPECTED = (KeyError, ValueError, ElementTree.ParseError, zipfile.BadZipFile)


def touched_tabs(changes: ChangeSet) -> set[str]:
    """The tabs (``normalize``d) the write must load whole: every tab the ChangeSet names,
    and both tabs of a chart when either is (charts are drawn from their data tab)."""
    tabs = {normalize(t.name) for t in changes.new_tabs}
    for group in (changes.new_columns, changes.cells, changes.grid, changes.appends):
        tabs.update(normalize(item.tab) for item in group)
    for chart in CHARTS:
        pair = {normalize(chart.sheet), normalize(chart.data_tab)}
        if tabs & pair:
            tabs |= pair
    return tabs


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _stub(xml: bytes) -> bytes | None:
    """An untouched tab as the skeleton holds it: no rows, its filter kept; None when its
    XML is not one we can cut safely."""
    root = _ROOT.search(xml)
    if root is None or _SHEET_DATA.search(xml, root.end()) is None:
        return None
    found = _AUTO_FILTER.search(xml, root.end())
    kept = found.group(0) if found is not None else b""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + root.group(0) + b"<sheetData/>" + kept + b"</worksheet>")


def _raw_copy(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile,
              name: str) -> None:
    """Copy one zip entry, still compressed, under ``name`` (no inflating, no deflating)."""
    fp, out = src.fp, dst.fp
    if fp is None or out is None or info.flag_bits & 0x1:
        raise zipfile.BadZipFile(f"cannot copy {info.filename}")
    fp.seek(info.header_offset)
    magic, name_len, extra_len = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    raw = fp.read(info.compress_size)
    new = zipfile.ZipInfo(name, info.date_time)
    new.compress_type = info.compress_type
    new.CRC, new.compress_size, new.file_size = info.CRC, info.compress_size, info.file_size
    new.external_attr = info.external_attr
    new.header_offset = out.tell()
    out.write(new.FileHeader())
    out.write(raw)
    dst.filelist.append(new)
    dst.NameToInfo[name] = new
    dst.start_dir = out.tell()
    setattr(dst, "_didModify", True)  # noqa: B010 - private, so the directory is written


def _relationships(z: zipfile.ZipFile, rels: str) -> list[ElementTree.Element]:
    return [el for el in ElementTree.fromstring(z.read(rels))
            if el.tag == f"{{{_REL_NS}}}Relationship"]


def _reached(z: zipfile.ZipFile, part: str) -> list[str]:
    """Every part inside the package that ``part``'s relationships reach, recursively."""
    names = set(z.namelist())
    seen: list[str] = []
    todo = [part]
    while todo:
        rels = _rels_path(todo.pop())
        if rels not in names or rels in seen:
            continue
        seen.append(rels)
        folder = posixpath.dirname(posixpath.dirname(rels))
        for rel in _relationships(z, rels):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = posixpath.normpath(target.lstrip("/") if target.startswith("/")
                                      else posixpath.join(folder, target))
            if path in names and path not in seen:
                seen.append(path)
                todo.append(path)
    return seen


def _book_path(z: zipfile.ZipFile) -> str:
    for rel in _relationships(z, "_rels/.rels"):
        if rel.get("Type", "").endswith(_OFFICE_DOC):
            return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _shared_strings(z: zipfile.ZipFile, book: str) -> ElementTree.Element | None:
    rels = _rels_path(book)
    if rels not in z.namelist():
        return None
    return next((rel for rel in _relationships(z, rels)
                 if rel.get("Type", "").endswith(_SHARED_STRINGS)), None)


def _content_types(original: bytes, written: bytes, parts: Iterable[str]) -> bytes:
    """openpyxl's content types, plus the types of the original parts copied over."""
    ElementTree.register_namespace("", _CT_NS)
    old, new = ElementTree.fromstring(original), ElementTree.fromstring(written)
    defaults = {el.get("Extension", "").lower(): el for el in old if el.tag.endswith("Default")}
    overrides = {el.get("PartName", ""): el for el in old if el.tag.endswith("Override")}
    have_ext = {el.get("Extension", "").lower() for el in new if el.tag.endswith("Default")}
    have_part = {el.get("PartName", "") for el in new if el.tag.endswith("Override")}
    for part in parts:
        name = "/" + part
        if name in overrides and name not in have_part:
            new.append(overrides[name])
            have_part.add(name)
            continue
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        if name not in overrides and ext not in have_ext and ext in defaults:
            new.append(defaults[ext])
            have_ext.add(ext)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(new)


def _with_shared_strings(written: bytes, rel: ElementTree.Element) -> bytes:
    ElementTree.register_namespace("", _REL_NS)
    root = ElementTree.fromstring(written)
    ids = {el.get("Id") for el in root}
    n = 1
    while f"rIdStrings{n}" in ids:
        n += 1
    ElementTree.SubElement(root, f"{{{_REL_NS}}}Relationship", Id=f"rIdStrings{n}",
                           Type=rel.get("Type", ""), Target=rel.get("Target", ""))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root)


def split_write(source: zipfile.ZipFile, keep: Collection[str],
                change: Callable[[io.BytesIO], Workbook], target: IO[bytes]) -> bool:
    """Write to ``target`` the workbook ``source`` with only the tabs in ``keep``
    (``normalize``d names) loaded whole: ``change`` loads the skeleton, applies the
    change and returns the openpyxl workbook to save. False: nothing written, write the
    whole file instead."""
    untouched = {name: part for name, part in sheet_parts(source).items()
                 if normalize(name) not in keep}
    if not untouched:
        return False
    try:
        skeleton = _skeleton(source, untouched.values())
    except _UNEXPECTED:
        return False
    if skeleton is None:
        return False
    book = change(skeleton)  # its errors (a merged human cell…) are the write's
    saved = io.BytesIO()
    book.save(saved)
    try:
        with zipfile.ZipFile(saved) as written:
            return _assemble(source, written, untouched, keep, target)
    except _UNEXPECTED:
        return False


def _skeleton(source: zipfile.ZipFile, untouched: Iterable[str]) -> io.BytesIO | None:
    skeleton = io.BytesIO()
    stubs = set(untouched)
    left_out = {_rels_path(p) for p in stubs}
    with zipfile.ZipFile(skeleton, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            if info.filename in left_out:
                continue
            if info.filename in stubs:
                stub = _stub(source.read(info))
                if stub is None:
                    return None
                z.writestr(info.filename, stub)
            else:
                _raw_copy(source, info, z, info.filename)
    skeleton.seek(0)
    return skeleton


def _assemble(source: zipfile.ZipFile, written: zipfile.ZipFile, untouched: dict[str, str],
              keep: Collection[str], target: IO[bytes]) -> bool:
    new_parts = sheet_parts(written)
    wrote = set(written.namelist())
    swap: dict[str, str] = {}  # path in the written file -> original part put there
    extra: dict[str, str] = {}  # original parts added: new name -> original name
    for name, part in untouched.items():
        at = new_parts.get(name)
        if at is None or posixpath.dirname(at) != posixpath.dirname(part):
            return False
        swap[at] = part
        reached = _reached(source, part)
        if reached:
            if _rels_path(at) in wrote:
                return False
            extra[_rels_path(at)] = reached[0]
            extra.update((p, p) for p in reached[1:])
    book = _book_path(written)
    strings = _shared_strings(source, _book_path(source))
    strings_part = None
    if strings is not None:
        if posixpath.dirname(_book_path(source)) != posixpath.dirname(book):
            return False
        to = strings.get("Target", "")
        strings_part = posixpath.normpath(to.lstrip("/") if to.startswith("/")
                                          else posixpath.join(posixpath.dirname(book), to))
        if strings_part in source.namelist():
            extra[strings_part] = strings_part
    if any(p in wrote for p in extra) or len(set(extra.values())) != len(extra):
        return False
    cached = {new_parts[name]: found for name, part in source_sheets(source, keep)
              if name in new_parts and (found := cached_in(source.read(part)))}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in written.infolist():
            path = info.filename
            if path in swap:
                _raw_copy(source, source.getinfo(swap[path]), out, path)
            elif path == "[Content_Types].xml":
                out.writestr(info, _content_types(source.read(path), written.read(path),
                                                  [p for p in extra if not p.endswith(".rels")]))
            elif path == _rels_path(book) and strings is not None and strings_part in extra:
                out.writestr(info, _with_shared_strings(written.read(path), strings))
            elif path in cached:
                out.writestr(info, refill(written.read(path), cached[path]))
            else:
                _raw_copy(written, info, out, path)
        for new, old in extra.items():
            _raw_copy(source, source.getinfo(old), out, new)
    return True


def source_sheets(source: zipfile.ZipFile, keep: Collection[str]) -> list[tuple[str, str]]:
    """(name, part) of the tabs loaded whole that hold a formula (their cached values are
    put back after openpyxl's save)."""
    return [(name, part) for name, part in sheet_parts(source).items()
            if normalize(name) in keep and b"<f" in source.read(part)]
