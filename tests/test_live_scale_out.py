"""Several server processes on one database: Redis carries the hints, and without it
each tailer still finds the others' commits by polling."""

import asyncio
import time
import uuid

import pytest
from live import COMMENT, Server, create_ticket, event_where, listen, redis_url


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_change_on_one_server_reaches_a_subscriber_of_another(database_url, world):
    # A long poll interval: only a Redis hint can make delivery quick. Channels of their
    # own: other test workers share the Redis.
    env = {
        "HELPDESK_REDIS_URL": redis_url(),
        "HELPDESK_REDIS_PREFIX": f"test-{uuid.uuid4().hex}",
        "HELPDESK_TAILER_POLL_SECONDS": "30",
    }
    one, two = Server(database_url, env), Server(database_url, env)
    await asyncio.gather(asyncio.to_thread(one.start), asyncio.to_thread(two.start))
    try:
        ticket = await create_ticket(one, world["alice"])
        alice, op = await listen(two, world["alice"])
        started = time.monotonic()
        comment = {"ticketId": ticket["id"], "body": "from server one"}
        await one.gql(COMMENT, {"input": comment}, world["agent"].token)
        event = await event_where(alice, op, body="from server one")
        assert event["kind"] == "COMMENTED"
        assert time.monotonic() - started < 10  # well under the 30 s poll
        await alice.close()
    finally:
        await asyncio.gather(asyncio.to_thread(one.stop), asyncio.to_thread(two.stop))


async def test_without_a_broker_another_process_still_delivers_by_polling(database_url, world):
    # No Redis: hints stay inside each process, the tailer's poll finds the other's commits.
    env = {"HELPDESK_TAILER_POLL_SECONDS": "0.5"}
    one, two = Server(database_url, env), Server(database_url, env)
    await asyncio.gather(asyncio.to_thread(one.start), asyncio.to_thread(two.start))
    try:
        ticket = await create_ticket(one, world["alice"])
        alice, op = await listen(two, world["alice"])
        comment = {"ticketId": ticket["id"], "body": "found by polling"}
        await one.gql(COMMENT, {"input": comment}, world["agent"].token)
        event = await event_where(alice, op, body="found by polling")
        assert event["kind"] == "COMMENTED"
        await alice.close()
    finally:
        await asyncio.gather(asyncio.to_thread(one.stop), asyncio.to_thread(two.stop))
