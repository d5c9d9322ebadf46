"""Issue 2's status workflow through the API: every legal move of the workflow table in
DESIGN.md, and every illegal one, which must leave the ticket exactly as it was."""

from types import SimpleNamespace

import factories as f
import pytest

from helpdesk.models import Status
from helpdesk.resolvers import tickets

OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED = (
    "OPEN",
    "IN_PROGRESS",
    "WAITING_ON_CUSTOMER",
    "RESOLVED",
    "CLOSED",
)
ALL_STATUSES = [OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED]

# Every move changeTicketStatus lets staff make, and the log event it writes. Written out
# here from DESIGN.md, not imported, so a change to the table has to change this too.
LEGAL_STAFF_MOVES = [
    (OPEN, IN_PROGRESS, "STATUS_CHANGED"),
    (OPEN, WAITING, "STATUS_CHANGED"),
    (IN_PROGRESS, OPEN, "STATUS_CHANGED"),
    (IN_PROGRESS, WAITING, "STATUS_CHANGED"),
    (WAITING, IN_PROGRESS, "STATUS_CHANGED"),
    (WAITING, OPEN, "STATUS_CHANGED"),
    (OPEN, RESOLVED, "RESOLVED"),
    (IN_PROGRESS, RESOLVED, "RESOLVED"),
    (WAITING, RESOLVED, "RESOLVED"),
    (RESOLVED, CLOSED, "CLOSED"),
    (RESOLVED, OPEN, "REOPENED"),
    (OPEN, CLOSED, "CLOSED"),
    (IN_PROGRESS, CLOSED, "CLOSED"),
    (WAITING, CLOSED, "CLOSED"),
]
LEGAL_PAIRS = {(a, b) for a, b, _ in LEGAL_STAFF_MOVES}
ILLEGAL_MOVES = [(a, b) for a in ALL_STATUSES for b in ALL_STATUSES if (a, b) not in LEGAL_PAIRS]

TICKET = """id number status version resolvedAt closedAt rating feedback
  owner { id } updatedBy { id } primaryContact { id }"""
ERRORS = "errors { code field message }"
STATE = """query($id: ID!) { node(id: $id) { ... on Ticket {
  status version rating feedback resolvedAt closedAt owner { id }
  comments { nodes { kind body author { id } } } history { nodes { kind actor { id } } } } } }"""


@pytest.fixture
async def w(client):
    """Acme with two customers, Globex with one, two agents and an admin."""
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    return SimpleNamespace(
        client=client,
        acme=acme,
        alice=await f.customer(acme),
        bob=await f.customer(acme),
        gina=await f.customer(globex),
        agent=await f.agent(),
        agent2=await f.agent(),
        admin=await f.admin(),
    )


def gid(ticket) -> str:
    return f.global_id("Ticket", ticket.id)


async def ticket_in(w, status: str, by=None):
    """A ticket of Acme (alice's unless `by`), moved by an agent into `status`."""
    ticket = await f.ticket(by or w.alice)
    if status != OPEN:
        await tickets.change_status(w.agent.viewer, ticket.id, Status[status], None)
    return ticket


async def mutate(w, name: str, input: dict, as_) -> dict:
    input_type = name[0].upper() + name[1:] + "Input"
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) "
        f"{{ ticket {{ {TICKET} }} {ERRORS} }} }}"
    )
    return await f.gql(w.client, query, {"input": input}, as_=as_)


def payload(result: dict, name: str) -> dict:
    assert result.get("errors") is None, result
    return result["data"][name]


def ok(result: dict, name: str) -> dict:
    """The ticket of a payload that must have succeeded."""
    body = payload(result, name)
    assert body["errors"] == [], body
    return body["ticket"]


def user_error(result: dict, name: str) -> dict:
    """The one error of a payload that must have failed."""
    body = payload(result, name)
    assert body["ticket"] is None, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


def top_level_code(result: dict) -> str:
    assert result["data"] is None, result
    return result["errors"][0]["extensions"]["code"]


async def state(w, ticket) -> dict:
    """The ticket as staff see it: status, version, conversation and history."""
    result = await f.gql(w.client, STATE, {"id": gid(ticket)}, as_=w.admin)
    assert result.get("errors") is None, result
    return result["data"]["node"]


def kinds(snapshot: dict) -> list[str]:
    return [e["kind"] for e in snapshot["history"]["nodes"]]


# --- createTicket and updateTicket ------------------------------------------------------


async def test_customer_creates_an_open_ticket_at_version_1(w):
    result = await mutate(
        w, "createTicket", {"summary": "Wallet not syncing", "description": "Since Monday"}, w.alice
    )
    ticket = ok(result, "createTicket")
    assert ticket["status"] == OPEN
    assert ticket["version"] == 1
    assert ticket["owner"] is None
    assert ticket["primaryContact"]["id"] == w.alice.id


async def test_staff_creating_a_ticket_with_an_owner_starts_it_in_progress(w):
    result = await mutate(
        w,
        "createTicket",
        {
            "summary": "Phoned in",
            "description": "Customer called",
            "organizationId": f.global_id("Organization", w.acme.id),
            "primaryContactId": w.alice.id,
            "ownerId": w.agent.id,
        },
        w.agent,
    )
    ticket = ok(result, "createTicket")
    assert ticket["status"] == IN_PROGRESS
    assert ticket["owner"]["id"] == w.agent.id


@pytest.mark.parametrize("status", [OPEN, IN_PROGRESS, WAITING, RESOLVED])
async def test_update_ticket_edits_details_without_moving_the_status(w, status):
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(
        w, "updateTicket", {"ticketId": gid(ticket), "summary": "Better summary"}, w.alice
    )
    updated = ok(result, "updateTicket")
    assert updated["status"] == status
    assert updated["version"] == before["version"] + 1
    assert kinds(await state(w, ticket)) == [*kinds(before), "TICKET_UPDATED"]


async def test_update_of_a_closed_ticket_is_ticket_closed_and_changes_nothing(w):
    ticket = await ticket_in(w, CLOSED)
    before = await state(w, ticket)
    result = await mutate(w, "updateTicket", {"ticketId": gid(ticket), "summary": "Late"}, w.agent)
    error = user_error(result, "updateTicket")
    assert error["code"] == "TICKET_CLOSED"
    assert await state(w, ticket) == before


# --- changeTicketStatus: the table ------------------------------------------------------


@pytest.mark.parametrize(("source", "target", "kind"), LEGAL_STAFF_MOVES)
async def test_staff_make_every_legal_move_of_the_workflow(w, source, target, kind):
    ticket = await ticket_in(w, source)
    before = await state(w, ticket)
    result = await mutate(
        w, "changeTicketStatus", {"ticketId": gid(ticket), "status": target}, w.agent
    )
    moved = ok(result, "changeTicketStatus")
    assert moved["status"] == target
    assert moved["version"] == before["version"] + 1
    assert moved["updatedBy"]["id"] == w.agent.id
    after = await state(w, ticket)
    assert kinds(after) == [*kinds(before), kind]
    assert after["history"]["nodes"][-1]["actor"]["id"] == w.agent.id


@pytest.mark.parametrize(("source", "target"), ILLEGAL_MOVES)
async def test_staff_cannot_make_an_illegal_move_and_the_ticket_is_unchanged(w, source, target):
    ticket = await ticket_in(w, source)
    before = await state(w, ticket)
    result = await mutate(
        w, "changeTicketStatus", {"ticketId": gid(ticket), "status": target}, w.agent
    )
    error = user_error(result, "changeTicketStatus")
    assert error["code"] == "ILLEGAL_TRANSITION"
    assert error["field"] is None
    assert await state(w, ticket) == before


async def test_resolving_stamps_resolved_at_and_reopening_clears_it(w):
    ticket = await ticket_in(w, OPEN)
    resolved = ok(
        await mutate(
            w, "changeTicketStatus", {"ticketId": gid(ticket), "status": RESOLVED}, w.agent
        ),
        "changeTicketStatus",
    )
    assert resolved["resolvedAt"] is not None
    reopened = ok(
        await mutate(w, "changeTicketStatus", {"ticketId": gid(ticket), "status": OPEN}, w.agent),
        "changeTicketStatus",
    )
    assert reopened["resolvedAt"] is None
    assert reopened["closedAt"] is None


async def test_closing_stamps_closed_at(w):
    ticket = await ticket_in(w, IN_PROGRESS)
    closed = ok(
        await mutate(w, "changeTicketStatus", {"ticketId": gid(ticket), "status": CLOSED}, w.agent),
        "changeTicketStatus",
    )
    assert closed["closedAt"] is not None


@pytest.mark.parametrize("target", [IN_PROGRESS, WAITING, RESOLVED, CLOSED])
async def test_customer_calling_change_ticket_status_is_forbidden(w, target):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await mutate(
        w, "changeTicketStatus", {"ticketId": gid(ticket), "status": target}, w.alice
    )
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


async def test_customer_cannot_move_another_organizations_ticket_it_is_not_found(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await mutate(w, "closeTicket", {"ticketId": gid(ticket)}, w.gina)
    assert top_level_code(result) == "NOT_FOUND"
    assert await state(w, ticket) == before


# --- assignTicket -----------------------------------------------------------------------


async def test_assigning_an_open_ticket_moves_it_to_in_progress(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent.id}, w.agent
    )
    assigned = ok(result, "assignTicket")
    assert assigned["owner"]["id"] == w.agent.id
    assert assigned["status"] == IN_PROGRESS
    assert assigned["version"] == before["version"] + 1
    assert kinds(await state(w, ticket)) == [*kinds(before), "ASSIGNED"]


@pytest.mark.parametrize("status", [IN_PROGRESS, WAITING, RESOLVED])
async def test_assigning_a_ticket_that_is_not_open_keeps_its_status(w, status):
    ticket = await ticket_in(w, status)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent2.id}, w.agent
    )
    assigned = ok(result, "assignTicket")
    assert assigned["owner"]["id"] == w.agent2.id
    assert assigned["status"] == status


async def test_staff_can_assign_a_ticket_to_an_admin(w):
    ticket = await ticket_in(w, OPEN)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.admin.id}, w.agent
    )
    assert ok(result, "assignTicket")["owner"]["id"] == w.admin.id


async def test_reassigning_changes_the_owner(w):
    ticket = await ticket_in(w, OPEN)
    await tickets.assign(w.agent.viewer, ticket.id, w.agent.contact.id, None)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent2.id}, w.agent
    )
    reassigned = ok(result, "assignTicket")
    assert reassigned["owner"]["id"] == w.agent2.id
    assert reassigned["status"] == IN_PROGRESS


async def test_unassigning_clears_the_owner_and_keeps_the_status(w):
    # Judgement call, as the resolver does it: unassigning does not hand the ticket back to
    # the queue (IN_PROGRESS -> OPEN is a separate, explicit changeTicketStatus).
    ticket = await ticket_in(w, OPEN)
    await tickets.assign(w.agent.viewer, ticket.id, w.agent.contact.id, None)
    before = await state(w, ticket)
    result = await mutate(w, "assignTicket", {"ticketId": gid(ticket), "ownerId": None}, w.agent)
    unassigned = ok(result, "assignTicket")
    assert unassigned["owner"] is None
    assert unassigned["status"] == IN_PROGRESS
    assert unassigned["version"] == before["version"] + 1
    assert kinds(await state(w, ticket)) == [*kinds(before), "ASSIGNED"]


async def test_assigning_the_current_owner_again_changes_nothing(w):
    ticket = await ticket_in(w, OPEN)
    await tickets.assign(w.agent.viewer, ticket.id, w.agent.contact.id, None)
    before = await state(w, ticket)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent.id}, w.agent
    )
    assert ok(result, "assignTicket")["version"] == before["version"]
    assert await state(w, ticket) == before


async def test_assigning_a_closed_ticket_is_ticket_closed_and_changes_nothing(w):
    ticket = await ticket_in(w, CLOSED)
    before = await state(w, ticket)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent.id}, w.agent
    )
    assert user_error(result, "assignTicket")["code"] == "TICKET_CLOSED"
    assert await state(w, ticket) == before


async def test_assigning_to_a_customer_is_owner_not_found_and_changes_nothing(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.bob.id}, w.agent
    )
    error = user_error(result, "assignTicket")
    assert (error["code"], error["field"]) == ("NOT_FOUND", "ownerId")
    assert await state(w, ticket) == before


async def test_customer_calling_assign_ticket_is_forbidden(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await mutate(
        w, "assignTicket", {"ticketId": gid(ticket), "ownerId": w.agent.id}, w.alice
    )
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


# --- resolveTicket ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [OPEN, IN_PROGRESS, WAITING])
async def test_staff_resolve_a_ticket_with_a_comment_posted_as_reply(w, status):
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(
        w,
        "resolveTicket",
        {"ticketId": gid(ticket), "comment": "Restarted the node; please check."},
        w.agent,
    )
    resolved = ok(result, "resolveTicket")
    assert resolved["status"] == RESOLVED
    assert resolved["resolvedAt"] is not None
    assert resolved["version"] == before["version"] + 1
    after = await state(w, ticket)
    assert after["comments"]["nodes"][-1] == {
        "kind": "REPLY",
        "body": "Restarted the node; please check.",
        "author": {"id": w.agent.id},
    }
    assert kinds(after) == [*kinds(before), "RESOLVED", "COMMENT_ADDED"]


async def test_staff_resolve_a_ticket_without_a_comment(w):
    ticket = await ticket_in(w, IN_PROGRESS)
    result = await mutate(w, "resolveTicket", {"ticketId": gid(ticket)}, w.agent)
    assert ok(result, "resolveTicket")["status"] == RESOLVED
    assert (await state(w, ticket))["comments"]["nodes"] == []


@pytest.mark.parametrize("status", [RESOLVED, CLOSED])
async def test_resolving_a_resolved_or_closed_ticket_is_illegal_and_posts_nothing(w, status):
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(
        w, "resolveTicket", {"ticketId": gid(ticket), "comment": "Again"}, w.agent
    )
    assert user_error(result, "resolveTicket")["code"] == "ILLEGAL_TRANSITION"
    assert await state(w, ticket) == before


async def test_customer_calling_resolve_ticket_is_forbidden(w):
    ticket = await ticket_in(w, IN_PROGRESS)
    before = await state(w, ticket)
    result = await mutate(w, "resolveTicket", {"ticketId": gid(ticket), "comment": "Done"}, w.alice)
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


# --- resolveTickets (bulk) --------------------------------------------------------------

BULK = """mutation($input: ResolveTicketsInput!) { resolveTickets(input: $input) {
  results { ticketId ticket { id status } errors { code field } } errors { code field } } }"""


async def test_bulk_resolve_gives_each_ticket_its_own_result(w):
    open_ticket = await ticket_in(w, OPEN)
    waiting = await ticket_in(w, WAITING)
    closed = await ticket_in(w, CLOSED)
    resolved = await ticket_in(w, RESOLVED)
    illegal_before = [await state(w, closed), await state(w, resolved)]
    missing = f.global_id("Ticket", 999_999)
    ids = [gid(open_ticket), gid(closed), missing, gid(waiting), gid(resolved)]
    result = await f.gql(
        w.client, BULK, {"input": {"ticketIds": ids, "comment": "Fixed in 2.4"}}, as_=w.agent
    )
    body = payload(result, "resolveTickets")
    assert body["errors"] == []
    assert [r["ticketId"] for r in body["results"]] == ids
    outcome = [
        (r["ticket"]["status"] if r["ticket"] else None, [e["code"] for e in r["errors"]])
        for r in body["results"]
    ]
    assert outcome == [
        (RESOLVED, []),
        (None, ["ILLEGAL_TRANSITION"]),
        (None, ["NOT_FOUND"]),
        (RESOLVED, []),
        (None, ["ILLEGAL_TRANSITION"]),
    ]
    for legal in (open_ticket, waiting):
        after = await state(w, legal)
        assert after["status"] == RESOLVED
        assert after["comments"]["nodes"][-1]["body"] == "Fixed in 2.4"
        assert kinds(after)[-2:] == ["RESOLVED", "COMMENT_ADDED"]
    assert [await state(w, closed), await state(w, resolved)] == illegal_before


async def test_bulk_resolve_names_a_ticket_listed_twice_once(w):
    ticket = await ticket_in(w, OPEN)
    result = await f.gql(
        w.client, BULK, {"input": {"ticketIds": [gid(ticket), gid(ticket)]}}, as_=w.agent
    )
    body = payload(result, "resolveTickets")
    assert [(r["ticketId"], r["errors"]) for r in body["results"]] == [(gid(ticket), [])]
    assert kinds(await state(w, ticket)).count("RESOLVED") == 1


async def test_bulk_resolve_accepts_100_tickets(w):
    ids = [f.global_id("Ticket", 500_000 + i) for i in range(100)]
    result = await f.gql(w.client, BULK, {"input": {"ticketIds": ids}}, as_=w.agent)
    body = payload(result, "resolveTickets")
    assert body["errors"] == []
    assert len(body["results"]) == 100
    assert {e["code"] for r in body["results"] for e in r["errors"]} == {"NOT_FOUND"}


async def test_bulk_resolve_of_101_tickets_is_too_many_and_resolves_none(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    ids = [gid(ticket)] + [f.global_id("Ticket", 500_000 + i) for i in range(100)]
    result = await f.gql(w.client, BULK, {"input": {"ticketIds": ids}}, as_=w.agent)
    body = payload(result, "resolveTickets")
    assert body["results"] == []
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("TOO_MANY", "ticketIds")]
    assert await state(w, ticket) == before


async def test_bulk_resolve_of_no_tickets_is_required(w):
    result = await f.gql(w.client, BULK, {"input": {"ticketIds": []}}, as_=w.agent)
    body = payload(result, "resolveTickets")
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("REQUIRED", "ticketIds")]


async def test_customer_calling_resolve_tickets_is_forbidden(w):
    ticket = await ticket_in(w, OPEN)
    before = await state(w, ticket)
    result = await f.gql(w.client, BULK, {"input": {"ticketIds": [gid(ticket)]}}, as_=w.alice)
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


# --- closeTicket ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "agent"])
@pytest.mark.parametrize("status", [OPEN, IN_PROGRESS, WAITING, RESOLVED])
async def test_customer_and_staff_close_a_ticket(w, who, status):
    person = getattr(w, who)
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(w, "closeTicket", {"ticketId": gid(ticket)}, person)
    closed = ok(result, "closeTicket")
    assert closed["status"] == CLOSED
    assert closed["closedAt"] is not None
    assert closed["version"] == before["version"] + 1
    after = await state(w, ticket)
    assert kinds(after) == [*kinds(before), "CLOSED"]
    assert after["history"]["nodes"][-1]["actor"]["id"] == person.id


@pytest.mark.parametrize("who", ["alice", "agent"])
async def test_closing_a_closed_ticket_is_illegal_and_changes_nothing(w, who):
    ticket = await ticket_in(w, CLOSED)
    before = await state(w, ticket)
    result = await mutate(w, "closeTicket", {"ticketId": gid(ticket)}, getattr(w, who))
    assert user_error(result, "closeTicket")["code"] == "ILLEGAL_TRANSITION"
    assert await state(w, ticket) == before


# --- confirmResolution and rejectResolution ---------------------------------------------


async def test_customer_confirms_a_resolution_with_rating_and_feedback_and_it_closes(w):
    ticket = await ticket_in(w, RESOLVED)
    before = await state(w, ticket)
    result = await mutate(
        w,
        "confirmResolution",
        {"ticketId": gid(ticket), "rating": 5, "feedback": "Quick and friendly"},
        w.alice,
    )
    confirmed = ok(result, "confirmResolution")
    assert confirmed["status"] == CLOSED
    assert confirmed["closedAt"] is not None
    assert (confirmed["rating"], confirmed["feedback"]) == (5, "Quick and friendly")
    assert confirmed["version"] == before["version"] + 1
    after = await state(w, ticket)
    assert (after["rating"], after["feedback"]) == (5, "Quick and friendly")
    assert kinds(after) == [*kinds(before), "CONFIRMED"]
    assert after["history"]["nodes"][-1]["actor"]["id"] == w.alice.id


async def test_customer_confirms_a_resolution_without_feedback(w):
    ticket = await ticket_in(w, RESOLVED)
    result = await mutate(w, "confirmResolution", {"ticketId": gid(ticket), "rating": 1}, w.alice)
    confirmed = ok(result, "confirmResolution")
    assert (confirmed["status"], confirmed["rating"], confirmed["feedback"]) == (CLOSED, 1, None)


@pytest.mark.parametrize("status", [OPEN, IN_PROGRESS, WAITING, CLOSED])
async def test_confirming_a_ticket_that_is_not_resolved_is_illegal(w, status):
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(w, "confirmResolution", {"ticketId": gid(ticket), "rating": 4}, w.alice)
    assert user_error(result, "confirmResolution")["code"] == "ILLEGAL_TRANSITION"
    assert await state(w, ticket) == before


@pytest.mark.parametrize("who", ["agent", "admin"])
async def test_staff_calling_confirm_resolution_is_forbidden(w, who):
    ticket = await ticket_in(w, RESOLVED)
    before = await state(w, ticket)
    result = await mutate(
        w, "confirmResolution", {"ticketId": gid(ticket), "rating": 5}, getattr(w, who)
    )
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


async def test_customer_of_another_organization_cannot_confirm_it_is_not_found(w):
    ticket = await ticket_in(w, RESOLVED)
    before = await state(w, ticket)
    result = await mutate(w, "confirmResolution", {"ticketId": gid(ticket), "rating": 1}, w.gina)
    assert top_level_code(result) == "NOT_FOUND"
    assert await state(w, ticket) == before


async def test_customer_rejects_a_resolution_and_the_ticket_opens_with_their_message(w):
    ticket = await ticket_in(w, RESOLVED)
    before = await state(w, ticket)
    result = await mutate(
        w,
        "rejectResolution",
        {"ticketId": gid(ticket), "message": "Still failing on Android"},
        w.alice,
    )
    reopened = ok(result, "rejectResolution")
    assert reopened["status"] == OPEN
    assert reopened["resolvedAt"] is None
    assert reopened["version"] == before["version"] + 1
    after = await state(w, ticket)
    assert after["comments"]["nodes"][-1] == {
        "kind": "REPLY",
        "body": "Still failing on Android",
        "author": {"id": w.alice.id},
    }
    assert kinds(after) == [*kinds(before), "REOPENED", "COMMENT_ADDED"]


@pytest.mark.parametrize("status", [OPEN, IN_PROGRESS, WAITING, CLOSED])
async def test_rejecting_a_ticket_that_is_not_resolved_is_illegal(w, status):
    ticket = await ticket_in(w, status)
    before = await state(w, ticket)
    result = await mutate(
        w, "rejectResolution", {"ticketId": gid(ticket), "message": "Not fixed"}, w.alice
    )
    assert user_error(result, "rejectResolution")["code"] == "ILLEGAL_TRANSITION"
    assert await state(w, ticket) == before


async def test_staff_calling_reject_resolution_is_forbidden(w):
    ticket = await ticket_in(w, RESOLVED)
    before = await state(w, ticket)
    result = await mutate(
        w, "rejectResolution", {"ticketId": gid(ticket), "message": "Not fixed"}, w.agent
    )
    assert top_level_code(result) == "FORBIDDEN"
    assert await state(w, ticket) == before


# --- ticketsAwaitingConfirmation --------------------------------------------------------

AWAITING = "{ ticketsAwaitingConfirmation { id status } }"


async def awaiting(w, person) -> list[str]:
    result = await f.gql(w.client, AWAITING, as_=person)
    assert result.get("errors") is None, result
    return [t["id"] for t in result["data"]["ticketsAwaitingConfirmation"]]


async def test_customer_is_asked_to_confirm_their_resolved_tickets_oldest_first(w):
    first = await ticket_in(w, OPEN)
    second = await ticket_in(w, OPEN)
    await ticket_in(w, IN_PROGRESS)
    await ticket_in(w, CLOSED)
    await tickets.resolve(w.agent.viewer, second.id)
    await tickets.resolve(w.agent.viewer, first.id)
    assert await awaiting(w, w.alice) == [gid(second), gid(first)]


async def test_tickets_awaiting_confirmation_leaves_out_other_peoples_tickets(w):
    await ticket_in(w, RESOLVED, by=w.bob)
    await ticket_in(w, RESOLVED, by=w.gina)
    assert await awaiting(w, w.alice) == []
    assert await awaiting(w, w.agent) == []


async def test_a_confirmed_ticket_no_longer_awaits_confirmation(w):
    ticket = await ticket_in(w, RESOLVED)
    assert await awaiting(w, w.alice) == [gid(ticket)]
    ok(
        await mutate(w, "confirmResolution", {"ticketId": gid(ticket), "rating": 4}, w.alice),
        "confirmResolution",
    )
    assert await awaiting(w, w.alice) == []


async def test_a_rejected_ticket_no_longer_awaits_confirmation(w):
    ticket = await ticket_in(w, RESOLVED)
    ok(
        await mutate(w, "rejectResolution", {"ticketId": gid(ticket), "message": "No"}, w.alice),
        "rejectResolution",
    )
    assert await awaiting(w, w.alice) == []
