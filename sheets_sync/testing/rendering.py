"""The workbook as a person sees it: an .xlsx file printed to PDF by LibreOffice, then
read back as text (``pdftotext -layout``) or as page pictures (``pdftoppm``).

Used by the tests that look at the rendered workbook and by ``docs/make_pictures.py``.
Needs Debian's ``libreoffice-calc-nogui`` (``soffice``) and ``poppler-utils``
(``pdftotext``, ``pdftoppm``); a missing tool raises ``ToolMissing`` saying what to
install, never a silent skip.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import SheetsSyncError

__all__ = ["ToolMissing", "RenderFailed", "Word", "to_pdf", "pdf_text", "pdf_words", "pdf_pages",
           "page_count"]

PACKAGES = {"soffice": "libreoffice-calc-nogui", "pdftotext": "poppler-utils",
            "pdftoppm": "poppler-utils", "pdfinfo": "poppler-utils"}
TIMEOUT = 180.0  # seconds: LibreOffice's first start on a fresh profile is the slow part


class ToolMissing(SheetsSyncError):
    """A program the rendering needs is not installed."""


class RenderFailed(SheetsSyncError):
    """A program the rendering needs ran but gave no result."""


def tool(name: str) -> str:
    """The path of ``name``, or ToolMissing naming the Debian package to install."""
    found = shutil.which(name)
    if found is None:
        package = PACKAGES[name]
        raise ToolMissing(f"{name} is not installed: install Debian's {package} "
                          f"(apt-get install {package}; bash .ci/run does it)")
    return found


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderFailed(f"{Path(args[0]).name} took more than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise RenderFailed(f"{Path(args[0]).name} exited {done.returncode}: {done.stderr.strip()}")
    return done


def to_pdf(workbook: Path, outdir: Path, timeout: float = TIMEOUT) -> Path:
    """``workbook`` printed by LibreOffice into ``outdir`` (every tab, in order). A fresh
    LibreOffice profile inside ``outdir`` keeps parallel runs apart."""
    soffice = tool("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir / "lo-profile").resolve().as_uri()
    _run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
          "--outdir", str(outdir), str(workbook)], timeout)
    pdf = outdir / (workbook.stem + ".pdf")
    if not pdf.is_file():
        raise RenderFailed(f"LibreOffice wrote no {pdf.name} for {workbook}")
    return pdf


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None,
             timeout: float = 60.0) -> str:
    """The PDF's text laid out as on the page (``pdftotext -layout``); pages are
    separated by a form feed."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return _run([tool("pdftotext"), "-layout", *pages, str(pdf), "-"], timeout).stdout


def page_count(pdf: Path) -> int:
    for line in _run([tool("pdfinfo"), str(pdf)], 60.0).stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise RenderFailed(f"pdfinfo gave no page count for {pdf}")


def pdf_pages(pdf: Path, outdir: Path, dpi: int = 60, first: int | None = None,
              last: int | None = None, timeout: float = 120.0) -> list[Path]:
    """The pages as PNG pictures (``pdftoppm -png``), in page order."""
    outdir.mkdir(parents=True, exist_ok=True)
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    _run([tool("pdftoppm"), "-png", "-r", str(dpi), *pages, str(pdf), str(outdir / "page")],
         timeout)
    return sorted(outdir.glob("page-*.png"))


@dataclass(frozen=True)
class Word:
    """One word of a PDF page, its box in points from the top left."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Word) -> bool:
        """Drawn over each other: text one cannot read, e.g. a wrapped line cut by the
        row below. The boxes of two lines of one wrapped cell overlap a little (a box is
        the font's full height, taller than the line pitch): under 40 % of a line is
        not counted."""
        wide = min(self.right, other.right) - max(self.left, other.left)
        high = min(self.bottom, other.bottom) - max(self.top, other.top)
        line = min(self.bottom - self.top, other.bottom - other.top)
        return wide > 1.0 and high > 0.4 * line


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def pdf_words(pdf: Path, timeout: float = 60.0) -> list[list[Word]]:
    """Every page's words with their boxes (``pdftotext -bbox``), page by page."""
    out = _run([tool("pdftotext"), "-bbox", str(pdf), "-"], timeout).stdout
    pages: list[list[Word]] = []
    for chunk in out.split("<page ")[1:]:
        pages.append([Word(html.unescape(m[4]), float(m[0]), float(m[1]), float(m[2]),
                           float(m[3])) for m in _WORD.findall(chunk)])
    return pages
