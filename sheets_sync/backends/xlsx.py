"""The local workbook: an .xlsx file on disk.

Reading uses python-calamine (fast, and it gives the values formulas last computed, real
dates and numbers); a cell showing a formula error (``#DIV/0!``…), which calamine gives as
empty, is found in the sheet's XML and read as a ``FormulaError``. Writing uses openpyxl
on the whole file, so human cells keep their values, formulas, styles, widths and data
validation, then saves to a temporary file in the same folder and swaps it in with
``os.replace``: a reader sees the old file or the new one, never half of one, and a failed
write leaves the file as it was.

A write loads whole only the tabs its ChangeSet touches (``xlsx_parts``): every other tab,
with its charts and images, is copied into the new file byte for byte. When that cannot
be done safely, openpyxl loads and saves the whole file.

openpyxl drops the values formulas last computed; ``xlsx_formulas`` puts them back into
the saved file (so a human formula column never reads blank after our write) and the
workbook asks Excel/LibreOffice to recompute on open.

Only one writer at a time: a sync holds ``flock`` on ``<name>.sheets-sync.lock`` next to
the workbook while it writes, and refuses to write at all while Excel (``~$<name>``) or
LibreOffice (``.~lock.<name>#``) has the file open, since their next save would silently
undo ours.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl import Workbook
from openpyxl.workbook.properties import CalcProperties
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from ..cells import CellValue, FormulaError, to_text
from ..contract import HUMAN_TABS, normalize
from ..errors import NotAWorkbook, SheetsSyncError, WorkbookError, WorkbookLocked
from ..workbook import Snapshot, Table, bytes_digest, trim_rows
from .base import ChangeSet, WriteResult
from .xlsx_apply import WorkbookWriter, fill_header
from .xlsx_cells import from_calamine, put
from .xlsx_formulas import Cached, collect_cached_values, formula_errors, restore_cached_values
from .xlsx_looks import apply_looks
from .xlsx_parts import split_write, touched_tabs
from .xlsx_present import present

__all__ = ["XlsxBackend", "write_new_workbook", "LOCK_SUFFIX"]

LOCK_SUFFIX = ".sheets-sync.lock"
HUMAN_TAB_NAMES = frozenset(normalize(t.name) for t in HUMAN_TABS)
TEMP_SUFFIX = ".sheets-sync.tmp"
_ZIP_MAGIC = b"PK\x03\x04"


class XlsxBackend:
    """A Backend over one .xlsx file. ``lock_wait``: seconds to wait for another writer."""

    def __init__(self, path: Path | str, lock_wait: float = 2.0, missing_hint: str = "",
                 split: bool = True) -> None:
        """``missing_hint``: what to do when the file is not there, as the caller knows
        where the path came from (--workbook, config.toml). ``split``: load whole only
        the tabs a write touches (False: always the whole file, as the tests compare)."""
        self.path = Path(path)
        self.split = split
        self.lock_wait = lock_wait
        self.missing_hint = missing_hint or f"create one with `sheets-sync init --demo {self.path}`"

    def describe(self) -> str:
        return f"local workbook {self.path}"

    # -- reading -------------------------------------------------------------------------

    def read(self) -> Snapshot:
        data = self._bytes()
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            human = {n for n in names if normalize(n) in HUMAN_TAB_NAMES}
            errors = formula_errors(data, human)  # calamine reads them as blanks
            tables = [
                _table(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False),
                       errors.get(name, {}))
                for name in names
            ]
        except CalamineError as exc:
            raise self._not_a_workbook(exc) from exc
        return Snapshot.of(tables, source=self.describe(), stored_digest=bytes_digest(data))

    def stored_digest(self) -> str:
        """The digest of the file's bytes as they are now (``base.StoredWhole``): a few
        milliseconds where a read takes seconds."""
        return bytes_digest(self._bytes())

    def _bytes(self) -> bytes:
        self.require_file()
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise WorkbookError(f"cannot read the workbook {self.path}: {exc}") from exc
        if not data.startswith(_ZIP_MAGIC):
            raise self._not_a_workbook("it is not an .xlsx file (not a zip archive)")
        return data

    def require_file(self) -> None:
        """WorkbookError unless the workbook is a file (a folder is said to be one)."""
        if self.path.is_dir():
            raise NotAWorkbook(
                f"{self.path} is a folder, not an .xlsx workbook; give the path of the workbook file"
            )
        if not self.path.is_file():
            raise WorkbookError(f"the workbook {self.path} does not exist; {self.missing_hint}")

    def _not_a_workbook(self, why: object) -> NotAWorkbook:
        return NotAWorkbook(f"{self.path} is not a readable .xlsx workbook: {why}")

    # -- writing -------------------------------------------------------------------------

    def write(self, changes: ChangeSet) -> WriteResult:
        if not changes:
            return WriteResult(cells=0, calls=0)
        self.require_file()
        try:
            with self._exclusive():
                self._refuse_if_open_elsewhere()
                remove_leftovers(self.path)
                missing = self._write_tabs(changes) if self.split else None
                if missing is None:
                    missing = self._write_whole(changes)
        except SheetsSyncError:
            raise
        except Exception as exc:  # anything else still means: nothing was written
            raise WorkbookError(f"could not write the workbook {self.path}: {exc}") from exc
        return WriteResult(cells=changes.cell_count, calls=1, missing_keys=tuple(missing))

    def _write_whole(self, changes: ChangeSet) -> list[str]:
        book = self._load()
        cached = collect_cached_values(str(self.path))
        missing = _apply(book, changes)
        save_atomically(book, self.path, cached)
        return missing

    def _write_tabs(self, changes: ChangeSet) -> list[str] | None:
        """Only the touched tabs through openpyxl; None when the file must be written whole
        (nothing was written then)."""
        data = self._bytes()
        missing: list[str] = []

        def change(skeleton: io.BytesIO) -> Workbook:
            book = self._load(skeleton)
            missing[:] = _apply(book, changes)
            return book

        try:
            source = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise self._not_a_workbook(exc) from exc
        with source:
            keep = touched_tabs(changes)
            done = write_atomically(self.path, lambda fh: split_write(source, keep, change, fh))
        return missing if done else None

    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + LOCK_SUFFIX)

    def office_lock_files(self) -> list[Path]:
        """Lock files Excel or LibreOffice leave beside a workbook they have open."""
        name = self.path.name
        candidates = [f"~${name}", f".~lock.{name}#"]
        return [p for c in candidates if (p := self.path.with_name(c)).exists()]

    def _refuse_if_open_elsewhere(self) -> None:
        found = self.office_lock_files()
        if found:
            raise WorkbookLocked(
                f"{self.path} is open in Excel or LibreOffice (found {found[0].name}); "
                "close it in Excel/LibreOffice and run again. Nothing was written."
            )

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        try:
            fd = os.open(self.lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WorkbookError(f"cannot create the lock file {self.lock_path()}: {exc}") from exc
        try:
            deadline = time.monotonic() + self.lock_wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WorkbookLocked(
                            f"another sync is writing {self.path} (it holds "
                            f"{self.lock_path().name}); try again in a moment"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _load(self, source: IO[bytes] | None = None) -> Workbook:
        if source is None and not self._bytes_start().startswith(_ZIP_MAGIC):
            raise self._not_a_workbook("it is not an .xlsx file (not a zip archive)")
        try:
            with warnings.catch_warnings():
                # openpyxl warns about parts it drops (e.g. extensions); we cannot act on it
                warnings.simplefilter("ignore")
                # rich_text stays off: openpyxl's rich-text reader drops the "_x005F_"
                # escape, which would turn our literal "_x0041_" into "A" on the next write
                return openpyxl.load_workbook(self.path if source is None else source,
                                              keep_vba=False, data_only=False)
        except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML errors
            raise self._not_a_workbook(exc) from exc

    def _bytes_start(self) -> bytes:
        with self.path.open("rb") as fh:
            return fh.read(4)


def _table(name: str, grid: list[list[Any]], errors: Mapping[tuple[int, int], str]) -> Table:
    rows = [
        [None if v == "" else v if type(v) is str else from_calamine(v) for v in row]
        for row in grid
    ]
    for (r, c), shown in errors.items():
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = FormulaError(shown)
    headers = [to_text(h) for h in rows[0]] if rows else []
    data, numbers = trim_rows(rows[1:], len(headers))
    return Table(name, headers, data, numbers)


def _apply(book: Workbook, changes: ChangeSet) -> list[str]:
    """The ChangeSet, then the looks; the keyed cells whose row is gone ("tab:key")."""
    missing = WorkbookWriter(book).apply(changes)
    present(book)  # looks; KPIs charts redrawn (openpyxl reads them back lossily)
    _recompute_on_open(book)
    return missing


def _recompute_on_open(book: Workbook) -> None:
    """Ask Excel/LibreOffice to recompute every formula when they next open the file."""
    if book.calculation is None:
        book.calculation = CalcProperties()
    book.calculation.fullCalcOnLoad = True


def remove_leftovers(path: Path) -> list[Path]:
    """Delete the temporary files a killed save left beside ``path`` (only ours: named
    ``.<workbook name>.<random>.sheets-sync.tmp``). Called under the write lock, so none of
    them belongs to a save in progress. Returns what was removed."""
    prefix = f".{path.name}."
    removed: list[Path] = []
    with os.scandir(path.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
                with suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def save_atomically(
    book: Workbook, path: Path, cached: Mapping[str, Cached] | None = None
) -> None:
    """Save to a temporary file beside ``path``, fsync, then swap it in; all or nothing.

    ``cached``: formula values (see ``xlsx_formulas``) to put back into the formula cells
    openpyxl writes empty, by sheet name.
    """
    def fill(fh: IO[bytes]) -> bool:
        if cached:
            written = io.BytesIO()
            book.save(written)
            written.seek(0)
            restore_cached_values(written, fh, dict(cached))
        else:
            book.save(fh)
        return True

    write_atomically(path, fill)


def write_atomically(path: Path, fill: Callable[[IO[bytes]], bool]) -> bool:
    """``fill`` a temporary file beside ``path``, fsync, then swap it in; all or nothing.
    ``fill`` returning False means: nothing to swap in (the temporary file is removed)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if not fill(fh):
                fh.close()
                tmp.unlink()
                return False
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            tmp.chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            tmp.unlink()
        raise
    with suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True


def write_new_workbook(
    path: Path | str,
    tabs: Mapping[str, Sequence[Sequence[CellValue]]],
    machine_tabs: Collection[str] = (),
) -> Path:
    """Create (or replace) an .xlsx from grids, row 0 of each being the header row.

    Headers starting with ⚙ are styled as the machine's; so is the whole header row of
    each tab named in ``machine_tabs``, which also gets the machine tab colour. Values are
    stored by the backend rules (text stays text, dates are real dates). The product made
    this workbook, so every column gets its look (``looks.LOOKS``), human ones too.
    """
    target = Path(path)
    book = Workbook()
    first = book.active
    machine = {name.casefold() for name in machine_tabs}
    for name, grid in tabs.items():
        ws = book.create_sheet(title=name)
        fill_header(ws, list(grid[0]) if grid else [], name.casefold() in machine)
        for r, values in enumerate(grid[1:], start=2):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    put(ws.cell(row=r, column=c), value)
    if tabs and first is not None:
        book.remove(first)
    apply_looks(book, created=True)
    save_atomically(book, target)
    return target
