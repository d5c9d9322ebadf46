"""The HTTP surface: health, GraphiQL, production mode, and the query limits."""

import dataclasses

import factories as f
import httpx
import pytest
from tortoise import Tortoise

from helpdesk.app import create_app


@pytest.fixture
async def production_client(settings):
    app = create_app(dataclasses.replace(settings, env="production"), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_healthz_says_only_that_the_process_is_up(client):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_development_serves_graphiql(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_production_serves_no_ide(production_client):
    response = await production_client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ t: __type(name: "Ticket") { fields { name } } }',
        "query { ...F } fragment F on Query { s: __schema { queryType { name } } }",
    ],
)
async def test_production_refuses_introspection(production_client, query):
    for _ in range(2):  # and again, its validation kept
        result = await f.gql(production_client, query)
        assert result.get("data") is None
        assert "introspection" in result["errors"][0]["message"].lower()
    assert (await f.gql(production_client, "{ __typename }"))["data"] == {"__typename": "Query"}


async def test_production_still_explains_bad_queries_and_domain_errors(production_client):
    result = await f.gql(production_client, "{ nosuchfield }")
    assert "nosuchfield" in result["errors"][0]["message"]
    result = await f.gql(production_client, "{ tickets { totalCount } }")
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_production_hides_details_of_unexpected_errors(production_client):
    org = await f.organization()
    alice = await f.customer(org)
    ticket = await f.ticket(alice)
    # A row no code path can write: reading it fails inside the resolver, unexpectedly.
    await Tortoise.get_connection("default").execute_query(
        "UPDATE tickets SET status = 99 WHERE id = $1", [ticket.id]
    )
    result = await f.gql(
        production_client,
        "{ tickets(filter: {includeResolved: true, includeClosed: true})"
        " { totalCount edges { node { status } } } }",
        as_=alice,
    )
    assert [e["message"] for e in result["errors"]] == ["Internal error."]
    assert "99" not in str(result)


async def test_mutations_are_not_accepted_over_get(client):
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { login(input: {email: "a", password: "b"}) { token } }'},
    )
    assert response.status_code in (400, 405)
