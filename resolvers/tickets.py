"""Tickets: creating, editing, assigning, and moving them through the workflow."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from helpdesk.models import Change, Channel, Contact, LogKind, Role, Status, Ticket
from helpdesk.resolvers import (
    access,
    attachments,
    comments,
    log_events,
    mail,
    ticket_fields,
    ticket_writes,
    workflow,
)
from helpdesk.resolvers.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    IllegalTransition,
    invalid,
)
from helpdesk.resolvers.inputs import UNSET, value_or
from helpdesk.resolvers.ticket_fields import MAX_DESCRIPTION, NewTicket, TicketFields
from helpdesk.resolvers.ticket_filters import TicketFacts
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_staff, require_viewer


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            f"ticket #{ticket.number} is at version {ticket.version}, not {expected_version}: "
            "someone else changed it; reload and try again"
        )


def _require_open(ticket: Ticket) -> None:
    if ticket.status is Status.CLOSED:
        raise invalid(None, ErrorCode.TICKET_CLOSED, f"ticket #{ticket.number} is closed")


async def create(
    viewer: Viewer | None,
    fields: NewTicket,
    files: Sequence[attachments.Incoming] = (),
    limits: attachments.Limits = attachments.DEFAULT_LIMITS,
) -> Ticket:
    """Files a ticket, with its attachments if any. A customer files it for their own
    organization, as themselves, unless they name another; staff must name both. No
    category: the default one."""
    viewer = require_viewer(viewer)
    new = await checked_new(viewer, fields)
    received = attachments.received(viewer, None, files, limits, "attachments")
    async with received as kept, transaction():
        ticket = await insert(viewer, new)
        await attachments.attach(viewer, ticket, kept, limits, "attachments")
        return ticket


@dataclass(frozen=True)
class CheckedTicket:
    """A new ticket's values, checked: what `insert` writes."""

    values: dict[str, Any]
    channel: Channel
    owner_id: int | None
    cc_contact_ids: list[int]


async def checked_new(viewer: Viewer, fields: NewTicket) -> CheckedTicket:
    """Checks a new ticket's fields, with the defaults `create` describes."""
    customer = not viewer.is_staff
    fields = replace(
        fields,
        summary=value_or(fields.summary, None),
        category_id=value_or(fields.category_id, None),
        organization_id=fields.organization_id or (viewer.organization_id if customer else None),
        primary_contact_id=fields.primary_contact_id or (viewer.contact_id if customer else None),
    )
    channel = fields.channel or Channel.OFFLINE
    owner_id = value_or(fields.owner_id, None)
    checks = Checks()
    clean = await ticket_fields.clean(viewer, checks, fields, current=None)
    if channel is Channel.OFFLINE and not clean.get("description"):
        checks.add("description", ErrorCode.REQUIRED, "an offline ticket needs a description")
    if owner_id is not None:
        if not viewer.is_staff:
            raise Forbidden("only staff can set a ticket's owner")
        await _check_owner(checks, owner_id)
    checks.done()
    cc_contact_ids = clean.pop("cc_contact_ids", [])
    return CheckedTicket(clean, channel, owner_id, cc_contact_ids)


async def insert(viewer: Viewer, new: CheckedTicket) -> Ticket:
    """Writes a checked ticket and its log event; call inside the caller's transaction."""
    created_at = now()
    ticket = await Ticket.create(
        **new.values,
        channel=new.channel,
        owner_id=new.owner_id,
        status=Status.IN_PROGRESS if new.owner_id else Status.OPEN,
        created_by_id=viewer.contact_id,
        updated_by_id=viewer.contact_id,
        created_at=created_at,
        updated_at=created_at,
    )
    await ticket_fields.set_cc_contacts(ticket, [], new.cc_contact_ids)
    changes = {
        Change.SUMMARY: ticket.summary,
        Change.STATUS: ticket.status.name,
        Change.PRIORITY: ticket.priority.name,
        Change.CHANNEL: ticket.channel.value,
        Change.CATEGORY_ID: ticket.category_id,
        Change.OWNER_ID: new.owner_id,
    }
    await log_events.record(LogKind.TICKET_CREATED, viewer, ticket=ticket, changes=changes)
    return ticket


async def update(
    viewer: Viewer | None,
    ticket_id: int,
    fields: TicketFields,
    expected_version: int | None = None,
) -> Ticket:
    """Edits the ticket's details. Only the fields given change."""
    viewer = require_viewer(viewer)
    if fields.organization_id is not UNSET and not viewer.is_staff:
        raise Forbidden("only staff can move a ticket to another organization")
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        _require_open(ticket)
        checks = Checks()
        clean = await ticket_fields.clean(viewer, checks, fields, current=ticket)
        if ticket.channel is Channel.OFFLINE and clean.get("description") == "":
            checks.add("description", ErrorCode.REQUIRED, "an offline ticket needs a description")
        checks.done()

        changes: dict[Change, list[Any]] = {}
        new_cc = clean.pop("cc_contact_ids", None)
        if new_cc is not None:
            old_cc = await ticket_fields.cc_contact_ids(ticket)
            if set(old_cc) != set(new_cc):
                await ticket_fields.set_cc_contacts(ticket, old_cc, new_cc)
                changes[Change.CC_CONTACT_IDS] = [old_cc, new_cc]
        changed_attrs = [a for a, v in clean.items() if getattr(ticket, a) != v]
        for attr in changed_attrs:
            old, new = (ticket_fields.loggable(v) for v in (getattr(ticket, attr), clean[attr]))
            changes[ticket_fields.CHANGE_KEYS[attr]] = [old, new]
            setattr(ticket, attr, clean[attr])
        if not changes:
            return ticket
        await ticket_writes.save(ticket, viewer, changed_attrs)
        await log_events.record(LogKind.TICKET_UPDATED, viewer, ticket=ticket, changes=changes)
    return ticket


async def _check_owner(checks: Checks, owner_id: int) -> None:
    staff = await Contact.filter(
        id=owner_id, role__in=[Role.AGENT, Role.ADMIN], is_active=True
    ).exists()
    if not staff:
        checks.add(
            "ownerId", ErrorCode.NOT_FOUND, f"contact {owner_id} is not an active staff member"
        )


async def assign(
    viewer: Viewer | None, ticket_id: int, owner_id: int | None, expected_version: int | None
) -> Ticket:
    """Sets or clears the owner. Assigning an OPEN ticket starts work on it."""
    viewer = require_staff(viewer, "assign tickets")
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        _require_open(ticket)
        checks = Checks()
        if owner_id is not None:
            await _check_owner(checks, owner_id)
        checks.done()
        if ticket.owner_id != owner_id:
            await set_owner(viewer, ticket, owner_id)
    return ticket


async def set_owner(viewer: Viewer, ticket: Ticket, owner_id: int | None) -> None:
    """Writes a new owner and its log event; an OPEN ticket that gets one is IN_PROGRESS.
    Call inside the caller's transaction, with the ticket read for update."""
    changes: dict[Change, Any] = {Change.OWNER_ID: [ticket.owner_id, owner_id]}
    attrs = ["owner_id"]
    ticket.owner_id = owner_id
    if owner_id is not None and ticket.status is Status.OPEN:
        workflow.check(ticket.status, Status.IN_PROGRESS, viewer)
        changes[Change.STATUS] = [Status.OPEN.name, Status.IN_PROGRESS.name]
        ticket.status = Status.IN_PROGRESS
        attrs.append("status")
    await ticket_writes.save(ticket, viewer, attrs)
    await log_events.record(LogKind.ASSIGNED, viewer, ticket=ticket, changes=changes)


async def change_status(
    viewer: Viewer | None, ticket_id: int, status: Status, expected_version: int | None
) -> Ticket:
    viewer = require_staff(viewer, "change a ticket's status")
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        await ticket_writes.move(viewer, ticket, status)
    return ticket


async def resolve(
    viewer: Viewer | None,
    ticket_id: int,
    comment: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Staff mark a ticket resolved; the customer is then asked to confirm it."""
    viewer = require_staff(viewer, "resolve tickets")
    checks = Checks()
    comment = checks.text("comment", comment, max_length=MAX_DESCRIPTION)
    checks.done()
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        event = await ticket_writes.move(viewer, ticket, Status.RESOLVED)
        await mail.resolved(viewer, ticket, event)
        if comment:
            await comments.write(viewer, ticket, comments.CommentKind.REPLY, comment)
    return ticket


async def resolve_many(
    viewer: Viewer | None, ticket_ids: list[int], comment: str | None, max_batch: int
) -> list[tuple[int, Ticket | None, DomainError | None]]:
    """Seed 003's "Resolve Tickets" button: each ticket on its own, each with its own result."""
    viewer = require_staff(viewer, "resolve tickets")
    ticket_ids = list(dict.fromkeys(ticket_ids))
    if not ticket_ids:
        raise invalid("ticketIds", ErrorCode.REQUIRED, "name at least one ticket")
    if len(ticket_ids) > max_batch:
        raise invalid("ticketIds", ErrorCode.TOO_MANY, f"at most {max_batch} tickets at once")
    results: list[tuple[int, Ticket | None, DomainError | None]] = []
    for ticket_id in ticket_ids:
        try:
            results.append((ticket_id, await resolve(viewer, ticket_id, comment), None))
        except DomainError as error:
            results.append((ticket_id, None, error))
    return results


async def close(viewer: Viewer | None, ticket_id: int, expected_version: int | None) -> Ticket:
    """A customer closes their own ticket; staff may close any."""
    viewer = require_viewer(viewer)
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        await ticket_writes.move(viewer, ticket, Status.CLOSED)
    return ticket


def _require_resolved_for_customer(viewer: Viewer, ticket: Ticket, action: str) -> None:
    if viewer.is_staff:
        raise Forbidden(f"only the customer can {action}")
    if ticket.status is not Status.RESOLVED:
        raise IllegalTransition(
            f"only a RESOLVED ticket can be {action.split()[0]}ed; "
            f"#{ticket.number} is {ticket.status.name}"
        )


async def confirm_resolution(
    viewer: Viewer | None, ticket_id: int, rating: int, feedback: str | None
) -> Ticket:
    """The customer agrees the ticket is resolved, rates it, and so closes it."""
    viewer = require_viewer(viewer)
    checks = Checks()
    checks.rating("rating", rating)
    feedback = checks.text("feedback", feedback, max_length=MAX_DESCRIPTION)
    checks.done()
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _require_resolved_for_customer(viewer, ticket, "confirm a resolution")
        await ticket_writes.move(
            viewer,
            ticket,
            Status.CLOSED,
            kind=LogKind.CONFIRMED,
            extra={"rating": rating, "feedback": feedback},
        )
    return ticket


async def reject_resolution(viewer: Viewer | None, ticket_id: int, message: str) -> Ticket:
    """The customer says it is not resolved: the ticket reopens with their message."""
    viewer = require_viewer(viewer)
    checks = Checks()
    message = checks.required_text("message", message, max_length=MAX_DESCRIPTION)
    checks.done()
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _require_resolved_for_customer(viewer, ticket, "reject a resolution")
        await ticket_writes.move(viewer, ticket, Status.OPEN, kind=LogKind.REOPENED)
        await comments.write(viewer, ticket, comments.CommentKind.REPLY, message)
    return ticket


def awaits_confirmation_from(viewer: Viewer, facts: TicketFacts) -> bool:
    """The in-memory twin of `awaiting_confirmation`, for live events."""
    return facts.status is Status.RESOLVED and facts.primary_contact_id == viewer.contact_id


async def awaiting_confirmation(viewer: Viewer | None) -> list[Ticket]:
    """The resolved tickets the viewer is asked to confirm at login (seed 003)."""
    viewer = require_viewer(viewer)
    return await (
        access.tickets(viewer)
        .filter(status=Status.RESOLVED, primary_contact_id=viewer.contact_id)
        .order_by("resolved_at", "id")
    )


async def get_by_number(viewer: Viewer | None, number: int) -> Ticket | None:
    viewer = require_viewer(viewer)
    return await access.visible_ticket_by_number(viewer, number)
