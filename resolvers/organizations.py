from tortoise.queryset import QuerySet

from helpdesk.models import Change, LogKind, Organization
from helpdesk.resolvers import access, log_events
from helpdesk.resolvers.errors import ErrorCode, NotFound, invalid
from helpdesk.resolvers.pagination import INT, TEXT, SortKey
from helpdesk.resolvers.search import wildcard_filter
from helpdesk.resolvers.transactions import transaction
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
