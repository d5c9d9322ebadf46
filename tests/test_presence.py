"""Who else is on a ticket right now: agents see each other arrive, reply, write notes and
leave; a customer sees staff only as "a Cyber Hero" who never writes a note, and never a
customer of another organization. Nothing of it reaches the database."""

import asyncio
import json

import factories as f
import httpx
import pytest
from live import UPDATE, LiveClient, Server, closed, create_ticket

from helpdesk import models

PRESENCE = """subscription($id: ID!) { ticketPresence(ticketId: $id) {
  ticketId people { contact { id name } displayName isStaff state since } } }"""
SET = """mutation($input: SetTicketPresenceInput!) { setTicketPresence(input: $input) {
  presence { ticketId people { contact { id } displayName isStaff state } }
  errors { code field message } } }"""
WAIT = 15  # generous for a loaded CI machine: each change arrives well within a second


@pytest.fixture
async def quick_server(database_url):
    """A server whose REPLYING and NOTE lapse after one second."""
    server = Server(database_url, {"HELPDESK_PRESENCE_TIMEOUT_SECONDS": "1"})
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def arrive(server, person, ticket) -> tuple[LiveClient, str, list[tuple]]:
    """Opens a socket, subscribes to the ticket's presence: the socket, the operation and
    the people it was shown at once."""
    client = await LiveClient.connect(server, person.token)
    await client.acked()
    op = await client.subscribe(PRESENCE, {"id": ticket["id"]})
    return client, op, await pushed(client, op)


async def pushed(client: LiveClient, op: str) -> list[tuple]:
    """The next push, as (displayName, state) per person, oldest arrival first."""
    payload = await client.next(op, timeout=WAIT)
    assert "errors" not in payload, payload
    return [(p["displayName"], p["state"]) for p in payload["data"]["ticketPresence"]["people"]]


async def set_presence(server, person, ticket, state) -> dict:
    data = await server.gql(
        SET, {"input": {"ticketId": ticket["id"], "state": state}}, person.token
    )
    return data["setTicketPresence"]


def name(person) -> str:
    return person.contact.name


async def test_two_agents_see_each_other_arrive_reply_write_a_note_and_leave(server, world):
    ticket = await create_ticket(server, world["alice"])
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ann_socket, ann_op, first = await arrive(server, ann, ticket)
    assert first == [("Ann", "VIEWING")]
    bea_socket, bea_op, first = await arrive(server, bea, ticket)
    assert first == [("Ann", "VIEWING"), ("Bea", "VIEWING")]
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]

    for state in ("REPLYING", "NOTE", None):
        result = await set_presence(server, bea, ticket, state)
        expected = [("Ann", "VIEWING"), ("Bea", state or "VIEWING")]
        assert result["errors"] == []
        assert [(p["displayName"], p["state"]) for p in result["presence"]["people"]] == expected
        assert await pushed(ann_socket, ann_op) == expected
        assert await pushed(bea_socket, bea_op) == expected

    await bea_socket.ws.send(json.dumps({"id": bea_op, "type": "complete"}))
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING")]
    await bea_socket.close()
    await ann_socket.close()


async def test_an_agent_whose_socket_closes_leaves_at_once_even_mid_note(server, world):
    ticket = await create_ticket(server, world["alice"])
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ann_socket, ann_op, _ = await arrive(server, ann, ticket)
    bea_socket, _, _ = await arrive(server, bea, ticket)
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]
    await set_presence(server, bea, ticket, "NOTE")
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "NOTE")]

    await bea_socket.close()
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING")]
    await ann_socket.close()


async def test_the_agent_sees_the_customer_by_name_and_contact(server, world):
    alice, agent = world["alice"], world["agent"]
    ticket = await create_ticket(server, alice)
    alice_socket, _, _ = await arrive(server, alice, ticket)
    agent_socket, agent_op, _ = await arrive(server, agent, ticket)
    payload = await set_presence(server, alice, ticket, "REPLYING")
    assert [p["state"] for p in payload["presence"]["people"]] == ["REPLYING", "VIEWING"]

    people = (await agent_socket.next(agent_op, WAIT))["data"]["ticketPresence"]["people"]
    assert [(p["contact"], p["displayName"], p["isStaff"], p["state"]) for p in people] == [
        ({"id": alice.id, "name": name(alice)}, name(alice), False, "REPLYING"),
        ({"id": agent.id, "name": name(agent)}, name(agent), True, "VIEWING"),
    ]
    await alice_socket.close()
    await agent_socket.close()


async def test_a_customer_sees_staff_as_an_anonymous_cyber_hero_who_never_writes_a_note(
    server, world
):
    alice, agent = world["alice"], world["agent"]
    ticket = await create_ticket(server, alice)
    alice_socket, alice_op, _ = await arrive(server, alice, ticket)
    agent_socket, _, _ = await arrive(server, agent, ticket)
    people = (await alice_socket.next(alice_op, WAIT))["data"]["ticketPresence"]["people"]
    hero = people[1]
    assert (hero["contact"], hero["displayName"], hero["isStaff"]) == (None, "a Cyber Hero", True)
    assert people[0]["contact"] == {"id": alice.id, "name": name(alice)}

    # Writing a note looks like viewing to a customer: nothing is even pushed.
    await set_presence(server, agent, ticket, "NOTE")
    await alice_socket.nothing_for(1.0)
    await set_presence(server, agent, ticket, "REPLYING")
    assert await pushed(alice_socket, alice_op) == [
        (name(alice), "VIEWING"),
        ("a Cyber Hero", "REPLYING"),
    ]
    await set_presence(server, agent, ticket, "NOTE")
    assert await pushed(alice_socket, alice_op) == [
        (name(alice), "VIEWING"),
        ("a Cyber Hero", "VIEWING"),
    ]
    # Nor does the customer's own answer say who it is, or that a note is written.
    answer = await set_presence(server, alice, ticket, None)
    assert answer["presence"]["people"][1] == {
        "contact": None,
        "displayName": "a Cyber Hero",
        "isStaff": True,
        "state": "VIEWING",
    }
    await alice_socket.close()
    await agent_socket.close()


async def test_a_customer_of_another_organization_is_not_found_and_never_appears(server, world):
    alice, bob, agent = world["alice"], world["bob"], world["agent"]
    ticket = await create_ticket(server, alice)
    agent_socket, _, _ = await arrive(server, agent, ticket)

    bob_socket = await LiveClient.connect(server, bob.token)
    await bob_socket.acked()
    op = await bob_socket.subscribe(PRESENCE, {"id": ticket["id"]})
    message = await bob_socket.receive(WAIT)
    assert message["id"] == op
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]

    answer = await _post(
        server, SET, {"input": {"ticketId": ticket["id"], "state": "REPLYING"}}, bob
    )
    assert f.codes(answer) == ["NOT_FOUND"]
    await agent_socket.nothing_for(1.0)  # bob never showed
    await bob_socket.close()
    await agent_socket.close()


async def test_a_ticket_moved_to_another_organization_takes_its_old_customers_off_it(server, world):
    alice, bob, agent = world["alice"], world["bob"], world["agent"]
    carol = await f.customer(world["acme"])  # on it over HTTP only, for 15 s
    ticket = await create_ticket(server, alice)
    agent_socket, agent_op, _ = await arrive(server, agent, ticket)
    alice_socket, alice_op, _ = await arrive(server, alice, ticket)
    await set_presence(server, carol, ticket, "REPLYING")
    assert await pushed(agent_socket, agent_op) == [
        (name(agent), "VIEWING"),
        (name(alice), "VIEWING"),
    ]
    assert await pushed(agent_socket, agent_op) == [
        (name(agent), "VIEWING"),
        (name(alice), "VIEWING"),
        (name(carol), "REPLYING"),
    ]
    assert await pushed(alice_socket, alice_op) == [
        ("a Cyber Hero", "VIEWING"),
        (name(alice), "VIEWING"),
        (name(carol), "REPLYING"),
    ]

    globex = await models.Organization.get(name="Globex")
    move = {
        "ticketId": ticket["id"],
        "organizationId": f.global_id("Organization", globex.id),
        "primaryContactId": bob.id,
    }
    await server.gql(UPDATE, {"input": move}, agent.token)

    assert await pushed(agent_socket, agent_op) == [(name(agent), "VIEWING")]
    ended = (await alice_socket.next(alice_op, WAIT))["errors"]
    assert [e["extensions"]["code"] for e in ended] == ["NOT_FOUND"]
    # Globex's customer may come now, and sees only who is on it: no Acme customer.
    bob_socket, _, first = await arrive(server, bob, ticket)
    assert first == [("a Cyber Hero", "VIEWING"), (name(bob), "VIEWING")]
    for socket in (agent_socket, alice_socket, bob_socket):
        await socket.close()


async def test_a_customer_may_not_write_a_note_and_nothing_changes(server, world):
    alice, agent = world["alice"], world["agent"]
    ticket = await create_ticket(server, alice)
    agent_socket, agent_op, _ = await arrive(server, agent, ticket)
    alice_socket, _, _ = await arrive(server, alice, ticket)
    assert await pushed(agent_socket, agent_op) == [
        (name(agent), "VIEWING"),
        (name(alice), "VIEWING"),
    ]

    answer = await set_presence(server, alice, ticket, "NOTE")
    assert answer["presence"] is None
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [("NOT_ALLOWED", "state")]
    await agent_socket.nothing_for(1.0)
    await alice_socket.close()
    await agent_socket.close()


async def test_a_closed_ticket_may_still_be_viewed(server, world):
    alice = world["alice"]
    ticket = await create_ticket(server, alice)
    close = (
        """mutation($input: CloseTicketInput!) { closeTicket(input: $input) { errors { code } } }"""
    )
    assert (await server.gql(close, {"input": {"ticketId": ticket["id"]}}, alice.token))[
        "closeTicket"
    ]["errors"] == []
    alice_socket, _, first = await arrive(server, alice, ticket)
    assert first == [(name(alice), "VIEWING")]
    await alice_socket.close()


async def test_replying_lapses_back_to_viewing_when_not_sent_again(quick_server, world):
    ticket = await create_ticket(quick_server, world["alice"])
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ann_socket, ann_op, _ = await arrive(quick_server, ann, ticket)
    bea_socket, _, _ = await arrive(quick_server, bea, ticket)
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]

    await set_presence(quick_server, bea, ticket, "REPLYING")
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "REPLYING")]
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]
    await bea_socket.close()
    await ann_socket.close()


async def test_presence_set_over_http_alone_shows_then_expires(quick_server, world):
    ticket = await create_ticket(quick_server, world["alice"])
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ann_socket, ann_op, _ = await arrive(quick_server, ann, ticket)

    await set_presence(quick_server, bea, ticket, "REPLYING")
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "REPLYING")]
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING")]

    # Leaving (null) takes them off at once.
    await set_presence(quick_server, bea, ticket, "VIEWING")
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]
    await set_presence(quick_server, bea, ticket, None)
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING")]
    await ann_socket.close()


async def test_one_person_in_two_tabs_shows_once_and_each_tab_is_told_at_once(server, world):
    ticket = await create_ticket(server, world["alice"])
    ann, bea = await f.agent(name="Ann"), await f.agent(name="Bea")
    ann_socket, ann_op, _ = await arrive(server, ann, ticket)
    tabs = [await arrive(server, bea, ticket) for _ in range(2)]
    assert [first for _, _, first in tabs] == [[("Ann", "VIEWING"), ("Bea", "VIEWING")]] * 2
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING"), ("Bea", "VIEWING")]

    await tabs[0][0].close()
    await ann_socket.nothing_for(1.0)  # Bea is still there in her other tab
    await tabs[1][0].close()
    assert await pushed(ann_socket, ann_op) == [("Ann", "VIEWING")]
    await ann_socket.close()


async def test_a_deactivated_customer_leaves_with_their_socket(server, world):
    alice, agent = world["alice"], world["agent"]
    ticket = await create_ticket(server, alice)
    agent_socket, agent_op, _ = await arrive(server, agent, ticket)
    alice_socket, _, _ = await arrive(server, alice, ticket)
    assert await pushed(agent_socket, agent_op) == [
        (name(agent), "VIEWING"),
        (name(alice), "VIEWING"),
    ]

    deactivate = """mutation($input: ContactIdInput!) {
      deactivateContact(input: $input) { errors { code } } }"""
    await server.gql(deactivate, {"input": {"contactId": alice.id}}, world["admin"].token)
    assert (await closed(alice_socket))[0] == 4403
    assert await pushed(agent_socket, agent_op) == [(name(agent), "VIEWING")]
    await agent_socket.close()


async def test_presence_changes_write_nothing_to_the_database(server, world):
    agent = world["agent"]
    ticket = await create_ticket(server, world["alice"])
    row = await models.Ticket.get(id=models.ticket_id_of(ticket["number"]))
    events = await models.LogEvent.all().count()
    agent_socket, _, _ = await arrive(server, agent, ticket)
    for state in ["REPLYING", "NOTE", "VIEWING", None] * 3:
        assert (await set_presence(server, agent, ticket, state))["errors"] == []
    await agent_socket.close()

    assert await models.LogEvent.all().count() == events
    again = await models.Ticket.get(id=row.id)
    assert (again.version, again.updated_at) == (row.version, row.updated_at)


async def test_a_flood_of_presence_changes_is_rate_limited(server, world):
    agent = world["agent"]
    ticket = await create_ticket(server, world["alice"])
    variables = {"input": {"ticketId": ticket["id"], "state": "REPLYING"}}
    answers = await asyncio.gather(*(_post(server, SET, variables, agent) for _ in range(60)))
    codes = [f.codes(a) for a in answers]
    assert codes.count([]) >= 20  # the burst passes
    limited = [a["errors"][0] for a in answers if f.codes(a) == ["RATE_LIMITED"]]
    assert limited and limited[0]["extensions"]["retryAfter"] >= 1
    assert all(c in ([], ["RATE_LIMITED"]) for c in codes)


async def test_a_ticket_id_of_another_type_is_a_clear_error(server, world):
    agent = world["agent"]
    answer = await set_presence(server, agent, {"id": agent.id}, "VIEWING")
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [("INVALID_ID", "ticketId")]


async def _post(server, query: str, variables: dict, person) -> dict:
    """A GraphQL answer, errors included."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server.http_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {person.token}"},
        )
    response.raise_for_status()
    return response.json()
