from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.contacts import Contact
    from helpdesk.models.tickets import Ticket


class CommentKind(StrEnum):
    REPLY = "REPLY"
    INTERNAL_NOTE = "INTERNAL_NOTE"  # staff only, never shown to a customer
    CHAT_TRANSCRIPT = "CHAT_TRANSCRIPT"
    SYSTEM = "SYSTEM"


class Comment(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="comments", on_delete=fields.CASCADE
    )
    ticket_id: int
    author: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="comments", null=True, on_delete=fields.RESTRICT
    )
    author_id: int | None
    kind = fields.CharEnumField(CommentKind, max_length=20)
    body = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "comments"
        ordering = ["created_at", "id"]
        # A ticket's conversation, in its order (the ticket window's comments).
        indexes = [Index(fields=("ticket_id", "created_at", "id"))]

    @property
    def internal(self) -> bool:
        return self.kind is CommentKind.INTERNAL_NOTE
