"""Chat with a Cyber Hero, live: a customer and two agents on real websockets, a server that
restarts mid-chat, and the transcript on the ticket."""

import asyncio

import factories as f
import pytest
from live import LiveClient, Server, listen

from helpdesk import models

START = """mutation($input: StartChatInput!) {
  startChat(input: $input) {
    chat { id state } ticket { id number channel owner { name } } errors { code field message }
  }
}"""
ACCEPT = """mutation($id: ID!) {
  acceptChat(input: {chatId: $id}) { chat { id state agent { name } } errors { code message } }
}"""
SEND = """mutation($id: ID!, $body: String!) {
  sendChatMessage(input: {chatId: $id, body: $body}) { message { id body } errors { code message } }
}"""
END = """mutation($id: ID!) {
  endChat(input: {chatId: $id}) { chat { id state endedAt } errors { code message } }
}"""
QUEUE = """subscription {
  chatQueue { totalCount chats { id state waitingSeconds customer { name } organization { name } } }
}"""
EVENTS = """subscription($id: ID!, $after: String) {
  chatEvents(chatId: $id, after: $after) {
    cursor kind actor { name } message { body author { name } } chat { state }
  }
}"""
TICKET = """query($id: ID!) {
  node(id: $id) { ... on Ticket {
    status owner { name }
    comments { edges { node { kind body author { name } } } }
  } }
}"""


async def queue_of(client: LiveClient, op: str) -> list[str]:
    result = (await client.next(op))["data"]["chatQueue"]
    assert result["totalCount"] == len(result["chats"])
    return [c["id"] for c in result["chats"]]


async def chat_event(client: LiveClient, op: str) -> dict:
    return (await client.next(op))["data"]["chatEvents"]


async def send(server: Server, chat_id: str, person, body: str) -> None:
    data = await server.gql(SEND, {"id": chat_id, "body": body}, person.token)
    assert data["sendChatMessage"]["errors"] == [], data


@pytest.fixture
async def people(database_url):
    acme = await f.organization("Acme")
    return {
        "alice": await f.customer(acme, name="Alice Archer"),
        "hero": await f.agent(name="Hero One"),
        "other": await f.agent(name="Hero Two"),
    }


async def test_a_chat_from_queue_to_transcript_survives_a_restart(server, people):
    alice, hero, other = people["alice"], people["hero"], people["other"]
    hero_socket, hero_queue = await listen(server, hero, QUEUE)
    other_socket, other_queue = await listen(server, other, QUEUE)
    assert await queue_of(hero_socket, hero_queue) == []
    assert await queue_of(other_socket, other_queue) == []

    started = (await server.gql(START, {"input": {"summary": "Can't log in"}}, alice.token))[
        "startChat"
    ]
    assert started["errors"] == []
    chat_id, ticket = started["chat"]["id"], started["ticket"]
    assert started["chat"]["state"] == "WAITING"
    assert ticket["channel"] == "CHAT" and ticket["owner"] is None

    # The chat appears in both agents' queues, with who is waiting.
    for socket, op in ((hero_socket, hero_queue), (other_socket, other_queue)):
        assert await queue_of(socket, op) == [chat_id]

    customer, customer_op = await listen(server, alice, EVENTS, {"id": chat_id})
    accepted = (await server.gql(ACCEPT, {"id": chat_id}, hero.token))["acceptChat"]
    assert accepted["errors"] == [] and accepted["chat"]["agent"]["name"] == "Hero One"
    # One accepts: the entry disappears for the other, who can no longer take it.
    assert await queue_of(other_socket, other_queue) == []
    assert await queue_of(hero_socket, hero_queue) == []
    late = (await server.gql(ACCEPT, {"id": chat_id}, other.token))["acceptChat"]
    assert late["errors"][0]["code"] == "CONFLICT" and "Hero One" in late["errors"][0]["message"]
    event = await chat_event(customer, customer_op)
    assert (event["kind"], event["actor"]["name"]) == ("ACCEPTED", "Hero One")

    agent, agent_op = await listen(server, hero, EVENTS, {"id": chat_id})
    lines = [
        (alice, "Hi, I can't log in"),
        (hero, "Hello Alice, which browser?"),
        (alice, "Firefox"),
        (hero, "Clear the cookies and try again"),
    ]
    for person, body in lines:
        await send(server, chat_id, person, body)
    for socket, op in ((customer, customer_op), (agent, agent_op)):
        seen = [await chat_event(socket, op) for _ in lines]
        assert [
            (e["kind"], e["message"]["author"]["name"], e["message"]["body"]) for e in seen
        ] == [("MESSAGE", person.contact.name, body) for person, body in lines]
    cursor = seen[-1]["cursor"]
    await agent.close()
    await other_socket.close()
    await hero_socket.close()

    # The server restarts mid-chat; the agent goes on writing; the customer comes back
    # with the last cursor they saw and gets exactly what they missed.
    await asyncio.to_thread(server.stop)
    await asyncio.to_thread(server.start)
    missed = [(hero, "Did that work?"), (alice, "Yes, thanks!")]
    for person, body in missed:
        await send(server, chat_id, person, body)
    back, back_op = await listen(server, alice, EVENTS, {"id": chat_id, "after": cursor})
    resumed = [await chat_event(back, back_op) for _ in missed]
    assert [(e["kind"], e["message"]["body"]) for e in resumed] == [
        ("MESSAGE", body) for _, body in missed
    ]
    await send(server, chat_id, hero, "Great, have a nice day")
    live_again = await chat_event(back, back_op)
    assert live_again["message"]["body"] == "Great, have a nice day"

    ended = (await server.gql(END, {"id": chat_id}, alice.token))["endChat"]
    assert ended["errors"] == [] and ended["chat"]["state"] == "ENDED"
    last = await chat_event(back, back_op)
    assert (last["kind"], last["chat"]["state"]) == ("ENDED", "ENDED")
    assert (await back.receive())["type"] == "complete"  # the chat is over: so is the stream
    await back.close()

    # The ticket: owned by the Cyber Hero who answered, one transcript with every message,
    # in order, once; it stays open for follow-up.
    view = (await server.gql(TICKET, {"id": ticket["id"]}, alice.token))["node"]
    assert view["owner"]["name"] == "Hero One"
    assert view["status"] == "IN_PROGRESS"
    transcripts = [
        e["node"] for e in view["comments"]["edges"] if e["node"]["kind"] == "CHAT_TRANSCRIPT"
    ]
    assert len(transcripts) == 1
    body = transcripts[0]["body"]
    every = [*lines, *missed, (hero, "Great, have a nice day")]
    positions = [body.index(f"{person.contact.name}: {text}") for person, text in every]
    assert positions == sorted(positions)
    assert all(body.count(f": {text}") == 1 for _, text in every)


JOIN = """mutation($id: ID!) { joinChat(input: {chatId: $id}) { chat { id } errors { code } } }"""
FROM_START = """subscription($id: ID!, $after: String) {
  chatEvents(chatId: $id, after: $after, fromStart: true) {
    cursor kind actor { name } message { body } chat { state }
  }
}"""


async def test_a_window_opened_mid_chat_replays_it_from_the_start_then_goes_on_live(server, people):
    """A window that opens after the chat began (a colleague joining, the accepting agent's
    own window opening a moment after the customer saw the accept) shows all of it and
    misses nothing said while it opened: fromStart replays the chat's events, then live."""
    alice, hero, other = people["alice"], people["hero"], people["other"]
    bob = await f.customer(await f.organization("Globex"), name="Bob Other")
    started = await server.gql(START, {"input": {"summary": "Mid-chat"}}, alice.token)
    chat_id = started["startChat"]["chat"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, hero.token)
    elsewhere = await server.gql(START, {"input": {"summary": "Not this one"}}, bob.token)
    await send(server, chat_id, alice, "Hello")
    await send(server, chat_id, hero, "Hi Alice")
    assert (await server.gql(JOIN, {"id": chat_id}, other.token))["joinChat"]["errors"] == []

    window, op = await listen(server, other, FROM_START, {"id": chat_id})
    history = [await chat_event(window, op) for _ in range(5)]
    assert [(e["kind"], e["actor"]["name"], (e["message"] or {}).get("body")) for e in history] == [
        ("STARTED", "Alice Archer", None),
        ("ACCEPTED", "Hero One", None),
        ("MESSAGE", "Alice Archer", "Hello"),
        ("MESSAGE", "Hero One", "Hi Alice"),
        ("JOINED", "Hero Two", None),
    ]  # and nothing of Bob's chat, started in between
    # A second window of the same person joins the running execution: it replays for itself.
    tab, tab_op = await listen(server, other, FROM_START, {"id": chat_id})
    assert [await chat_event(tab, tab_op) for _ in range(5)] == history
    # Typing is no event: a window that caught up to the newest one still hears it.
    await server.gql(TYPING, {"id": chat_id, "typing": True}, alice.token)
    for socket, op_id in ((window, op), (tab, tab_op)):
        typing = await chat_event(socket, op_id)
        assert (typing["kind"], typing["cursor"], typing["actor"]["name"]) == (
            "TYPING",
            None,
            "Alice Archer",
        )
    await send(server, chat_id, alice, "Thanks, both")
    for socket, op_id in ((window, op), (tab, tab_op)):
        assert (await chat_event(socket, op_id))["message"]["body"] == "Thanks, both"
        await socket.nothing_for(0.3)

    # Once ended, the same subscription replays the whole chat and completes.
    assert (await server.gql(END, {"id": chat_id}, alice.token))["endChat"]["errors"] == []
    assert (await chat_event(window, op))["kind"] == "ENDED"
    again = await LiveClient.connect(server, alice.token)  # a replay, over at once
    await again.acked()
    again_op = await again.subscribe(FROM_START, {"id": chat_id})
    replayed = [(await chat_event(again, again_op))["kind"] for _ in range(7)]
    assert replayed == ["STARTED", "ACCEPTED", "MESSAGE", "MESSAGE", "JOINED", "MESSAGE", "ENDED"]
    assert (await again.receive())["type"] == "complete"
    # Coming back with a cursor after the chat ended gets the rest of it, then the end.
    back = await LiveClient.connect(server, alice.token)
    await back.acked()
    back_op = await back.subscribe(EVENTS, {"id": chat_id, "after": history[-1]["cursor"]})
    rest = [(await chat_event(back, back_op))["kind"] for _ in range(2)]
    assert rest == ["MESSAGE", "ENDED"]
    assert (await back.receive())["type"] == "complete"

    # Both a cursor and fromStart: refused, naming the argument. Bob sees nothing of it.
    both = await again.subscribe(FROM_START, {"id": chat_id, "after": history[0]["cursor"]})
    refused = await again.receive()
    assert refused["id"] == both
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    assert errors[0]["extensions"]["problems"][0]["field"] == "fromStart"
    other_org = await LiveClient.connect(server, bob.token)
    await other_org.acked()
    peek = await other_org.subscribe(FROM_START, {"id": chat_id})
    refused = await other_org.receive()
    assert refused["id"] == peek
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert elsewhere["startChat"]["errors"] == []
    for socket in (window, tab, again, back, other_org):
        await socket.close()


async def test_customers_cannot_watch_the_queue(server, people):
    alice = people["alice"]
    socket = await LiveClient.connect(server, alice.token)
    await socket.acked()
    op = await socket.subscribe(QUEUE)
    refused = await socket.receive()
    assert refused["id"] == op
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await socket.close()


TYPING = """mutation($id: ID!, $typing: Boolean!) {
  setChatTyping(input: {chatId: $id, typing: $typing}) { chat { id } errors { code message } }
}"""


async def test_typing_reaches_the_others_in_the_chat_and_is_never_stored(server, people):
    alice, hero = people["alice"], people["hero"]
    started = await server.gql(START, {"input": {"summary": "Typing"}}, alice.token)
    chat_id = started["startChat"]["chat"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, hero.token)
    customer, customer_op = await listen(server, alice, EVENTS, {"id": chat_id})
    agent, _ = await listen(server, hero, EVENTS, {"id": chat_id})
    events_before = await models.LogEvent.all().count()

    for typing in (True, False):
        done = await server.gql(TYPING, {"id": chat_id, "typing": typing}, hero.token)
        assert done["setChatTyping"]["errors"] == []
        event = (await customer.next(customer_op))["data"]["chatEvents"]
        assert (event["kind"], event["cursor"], event["actor"]["name"]) == (
            "TYPING",
            None,
            "Hero One",
        )
    await agent.nothing_for(0.5)  # your own typing is not echoed back
    assert await models.LogEvent.all().count() == events_before

    # A colleague who may read the chat may not type in it.
    colleague = await f.customer(await f.organization("Acme"), name="Carol Colleague")
    refused = await server.gql_raw(TYPING, {"id": chat_id, "typing": True}, colleague.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await customer.close()
    await agent.close()


MOVE = """mutation($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id } errors { code message } } }"""


async def test_a_chat_whose_ticket_moves_away_ends_for_the_customer(server, people):
    """Staff move the chat's ticket to another organization: the customer's chatEvents end
    (NOT_FOUND), and nothing of the chat, typing included, reaches them any more."""
    alice, hero = people["alice"], people["hero"]
    bob = await f.customer(await f.organization("Globex"), name="Bob Other")
    started = (await server.gql(START, {"input": {"summary": "Moving"}}, alice.token))["startChat"]
    chat_id, ticket_id = started["chat"]["id"], started["ticket"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, hero.token)
    customer, customer_op = await listen(server, alice, EVENTS, {"id": chat_id})

    moved = {
        "ticketId": ticket_id,
        "organizationId": f.global_id("Organization", bob.contact.organization_id),
        "primaryContactId": bob.id,
    }
    assert (await server.gql(MOVE, {"input": moved}, hero.token))["updateTicket"]["errors"] == []
    ended = await customer.receive()
    assert ended["id"] == customer_op
    errors = ended["payload"] if ended["type"] == "error" else ended["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    if ended["type"] == "next":
        assert (await customer.receive())["type"] == "complete"
    await server.gql(TYPING, {"id": chat_id, "typing": True}, hero.token)
    await customer.nothing_for(1.0)
    await customer.close()
