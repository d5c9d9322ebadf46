from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.contacts import Contact
    from helpdesk.models.tickets import Ticket


class ChatState(StrEnum):
    WAITING = "WAITING"  # in the staff queue
    ACTIVE = "ACTIVE"  # a Cyber Hero accepted it
    ENDED = "ENDED"  # its transcript is on the ticket


class Chat(Model):
    """A customer's live conversation with staff about one ticket (seed 003's Chat)."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="chats", on_delete=fields.RESTRICT
    )
    ticket_id: int
    customer: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="customer_chats", on_delete=fields.RESTRICT
    )
    customer_id: int
    agent: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="agent_chats", null=True, on_delete=fields.RESTRICT
    )
    agent_id: int | None
    state = fields.CharEnumField(ChatState, max_length=16, default=ChatState.WAITING)
    started_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    # When the customer was last known to be there (a message, a live chatEvents socket):
    # a chat whose customer is gone past the timeout ends (resolvers/chats.py).
    customer_seen_at = fields.DatetimeField()

    class Meta:
        table = "chats"
        indexes = [Index(fields=("state", "started_at")), Index(fields=("ticket_id",))]


class ChatMessage(Model):
    """One line of a chat, stored as it is sent."""

    id = fields.IntField(primary_key=True)
    chat: fields.ForeignKeyRelation["Chat"] = fields.ForeignKeyField(
        "models.Chat", related_name="messages", on_delete=fields.RESTRICT
    )
    chat_id: int
    author: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="chat_messages", on_delete=fields.RESTRICT
    )
    author_id: int
    body = fields.TextField()
    sent_at = fields.DatetimeField()

    class Meta:
        table = "chat_messages"
        indexes = [Index(fields=("chat_id", "id"))]


class ChatParticipant(Model):
    """A staff member in a chat: the one who accepted it, and any who joined."""

    id = fields.IntField(primary_key=True)
    chat: fields.ForeignKeyRelation["Chat"] = fields.ForeignKeyField(
        "models.Chat", related_name="participants", on_delete=fields.RESTRICT
    )
    chat_id: int
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="chat_participations", on_delete=fields.RESTRICT
    )
    contact_id: int
    joined_at = fields.DatetimeField()
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "chat_participants"
        unique_together = (("chat", "contact"),)
