"""Tenant isolation: a customer of organization A gets nothing of organization B, by number,
by node, through the grid's filters, through nested fields, and through every mutation.
Staff see both. Every test runs twice: with Alice a plain customer of A, and with Alice a
partner who also manages a third organization, Gamma (two of the three)."""

from dataclasses import dataclass

import factories as f
import pytest
from factories import codes

from helpdesk import models


@dataclass
class World:
    org_a: models.Organization
    org_b: models.Organization
    alice: f.Person  # customer of A
    alice2: f.Person  # another customer of A
    bob: f.Person  # customer of B
    agent: f.Person
    ticket_a: models.Ticket
    ticket_b: models.Ticket
    comment_b: models.Comment
    closed_a: models.Ticket
    closed_b: models.Ticket


async def _close(person: f.Person, ticket: models.Ticket) -> None:
    from helpdesk.resolvers import tickets

    await tickets.close(person.viewer, ticket.id, None)


@pytest.fixture(params=["customer", "partner"])
async def world(client, request) -> World:
    from helpdesk.resolvers import comments

    org_a = await f.organization("Alpha Wallets")
    org_b = await f.organization("Beta Exchange")
    alice = await f.customer(org_a, name="Alice Archer", email="alice@alpha.test")
    if request.param == "partner":
        alice = await f.partner(alice, await f.organization("Gamma Partners"))
    alice2 = await f.customer(org_a, name="Anna Alder", email="anna@alpha.test")
    bob = await f.customer(org_b, name="Bob Baker", email="bob@beta.test")
    agent = await f.agent(name="Hero Agent")
    ticket_a = await f.ticket(alice, summary="Alpha wallet not syncing")
    ticket_b = await f.ticket(bob, summary="Beta wallet not syncing")
    comment_b = await comments.add(
        bob.viewer, ticket_b.id, "Beta's secret details", models.CommentKind.REPLY
    )
    closed_a = await f.ticket(alice, summary="Alpha closed")
    await _close(alice, closed_a)
    closed_b = await f.ticket(bob, summary="Beta closed")
    await _close(bob, closed_b)
    return World(
        org_a, org_b, alice, alice2, bob, agent, ticket_a, ticket_b, comment_b, closed_a, closed_b
    )


def gid(type_name: str, pk: int) -> str:
    return f.global_id(type_name, pk)


async def staff_view_of(client, w: World, ticket: models.Ticket) -> dict:
    """Everything a mutation could have changed, as staff see it."""
    result = await f.gql(
        client,
        """query($n: Int!) { ticket(number: $n) {
             summary description status priority version owner { id } rating
             comments { nodes { body } } ccContacts { id } ccEmails organization { id }
             primaryContact { id } history { nodes { kind } } } }""",
        {"n": ticket.number},
        as_=w.agent,
    )
    assert result.get("errors") is None, result
    return result["data"]["ticket"]


# --- reading by number and by node -------------------------------------------------------


async def test_customer_gets_null_for_other_organizations_ticket_by_number(client, world):
    result = await f.gql(
        client,
        "query($n: Int!) { ticket(number: $n) { id summary } }",
        {"n": world.ticket_b.number},
        as_=world.alice,
    )
    assert result.get("errors") is None, result
    assert result["data"]["ticket"] is None


async def test_customer_reads_own_organizations_ticket_by_number(client, world):
    result = await f.gql(
        client,
        "query($n: Int!) { ticket(number: $n) { summary } }",
        {"n": world.ticket_a.number},
        as_=world.alice2,
    )
    assert result["data"]["ticket"] == {"summary": "Alpha wallet not syncing"}


@pytest.mark.parametrize("kind", ["Ticket", "Comment", "Contact", "Organization", "LogEvent"])
async def test_customer_cannot_see_other_organizations_object_by_node(client, world, kind):
    event_b = await models.LogEvent.filter(ticket_id=world.ticket_b.id).order_by("id").first()
    pk = {
        "Ticket": world.ticket_b.id,
        "Comment": world.comment_b.id,
        "Contact": world.bob.contact.id,
        "Organization": world.org_b.id,
        "LogEvent": event_b.id,
    }[kind]
    query = "query($id: ID!) { node(id: $id) { id __typename } }"
    result = await f.gql(client, query, {"id": gid(kind, pk)}, as_=world.alice)
    assert codes(result) == ["NOT_FOUND"], result
    assert result["data"] is None
    # The same ID is there for staff: the customer was refused, not the ID.
    staff = await f.gql(client, query, {"id": gid(kind, pk)}, as_=world.agent)
    assert staff.get("errors") is None, staff
    assert staff["data"]["node"]["__typename"] == kind


async def test_customer_node_error_for_other_organization_matches_nonexistent_id(client, world):
    query = "query($id: ID!) { node(id: $id) { id } }"
    other = await f.gql(client, query, {"id": gid("Ticket", world.ticket_b.id)}, as_=world.alice)
    missing = await f.gql(client, query, {"id": gid("Ticket", 99999)}, as_=world.alice)
    assert codes(other) == codes(missing) == ["NOT_FOUND"]
    assert other["errors"][0]["message"] == missing["errors"][0]["message"]


async def test_customer_gets_nulls_for_other_organizations_objects_in_nodes(client, world):
    ids = [
        gid("Ticket", world.ticket_a.id),
        gid("Ticket", world.ticket_b.id),
        gid("Comment", world.comment_b.id),
        gid("Contact", world.bob.contact.id),
        gid("Organization", world.org_b.id),
        gid("Organization", world.org_a.id),
        gid("Contact", world.alice2.contact.id),
    ]
    result = await f.gql(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, as_=world.alice
    )
    assert result.get("errors") is None, result
    got = [n["id"] if n else None for n in result["data"]["nodes"]]
    assert got == [ids[0], None, None, None, None, ids[5], ids[6]]


async def test_staff_see_both_organizations_objects_in_nodes(client, world):
    ids = [
        gid("Ticket", world.ticket_a.id),
        gid("Ticket", world.ticket_b.id),
        gid("Comment", world.comment_b.id),
        gid("Contact", world.bob.contact.id),
        gid("Organization", world.org_b.id),
    ]
    result = await f.gql(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, as_=world.agent
    )
    assert [n["id"] for n in result["data"]["nodes"]] == ids


# --- the grid --------------------------------------------------------------------------

GRID = """query($filter: TicketFilter) { tickets(filter: $filter) {
            totalCount edges { node { number organization { name } } } } }"""


def _b_filters(w: World) -> dict[str, dict]:
    return {
        "organizationId": {"organizationId": gid("Organization", w.org_b.id)},
        "organizationName": {"organizationName": "Beta*"},
        "organizationNameSubstring": {"organizationName": "exchange"},
        "number": {"number": w.ticket_b.number},
        "primaryContactName": {"primaryContact": "Bob Baker"},
        "primaryContactEmail": {"primaryContact": "*@beta.test"},
        "primaryContactId": {"primaryContactId": w.bob.id},
        "closedNumber": {"number": w.closed_b.number, "includeClosed": True},
        "closedStatus": {"status": ["CLOSED"], "organizationId": gid("Organization", w.org_b.id)},
        "summary": {"summary": "Beta wallet"},
    }


FILTER_NAMES = [
    "organizationId",
    "organizationName",
    "organizationNameSubstring",
    "number",
    "primaryContactName",
    "primaryContactEmail",
    "primaryContactId",
    "closedNumber",
    "closedStatus",
    "summary",
]


@pytest.mark.parametrize("name", FILTER_NAMES)
async def test_customer_grid_filter_on_other_organization_finds_nothing(client, world, name):
    flt = _b_filters(world)[name]
    result = await f.gql(client, GRID, {"filter": flt}, as_=world.alice)
    assert result.get("errors") is None, result
    assert result["data"]["tickets"] == {"totalCount": 0, "edges": []}
    # The filter itself works: staff find B's ticket with it.
    staff = await f.gql(client, GRID, {"filter": flt}, as_=world.agent)
    assert staff["data"]["tickets"]["totalCount"] >= 1
    assert {e["node"]["organization"]["name"] for e in staff["data"]["tickets"]["edges"]} == {
        "Beta Exchange"
    }


async def test_customer_grid_without_filter_lists_only_own_organization(client, world):
    result = await f.gql(
        client, GRID, {"filter": {"includeClosed": True, "includeResolved": True}}, as_=world.alice
    )
    numbers = {e["node"]["number"] for e in result["data"]["tickets"]["edges"]}
    assert numbers == {world.ticket_a.number, world.closed_a.number}
    assert result["data"]["tickets"]["totalCount"] == 2


async def test_staff_grid_lists_both_organizations(client, world):
    result = await f.gql(client, GRID, {"filter": {"includeClosed": True}}, as_=world.agent)
    numbers = {e["node"]["number"] for e in result["data"]["tickets"]["edges"]}
    assert numbers == {
        world.ticket_a.number,
        world.ticket_b.number,
        world.closed_a.number,
        world.closed_b.number,
    }


async def test_customer_awaiting_confirmation_lists_no_other_organizations_tickets(client, world):
    from helpdesk.resolvers import tickets

    await tickets.resolve(world.agent.viewer, world.ticket_b.id)
    await tickets.resolve(world.agent.viewer, world.ticket_a.id)
    result = await f.gql(client, "{ ticketsAwaitingConfirmation { number } }", as_=world.alice)
    assert result["data"]["ticketsAwaitingConfirmation"] == [{"number": world.ticket_a.number}]


# --- nested fields ---------------------------------------------------------------------


async def test_customer_sees_only_own_organization_in_organizations(client, world):
    result = await f.gql(
        client,
        "{ organizations { nodes { name contacts { totalCount nodes { email } } } } }",
        as_=world.alice,
    )
    nodes = result["data"]["organizations"]["nodes"]
    assert nodes[0] == {
        "name": "Alpha Wallets",
        "contacts": {
            "totalCount": 2,
            "nodes": [{"email": "alice@alpha.test"}, {"email": "anna@alpha.test"}],
        },
    }
    managed = [n["name"] for n in nodes[1:]]
    assert managed == (
        ["Gamma Partners"] if world.alice.viewer.organization_ids != {world.org_a.id} else []
    )


async def test_customer_organizations_by_other_name_is_empty(client, world):
    result = await f.gql(
        client,
        '{ organizations(filter: {name: "Beta*"}) { totalCount nodes { name } } }',
        as_=world.alice,
    )
    assert result["data"]["organizations"] == {"totalCount": 0, "nodes": []}


async def test_customer_contacts_of_other_organization_is_empty(client, world):
    result = await f.gql(
        client,
        """query($org: ID) { contacts(filter: {organizationId: $org, includeInactive: true}) {
             totalCount nodes { email } } }""",
        {"org": gid("Organization", world.org_b.id)},
        as_=world.alice,
    )
    assert result.get("errors") is None, result
    assert result["data"]["contacts"] == {"totalCount": 0, "nodes": []}


async def test_customer_contacts_lists_own_organization_and_staff_only(client, world):
    result = await f.gql(client, "{ contacts { nodes { email role } } }", as_=world.alice)
    emails = {c["email"] for c in result["data"]["contacts"]["nodes"]}
    assert "bob@beta.test" not in emails
    assert {"alice@alpha.test", "anna@alpha.test", world.agent.contact.email} <= emails


async def test_customer_contacts_search_does_not_find_other_organizations_people(client, world):
    result = await f.gql(
        client, '{ contacts(filter: {search: "bob*"}) { nodes { email } } }', as_=world.alice
    )
    assert result["data"]["contacts"]["nodes"] == []


async def test_customer_ticket_nested_fields_show_only_own_organization(client, world):
    result = await f.gql(
        client,
        """query($n: Int!) { ticket(number: $n) {
             organization { name contacts { nodes { email organization { name } } } }
             primaryContact { email } createdBy { email } comments { nodes { body } }
             history { nodes { ticket { number } } } } }""",
        {"n": world.ticket_a.number},
        as_=world.alice,
    )
    assert result.get("errors") is None, result
    ticket = result["data"]["ticket"]
    assert ticket["organization"]["name"] == "Alpha Wallets"
    assert {c["organization"]["name"] for c in ticket["organization"]["contacts"]["nodes"]} == {
        "Alpha Wallets"
    }
    assert {h["ticket"]["number"] for h in ticket["history"]["nodes"]} == {world.ticket_a.number}


async def test_staff_see_other_organizations_contacts(client, world):
    result = await f.gql(
        client,
        "query($org: ID) { contacts(filter: {organizationId: $org}) { nodes { email } } }",
        {"org": gid("Organization", world.org_b.id)},
        as_=world.agent,
    )
    assert result["data"]["contacts"]["nodes"] == [{"email": "bob@beta.test"}]


# --- mutations on the other organization's ticket --------------------------------------

CUSTOMER_MUTATIONS = {
    "updateTicket": (
        'mutation($t: ID!) { updateTicket(input: {ticketId: $t, summary: "hijacked"}) '
        "{ ticket { id } errors { code } } }"
    ),
    "updateTicketCc": (
        'mutation($t: ID!) { updateTicket(input: {ticketId: $t, ccEmails: ["x@evil.test"]}) '
        "{ ticket { id } errors { code } } }"
    ),
    "addComment": (
        'mutation($t: ID!) { addComment(input: {ticketId: $t, body: "hello"}) '
        "{ comment { id } errors { code } } }"
    ),
    "closeTicket": (
        "mutation($t: ID!) { closeTicket(input: {ticketId: $t}) { ticket { id } errors { code } } }"
    ),
    "confirmResolution": (
        "mutation($t: ID!) { confirmResolution(input: {ticketId: $t, rating: 1}) "
        "{ ticket { id } errors { code } } }"
    ),
    "rejectResolution": (
        'mutation($t: ID!) { rejectResolution(input: {ticketId: $t, message: "nope"}) '
        "{ ticket { id } errors { code } } }"
    ),
}
STAFF_MUTATIONS = {
    "assignTicket": (
        "mutation($t: ID!, $c: ID) { assignTicket(input: {ticketId: $t, ownerId: $c}) "
        "{ ticket { id } errors { code } } }"
    ),
    "changeTicketStatus": (
        "mutation($t: ID!) { changeTicketStatus(input: {ticketId: $t, status: IN_PROGRESS}) "
        "{ ticket { id } errors { code } } }"
    ),
    "resolveTicket": (
        "mutation($t: ID!) { resolveTicket(input: {ticketId: $t}) "
        "{ ticket { id } errors { code } } }"
    ),
    "resolveTickets": (
        "mutation($t: ID!) { resolveTickets(input: {ticketIds: [$t]}) "
        "{ results { ticket { id } errors { code } } errors { code } } }"
    ),
}


@pytest.mark.parametrize("name", list(CUSTOMER_MUTATIONS))
async def test_customer_mutation_on_other_organizations_ticket_is_not_found(client, world, name):
    from helpdesk.resolvers import tickets

    # Resolved, so confirming or rejecting would be a legal move for B's own customer.
    await tickets.resolve(world.agent.viewer, world.ticket_b.id)
    before = await staff_view_of(client, world, world.ticket_b)
    result = await f.gql(
        client, CUSTOMER_MUTATIONS[name], {"t": gid("Ticket", world.ticket_b.id)}, as_=world.alice
    )
    assert codes(result) == ["NOT_FOUND"], result
    assert await staff_view_of(client, world, world.ticket_b) == before


@pytest.mark.parametrize("name", list(CUSTOMER_MUTATIONS))
async def test_customer_mutation_on_other_organizations_ticket_matches_nonexistent_ticket(
    client, world, name
):
    query = CUSTOMER_MUTATIONS[name]
    other = await f.gql(client, query, {"t": gid("Ticket", world.ticket_b.id)}, as_=world.alice)
    missing = await f.gql(client, query, {"t": gid("Ticket", 99999)}, as_=world.alice)
    assert codes(other) == codes(missing) == ["NOT_FOUND"]
    assert other["errors"][0]["message"].replace(str(world.ticket_b.id), "?") == missing["errors"][
        0
    ]["message"].replace("99999", "?")


@pytest.mark.parametrize("name", list(STAFF_MUTATIONS))
async def test_customer_staff_mutation_on_other_organizations_ticket_changes_nothing(
    client, world, name
):
    """Customers may not make these moves at all: the answer is the same for B's ticket as
    for a ticket that does not exist, so it reveals nothing, and nothing changes."""
    before = await staff_view_of(client, world, world.ticket_b)
    variables = {"t": gid("Ticket", world.ticket_b.id), "c": world.agent.id}
    other = await f.gql(client, STAFF_MUTATIONS[name], variables, as_=world.alice)
    missing = await f.gql(
        client, STAFF_MUTATIONS[name], {**variables, "t": gid("Ticket", 99999)}, as_=world.alice
    )
    assert codes(other) == codes(missing)
    assert codes(other) in (["FORBIDDEN"], ["NOT_FOUND"]), other
    assert await staff_view_of(client, world, world.ticket_b) == before


async def test_customer_cannot_comment_on_other_organizations_ticket(client, world):
    before = await models.Comment.filter(ticket_id=world.ticket_b.id).count()
    await f.gql(
        client,
        CUSTOMER_MUTATIONS["addComment"],
        {"t": gid("Ticket", world.ticket_b.id)},
        as_=world.alice,
    )
    assert await models.Comment.filter(ticket_id=world.ticket_b.id).count() == before


async def test_customer_cannot_create_ticket_in_other_organization(client, world):
    result = await f.gql(
        client,
        """mutation($org: ID) { createTicket(input: {summary: "x", description: "y",
             organizationId: $org}) { ticket { id } errors { code field } } }""",
        {"org": gid("Organization", world.org_b.id)},
        as_=world.alice,
    )
    assert result.get("errors") is None, result
    assert result["data"]["createTicket"] == {
        "ticket": None,
        "errors": [{"code": "NOT_FOUND", "field": "organizationId"}],
    }
    assert await models.Ticket.filter(organization_id=world.org_b.id).count() == 2
    assert await models.Ticket.filter(summary="x").count() == 0


async def test_customer_cannot_name_other_organizations_person_as_primary_contact(client, world):
    result = await f.gql(
        client,
        """mutation($c: ID) { createTicket(input: {summary: "x", description: "y",
             primaryContactId: $c}) { ticket { id } errors { code field } } }""",
        {"c": world.bob.id},
        as_=world.alice,
    )
    assert result["data"]["createTicket"]["errors"] == [
        {"code": "NOT_FOUND", "field": "primaryContactId"}
    ]
    assert await models.Ticket.filter(summary="x").count() == 0


async def test_customer_cannot_cc_other_organizations_person_on_new_ticket(client, world):
    result = await f.gql(
        client,
        """mutation($c: ID!) { createTicket(input: {summary: "x", description: "y",
             ccContactIds: [$c]}) { ticket { id } errors { code field } } }""",
        {"c": world.bob.id},
        as_=world.alice,
    )
    assert result["data"]["createTicket"]["errors"] == [
        {"code": "NOT_FOUND", "field": "ccContactIds"}
    ]
    assert await models.Ticket.filter(summary="x").count() == 0


async def test_customer_cannot_cc_other_organizations_person_on_own_ticket(client, world):
    before = await staff_view_of(client, world, world.ticket_a)
    result = await f.gql(
        client,
        """mutation($t: ID!, $c: ID!) { updateTicket(input: {ticketId: $t, ccContactIds: [$c]})
             { ticket { id } errors { code field } } }""",
        {"t": gid("Ticket", world.ticket_a.id), "c": world.bob.id},
        as_=world.alice,
    )
    assert result["data"]["updateTicket"]["errors"] == [
        {"code": "NOT_FOUND", "field": "ccContactIds"}
    ]
    assert await staff_view_of(client, world, world.ticket_a) == before


async def test_customer_cannot_hand_own_ticket_to_other_organizations_person(client, world):
    before = await staff_view_of(client, world, world.ticket_a)
    result = await f.gql(
        client,
        """mutation($t: ID!, $c: ID!) { updateTicket(input: {ticketId: $t, primaryContactId: $c})
             { ticket { id } errors { code field } } }""",
        {"t": gid("Ticket", world.ticket_a.id), "c": world.bob.id},
        as_=world.alice,
    )
    assert result["data"]["updateTicket"]["errors"] == [
        {"code": "NOT_FOUND", "field": "primaryContactId"}
    ]
    assert await staff_view_of(client, world, world.ticket_a) == before


async def test_customer_cannot_move_own_ticket_to_other_organization(client, world):
    before = await staff_view_of(client, world, world.ticket_a)
    result = await f.gql(
        client,
        """mutation($t: ID!, $o: ID!) { updateTicket(input: {ticketId: $t, organizationId: $o})
             { ticket { id } errors { code field } } }""",
        {"t": gid("Ticket", world.ticket_a.id), "o": gid("Organization", world.org_b.id)},
        as_=world.alice,
    )
    assert codes(result) == ["FORBIDDEN"], result
    assert await staff_view_of(client, world, world.ticket_a) == before


async def test_staff_mutation_on_either_organizations_ticket_works(client, world):
    for ticket in (world.ticket_a, world.ticket_b):
        result = await f.gql(
            client,
            STAFF_MUTATIONS["assignTicket"],
            {"t": gid("Ticket", ticket.id), "c": world.agent.id},
            as_=world.agent,
        )
        assert result.get("errors") is None, result
        assert result["data"]["assignTicket"]["errors"] == []


# --- log events and the Data Log -------------------------------------------------------


async def test_customer_cannot_view_other_organizations_log_event(client, world):
    event_b = await models.LogEvent.filter(
        ticket_id=world.closed_b.id, kind=models.LogKind.CLOSED
    ).first()
    result = await f.gql(
        client,
        "query($id: Int!) { logEvent(id: $id) { loggingId description } }",
        {"id": event_b.id},
        as_=world.alice,
    )
    assert codes(result) == ["NOT_FOUND"], result
    assert result["data"] is None
    staff = await f.gql(
        client,
        "query($id: Int!) { logEvent(id: $id) { loggingId } }",
        {"id": event_b.id},
        as_=world.agent,
    )
    assert staff["data"]["logEvent"] == {"loggingId": event_b.id}


async def test_customer_data_log_lists_only_own_organizations_closed_tickets(client, world):
    query = "{ dataLog { totalCount edges { node { ticketNumber } } } }"
    result = await f.gql(client, query, as_=world.alice)
    assert result["data"]["dataLog"]["totalCount"] == 1
    assert [e["node"]["ticketNumber"] for e in result["data"]["dataLog"]["edges"]] == [
        world.closed_a.number
    ]
    staff = await f.gql(client, query, as_=world.agent)
    assert {e["node"]["ticketNumber"] for e in staff["data"]["dataLog"]["edges"]} == {
        world.closed_a.number,
        world.closed_b.number,
    }


async def test_customer_cannot_delete_other_organizations_data_log_entry(client, world):
    event_b = await models.LogEvent.filter(
        ticket_id=world.closed_b.id, kind=models.LogKind.CLOSED
    ).first()
    result = await f.gql(
        client,
        "mutation($id: ID!) { deleteLogEvent(input: {logEventId: $id}) { logEvent { id } } }",
        {"id": gid("LogEvent", event_b.id)},
        as_=world.alice,
    )
    assert codes(result) == ["NOT_FOUND"], result
    bob_log = await f.gql(client, "{ dataLog { totalCount } }", as_=world.bob)
    assert bob_log["data"]["dataLog"]["totalCount"] == 1


async def test_a_ticket_moved_to_another_organization_takes_its_history_along(client, world):
    from helpdesk.resolvers import tickets
    from helpdesk.resolvers.ticket_fields import TicketFields

    w = world
    created = await models.LogEvent.get(ticket_id=w.ticket_a.id, kind=models.LogKind.TICKET_CREATED)
    await tickets.update(
        w.agent.viewer,
        w.ticket_a.id,
        TicketFields(organization_id=w.org_b.id, primary_contact_id=w.bob.contact.id),
    )
    query = "query($id: Int!) { logEvent(id: $id) { loggingId } }"

    as_alice = await f.gql(client, query, {"id": created.id}, as_=w.alice)
    assert codes(as_alice) == ["NOT_FOUND"]
    as_bob = await f.gql(client, query, {"id": created.id}, as_=w.bob)
    assert as_bob["data"]["logEvent"] == {"loggingId": created.id}


async def test_nodes_takes_at_most_100_ids_of_a_type(client, world):
    ids = [gid("Ticket", world.ticket_a.id)] * 101
    result = await f.gql(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, as_=world.agent
    )
    assert codes(result) == ["INVALID_INPUT"], result
    ok = await f.gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": ids[:100]},
        as_=world.agent,
    )
    assert len(ok["data"]["nodes"]) == 100
