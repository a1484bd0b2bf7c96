"""SMTP over STARTTLS and over implicit SSL, with a login, against aiosmtpd on 127.0.0.1.

A throwaway certificate authority (made with ``cryptography``) signs a certificate for
127.0.0.1; the mailer is given a client context that trusts only that authority, so the
certificate is really verified (a context that does not trust it is refused). The user
and password come from the environment variables config.toml names."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sheets_sync.config import Config
from sheets_sync.mail.ledger import FAILED, SENT, Ledger
from sheets_sync.mail.mailer import DeliveryFailed, SmtpMailer
from tests.mail.conftest import MONDAY, Desk, Inbox, at, config_for, free_port, workbook

USER, PASSWORD = "atelier", "correct horse battery staple"


@dataclass(frozen=True)
class Pki:
    ca_pem: bytes
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("sheets-sync test CA"))
        .issuer_name(_name("sheets-sync test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pki(ca.public_bytes(serialization.Encoding.PEM), cert_file, key_file)


@dataclass
class Logins:
    """aiosmtpd's authenticator: accepts USER/PASSWORD only, remembers every attempt."""

    attempts: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((mechanism, login))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


@dataclass
class GuardedInbox(Inbox):
    """Takes a message only from a logged-in client over TLS; notes the cipher used."""

    ciphers: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        cipher = server.transport.get_extra_info("cipher")
        if not session.authenticated or cipher is None:
            return "530 5.7.0 Authentication over TLS required"
        self.ciphers.append(str(cipher[0]))
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Server:
    inbox: GuardedInbox
    logins: Logins
    port: int


def _serve(pki: Pki, implicit: bool) -> Iterator[Server]:
    inbox, logins = GuardedInbox(), Logins()
    common: dict[str, Any] = {"hostname": "127.0.0.1", "port": free_port(), "authenticator": logins}
    if implicit:
        # aiosmtpd does not count an implicit-TLS connection as TLS for auth_require_tls
        # (it knows only STARTTLS), so it offers AUTH only with the check off; the
        # GuardedInbox still refuses a message from a client not logged in or not on TLS
        controller = Controller(
            inbox, ssl_context=pki.server_context(), auth_require_tls=False, **common
        )
    else:
        controller = Controller(
            inbox,
            tls_context=pki.server_context(),
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            **common,
        )
    controller.start()
    try:
        yield Server(inbox, logins, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(pki: Pki) -> Iterator[Server]:
    yield from _serve(pki, implicit=False)


@pytest.fixture
def ssl_server(pki: Pki) -> Iterator[Server]:
    yield from _serve(pki, implicit=True)


def tls_config(tmp_path: Path, port: int, security: str) -> Config:
    config = config_for(tmp_path, port)
    mail = replace(
        config.mail,
        smtp_security=security,
        smtp_user_env="ATELIER_SMTP_USER",
        smtp_password_env="ATELIER_SMTP_PASSWORD",
    )
    return replace(config, mail=mail)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_SMTP_USER", USER)
    monkeypatch.setenv("ATELIER_SMTP_PASSWORD", PASSWORD)


def sync_once(tmp_path: Path, config: Config, mailer: SmtpMailer) -> Desk:
    d = Desk(workbook(), config, Ledger(config.mail.ledger_path), mailer)
    d.sync(at(MONDAY, 9, 0))
    return d


def assert_launch_notice_arrived(server: Server, d: Desk) -> None:
    kinds = sorted(server.inbox.kinds())
    assert kinds == [
        ("approval_request", "durand@example.com"),
        ("digest", "staff@example.com"),
        ("launch_notice", "caster@example.com"),
    ]
    notice = next(m for m in server.inbox.mails if ":launch_notice:" in m.sync_id)
    assert notice.message.get_content_type() == "multipart/alternative"
    assert "https://desk.example/p/L-0001-token" in notice.part("plain")
    assert 'href="https://desk.example/p/L-0001-token"' in notice.part("html")
    assert notice.subject == "New job L-0001: Casting (order A-1001), due 09/03/2026"
    assert all(e.status == SENT for e in d.ledger.entries())
    assert len(server.inbox.ciphers) == 3  # each over TLS
    # one login per connection, with the user from the environment
    assert server.logins.attempts and set(server.logins.attempts) <= {
        ("LOGIN", USER), ("PLAIN", USER)
    }


@pytest.mark.usefixtures("credentials")
def test_starttls_with_login_delivers_both_parts(
    tmp_path: Path, pki: Pki, starttls_server: Server
) -> None:
    config = tls_config(tmp_path, starttls_server.port, "starttls")
    mailer = SmtpMailer(config.mail, timeout=5, tls_context=pki.client_context())
    assert (mailer.user, mailer.password) == (USER, PASSWORD)
    assert mailer.describe() == f"SMTP 127.0.0.1:{starttls_server.port} (starttls)"
    d = sync_once(tmp_path, config, mailer)
    assert_launch_notice_arrived(starttls_server, d)


@pytest.mark.usefixtures("credentials")
def test_implicit_ssl_with_login_delivers_both_parts(
    tmp_path: Path, pki: Pki, ssl_server: Server
) -> None:
    config = tls_config(tmp_path, ssl_server.port, "ssl")
    mailer = SmtpMailer(config.mail, timeout=5, tls_context=pki.client_context())
    d = sync_once(tmp_path, config, mailer)
    assert_launch_notice_arrived(ssl_server, d)


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_nobody_vouches_for_is_refused(
    tmp_path: Path, security: str, request: pytest.FixtureRequest
) -> None:
    server: Server = request.getfixturevalue(f"{security}_server")
    config = tls_config(tmp_path, server.port, security)
    mailer = SmtpMailer(config.mail, timeout=5)  # the system's CAs: ours is not among them
    d = sync_once(tmp_path, config, mailer)
    entries = {e.kind: e for e in d.ledger.entries()}
    assert entries["launch_notice"].status == FAILED
    assert "certificate verify failed" in entries["launch_notice"].last_error
    assert server.inbox.mails == [] and server.logins.attempts == []


def test_a_wrong_password_is_refused_and_nothing_is_sent(
    tmp_path: Path, pki: Pki, starttls_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_SMTP_USER", USER)
    monkeypatch.setenv("ATELIER_SMTP_PASSWORD", "hunter2")
    config = tls_config(tmp_path, starttls_server.port, "starttls")
    mailer = SmtpMailer(config.mail, timeout=5, tls_context=pki.client_context())
    with pytest.raises(DeliveryFailed, match="login refused \\(535\\)") as failed:
        mailer.send(_any_message(), "email:test:1")
    assert not failed.value.maybe_sent
    assert starttls_server.inbox.mails == []
    assert starttls_server.logins.attempts


def test_without_credentials_the_server_refuses_the_message(
    tmp_path: Path, pki: Pki, starttls_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATELIER_SMTP_USER", raising=False)
    monkeypatch.delenv("ATELIER_SMTP_PASSWORD", raising=False)
    config = tls_config(tmp_path, starttls_server.port, "starttls")
    mailer = SmtpMailer(config.mail, timeout=5, tls_context=pki.client_context())
    assert mailer.user is None
    with pytest.raises(DeliveryFailed) as failed:
        mailer.send(_any_message(), "email:test:2")
    assert "530" in str(failed.value)  # authentication required
    assert starttls_server.inbox.mails == []


def _any_message() -> Any:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "atelier@example.com"
    msg["To"] = "caster@example.com"
    msg["Subject"] = "test"
    msg.set_content("plain")
    msg.add_alternative("<p>html</p>", subtype="html")
    return msg
