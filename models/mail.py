from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.log_events import LogEvent
    from helpdesk.models.tickets import Ticket


class MailKind(StrEnum):
    REPLY = "REPLY"  # a reply on the ticket, to everyone on it but its author
    CONFIRM_REQUEST = "CONFIRM_REQUEST"  # resolved: the primary contact is asked to confirm


class MailState(StrEnum):
    PENDING = "PENDING"  # waiting for its next attempt
    SENT = "SENT"  # the mail server took it
    FAILED = "FAILED"  # refused for good, or given up on after the last attempt


# Model docstrings become SQL table comments: a semicolon in one breaks the SQLite migration.
class OutboxMail(Model):
    """A mail to send, written in the transaction of the change that caused it, and sent
    by the mail worker (helpdesk/mail_worker.py) after commit."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="mails", on_delete=fields.RESTRICT
    )
    ticket_id: int
    log_event: fields.ForeignKeyRelation["LogEvent"] = fields.ForeignKeyField(
        "models.LogEvent", related_name="mails", on_delete=fields.RESTRICT
    )
    log_event_id: int
    kind = fields.CharEnumField(MailKind, max_length=20)
    recipients: list[str] = fields.JSONField(default=list)
    subject = fields.CharField(max_length=400)
    body = fields.TextField()
    # The threading headers, fixed when the mail is written: a resend is the same mail.
    message_id = fields.CharField(max_length=255, unique=True)
    in_reply_to = fields.CharField(max_length=255)
    reference_ids = fields.TextField()  # the References header
    state = fields.CharEnumField(MailState, max_length=16, default=MailState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # A worker owns the mail while it sends it: until `claimed_until`, no other takes it.
    claim_token = fields.CharField(max_length=32, null=True)
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_mails"
        # One change makes at most one mail of each kind, however often it is written.
        unique_together = (("log_event", "kind"),)
        indexes = [
            Index(fields=("state", "next_attempt_at")),
            Index(fields=("ticket_id", "id")),
            Index(fields=("claim_token",)),
        ]
