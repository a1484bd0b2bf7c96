"""Forms and their keys: each form on a page answers for itself, a double click is one
entry, the same answer sent again (a page restored by Back has fresh keys) is one entry,
and a different answer is a new one. Flask's test client against the real journal."""

from __future__ import annotations

from flask.testing import FlaskClient
from web_shop import Shop, hidden, photo

ACTIONS = ("ack", "problem", "progress")


def keys(html: str, action: str) -> dict[str, str]:
    """The hidden key and CSRF value of one form of the partner page."""
    nth = ACTIONS.index(action)
    return {"idem": hidden(html, "idem", nth), "csrf": hidden(html, "csrf", nth), "action": action}


def post(client: FlaskClient, path: str, fields: dict[str, object]) -> None:
    resp = client.post(path, data=fields, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)


def test_each_form_of_the_partner_page_has_its_own_key(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    html = client.get(path).get_data(as_text=True)
    assert len({hidden(html, "idem", n) for n in range(3)}) == 3
    post(client, path, {**keys(html, "problem"), "text": "Prong bent"})
    post(client, path, {**keys(html, "progress"), "status": "Started", "note": ""})  # same page
    post(client, path, {**keys(html, "ack"), "name": "Marc"})
    assert sorted(e.kind for e in shop.journal.pending()) == ["ack", "problem", "progress"]


def test_the_same_answer_with_fresh_keys_is_one_entry_a_new_one_is_not(
    shop: Shop, client: FlaskClient
) -> None:
    path = shop.link("Launches", "L-1")

    def send(**fields: object) -> None:
        html = client.get(path).get_data(as_text=True)  # Back: the page anew, new keys
        post(client, path, {**keys(html, "progress"), **fields})

    send(status="Started", note="Wax tree ready")
    send(status="Started", note="Wax tree ready")  # sent again from the restored page
    send(status="Started", note="Wax tree ready", photo=(_jpeg(1), "tree.jpg"))  # adds a photo
    send(status="Started", note="Wax tree ready")  # again, the file input is never restored
    send(status="Done", note="Wax tree ready")
    send(status="Started", note="Wax tree ready")  # a new answer after another one
    entries = shop.journal.for_ref("progress", "L-1")
    said = [(e.payload["status"], bool(e.payload.get("photo"))) for e in entries]
    assert said == [("Started", False), ("Started", True), ("Done", False), ("Started", False)]
    uploads = list(shop.config.web.upload_dir.iterdir())
    assert len(uploads) == 1  # the photo of an answer found to be a repeat is not kept

    html = client.get(path).get_data(as_text=True)
    post(client, path, {**keys(html, "problem"), "text": "Stone loose"})
    post(client, path, {**keys(html, "problem"), "text": "Stone loose"})  # a double click
    html = client.get(path).get_data(as_text=True)
    post(client, path, {**keys(html, "problem"), "text": "Stone loose"})  # Back and send
    assert len(shop.journal.for_ref("problem", "L-1")) == 1


def _jpeg(seed: int) -> object:
    from io import BytesIO

    return BytesIO(photo(size=(40 + seed, 30)))
