"""Chat with a Cyber Hero through the API: who may start, accept, join, leave, write in and
end a chat, what each step writes to the ticket, and that every refusal writes nothing.
The rules that need a running server (the customer-gone timeout, the message rate) run
against a real one."""

import asyncio
from types import SimpleNamespace

import factories as f
import httpx
import pytest
from factories import codes
from live import COMMENT, LiveClient, Server, create_ticket, listen

from helpdesk import models
from helpdesk.models import Chat, ChatMessage, Comment, LogEvent, Status, Ticket
from helpdesk.resolvers import chats, tickets
from helpdesk.resolvers.throttle import Buckets

ERRORS = "errors { code field message }"
OVER = "CHAT_OVER"  # the payload code for a chat that has ended
CHAT_FIELDS = """id state startedAt acceptedAt endedAt customer { name } agent { name }
  ticket { id number channel status summary owner { name } organization { name }
           primaryContact { name } }"""
START = f"""mutation($input: StartChatInput!) {{ startChat(input: $input) {{
  chat {{ {CHAT_FIELDS} }} ticket {{ id number }} {ERRORS} }} }}"""
ACCEPT = f"""mutation($id: ID!) {{ acceptChat(input: {{chatId: $id}}) {{
  chat {{ {CHAT_FIELDS} }} {ERRORS} }} }}"""
JOIN = f"""mutation($id: ID!) {{ joinChat(input: {{chatId: $id}}) {{ chat {{ id }} {ERRORS} }} }}"""
LEAVE = (
    f"""mutation($id: ID!) {{ leaveChat(input: {{chatId: $id}}) {{ chat {{ id }} {ERRORS} }} }}"""
)
END = f"""mutation($id: ID!) {{ endChat(input: {{chatId: $id}}) {{
  chat {{ id state endedAt }} {ERRORS} }} }}"""
SEND = f"""mutation($id: ID!, $body: String!) {{
  sendChatMessage(input: {{chatId: $id, body: $body}}) {{
    message {{ id body sentAt author {{ name }} chat {{ id }} }} {ERRORS} }} }}"""
CHAT = f"""query($id: ID!) {{ node(id: $id) {{ ... on Chat {{ {CHAT_FIELDS}
  messages {{ totalCount nodes {{ id body author {{ name }} }} }} }} }} }}"""
MESSAGE = """query($id: ID!) { node(id: $id) { ... on ChatMessage { body chat { id } } } }"""
TICKET = """query($id: ID!) { node(id: $id) { ... on Ticket {
  status version owner { name }
  comments { nodes { kind body author { name } } }
  history { nodes { kind actor { name } changes { field oldValue newValue } } } } } }"""
LIST = """query($state: ChatState, $first: Int, $after: String) {
  chats(state: $state, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id state } } }"""


@pytest.fixture(autouse=True)
def fresh_message_rate(monkeypatch):
    """The API's message limit is per process and per contact id, and every test's database
    numbers its contacts from 1: each test starts with full buckets, as a new process does."""
    rate = chats.MESSAGE_RATE
    monkeypatch.setattr(chats, "MESSAGE_RATE", Buckets(rate.capacity, rate.capacity / rate.rate))


@pytest.fixture
async def w(client):
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    return SimpleNamespace(
        client=client,
        acme=acme,
        globex=globex,
        alice=await f.customer(acme, name="Alice Archer"),
        anna=await f.customer(acme, name="Anna Alder"),  # Alice's colleague
        bob=await f.customer(globex, name="Bob Baker"),
        hero=await f.agent(name="Hero One"),
        other=await f.agent(name="Hero Two"),
    )


def gid(type_name: str, pk: int) -> str:
    return f.global_id(type_name, pk)


async def call(w, person, query: str, variables: dict, name: str) -> dict:
    """A mutation's payload; a top-level error fails the test."""
    result = await f.gql(w.client, query, variables, as_=person)
    assert result.get("errors") is None, result
    return result["data"][name]


async def start(w, person, **input) -> dict:
    return await call(w, person, START, {"input": input}, "startChat")


async def started(w, person=None, **input) -> str:
    """A new chat's ID, started by Alice unless said otherwise."""
    input.setdefault("summary", "Withdrawal stuck")
    payload = await start(w, person or w.alice, **input)
    assert payload["errors"] == [], payload
    return payload["chat"]["id"]


async def accepted(w, chat_id: str, person=None) -> dict:
    payload = await call(w, person or w.hero, ACCEPT, {"id": chat_id}, "acceptChat")
    assert payload["errors"] == [], payload
    return payload["chat"]


async def send(w, person, chat_id: str, body: str) -> dict:
    return await f.gql(w.client, SEND, {"id": chat_id, "body": body}, as_=person)


async def sent(w, person, chat_id: str, body: str) -> dict:
    result = await send(w, person, chat_id, body)
    assert result.get("errors") is None, result
    payload = result["data"]["sendChatMessage"]
    assert payload["errors"] == [], payload
    return payload["message"]


async def active_chat(w) -> str:
    """Alice's chat, accepted by Hero One, with one message each way."""
    chat_id = await started(w)
    await accepted(w, chat_id)
    await sent(w, w.alice, chat_id, "Hi, my withdrawal is stuck")
    await sent(w, w.hero, chat_id, "Hello Alice, let me look")
    return chat_id


async def view(w, person, node_id: str, query: str = CHAT) -> dict:
    result = await f.gql(w.client, query, {"id": node_id}, as_=person)
    assert result.get("errors") is None, result
    return result["data"]["node"]


def pk(node_id: str) -> int:
    from strawberry import relay

    return int(relay.GlobalID.from_id(node_id).node_id)


async def rows() -> dict[str, int]:
    """Row counts of everything a chat step may write."""
    return {
        "tickets": await Ticket.all().count(),
        "chats": await Chat.all().count(),
        "messages": await ChatMessage.all().count(),
        "comments": await Comment.all().count(),
        "events": await LogEvent.all().count(),
    }


def problems(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def kinds(ticket: dict) -> list[str]:
    return [e["kind"] for e in ticket["history"]["nodes"]]


def transcripts(ticket: dict) -> list[dict]:
    return [c for c in ticket["comments"]["nodes"] if c["kind"] == "CHAT_TRANSCRIPT"]


# --- startChat ---------------------------------------------------------------------------


async def test_customer_starts_a_waiting_chat_on_a_new_chat_ticket(w):
    before = await rows()
    payload = await start(w, w.alice, summary="  Withdrawal stuck  ")
    assert payload["errors"] == []
    chat = payload["chat"]
    assert (chat["state"], chat["customer"]["name"], chat["agent"]) == (
        "WAITING",
        "Alice Archer",
        None,
    )
    assert chat["acceptedAt"] is None and chat["endedAt"] is None
    ticket = chat["ticket"]
    assert ticket["id"] == payload["ticket"]["id"]
    # The defaults of createTicket: the customer's organization, the customer as contact.
    assert ticket == {
        "id": payload["ticket"]["id"],
        "number": payload["ticket"]["number"],
        "channel": "CHAT",
        "status": "OPEN",
        "summary": "Withdrawal stuck",
        "owner": None,
        "organization": {"name": "Acme"},
        "primaryContact": {"name": "Alice Archer"},
    }
    after = await rows()
    assert (after["tickets"], after["chats"]) == (before["tickets"] + 1, before["chats"] + 1)


async def test_customer_starts_a_chat_for_a_colleague(w):
    payload = await start(w, w.alice, summary="For Anna", primaryContactId=w.anna.id)
    assert payload["errors"] == []
    assert payload["chat"]["ticket"]["primaryContact"] == {"name": "Anna Alder"}
    assert payload["chat"]["customer"] == {"name": "Alice Archer"}


@pytest.mark.parametrize("summary", [None, "", "   "])
async def test_a_chat_without_a_ticket_needs_a_summary(w, summary):
    before = await rows()
    input = {} if summary is None else {"summary": summary}
    payload = await start(w, w.alice, **input)
    assert payload["chat"] is None
    assert problems(payload) == [("summary", "REQUIRED")]
    assert await rows() == before


async def test_a_customer_cannot_start_a_chat_for_another_organization(w):
    before = await rows()
    payload = await start(w, w.alice, summary="Hi", organizationId=gid("Organization", w.globex.id))
    assert payload["chat"] is None
    assert ("organizationId", "NOT_FOUND") in problems(payload)
    payload = await start(w, w.alice, summary="Hi", primaryContactId=w.bob.id)
    assert problems(payload) == [("primaryContactId", "NOT_FOUND")]
    assert await rows() == before


@pytest.mark.parametrize("who", ["hero", "admin"])
async def test_staff_cannot_start_chats(w, who):
    person = w.hero if who == "hero" else await f.admin()
    before = await rows()
    result = await f.gql(w.client, START, {"input": {"summary": "Hi"}}, as_=person)
    assert codes(result) == ["FORBIDDEN"]
    assert await rows() == before


async def test_starting_a_chat_needs_a_sign_in(w):
    result = await f.gql(w.client, START, {"input": {"summary": "Hi"}})
    assert codes(result) == ["UNAUTHENTICATED"]
    assert await Chat.all().count() == 0


async def test_chat_now_on_an_existing_ticket_opens_no_new_ticket(w):
    ticket = await f.ticket(w.alice, summary="Staking rewards missing")
    before = await rows()
    # A colleague may chat about a ticket of their organization, too.
    payload = await start(w, w.anna, ticketId=gid("Ticket", ticket.id))
    assert payload["errors"] == []
    chat = payload["chat"]
    assert chat["ticket"]["id"] == gid("Ticket", ticket.id)
    assert chat["ticket"]["summary"] == "Staking rewards missing"
    assert chat["ticket"]["channel"] == "OFFLINE"  # how the ticket came in stays true
    assert chat["customer"] == {"name": "Anna Alder"}
    after = await rows()
    assert (after["tickets"], after["chats"]) == (before["tickets"], before["chats"] + 1)


async def test_chat_now_takes_the_tickets_organization_and_contact(w):
    ticket = await f.ticket(w.alice)
    before = await rows()
    for extra in (
        {"organizationId": gid("Organization", w.acme.id)},
        {"primaryContactId": w.alice.id},
    ):
        payload = await start(w, w.alice, ticketId=gid("Ticket", ticket.id), **extra)
        assert problems(payload) == [("ticketId", "CONFLICTING")]
    assert await rows() == before


async def test_a_ticket_has_one_live_chat_at_a_time(w):
    ticket = await f.ticket(w.alice)
    ticket_id = gid("Ticket", ticket.id)
    first = await started(w, ticketId=ticket_id)
    before = await rows()
    again = await start(w, w.anna, ticketId=ticket_id)
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    await accepted(w, first)
    assert [e["code"] for e in (await start(w, w.alice, ticketId=ticket_id))["errors"]] == [
        "CONFLICT"
    ]
    assert (await rows())["chats"] == before["chats"]
    # Once it has ended, the next chat about the ticket may start.
    assert (await call(w, w.alice, END, {"id": first}, "endChat"))["errors"] == []
    assert await started(w, ticketId=ticket_id) != first


async def test_chat_now_on_a_closed_ticket_is_refused(w):
    ticket = await f.ticket(w.alice)
    await tickets.close(w.alice.viewer, ticket.id, None)
    before = await rows()
    payload = await start(w, w.alice, ticketId=gid("Ticket", ticket.id))
    assert problems(payload) == [("ticketId", "TICKET_CLOSED")]
    assert await rows() == before


async def test_chat_now_on_another_organizations_ticket_is_not_found(w):
    ticket = await f.ticket(w.bob)
    before = await rows()
    result = await f.gql(
        w.client, START, {"input": {"ticketId": gid("Ticket", ticket.id)}}, as_=w.alice
    )
    assert codes(result) == ["NOT_FOUND"]
    missing = await f.gql(
        w.client, START, {"input": {"ticketId": gid("Ticket", 999_999)}}, as_=w.alice
    )
    assert (
        missing["errors"][0]["message"].replace("999999", str(ticket.id))
        == (result["errors"][0]["message"])
    )  # the same answer as for a ticket that does not exist
    assert await rows() == before


# --- acceptChat --------------------------------------------------------------------------


async def test_customers_cannot_accept_chats(w):
    chat_id = await started(w)
    before = await rows()
    for person in (w.alice, w.anna, w.bob):
        result = await f.gql(w.client, ACCEPT, {"id": chat_id}, as_=person)
        assert codes(result) == ["FORBIDDEN"]
    assert await rows() == before
    assert (await view(w, w.alice, chat_id))["state"] == "WAITING"


async def test_accepting_makes_the_agent_the_owner_and_the_ticket_in_progress(w):
    chat_id = await started(w)
    chat = await accepted(w, chat_id)
    assert (chat["state"], chat["agent"]["name"]) == ("ACTIVE", "Hero One")
    assert chat["acceptedAt"] is not None
    ticket = await view(w, w.hero, chat["ticket"]["id"], TICKET)
    assert (ticket["status"], ticket["owner"]["name"]) == ("IN_PROGRESS", "Hero One")
    assert kinds(ticket)[-2:] == ["CHAT_ACCEPTED", "ASSIGNED"]
    assigned = ticket["history"]["nodes"][-1]
    assert assigned["actor"]["name"] == "Hero One"
    assert {c["field"]: [c["oldValue"], c["newValue"]] for c in assigned["changes"]} == {
        "ownerId": [None, w.hero.id],
        "status": ["OPEN", "IN_PROGRESS"],
    }


async def test_accepting_keeps_the_owner_a_ticket_already_has(w):
    ticket = await f.ticket(w.alice)
    await tickets.assign(w.other.viewer, ticket.id, w.other.contact.id, None)
    chat_id = await started(w, ticketId=gid("Ticket", ticket.id))
    assigned = await LogEvent.filter(kind=models.LogKind.ASSIGNED).count()
    chat = await accepted(w, chat_id)
    assert chat["agent"]["name"] == "Hero One"
    assert chat["ticket"]["owner"]["name"] == "Hero Two"
    assert await LogEvent.filter(kind=models.LogKind.ASSIGNED).count() == assigned


async def test_accepting_a_waiting_on_customer_ticket_keeps_its_status(w):
    ticket = await f.ticket(w.alice)
    await tickets.change_status(w.other.viewer, ticket.id, Status.WAITING_ON_CUSTOMER, None)
    await tickets.assign(w.other.viewer, ticket.id, None, None)
    chat_id = await started(w, ticketId=gid("Ticket", ticket.id))
    chat = await accepted(w, chat_id)
    assert chat["ticket"]["owner"]["name"] == "Hero One"
    assert chat["ticket"]["status"] == "WAITING_ON_CUSTOMER"  # only OPEN moves on


async def test_a_chat_is_accepted_once(w):
    chat_id = await started(w)
    await accepted(w, chat_id)
    before = await rows()
    late = await call(w, w.other, ACCEPT, {"id": chat_id}, "acceptChat")
    assert late["chat"] is None
    assert [e["code"] for e in late["errors"]] == ["CONFLICT"]
    assert "Hero One" in late["errors"][0]["message"]
    assert await rows() == before
    chat = await view(w, w.other, chat_id)
    assert (chat["agent"]["name"], chat["ticket"]["owner"]["name"]) == ("Hero One", "Hero One")


async def test_an_ended_chat_cannot_be_accepted(w):
    chat_id = await started(w)
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    before = await rows()
    payload = await call(w, w.hero, ACCEPT, {"id": chat_id}, "acceptChat")
    assert [e["code"] for e in payload["errors"]] == [OVER]
    assert await rows() == before
    chat = await view(w, w.hero, chat_id)
    assert (chat["state"], chat["agent"], chat["ticket"]["owner"]) == ("ENDED", None, None)


# --- sendChatMessage, and who reads what ---------------------------------------------------


async def test_the_customer_and_the_accepting_agent_write_in_the_chat(w):
    chat_id = await started(w)
    await accepted(w, chat_id)
    lines = [(w.alice, "Hi"), (w.hero, "Hello Alice"), (w.alice, "  Thanks  ")]
    for person, body in lines:
        message = await sent(w, person, chat_id, body)
        assert message["body"] == body.strip()
        assert message["author"]["name"] == person.contact.name
        assert message["chat"]["id"] == chat_id
    chat = await view(w, w.alice, chat_id)
    assert [(m["author"]["name"], m["body"]) for m in chat["messages"]["nodes"]] == [
        ("Alice Archer", "Hi"),
        ("Hero One", "Hello Alice"),
        ("Alice Archer", "Thanks"),
    ]


async def test_the_customer_may_write_while_the_chat_waits(w):
    chat_id = await started(w)
    await sent(w, w.alice, chat_id, "Anyone there?")
    result = await send(w, w.hero, chat_id, "Not before accepting")
    assert codes(result) == ["FORBIDDEN"]


async def test_a_colleague_reads_the_chat_but_cannot_write_in_it(w):
    chat_id = await active_chat(w)
    message_id = (await view(w, w.alice, chat_id))["messages"]["nodes"][0]["id"]
    chat = await view(w, w.anna, chat_id)
    assert chat["messages"]["totalCount"] == 2
    assert (await view(w, w.anna, message_id, MESSAGE))["chat"]["id"] == chat_id
    before = await rows()
    result = await send(w, w.anna, chat_id, "Me too!")
    assert codes(result) == ["FORBIDDEN"]
    assert await rows() == before


async def test_staff_who_did_not_join_read_the_chat_but_cannot_write_in_it(w):
    chat_id = await active_chat(w)
    assert (await view(w, w.other, chat_id))["messages"]["totalCount"] == 2
    before = await rows()
    assert codes(await send(w, w.other, chat_id, "Hi from me")) == ["FORBIDDEN"]
    assert await rows() == before


async def test_another_organization_finds_nothing_of_the_chat(w):
    chat_id = await active_chat(w)
    message_id = (await view(w, w.alice, chat_id))["messages"]["nodes"][0]["id"]
    before = await rows()
    for node_id, query in ((chat_id, CHAT), (message_id, MESSAGE)):
        result = await f.gql(w.client, query, {"id": node_id}, as_=w.bob)
        assert (result["data"], codes(result)) == (None, ["NOT_FOUND"])
    nodes = await f.gql(
        w.client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [chat_id, message_id]},
        as_=w.bob,
    )
    assert nodes["data"] == {"nodes": [None, None]}
    assert codes(await send(w, w.bob, chat_id, "Hello?")) == ["NOT_FOUND"]
    assert codes(await f.gql(w.client, END, {"id": chat_id}, as_=w.bob)) == ["NOT_FOUND"]
    # Joining is for staff: Bob hears that, as he would for a chat of his own.
    assert codes(await f.gql(w.client, JOIN, {"id": chat_id}, as_=w.bob)) == ["FORBIDDEN"]
    listed = await f.gql(w.client, LIST, {}, as_=w.bob)
    assert listed["data"]["chats"]["totalCount"] == 0
    assert await rows() == before


async def test_a_missing_chat_is_not_found_and_a_wrong_id_is_invalid(w):
    result = await send(w, w.alice, gid("Chat", 999_999), "Hi")
    assert codes(result) == ["NOT_FOUND"]
    payload = (await send(w, w.alice, w.alice.id, "Hi"))["data"]["sendChatMessage"]
    assert problems(payload) == [("chatId", "INVALID_ID")]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "REQUIRED"),
        ("   ", "REQUIRED"),
        ("x" * (chats.MAX_MESSAGE + 1), "TOO_LONG"),
    ],
)
async def test_a_bad_message_is_refused_and_writes_nothing(w, body, code):
    chat_id = await started(w)
    await accepted(w, chat_id)
    before = await rows()
    for person in (w.alice, w.hero):
        payload = (await send(w, person, chat_id, body))["data"]["sendChatMessage"]
        assert payload["message"] is None
        assert problems(payload) == [("body", code)]
    assert await rows() == before


async def test_a_message_with_a_nul_is_refused_before_it_reaches_the_chat(w):
    chat_id = await started(w)
    before = await rows()
    assert codes(await send(w, w.alice, chat_id, "a\x00b")) == ["INVALID_TEXT"]
    assert await rows() == before


async def test_a_message_of_the_longest_length_is_kept_whole(w):
    chat_id = await started(w)
    body = "y" * chats.MAX_MESSAGE
    assert (await sent(w, w.alice, chat_id, body))["body"] == body


async def test_a_full_chat_takes_no_more_messages(w):
    chat_id = await started(w)
    await accepted(w, chat_id)
    # A chat that has reached the limit: its messages written in one go, as if sent.
    sent_at = (await Chat.get(id=pk(chat_id))).started_at
    await ChatMessage.bulk_create(
        ChatMessage(chat_id=pk(chat_id), author_id=w.alice.contact.id, body="x", sent_at=sent_at)
        for _ in range(chats.MAX_MESSAGES)
    )
    before = await rows()
    payload = (await send(w, w.hero, chat_id, "One more"))["data"]["sendChatMessage"]
    assert problems(payload) == [("body", "TOO_MANY")]
    assert await rows() == before
    # Ending it still works: the transcript holds every message.
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    transcript = await Comment.get(kind=models.CommentKind.CHAT_TRANSCRIPT)
    assert len(transcript.body.splitlines()) == 1 + chats.MAX_MESSAGES


async def test_an_ended_chat_takes_no_more_messages(w):
    chat_id = await active_chat(w)
    assert (await call(w, w.hero, END, {"id": chat_id}, "endChat"))["errors"] == []
    before = await rows()
    for person in (w.alice, w.hero):
        payload = (await send(w, person, chat_id, "One more thing"))["data"]["sendChatMessage"]
        assert [e["code"] for e in payload["errors"]] == [OVER]
    assert await rows() == before


# --- joinChat and leaveChat ----------------------------------------------------------------


async def test_a_second_agent_joins_writes_and_leaves(w):
    chat_id = await active_chat(w)
    joined = await call(w, w.other, JOIN, {"id": chat_id}, "joinChat")
    assert joined["errors"] == [] and joined["chat"]["id"] == chat_id
    await sent(w, w.other, chat_id, "Hero Two here, I know this one")
    events = await LogEvent.all().count()
    # Joining again changes nothing.
    assert (await call(w, w.other, JOIN, {"id": chat_id}, "joinChat"))["errors"] == []
    assert await LogEvent.all().count() == events

    left = await call(w, w.other, LEAVE, {"id": chat_id}, "leaveChat")
    assert left["errors"] == []
    before = await rows()
    assert codes(await send(w, w.other, chat_id, "Still here?")) == ["FORBIDDEN"]
    assert await rows() == before
    again = await call(w, w.other, LEAVE, {"id": chat_id}, "leaveChat")
    assert problems(again) == [(None, "NOT_ALLOWED")]
    # The chat goes on without them, and they may come back.
    await sent(w, w.hero, chat_id, "Thanks, Hero Two")
    assert (await call(w, w.other, JOIN, {"id": chat_id}, "joinChat"))["errors"] == []
    await sent(w, w.other, chat_id, "Back again")

    chat = await view(w, w.hero, chat_id)
    ticket = await view(w, w.hero, chat["ticket"]["id"], TICKET)
    steps = [
        (e["kind"], e["actor"]["name"]) for e in ticket["history"]["nodes"] if "CHAT" in e["kind"]
    ]
    assert steps == [
        ("CHAT_STARTED", "Alice Archer"),
        ("CHAT_ACCEPTED", "Hero One"),
        ("CHAT_JOINED", "Hero Two"),
        ("CHAT_LEFT", "Hero Two"),
        ("CHAT_JOINED", "Hero Two"),
    ]


async def test_the_accepting_agent_cannot_leave_the_chat(w):
    chat_id = await active_chat(w)
    before = await rows()
    payload = await call(w, w.hero, LEAVE, {"id": chat_id}, "leaveChat")
    assert problems(payload) == [(None, "NOT_ALLOWED")]
    assert "end it" in payload["errors"][0]["message"]
    assert await rows() == before
    await sent(w, w.hero, chat_id, "Still here")


async def test_a_waiting_chat_cannot_be_joined(w):
    chat_id = await started(w)
    before = await rows()
    payload = await call(w, w.other, JOIN, {"id": chat_id}, "joinChat")
    assert problems(payload) == [(None, "NOT_ALLOWED")]
    assert await rows() == before
    assert codes(await send(w, w.other, chat_id, "Hi")) == ["FORBIDDEN"]


async def test_customers_cannot_join_or_leave_and_an_ended_chat_neither(w):
    chat_id = await active_chat(w)
    for query in (JOIN, LEAVE):
        assert codes(await f.gql(w.client, query, {"id": chat_id}, as_=w.anna)) == ["FORBIDDEN"]
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    before = await rows()
    for query, name in ((JOIN, "joinChat"), (LEAVE, "leaveChat")):
        payload = await call(w, w.other, query, {"id": chat_id}, name)
        assert [e["code"] for e in payload["errors"]] == [OVER]
    assert await rows() == before


# --- endChat and the transcript ---------------------------------------------------------------


async def test_the_customer_ends_the_chat_and_its_transcript_lands_on_the_ticket_once(w):
    chat_id = await started(w)
    await accepted(w, chat_id)
    await call(w, w.other, JOIN, {"id": chat_id}, "joinChat")
    lines = [
        (w.alice, "Hi, my withdrawal is stuck"),
        (w.hero, "Hello Alice, which network?"),
        (w.alice, "Ethereum"),
        (w.other, "It is on our side, we are on it"),
        (w.alice, "Thanks!"),
    ]
    for person, body in lines:
        await sent(w, person, chat_id, body)
    ticket_id = (await view(w, w.alice, chat_id))["ticket"]["id"]
    status = (await view(w, w.alice, ticket_id, TICKET))["status"]

    ended = await call(w, w.alice, END, {"id": chat_id}, "endChat")
    assert ended["errors"] == []
    assert ended["chat"]["state"] == "ENDED" and ended["chat"]["endedAt"] is not None

    ticket = await view(w, w.alice, ticket_id, TICKET)
    assert ticket["status"] == status == "IN_PROGRESS"  # the ticket stays open
    (transcript,) = transcripts(ticket)
    assert transcript["author"]["name"] == "Alice Archer"
    body = transcript["body"]
    assert body.startswith("Chat with Alice Archer, ")
    found = [body.index(f"] {person.contact.name}: {text}\n") for person, text in lines[:-1]]
    found.append(body.index("] Alice Archer: Thanks!"))
    assert found == sorted(found)
    assert len(body.splitlines()) == 1 + len(lines)
    last = ticket["history"]["nodes"][-2:]
    assert [e["kind"] for e in last] == ["CHAT_ENDED", "COMMENT_ADDED"]
    assert {c["field"]: c["newValue"] for c in last[0]["changes"]}["reason"] == "ended"


async def test_any_staff_member_may_end_a_chat(w):
    chat_id = await active_chat(w)
    ended = await call(w, w.other, END, {"id": chat_id}, "endChat")  # never joined
    assert ended["errors"] == []
    ticket = await view(w, w.hero, (await view(w, w.hero, chat_id))["ticket"]["id"], TICKET)
    (transcript,) = transcripts(ticket)
    assert transcript["author"]["name"] == "Hero Two"


async def test_a_colleague_cannot_end_the_chat_and_nothing_is_written(w):
    chat_id = await active_chat(w)
    before = await rows()
    result = await f.gql(w.client, END, {"id": chat_id}, as_=w.anna)
    assert codes(result) == ["FORBIDDEN"]
    assert await rows() == before
    chat = await view(w, w.alice, chat_id)
    assert chat["state"] == "ACTIVE" and chat["endedAt"] is None
    assert transcripts(await view(w, w.alice, chat["ticket"]["id"], TICKET)) == []


async def test_ending_twice_leaves_one_transcript(w):
    chat_id = await active_chat(w)
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    before = await rows()
    again = await call(w, w.hero, END, {"id": chat_id}, "endChat")
    assert [e["code"] for e in again["errors"]] == [OVER]
    assert await rows() == before


async def test_a_chat_without_messages_still_gets_its_transcript(w):
    chat_id = await started(w)
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    chat = await view(w, w.alice, chat_id)
    assert (chat["state"], chat["acceptedAt"]) == ("ENDED", None)
    ticket = await view(w, w.alice, chat["ticket"]["id"], TICKET)
    (transcript,) = transcripts(ticket)
    assert transcript["body"].splitlines()[1:] == ["(no messages)"]
    assert ticket["status"] == "OPEN"


async def test_the_transcript_and_the_end_are_written_together(w):
    """The end and its transcript are one transaction: the chat is ENDED exactly when the
    ticket holds its transcript, and a refused end leaves neither."""
    first = await active_chat(w)
    second = await started(w, summary="Another question")
    assert codes(await f.gql(w.client, END, {"id": first}, as_=w.anna)) == ["FORBIDDEN"]
    assert (await call(w, w.hero, END, {"id": second}, "endChat"))["errors"] == []
    for chat in await Chat.all():
        held = await Comment.filter(
            ticket_id=chat.ticket_id, kind=models.CommentKind.CHAT_TRANSCRIPT
        ).count()
        ended = await LogEvent.filter(chat_id=chat.id, kind=models.LogKind.CHAT_ENDED).count()
        expected = 1 if chat.state is models.ChatState.ENDED else 0
        assert (held, ended) == (expected, expected), chat.id
    assert {c.id: c.state for c in await Chat.all()} == {
        pk(first): models.ChatState.ACTIVE,
        pk(second): models.ChatState.ENDED,
    }


# --- history and the list of chats --------------------------------------------------------------


async def test_ticket_history_shows_the_chat_steps_but_not_each_message(w):
    chat_id = await active_chat(w)
    assert (await call(w, w.alice, END, {"id": chat_id}, "endChat"))["errors"] == []
    ticket_id = (await view(w, w.alice, chat_id))["ticket"]["id"]
    for person in (w.alice, w.hero):
        history = kinds(await view(w, person, ticket_id, TICKET))
        assert history == [
            "TICKET_CREATED",
            "CHAT_STARTED",
            "CHAT_ACCEPTED",
            "ASSIGNED",
            "CHAT_ENDED",
            "COMMENT_ADDED",
        ]
    # The messages are in the audit trail all the same.
    assert await LogEvent.filter(kind=models.LogKind.CHAT_MESSAGE).count() == 2


async def test_chats_lists_what_the_viewer_may_see_newest_first(w):
    first = await started(w, summary="One")
    second = await started(w, w.anna, summary="Two")
    bobs = await started(w, w.bob, summary="Bob's")
    await accepted(w, second)

    async def listed(person, **variables) -> dict:
        result = await f.gql(w.client, LIST, variables, as_=person)
        assert result.get("errors") is None, result
        return result["data"]["chats"]

    staff = await listed(w.hero)
    assert [n["id"] for n in staff["nodes"]] == [bobs, second, first]
    assert staff["totalCount"] == 3
    for person in (w.alice, w.anna):
        assert [n["id"] for n in (await listed(person))["nodes"]] == [second, first]
    assert [n["id"] for n in (await listed(w.bob))["nodes"]] == [bobs]
    assert [n["id"] for n in (await listed(w.hero, state="WAITING"))["nodes"]] == [bobs, first]
    assert [n["id"] for n in (await listed(w.alice, state="ACTIVE"))["nodes"]] == [second]
    assert (await listed(w.alice, state="ENDED"))["totalCount"] == 0

    page = await listed(w.hero, first=2)
    assert [n["id"] for n in page["nodes"]] == [bobs, second]
    assert page["pageInfo"]["hasNextPage"] is True and page["totalCount"] == 3
    rest = await listed(w.hero, first=2, after=page["pageInfo"]["endCursor"])
    assert [n["id"] for n in rest["nodes"]] == [first]
    assert rest["pageInfo"]["hasNextPage"] is False


TICKET_CHATS = """query($id: ID!) { node(id: $id) { ... on Ticket {
  activeChat { id state } chats { totalCount nodes { id state } } } } }"""


async def test_a_ticket_shows_its_chats_and_the_one_still_live(w):
    first = await start(w, w.alice, summary="Withdrawal stuck")
    ticket_id, first_id = first["ticket"]["id"], first["chat"]["id"]

    async def chats_of(person) -> tuple[dict | None, list[tuple[str, str]]]:
        ticket = await view(w, person, ticket_id, TICKET_CHATS)
        return ticket["activeChat"], [(n["id"], n["state"]) for n in ticket["chats"]["nodes"]]

    for person in (w.alice, w.anna, w.hero):
        assert await chats_of(person) == (
            {"id": first_id, "state": "WAITING"},
            [(first_id, "WAITING")],
        )
    await accepted(w, first_id)
    assert (await chats_of(w.anna))[0] == {"id": first_id, "state": "ACTIVE"}
    await call(w, w.alice, END, {"id": first_id}, "endChat")
    assert await chats_of(w.hero) == (None, [(first_id, "ENDED")])

    second_id = await started(w, ticketId=ticket_id)
    assert await chats_of(w.alice) == (
        {"id": second_id, "state": "WAITING"},
        [(first_id, "ENDED"), (second_id, "WAITING")],
    )
    # Another organization's customer finds neither the ticket nor its chats.
    result = await f.gql(w.client, TICKET_CHATS, {"id": ticket_id}, as_=w.bob)
    assert (result["data"], codes(result)) == (None, ["NOT_FOUND"])


async def test_chats_need_a_sign_in(w):
    assert codes(await f.gql(w.client, LIST, {})) == ["UNAUTHENTICATED"]


# --- on a real server: the message rate and the customer-gone timeout ---------------------------


async def _post(server: Server, query: str, variables: dict, person) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{server.http_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {person.token}"},
        )
    response.raise_for_status()
    return response.json()


async def test_a_flood_of_chat_messages_is_rate_limited(server, world):
    alice, agent = world["alice"], world["agent"]
    data = await server.gql(START, {"input": {"summary": "Flood"}}, alice.token)
    chat_id = data["startChat"]["chat"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, agent.token)
    variables = {"id": chat_id, "body": "spam"}
    answers = await asyncio.gather(*(_post(server, SEND, variables, alice) for _ in range(40)))
    outcomes = [codes(a) for a in answers]
    assert all(c in ([], ["RATE_LIMITED"]) for c in outcomes), outcomes
    passed = outcomes.count([])
    assert 20 <= passed < 40  # the burst of 20 passes, then refusals
    limited = next(a["errors"][0] for a in answers if codes(a) == ["RATE_LIMITED"])
    assert limited["extensions"]["retryAfter"] >= 1
    assert "chat messages" in limited["message"]
    # A refused message writes nothing; the limit is Alice's, not the chat's.
    assert await ChatMessage.filter(chat_id=pk(chat_id)).count() == passed
    answer = await _post(server, SEND, {"id": chat_id, "body": "agent here"}, agent)
    assert answer["data"]["sendChatMessage"]["errors"] == [], answer


TIMEOUT_ENV = {"HELPDESK_CHAT_CUSTOMER_TIMEOUT_SECONDS": "1", "HELPDESK_TAILER_POLL_SECONDS": "0.2"}
EVENTS = """subscription($id: ID!) { chatEvents(chatId: $id) { kind message { body } } }"""


@pytest.fixture
async def quick_server(database_url):
    """A server whose chats end one second after their customer has gone."""
    server = Server(database_url, TIMEOUT_ENV)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def _state(server: Server, chat_id: str, person) -> str:
    return (await server.gql(CHAT, {"id": chat_id}, person.token))["node"]["state"]


async def _ends_within(server: Server, chat_id: str, person, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while await _state(server, chat_id, person) != "ENDED":
        assert asyncio.get_running_loop().time() < deadline, "the chat did not end"
        await asyncio.sleep(0.2)


async def test_a_chat_whose_customer_is_gone_ends_by_itself(quick_server, world):
    server, alice, agent = quick_server, world["alice"], world["agent"]
    data = await server.gql(START, {"input": {"summary": "Gone"}}, alice.token)
    chat_id, ticket_id = data["startChat"]["chat"]["id"], data["startChat"]["ticket"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, agent.token)
    # The agent listening changes nothing: only the customer's presence counts.
    agent_socket, agent_op = await listen(server, agent, EVENTS, {"id": chat_id})
    for person, body in ((alice, "Hello?"), (agent, "Hi, one moment")):
        answer = await server.gql(SEND, {"id": chat_id, "body": body}, person.token)
        assert answer["sendChatMessage"]["errors"] == []
    assert [(await agent_socket.next(agent_op))["data"]["chatEvents"]["kind"] for _ in "ab"] == [
        "MESSAGE",
        "MESSAGE",
    ]

    await _ends_within(server, chat_id, agent, 15)
    ended = (await agent_socket.next(agent_op))["data"]["chatEvents"]
    assert ended["kind"] == "ENDED"
    await agent_socket.close()
    ticket = (await server.gql(TICKET, {"id": ticket_id}, agent.token))["node"]
    (transcript,) = transcripts(ticket)
    assert transcript["author"] is None  # the server ended it
    assert f"{alice.contact.name}: Hello?" in transcript["body"]
    assert f"{agent.contact.name}: Hi, one moment" in transcript["body"]
    assert ticket["status"] == "IN_PROGRESS"
    (event,) = [e for e in ticket["history"]["nodes"] if e["kind"] == "CHAT_ENDED"]
    assert event["actor"] is None
    changes = {c["field"]: [c["oldValue"], c["newValue"]] for c in event["changes"]}
    assert changes == {"chatState": ["ACTIVE", "ENDED"], "reason": [None, "customerGone"]}


async def test_a_waiting_chat_whose_customer_is_gone_ends_too(quick_server, world):
    server, alice = quick_server, world["alice"]
    data = await server.gql(START, {"input": {"summary": "Nobody came"}}, alice.token)
    chat_id = data["startChat"]["chat"]["id"]
    await _ends_within(server, chat_id, alice, 15)
    ticket = await server.gql(TICKET, {"id": data["startChat"]["ticket"]["id"]}, alice.token)
    (transcript,) = transcripts(ticket["node"])
    assert transcript["body"].endswith("(no messages)")


async def test_a_chat_whose_customer_keeps_listening_does_not_end(quick_server, world):
    server, alice, agent = quick_server, world["alice"], world["agent"]
    data = await server.gql(START, {"input": {"summary": "Still here"}}, alice.token)
    chat_id = data["startChat"]["chat"]["id"]
    await server.gql(ACCEPT, {"id": chat_id}, agent.token)
    customer = await LiveClient.connect(server, alice.token)
    await customer.acked()
    await customer.subscribe(EVENTS, {"id": chat_id})
    # Meanwhile the help desk is busy: events on another ticket, faster than the timeout.
    other = await create_ticket(server, world["alice"])
    for n in range(40):
        comment = {"ticketId": other["id"], "body": f"busy {n}"}
        await server.gql(COMMENT, {"input": comment}, agent.token)
        await asyncio.sleep(0.15)
    assert await _state(server, chat_id, alice) == "ACTIVE"
    await customer.close()
    # Once the socket is gone, so is the customer.
    await _ends_within(server, chat_id, alice, 15)
