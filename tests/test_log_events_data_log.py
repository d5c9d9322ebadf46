"""Seed 000's Data Log: a person's closed tickets, newest first; Clear History and Delete
Log Event hide entries from that person's Data Log only, never from the audit trail."""

from dataclasses import dataclass

import factories as f
import pytest
from factories import codes

from helpdesk import models
from helpdesk.resolvers import catalog, tickets

DATA_LOG = """query($first: Int, $after: String) { dataLog(first: $first, after: $after) {
  totalCount
  pageInfo { hasNextPage endCursor }
  edges { node {
    id loggingId kind occurredAt ticketNumber description
    module { name } category { name } actor { email }
  } }
} }"""
CLEAR = """mutation($confirm: Boolean!) { clearDataLog(input: {confirm: $confirm}) {
  clearedCount errors { code field } } }"""
DELETE = """mutation($id: ID!) { deleteLogEvent(input: {logEventId: $id}) {
  logEvent { loggingId } errors { code field } } }"""
LOG_EVENT = """query($id: Int!) { logEvent(id: $id) { loggingId kind ticketNumber } }"""
HISTORY = """query($n: Int!) { ticket(number: $n) { history { nodes { loggingId kind } } } }"""


async def data_log(client, as_, **variables) -> dict:
    result = await f.gql(client, DATA_LOG, variables, as_=as_)
    assert result.get("errors") is None, result
    return result["data"]["dataLog"]


async def logged_numbers(client, as_) -> list[int]:
    page = await data_log(client, as_)
    found = [e["node"]["ticketNumber"] for e in page["edges"]]
    assert page["totalCount"] == len(found)
    return found


def gid(event_id: int) -> str:
    return f.global_id("LogEvent", event_id)


@dataclass
class Log:
    alice: f.Person
    anna: f.Person  # same organization as alice
    bob: f.Person  # another organization
    agent: f.Person
    confirmed: models.Ticket  # resolved by the agent, confirmed by alice
    closed: models.Ticket  # closed by alice
    still_open: models.Ticket
    other_org: models.Ticket  # bob's, closed
    module: models.Module

    async def event(self, ticket: models.Ticket) -> models.LogEvent:
        return await models.LogEvent.get(
            ticket_id=ticket.id, kind__in=[models.LogKind.CLOSED, models.LogKind.CONFIRMED]
        )


@pytest.fixture
async def log(client) -> Log:
    admin = await f.admin()
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    alice = await f.customer(acme, email="alice@acme.test")
    anna = await f.customer(acme, email="anna@acme.test")
    bob = await f.customer(globex, email="bob@globex.test")
    agent = await f.agent(email="agent@help.test")
    module = await catalog.create_module(admin.viewer, "Wallet")
    bug = await models.Category.get(name="Potential Bug")

    confirmed = await f.ticket(
        alice,
        summary="Wallet not syncing",
        description="Balance stuck since Monday",
        module_id=module.id,
        category_id=bug.id,
    )
    await tickets.resolve(agent.viewer, confirmed.id, "Fixed the node")
    await tickets.confirm_resolution(alice.viewer, confirmed.id, 5, "Thanks")

    closed = await f.ticket(alice, summary="Never mind", description="Found it myself")
    await tickets.close(alice.viewer, closed.id, None)

    still_open = await f.ticket(alice, summary="Still broken")
    await tickets.resolve(agent.viewer, still_open.id)  # RESOLVED is not in the Data Log

    other_org = await f.ticket(bob, summary="Globex's problem")
    await tickets.close(bob.viewer, other_org.id, None)
    return Log(alice, anna, bob, agent, confirmed, closed, still_open, other_org, module)


# --- listing ---------------------------------------------------------------------------


async def test_data_log_lists_closed_and_confirmed_tickets_newest_first(client, log):
    page = await data_log(client, log.alice)
    assert page["totalCount"] == 2
    nodes = [e["node"] for e in page["edges"]]
    closed_event, confirmed_event = await log.event(log.closed), await log.event(log.confirmed)
    assert [(n["loggingId"], n["kind"], n["ticketNumber"]) for n in nodes] == [
        (closed_event.id, "CLOSED", log.closed.number),
        (confirmed_event.id, "CONFIRMED", log.confirmed.number),
    ]
    assert nodes[0]["occurredAt"] >= nodes[1]["occurredAt"]


async def test_data_log_entry_shows_module_category_and_description(client, log):
    page = await data_log(client, log.alice)
    confirmed = next(
        e["node"] for e in page["edges"] if e["node"]["ticketNumber"] == log.confirmed.number
    )
    assert confirmed["module"] == {"name": "Wallet"}
    assert confirmed["category"] == {"name": "Potential Bug"}
    assert confirmed["description"] == "Balance stuck since Monday"
    assert confirmed["actor"] == {"email": "alice@acme.test"}
    closed = next(
        e["node"] for e in page["edges"] if e["node"]["ticketNumber"] == log.closed.number
    )
    assert closed["module"] is None
    assert closed["category"] == {"name": "General Support"}


async def test_data_log_entry_id_is_its_logging_event(client, log):
    page = await data_log(client, log.alice)
    node = page["edges"][0]["node"]
    event = await f.gql(client, LOG_EVENT, {"id": node["loggingId"]}, as_=log.alice)
    assert event["data"]["logEvent"]["ticketNumber"] == node["ticketNumber"]
    assert node["id"] == gid(node["loggingId"])


async def test_data_log_leaves_out_open_and_resolved_tickets(client, log):
    assert log.still_open.number not in await logged_numbers(client, log.alice)


async def test_data_log_is_shared_by_the_organizations_customers(client, log):
    assert await logged_numbers(client, log.anna) == [log.closed.number, log.confirmed.number]


async def test_data_log_leaves_out_other_organizations_tickets(client, log):
    assert await logged_numbers(client, log.bob) == [log.other_org.number]


async def test_staff_data_log_lists_every_organizations_closed_tickets(client, log):
    assert await logged_numbers(client, log.agent) == [
        log.other_org.number,
        log.closed.number,
        log.confirmed.number,
    ]


async def test_data_log_pages_with_cursors(client, log):
    first = await data_log(client, log.agent, first=2)
    assert len(first["edges"]) == 2
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await data_log(client, log.agent, first=2, after=first["pageInfo"]["endCursor"])
    numbers = [e["node"]["ticketNumber"] for e in first["edges"] + rest["edges"]]
    assert numbers == [log.other_org.number, log.closed.number, log.confirmed.number]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_data_log_requires_sign_in(client, log):
    result = await f.gql(client, DATA_LOG)
    assert codes(result) == ["UNAUTHENTICATED"]


# --- Clear History ---------------------------------------------------------------------


async def test_clear_data_log_without_confirmation_hides_nothing(client, log):
    result = await f.gql(client, CLEAR, {"confirm": False}, as_=log.alice)
    assert result["data"]["clearDataLog"] == {
        "clearedCount": None,
        "errors": [{"code": "NOT_CONFIRMED", "field": "confirm"}],
    }
    assert len(await logged_numbers(client, log.alice)) == 2


async def test_clear_data_log_empties_your_data_log(client, log):
    result = await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    assert result["data"]["clearDataLog"] == {"clearedCount": 2, "errors": []}
    assert await logged_numbers(client, log.alice) == []


async def test_clear_data_log_leaves_other_customers_of_the_organization_alone(client, log):
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    assert await logged_numbers(client, log.anna) == [log.closed.number, log.confirmed.number]


async def test_clear_data_log_leaves_staff_data_log_alone(client, log):
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    assert len(await logged_numbers(client, log.agent)) == 3


async def test_clear_data_log_keeps_the_audit_trail(client, log):
    event = await log.event(log.confirmed)
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    history = await f.gql(client, HISTORY, {"n": log.confirmed.number}, as_=log.agent)
    events = history["data"]["ticket"]["history"]["nodes"]
    assert {"loggingId": event.id, "kind": "CONFIRMED"} in events
    for person in (log.agent, log.alice):
        viewed = await f.gql(client, LOG_EVENT, {"id": event.id}, as_=person)
        assert viewed["data"]["logEvent"] == {
            "loggingId": event.id,
            "kind": "CONFIRMED",
            "ticketNumber": log.confirmed.number,
        }
    own_history = await f.gql(client, HISTORY, {"n": log.confirmed.number}, as_=log.alice)
    own_events = own_history["data"]["ticket"]["history"]["nodes"]
    assert {"loggingId": event.id, "kind": "CONFIRMED"} in own_events


async def test_tickets_closed_after_a_clear_appear_in_the_data_log(client, log):
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    later = await f.ticket(log.anna, summary="Later")
    await tickets.close(log.anna.viewer, later.id, None)
    assert await logged_numbers(client, log.alice) == [later.number]


async def test_clearing_an_empty_data_log_clears_nothing(client, log):
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    again = await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    assert again["data"]["clearDataLog"] == {"clearedCount": 0, "errors": []}


async def test_clear_data_log_requires_sign_in(client, log):
    result = await f.gql(client, CLEAR, {"confirm": True})
    assert codes(result) == ["UNAUTHENTICATED"]


# --- Delete Log Event ------------------------------------------------------------------


async def test_delete_log_event_hides_that_entry_only(client, log):
    event = await log.event(log.closed)
    result = await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    assert result["data"]["deleteLogEvent"] == {
        "logEvent": {"loggingId": event.id},
        "errors": [],
    }
    assert await logged_numbers(client, log.alice) == [log.confirmed.number]


async def test_delete_log_event_hides_it_for_that_person_only(client, log):
    event = await log.event(log.closed)
    await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    assert await logged_numbers(client, log.anna) == [log.closed.number, log.confirmed.number]
    assert len(await logged_numbers(client, log.agent)) == 3


async def test_delete_log_event_keeps_the_audit_trail(client, log):
    event = await log.event(log.closed)
    await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    viewed = await f.gql(client, LOG_EVENT, {"id": event.id}, as_=log.agent)
    assert viewed["data"]["logEvent"]["loggingId"] == event.id
    history = await f.gql(client, HISTORY, {"n": log.closed.number}, as_=log.agent)
    events = history["data"]["ticket"]["history"]["nodes"]
    assert {"loggingId": event.id, "kind": "CLOSED"} in events


async def test_deleting_a_log_event_twice_is_not_found(client, log):
    event = await log.event(log.closed)
    await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    again = await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    assert codes(again) == ["NOT_FOUND"], again


async def test_deleting_a_cleared_log_event_is_not_found(client, log):
    event = await log.event(log.closed)
    await f.gql(client, CLEAR, {"confirm": True}, as_=log.alice)
    result = await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"], result


async def test_deleting_an_event_that_is_not_a_data_log_entry_is_not_found(client, log):
    created = await models.LogEvent.get(
        ticket_id=log.still_open.id, kind=models.LogKind.TICKET_CREATED
    )
    result = await f.gql(client, DELETE, {"id": gid(created.id)}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"], result
    history = await f.gql(client, HISTORY, {"n": log.still_open.number}, as_=log.alice)
    events = history["data"]["ticket"]["history"]["nodes"]
    assert {"loggingId": created.id, "kind": "TICKET_CREATED"} in events


async def test_deleting_another_organizations_log_event_is_not_found(client, log):
    event = await log.event(log.other_org)
    result = await f.gql(client, DELETE, {"id": gid(event.id)}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"], result
    assert await logged_numbers(client, log.bob) == [log.other_org.number]


async def test_deleting_an_unknown_log_event_is_not_found(client, log):
    result = await f.gql(client, DELETE, {"id": gid(999_999)}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"], result


async def test_delete_log_event_rejects_an_id_of_another_type(client, log):
    result = await f.gql(
        client, DELETE, {"id": f.global_id("Ticket", log.closed.id)}, as_=log.alice
    )
    assert result["data"]["deleteLogEvent"]["errors"] == [
        {"code": "INVALID_ID", "field": "logEventId"}
    ]
    assert len(await logged_numbers(client, log.alice)) == 2


# --- View Logging Event ----------------------------------------------------------------


async def test_log_event_of_an_internal_note_is_not_found_for_customers(client, log):
    from helpdesk.resolvers import comments

    await comments.add(
        log.agent.viewer,
        log.still_open.id,
        "customer is difficult",
        models.CommentKind.INTERNAL_NOTE,
    )
    note = await models.LogEvent.get(ticket_id=log.still_open.id, internal=True)
    result = await f.gql(client, LOG_EVENT, {"id": note.id}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"]
    staff = await f.gql(client, LOG_EVENT, {"id": note.id}, as_=log.agent)
    assert staff["data"]["logEvent"]["kind"] == "COMMENT_ADDED"


async def test_log_event_of_account_administration_is_not_found_for_customers(client, log):
    token_event = await models.LogEvent.filter(
        kind=models.LogKind.TOKEN_CREATED, subject_contact_id=log.alice.contact.id
    ).first()
    result = await f.gql(client, LOG_EVENT, {"id": token_event.id}, as_=log.alice)
    assert codes(result) == ["NOT_FOUND"]


async def test_log_event_of_unknown_id_is_not_found(client, log):
    result = await f.gql(client, LOG_EVENT, {"id": 999_999}, as_=log.agent)
    assert codes(result) == ["NOT_FOUND"]
