"""From the web to the workbook: the real steps on the in-memory workbook, exactly once."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask.testing import FlaskClient
from web_shop import BASE, Shop, hidden, photo

from sheets_sync.errors import BackendUnavailable
from sheets_sync.pipeline import CLOSING_STEPS, CORE_STEPS
from sheets_sync.steps.answers import flush_step
from sheets_sync.steps.links import links_for, publish_step
from sheets_sync.sync import run_sync


def answer(client: FlaskClient, path: str, **fields: object) -> None:
    html = client.get(path).get_data(as_text=True)
    data = {"idem": hidden(html, "idem"), "csrf": hidden(html, "csrf"), **fields}
    resp = client.post(path, data=data, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)


def activity(shop: Shop) -> list[tuple[object, ...]]:
    return [
        (r["Kind"], r["Ref"], r["Actor"], r["Detail"]) for r in shop.rows("Activity") if r["Kind"] != "sync"
    ]


def test_an_approval_lands_in_its_cells_the_order_and_activity(shop: Shop, client: FlaskClient) -> None:
    answer(client, shop.link("Approvals", "AP-1"), decision="approve")
    shop.clock.advance(minutes=10)
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Approved"
    assert shop.cell("Approvals", "AP-1", "⚙ Answered At") == datetime(2026, 3, 10, 9, 30)
    assert shop.cell("Approvals", "AP-1", "⚙ Answered By") == "Claire Moreau"  # from Clients
    assert shop.cell("Orders", "JW-1001", "⚙ Approval") == "Approved"
    assert activity(shop) == [("approval", "AP-1", "Claire Moreau", "Approved")]
    assert shop.journal.pending() == []
    assert not shop.sync().changes  # a second sync writes nothing


@pytest.mark.parametrize("hostile", ['=IMPORTXML("http://x","//a")', "+1+1", "-2", "@SUM(A1)"])
def test_hostile_comments_are_stored_as_plain_text(shop: Shop, client: FlaskClient, hostile: str) -> None:
    answer(client, shop.link("Approvals", "AP-2"), decision="changes", comment=hostile)
    shop.sync()
    assert shop.cell("Approvals", "AP-2", "⚙ State") == "Changes requested"
    assert shop.cell("Approvals", "AP-2", "⚙ Comment") == hostile
    assert shop.cell("Orders", "JW-1002", "⚙ Approval") == "Changes requested"
    assert activity(shop) == [("approval", "AP-2", "James Whitfield", f"Changes requested: {hostile}")]


def test_partner_answers_land_in_launches_progress_and_activity(shop: Shop, client: FlaskClient) -> None:
    path = shop.link("Launches", "L-1")
    answer(client, path, action="ack", name="Marc")
    shop.clock.advance(hours=2)
    answer(client, path, action="problem", text="Prong bent", photo=(_img(), "p.jpg"))
    shop.clock.advance(hours=1)
    answer(client, path, action="progress", status="Shipped", note="DHL 123", photo=(_img(), "s.jpg"))
    shop.sync()
    assert shop.cell("Launches", "L-1", "⚙ Acknowledged At") == datetime(2026, 3, 10, 9, 30)
    assert shop.cell("Launches", "L-1", "⚙ Acknowledged By") == "Marc"
    # sent 09/03 14:00, acknowledged 10/03 09:30
    assert shop.cell("Launches", "L-1", "⚙ Response Hours") == 19.5
    problem = str(shop.cell("Launches", "L-1", "⚙ Problem"))
    assert problem.startswith("1 open, reported 10/03/2026 11:30: Prong bent (photo: " + BASE + "/u/")
    assert shop.cell("Launches", "L-1", "⚙ State") == "Problem"
    [report] = shop.rows("Partner Problems")  # its own row, keyed by its Activity ID
    assert (report["Launch ID"], report["Order Ref"], report["Partner"], report["Reported At"],
            report["Report"], report["⚙ State"]) == (
        "L-1", "JW-1001", "P-MFG", datetime(2026, 3, 10, 11, 30), "Prong bent", "Awaiting decision")
    assert str(report["Photo"]).startswith(BASE + "/u/")
    [row] = shop.rows("Progress")
    assert (row["Order Ref"], row["Stage"], row["Status"], row["Date"], row["By"], row["Note"]) == (
        "JW-1001",
        "Manufacture",
        "Done",
        date(2026, 3, 10),
        "Atelier Dupont",
        "Shipped: DHL 123",
    )
    assert str(row["Photo"]).startswith(BASE + "/u/")
    kinds = [a[:3] for a in activity(shop)]
    assert kinds == [
        ("acknowledgement", "L-1", "Marc (Atelier Dupont)"),
        ("problem", "L-1", "Atelier Dupont"),
        ("progress", "L-1", "Atelier Dupont"),
    ]
    # the next sync applies nothing again, and has nothing to catch up on: the steps saw
    # the appended Progress row in the sync that wrote it
    assert not shop.sync().changes


def _img() -> object:
    from io import BytesIO

    return BytesIO(photo())


def test_a_crash_between_write_and_mark_applies_nothing_twice(shop: Shop, client: FlaskClient) -> None:
    answer(client, shop.link("Launches", "L-1"), action="progress", status="Started")

    def crash(ctx: object) -> None:  # the write lands, the process dies before marking
        ctx.after_write.clear()  # type: ignore[attr-defined]

    run_sync(
        shop.backend,
        shop.config,
        shop.clock.now,
        [
            flush_step(shop.journal),
            publish_step(shop.journal, shop.signer),
            *CORE_STEPS,
            *CLOSING_STEPS,
            crash,
        ],
    )
    assert len(shop.rows("Progress")) == 1 and len(shop.journal.pending()) == 1
    shop.clock.advance(minutes=10)
    shop.sync()  # the rerun sees the id in Activity: it only marks the entry applied
    assert len(shop.rows("Progress")) == 1
    assert [a[0] for a in activity(shop)] == ["progress"]
    assert shop.journal.pending() == []


def test_when_the_workbook_cannot_be_written_answers_wait_and_land_later(
    shop: Shop, client: FlaskClient
) -> None:
    shop.backend.fail_next_write = BackendUnavailable("Google answered 503")
    answer(client, shop.link("Approvals", "AP-1"), decision="approve")
    with pytest.raises(BackendUnavailable):
        shop.sync()
    assert len(shop.journal.pending()) == 1  # not marked: the write failed
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Pending"
    answer(client, shop.link("Approvals", "AP-2"), decision="approve")  # still accepted
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Approved"
    assert shop.cell("Approvals", "AP-2", "⚙ State") == "Approved"
    assert shop.journal.pending() == []


def test_links_are_kept_until_three_days_before_they_expire(shop: Shop) -> None:
    first = shop.cell("Approvals", "AP-1", "⚙ Link")
    shop.clock.advance(days=26)
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ Link") == first
    shop.clock.advance(days=1, minutes=1)  # under 3 days left: a fresh link
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ Link") != first


def test_a_link_in_the_cell_that_is_not_ours_is_replaced(shop: Shop) -> None:
    grid = shop.backend.grid("Launches")
    grid[1][grid[0].index("⚙ Link")] = "http://127.0.0.1:8080/p/garbage"
    shop.sync()
    assert str(shop.cell("Launches", "L-1", "⚙ Link")) != "http://127.0.0.1:8080/p/garbage"


def test_a_new_render_on_an_answered_approval_opens_a_new_round(shop: Shop, client: FlaskClient) -> None:
    answer(client, shop.link("Approvals", "AP-1"), decision="changes", comment="Thinner")
    shop.sync()
    grid = shop.backend.grid("Approvals")
    grid[1][grid[0].index("Image")] = "https://drive.google.com/file/d/1rndV2/view"
    shop.clock.advance(days=2)
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Pending"
    assert shop.cell("Approvals", "AP-1", "⚙ Comment") is None
    answer(client, shop.link("Approvals", "AP-1"), decision="approve")
    shop.sync()
    assert shop.cell("Approvals", "AP-1", "⚙ State") == "Approved"
    assert [a[3] for a in activity(shop)] == ["Changes requested: Thinner", "Approved"]


def test_links_for_one_order_name_who_gets_them(shop: Shop) -> None:
    from sheets_sync.outputs import SyncContext, activity_ids
    from sheets_sync.records import build_workshop

    snap = shop.backend.read()
    ctx = SyncContext(
        snap,
        build_workshop(snap).workshop,
        shop.config,
        shop.clock.now.date(),
        shop.clock.now,
        activity_ids=activity_ids(snap),
    )
    lines = links_for(ctx, "JW-1001")
    assert [(line.kind, line.row_id, line.audience) for line in lines] == [
        ("approval", "AP-1", "Claire Moreau"),
        ("launch", "L-1", "Atelier Dupont"),
    ]
    assert all(line.url.startswith(BASE) for line in lines)
