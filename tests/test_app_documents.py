"""Every document is measured before any resolver runs: expanded size, depth, aliases,
repeated fields and cost, then a budget per token and minute. Attack documents are refused
cleanly, the screens a client really shows are not, and the server keeps answering others."""

import asyncio
import dataclasses

import factories as f
import httpx
import pytest
from factories import codes
from graphql import get_introspection_query

from helpdesk.app import create_app
from helpdesk.schema.documents import Documents


def fragment_chain(n: int) -> str:
    """n fragments, each spreading the next twice: 2^n selections once expanded."""
    fragments = [f"fragment F{i} on Contact {{ id ...F{i + 1} ...F{i + 1} }}" for i in range(n - 1)]
    fragments.append(f"fragment F{n - 1} on Contact {{ name }}")
    return "{ viewer { ...F0 } } " + " ".join(fragments)


NESTED_HISTORY = """{ tickets(first: 100) { edges { node { history { nodes { ticket {
  history { nodes { ticket { history { nodes { kind actor { name } } } } } } } } } } } } }"""

GRID = """{ tickets(filter: {organizationName: "Nimbus*", status: [OPEN, IN_PROGRESS]},
          orderBy: {field: UPDATED_AT, direction: DESC}, first: 100) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { number summary status priority updatedAt daysOpen
                   primaryContact { name email phone } organization { name } owner { name }
                   ccContacts { email } category { name } module { name } } } } }"""

TICKET_WINDOW = """query($number: Int!) { ticket(number: $number) { summary description status
    createdBy { name } createdAt updatedBy { name } updatedAt ccContacts { name email }
    comments { nodes { kind body author { name } createdAt } }
    history { nodes { kind occurredAt actor { name } changes { field oldValue newValue } } } } }"""


def with_settings(settings, **changes):
    app = create_app(dataclasses.replace(settings, **changes), manage_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_a_chain_of_fragments_spreading_each_other_is_refused_before_it_is_walked(client):
    result = await f.gql(client, fragment_chain(30))
    assert result["data"] is None
    assert codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    assert result["errors"][0]["extensions"]["limit"] == "selections"


async def test_fragment_chains_do_not_stop_the_server_for_others(server, world):
    """Anonymous attack documents and a customer's query at the same time: the customer
    is answered, and every attack gets its refusal."""
    attack = fragment_chain(60)

    async def attacker(client):
        response = await client.post(f"{server.http_url}/graphql", json={"query": attack})
        return response.json()

    async with httpx.AsyncClient(timeout=30) as client:
        attacks = [asyncio.create_task(attacker(client)) for _ in range(20)]
        mine = await asyncio.wait_for(
            server.gql("{ viewer { name } }", token=world["alice"].token), 10
        )
        refused = await asyncio.gather(*attacks)
    assert mine["viewer"]["name"] == world["alice"].contact.name
    assert all(codes(r) == ["DOCUMENT_TOO_COMPLEX"] for r in refused)


async def test_nested_lists_are_refused_by_cost_with_the_cost_said(client, world):
    result = await f.gql(client, NESTED_HISTORY, as_=world["alice"])
    assert codes(result) == ["COST_LIMIT"]
    extensions = result["errors"][0]["extensions"]
    assert extensions["cost"] > extensions["maxCost"] == 20_000
    assert result["data"] is None


async def test_cost_follows_the_page_size_given_in_variables(client, world):
    query = """query($n: Int) { tickets(first: $n) { edges { node {
        history { nodes { kind actor { name } changes { field } } } } } } }"""
    # Asked again and again: the measure kept for the document follows the variables.
    for _ in range(2):
        small = await f.gql(client, query, {"n": 1}, as_=world["alice"])
        assert "errors" not in small, small
        large = await f.gql(client, query, {"n": 100}, as_=world["alice"])
        assert codes(large) == ["COST_LIMIT"]
        assert large["errors"][0]["extensions"]["cost"] > 20_000
        unset = await f.gql(client, query, {}, as_=world["alice"])  # a full page
        assert codes(unset) == ["COST_LIMIT"]
        named = await f.gql(client, query, {"n": 1, "other": 100}, as_=world["alice"])
        assert codes(named) != ["COST_LIMIT"], named


async def test_the_screens_of_the_seeds_fit_in_one_operation(client, world):
    ticket = await f.ticket(world["alice"])
    grid = await f.gql(client, GRID, as_=world["agent"])
    assert "errors" not in grid, grid
    window = await f.gql(client, TICKET_WINDOW, {"number": ticket.number}, as_=world["agent"])
    assert window["data"]["ticket"]["summary"] == ticket.summary


async def test_graphiql_introspection_fits_in_development(client):
    result = await f.gql(client, get_introspection_query(descriptions=True))
    assert "errors" not in result
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_queries_deeper_than_the_limit_are_refused_through_fragments_too(client, world):
    levels = "organization { contacts { nodes { " * 5
    query = f"{{ viewer {{ ...Deep }} }} fragment Deep on Contact {{ {levels} name {'} } }' * 5} }}"
    result = await f.gql(client, query, as_=world["alice"])
    assert codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    assert result["errors"][0]["extensions"]["limit"] == "depth"


async def test_too_many_aliases_are_refused(client):
    aliases = " ".join(f"a{i}: categories {{ name }}" for i in range(40))
    result = await f.gql(client, f"{{ {aliases} }}")
    assert codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    assert "aliases" in result["errors"][0]["message"]


async def test_same_fields_repeated_inside_each_other_are_refused_before_validation(client):
    """graphql-core's overlapping-fields rule takes seconds on this document."""
    inner = "contacts { totalCount } " * 8
    query = "{ " + ("viewer { " + ("organization { " + inner + "} ") * 10 + "} ") * 10 + "}"
    result = await f.gql(client, query)
    assert codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    query = "{ " + ("viewer { " + ("organization { name } ") * 8 + "} ") * 8 + "}"
    result = await f.gql(client, query)
    assert codes(result) == ["DOCUMENT_TOO_COMPLEX"]
    assert result["errors"][0]["extensions"]["limit"] == "repeats"


async def test_unknown_fragments_and_cycles_are_validation_errors(client, world):
    result = await f.gql(client, "{ viewer { ...Nope } }", as_=world["alice"])
    assert "Unknown fragment 'Nope'" in result["errors"][0]["message"]
    cycle = "{ viewer { ...A } } fragment A on Contact { ...B } fragment B on Contact { ...A }"
    result = await f.gql(client, cycle, as_=world["alice"])
    assert "within itself" in result["errors"][0]["message"]


async def test_a_document_nested_thousands_of_levels_is_a_syntax_error(client):
    query = "{ viewer " + "{ organization " * 3000 + "}" * 3001
    result = await f.gql(client, query)
    assert "nested too deeply" in result["errors"][0]["message"]


async def test_each_token_has_a_cost_budget_per_minute(settings, world):
    async with with_settings(settings, max_cost_per_minute=100) as client:
        # 61: the connection, and 20 times an edge, a ticket and its organization.
        query = "{ tickets(first: 20) { edges { node { number organization { name } } } } }"
        first = await f.gql(client, query, as_=world["alice"])
        assert "errors" not in first, first
        second = await f.gql(client, query, as_=world["alice"])
        assert codes(second) == ["RATE_LIMITED"]
        assert second["errors"][0]["extensions"]["retryAfter"] >= 1
        # Another person's budget is their own.
        other = await f.gql(client, query, as_=world["agent"])
        assert "errors" not in other, other


def test_only_small_documents_are_kept_parsed(settings):
    documents = Documents(dataclasses.replace(settings, max_cached_document_bytes=100), False)
    small = "{ viewer { name } }"
    large = "{ viewer { name } }" + " " * 200
    assert documents.parsed(small, 5000) is documents.parsed(small, 5000)
    assert documents.parsed(large, 5000) is not documents.parsed(large, 5000)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ tickts { totalCount } }", {}),
        (
            "query($f: TicketFilter) { tickets(filter: $f) { totalCount } }",
            {"f": {"status": ["OPN"]}},
        ),
    ],
)
async def test_production_suggests_no_field_or_value_names(settings, world, query, variables):
    async with with_settings(settings, env="production") as client:
        result = await f.gql(client, query, variables, as_=world["alice"])
    message = result["errors"][0]["message"]
    assert "Did you mean" not in message
    assert "tickts" in message or "OPN" in message
