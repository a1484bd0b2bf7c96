"""Delivering a built message: over SMTP, or into an outbox folder of .eml files.

Both mailers take the email's deterministic id with the message. Errors are MailError
children that say whether the message may have gone out (``maybe_sent``): the mail step
retries only what surely did not.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from ..config import Config, MailConfig, secret_from_env
from ..durable import fsync_folder
from ..errors import MailError


class DeliveryFailed(MailError):
    """The message did not go out; ``maybe_sent`` when it is not known for sure."""

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class RecipientRejected(DeliveryFailed):
    """The server refused the recipient address for good (a 5xx answer to RCPT)."""


class AlreadyDelivered(MailError):
    """The outbox already holds a message with this id: it went out before."""


class BadAddress(MailError):
    """An address that cannot be used (empty, malformed, or a header injection)."""


class Mailer(Protocol):
    def describe(self) -> str:
        """Where mail goes, in words."""
        ...

    def send(self, message: EmailMessage, email_id: str) -> None:
        """Deliver ``message``, or raise a MailError child."""
        ...


_LOCAL_OK = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_DOMAIN_OK = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$|^localhost$"
)


def parse_address(text: str | None, name: str = "") -> Address:
    """One mailbox from a cell or config value: "a@b.fr" or "Name <a@b.fr>". Raises
    BadAddress naming what is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise BadAddress("no email address")
    if any(c in raw for c in "\r\n\t") or "," in raw or ";" in raw:
        raise BadAddress(f"{raw!r} is not one email address")
    display, addr = parseaddr(raw)
    if not addr or addr.count("@") != 1:
        raise BadAddress(f"{raw!r} is not an email address")
    local, _, domain = addr.rpartition("@")
    if not _LOCAL_OK.match(local) or local.startswith(".") or ".." in local:
        raise BadAddress(f"{raw!r} is not an email address (the part before @)")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadAddress(f"{raw!r} has an invalid domain") from None
    if not _DOMAIN_OK.match(ascii_domain):
        raise BadAddress(f"{raw!r} has an invalid domain {domain!r}")
    try:
        return Address(display_name=(name or display).strip(), username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise BadAddress(f"{raw!r} is not an email address: {exc}") from None


def outbox_name(email_id: str) -> str:
    """A safe, deterministic file name for an email id (same id, same file)."""
    digest = hashlib.sha256(email_id.encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", email_id.removeprefix("email:"))[:80].strip("-")
    return f"{slug}-{digest}.eml"


class OutboxMailer:
    """Writes each message as an RFC 5322 .eml file into a folder (the offline default).

    The file is written under a temporary name, fsync'd, then linked to its final name;
    the link fails if that name exists, so the outbox itself refuses a second message
    with the same id (``AlreadyDelivered``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"outbox folder {self.folder}"

    def path_for(self, email_id: str) -> Path:
        return self.folder / outbox_name(email_id)

    def send(self, message: EmailMessage, email_id: str) -> None:
        final = self.path_for(email_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if final.exists():
                raise AlreadyDelivered(f"{final.name} is already in the outbox")
            tmp = self.folder / f".{final.name}.{os.getpid()}.tmp"
            data = message.as_bytes()
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, final)
            except FileExistsError:
                raise AlreadyDelivered(f"{final.name} is already in the outbox") from None
            finally:
                tmp.unlink(missing_ok=True)
            fsync_folder(self.folder)
        except OSError as exc:
            raise DeliveryFailed(f"cannot write to the outbox {self.folder}: {exc}") from None


class SmtpMailer:
    """Sends over SMTP with smtplib: STARTTLS, SSL or plain per ``smtp_security``; login
    when the user/password environment variables named in config are set."""

    def __init__(
        self,
        mail: MailConfig,
        *,
        timeout: float = 30.0,
        user: str | None = None,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if mail.smtp_security not in ("starttls", "ssl", "none"):
            raise MailError(
                f'config [mail] smtp_security must be "starttls", "ssl" or "none", '
                f"not {mail.smtp_security!r}"
            )
        self.mail = mail
        self.timeout = timeout
        self.user = user if user is not None else secret_from_env(mail.smtp_user_env)
        self.password = (
            password if password is not None else secret_from_env(mail.smtp_password_env)
        )
        self.tls_context = tls_context

    def describe(self) -> str:
        return f"SMTP {self.mail.smtp_host}:{self.mail.smtp_port} ({self.mail.smtp_security})"

    def _connect(self) -> smtplib.SMTP:
        host, port = self.mail.smtp_host, self.mail.smtp_port
        context = self.tls_context or ssl.create_default_context()
        if self.mail.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.mail.smtp_security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def send(self, message: EmailMessage, email_id: str) -> None:
        where = self.describe()
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"{where}: login refused ({exc.smtp_code})") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{where}: cannot connect: {_why(exc)}") from None
        try:
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = ", ".join(f"{r} ({c})" for r, (c, _) in exc.recipients.items())
            if codes and all(500 <= c < 600 for c in codes):
                raise RecipientRejected(f"{where} refused the recipient {text}") from None
            raise DeliveryFailed(f"{where} refused the recipient for now: {text}") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryFailed(f"{where} refused the message: {_why(exc)}") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            # the conversation broke while the message was in flight: it may have gone out
            raise DeliveryFailed(f"{where}: {_why(exc)}", maybe_sent=True) from None
        finally:
            _quietly_close(smtp)
        if refused:
            raise RecipientRejected(f"{where} refused {', '.join(refused)}")


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__


def mailer_for(config: Config) -> Mailer:
    """The mailer config.toml asks for ([mail] transport)."""
    if config.mail.transport == "smtp":
        return SmtpMailer(config.mail)
    return OutboxMailer(config.mail.outbox_dir)
