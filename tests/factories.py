"""Accounts, tickets and a GraphQL caller for tests. Everything goes through the same
resolvers the API uses."""

import itertools
from dataclasses import dataclass, replace

import httpx

from helpdesk import models
from helpdesk.resolvers import accounts, contacts, organizations, tickets
from helpdesk.resolvers.ticket_fields import NewTicket
from helpdesk.resolvers.viewer import Viewer

_seq = itertools.count(1)


@dataclass
class Person:
    contact: models.Contact
    token: str
    viewer: Viewer

    @property
    def id(self) -> str:
        return global_id("Contact", self.contact.id)


def global_id(type_name: str, pk: int) -> str:
    from strawberry import relay

    return str(relay.GlobalID(type_name, str(pk)))


async def organization(name: str | None = None) -> models.Organization:
    return await organizations.find_or_create(name or f"Org {next(_seq)}")


async def person(
    role: models.Role = models.Role.CUSTOMER,
    org: models.Organization | None = None,
    *,
    name: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> Person:
    n = next(_seq)
    contact = await contacts.create(
        None,
        name=name or f"{role.value.title()} {n}",
        email=email or f"{role.value.lower()}{n}@example.com",
        role=role,
        organization_id=org.id if org else None,
        password=password,
    )
    token, secret = await accounts.issue_token(contact, models.TokenKind.API, "test")
    return Person(contact, secret, accounts.viewer_of(contact, token))


async def customer(org: models.Organization, **kw) -> Person:
    return await person(models.Role.CUSTOMER, org, **kw)


async def partner(person: Person, *managed: models.Organization) -> Person:
    """The customer, now also managing these organizations (memberships added by an admin)."""
    admin_viewer = (await admin()).viewer
    for org in managed:
        await organizations.add_membership(admin_viewer, person.contact.id, org.id)
    ids = await accounts.managed_organizations(person.contact)
    viewer = replace(person.viewer, organization_ids=person.viewer.organization_ids | set(ids))
    return replace(person, viewer=viewer)


async def agent(**kw) -> Person:
    return await person(models.Role.AGENT, **kw)


async def admin(**kw) -> Person:
    return await person(models.Role.ADMIN, **kw)


async def ticket(by: Person, **fields) -> models.Ticket:
    fields.setdefault("summary", f"Ticket {next(_seq)}")
    fields.setdefault("description", "Something is wrong.")
    return await tickets.create(by.viewer, NewTicket(**fields))


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict | None = None,
    as_: Person | str | None = None,
) -> dict:
    headers = {}
    if as_ is not None:
        token = as_.token if isinstance(as_, Person) else as_
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def codes(result: dict) -> list[str]:
    """The `extensions.code` of each top-level error of a GraphQL answer."""
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


def problems(result: dict) -> list[tuple[str | None, str]]:
    """(field, code) of each problem of an INVALID_INPUT top-level error."""
    return [
        (p["field"], p["code"])
        for e in result.get("errors") or []
        for p in e.get("extensions", {}).get("problems", [])
    ]
