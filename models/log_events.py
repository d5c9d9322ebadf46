from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


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


class LogEvent(Model):
    """One immutable fact: the audit trail, a ticket's history, the Data Log and the
    stream live subscriptions read, all at once."""

    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    kind = fields.CharEnumField(LogKind, max_length=32)
    actor = fields.ForeignKeyField(
        "models.Contact", related_name="acted_events", null=True, on_delete=fields.RESTRICT
    )
    organization = fields.ForeignKeyField(
        "models.Organization", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    ticket = fields.ForeignKeyField(
        "models.Ticket", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    comment = fields.ForeignKeyField(
        "models.Comment", related_name="log_events", null=True, on_delete=fields.RESTRICT
    )
    # The contact or token an account event is about.
    subject_contact = fields.ForeignKeyField(
        "models.Contact", related_name="subject_events", null=True, on_delete=fields.RESTRICT
    )
    subject_token_id = fields.IntField(null=True)
    # {"field": [old, new]} for changes; other facts (rating, message) as plain values.
    changes = fields.JSONField(default=dict)
    # Staff-only: internal notes and account administration never reach customers.
    internal = fields.BooleanField(default=False)

    class Meta:
        table = "log_events"
        indexes = [
            Index(fields=("ticket_id", "id")),
            Index(fields=("organization_id", "id")),
            Index(fields=("kind", "id")),
        ]


class DataLogHide(Model):
    """A log event one person removed from their own Data Log. The audit trail keeps it."""

    id = fields.IntField(primary_key=True)
    contact = fields.ForeignKeyField(
        "models.Contact", related_name="data_log_hides", on_delete=fields.CASCADE
    )
    log_event = fields.ForeignKeyField(
        "models.LogEvent", related_name="hides", on_delete=fields.CASCADE
    )

    class Meta:
        table = "data_log_hides"
        unique_together = (("contact", "log_event"),)
