"""The pages on a 390 px phone in real Chromium: a refused form says why at the top of the
first screen (and never thanks in the same breath), nothing is wider than the screen, and
an answered approval no longer asks for an approval. Fails (never skips) without Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from web_shop import PHONE as SCREEN
from web_shop import Shop, phone, photo

pytestmark = pytest.mark.browser
LONG_WORD = "https://photos.example/" + "x" * 180  # a link pasted into a problem


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    p = phone(browser)
    try:
        yield p
    finally:
        p.close()


def wider_than_the_screen(page: Page) -> list[str]:
    """Every element whose box goes past the right edge of the 390 px screen."""
    out = []
    for element in page.locator("body *").all():
        box = element.bounding_box()
        if box is not None and box["width"] > 0 and box["x"] + box["width"] > SCREEN["width"] + 0.5:
            out.append(f"{element.evaluate('e => e.tagName')} {box}")
    return out


def on_the_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"]


def test_a_refused_form_says_why_first_and_never_thanks(shop: Shop, site: str, page: Page) -> None:
    launch = site + shop.link("Launches", "L-1")
    page.goto(launch)
    page.fill("#problem-text", "Prong bent on arrival")
    page.get_by_role("button", name="Send the problem").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you, the workshop has your report.")
    # then, from that same page: Shipped without a photo
    page.check("input[name=status][value=Shipped]")
    page.fill("#progress-note", "Sent by courier")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Post progress").click()
    assert sent.value.status == 400
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Shipped needs a photo of the parcel or the piece.")
    assert on_the_first_screen(page, "[role=alert]")
    expect(page.get_by_role("status")).to_have_count(0)
    assert "Thank you" not in page.inner_text("main")
    # what was chosen and typed is still there, to add the photo and send again
    expect(page.locator("input[name=status][value=Shipped]")).to_be_checked()
    expect(page.locator("#progress-note")).to_have_value("Sent by courier")


def test_no_page_is_wider_than_the_phone(shop: Shop, site: str, page: Page, tmp_path: Path) -> None:
    picture = tmp_path / "parcel.jpg"
    picture.write_bytes(photo())
    launch = site + shop.link("Launches", "L-1")
    page.goto(launch)
    page.fill("#problem-text", f"See {LONG_WORD}")
    page.set_input_files("#problem-photo", str(picture))
    page.get_by_role("button", name="Send the problem").click()
    page.check("input[name=status][value=Started]")
    page.fill("#progress-note", LONG_WORD)
    page.get_by_role("button", name="Post progress").click()
    expect(page.locator("#history")).to_contain_text(LONG_WORD)
    assert wider_than_the_screen(page) == []
    approval = site + shop.link("Approvals", "AP-2")
    page.goto(approval)
    page.fill("#comment", LONG_WORD)
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator("blockquote")).to_have_text(LONG_WORD)
    assert wider_than_the_screen(page) == []
    for other in (site + shop.link("Launches", "L-2"), site + "/a/not-a-link", site + "/"):
        page.goto(other)
        assert wider_than_the_screen(page) == [], other


def test_an_answered_approval_no_longer_asks_for_it(shop: Shop, site: str, page: Page) -> None:
    approval = site + shop.link("Approvals", "AP-1")
    page.goto(approval)
    expect(page.locator("main")).to_contain_text("Your approval is requested")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#answer")).to_contain_text("Your answer: Approved")
    assert "approval is requested" not in page.inner_text("main").casefold()
    page.goto(approval)  # later, from the email again
    assert "approval is requested" not in page.inner_text("main").casefold()
    expect(page.locator(".eyebrow")).to_contain_text("Approved")
    # and once the sync has put the answer into the workbook and published the page
    shop.clock.advance(minutes=5)
    shop.sync()
    page.goto(approval)
    assert "approval is requested" not in page.inner_text("main").casefold()
    expect(page.locator(".eyebrow")).to_contain_text("Approved")
