"""Real Chromium (Playwright) against the app served by waitress on 127.0.0.1: two clients
and a partner answer on a 390 px wide phone screen; then one sync puts exactly those
answers into the workbook. Fails (never skips) when Chromium is missing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from web_shop import Shop, phone, photo

pytestmark = pytest.mark.browser


def fits_the_phone(page: Page) -> None:
    """Nothing sticks out of a 390 px screen (JavaScript is off, as the pages need none)."""
    for selector in ("main", "table.grid >> nth=0", "form >> nth=0", "img >> nth=0"):
        if page.locator(selector).count():
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector


def test_clients_and_a_partner_answer_and_the_workbook_holds_exactly_that(
    shop: Shop, site: str, browser: Browser, tmp_path: Path
) -> None:
    picture = tmp_path / "parcel.jpg"
    picture.write_bytes(photo())
    hostile = '=IMPORTXML("http://x","//a")'

    page = phone(browser)
    page.goto(site + shop.link("Approvals", "AP-1"))
    fits_the_phone(page)
    expect(page.locator("h1")).to_contain_text("CAD render: Ring")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#answer")).to_contain_text("Your answer: Approved")
    expect(page.get_by_role("status")).to_contain_text("Thank you")

    page.goto(site + shop.link("Approvals", "AP-2"))
    page.fill("#comment", hostile)
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator("#answer")).to_contain_text("Changes requested")
    expect(page.locator("blockquote")).to_have_text(hostile)

    launch = site + shop.link("Launches", "L-1")
    page.goto(launch)
    fits_the_phone(page)
    expect(page.locator("table.grid").first).to_contain_text("20/03/2026")
    page.fill("#ack-name", "Marc")
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.locator("#ack")).to_contain_text("by Marc")
    page.fill("#problem-text", "Prong bent on arrival")
    page.set_input_files("#problem-photo", str(picture))
    page.get_by_role("button", name="Send the problem").click()
    expect(page.get_by_role("status")).to_contain_text("the workshop has your report")
    page.check("input[name=status][value=Shipped]")
    page.set_input_files("#progress-photo", str(picture))
    page.get_by_role("button", name="Post progress").click()
    expect(page.get_by_role("status")).to_contain_text("your progress is recorded")
    expect(page.locator("#history")).to_contain_text("Shipped")

    page.goto(site + shop.link("Launches", "L-2"))
    expect(page.locator("h1")).to_have_text("This job is not ready yet")

    view = shop.journal.view("approval", "AP-1")
    assert view is not None
    old = shop.signer.token("approval", "AP-1", view.fingerprint, now=shop.clock.now - timedelta(days=31))
    response = page.goto(site + "/a/" + old)
    assert response is not None and response.status == 410
    expect(page.locator("h1")).to_have_text("This link has expired")
    tampered = shop.link("Approvals", "AP-1")[:-4] + "AAAA"
    response = page.goto(site + tampered)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("This link does not work")
    page.close()

    shop.clock.advance(minutes=5)
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Approved"
    assert shop.cell("Approvals", "AP-2", "⚙ State") == "Changes requested"
    assert shop.cell("Approvals", "AP-2", "⚙ Comment") == hostile
    assert shop.cell("Launches", "L-1", "⚙ Acknowledged By") == "Marc"
    assert "Prong bent on arrival" in str(shop.cell("Launches", "L-1", "⚙ Problem"))
    [row] = shop.rows("Progress")
    assert (row["Status"], row["Note"], row["By"]) == ("Done", "Shipped", "Atelier Dupont")
    kinds = sorted(r["Kind"] for r in shop.rows("Activity") if r["Kind"] != "sync")
    assert kinds == ["acknowledgement", "approval", "approval", "problem", "progress"]
    assert shop.journal.pending() == []


def test_back_then_the_same_form_again_is_one_answer_and_each_form_is_its_own(
    shop: Shop, site: str, browser: Browser
) -> None:
    """The page is no-store: Back loads it anew (fresh form keys) while Chromium restores
    what was typed, so sending again sends the same answer with a new key."""
    page = phone(browser)
    launch = site + shop.link("Launches", "L-1")
    page.goto(launch)
    page.fill("#problem-text", "Prong bent on arrival")
    page.check("input[name=status][value=Started]")
    page.fill("#progress-note", "Wax tree ready")
    page.get_by_role("button", name="Post progress").click()
    expect(page.get_by_role("status")).to_contain_text("your progress is recorded")
    page.go_back()
    expect(page.locator("#progress-note")).to_have_value("Wax tree ready")  # restored by Chromium
    page.get_by_role("button", name="Post progress").click()
    expect(page.get_by_role("status")).to_contain_text("your progress is recorded")
    page.go_back()  # the page where the problem was typed too: that form is its own
    expect(page.locator("#problem-text")).to_have_value("Prong bent on arrival")
    page.get_by_role("button", name="Send the problem").click()
    expect(page.get_by_role("status")).to_contain_text("the workshop has your report")
    page.close()

    progress = shop.journal.for_ref("progress", "L-1")
    assert [(e.payload["status"], e.payload["note"]) for e in progress] == [("Started", "Wax tree ready")]
    [problem] = shop.journal.for_ref("problem", "L-1")
    assert problem.payload["text"] == "Prong bent on arrival"
    shop.clock.advance(minutes=5)
    shop.sync()
    assert [(r["Status"], r["Note"]) for r in shop.rows("Progress")] == [("Started", "Wax tree ready")]
    assert sorted(r["Kind"] for r in shop.rows("Activity") if r["Kind"] != "sync") == ["problem", "progress"]
