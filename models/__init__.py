"""Tortoise models: the tables, their constraints and indexes. Nothing here knows GraphQL."""

from helpdesk.models.comments import Comment, CommentKind
from helpdesk.models.contacts import ApiToken, Contact, Role, TokenKind
from helpdesk.models.log_events import DataLogHide, LogEvent, LogKind
from helpdesk.models.organizations import Organization
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
    "Category",
    "Channel",
    "Comment",
    "CommentKind",
    "Contact",
    "DataLogHide",
    "LogEvent",
    "LogKind",
    "Module",
    "Organization",
    "Priority",
    "Role",
    "Status",
    "Ticket",
    "TicketCcContact",
    "TokenKind",
    "ticket_id_of",
    "ticket_number",
]
