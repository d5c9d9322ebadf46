from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CommentKind(StrEnum):
    REPLY = "REPLY"
    INTERNAL_NOTE = "INTERNAL_NOTE"  # staff only, never shown to a customer
    CHAT_TRANSCRIPT = "CHAT_TRANSCRIPT"
    SYSTEM = "SYSTEM"


class Comment(Model):
    id = fields.IntField(primary_key=True)
    ticket = fields.ForeignKeyField(
        "models.Ticket", related_name="comments", on_delete=fields.CASCADE
    )
    author = fields.ForeignKeyField(
        "models.Contact", related_name="comments", null=True, on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(CommentKind, max_length=20)
    body = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "comments"
        ordering = ["created_at", "id"]

    @property
    def internal(self) -> bool:
        return self.kind is CommentKind.INTERNAL_NOTE
