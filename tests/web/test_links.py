"""Signed links: scoped, bound to content, expiring after link_days, rotatable."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from web_shop import make_config

from sheets_sync.links import LinkExpired, LinkInvalid, LinkSigner, load_secrets

T0 = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


def test_a_token_names_its_row_and_content_and_expires_after_link_days() -> None:
    signer = LinkSigner(["s3cret"], link_days=30)
    token = signer.token("approval", "AP-1", "fp-abc", now=T0)
    claims = signer.read(token, "approval", now=T0 + timedelta(days=29, hours=23))
    assert (claims.row_id, claims.fingerprint) == ("AP-1", "fp-abc")
    assert claims.expires_at == datetime(2026, 4, 9, 8, 30, tzinfo=UTC)
    with pytest.raises(LinkExpired) as expired:
        signer.read(token, "approval", now=T0 + timedelta(days=30))
    assert expired.value.claims.row_id == "AP-1"


def test_a_link_opened_again_and_again_stays_scoped_and_still_expires() -> None:
    """A genuine token's signature is checked once and remembered; its purpose and its
    expiry are judged on every request."""
    signer = LinkSigner(["s3cret"], link_days=30)
    token = signer.token("approval", "AP-1", "fp-abc", now=T0)
    for days in (0, 1, 29):
        assert signer.read(token, "approval", now=T0 + timedelta(days=days)).row_id == "AP-1"
    with pytest.raises(LinkInvalid):
        signer.read(token, "launch", now=T0)
    with pytest.raises(LinkExpired):
        signer.read(token, "approval", now=T0 + timedelta(days=30))


def test_an_approval_token_is_worthless_on_the_partner_page() -> None:
    signer = LinkSigner(["s3cret"])
    token = signer.token("approval", "L-1", "fp", now=T0)
    with pytest.raises(LinkInvalid):
        signer.read(token, "launch", now=T0)


def test_old_secrets_still_open_links_while_new_links_use_the_new_secret() -> None:
    old = LinkSigner(["old-secret"])
    token = old.token("launch", "L-1", "fp", now=T0)
    rotated = LinkSigner(["new-secret", "old-secret"])
    assert rotated.read(token, "launch", now=T0).row_id == "L-1"
    fresh = rotated.token("launch", "L-1", "fp", now=T0)
    with pytest.raises(LinkInvalid):
        old.read(fresh, "launch", now=T0)
    with pytest.raises(LinkInvalid):  # a retired secret no longer opens anything
        LinkSigner(["new-secret"]).read(token, "launch", now=T0)


@given(st.text(max_size=80))
def test_any_other_text_is_refused_as_invalid(text: str) -> None:
    with pytest.raises(LinkInvalid):
        LinkSigner(["s3cret"]).read(text, "approval", now=T0)


def test_a_token_with_one_character_changed_is_refused() -> None:
    signer = LinkSigner(["s3cret"])
    token = signer.token("approval", "AP-1", "fp", now=T0)
    # (not the very last character: its lowest base64 bits carry no data)
    for i in (0, len(token) // 2, len(token) - 3):
        tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(LinkInvalid):
            signer.read(tampered, "approval", now=T0)


def test_csrf_value_is_bound_to_the_link_and_the_form() -> None:
    signer = LinkSigner(["s3cret"])
    value = signer.csrf("tok", "idem-1")
    assert signer.check_csrf("tok", "idem-1", value)
    assert not signer.check_csrf("tok", "idem-2", value)
    assert not signer.check_csrf("other", "idem-1", value)
    assert not signer.check_csrf("tok", "idem-1", "")


def test_with_no_secret_configured_one_is_created_once_beside_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path)
    monkeypatch.delenv(config.web.secret_env, raising=False)
    monkeypatch.delenv(config.web.secret_env + "_FILE", raising=False)
    monkeypatch.delenv(config.web.old_secrets_env, raising=False)
    first = load_secrets(config)
    second = load_secrets(config)
    path = tmp_path / "var" / "secret"
    assert first == second and len(first) == 1 and len(first[0]) >= 40
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sum("No link secret configured" in r.getMessage() for r in caplog.records) == 1


def test_secret_from_env_comes_first_then_the_old_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    monkeypatch.setenv(config.web.secret_env, "current")
    monkeypatch.setenv(config.web.old_secrets_env, "older, oldest ,")
    assert load_secrets(config) == ["current", "older", "oldest"]
    assert not (tmp_path / "var" / "secret").exists()
