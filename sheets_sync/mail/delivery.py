"""Delivering decided emails: the ledger says what to send and records how far it got."""

from __future__ import annotations

import logging
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from ..errors import MailError
from .ledger import Ledger
from .mailer import AlreadyDelivered, DeliveryFailed, Mailer, RecipientRejected

log = logging.getLogger(__name__)


def deliver(mailer: Mailer, ledger: Ledger, ids: list[str], now: datetime) -> list[str]:
    """Send the decided emails; return the ids the mailer accepted. A connection-level
    failure stops the batch (the rest stay decided and go out on a later run); an
    unexpected exception propagates with the ledger telling exactly how far it got."""
    delivered: list[str] = []
    for email_id in ids:
        raw = ledger.message(email_id)
        if raw is None or not ledger.mark_sending(email_id, now):
            continue
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        try:
            mailer.send(message, email_id)
        except AlreadyDelivered:
            ledger.mark_sent(email_id, now)
        except RecipientRejected as exc:
            log.warning("email %s refused: %s", email_id, exc)
            ledger.mark_rejected(email_id, now, str(exc))
        except DeliveryFailed as exc:
            if exc.maybe_sent:
                log.error("email %s may or may not have gone out: %s", email_id, exc)
            else:
                log.warning("email %s not sent, will retry: %s", email_id, exc)
                ledger.mark_failed(email_id, now, str(exc))
            return delivered
        except MailError as exc:
            log.warning("email %s not sent, will retry: %s", email_id, exc)
            ledger.mark_failed(email_id, now, str(exc))
        else:
            ledger.mark_sent(email_id, now)
            delivered.append(email_id)
    return delivered
