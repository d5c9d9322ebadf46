"""Tortoise models: the tables, their constraints and indexes. Nothing here knows GraphQL."""

# This folder is the package helpdesk.models (helpdesk/models links here); imported as a
# top-level `models` it would be a second copy whose classes and errors are different objects.
if __name__ != "helpdesk.models":
    raise ImportError(f"import helpdesk.models, not {__name__}")

from helpdesk.models.attachments import Attachment
from helpdesk.models.changes import Change
from helpdesk.models.chats import Chat, ChatMessage, ChatParticipant, ChatState
from helpdesk.models.comments import Comment, CommentKind
from helpdesk.models.contacts import ApiToken, Contact, Role, TokenKind
from helpdesk.models.log_events import DataLogHide, LogEvent, LogKind
from helpdesk.models.mail import MailKind, MailState, OutboxMail
from helpdesk.models.organizations import Membership, Organization
from helpdesk.models.tickets import (
    NUMBER_OFFSET,
    Category,
    Channel,
    Module,
    Priority,
    Status,
    Ticket,
    TicketCcContact,
    ticket_id_of,
    ticket_number,
)

__all__ = [
    "NUMBER_OFFSET",
    "ApiToken",
    "Attachment",
    "Category",
    "Change",
    "Channel",
    "Chat",
    "ChatMessage",
    "ChatParticipant",
    "ChatState",
    "Comment",
    "CommentKind",
    "Contact",
    "DataLogHide",
    "LogEvent",
    "LogKind",
    "MailKind",
    "MailState",
    "Membership",
    "Module",
    "Organization",
    "OutboxMail",
    "Priority",
    "Role",
    "Status",
    "Ticket",
    "TicketCcContact",
    "TokenKind",
    "ticket_id_of",
    "ticket_number",
]
