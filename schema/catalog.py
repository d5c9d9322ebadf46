from collections.abc import Iterable

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import catalog
from helpdesk.schema.context import viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.nodes import nodes_of


@strawberry.type(description="What kind of issue a ticket reports (seed 003).")
class Category(relay.Node):
    id: relay.NodeID[int]
    name: str
    position: int
    is_default: bool

    @classmethod
    def from_model(cls, m: models.Category) -> "Category":
        return cls(id=m.id, name=m.name, position=m.position, is_default=m.is_default)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "category", node_ids, cls.from_model, required)


@strawberry.type(description="The product module or service a ticket is about (seed 000).")
class Module(relay.Node):
    id: relay.NodeID[int]
    name: str

    @classmethod
    def from_model(cls, m: models.Module) -> "Module":
        return cls(id=m.id, name=m.name)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "module", node_ids, cls.from_model, required)


@strawberry.type
class CatalogQueries:
    @strawberry.field
    async def categories(self, info: strawberry.Info) -> list[Category]:
        return [Category.from_model(c) for c in await catalog.categories(viewer_of(info))]

    @strawberry.field
    async def modules(self, info: strawberry.Info) -> list[Module]:
        return [Module.from_model(m) for m in await catalog.modules(viewer_of(info))]


@strawberry.input
class CreateNamedInput:
    name: str


@strawberry.type
class CategoryPayload:
    category: Category | None
    errors: list[UserError]


@strawberry.type
class ModulePayload:
    module: Module | None
    errors: list[UserError]


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Admins: add a ticket category.")
    async def create_category(
        self, info: strawberry.Info, input: CreateNamedInput
    ) -> CategoryPayload:
        result, errors = await attempt(lambda: catalog.create_category(viewer_of(info), input.name))
        return CategoryPayload(
            category=Category.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(description="Admins: add a module or service.")
    async def create_module(self, info: strawberry.Info, input: CreateNamedInput) -> ModulePayload:
        result, errors = await attempt(lambda: catalog.create_module(viewer_of(info), input.name))
        return ModulePayload(module=Module.from_model(result) if result else None, errors=errors)
