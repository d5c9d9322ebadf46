"""Presence across server processes on PostgreSQL: it travels as Redis signals, never
through the database. Needs HELPDESK_TEST_POSTGRES_URL and HELPDESK_TEST_REDIS_URL, and
fails without them (CI sets both)."""

import asyncio
import signal
import uuid

import factories as f
import live
import pytest
from live import LiveClient, Server, create_ticket
from test_presence import WAIT, arrive, pushed, set_presence

from helpdesk.events.redis_bus import RedisBus

on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def redis_url() -> str:
    return live.redis_url()


@pytest.fixture
async def servers(redis_url, database_url):
    """Two server processes on one database and one Redis; the second is started by the
    test, so it may start after people arrived on the first. Channels of their own: test
    workers share Redis, and their databases number tickets and people alike."""
    env = {"HELPDESK_REDIS_URL": redis_url, "HELPDESK_REDIS_PREFIX": f"test-{uuid.uuid4().hex}"}
    one, two = Server(database_url, env), Server(database_url, env)
    await asyncio.to_thread(one.start)
    try:
        yield one, two
    finally:
        await asyncio.gather(asyncio.to_thread(one.stop), asyncio.to_thread(two.stop))


async def pushed_until(
    client: LiveClient, op: str, expected: list[tuple], first: list[tuple]
) -> None:
    """Pushes until one equals `expected`, starting from the `first` one the subscriber got:
    another process's people may arrive a moment after it, or already be in it."""
    deadline = asyncio.get_running_loop().time() + WAIT
    seen = [first]
    while seen[-1] != expected:
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"never saw {expected}; saw {seen}"
        seen.append(await asyncio.wait_for(pushed(client, op), left))


@on_postgres
async def test_agents_on_two_processes_see_each_other_and_leave(servers, world):
    one, two = servers
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ticket = await create_ticket(one, world["alice"])
    ann_socket, ann_op, _ = await arrive(one, ann, ticket)
    await asyncio.to_thread(two.start)  # learns Ann from the first process's republishing

    bea_socket, bea_op, bea_first = await arrive(two, bea, ticket)
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]
    await pushed_until(bea_socket, bea_op, [("Ann", "VIEWING"), ("Bea", "VIEWING")], bea_first)

    await set_presence(two, bea, ticket, "NOTE")
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "NOTE")]
    await set_presence(one, ann, ticket, "REPLYING")
    assert await pushed(ann_socket, ann_op) == [("Ann", "REPLYING"), ("Bea", "NOTE")]
    assert await pushed(bea_socket, bea_op) == [("Ann", "VIEWING"), ("Bea", "NOTE")]
    assert await pushed(bea_socket, bea_op) == [("Ann", "REPLYING"), ("Bea", "NOTE")]

    await bea_socket.close()
    assert await pushed(ann_socket, ann_op) == [("Ann", "REPLYING")]
    await ann_socket.close()


@on_postgres
async def test_a_customer_on_one_process_sees_an_agent_of_another_anonymously(servers, world):
    one, two = servers
    alice, agent = world["alice"], world["agent"]
    ticket = await create_ticket(one, alice)
    await asyncio.to_thread(two.start)
    alice_socket, alice_op, _ = await arrive(one, alice, ticket)
    agent_socket, _, _ = await arrive(two, agent, ticket)
    me = (alice.contact.name, "VIEWING")
    assert await pushed(alice_socket, alice_op) == [me, ("a Cyber Hero", "VIEWING")]

    await set_presence(two, agent, ticket, "NOTE")
    await alice_socket.nothing_for(1.5)  # a note is never told, not even by republishing
    await alice_socket.close()
    await agent_socket.close()


@on_postgres
async def test_the_people_of_a_process_that_dies_vanish_after_a_few_seconds(servers, world):
    one, two = servers
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ticket = await create_ticket(one, world["alice"])
    await asyncio.to_thread(two.start)
    ann_socket, ann_op, _ = await arrive(one, ann, ticket)
    bea_socket, _, _ = await arrive(two, bea, ticket)
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]

    assert two.process is not None
    two.process.send_signal(signal.SIGKILL)  # no goodbye: only the silence tells
    await asyncio.to_thread(two.process.wait)
    assert await asyncio.wait_for(pushed(ann_socket, ann_op), 10) == [("Ann", "VIEWING")]
    await ann_socket.close()
    await bea_socket.ws.close()


async def test_a_signal_reaches_every_process_once(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    one, two = RedisBus(redis_url, prefix), RedisBus(redis_url, prefix)
    await one.start()
    await two.start()
    try:
        async with one.signals() as mine, two.signals() as theirs:
            await asyncio.sleep(0.3)  # both subscribed
            await one.send_signal({"topic": "test", "n": 1})
            assert await asyncio.wait_for(mine.get(), 2) == {"topic": "test", "n": 1}
            assert await asyncio.wait_for(theirs.get(), 2) == {"topic": "test", "n": 1}
            await asyncio.sleep(0.5)  # Redis echoed it back to the sender too: dropped
            assert (mine.qsize(), theirs.qsize()) == (0, 0)
            with pytest.raises(ValueError, match="topic"):
                await one.send_signal({"n": 2})
    finally:
        await one.close()
        await two.close()
