"""Emails: which are due (``domain.notices``), building them (``notices``), delivering
them (``mailer``), and never twice (``ledger`` + ``step``)."""

from .ledger import Ledger
from .mailer import Mailer, OutboxMailer, SmtpMailer, mailer_for
from .step import MailStep, build_mail_step, forced_digest

__all__ = [
    "Ledger",
    "MailStep",
    "Mailer",
    "OutboxMailer",
    "SmtpMailer",
    "build_mail_step",
    "forced_digest",
    "mailer_for",
]
