"""The synced demo workbook as a person sees it: printed to PDF by LibreOffice (Debian's
libreoffice-calc-nogui) and read back with poppler's pdftotext, every tab, every page.

A cell that shows ``###``, a text cut at its column's edge or a wrapped line hidden by the
row below is what staff would see on their screen; these tests look for it in the words
LibreOffice actually drew, with their places on the page. Missing tools FAIL the tests
(``ToolMissing`` says what to install), they never skip.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.config import Config
from sheets_sync.contract import normalize
from sheets_sync.looks import look_of
from sheets_sync.pipeline import build_steps
from sheets_sync.presentation import shown
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import run_sync
from sheets_sync.testing.rendering import ToolMissing, Word, pdf_text, pdf_words, to_pdf

TODAY = date(2026, 11, 25)  # a Wednesday


@dataclass(frozen=True)
class Rendered:
    book: openpyxl.Workbook
    text: str
    pages: dict[str, list[list[Word]]]  # tab -> its pages' words (below the page header)


def tab_of(page: list[Word]) -> tuple[str, list[Word]]:
    """The tab named in the page header (the product prints it above each page, and
    "Page 2 of 5" below), and the words of the table between."""
    top, bottom = min(w.top for w in page), max(w.top for w in page)
    header = sorted((w for w in page if w.top < top + 2), key=lambda w: w.left)
    footer = [w.text for w in sorted(page, key=lambda w: w.left) if w.top > bottom - 2]
    assert footer[0] == "Page" and footer[2] == "of", footer
    return " ".join(w.text for w in header), [w for w in page if top + 2 <= w.top <= bottom - 2]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("rendered")
    base = Config()
    config = replace(
        base,
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "ledger"),
        web=replace(base.web, journal_path=folder / "journal.sqlite", upload_dir=folder / "uploads"),
    )
    now = datetime(2026, 11, 25, 10, 0, tzinfo=config.workshop.zone)
    with pytest.MonkeyPatch.context() as mp:  # nothing lands in the checkout
        mp.chdir(folder)
        path = write_new_workbook(folder / "workshop.xlsx", demo_tabs(TODAY))
        assert run_sync(XlsxBackend(path), config, now, build_steps(config)).written is not None
    pdf = to_pdf(path, folder / "pdf")
    pages: dict[str, list[list[Word]]] = defaultdict(list)
    for page in pdf_words(pdf):
        tab, words = tab_of(page)
        pages[tab].append(words)
    return Rendered(openpyxl.load_workbook(path), pdf_text(pdf), dict(pages))


def lines(words: list[Word]) -> list[list[Word]]:
    """Words in reading order, one list per printed line."""
    out: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.left)):
        if out and abs(out[-1][0].top - w.top) < 2:
            out[-1].append(w)
        else:
            out.append([w])
    return [sorted(line, key=lambda w: w.left) for line in out]


def column_lines(r: Rendered, tab: str, header: str) -> list[str]:
    """The printed lines of one column, every page of the tab: the words below its header
    that start between the header and the next header on the right."""
    found: list[str] = []
    wanted = header.split()
    for page in r.pages[tab]:
        head, *body = lines(page)
        texts = [w.text for w in head]
        at = next((i for i in range(len(texts)) if texts[i:i + len(wanted)] == wanted), None)
        if at is None:
            continue
        left = head[at].left - 1
        right = head[at + len(wanted)].left - 1 if at + len(wanted) < len(head) else 1e9
        for line in body:
            inside = [w.text for w in line if left <= w.left < right]
            if inside:
                found.append(" ".join(inside))
    assert found, f"no page of {tab} prints the column {header}"
    return found


def cells(r: Rendered, tab: str, header: str, key: str | None = None) -> list[tuple[str, str]]:
    """(its key, the cell of ``header`` as the sheet shows it), row by row; the key is in
    the first column unless ``key`` names another."""
    ws = r.book[tab]
    heads = [normalize(c.value) for c in ws[1]]
    col = heads.index(normalize(header))
    at = heads.index(normalize(key)) if key else 0
    look = look_of(tab)
    spec = look.column(header) if look else None
    return [(str(row[at].value), shown(row[col].value, spec.pattern if spec else None))
            for row in ws.iter_rows(min_row=2) if row[at].value is not None]


def shows_whole(r: Rendered, tab: str, header: str, key: str | None = None) -> dict[str, str]:
    """Every non-blank cell of the column is printed whole on its own line; key -> cell."""
    column = cells(r, tab, header, key)
    assert sorted(column_lines(r, tab, header)) == sorted(v for _, v in column if v)
    return dict(column)


def test_no_cell_shows_hashes(rendered: Rendered) -> None:
    assert "###" not in rendered.text
    assert set(rendered.pages) >= {"Orders", "Progress", "Launches", "Approvals",
                                   "Partner Problems", "Yields", "Metal Stock", "Load",
                                   "Today", "KPIs", "KPI Trends", "Problems", "Activity"}


def test_risk_and_state_show_whole_on_every_row(rendered: Rendered) -> None:
    risk = shows_whole(rendered, "Orders", "⚙ Risk")
    assert (risk["JW-2301"], risk["JW-2307"], risk["JW-2308"]) == (
        "Delivered on time", "Late", "At risk")
    state = shows_whole(rendered, "Launches", "⚙ State")
    assert (state["L-009"], state["L-011"], state["L-012"]) == (
        "Sent", "Problem", "Blocked: incomplete sheet")


def letters(text: str) -> str:
    """The text without its spaces and line breaks: a line may wrap after a hyphen."""
    return "".join(text.split())


def test_a_problem_message_shows_whole_wrapped_on_its_lines(rendered: Rendered) -> None:
    printed = letters(" ".join(column_lines(rendered, "Problems", "Message")))
    messages = [m for _, m in cells(rendered, "Problems", "Message")]
    message = next(m for m in messages if m.startswith("Orders row 32 (JW-2304), column Order Ref"))
    assert message == ("Orders row 32 (JW-2304), column Order Ref: Order Ref JW-2304 is on "
                       "rows 5 and 32; row 5 is used, row 32 is ignored")
    assert letters(message) in printed  # wrapped over two lines, every letter, in order
    assert all(letters(m) in printed for m in messages)


def test_a_partners_report_shows_whole_above_the_next_row(rendered: Rendered) -> None:
    report = dict(cells(rendered, "Partner Problems", "Report"))["web-demo-sprue"]
    assert report.endswith("Can we move it to the side?")
    assert letters(report) in letters(" ".join(column_lines(rendered, "Partner Problems", "Report")))


def test_no_text_is_drawn_over_other_text(rendered: Rendered) -> None:
    """A wrapped line the row is too short for runs under the next row's text."""
    crossed = []
    for tab, pages in rendered.pages.items():
        for page in pages:
            ordered = sorted(page, key=lambda w: w.top)
            for i, w in enumerate(ordered):
                for other in ordered[i + 1:]:
                    if other.top > w.bottom:
                        break
                    if w.overlaps(other):
                        crossed.append(f"{tab}: {w.text!r} and {other.text!r}")
    assert crossed == []


def test_a_missing_tool_fails_saying_what_to_install(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither LibreOffice nor poppler on it
    with pytest.raises(ToolMissing, match=r"install Debian's libreoffice-calc-nogui"):
        to_pdf(tmp_path / "workshop.xlsx", tmp_path)
    with pytest.raises(ToolMissing, match=r"install Debian's poppler-utils"):
        pdf_text(tmp_path / "workshop.pdf")


def test_the_desk_shows_each_cell_whole_and_apart(rendered: Rendered) -> None:
    """Since (a date, right-aligned) and Waiting (text) never touch; a long Waiting ("2
    working days past its launch date") is not cut by Tab; the Activity IDs stay on it."""
    for header in ("Urgency", "Since", "Waiting", "Tab", "Key"):
        shows_whole(rendered, "Today", header)
    waiting = shows_whole(rendered, "Today", "Waiting", key="Key")
    assert waiting["L-012"] == "2 working days past its launch date"
    shows_whole(rendered, "Activity", "ID")
    shows_whole(rendered, "Activity", "Kind")


def test_a_tab_the_product_made_prints_its_columns_together(rendered: Rendered) -> None:
    """Progress (7 columns) is one page wide, not its Note alone on every other page;
    Orders (31 columns) is split in a few scaled pages."""
    for page in rendered.pages["Progress"]:
        head = " ".join(w.text for w in lines(page)[0])
        assert head.startswith("Order Ref Stage Status Date By") and head.endswith("Note")
    assert 2 <= len({lines(p)[0][0].text for p in rendered.pages["Orders"]}) <= 4
