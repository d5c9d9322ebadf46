"""Tickets: creating, editing, assigning, and moving them through the workflow."""

from typing import Any

from helpdesk.models import (
    Category,
    Channel,
    Contact,
    LogKind,
    Module,
    Priority,
    Role,
    Status,
    Ticket,
    TicketCcContact,
)
from helpdesk.resolvers import access, catalog, comments, log_events, ticket_writes, workflow
from helpdesk.resolvers.errors import Conflict, DomainError, Forbidden, IllegalTransition, invalid
from helpdesk.resolvers.tickets_grid import TicketFacts
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_staff, require_viewer

MAX_CC = 50
MAX_DESCRIPTION = 20_000

# Input name -> ticket attribute, for the fields createTicket and updateTicket share.
TEXT_FIELDS = {
    "summary": ("summary", 200),
    "description": ("description", MAX_DESCRIPTION),
    "errorCode": ("error_code", 100),
    "walletProvider": ("wallet_provider", 100),
    "device": ("device", 200),
}
REFERENCE_FIELDS = {
    "organizationId": "organization_id",
    "primaryContactId": "primary_contact_id",
    "categoryId": "category_id",
    "moduleId": "module_id",
}


def _loggable(value: Any) -> Any:
    if isinstance(value, Status | Priority):
        return value.name
    if isinstance(value, Channel):
        return value.value
    return value


async def _clean(
    viewer: Viewer, checks: Checks, fields: dict[str, Any], current: Ticket | None
) -> dict[str, Any]:
    """Validates the shared ticket fields and returns ticket attributes to set.
    Keys absent from `fields` are left alone."""
    out: dict[str, Any] = {}
    for name, (attr, limit) in TEXT_FIELDS.items():
        if name in fields:
            value = checks.text(name, fields[name], max_length=limit, required=name == "summary")
            out[attr] = value if value is not None or attr != "description" else ""
    if "walletAddress" in fields:
        out["wallet_address"] = checks.wallet("walletAddress", fields["walletAddress"])
    if fields.get("priority") is not None:
        if not viewer.is_staff:
            raise Forbidden("only staff can set a ticket's priority")
        out["priority"] = fields["priority"]

    if "categoryId" in fields:
        category_id = fields["categoryId"]
        if category_id is None:
            out["category_id"] = (await catalog.default_category()).id
        elif not await Category.filter(id=category_id).exists():
            checks.add("categoryId", "NOT_FOUND", f"category {category_id} not found")
        else:
            out["category_id"] = category_id
    if "moduleId" in fields:
        module_id = fields["moduleId"]
        if module_id is not None and not await Module.filter(id=module_id).exists():
            checks.add("moduleId", "NOT_FOUND", f"module {module_id} not found")
        out["module_id"] = module_id

    organization_id = current.organization_id if current else None
    if "organizationId" in fields:
        organization_id = fields["organizationId"]
        if organization_id is None:
            checks.add("organizationId", "REQUIRED", "organizationId is required")
        elif not await access.organizations(viewer).filter(id=organization_id).exists():
            checks.add("organizationId", "NOT_FOUND", f"organization {organization_id} not found")
            organization_id = None
        out["organization_id"] = organization_id
    moved = current is not None and organization_id != current.organization_id

    async def customers_of_organization(ids: list[int]) -> set[int]:
        found = await Contact.filter(
            id__in=ids, organization_id=organization_id, role=Role.CUSTOMER, is_active=True
        ).values_list("id", flat=True)
        return set(found)

    if "primaryContactId" in fields or moved:
        contact_id = fields.get("primaryContactId", current.primary_contact_id if current else None)
        if contact_id is None:
            checks.add("primaryContactId", "REQUIRED", "primaryContactId is required")
        elif organization_id is not None and not await customers_of_organization([contact_id]):
            checks.add(
                "primaryContactId",
                "NOT_FOUND",
                f"contact {contact_id} is not an active customer of the ticket's organization",
            )
        out["primary_contact_id"] = contact_id

    if "ccContactIds" in fields or moved:
        ids = fields.get("ccContactIds")
        if ids is None:
            ids = await _cc_contact_ids(current) if current else []
        ids = list(dict.fromkeys(ids))
        if len(ids) > MAX_CC:
            checks.add("ccContactIds", "TOO_MANY", f"at most {MAX_CC} CC contacts")
        elif organization_id is not None:
            missing = set(ids) - await customers_of_organization(ids)
            if missing:
                checks.add(
                    "ccContactIds",
                    "NOT_FOUND",
                    "not active customers of the ticket's organization: "
                    + ", ".join(str(i) for i in sorted(missing)),
                )
        out["cc_contact_ids"] = ids
    if "ccEmails" in fields:
        emails = fields["ccEmails"] or []
        if len(emails) > MAX_CC:
            checks.add("ccEmails", "TOO_MANY", f"at most {MAX_CC} CC e-mail addresses")
        cleaned = [checks.email(f"ccEmails.{i}", e, required=True) for i, e in enumerate(emails)]
        out["cc_emails"] = list(dict.fromkeys(e for e in cleaned if e))
    return out


async def _cc_contact_ids(ticket: Ticket) -> list[int]:
    return list(
        await TicketCcContact.filter(ticket_id=ticket.id)
        .order_by("id")
        .values_list("contact_id", flat=True)
    )


async def _set_cc_contacts(ticket: Ticket, old: list[int], new: list[int]) -> None:
    removed = set(old) - set(new)
    if removed:
        await TicketCcContact.filter(ticket_id=ticket.id, contact_id__in=removed).delete()
    added = [i for i in new if i not in set(old)]
    if added:
        await TicketCcContact.bulk_create(
            [TicketCcContact(ticket_id=ticket.id, contact_id=i) for i in added]
        )


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            f"ticket #{ticket.number} is at version {ticket.version}, not {expected_version}: "
            "someone else changed it; reload and try again"
        )


def _require_open(ticket: Ticket) -> None:
    if ticket.status is Status.CLOSED:
        raise invalid(None, "TICKET_CLOSED", f"ticket #{ticket.number} is closed")


async def create(viewer: Viewer | None, fields: dict[str, Any]) -> Ticket:
    viewer = require_viewer(viewer)
    fields = dict(fields)
    fields.setdefault("summary", None)
    fields.setdefault("categoryId", None)
    if not viewer.is_staff:
        fields["organizationId"] = fields.get("organizationId") or viewer.organization_id
        fields["primaryContactId"] = fields.get("primaryContactId") or viewer.contact_id
    else:
        fields.setdefault("organizationId", None)
        fields.setdefault("primaryContactId", None)
    channel = fields.pop("channel", None) or Channel.OFFLINE
    owner_id = fields.pop("ownerId", None)
    checks = Checks()
    clean = await _clean(viewer, checks, fields, current=None)
    if channel is Channel.OFFLINE and not clean.get("description"):
        checks.add("description", "REQUIRED", "an offline ticket needs a description")
    if owner_id is not None:
        if not viewer.is_staff:
            raise Forbidden("only staff can set a ticket's owner")
        await _check_owner(checks, owner_id)
    checks.done()

    cc_contact_ids = clean.pop("cc_contact_ids", [])
    created_at = now()
    async with transaction():
        ticket = await Ticket.create(
            **clean,
            channel=channel,
            owner_id=owner_id,
            status=Status.IN_PROGRESS if owner_id else Status.OPEN,
            created_by_id=viewer.contact_id,
            updated_by_id=viewer.contact_id,
            created_at=created_at,
            updated_at=created_at,
        )
        await _set_cc_contacts(ticket, [], cc_contact_ids)
        changes = {
            "summary": ticket.summary,
            "status": ticket.status.name,
            "priority": ticket.priority.name,
            "channel": ticket.channel.value,
            "categoryId": ticket.category_id,
            "ownerId": owner_id,
        }
        await log_events.record(LogKind.TICKET_CREATED, viewer, ticket=ticket, changes=changes)
    return ticket


async def update(
    viewer: Viewer | None,
    ticket_id: int,
    fields: dict[str, Any],
    expected_version: int | None = None,
) -> Ticket:
    """Edits the ticket's details. Only the fields present in `fields` change."""
    viewer = require_viewer(viewer)
    if "organizationId" in fields and not viewer.is_staff:
        raise Forbidden("only staff can move a ticket to another organization")
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        _check_version(ticket, expected_version)
        _require_open(ticket)
        checks = Checks()
        clean = await _clean(viewer, checks, fields, current=ticket)
        if ticket.channel is Channel.OFFLINE and clean.get("description") == "":
            checks.add("description", "REQUIRED", "an offline ticket needs a description")
        checks.done()

        changes: dict[str, list[Any]] = {}
        new_cc = clean.pop("cc_contact_ids", None)
        if new_cc is not None:
            old_cc = await _cc_contact_ids(ticket)
            if set(old_cc) != set(new_cc):
                await _set_cc_contacts(ticket, old_cc, new_cc)
                changes["ccContactIds"] = [old_cc, new_cc]
        changed_attrs = [a for a, v in clean.items() if getattr(ticket, a) != v]
        for attr in changed_attrs:
            changes[_input_name(attr)] = [_loggable(getattr(ticket, attr)), _loggable(clean[attr])]
            setattr(ticket, attr, clean[attr])
        if not changes:
            return ticket
        await ticket_writes.save(ticket, viewer, changed_attrs)
        await log_events.record(LogKind.TICKET_UPDATED, viewer, ticket=ticket, changes=changes)
    return ticket


def _input_name(attr: str) -> str:
    for name, (a, _) in TEXT_FIELDS.items():
        if a == attr:
            return name
    for name, a in REFERENCE_FIELDS.items():
        if a == attr:
            return name
    head, *rest = attr.split("_")
    return head + "".join(part.title() for part in rest)


async def _check_owner(checks: Checks, owner_id: int) -> None:
    staff = await Contact.filter(
        id=owner_id, role__in=[Role.AGENT, Role.ADMIN], is_active=True
    ).exists()
    if not staff:
        checks.add("ownerId", "NOT_FOUND", f"contact {owner_id} is not an active staff member")


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
        if ticket.owner_id == owner_id:
            return ticket
        changes: dict[str, Any] = {"ownerId": [ticket.owner_id, owner_id]}
        attrs = ["owner_id"]
        ticket.owner_id = owner_id
        if owner_id is not None and ticket.status is Status.OPEN:
            workflow.check(ticket.status, Status.IN_PROGRESS, viewer)
            changes["status"] = [Status.OPEN.name, Status.IN_PROGRESS.name]
            ticket.status = Status.IN_PROGRESS
            attrs.append("status")
        await ticket_writes.save(ticket, viewer, attrs)
        await log_events.record(LogKind.ASSIGNED, viewer, ticket=ticket, changes=changes)
    return ticket


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
        await ticket_writes.move(viewer, ticket, Status.RESOLVED)
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
        raise invalid("ticketIds", "REQUIRED", "name at least one ticket")
    if len(ticket_ids) > max_batch:
        raise invalid("ticketIds", "TOO_MANY", f"at most {max_batch} tickets at once")
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
    message = checks.text("message", message, max_length=MAX_DESCRIPTION, required=True)
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
