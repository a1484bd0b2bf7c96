"""The README's pictures, made from the product itself: ``python docs/make_pictures.py``.

* ``docs/today-tab.png``: the demo workbook, synced, printed by LibreOffice (the Today
  tab's page, cropped to its table);
* ``docs/client-page.png``: the client's CAD-approval page of a pending approval of the
  same sync, served by the real app (waitress on 127.0.0.1) and photographed by Debian's
  Chromium through Playwright on a 390 px wide phone screen. The CAD render itself lives
  on Google Drive; with no network here, a drawn ring stands in for it.

Needs what the tests need (``bash .ci/run`` installs it): libreoffice-calc-nogui,
poppler-utils, chromium, and the test extras (Playwright).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
from PIL import Image, ImageDraw
from playwright.sync_api import Route, sync_playwright

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.config import Config
from sheets_sync.contract import normalize
from sheets_sync.pipeline import build_steps
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import run_sync
from sheets_sync.testing.rendering import pdf_pages, pdf_words, to_pdf
from web import create_app
from web.server import start

DOCS = Path(__file__).resolve().parent
DAY = date(2026, 11, 25)  # a Wednesday: the pictures do not change with the day they are made
CHROMIUM = "/usr/bin/chromium"
DPI = 110
MARGIN = 12  # pixels of white kept around the table


def synced_demo(folder: Path) -> tuple[Path, Config, datetime]:
    base = Config()
    config = replace(
        base,
        mail=replace(base.mail, outbox_dir=folder / "outbox", ledger_path=folder / "ledger"),
        web=replace(base.web, journal_path=folder / "journal.sqlite", upload_dir=folder / "uploads"),
    )
    now = datetime(DAY.year, DAY.month, DAY.day, 10, 0, tzinfo=config.workshop.zone)
    path = write_new_workbook(folder / "workshop.xlsx", demo_tabs(DAY))
    run_sync(XlsxBackend(path), config, now, build_steps(config))
    return path, config, now


def today_tab(workbook: Path, folder: Path, out: Path) -> None:
    """The Today page of the printed workbook, cropped to the table's words."""
    pdf = to_pdf(workbook, folder / "pdf")
    pages = pdf_words(pdf)
    heads = [[w.text for w in words if w.top < min(x.top for x in words) + 2] for words in pages]
    if ["Today"] not in heads:
        raise SystemExit("no page of the printed workbook is headed Today")
    number = heads.index(["Today"]) + 1
    words = pages[number - 1]
    top = min(w.top for w in words)
    table = [w for w in words if top + 2 <= w.top < max(w.top for w in words) - 2]
    (png,) = pdf_pages(pdf, folder / "pages", dpi=DPI, first=number, last=number)
    scale = DPI / 72
    box = (int(min(w.left for w in table) * scale) - MARGIN,
           int(min(w.top for w in table) * scale) - MARGIN,
           int(max(w.right for w in table) * scale) + MARGIN,
           int(max(w.bottom for w in table) * scale) + MARGIN)
    with Image.open(png) as page:
        page.crop(box).convert("P", palette=Image.Palette.ADAPTIVE).save(out, optimize=True)


def pending_approval(workbook: Path) -> str:
    """The ⚙ Link of the first approval still waiting for the client's answer."""
    ws = openpyxl.load_workbook(workbook, read_only=True)["Approvals"]
    rows = ws.iter_rows(values_only=True)
    heads = [normalize(h) for h in next(rows)]
    state, link = heads.index(normalize("⚙ State")), heads.index(normalize("⚙ Link"))
    for row in rows:
        if row[state] == "Pending" and row[link]:
            return str(row[link])
    raise SystemExit("the demo has no pending approval with a link")


def drawn_ring() -> bytes:
    """A stand-in for the CAD render the page would fetch from Google Drive."""
    img = Image.new("RGB", (800, 600), "#f4f1ea")
    pen = ImageDraw.Draw(img)
    pen.ellipse((230, 170, 570, 510), outline="#b8912f", width=34)
    pen.polygon([(400, 60), (460, 150), (400, 200), (340, 150)], fill="#dfe8f0", outline="#7a8a99")
    pen.line([(370, 190), (400, 200), (430, 190)], fill="#b8912f", width=8)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def client_page(workbook: Path, config: Config, now: datetime, out: Path) -> None:
    app = create_app(config, now=lambda: now)
    running = start(app, "127.0.0.1", 0, threads=2)
    ring = drawn_ring()
    try:
        link = pending_approval(workbook)
        path = link[len(config.web.base_url.rstrip("/")):]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 390, "height": 844},
                                        device_scale_factor=1, java_script_enabled=False)

                def drive(route: Route) -> None:
                    route.fulfill(status=200, content_type="image/png", body=ring)

                page.route("https://drive.google.com/**", drive)
                page.goto(running.url + path, wait_until="load")
                page.screenshot(path=str(out), full_page=True)
            finally:
                browser.close()
    finally:
        running.stop()
    with Image.open(out) as shot:
        shot.convert("P", palette=Image.Palette.ADAPTIVE).save(out, optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook, config, now = synced_demo(folder)
        today_tab(workbook, folder, DOCS / "today-tab.png")
        client_page(workbook, config, now, DOCS / "client-page.png")
    for name in ("today-tab.png", "client-page.png"):
        print(f"{DOCS / name}: {(DOCS / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
