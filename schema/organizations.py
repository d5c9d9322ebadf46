from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import organizations
from helpdesk.schema.connections import Connection, list_connection, nested_connection
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id
from helpdesk.schema.nodes import nodes_of

if TYPE_CHECKING:
    from helpdesk.schema.contacts import Contact


@strawberry.type(description="A customer company: every ticket belongs to one.")
class Organization(relay.Node):
    id: relay.NodeID[int]
    name: str
    created_at: datetime

    @classmethod
    def from_model(cls, m: models.Organization) -> "Organization":
        return cls(id=m.id, name=m.name, created_at=m.created_at)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "organization", node_ids, cls.from_model, required)

    @strawberry.field(description="The organization's active people, by name.")
    async def contacts(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Contact", strawberry.lazy("helpdesk.schema.contacts")]]:
        from helpdesk.schema.contacts import Contact

        return await nested_connection(
            info,
            loaders_of(info).contacts_by_organization,
            self.id,
            Contact.from_model,
            first,
            after,
            last,
            before,
        )


@strawberry.input(description="Which organizations to list. Unset means any.")
class OrganizationFilter:
    name: str | None = strawberry.field(default=None, description="`*` is a wildcard.")


@strawberry.type
class OrganizationQueries:
    @strawberry.field(description="Organizations you may see, by name.")
    async def organizations(
        self,
        info: strawberry.Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Organization]:
        return await list_connection(
            info,
            organizations.listing(viewer_of(info), (filter or OrganizationFilter()).name),
            organizations.SORT,
            Organization.from_model,
            first,
            after,
            last,
            before,
        )


@strawberry.input
class CreateOrganizationInput:
    name: str


@strawberry.input
class UpdateOrganizationInput:
    organization_id: strawberry.ID
    name: str


@strawberry.type
class OrganizationPayload:
    organization: Organization | None
    errors: list[UserError]


@strawberry.type
class OrganizationMutations:
    @strawberry.mutation(description="Admins: add a customer organization.")
    async def create_organization(
        self, info: strawberry.Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        result, errors = await attempt(lambda: organizations.create(viewer_of(info), input.name))
        return OrganizationPayload(
            organization=Organization.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(description="Admins: rename an organization.")
    async def update_organization(
        self, info: strawberry.Info, input: UpdateOrganizationInput
    ) -> OrganizationPayload:
        result, errors = await attempt(
            lambda: organizations.rename(
                viewer_of(info),
                decode_id(input.organization_id, "Organization", "organizationId"),
                input.name,
            )
        )
        return OrganizationPayload(
            organization=Organization.from_model(result) if result else None, errors=errors
        )
