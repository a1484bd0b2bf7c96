"""Emails: which are due (``domain.notices``), building them (``notices``), delivering
them (``mailer``, ``delivery``), and never twice (``ledger``). The sync step that decides
and sends them is ``steps.mail``.

The never-twice protocol
------------------------
Every email has a deterministic id (``domain.notices.notice_id``). Two records know it:
the workbook's Activity tab (shared, the audit trail) and the local SQLite ledger
(``mail.ledger``, fsync'd on every change). For each email the protocol is:

1. **Decide (in the step, before the write).** The message is built, and the ledger
   records ``intent`` with the exact bytes. The same sync's write carries the Activity row
   (kind "email", ID = the email id) and the ⚙ stamp (Sent At, Reminded At, Escalated At).
2. **Write.** If the workbook write fails, nothing is sent (after_write never runs); the
   ledger says ``intent`` while Activity lacks the id, which the next run reads as "the
   write never landed": it decides again, from scratch.
3. **Send (after_write).** The ledger moves to ``sending`` (fsync'd) *before* the SMTP
   conversation starts, then to ``sent`` the moment the server accepted the message.

On every later run, for an id that is due again:

* in Activity and unknown to the ledger (another machine, or a lost ledger): done;
* ledger ``sent``: done; ``skipped``/``cancelled``: done;
* ledger ``sending``: **uncertain** (the process died mid-conversation, or the connection
  broke with the message in flight). It is never resent blindly: the next staff digest
  lists it, and a person decides (``Ledger.resolve``);
* ledger ``failed`` (the server surely did not take it: connection refused, a 4xx/5xx
  reply): retried on a later run, with backoff, during working hours; each attempt leaves
  an Activity row ``<id>~<n>`` (which also makes the sync write, so after_write runs);
* ledger ``intent`` *and* in Activity: the write landed but the process stopped before
  sending began (sending is marked before connecting), so it surely did not go out: sent
  now, like a retry;
* ledger ``rejected`` (the server refused the address for good): a Problem on the
  partner's or client's Email; once the address is corrected the stamp is cleared so the
  email goes to the new address (a new id, since the recipient is part of it).

Why this order: the Activity row lands *before* the send, so a second machine, or this
one after losing its ledger, never sends what the workbook says was decided; the ledger's
``sending`` mark lands before the conversation, so a crash at any instant is classified as
"surely not sent" (retry) or "maybe sent" (report), never guessed. Re-running the sync any
number of times finds every id handled and sends nothing new.
"""

from .ledger import Ledger
from .mailer import Mailer, OutboxMailer, SmtpMailer, mailer_for

__all__ = ["Ledger", "Mailer", "OutboxMailer", "SmtpMailer", "mailer_for"]
