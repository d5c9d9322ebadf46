"""A chat across two server processes on one PostgreSQL database, with Redis carrying the
hints: the customer on one process, the Cyber Hero on the other."""

import asyncio
import uuid

import factories as f
import pytest
from live import Server, listen, redis_url

START = """mutation($input: StartChatInput!) {
  startChat(input: $input) { chat { id } errors { code message } } }"""
ACCEPT = """mutation($id: ID!) {
  acceptChat(input: {chatId: $id}) { chat { state agent { name } } errors { code message } } }"""
SEND = """mutation($id: ID!, $body: String!) {
  sendChatMessage(input: {chatId: $id, body: $body}) { message { id } errors { code message } } }"""
QUEUE = """subscription { chatQueue { totalCount chats { id customer { name } } } }"""
EVENTS = """subscription($id: ID!) {
  chatEvents(chatId: $id) { cursor kind actor { name } message { body author { name } } } }"""


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_chat_between_two_server_processes(database_url):
    alice = await f.customer(await f.organization("Acme"), name="Alice Archer")
    hero = await f.agent(name="Hero One")
    # A long poll interval: only a Redis hint can make delivery quick.
    env = {
        "HELPDESK_REDIS_URL": redis_url(),
        "HELPDESK_REDIS_PREFIX": f"test-{uuid.uuid4().hex}",  # other test workers share Redis
        "HELPDESK_TAILER_POLL_SECONDS": "30",
    }
    one, two = Server(database_url, env), Server(database_url, env)
    await asyncio.gather(asyncio.to_thread(one.start), asyncio.to_thread(two.start))
    try:
        queue, queue_op = await listen(two, hero, QUEUE)
        assert (await queue.next(queue_op))["data"]["chatQueue"]["totalCount"] == 0

        # The customer starts on process one; the agent's queue on process two shows it.
        started = (await one.gql(START, {"input": {"summary": "Stuck"}}, alice.token))["startChat"]
        assert started["errors"] == []
        chat_id = started["chat"]["id"]
        waiting = (await queue.next(queue_op))["data"]["chatQueue"]
        assert waiting == {
            "totalCount": 1,
            "chats": [{"id": chat_id, "customer": {"name": "Alice Archer"}}],
        }

        customer, customer_op = await listen(one, alice, EVENTS, {"id": chat_id})
        accepted = (await two.gql(ACCEPT, {"id": chat_id}, hero.token))["acceptChat"]
        assert accepted["errors"] == [] and accepted["chat"]["state"] == "ACTIVE"
        assert (await queue.next(queue_op))["data"]["chatQueue"]["totalCount"] == 0
        event = (await customer.next(customer_op))["data"]["chatEvents"]
        assert (event["kind"], event["actor"]["name"]) == ("ACCEPTED", "Hero One")
        agent, agent_op = await listen(two, hero, EVENTS, {"id": chat_id})

        # Each side writes through its own process; both see every message, in order.
        lines = [
            (one, alice, "Hi, my withdrawal is stuck"),
            (two, hero, "Hello Alice, which network?"),
            (one, alice, "Ethereum"),
            (two, hero, "Re-broadcasting it now"),
            (one, alice, "It arrived, thanks!"),
        ]
        for server, person, body in lines:
            answer = await server.gql(SEND, {"id": chat_id, "body": body}, person.token)
            assert answer["sendChatMessage"]["errors"] == []
        expected = [(person.contact.name, body) for _, person, body in lines]
        for socket, op in ((customer, customer_op), (agent, agent_op)):
            seen = [(await socket.next(op))["data"]["chatEvents"] for _ in lines]
            assert [e["kind"] for e in seen] == ["MESSAGE"] * len(lines)
            assert [(e["message"]["author"]["name"], e["message"]["body"]) for e in seen] == (
                expected
            )
            cursors = [int(e["cursor"]) for e in seen]
            assert cursors == sorted(cursors)
        for socket in (customer, agent, queue):
            await socket.close()
    finally:
        await asyncio.gather(asyncio.to_thread(one.stop), asyncio.to_thread(two.stop))
