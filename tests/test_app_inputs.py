"""Bounded input at the HTTP door: body size, JSON that is too deep, not JSON or not text,
request shapes strawberry lets through, and subscriptions sent over plain HTTP. Each gets
an answer that names the problem, and changes nothing."""

import asyncio
import dataclasses
import json

import factories as f
import httpx
import pytest
from live import Server

from helpdesk import models
from helpdesk.app import create_app

CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { number } errors { code } } }"""


@pytest.fixture
async def small_body_client(settings):
    app = create_app(dataclasses.replace(settings, max_body_bytes=2000), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def post(client, body: str | bytes, person: f.Person | None = None, **headers):
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    return client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", **headers}
    )


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def create_body(summary: str, padding: int = 0) -> str:
    variables = {"input": {"summary": summary, "description": "d" + " " * padding}}
    return json.dumps({"query": CREATE, "variables": variables})


async def test_a_body_over_the_default_limit_of_1_mib_is_refused_with_413(client, world):
    response = await post(client, create_body("Big", padding=1024 * 1024), world["alice"])
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.text
    assert not await models.Ticket.filter(summary="Big").exists()


async def test_a_body_within_the_limit_is_served(small_body_client, world):
    response = await post(small_body_client, create_body("Small", padding=100), world["alice"])
    assert response.status_code == 200
    assert response.json()["data"]["createTicket"]["errors"] == []


async def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read_whole(
    small_body_client, world
):
    pulled = 0

    async def chunks():  # no Content-Length: the server counts the bytes as they come
        nonlocal pulled
        for _ in range(1000):
            pulled += 1
            yield b" " * 500

    response = await small_body_client.post(
        "/graphql",
        content=chunks(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {world['alice'].token}",
        },
    )
    assert response.status_code == 413
    assert pulled <= 6  # 2000 bytes are 4 chunks; the fifth crosses the limit


async def test_a_real_server_refuses_an_announced_50_mb_body_without_waiting_for_it(
    database_url,
):
    server = Server(database_url)
    await asyncio.to_thread(server.start)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n{"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
    finally:
        await asyncio.to_thread(server.stop)
    assert status_line.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ __typename }", "extensions": ' + nested(5000) + "}",
        '{"query": "{ __typename }", "variables": {"a": ' + nested(40) + "}}",
    ],
    ids=["body", "variables"],
)
async def test_json_nested_too_deeply_is_a_400_that_says_so(client, body):
    response = await post(client, body)
    assert response.status_code == 400
    assert response.text == "the JSON is nested more than 32 levels deep"


async def test_get_variables_nested_too_deeply_are_a_400_that_says_so(client):
    response = await client.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": '{"a": ' + nested(3000) + "}"},
    )
    assert response.status_code == 400
    assert response.text == "the JSON is nested more than 32 levels deep"


async def test_json_nested_exactly_to_the_limit_is_accepted(client):
    # The body is level 1, so its extensions hold 31 more.
    body = '{"query": "{ __typename }", "extensions": {"a": ' + nested(30) + "}}"
    response = await post(client, body)
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_a_lone_surrogate_in_the_body_is_a_400_naming_invalid_text(client, world):
    body = create_body("x").replace('"x"', '"\\ud800"')
    response = await post(client, body, world["alice"])
    assert response.status_code == 400
    assert response.text.startswith("invalid text in the JSON")
    assert not await models.Ticket.exists()


async def test_a_lone_surrogate_as_a_password_is_refused_before_any_hashing(client):
    login = 'mutation($p: String!) { login(input: {email: "a@b.example", password: $p}) { token } }'
    body = json.dumps({"query": login, "variables": {"p": "P"}}).replace('"P"', '"\\ud800"')
    response = await post(client, body)
    assert response.status_code == 400
    assert response.text.startswith("invalid text in the JSON")


async def test_a_body_that_is_not_json_is_a_400_saying_where(client):
    response = await post(client, '{"query": ')
    assert response.status_code == 400
    assert response.text.startswith("invalid JSON: ")
    assert "at character 10" in response.text


@pytest.mark.parametrize("body", ["5", '"query"', "null"])
async def test_a_body_that_is_not_an_object_is_a_400(client, body):
    response = await post(client, body)
    assert response.status_code == 400
    assert response.text == "the JSON must be an object"


async def test_an_operation_name_that_is_not_a_string_is_a_400(client):
    response = await post(client, json.dumps({"query": "{ __typename }", "operationName": 5}))
    assert response.status_code == 400
    assert "operationName" in response.text


SUBSCRIPTION = "subscription { ticketEvents { cursor } }"


async def test_a_subscription_posted_over_http_is_told_to_use_the_websocket(client, world):
    result = await f.gql(client, SUBSCRIPTION, as_=world["alice"])
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "WEBSOCKET_REQUIRED"
    assert "graphql-transport-ws" in error["message"]


async def test_a_subscription_sent_over_get_is_told_to_use_the_websocket(client, world):
    response = await client.get(
        "/graphql",
        params={"query": SUBSCRIPTION},
        headers={"Authorization": f"Bearer {world['alice'].token}"},
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "WEBSOCKET_REQUIRED"


async def test_mutations_over_get_are_still_refused_by_name(client):
    response = await client.get(
        "/graphql", params={"query": "mutation { logout { errors { code } } }"}
    )
    assert response.status_code == 400
    assert "mutations are not allowed" in response.text
