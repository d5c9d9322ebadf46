"""The websocket's limits and its answers to people who may not, or may no longer, listen."""

import asyncio
import json

import pytest
import websockets
from live import LiveClient, Server, listen

EVENTS = "subscription { ticketEvents { kind } }"


async def closed_code(client: LiveClient) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await client.receive(timeout=5)
    return closed.value.rcvd.code


async def test_deactivating_a_contact_ends_their_subscriptions_at_once(server, world):
    alice, _ = await listen(server, world["alice"], EVENTS)
    admin = world["admin"]
    await server.gql(
        "mutation($input: ContactIdInput!) {"
        " deactivateContact(input: $input) { errors { code } } }",
        {"input": {"contactId": world["alice"].id}},
        admin.token,
    )
    assert await closed_code(alice) == 4403


async def test_missing_token_in_connection_init_is_refused(server, world):
    client = await LiveClient.connect(server, None)
    assert await closed_code(client) == 4403


async def test_subscribing_before_the_acknowledgement_is_refused(server, world):
    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 4401


async def test_a_message_over_the_size_limit_closes_the_socket(server, world):
    client = await LiveClient.connect(server, world["alice"].token)
    await client.acked()
    await client.subscribe(EVENTS + " " * (70 * 1024))
    assert await closed_code(client) == 4413


async def test_subscriptions_per_connection_are_capped(server, world):
    client = await LiveClient.connect(server, world["alice"].token)
    await client.acked()
    for _ in range(21):
        last = await client.subscribe(EVENTS)
    message = await client.receive()
    assert (message["id"], message["type"]) == (last, "error")
    assert "limit" in message["payload"][0]["message"].lower()


async def test_a_socket_that_never_says_connection_init_is_closed(database_url, world):
    server = Server(database_url, env={"HELPDESK_WS_INIT_TIMEOUT_SECONDS": "0.5"})
    await asyncio.to_thread(server.start)
    try:
        ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 4408
    finally:
        await asyncio.to_thread(server.stop)


async def test_cross_origin_sockets_are_refused_unless_allowed(database_url, world):
    server = Server(database_url, env={"HELPDESK_ALLOWED_ORIGINS": "https://desk.example.com"})
    await asyncio.to_thread(server.start)
    try:
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(
                server.ws_url,
                subprotocols=["graphql-transport-ws"],
                origin="https://evil.example.com",
            )
        allowed = await websockets.connect(
            server.ws_url, subprotocols=["graphql-transport-ws"], origin="https://desk.example.com"
        )
        await allowed.close()
    finally:
        await asyncio.to_thread(server.stop)
