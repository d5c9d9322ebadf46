"""Bad input over the websocket, against a real server: messages that are not JSON, not text
or not graphql-transport-ws close the socket saying why; bad subscription arguments (a
cursor from the future, a date at the end of the calendar, a NUL) are clear errors."""

import asyncio
import json

import factories as f
import pytest
from live import EVENTS, LiveClient, Server, closed

from helpdesk import models


async def acked(server: Server, person: f.Person) -> LiveClient:
    client = await LiveClient.connect(server, person.token)
    await client.acked()
    return client


async def first_error_codes(client: LiveClient, op_id: str) -> list[str]:
    """The problem codes of the operation's first answer, an `error` or a `next` with errors."""
    while True:
        message = await client.receive()
        if message.get("id") == op_id:
            break
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return [p["code"] for e in errors for p in e["extensions"].get("problems", [])] or [
        e["extensions"]["code"] for e in errors
    ]


async def newest_event_id() -> int:
    return (await models.LogEvent.all().order_by("-id").first()).id


async def test_a_cursor_beyond_the_newest_event_is_refused(server, world):
    await f.ticket(world["alice"])
    client = await acked(server, world["alice"])
    op_id = await client.subscribe(EVENTS, {"after": str(await newest_event_id() + 1000)})
    assert await first_error_codes(client, op_id) == ["INVALID_CURSOR"]
    # Refused before it joined a shared execution: nothing is left listening.
    await client.ws.send(json.dumps({"type": "ping"}))
    assert (await client.receive())["type"] == "pong"
    assert await server.live_subscriptions() == 0


async def test_an_inline_cursor_beyond_the_newest_event_is_refused_and_completes(server, world):
    await f.ticket(world["alice"])
    client = await acked(server, world["alice"])
    future = await newest_event_id() + 1000
    op_id = await client.subscribe(
        f'subscription {{ ticketEvents(after: "{future}") {{ cursor }} }}'
    )
    assert await first_error_codes(client, op_id) == ["INVALID_CURSOR"]
    assert await client.receive() == {"id": op_id, "type": "complete"}


async def test_a_cursor_the_database_has_is_accepted_before_this_servers_tailer_sees_it(
    database_url, world
):
    # The server hears of no event written by this process (no shared bus, no polling):
    # like a cursor handed out by another server process that is ahead of this one.
    server = Server(database_url, env={"HELPDESK_TAILER_POLL_SECONDS": "3600"})
    await asyncio.to_thread(server.start)
    try:
        await f.ticket(world["alice"])
        client = await acked(server, world["alice"])
        await client.subscribe(EVENTS, {"after": str(await newest_event_id())})
        await client.nothing_for(1.5)
    finally:
        await asyncio.to_thread(server.stop)


@pytest.mark.parametrize("field", ["ticketStats", "ticketEvents"])
async def test_a_date_at_the_end_of_the_calendar_is_an_error_in_a_subscription(
    server, world, field
):
    selection = "total" if field == "ticketStats" else "cursor"
    client = await acked(server, world["agent"])
    op_id = await client.subscribe(
        f'subscription {{ {field}(filter: {{updatedTo: "9999-12-31"}}) {{ {selection} }} }}'
    )
    assert await first_error_codes(client, op_id) == ["OUT_OF_RANGE"]


async def test_a_nul_in_subscription_variables_is_invalid_text(server, world):
    client = await acked(server, world["agent"])
    op_id = await client.subscribe(EVENTS, {"filter": {"summary": "wallet\x00"}})
    assert await first_error_codes(client, op_id) == ["INVALID_TEXT"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "ping", "payload": ' + "[" * 3000 + "]" * 3000 + "}", "more than 32 levels"),
        ('{"type": "ping", "payload": {"a": "\\ud800"}}', "invalid text"),
        ('{"type": "ping"', "invalid JSON"),
        ("5", "must be an object"),
    ],
    ids=["deep", "lone-surrogate", "not-json", "not-an-object"],
)
async def test_a_message_that_is_not_acceptable_json_closes_the_socket_saying_why(
    server, world, text, reason
):
    client = await acked(server, world["alice"])
    await client.ws.send(text)
    code, said = await closed(client)
    assert code == 4400
    assert reason in said


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"id": "1", "type": "subscribe", "payload": "{ viewer { name } }"}, "query string"),
        ({"id": "1", "type": "subscribe", "payload": {"query": 5}}, "query string"),
        ({"id": ["1"], "type": "subscribe", "payload": {"query": "{ __typename }"}}, "id"),
        (
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "{ __typename }", "variables": []},
            },
            "variables must be an object",
        ),
        (
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "{ __typename }", "operationName": 5},
            },
            "operationName",
        ),
        ({"id": "1", "type": 7}, "needs a type"),
    ],
    ids=["payload-text", "query-number", "id-list", "variables-list", "name-number", "type"],
)
async def test_a_message_of_the_wrong_shape_closes_the_socket_saying_why(
    server, world, message, reason
):
    client = await acked(server, world["alice"])
    await client.ws.send(json.dumps(message))
    code, said = await closed(client)
    assert code == 4400
    assert reason in said
