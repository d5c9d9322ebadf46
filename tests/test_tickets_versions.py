"""Optimistic concurrency: every change of a ticket bumps its version, and a write that
names a stale `expectedVersion` is a CONFLICT that changes nothing."""

import asyncio
from types import SimpleNamespace

import factories as f
import pytest

from helpdesk.models import Priority, Status, Ticket
from helpdesk.resolvers import tickets
from helpdesk.resolvers.ticket_fields import TicketFields

TICKET = "status version summary owner { id }"
STATE = """query($id: ID!) { node(id: $id) { ... on Ticket {
  status version summary priority owner { id } comments { nodes { body } }
  history { nodes { kind } } } } }"""


@pytest.fixture
async def w(client):
    acme = await f.organization("Acme")
    return SimpleNamespace(
        client=client, alice=await f.customer(acme), agent=await f.agent(), admin=await f.admin()
    )


def gid(ticket) -> str:
    return f.global_id("Ticket", ticket.id)


async def mutate(w, name: str, input: dict, as_=None) -> dict:
    input_type = name[0].upper() + name[1:] + "Input"
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) "
        f"{{ ticket {{ {TICKET} }} errors {{ code field message }} }} }}"
    )
    result = await f.gql(w.client, query, {"input": input}, as_=as_ or w.agent)
    assert result.get("errors") is None, result
    return result["data"][name]


async def state(w, ticket) -> dict:
    result = await f.gql(w.client, STATE, {"id": gid(ticket)}, as_=w.admin)
    assert result.get("errors") is None, result
    return result["data"]["node"]


async def test_a_new_ticket_is_at_version_1(w):
    ticket = await f.ticket(w.alice)
    assert (await state(w, ticket))["version"] == 1


async def test_each_change_increments_the_version_by_one(w):
    ticket = await f.ticket(w.alice)
    steps = [
        ("updateTicket", {"summary": "Renamed"}),
        ("updateTicket", {"priority": "HIGH"}),
        ("assignTicket", {"ownerId": w.agent.id}),
        ("changeTicketStatus", {"status": "WAITING_ON_CUSTOMER"}),
        ("changeTicketStatus", {"status": "IN_PROGRESS"}),
        ("assignTicket", {"ownerId": None}),
        ("resolveTicket", {}),
        ("changeTicketStatus", {"status": "OPEN"}),
        ("closeTicket", {}),
    ]
    versions = []
    for name, fields in steps:
        body = await mutate(w, name, {"ticketId": gid(ticket), **fields})
        assert body["errors"] == [], (name, body)
        versions.append(body["ticket"]["version"])
    assert versions == list(range(2, 2 + len(steps)))
    assert (await state(w, ticket))["version"] == 1 + len(steps)


async def test_customer_actions_increment_the_version(w):
    ticket = await f.ticket(w.alice)
    await tickets.resolve(w.agent.viewer, ticket.id)
    body = await mutate(
        w, "rejectResolution", {"ticketId": gid(ticket), "message": "Not yet"}, w.alice
    )
    assert body["ticket"]["version"] == 3
    await tickets.resolve(w.agent.viewer, ticket.id)
    body = await mutate(w, "confirmResolution", {"ticketId": gid(ticket), "rating": 5}, w.alice)
    assert body["ticket"]["version"] == 5


async def test_a_matching_expected_version_is_accepted(w):
    ticket = await f.ticket(w.alice)
    body = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "expectedVersion": 1, "summary": "Renamed"}
    )
    assert body["errors"] == []
    assert (body["ticket"]["summary"], body["ticket"]["version"]) == ("Renamed", 2)


STALE_WRITES = [
    ("updateTicket", {"summary": "Lost update"}),
    ("assignTicket", {"ownerId": "AGENT"}),
    ("changeTicketStatus", {"status": "WAITING_ON_CUSTOMER"}),
    ("resolveTicket", {"comment": "Resolved on a stale view"}),
    ("closeTicket", {}),
]


@pytest.mark.parametrize(("name", "fields"), STALE_WRITES, ids=[n for n, _ in STALE_WRITES])
async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(w, name, fields):
    ticket = await f.ticket(w.alice)
    await tickets.update(w.agent.viewer, ticket.id, TicketFields(summary="Someone else's edit"))
    before = await state(w, ticket)
    assert before["version"] == 2
    fields = {k: (w.agent.id if v == "AGENT" else v) for k, v in fields.items()}
    body = await mutate(w, name, {"ticketId": gid(ticket), "expectedVersion": 1, **fields})
    assert body["ticket"] is None
    assert [e["code"] for e in body["errors"]] == ["CONFLICT"]
    assert await state(w, ticket) == before


async def test_a_future_expected_version_is_a_conflict(w):
    ticket = await f.ticket(w.alice)
    before = await state(w, ticket)
    body = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "expectedVersion": 2, "summary": "Ahead"}
    )
    assert [e["code"] for e in body["errors"]] == ["CONFLICT"]
    assert await state(w, ticket) == before


async def test_the_second_of_two_updates_with_the_same_expected_version_is_a_conflict(w):
    ticket = await f.ticket(w.alice)
    first = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "expectedVersion": 1, "summary": "Mine"}
    )
    assert first["errors"] == []
    after_first = await state(w, ticket)
    second = await mutate(
        w,
        "updateTicket",
        {"ticketId": gid(ticket), "expectedVersion": 1, "summary": "Theirs"},
        w.alice,
    )
    assert second["ticket"] is None
    assert [e["code"] for e in second["errors"]] == ["CONFLICT"]
    assert await state(w, ticket) == after_first
    assert after_first["summary"] == "Mine"


async def test_a_conflict_message_names_the_current_version(w):
    ticket = await f.ticket(w.alice)
    await tickets.update(w.agent.viewer, ticket.id, TicketFields(summary="Changed"))
    body = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "expectedVersion": 1, "summary": "Mine"}
    )
    assert "version 2" in body["errors"][0]["message"]


async def test_an_update_that_changes_no_value_keeps_the_version(w):
    ticket = await f.ticket(w.alice, summary="Same")
    before = await state(w, ticket)
    body = await mutate(w, "updateTicket", {"ticketId": gid(ticket), "summary": "Same"})
    assert body["errors"] == []
    assert body["ticket"]["version"] == 1
    assert await state(w, ticket) == before


async def test_a_failed_write_keeps_the_version(w):
    ticket = await f.ticket(w.alice)
    body = await mutate(w, "updateTicket", {"ticketId": gid(ticket), "summary": ""})
    assert [e["code"] for e in body["errors"]] == ["REQUIRED"]
    assert (await state(w, ticket))["version"] == 1


async def test_a_comment_does_not_make_a_concurrent_edit_stale(w):
    # ticket_writes.touch: comments update "last updated" but not the version, so an agent
    # editing the ticket's fields is not refused because the customer wrote meanwhile.
    ticket = await f.ticket(w.alice)
    result = await f.gql(
        w.client,
        """mutation($input: AddCommentInput!) { addComment(input: $input) { errors { code } } }""",
        {"input": {"ticketId": gid(ticket), "body": "Any news?"}},
        as_=w.alice,
    )
    assert result["data"]["addComment"]["errors"] == []
    body = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "expectedVersion": 1, "priority": "HIGH"}
    )
    assert body["errors"] == []
    assert body["ticket"]["version"] == 2


async def test_a_customer_reply_that_moves_a_waiting_ticket_bumps_the_version(w):
    ticket = await f.ticket(w.alice)
    await tickets.change_status(w.agent.viewer, ticket.id, Status.WAITING_ON_CUSTOMER, None)
    await f.gql(
        w.client,
        """mutation($input: AddCommentInput!) { addComment(input: $input) { errors { code } } }""",
        {"input": {"ticketId": gid(ticket), "body": "Here are the logs"}},
        as_=w.alice,
    )
    after = await state(w, ticket)
    assert (after["status"], after["version"]) == ("IN_PROGRESS", 3)
    stale = await mutate(
        w,
        "changeTicketStatus",
        {"ticketId": gid(ticket), "expectedVersion": 2, "status": "RESOLVED"},
    )
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"]
    assert await state(w, ticket) == after


async def test_concurrent_edits_of_different_fields_both_land(database_url):
    """No lost update without expectedVersion either: the second writer waits for the first
    (row lock on PostgreSQL, one writer at a time on SQLite) and edits the fresh row."""
    org = await f.organization()
    alice = await f.customer(org)
    agent = await f.agent()
    ticket = await f.ticket(alice, summary="before")
    await asyncio.gather(
        tickets.update(agent.viewer, ticket.id, TicketFields(summary="after")),
        tickets.update(agent.viewer, ticket.id, TicketFields(priority=Priority.URGENT)),
        tickets.update(agent.viewer, ticket.id, TicketFields(device="Pixel 8")),
    )
    saved = await Ticket.get(id=ticket.id)
    assert (saved.summary, saved.priority, saved.device) == ("after", Priority.URGENT, "Pixel 8")
    assert saved.version == ticket.version + 3
