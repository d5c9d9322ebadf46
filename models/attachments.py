from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.comments import Comment
    from helpdesk.models.contacts import Contact
    from helpdesk.models.tickets import Ticket


# Model docstrings become SQL table comments: no semicolons in this one.
class Attachment(Model):
    """A file on a ticket or on one of its comments. The file itself is in storage under
    storage_key (a name the server made), never under the name the client sent."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="attachments", on_delete=fields.CASCADE
    )
    ticket_id: int
    comment: fields.ForeignKeyNullableRelation["Comment"] = fields.ForeignKeyField(
        "models.Comment", related_name="attachments", null=True, on_delete=fields.CASCADE
    )
    comment_id: int | None
    uploaded_by: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="uploaded_attachments", on_delete=fields.RESTRICT
    )
    uploaded_by_id: int
    filename = fields.CharField(max_length=255)  # cleaned, for display and downloads only
    content_type = fields.CharField(max_length=100)  # as detected from the content
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    storage_key = fields.CharField(max_length=64, unique=True)
    # Copied from its comment: an internal note's files never reach customers.
    internal = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    # Deleting (staff only) removes the file and keeps this row for the audit trail.
    deleted_at = fields.DatetimeField(null=True)
    deleted_by: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="deleted_attachments", null=True, on_delete=fields.RESTRICT
    )
    deleted_by_id: int | None

    class Meta:
        table = "attachments"
        ordering = ["created_at", "id"]
        indexes = [Index(fields=("ticket_id", "id")), Index(fields=("comment_id", "id"))]

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None
