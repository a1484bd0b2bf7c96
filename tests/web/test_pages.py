"""Every route and every error of the web app, through Flask's test client."""

from __future__ import annotations

import logging
import re
import sqlite3
from io import BytesIO
from pathlib import Path

from flask.testing import FlaskClient
from web_shop import START, Clock, Shop, hidden, make_config, photo

from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner
from web import create_app
from web.security import RedactFilter, redact


def form(page: str, **fields: str) -> dict[str, str]:
    return {"idem": hidden(page, "idem"), "csrf": hidden(page, "csrf"), **fields}


def page(client: FlaskClient, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_data(as_text=True)


BOUNDARY = "----sheets-sync-test"


def multipart(fields: dict[str, str | bytes]) -> bytes:
    """A multipart body built by hand (the test client would spool a big one to a
    temporary file it never closes)."""
    out = b""
    for name, value in fields.items():
        out += f"--{BOUNDARY}\r\n".encode()
        if isinstance(value, bytes):
            out += (
                (
                    f'Content-Disposition: form-data; name="{name}"; filename="{name}.jpg"\r\n'
                    "Content-Type: image/jpeg\r\n\r\n"
                ).encode()
                + value
                + b"\r\n"
            )
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    return out + f"--{BOUNDARY}--\r\n".encode()


# ------------------------------------------------------------------ client pages


def test_client_page_shows_the_piece_and_the_drive_render_as_a_thumbnail(
    shop: Shop, client: FlaskClient
) -> None:
    html = page(client, shop.link("Approvals", "AP-1"))
    assert "Atelier Lumen" in html and "JW-1001" in html
    for text in (
        "Ring",
        "18K yellow gold",
        "52",
        "Round brilliant 1.02 ct G VS1",
        "Solitaire engagement ring, six-prong",
    ):
        assert text in html
    assert 'src="https://drive.google.com/thumbnail?id=1rndJW1001abc&amp;sz=w1000"' in html
    assert 'href="https://drive.google.com/file/d/1rndJW1001abc/view?usp=sharing"' in html
    assert "Approve" in html and "Request changes" in html
    assert "James Whitfield" not in html and "JW-1002" not in html  # nobody else's data


def test_a_non_drive_image_link_is_shown_as_it_is(shop: Shop, client: FlaskClient) -> None:
    html = page(client, shop.link("Approvals", "AP-2"))
    assert 'src="https://example.com/renders/jw1002.png"' in html


def test_approving_records_one_entry_and_the_page_then_shows_the_answer(
    shop: Shop, client: FlaskClient
) -> None:
    path = shop.link("Approvals", "AP-1")
    resp = client.post(path, data=form(page(client, path), decision="approve", name="Claire"))
    assert resp.status_code == 303 and resp.headers["Location"].endswith("?done=1")
    html = page(client, resp.headers["Location"])
    assert "Thank you, your answer is recorded." in html
    assert "Your answer: Approved" in html and "10/03/2026 09:30" in html
    assert 'name="decision"' not in html  # no second answer
    [entry] = shop.journal.pending()
    assert (entry.kind, entry.ref, entry.payload["decision"], entry.payload["name"]) == (
        "approval",
        "AP-1",
        "approve",
        "Claire",
    )


def test_an_answer_is_on_disk_before_the_thank_you(shop: Shop, client: FlaskClient) -> None:
    """A second process opening the journal right after the response (as after a crash of
    the server) finds the answer: it was on disk before the browser heard back, in the
    journal's inbox, which the first read moves into the journal's table."""
    path = shop.link("Approvals", "AP-1")
    resp = client.post(path, data=form(page(client, path), decision="approve", name="Claire"))
    assert resp.status_code == 303
    inbox = shop.journal.inbox_path.read_bytes()
    assert b'"decision":"approve"' in inbox and b'"name":"Claire"' in inbox
    other = Journal(shop.config.web.journal_path)
    try:
        entries = other.pending()
    finally:
        other.close()
    assert [(e.kind, e.ref) for e in entries] == [("approval", "AP-1")]
    raw = sqlite3.connect(shop.config.web.journal_path)
    try:
        assert raw.execute("SELECT kind, ref FROM submissions").fetchall() == [("approval", "AP-1")]
    finally:
        raw.close()


def test_the_same_form_sent_twice_is_one_entry(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    data = form(page(client, path), decision="changes", comment="Thinner shank please")
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == second.status_code == 303
    assert len(shop.journal.pending()) == 1


def test_a_second_answer_from_another_open_tab_is_refused(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    tab1, tab2 = page(client, path), page(client, path)
    assert client.post(path, data=form(tab1, decision="approve")).status_code == 303
    resp = client.post(path, data=form(tab2, decision="changes", comment="No, wait"))
    assert resp.status_code == 409
    assert "Your answer: Approved" in resp.get_data(as_text=True)
    assert len(shop.journal.pending()) == 1


def test_request_changes_needs_a_comment(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    resp = client.post(path, data=form(page(client, path), decision="changes", comment="  "))
    assert resp.status_code == 400
    assert "Please tell us what you would like changed." in resp.get_data(as_text=True)
    assert shop.journal.pending() == []


def test_a_form_without_its_csrf_value_is_refused(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    data = form(page(client, path), decision="approve")
    del data["csrf"]
    resp = client.post(path, data=data)
    assert resp.status_code == 400 and "This form is out of date" in resp.get_data(as_text=True)
    wrong = {**data, "csrf": "0" * 64}
    assert client.post(path, data=wrong).status_code == 400
    assert shop.journal.pending() == []


def test_a_csrf_value_from_another_link_is_refused(shop: Shop, client: FlaskClient) -> None:
    other = form(page(client, shop.link("Approvals", "AP-2")), decision="approve")
    assert client.post(shop.link("Approvals", "AP-1"), data=other).status_code == 400


# ----------------------------------------------------------------- link errors


def test_a_tampered_link_is_a_plain_404(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    tampered = path[:-6] + ("x" if path[-6] != "x" else "y") + path[-5:]
    for bad in (tampered, "/a/nothing", "/a/" + "A" * 500):
        resp = client.get(bad)
        assert resp.status_code == 404
        html = resp.get_data(as_text=True)
        assert "This link does not work" in html
        assert "Traceback" not in html and "JW-1001" not in html


def test_an_approval_link_does_not_open_a_partner_page(shop: Shop, client: FlaskClient) -> None:
    token = shop.link("Approvals", "AP-1").removeprefix("/a/")
    assert client.get("/p/" + token).status_code == 404
    launch = shop.link("Launches", "L-1").removeprefix("/p/")
    assert client.get("/a/" + launch).status_code == 404


def test_a_link_for_a_row_that_is_gone_is_a_404(shop: Shop, client: FlaskClient) -> None:
    token = shop.signer.token("approval", "AP-99", "whatever")
    assert client.get("/a/" + token).status_code == 404


def test_an_expired_link_says_to_ask_for_a_new_one(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Approvals", "AP-1")
    shop.clock.advance(days=30)
    resp = client.get(path)
    assert resp.status_code == 410
    assert "This link has expired" in resp.get_data(as_text=True)
    assert "ask the workshop for a new link" in resp.get_data(as_text=True)
    assert client.post(path, data={"decision": "approve"}).status_code == 410


def test_a_changed_render_makes_the_old_link_say_a_newer_version_was_sent(
    shop: Shop, client: FlaskClient
) -> None:
    old = shop.link("Approvals", "AP-1")
    grid = shop.backend.grid("Approvals")
    grid[1][grid[0].index("Image")] = "https://drive.google.com/file/d/1rndV2/view"
    shop.sync()
    new = shop.link("Approvals", "AP-1")
    assert new != old
    resp = client.get(old)
    assert resp.status_code == 410 and "A newer version was sent" in resp.get_data(as_text=True)
    assert "thumbnail?id=1rndV2" in page(client, new)


# ---------------------------------------------------------------- partner pages


def test_partner_page_is_laid_out_like_a_launch_sheet(shop: Shop, client: FlaskClient) -> None:
    html = page(client, shop.link("Launches", "L-1"))
    for text in (
        "Launch sheet",
        "JW-1001",
        "Manufacture",
        "Atelier Dupont",
        "09/03/2026",
        "20/03/2026",
        "Solitaire engagement ring, six-prong",
        "18K yellow gold",
        "4.2 g",
        "https://drive.google.com/file/d/1cadJW1001/view",
        "Round brilliant 1.02 ct in parcel 17",
        "Keep the sprue on the back of the shank.",
        "Sam Lefèvre",
        "sam@lumen.example",
        "+33 1 23 45 67 89",
        "Acknowledge receipt",
        "Report a problem",
        "Post progress",
    ):
        assert text in html, text


def test_a_blocked_launch_shows_only_a_polite_not_ready_page(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-2")
    resp = client.get(path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "This job is not ready yet" in html
    assert "JW-1002" not in html and "Stone setting" not in html and "<form" not in html
    assert client.post(path, data={"action": "ack", "name": "Giulia"}).status_code == 409
    assert shop.journal.pending() == []


def test_acknowledging_needs_a_name_and_then_shows_who_acknowledged(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    html = page(client, path)
    assert client.post(path, data=form(html, action="ack", name="")).status_code == 400
    resp = client.post(path, data=form(html, action="ack", name="Marc Dupont"))
    assert resp.status_code == 303
    after = page(client, resp.headers["Location"])
    assert "Thank you, receipt is acknowledged." in after
    assert "Acknowledged 10/03/2026 09:30 by Marc Dupont." in after
    [entry] = shop.journal.pending()
    assert entry.kind == "ack" and entry.payload["partner_name"] == "Atelier Dupont"


def test_a_problem_with_a_photo_stores_the_photo_under_a_random_name(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    data = {
        **form(page(client, path), action="problem", text="Stone chipped on arrival"),
        "photo": (BytesIO(photo("PNG")), "IMG_0001.PNG"),
    }
    resp = client.post(path, data=data, content_type="multipart/form-data")
    assert resp.status_code == 303
    [entry] = shop.journal.pending()
    link = entry.payload["photo"]
    m = re.fullmatch(r"http://127\.0\.0\.1:8080/u/([A-Za-z0-9_-]{32}\.png)", link)
    assert m, link
    stored = shop.config.web.upload_dir / m.group(1)
    assert stored.read_bytes() == photo("PNG")
    with client.get("/u/" + m.group(1)) as served:
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.data == photo("PNG")
    assert "Stone chipped on arrival" in page(client, path)


def test_shipped_needs_a_photo(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    resp = client.post(path, data=form(page(client, path), action="progress", status="Shipped"))
    assert resp.status_code == 400
    assert "Shipped needs a photo" in resp.get_data(as_text=True)
    assert shop.journal.pending() == []


def test_progress_without_photo_is_fine_for_started(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    data = form(page(client, path), action="progress", status="Started", note="Wax on the tree")
    assert client.post(path, data=data).status_code == 303
    assert shop.journal.pending()[0].payload["status"] == "Started"


def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_message(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    for content, name in (
        (b"%PDF-1.7 not a picture", "invoice.jpg"),
        (photo("GIF"), "anim.gif"),
        (b"", "empty.jpg"),
    ):
        data = {
            **form(page(client, path), action="problem", text="See photo"),
            "photo": (BytesIO(content), name),
        }
        resp = client.post(path, data=data, content_type="multipart/form-data")
        if content:
            assert resp.status_code == 400, name
            assert "JPEG, PNG or WebP" in resp.get_data(as_text=True)
        else:  # an empty file field is no photo at all
            assert resp.status_code == 303
    uploads = shop.config.web.upload_dir
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_an_oversized_upload_gets_a_friendly_413_page(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    big = b"\xff\xd8" + b"0" * (1024 * 1024 + 70 * 1024)  # over max_upload_mb = 1
    data = {**form(page(client, path), action="problem", text="Big"), "photo": big}
    resp = client.post(path, data=multipart(data), content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert "The photo is too large" in html and "1 MB" in html
    assert shop.journal.pending() == []


def test_unknown_upload_names_are_404(client: FlaskClient) -> None:
    assert client.get("/u/../../etc/passwd").status_code == 404
    assert client.get("/u/" + "A" * 32 + ".png").status_code == 404
    assert client.get("/u/notes.txt").status_code == 404


# ---------------------------------------------------------------------- the site


def test_every_answer_carries_the_security_headers(shop: Shop, client: FlaskClient) -> None:
    for path in ("/", shop.link("Approvals", "AP-1"), "/a/bad", "/static/site.css"):
        with client.get(path) as resp:
            headers = resp.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "img-src 'self' https: data:" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_home_page_and_favicon(client: FlaskClient) -> None:
    assert "Please use the link from your email" in page(client, "/")
    assert client.get("/favicon.ico").status_code == 204


def test_too_many_requests_from_one_address_get_a_429(tmp_path: Path) -> None:
    config = make_config(tmp_path, rate_limit_per_minute=3)
    journal = Journal(config.web.journal_path)
    app = create_app(config, journal, LinkSigner(["k"], 30), now=Clock(START))
    client = app.test_client()
    assert [client.get(p).status_code for p in ("/a/x", "/p/x", "/u/x")] == [404, 404, 404]
    limited = client.get("/a/x")  # the pages and the photos share one allowance
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert "Too many requests" in limited.get_data(as_text=True)
    assert client.get("/u/x").status_code == 429
    other = client.get("/a/x", environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 404  # another address has its own allowance
    assert client.get("/").status_code == 200  # the home page is not limited
    journal.close()


def test_tokens_never_reach_the_logs() -> None:
    line = '127.0.0.1 - - "GET /a/WyJBUC0xIiwi.abc HTTP/1.1" 200 - and /p/Wy.x?done=1 /u/abc.png'
    assert redact(line) == (
        '127.0.0.1 - - "GET /a/<redacted> HTTP/1.1" 200 - and /p/<redacted>?done=1 /u/<redacted>'
    )
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s %s" %s', ("GET", "/p/SECRET.TOKEN", 200), None
    )
    RedactFilter().filter(record)
    assert "SECRET" not in record.getMessage()


def test_an_error_inside_a_page_is_a_friendly_500_without_details(
    shop: Shop, client: FlaskClient, caplog: object
) -> None:
    shop.journal.close()  # the journal is gone: reading the page fails
    resp = client.get(shop.link("Approvals", "AP-1").replace("x", "x"))
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Something went wrong on our side" in html and "Traceback" not in html
    shop.journal = Journal(shop.config.web.journal_path)  # for the fixture's teardown
