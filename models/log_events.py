from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.attachments import Attachment
    from helpdesk.models.chats import Chat, ChatMessage
    from helpdesk.models.comments import Comment
    from helpdesk.models.contacts import Contact
    from helpdesk.models.organizations import Organization
    from helpdesk.models.tickets import Ticket


class LogKind(StrEnum):
    TICKET_CREATED = "TICKET_CREATED"
    TICKET_UPDATED = "TICKET_UPDATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    ASSIGNED = "ASSIGNED"
    COMMENT_ADDED = "COMMENT_ADDED"
    RESOLVED = "RESOLVED"
    CONFIRMED = "CONFIRMED"
    REOPENED = "REOPENED"
    CLOSED = "CLOSED"
    ORGANIZATION_CREATED = "ORGANIZATION_CREATED"
    ORGANIZATION_UPDATED = "ORGANIZATION_UPDATED"
    CONTACT_CREATED = "CONTACT_CREATED"
    CONTACT_UPDATED = "CONTACT_UPDATED"
    ROLE_CHANGED = "ROLE_CHANGED"
    CONTACT_DEACTIVATED = "CONTACT_DEACTIVATED"
    CONTACT_REACTIVATED = "CONTACT_REACTIVATED"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"
    TOKEN_CREATED = "TOKEN_CREATED"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    CATEGORY_CREATED = "CATEGORY_CREATED"
    MODULE_CREATED = "MODULE_CREATED"
    DATA_LOG_CLEARED = "DATA_LOG_CLEARED"
    DATA_LOG_ENTRY_DELETED = "DATA_LOG_ENTRY_DELETED"
    MEMBERSHIP_ADDED = "MEMBERSHIP_ADDED"
    MEMBERSHIP_REMOVED = "MEMBERSHIP_REMOVED"
    CHAT_STARTED = "CHAT_STARTED"
    CHAT_ACCEPTED = "CHAT_ACCEPTED"
    CHAT_JOINED = "CHAT_JOINED"
    CHAT_LEFT = "CHAT_LEFT"
    CHAT_MESSAGE = "CHAT_MESSAGE"
    CHAT_ENDED = "CHAT_ENDED"
    ATTACHMENT_ADDED = "ATTACHMENT_ADDED"
    ATTACHMENT_DELETED = "ATTACHMENT_DELETED"


class LogEvent(Model):
    """One immutable fact: the audit trail, a ticket's history, the Data Log and the
    stream live subscriptions read, all at once."""

    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    kind = fields.CharEnumField(LogKind, max_length=32)
    actor: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="acted_events", null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    organization: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    organization_id: int | None
    ticket: fields.ForeignKeyNullableRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    ticket_id: int | None
    comment: fields.ForeignKeyNullableRelation["Comment"] = fields.ForeignKeyField(
        "models.Comment", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    comment_id: int | None
    chat: fields.ForeignKeyNullableRelation["Chat"] = fields.ForeignKeyField(
        "models.Chat", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    chat_id: int | None
    chat_message: fields.ForeignKeyNullableRelation["ChatMessage"] = fields.ForeignKeyField(
        "models.ChatMessage", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    chat_message_id: int | None
    attachment: fields.ForeignKeyNullableRelation["Attachment"] = fields.ForeignKeyField(
        "models.Attachment", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    attachment_id: int | None
    # The contact or token an account event is about.
    subject_contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="subject_events", null=True, on_delete=fields.RESTRICT
    )
    subject_contact_id: int | None
    subject_token_id = fields.IntField(null=True)
    # {"field": [old, new]} for changes; other facts (rating, message) as plain values.
    changes: dict[str, Any] = fields.JSONField(default=dict)
    # Staff-only: internal notes and account administration never reach customers.
    internal = fields.BooleanField(default=False)

    class Meta:
        table = "log_events"
        indexes = [
            Index(fields=("ticket_id", "id")),
            Index(fields=("organization_id", "id")),
            Index(fields=("kind", "id")),
            # And a chat's events, partial (migration 0012 makes it by hand).
        ]


class DataLogHide(Model):
    """A log event one person removed from their own Data Log. The audit trail keeps it."""

    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="data_log_hides", on_delete=fields.CASCADE
    )
    contact_id: int
    log_event: fields.ForeignKeyRelation["LogEvent"] = fields.ForeignKeyField(
        "models.LogEvent", related_name="hides", on_delete=fields.CASCADE
    )
    log_event_id: int

    class Meta:
        table = "data_log_hides"
        unique_together = (("contact", "log_event"),)
