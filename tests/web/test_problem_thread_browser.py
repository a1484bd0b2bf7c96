"""The partner's thread in real Chromium (Playwright, Debian's /usr/bin/chromium) against
the app served by waitress on 127.0.0.1: two reports sent from the launch page on a 390 px
phone, the decisions typed into the workbook's Partner Problems rows, one sync, and both
decisions stand under their reports on the page, as plain text. Fails (never skips) when
Chromium is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from web_shop import Shop, phone, photo

from sheets_sync.cells import CellValue

pytestmark = pytest.mark.browser

HOSTILE = '=IMPORTXML("http://evil.example","//a") <b>not bold</b>'


def decide(shop: Shop, report: str, decision: CellValue, by: str) -> None:
    """What the manager types into the report's row (Decision, Decided By)."""
    grid = shop.backend.grid("Partner Problems")
    header = [str(h) for h in grid[0]]
    row = next(r for r in grid[1:] if r[header.index("Report")] == report)
    row.extend([None] * (len(header) - len(row)))
    row[header.index("Decision")] = decision
    row[header.index("Decided By")] = by


def test_two_reports_then_both_decisions_on_the_partner_page(
    shop: Shop, site: str, browser: Browser, tmp_path: Path
) -> None:
    picture = tmp_path / "porosity.jpg"
    picture.write_bytes(photo())
    page = phone(browser)
    launch = site + shop.link("Launches", "L-1")
    page.goto(launch)
    page.fill("#problem-text", "Porosity inside the band after casting")
    page.set_input_files("#problem-photo", str(picture))
    page.get_by_role("button", name="Send the problem").click()
    expect(page.get_by_role("status")).to_contain_text("the workshop has your report")
    shop.clock.advance(minutes=20)
    page.fill("#problem-text", "Two side stones missing from the parcel")
    page.get_by_role("button", name="Send the problem").click()
    thread = page.locator("#problems li")
    expect(thread).to_have_count(2)  # both shown at once, before any sync
    expect(thread.nth(0)).to_contain_text("Awaiting the workshop's decision")
    expect(thread.nth(1)).to_contain_text("Awaiting the workshop's decision")

    shop.clock.advance(minutes=5)
    shop.sync()  # 09:55: both land on Partner Problems, each its own row
    reports = shop.rows("Partner Problems")
    assert [r["Report"] for r in reports] == ["Porosity inside the band after casting",
                                              "Two side stones missing from the parcel"]
    assert shop.cell("Launches", "L-1", "⚙ State") == "Problem"

    decide(shop, "Porosity inside the band after casting", "Recast it; we send 4 g of 18KY today.",
           "Marc")
    decide(shop, "Two side stones missing from the parcel", HOSTILE, "Sam")
    shop.clock.advance(minutes=35)
    shop.sync()  # 10:30
    assert shop.cell("Launches", "L-1", "⚙ Problem") == "none open"

    page.goto(launch)
    expect(thread).to_have_count(2)
    first, second = thread.nth(0), thread.nth(1)
    expect(first.locator("blockquote")).to_have_text("Porosity inside the band after casting")
    expect(first.locator(".decision")).to_contain_text("Recast it; we send 4 g of 18KY today.")
    expect(first.locator(".decision")).to_contain_text("10/03/2026 10:30 · Marc")
    expect(first.get_by_role("link", name="Your photo")).to_have_count(1)
    expect(second.locator("blockquote")).to_have_text("Two side stones missing from the parcel")
    expect(second.locator(".decision-text")).to_have_text(HOSTILE)  # words, never markup
    expect(second.locator(".decision b")).to_have_count(0)
    expect(page.locator("#problems")).not_to_contain_text("Awaiting")
    for selector in ("#problems", "#problems blockquote >> nth=0", ".decision >> nth=1"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    shots = Path(os.environ.get("SHEETS_SYNC_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "partner-thread-390.png"), full_page=True)
    page.close()
    wide = browser.new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    wide.route("https://**/*", lambda route: route.fulfill(status=404, body=""))
    wide.goto(launch)
    expect(wide.locator("#problems .decision")).to_have_count(2)
    wide.screenshot(path=str(shots / "partner-thread-1280.png"), full_page=True)
    wide.close()
