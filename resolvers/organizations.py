from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from helpdesk.models import Change, Contact, LogKind, Membership, Organization, Role
from helpdesk.resolvers import access, log_events
from helpdesk.resolvers.errors import ErrorCode, NotFound, invalid
from helpdesk.resolvers.pagination import INT, TEXT, SortKey
from helpdesk.resolvers.search import wildcard_filter
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_admin, require_viewer

SORT = SortKey("name", **TEXT, decode_id=INT)  # by name, then id, as `listing` orders


def listing(viewer: Viewer | None, name: str | None = None) -> QuerySet[Organization]:
    viewer = require_viewer(viewer)
    query = access.organizations(viewer)
    if name:
        query = query.filter(wildcard_filter("name", name, field="name"))
    return query.order_by("name", "id")


async def get(viewer: Viewer | None, organization_id: int) -> Organization:
    viewer = require_viewer(viewer)
    organization = await access.organizations(viewer).filter(id=organization_id).first()
    if organization is None:
        raise NotFound(f"organization {organization_id} not found")
    return organization


def _checked_name(name: str | None) -> str:
    checks = Checks()
    name = checks.required_text("name", name, max_length=200)
    checks.done()
    return name


async def _require_unique(name: str, except_id: int | None = None) -> None:
    clash = await Organization.filter(name_key=name.lower()).exclude(id=except_id or 0).exists()
    if clash:
        raise invalid("name", ErrorCode.TAKEN, f"an organization named {name!r} already exists")


async def _insert(actor: Viewer | None, name: str) -> Organization:
    async with transaction():
        await _require_unique(name)
        organization = await Organization.create(name=name, name_key=name.lower())
        await log_events.record(
            LogKind.ORGANIZATION_CREATED,
            actor,
            organization_id=organization.id,
            changes={Change.NAME: [None, name]},
            internal=True,
        )
    return organization


async def create(viewer: Viewer | None, name: str) -> Organization:
    viewer = require_admin(viewer, "create organizations")
    return await _insert(viewer, _checked_name(name))


async def rename(viewer: Viewer | None, organization_id: int, name: str) -> Organization:
    viewer = require_admin(viewer, "rename organizations")
    name = _checked_name(name)
    async with transaction():
        organization = await get(viewer, organization_id)
        if organization.name == name:
            return organization
        await _require_unique(name, except_id=organization.id)
        old, organization.name, organization.name_key = organization.name, name, name.lower()
        await organization.save(update_fields=["name", "name_key"])
        await log_events.record(
            LogKind.ORGANIZATION_UPDATED,
            viewer,
            organization_id=organization.id,
            changes={Change.NAME: [old, name]},
            internal=True,
        )
    return organization


async def find_or_create(name: str) -> Organization:
    """For the command line: the organization of this name, created if it is new."""
    name = _checked_name(name)
    existing = await Organization.filter(name_key=name.lower()).first()
    return existing or await _insert(None, name)


async def _customer_and_organization(viewer: Viewer, contact_id: int, organization_id: int):
    checks = Checks()
    contact = await Contact.filter(id=contact_id).first()
    if contact is None:
        checks.add("contactId", ErrorCode.NOT_FOUND, f"contact {contact_id} not found")
    elif contact.role is not Role.CUSTOMER:
        checks.add(
            "contactId", ErrorCode.NOT_ALLOWED, "only customers manage organizations: staff see all"
        )
    organization = await access.organizations(viewer).filter(id=organization_id).first()
    if organization is None:
        checks.add(
            "organizationId", ErrorCode.NOT_FOUND, f"organization {organization_id} not found"
        )
    checks.done()
    assert contact is not None and organization is not None
    return contact, organization


async def add_membership(viewer: Viewer | None, contact_id: int, organization_id: int) -> Contact:
    """Admins: a customer (a partner) manages one more organization. Their open sockets
    close (the log event ends their access), so they reconnect seeing it."""
    viewer = require_admin(viewer, "manage memberships")
    contact, organization = await _customer_and_organization(viewer, contact_id, organization_id)
    async with transaction():
        if contact.organization_id == organization.id or await Membership.exists(
            contact_id=contact.id, organization_id=organization.id
        ):
            raise invalid(
                "organizationId",
                ErrorCode.TAKEN,
                f"{contact.name} already manages {organization.name}",
            )
        await Membership.create(
            contact_id=contact.id, organization_id=organization.id, created_at=now()
        )
        await log_events.record(
            LogKind.MEMBERSHIP_ADDED,
            viewer,
            organization_id=organization.id,
            subject_contact_id=contact.id,
            changes={Change.ORGANIZATION: [None, organization.id]},
            internal=True,
        )
    return contact


async def remove_membership(
    viewer: Viewer | None, contact_id: int, organization_id: int
) -> Contact:
    """Admins: a customer stops managing an organization. Live delivery of it to them stops
    at once: the log event ends their open sockets' access."""
    viewer = require_admin(viewer, "manage memberships")
    contact, organization = await _customer_and_organization(viewer, contact_id, organization_id)
    if contact.organization_id == organization.id:
        raise invalid(
            "organizationId",
            ErrorCode.NOT_ALLOWED,
            f"{organization.name} is {contact.name}'s own organization: change it with "
            "updateContact",
        )
    async with transaction():
        removed = await Membership.filter(
            contact_id=contact.id, organization_id=organization.id
        ).delete()
        if not removed:
            raise invalid(
                "organizationId",
                ErrorCode.NOT_FOUND,
                f"{contact.name} does not manage {organization.name}",
            )
        await log_events.record(
            LogKind.MEMBERSHIP_REMOVED,
            viewer,
            organization_id=organization.id,
            subject_contact_id=contact.id,
            changes={Change.ORGANIZATION: [organization.id, None]},
            internal=True,
        )
    return contact


def memberships(viewer: Viewer) -> QuerySet[Membership]:
    """Memberships in the organizations the viewer may see, with their organization."""
    visible = access.organizations(viewer).values("id")
    return Membership.filter(organization_id__in=Subquery(visible)).select_related("organization")
