"""ticket.history: each mutation appends the right LogEvent kinds, with the actor and the
changed fields as old -> new."""

from types import SimpleNamespace

import factories as f
import pytest

from helpdesk.models import Status
from helpdesk.resolvers import catalog, tickets

HISTORY = """query($id: ID!) { node(id: $id) { ... on Ticket { number history { nodes {
  id loggingId kind occurredAt actor { id } ticket { id } ticketNumber
  changes { field oldValue newValue } } } } } }"""


@pytest.fixture
async def w(client):
    acme = await f.organization("Acme")
    alice = await f.customer(acme)
    admin = await f.admin()
    return SimpleNamespace(
        client=client,
        acme=acme,
        alice=alice,
        bob=await f.customer(acme),
        agent=await f.agent(),
        agent2=await f.agent(),
        admin=admin,
        ticket=await f.ticket(alice, summary="Wallet not syncing"),
        category=await catalog.create_category(admin.viewer, "Billing"),
    )


def gid(ticket) -> str:
    return f.global_id("Ticket", ticket.id)


async def history(w, as_=None, ticket=None) -> list[dict]:
    result = await f.gql(w.client, HISTORY, {"id": gid(ticket or w.ticket)}, as_=as_ or w.admin)
    assert result.get("errors") is None, result
    return result["data"]["node"]["history"]["nodes"]


async def new_events(w, action) -> list[dict]:
    """The events `action` appends to the ticket's history."""
    before = await history(w)
    await action()
    after = await history(w)
    assert after[: len(before)] == before
    return after[len(before) :]


def changes(event: dict) -> dict:
    return {c["field"]: (c["oldValue"], c["newValue"]) for c in event["changes"]}


async def mutate(w, name: str, input: dict, as_) -> None:
    input_type = name[0].upper() + name[1:] + "Input"
    field = "comment { id }" if name == "addComment" else "ticket { id }"
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) "
        f"{{ {field} errors {{ code field message }} }} }}"
    )
    result = await f.gql(w.client, query, {"input": input}, as_=as_)
    assert result.get("errors") is None, result
    assert result["data"][name]["errors"] == [], result


def customer_payload(w, **fields) -> dict:
    return {"summary": "Cannot withdraw", "description": "Button greyed out", **fields}


async def test_create_ticket_writes_ticket_created_with_actor_and_initial_values(w):
    result = await f.gql(
        w.client,
        """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
             ticket { id number } } }""",
        {"input": customer_payload(w)},
        as_=w.alice,
    )
    created = result["data"]["createTicket"]["ticket"]
    read = await f.gql(w.client, HISTORY, {"id": created["id"]}, as_=w.alice)
    [event] = read["data"]["node"]["history"]["nodes"]
    assert event["kind"] == "TICKET_CREATED"
    assert event["actor"]["id"] == w.alice.id
    assert event["ticket"]["id"] == created["id"]
    assert event["ticketNumber"] == created["number"]
    values = changes(event)
    assert values["summary"] == (None, "Cannot withdraw")
    assert values["status"] == (None, "OPEN")
    assert values["priority"] == (None, "NORMAL")
    assert values["channel"] == (None, "OFFLINE")


async def test_update_summary_writes_ticket_updated_with_old_and_new_summary(w):
    events = await new_events(
        w,
        lambda: mutate(
            w,
            "updateTicket",
            {"ticketId": gid(w.ticket), "summary": "Wallet stuck at 99%"},
            w.alice,
        ),
    )
    [event] = events
    assert event["kind"] == "TICKET_UPDATED"
    assert event["actor"]["id"] == w.alice.id
    assert changes(event) == {"summary": ("Wallet not syncing", "Wallet stuck at 99%")}


async def test_update_of_several_fields_writes_one_event_listing_each(w):
    events = await new_events(
        w,
        lambda: mutate(
            w,
            "updateTicket",
            {
                "ticketId": gid(w.ticket),
                "priority": "URGENT",
                "categoryId": f.global_id("Category", w.category.id),
                "ccEmails": ["boss@example.com"],
                "device": "Pixel 8",
            },
            w.agent,
        ),
    )
    [event] = events
    assert event["actor"]["id"] == w.agent.id
    values = changes(event)
    assert values["priority"] == ("NORMAL", "URGENT")
    assert values["ccEmails"] == ([], ["boss@example.com"])
    assert values["device"] == (None, "Pixel 8")
    assert values["categoryId"][1] == f.global_id("Category", w.category.id)
    assert set(values) == {"priority", "categoryId", "ccEmails", "device"}


async def test_update_of_cc_contacts_writes_old_and_new_contacts(w):
    events = await new_events(
        w,
        lambda: mutate(
            w, "updateTicket", {"ticketId": gid(w.ticket), "ccContactIds": [w.bob.id]}, w.alice
        ),
    )
    assert changes(events[0]) == {"ccContactIds": ([], [w.bob.id])}


async def test_update_that_changes_no_value_writes_no_event(w):
    events = await new_events(
        w,
        lambda: mutate(
            w, "updateTicket", {"ticketId": gid(w.ticket), "summary": "Wallet not syncing"}, w.alice
        ),
    )
    assert events == []


async def test_assign_writes_assigned_with_owner_and_status_change(w):
    events = await new_events(
        w,
        lambda: mutate(
            w, "assignTicket", {"ticketId": gid(w.ticket), "ownerId": w.agent2.id}, w.agent
        ),
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("ASSIGNED", w.agent.id)
    assert changes(event) == {
        "ownerId": (None, w.agent2.id),
        "status": ("OPEN", "IN_PROGRESS"),
    }


async def test_unassign_writes_assigned_with_the_owner_cleared(w):
    await tickets.assign(w.agent.viewer, w.ticket.id, w.agent.contact.id, None)
    events = await new_events(
        w, lambda: mutate(w, "assignTicket", {"ticketId": gid(w.ticket), "ownerId": None}, w.admin)
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("ASSIGNED", w.admin.id)
    assert changes(event) == {"ownerId": (w.agent.id, None)}


async def test_change_status_writes_status_changed_from_old_to_new(w):
    events = await new_events(
        w,
        lambda: mutate(
            w,
            "changeTicketStatus",
            {"ticketId": gid(w.ticket), "status": "WAITING_ON_CUSTOMER"},
            w.agent,
        ),
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("STATUS_CHANGED", w.agent.id)
    assert changes(event) == {"status": ("OPEN", "WAITING_ON_CUSTOMER")}


async def test_staff_reopening_a_resolved_ticket_writes_reopened(w):
    await tickets.resolve(w.agent.viewer, w.ticket.id)
    events = await new_events(
        w,
        lambda: mutate(
            w, "changeTicketStatus", {"ticketId": gid(w.ticket), "status": "OPEN"}, w.agent
        ),
    )
    [event] = events
    assert event["kind"] == "REOPENED"
    assert changes(event) == {"status": ("RESOLVED", "OPEN")}


async def test_resolve_with_comment_writes_resolved_then_comment_added(w):
    events = await new_events(
        w,
        lambda: mutate(
            w, "resolveTicket", {"ticketId": gid(w.ticket), "comment": "Fixed in 2.4"}, w.agent
        ),
    )
    assert [(e["kind"], e["actor"]["id"]) for e in events] == [
        ("RESOLVED", w.agent.id),
        ("COMMENT_ADDED", w.agent.id),
    ]
    assert changes(events[0]) == {"status": ("OPEN", "RESOLVED")}
    assert changes(events[1]) == {"kind": (None, "REPLY")}


async def test_bulk_resolve_writes_a_resolved_event_on_each_ticket(w):
    other = await f.ticket(w.bob)
    result = await f.gql(
        w.client,
        """mutation($input: ResolveTicketsInput!) { resolveTickets(input: $input) {
             results { errors { code } } } }""",
        {"input": {"ticketIds": [gid(w.ticket), gid(other)]}},
        as_=w.agent,
    )
    assert result["data"]["resolveTickets"]["results"] == [{"errors": []}, {"errors": []}]
    for ticket in (w.ticket, other):
        last = (await history(w, ticket=ticket))[-1]
        assert (last["kind"], last["actor"]["id"]) == ("RESOLVED", w.agent.id)


@pytest.mark.parametrize("who", ["alice", "agent"])
async def test_close_writes_closed_by_whoever_closed_it(w, who):
    person = getattr(w, who)
    events = await new_events(
        w, lambda: mutate(w, "closeTicket", {"ticketId": gid(w.ticket)}, person)
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("CLOSED", person.id)
    assert changes(event) == {"status": ("OPEN", "CLOSED")}


async def test_confirm_writes_confirmed_with_rating_and_feedback(w):
    await tickets.resolve(w.agent.viewer, w.ticket.id)
    events = await new_events(
        w,
        lambda: mutate(
            w,
            "confirmResolution",
            {"ticketId": gid(w.ticket), "rating": 4, "feedback": "Took a while"},
            w.alice,
        ),
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("CONFIRMED", w.alice.id)
    assert changes(event) == {
        "status": ("RESOLVED", "CLOSED"),
        "rating": (None, 4),
        "feedback": (None, "Took a while"),
    }


async def test_reject_writes_reopened_then_the_customers_comment(w):
    await tickets.resolve(w.agent.viewer, w.ticket.id)
    events = await new_events(
        w,
        lambda: mutate(
            w, "rejectResolution", {"ticketId": gid(w.ticket), "message": "Still broken"}, w.alice
        ),
    )
    assert [(e["kind"], e["actor"]["id"]) for e in events] == [
        ("REOPENED", w.alice.id),
        ("COMMENT_ADDED", w.alice.id),
    ]
    assert changes(events[0]) == {"status": ("RESOLVED", "OPEN")}


@pytest.mark.parametrize(
    ("who", "kind"), [("alice", "REPLY"), ("agent", "REPLY"), ("agent", "INTERNAL_NOTE")]
)
async def test_add_comment_writes_comment_added_with_its_kind(w, who, kind):
    person = getattr(w, who)
    events = await new_events(
        w,
        lambda: mutate(
            w, "addComment", {"ticketId": gid(w.ticket), "body": "Hello", "kind": kind}, person
        ),
    )
    [event] = events
    assert (event["kind"], event["actor"]["id"]) == ("COMMENT_ADDED", person.id)
    assert changes(event) == {"kind": (None, kind)}


async def test_customer_reply_on_waiting_ticket_writes_comment_then_status_change(w):
    await tickets.change_status(w.agent.viewer, w.ticket.id, Status.WAITING_ON_CUSTOMER, None)
    events = await new_events(
        w, lambda: mutate(w, "addComment", {"ticketId": gid(w.ticket), "body": "Logs"}, w.alice)
    )
    assert [(e["kind"], e["actor"]["id"]) for e in events] == [
        ("COMMENT_ADDED", w.alice.id),
        ("STATUS_CHANGED", w.alice.id),
    ]
    assert changes(events[1]) == {"status": ("WAITING_ON_CUSTOMER", "IN_PROGRESS")}


async def test_history_tells_the_whole_lifecycle_oldest_first(w):
    steps = [
        ("assignTicket", {"ownerId": w.agent.id}, w.agent),
        ("changeTicketStatus", {"status": "WAITING_ON_CUSTOMER"}, w.agent),
        ("addComment", {"body": "Here you go"}, w.alice),
        ("resolveTicket", {}, w.agent),
        ("rejectResolution", {"message": "Not yet"}, w.alice),
        ("resolveTicket", {"comment": "Now?"}, w.agent),
        ("confirmResolution", {"rating": 5}, w.alice),
    ]
    for name, fields, person in steps:
        await mutate(w, name, {"ticketId": gid(w.ticket), **fields}, person)
    events = await history(w)
    assert [e["kind"] for e in events] == [
        "TICKET_CREATED",
        "ASSIGNED",
        "STATUS_CHANGED",
        "COMMENT_ADDED",
        "STATUS_CHANGED",
        "RESOLVED",
        "REOPENED",
        "COMMENT_ADDED",
        "RESOLVED",
        "COMMENT_ADDED",
        "CONFIRMED",
    ]
    ids = [e["loggingId"] for e in events]
    assert ids == sorted(ids)
    times = [e["occurredAt"] for e in events]
    assert times == sorted(times)


async def test_customer_sees_the_same_history_without_internal_events(w):
    await mutate(w, "addComment", {"ticketId": gid(w.ticket), "body": "Hi"}, w.alice)
    await mutate(
        w,
        "addComment",
        {"ticketId": gid(w.ticket), "body": "Note", "kind": "INTERNAL_NOTE"},
        w.agent,
    )
    await mutate(w, "resolveTicket", {"ticketId": gid(w.ticket)}, w.agent)
    staff = await history(w)
    customer = await history(w, as_=w.alice)
    assert [e["kind"] for e in customer] == ["TICKET_CREATED", "COMMENT_ADDED", "RESOLVED"]
    assert customer == [e for e in staff if changes(e) != {"kind": (None, "INTERNAL_NOTE")}]


async def test_a_failed_mutation_writes_no_event(w):
    events = await new_events(
        w,
        lambda: f.gql(
            w.client,
            """mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) {
                 errors { code } } }""",
            {"input": {"ticketId": gid(w.ticket), "status": "OPEN"}},
            as_=w.agent,
        ),
    )
    assert events == []


async def test_history_pages_from_either_end_with_a_count(w):
    await mutate(w, "resolveTicket", {"ticketId": gid(w.ticket)}, w.agent)
    everything = await history(w)
    query = """query($id: ID!, $last: Int, $before: String) { node(id: $id) { ... on Ticket {
      history(last: $last, before: $before) { totalCount
        pageInfo { hasPreviousPage hasNextPage startCursor } nodes { loggingId } } } } }"""
    result = await f.gql(w.client, query, {"id": gid(w.ticket), "last": 1}, as_=w.admin)
    newest = result["data"]["node"]["history"]
    assert newest["nodes"] == [{"loggingId": everything[-1]["loggingId"]}]
    assert (newest["totalCount"], newest["pageInfo"]["hasPreviousPage"]) == (len(everything), True)
    before = newest["pageInfo"]["startCursor"]
    variables = {"id": gid(w.ticket), "last": 10, "before": before}
    result = await f.gql(w.client, query, variables, as_=w.admin)
    older = result["data"]["node"]["history"]
    assert older["nodes"] == [{"loggingId": e["loggingId"]} for e in everything[:-1]]
    assert older["pageInfo"]["hasNextPage"] is True
