"""A ticket's editable fields: the typed input createTicket and updateTicket share, their
validation, and the keys they are logged under."""

from dataclasses import dataclass
from typing import Any, cast

from tortoise.expressions import Q, Subquery

from helpdesk.models import (
    Category,
    Change,
    Channel,
    Contact,
    Membership,
    Module,
    Priority,
    Role,
    Status,
    Ticket,
    TicketCcContact,
)
from helpdesk.resolvers import access, catalog
from helpdesk.resolvers.errors import ErrorCode, Forbidden
from helpdesk.resolvers.inputs import UNSET, Maybe
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer

MAX_CC = 50
MAX_DESCRIPTION = 20_000


@dataclass(frozen=True, kw_only=True)
class TicketFields:
    """The fields createTicket and updateTicket share. When editing, only the fields given
    change; None clears one."""

    summary: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    organization_id: Maybe[int | None] = UNSET
    primary_contact_id: Maybe[int | None] = UNSET
    cc_contact_ids: Maybe[tuple[int, ...] | None] = UNSET
    cc_emails: Maybe[tuple[str, ...] | None] = UNSET
    category_id: Maybe[int | None] = UNSET
    module_id: Maybe[int | None] = UNSET
    priority: Maybe[Priority | None] = UNSET
    error_code: Maybe[str | None] = UNSET
    wallet_address: Maybe[str | None] = UNSET
    wallet_provider: Maybe[str | None] = UNSET
    device: Maybe[str | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class NewTicket(TicketFields):
    """A ticket to create: what is not given takes its default (see `tickets.create`)."""

    channel: Maybe[Channel | None] = UNSET
    owner_id: Maybe[int | None] = UNSET


# Ticket attribute -> (the input field its errors name, its longest length).
TEXT_FIELDS = {
    "summary": ("summary", 200),
    "description": ("description", MAX_DESCRIPTION),
    "error_code": ("errorCode", 100),
    "wallet_provider": ("walletProvider", 100),
    "device": ("device", 200),
}
# Ticket attribute -> its key in a log event's changes.
CHANGE_KEYS = {
    "summary": Change.SUMMARY,
    "description": Change.DESCRIPTION,
    "error_code": Change.ERROR_CODE,
    "wallet_address": Change.WALLET_ADDRESS,
    "wallet_provider": Change.WALLET_PROVIDER,
    "device": Change.DEVICE,
    "priority": Change.PRIORITY,
    "organization_id": Change.ORGANIZATION_ID,
    "primary_contact_id": Change.PRIMARY_CONTACT_ID,
    "cc_emails": Change.CC_EMAILS,
    "category_id": Change.CATEGORY_ID,
    "module_id": Change.MODULE_ID,
}


def loggable(value: Any) -> Any:
    if isinstance(value, Status | Priority):
        return value.name
    if isinstance(value, Channel):
        return value.value
    return value


async def clean(
    viewer: Viewer, checks: Checks, fields: TicketFields, current: Ticket | None
) -> dict[str, Any]:
    """Validates the shared ticket fields and returns ticket attributes to set.
    Fields not given are left alone."""
    out: dict[str, Any] = {}
    for attr, (name, limit) in TEXT_FIELDS.items():
        value = getattr(fields, attr)
        if value is not UNSET:
            value = checks.text(name, value, max_length=limit, required=name == "summary")
            out[attr] = value if value is not None or attr != "description" else ""
    if fields.wallet_address is not UNSET:
        out["wallet_address"] = checks.wallet("walletAddress", fields.wallet_address)
    if fields.priority is not UNSET and fields.priority is not None:
        if not viewer.is_staff:
            raise Forbidden("only staff can set a ticket's priority")
        out["priority"] = fields.priority

    category_id = fields.category_id
    if category_id is not UNSET:
        if category_id is None:
            out["category_id"] = (await catalog.default_category()).id
        elif not await Category.filter(id=category_id).exists():
            checks.add("categoryId", ErrorCode.NOT_FOUND, f"category {category_id} not found")
        else:
            out["category_id"] = category_id
    module_id = fields.module_id
    if module_id is not UNSET:
        if module_id is not None and not await Module.filter(id=module_id).exists():
            checks.add("moduleId", ErrorCode.NOT_FOUND, f"module {module_id} not found")
        out["module_id"] = module_id

    organization_id = current.organization_id if current else None
    if fields.organization_id is not UNSET:
        organization_id = fields.organization_id
        if organization_id is None:
            checks.add("organizationId", ErrorCode.REQUIRED, "organizationId is required")
        elif not await access.organizations(viewer).filter(id=organization_id).exists():
            checks.add(
                "organizationId",
                ErrorCode.NOT_FOUND,
                f"organization {organization_id} not found",
            )
            organization_id = None
        out["organization_id"] = organization_id
    moved = current is not None and organization_id != current.organization_id

    async def customers_of_organization(ids: list[int]) -> set[int]:
        """Its own customers, and partners who manage it."""
        partners = Membership.filter(organization_id=organization_id).values("contact_id")
        found = await Contact.filter(
            Q(organization_id=organization_id) | Q(id__in=Subquery(partners)),
            id__in=ids,
            role=Role.CUSTOMER,
            is_active=True,
        ).values_list("id", flat=True)
        return set(cast(list[int], found))  # flat: ids, not the tuples tortoise's types say

    if fields.primary_contact_id is not UNSET or moved:
        contact_id = fields.primary_contact_id
        if contact_id is UNSET:
            contact_id = current.primary_contact_id if current else None
        if contact_id is None:
            checks.add("primaryContactId", ErrorCode.REQUIRED, "primaryContactId is required")
        elif organization_id is not None and not await customers_of_organization([contact_id]):
            checks.add(
                "primaryContactId",
                ErrorCode.NOT_FOUND,
                f"contact {contact_id} is not an active customer of the ticket's organization",
            )
        out["primary_contact_id"] = contact_id

    if fields.cc_contact_ids is not UNSET or moved:
        if fields.cc_contact_ids is UNSET:  # moved: the current ones must fit the new org
            ids = await cc_contact_ids(current) if current else []
        else:
            ids = list(dict.fromkeys(fields.cc_contact_ids or ()))
        if len(ids) > MAX_CC:
            checks.add("ccContactIds", ErrorCode.TOO_MANY, f"at most {MAX_CC} CC contacts")
        elif organization_id is not None:
            missing = set(ids) - await customers_of_organization(ids)
            if missing:
                checks.add(
                    "ccContactIds",
                    ErrorCode.NOT_FOUND,
                    "not active customers of the ticket's organization: "
                    + ", ".join(str(i) for i in sorted(missing)),
                )
        out["cc_contact_ids"] = ids
    if fields.cc_emails is not UNSET:
        emails = fields.cc_emails or ()
        if len(emails) > MAX_CC:
            checks.add("ccEmails", ErrorCode.TOO_MANY, f"at most {MAX_CC} CC e-mail addresses")
        cleaned = [checks.email(f"ccEmails.{i}", e, required=True) for i, e in enumerate(emails)]
        out["cc_emails"] = list(dict.fromkeys(e for e in cleaned if e))
    return out


async def cc_contact_ids(ticket: Ticket) -> list[int]:
    ids = await (
        TicketCcContact.filter(ticket_id=ticket.id)
        .order_by("id")
        .values_list("contact_id", flat=True)
    )
    return cast(list[int], ids)


async def set_cc_contacts(ticket: Ticket, old: list[int], new: list[int]) -> None:
    removed = set(old) - set(new)
    if removed:
        await TicketCcContact.filter(ticket_id=ticket.id, contact_id__in=removed).delete()
    added = [i for i in new if i not in set(old)]
    if added:
        await TicketCcContact.bulk_create(
            [TicketCcContact(ticket_id=ticket.id, contact_id=i) for i in added]
        )
