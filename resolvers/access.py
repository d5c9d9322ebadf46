"""Who may see what: the one home of tenant isolation. Every read of tickets, comments,
contacts, organizations and log events starts from a scope here, and who may share a live
execution follows from what the scopes read (`Audience`, defined beside `Viewer`)."""

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from helpdesk.models import (
    Attachment,
    Chat,
    ChatMessage,
    Comment,
    CommentKind,
    Contact,
    LogEvent,
    Membership,
    Organization,
    Role,
    Ticket,
    ticket_id_of,
)
from helpdesk.resolvers import statements
from helpdesk.resolvers.errors import NotFound
from helpdesk.resolvers.viewer import Audience, Viewer


def audience(viewer: Audience) -> Audience:
    """Exactly what the scopes below read of a viewer: viewers with equal audiences see the
    same things through every scope, so a live result computed for one serves them all.
    No scope tells an admin from an agent, nor reads a staff member's organization."""
    if viewer.is_staff:
        return Audience(role=Role.AGENT, organization_ids=frozenset())
    return Audience(role=viewer.role, organization_ids=viewer.organization_ids)


def representative(audience: Audience) -> Viewer:
    """The viewer a shared execution runs as: the audience and no person (contact 0 exists
    nowhere, no token), so a per-person rule evaluated inside it matches nobody: it fails
    closed instead of handing one member's personal results to the others."""
    return Viewer(
        role=audience.role,
        organization_ids=audience.organization_ids,
        organization_id=None,
        contact_id=0,
    )


def tickets(viewer: Audience) -> QuerySet[Ticket]:
    if viewer.is_staff:
        return Ticket.all()
    return Ticket.filter(organization_id__in=viewer.organization_ids)


def comments(viewer: Audience) -> QuerySet[Comment]:
    if viewer.is_staff:
        return Comment.all()
    return Comment.filter(ticket__organization_id__in=viewer.organization_ids).exclude(
        kind=CommentKind.INTERNAL_NOTE
    )


def attachments(viewer: Audience) -> QuerySet[Attachment]:
    """Files are read like their ticket, but an internal note's never by customers. Deleted
    ones stay in scope (an event about one names it); lists leave them out."""
    if viewer.is_staff:
        return Attachment.all()
    return Attachment.filter(ticket_id__in=Subquery(tickets(viewer).values("id")), internal=False)


def chats(viewer: Audience) -> QuerySet[Chat]:
    """A chat is read like its ticket: by its organization's customers and by staff.
    Who may post or end it is narrower (resolvers/chats.py)."""
    if viewer.is_staff:
        return Chat.all()
    return Chat.filter(ticket__organization_id__in=viewer.organization_ids)


def chat_messages(viewer: Audience) -> QuerySet[ChatMessage]:
    if viewer.is_staff:
        return ChatMessage.all()
    return ChatMessage.filter(chat__ticket__organization_id__in=viewer.organization_ids)


def contacts(viewer: Audience) -> QuerySet[Contact]:
    """Customers see the people of the organizations they manage (partners who manage one
    of them included) and the staff who answer them."""
    if viewer.is_staff:
        return Contact.all()
    partners = Membership.filter(organization_id__in=viewer.organization_ids)
    return Contact.filter(
        Q(organization_id__in=viewer.organization_ids)
        | Q(id__in=Subquery(partners.values("contact_id")))
        | Q(role__in=[Role.AGENT, Role.ADMIN])
    )


def organizations(viewer: Audience) -> QuerySet[Organization]:
    if viewer.is_staff:
        return Organization.all()
    return Organization.filter(id__in=viewer.organization_ids)


def log_events(viewer: Audience) -> QuerySet[LogEvent]:
    """Customers see the non-internal history of the tickets their organizations have now:
    a ticket moved to another organization takes its history with it."""
    if viewer.is_staff:
        return LogEvent.all()
    return LogEvent.filter(ticket__organization_id__in=viewer.organization_ids, internal=False)


def can_see_ticket(viewer: Audience, organization_id: int) -> bool:
    """The in-memory twin of `tickets`, for a ticket (of this organization now) that may
    move while someone watches it live."""
    return viewer.is_staff or organization_id in viewer.organization_ids


def can_see_log_event(viewer: Audience, event: LogEvent, ticket: Ticket | None) -> bool:
    """The in-memory twin of `log_events`, for live delivery: `ticket` is the event's
    ticket as it is now."""
    if viewer.is_staff:
        return True
    return (
        ticket is not None
        and ticket.organization_id in viewer.organization_ids
        and not event.internal
    )


def loses_sight(
    viewer: Audience, event: LogEvent, organization_before: int | None, organization_now: int | None
) -> bool:
    """A customer whose organization a ticket just left (staff moved it) for one they do not
    manage: they may learn that it is gone from their view, and nothing else about it."""
    return (
        not viewer.is_staff
        and not event.internal
        and organization_before in viewer.organization_ids
        and organization_now not in viewer.organization_ids
    )


async def visible_ticket(viewer: Viewer, ticket_id: int, *, for_update: bool = False) -> Ticket:
    # Every ticket write reads its ticket so: by key with a statement built once, then
    # `can_see_ticket`, the twin of `tickets` above (issue 11: through the ORM the scoped
    # query took longer to build than to run).
    ticket = await statements.row(Ticket, ticket_id, for_update=for_update)
    if ticket is None or not can_see_ticket(viewer, ticket.organization_id):
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


async def visible_ticket_by_number(viewer: Viewer, number: int) -> Ticket | None:
    return await tickets(viewer).filter(id=ticket_id_of(number)).first()
