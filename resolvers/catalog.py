"""What a ticket can be filed under: categories (seed 003) and modules/services (seed 000)."""

from helpdesk.models import Category, Change, LogKind, Module
from helpdesk.resolvers import log_events
from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.resolvers.transactions import transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_admin, require_viewer


async def categories(viewer: Viewer | None) -> list[Category]:
    require_viewer(viewer)
    return await Category.all().order_by("position", "id")


async def modules(viewer: Viewer | None) -> list[Module]:
    require_viewer(viewer)
    return await Module.all().order_by("name")


async def _create(viewer, model, kind: LogKind, name: str, **extra):
    checks = Checks()
    name = checks.required_text("name", name, max_length=100)
    if name and await model.filter(name=name).exists():
        checks.add("name", ErrorCode.TAKEN, f"{name!r} already exists")
    checks.done()
    async with transaction():
        item = await model.create(name=name, **extra)
        await log_events.record(kind, viewer, changes={Change.NAME: [None, name]}, internal=True)
    return item


async def create_category(viewer: Viewer | None, name: str) -> Category:
    viewer = require_admin(viewer, "add categories")
    last = await Category.all().order_by("-position").first()
    position = (last.position if last else 0) + 1
    return await _create(viewer, Category, LogKind.CATEGORY_CREATED, name, position=position)


async def create_module(viewer: Viewer | None, name: str) -> Module:
    viewer = require_admin(viewer, "add modules")
    return await _create(viewer, Module, LogKind.MODULE_CREATED, name)


async def default_category() -> Category:
    category = await Category.filter(is_default=True).first()
    if category is None:
        raise invalid("categoryId", ErrorCode.REQUIRED, "no default category is set: name one")
    return category
