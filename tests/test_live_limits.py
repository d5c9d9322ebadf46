"""Per-person websocket limits: open sockets, live subscriptions over all of a person's
sockets, and messages per second on a socket. Over a limit the socket closes with 4429 and
a reason naming the limit."""

import asyncio
import json

import pytest
from live import LiveClient, Server, closed

EVENTS = "subscription { ticketEvents { kind } }"
VIEWER = "{ viewer { email } }"


@pytest.fixture
async def server(database_url):
    server = Server(
        database_url,
        env={
            "HELPDESK_MAX_SOCKETS_PER_PERSON": "2",
            "HELPDESK_MAX_SUBSCRIPTIONS_PER_PERSON": "3",
            "HELPDESK_WS_MESSAGES_PER_SECOND": "5",
            "HELPDESK_WS_MESSAGE_BURST": "10",
        },
    )
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def socket(server, person) -> LiveClient:
    client = await LiveClient.connect(server, person.token)
    await client.acked()
    return client


async def live_subscriptions_become(server, count: int) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while await server.live_subscriptions() != count:
        assert asyncio.get_running_loop().time() < deadline, "subscriptions did not change"
        await asyncio.sleep(0.02)


async def subscribed(server, client: LiveClient, query: str = EVENTS) -> str:
    before = await server.live_subscriptions()
    op = await client.subscribe(query)
    await live_subscriptions_become(server, before + 1)
    return op


async def answered(client: LiveClient) -> bool:
    """The socket still runs operations."""
    op = await client.subscribe(VIEWER)
    return (await client.next(op))["data"]["viewer"] is not None


async def test_a_socket_past_the_persons_limit_is_closed_with_4429(server, world):
    first, second = await socket(server, world["alice"]), await socket(server, world["alice"])
    third = await LiveClient.connect(server, world["alice"].token)
    assert await closed(third) == (4429, "Too many open sockets: at most 2 per person")
    assert await answered(first) and await answered(second)
    await socket(server, world["bob"])  # someone else is not counted against Alice


async def test_closing_a_socket_frees_its_place(server, world):
    first = await socket(server, world["alice"])
    await socket(server, world["alice"])
    await first.close()
    for _ in range(50):  # the server notices the close a moment later
        again = await LiveClient.connect(server, world["alice"].token)
        message = await asyncio.wait_for(again.ws.recv(), 5)
        if json.loads(message)["type"] == "connection_ack":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the closed socket still counts")


async def test_subscriptions_past_the_persons_limit_over_all_sockets_close_with_4429(server, world):
    laptop, phone = await socket(server, world["alice"]), await socket(server, world["alice"])
    for _ in range(2):
        await subscribed(server, laptop)
    await subscribed(server, phone)
    await phone.subscribe(EVENTS)
    assert await closed(phone) == (4429, "Too many live subscriptions: at most 3 per person")
    assert await answered(laptop)
    bob = await socket(server, world["bob"])
    await subscribed(server, bob)


async def test_an_ended_subscription_frees_its_place(server, world):
    client = await socket(server, world["alice"])
    ops = [await subscribed(server, client) for _ in range(3)]
    await client.ws.send(json.dumps({"id": ops[0], "type": "complete"}))
    await live_subscriptions_become(server, 2)
    await subscribed(server, client)
    assert await answered(client)


async def test_a_socket_sending_faster_than_the_message_rate_is_closed_with_4429(server, world):
    client = await socket(server, world["alice"])
    for _ in range(30):
        await client.ws.send(json.dumps({"type": "ping"}))
    assert await closed(client) == (4429, "Too many messages: at most 5 per second")


async def test_a_socket_sending_within_the_message_rate_stays_open(server, world):
    client = await socket(server, world["alice"])
    for _ in range(12):  # 4 a second, against a limit of 5
        await client.ws.send(json.dumps({"type": "ping"}))
        assert (await client.receive())["type"] == "pong"
        await asyncio.sleep(0.25)
    assert await answered(client)
