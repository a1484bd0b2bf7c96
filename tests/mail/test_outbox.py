"""The outbox mailer writes parseable .eml files and refuses a second one with the same id."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from sheets_sync.mail.ledger import SENT, Ledger
from sheets_sync.mail.mailer import AlreadyDelivered, BadAddress, OutboxMailer, parse_address
from tests.mail.conftest import MONDAY, Desk, at, config_for, workbook


def test_outbox_holds_one_eml_per_email_and_refuses_duplicates(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    outbox = OutboxMailer(config.mail.outbox_dir)
    d = Desk(workbook(), config, Ledger(config.mail.ledger_path), outbox)
    d.sync(at(MONDAY, 9, 0))
    d.sync(at(MONDAY, 9, 10))
    files = sorted(config.mail.outbox_dir.glob("*.eml"))
    assert len(files) == 3  # digest, launch notice, approval request; the rerun added none
    msg = message_from_bytes(files[1].read_bytes(), policy=policy.default)
    ids = {e.id for e in d.ledger.entries(SENT)}
    assert "".join(str(msg["X-Sheets-Sync-Id"]).split()) in ids
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    with pytest.raises(AlreadyDelivered):
        outbox.send(msg, "".join(str(msg["X-Sheets-Sync-Id"]).split()))  # type: ignore[arg-type]
    assert not list(config.mail.outbox_dir.glob(".*tmp"))


@pytest.mark.parametrize(
    "text", ["", "marc at fonderie", "a@b", "a@b.fr, c@d.fr", "x@y.fr\nBcc: all@evil.example"]
)
def test_addresses_that_cannot_be_used(text: str) -> None:
    with pytest.raises(BadAddress):
        parse_address(text)


def test_addresses_that_can() -> None:
    assert str(parse_address("Marc <marc@fonderie-lyon.fr>")) == "Marc <marc@fonderie-lyon.fr>"
    assert parse_address(" durand@example.com ").addr_spec == "durand@example.com"
