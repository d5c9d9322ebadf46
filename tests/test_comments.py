"""A ticket's conversation: replies and internal notes, who sees which, and what a comment
does to the ticket."""

from types import SimpleNamespace

import factories as f
import pytest

from helpdesk.models import Status
from helpdesk.resolvers import tickets
from helpdesk.resolvers.ticket_fields import TicketFields

ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { id kind body internal createdAt author { id } ticket { id } }
  errors { code field message } } }"""
CONVERSATION = """query($id: ID!) { node(id: $id) { ... on Ticket {
  status version updatedAt updatedBy { id }
  comments { nodes { id kind body internal createdAt author { id name } } }
  history { nodes { id kind comment: changes { field newValue } } } } } }"""


@pytest.fixture
async def w(client):
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    alice = await f.customer(acme)
    return SimpleNamespace(
        client=client,
        alice=alice,
        bob=await f.customer(acme),
        gina=await f.customer(globex),
        agent=await f.agent(),
        admin=await f.admin(),
        ticket=await f.ticket(alice),
    )


def gid(ticket) -> str:
    return f.global_id("Ticket", ticket.id)


async def add(w, person, body: str, kind: str = "REPLY", ticket=None) -> dict:
    input = {"ticketId": gid(ticket or w.ticket), "body": body, "kind": kind}
    return await f.gql(w.client, ADD, {"input": input}, as_=person)


async def added(w, person, body: str, kind: str = "REPLY", ticket=None) -> dict:
    result = await add(w, person, body, kind, ticket)
    assert result.get("errors") is None, result
    payload = result["data"]["addComment"]
    assert payload["errors"] == [], payload
    return payload["comment"]


async def view(w, person, ticket=None) -> dict:
    result = await f.gql(w.client, CONVERSATION, {"id": gid(ticket or w.ticket)}, as_=person)
    assert result.get("errors") is None, result
    return result["data"]["node"]


async def move(w, status: Status, ticket=None) -> None:
    await tickets.change_status(w.agent.viewer, (ticket or w.ticket).id, status, None)


async def test_customer_replies_on_their_ticket(w):
    comment = await added(w, w.alice, "  Any update?  ")
    assert comment["kind"] == "REPLY"
    assert comment["body"] == "Any update?"
    assert comment["internal"] is False
    assert comment["author"]["id"] == w.alice.id
    assert comment["ticket"]["id"] == gid(w.ticket)


async def test_staff_leave_an_internal_note(w):
    comment = await added(w, w.agent, "Customer is on the legacy plan", "INTERNAL_NOTE")
    assert (comment["kind"], comment["internal"]) == ("INTERNAL_NOTE", True)
    assert comment["author"]["id"] == w.agent.id


async def test_staff_import_a_chat_transcript(w):
    comment = await added(w, w.agent, "Alice: hi\nHero: hello", "CHAT_TRANSCRIPT")
    assert (comment["kind"], comment["internal"]) == ("CHAT_TRANSCRIPT", False)


async def test_comments_are_listed_oldest_first_with_author_and_kind(w):
    await added(w, w.alice, "First")
    await added(w, w.agent, "Second", "INTERNAL_NOTE")
    await added(w, w.agent, "Third")
    await added(w, w.bob, "Fourth")
    comments = (await view(w, w.admin))["comments"]["nodes"]
    assert [(c["body"], c["kind"], c["author"]["id"]) for c in comments] == [
        ("First", "REPLY", w.alice.id),
        ("Second", "INTERNAL_NOTE", w.agent.id),
        ("Third", "REPLY", w.agent.id),
        ("Fourth", "REPLY", w.bob.id),
    ]
    times = [c["createdAt"] for c in comments]
    assert times == sorted(times)


async def test_customer_never_sees_internal_notes_in_the_conversation(w):
    await added(w, w.alice, "Help")
    await added(w, w.agent, "Looks like user error", "INTERNAL_NOTE")
    await added(w, w.agent, "We are on it")
    comments = (await view(w, w.alice))["comments"]["nodes"]
    assert [c["body"] for c in comments] == ["Help", "We are on it"]
    assert not any(c["internal"] for c in comments)


async def test_customer_cannot_look_up_an_internal_note_by_node(w):
    note = await added(w, w.agent, "Secret", "INTERNAL_NOTE")
    result = await f.gql(
        w.client,
        "query($id: ID!) { node(id: $id) { id ... on Comment { body } } }",
        {"id": note["id"]},
        as_=w.alice,
    )
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "Secret" not in str(result)


async def test_customer_gets_null_for_an_internal_note_in_nodes(w):
    note = await added(w, w.agent, "Secret", "INTERNAL_NOTE")
    reply = await added(w, w.agent, "Public")
    result = await f.gql(
        w.client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Comment { body } } }",
        {"ids": [note["id"], reply["id"]]},
        as_=w.alice,
    )
    assert result["data"]["nodes"] == [None, {"id": reply["id"], "body": "Public"}]


async def test_staff_look_up_an_internal_note_by_node(w):
    note = await added(w, w.agent, "Secret", "INTERNAL_NOTE")
    result = await f.gql(
        w.client,
        "query($id: ID!) { node(id: $id) { ... on Comment { body internal } } }",
        {"id": note["id"]},
        as_=w.admin,
    )
    assert result["data"]["node"] == {"body": "Secret", "internal": True}


async def test_customer_history_leaves_out_the_events_of_internal_notes(w):
    await added(w, w.agent, "Secret", "INTERNAL_NOTE")
    await added(w, w.agent, "Public")
    staff = [(e["kind"], e["comment"]) for e in (await view(w, w.agent))["history"]["nodes"]]
    customer = [(e["kind"], e["comment"]) for e in (await view(w, w.alice))["history"]["nodes"]]
    note_event = ("COMMENT_ADDED", [{"field": "kind", "newValue": "INTERNAL_NOTE"}])
    assert note_event in staff
    assert note_event not in customer
    assert [k for k, _ in customer] == ["TICKET_CREATED", "COMMENT_ADDED"]
    assert len(staff) == len(customer) + 1


async def test_customer_cannot_read_an_internal_notes_event_by_logging_id(w):
    await added(w, w.agent, "Secret", "INTERNAL_NOTE")
    staff_view = await f.gql(
        w.client,
        """query($id: ID!) { node(id: $id) { ... on Ticket {
             history { nodes { loggingId kind changes { field newValue } } } } } }""",
        {"id": gid(w.ticket)},
        as_=w.agent,
    )
    [event_id] = [
        e["loggingId"]
        for e in staff_view["data"]["node"]["history"]["nodes"]
        if e["changes"] == [{"field": "kind", "newValue": "INTERNAL_NOTE"}]
    ]
    query = "query($id: Int!) { logEvent(id: $id) { kind } }"
    result = await f.gql(w.client, query, {"id": event_id}, as_=w.alice)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    staff = await f.gql(w.client, query, {"id": event_id}, as_=w.agent)
    assert staff["data"]["logEvent"]["kind"] == "COMMENT_ADDED"


async def test_customer_reply_on_a_waiting_ticket_moves_it_to_in_progress(w):
    await move(w, Status.WAITING_ON_CUSTOMER)
    await added(w, w.alice, "Here is the screenshot")
    after = await view(w, w.agent)
    assert after["status"] == "IN_PROGRESS"
    kinds = [e["kind"] for e in after["history"]["nodes"]]
    assert kinds[-2:] == ["COMMENT_ADDED", "STATUS_CHANGED"]


async def test_staff_reply_on_a_waiting_ticket_keeps_it_waiting(w):
    await move(w, Status.WAITING_ON_CUSTOMER)
    await added(w, w.agent, "Did you get a chance to try?")
    assert (await view(w, w.agent))["status"] == "WAITING_ON_CUSTOMER"


async def test_internal_note_on_a_waiting_ticket_keeps_it_waiting(w):
    await move(w, Status.WAITING_ON_CUSTOMER)
    await added(w, w.agent, "Chase on Friday", "INTERNAL_NOTE")
    assert (await view(w, w.agent))["status"] == "WAITING_ON_CUSTOMER"


@pytest.mark.parametrize(
    "status", [Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED], ids=lambda s: s.name
)
async def test_customer_reply_on_a_ticket_that_is_not_waiting_keeps_its_status(w, status):
    if status is not Status.OPEN:
        await move(w, status)
    before = await view(w, w.agent)
    await added(w, w.alice, "One more thing")
    after = await view(w, w.agent)
    assert after["status"] == before["status"] == status.name


@pytest.mark.parametrize(
    ("who", "kind"), [("alice", "REPLY"), ("agent", "REPLY"), ("agent", "INTERNAL_NOTE")]
)
async def test_comment_on_a_closed_ticket_is_ticket_closed_and_adds_nothing(w, who, kind):
    await move(w, Status.CLOSED)
    before = await view(w, w.admin)
    result = await add(w, getattr(w, who), "Too late", kind)
    payload = result["data"]["addComment"]
    assert payload["comment"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("TICKET_CLOSED", None)]
    assert await view(w, w.admin) == before


@pytest.mark.parametrize("kind", ["INTERNAL_NOTE", "CHAT_TRANSCRIPT"])
async def test_customer_posting_a_staff_only_kind_is_forbidden(w, kind):
    before = await view(w, w.admin)
    result = await add(w, w.alice, "Let me in", kind)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await view(w, w.admin) == before


async def test_customer_of_another_organization_cannot_comment_it_is_not_found(w):
    before = await view(w, w.admin)
    result = await add(w, w.gina, "Hello?")
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await view(w, w.admin) == before


async def test_a_comment_updates_the_tickets_updated_by_and_updated_at(w):
    before = await view(w, w.admin)
    assert before["updatedBy"]["id"] == w.alice.id
    await added(w, w.agent, "Looking into it")
    after = await view(w, w.admin)
    assert after["updatedBy"]["id"] == w.agent.id
    assert after["updatedAt"] > before["updatedAt"]


async def test_a_customer_reply_updates_the_tickets_updated_by(w):
    await tickets.update(w.agent.viewer, w.ticket.id, TicketFields(summary="Triaged"))
    before = await view(w, w.admin)
    assert before["updatedBy"]["id"] == w.agent.id
    await added(w, w.bob, "Same problem here")
    after = await view(w, w.admin)
    assert after["updatedBy"]["id"] == w.bob.id
    assert after["updatedAt"] > before["updatedAt"]


async def test_colleague_of_the_same_organization_sees_and_joins_the_conversation(w):
    await added(w, w.alice, "Mine")
    await added(w, w.bob, "Me too")
    assert [c["body"] for c in (await view(w, w.bob))["comments"]["nodes"]] == ["Mine", "Me too"]


PAGE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on Ticket { comments(first: $first, after: $after, last: $last,
    before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { body } } } } } }"""


async def page(w, person, **variables) -> dict:
    result = await f.gql(w.client, PAGE, {"id": gid(w.ticket), **variables}, as_=person)
    assert result.get("errors") is None, result
    return result["data"]["node"]["comments"]


def bodies(connection: dict) -> list[str]:
    return [e["node"]["body"] for e in connection["edges"]]


async def test_the_conversation_pages_oldest_first_with_cursors(w):
    for body in ("One", "Two", "Three", "Four", "Five"):
        await added(w, w.alice, body)
    first = await page(w, w.agent, first=2)
    assert (bodies(first), first["totalCount"]) == (["One", "Two"], 5)
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await page(w, w.agent, first=10, after=first["pageInfo"]["endCursor"])
    assert bodies(rest) == ["Three", "Four", "Five"]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)
    newest = await page(w, w.agent, last=2)
    assert bodies(newest) == ["Four", "Five"]
    before = await page(w, w.agent, last=10, before=newest["pageInfo"]["startCursor"])
    assert bodies(before) == ["One", "Two", "Three"]


async def test_customer_pages_and_counts_leave_internal_notes_out(w):
    await added(w, w.alice, "Help")
    await added(w, w.agent, "Looks like user error", "INTERNAL_NOTE")
    await added(w, w.agent, "We are on it")
    mine = await page(w, w.alice, first=1)
    assert (bodies(mine), mine["totalCount"]) == (["Help"], 2)
    rest = await page(w, w.alice, after=mine["pageInfo"]["endCursor"])
    assert (bodies(rest), rest["pageInfo"]["hasNextPage"]) == (["We are on it"], False)
    assert (await page(w, w.agent, first=1))["totalCount"] == 3


async def test_each_ticket_of_a_grid_gets_its_own_page_of_comments(w):
    other = await f.ticket(w.alice, summary="Second")
    for body in ("A1", "A2", "A3"):
        await added(w, w.alice, body)
    await added(w, w.alice, "B1", ticket=other)
    result = await f.gql(
        w.client,
        """{ tickets(orderBy: {field: NUMBER, direction: ASC}) { nodes {
             comments(first: 2) { totalCount pageInfo { hasNextPage } edges { node { body } } }
           } } }""",
        as_=w.alice,
    )
    pages = [t["comments"] for t in result["data"]["tickets"]["nodes"]]
    assert [(bodies(p), p["totalCount"], p["pageInfo"]["hasNextPage"]) for p in pages] == [
        (["A1", "A2"], 3, True),
        (["B1"], 1, False),
    ]


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"first": 101}, "first", "OUT_OF_RANGE"),
        ({"last": -1}, "last", "OUT_OF_RANGE"),
        ({"first": 1, "last": 1}, "last", "CONFLICTING"),
        ({"after": "not a cursor"}, "after", "INVALID_CURSOR"),
    ],
)
async def test_bad_comment_page_arguments_are_named(w, variables, field, code):
    result = await f.gql(w.client, PAGE, {"id": gid(w.ticket), **variables}, as_=w.alice)
    assert f.problems(result) == [(field, code)], result
