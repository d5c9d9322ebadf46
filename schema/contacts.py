from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import contacts, organizations
from helpdesk.schema.connections import Connection, list_connection
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id, decode_optional
from helpdesk.schema.loaders import MISSING, Loaders, converted, soon
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.organizations import Organization

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
Role = models.Role
strawberry.enum(
    models.Role,
    description="CUSTOMER belongs to an organization (and may manage more); AGENT and ADMIN "
    "are staff.",
)


@strawberry.type(description="A person: a customer, or staff (agent, admin).")
class Contact(relay.Node):
    id: relay.NodeID[int]
    name: str
    email: str
    telegram: str | None
    phone: str | None
    role: Role
    is_active: bool
    created_at: datetime
    _organization_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: models.Contact) -> "Contact":
        return cls(
            id=m.id,
            name=m.name,
            email=m.email,
            telegram=m.telegram,
            phone=m.phone,
            role=m.role,
            is_active=m.is_active,
            created_at=m.created_at,
            _organization_id=m.organization_id,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "contact", node_ids, cls.from_model, required)

    @strawberry.field(description="A customer's own organization (their default); null for staff.")
    async def organization(self, info: strawberry.Info) -> Organization | None:
        if self._organization_id is None:
            return None
        row = await loaders_of(info).organization.load(self._organization_id)
        return Organization.from_model(row) if row else None

    @strawberry.field(
        description="Every organization a customer manages, as far as you may see: their own "
        "first, then those they manage as a partner. Empty for staff."
    )
    async def organizations(self, info: strawberry.Info) -> list[Organization]:
        loaders = loaders_of(info)
        own = await self.organization(info)
        memberships = await loaders.memberships_by_contact.load(self.id)
        return [
            *([own] if own else []),
            *(Organization.from_model(m.organization) for m in memberships),
        ]


async def contact_or_none(info: strawberry.Info, contact_id: int | None) -> Contact | None:
    """A related contact, or null if there is none or the viewer may not see it."""
    if contact_id is None:
        return None
    row = await loaders_of(info).contact.load(contact_id)
    return Contact.from_model(row) if row else None


def _contact_or_none(row: models.Contact | None) -> Contact | None:
    return Contact.from_model(row) if row else None


def contact_soon(loaders: Loaders, contact_id: int | None) -> Any:
    """The same as contact_or_none, at once when the contact is already loaded (a page's
    related rows, schema/prefetch.py): Contact | None, or an awaitable of it."""
    if contact_id is None:
        return None
    return soon(loaders.contact, contact_id, _contact_or_none)


def contacts_soon(loaders: Loaders, contact_ids: list[int]) -> Any:
    """The contacts of these ids the viewer may see, in that order: at once when all are
    already loaded, else an awaitable of them."""
    found = [converted(loaders.contact, i, _contact_or_none) for i in contact_ids]
    if any(contact is MISSING for contact in found):
        return contacts_of(loaders, contact_ids)
    return [contact for contact in found if contact]


async def contacts_of(loaders: Loaders, contact_ids: list[int]) -> list[Contact]:
    rows = await loaders.contact.load_many(contact_ids)
    return [Contact.from_model(row) for row in rows if row]


@strawberry.input(description="Which people to list. Unset means any.")
class ContactFilter:
    organization_id: strawberry.ID | None = None
    role: Role | None = None
    search: str | None = strawberry.field(
        default=None, description="Name or e-mail; `*` is a wildcard."
    )
    include_inactive: bool = False


@strawberry.type
class ContactQueries:
    @strawberry.field(
        description="People you may see, by name. Customers see their organization and staff."
    )
    async def contacts(
        self,
        info: strawberry.Info,
        filter: ContactFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Contact]:
        filter = filter or ContactFilter()
        query = contacts.listing(
            viewer_of(info),
            organization_id=decode_optional(
                filter.organization_id, "Organization", "organizationId"
            ),
            role=filter.role,
            search=filter.search,
            include_inactive=filter.include_inactive,
        )
        return await list_connection(
            info, query, contacts.SORT, Contact.from_model, first, after, last, before
        )


@strawberry.input
class CreateContactInput:
    name: str
    email: str
    role: Role
    organization_id: strawberry.ID | None = None
    password: str | None = strawberry.field(
        default=None, description="Without one, the contact cannot sign in with a password."
    )
    telegram: str | None = None
    phone: str | None = None


@strawberry.input
class UpdateContactInput:
    contact_id: strawberry.ID
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    telegram: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET


@strawberry.input
class ChangeRoleInput:
    contact_id: strawberry.ID
    role: Role
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when the new role is CUSTOMER."
    )


@strawberry.input
class ContactIdInput:
    contact_id: strawberry.ID


@strawberry.type
class ContactPayload:
    contact: Contact | None
    errors: list[UserError]


async def _payload(work) -> ContactPayload:
    result, errors = await attempt(work)
    return ContactPayload(contact=Contact.from_model(result) if result else None, errors=errors)


def _contact_id(value) -> int:
    return decode_id(value, "Contact", "contactId")


@strawberry.input(description="A customer (a partner) and an organization they manage.")
class MembershipInput:
    contact_id: strawberry.ID
    organization_id: strawberry.ID


def _membership(input: MembershipInput) -> tuple[int, int]:
    return (
        _contact_id(input.contact_id),
        decode_id(input.organization_id, "Organization", "organizationId"),
    )


@strawberry.type
class ContactMutations:
    @strawberry.mutation(
        description="Admins: a customer manages one more organization (seed 003's partners): "
        "they see its tickets, people and history, and file tickets for it."
    )
    async def add_organization_membership(
        self, info: strawberry.Info, input: MembershipInput
    ) -> ContactPayload:
        return await _payload(
            lambda: organizations.add_membership(viewer_of(info), *_membership(input))
        )

    @strawberry.mutation(
        description="Admins: a customer stops managing an organization; their open live "
        "subscriptions end at once."
    )
    async def remove_organization_membership(
        self, info: strawberry.Info, input: MembershipInput
    ) -> ContactPayload:
        return await _payload(
            lambda: organizations.remove_membership(viewer_of(info), *_membership(input))
        )

    @strawberry.mutation(description="Admins: add a customer, agent or admin.")
    async def create_contact(
        self, info: strawberry.Info, input: CreateContactInput
    ) -> ContactPayload:
        return await _payload(
            lambda: contacts.create(
                viewer_of(info),
                name=input.name,
                email=input.email,
                role=input.role,
                organization_id=decode_optional(
                    input.organization_id, "Organization", "organizationId"
                ),
                password=input.password,
                telegram=input.telegram,
                phone=input.phone,
            )
        )

    @strawberry.mutation(
        description="Edit your own details; admins edit anyone's. Only staff change an e-mail."
    )
    async def update_contact(
        self, info: strawberry.Info, input: UpdateContactInput
    ) -> ContactPayload:
        given = vars(input).items()  # the same names; a field not sent stays the resolvers' UNSET
        fields = contacts.ContactFields(
            **{k: v for k, v in given if k != "contact_id" and v is not strawberry.UNSET}
        )
        return await _payload(
            lambda: contacts.update(viewer_of(info), _contact_id(input.contact_id), fields)
        )

    @strawberry.mutation(description="Admins: make someone a customer, agent or admin.")
    async def change_contact_role(
        self, info: strawberry.Info, input: ChangeRoleInput
    ) -> ContactPayload:
        return await _payload(
            lambda: contacts.change_role(
                viewer_of(info),
                _contact_id(input.contact_id),
                input.role,
                decode_optional(input.organization_id, "Organization", "organizationId"),
            )
        )

    @strawberry.mutation(description="Admins: every token of the person stops working at once.")
    async def deactivate_contact(
        self, info: strawberry.Info, input: ContactIdInput
    ) -> ContactPayload:
        return await _payload(
            lambda: contacts.set_active(viewer_of(info), _contact_id(input.contact_id), False)
        )

    @strawberry.mutation(description="Admins: let a deactivated person sign in again.")
    async def reactivate_contact(
        self, info: strawberry.Info, input: ContactIdInput
    ) -> ContactPayload:
        return await _payload(
            lambda: contacts.set_active(viewer_of(info), _contact_id(input.contact_id), True)
        )
