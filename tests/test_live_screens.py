"""The other live screens: the ticket window, its comments, a dashboard, the confirm prompt,
and one shared execution per audience."""

import asyncio

from live import COMMENT, RESOLVE, UPDATE, LiveClient, create_ticket, listen

COMMENTS = (
    """subscription($id: ID!) { commentAdded(ticketId: $id) { body kind author { name } } }"""
)
WINDOW = """subscription($id: ID!) { ticketUpdated(id: $id) { number summary status version } }"""
STATS = """subscription { ticketStats(filter: {includeResolved: true}) {
  total byStatus { status count } byPriority { priority count } } }"""
PROMPT = """subscription { awaitingConfirmation { number status } }"""
EVENTS = """subscription { ticketEvents { kind ticket { number } } }"""


async def test_comment_added_sends_internal_notes_to_staff_only(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, alice_op = await listen(server, world["alice"], COMMENTS, {"id": ticket["id"]})
    agent, agent_op = await listen(server, world["agent"], COMMENTS, {"id": ticket["id"]})
    note = {"ticketId": ticket["id"], "body": "check logs", "kind": "INTERNAL_NOTE"}
    await server.gql(COMMENT, {"input": note}, world["agent"].token)
    reply = {"ticketId": ticket["id"], "body": "Fixed now"}
    await server.gql(COMMENT, {"input": reply}, world["agent"].token)

    staff_bodies = [(await agent.next(agent_op))["data"]["commentAdded"]["body"] for _ in range(2)]
    assert staff_bodies == ["check logs", "Fixed now"]
    assert (await alice.next(alice_op))["data"]["commentAdded"]["body"] == "Fixed now"
    await alice.nothing_for(1.0)


async def test_ticket_window_gets_the_ticket_after_each_change(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, op = await listen(server, world["alice"], WINDOW, {"id": ticket["id"]})
    change = {"ticketId": ticket["id"], "summary": "Renamed by staff"}
    await server.gql(UPDATE, {"input": change}, world["agent"].token)

    # The ticket's own creation may still arrive first: wait for the change.
    pushed = (await alice.next(op))["data"]["ticketUpdated"]
    while pushed["version"] < 2:
        pushed = (await alice.next(op))["data"]["ticketUpdated"]
    assert (pushed["summary"], pushed["version"]) == ("Renamed by staff", 2)


async def test_ticket_window_of_another_organization_is_not_found(server, world):
    ticket = await create_ticket(server, world["alice"])
    bob = await LiveClient.connect(server, world["bob"].token)
    await bob.acked()
    op = await bob.subscribe(WINDOW, {"id": ticket["id"]})
    message = await bob.receive()
    assert message["id"] == op
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_dashboard_counts_are_pushed_when_they_change(server, world):
    agent, op = await listen(server, world["agent"], STATS)
    first = (await agent.next(op))["data"]["ticketStats"]
    await create_ticket(server, world["alice"])

    second = (await agent.next(op))["data"]["ticketStats"]
    assert second["total"] == first["total"] + 1
    open_count = {s["status"]: s["count"] for s in second["byStatus"]}["OPEN"]
    assert open_count == {s["status"]: s["count"] for s in first["byStatus"]}["OPEN"] + 1


async def test_a_second_dashboard_gets_the_counts_at_once(server, world):
    """Both agents share one execution; the one who joins it later still gets the counts
    straight away, not at the next change."""
    first, first_op = await listen(server, world["agent"], STATS)
    counts = (await first.next(first_op))["data"]["ticketStats"]
    second, second_op = await listen(server, world["admin"], STATS)
    assert (await second.next(second_op, timeout=5))["data"]["ticketStats"] == counts
    await first.close()
    await second.close()


async def test_customer_is_told_the_moment_their_ticket_is_resolved(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, op = await listen(server, world["alice"], PROMPT)
    bob, _ = await listen(server, world["bob"], PROMPT)
    await server.gql(RESOLVE, {"input": {"ticketId": ticket["id"]}}, world["agent"].token)

    pushed = (await alice.next(op))["data"]["awaitingConfirmation"]
    assert pushed == {"number": ticket["number"], "status": "RESOLVED"}
    await bob.nothing_for(1.0)


async def test_subscribers_sharing_a_document_and_audience_share_one_execution(server, world):
    customers = [await listen(server, world["alice"], EVENTS) for _ in range(4)]
    agent, agent_op = await listen(server, world["agent"], EVENTS)
    assert await server.metric("helpdesk_open_websockets") == 5
    assert await server.metric("helpdesk_subscription_hubs") == 2  # Acme's customers, and staff

    ticket = await create_ticket(server, world["alice"])
    for client, op in customers:
        event = (await client.next(op))["data"]["ticketEvents"]
        assert event == {"kind": "CREATED", "ticket": {"number": ticket["number"]}}
    assert (await agent.next(agent_op))["data"]["ticketEvents"]["kind"] == "CREATED"


async def test_several_subscriptions_on_one_socket_each_get_their_events(server, world):
    ticket = await create_ticket(server, world["alice"])
    client = await LiveClient.connect(server, world["alice"].token)
    await client.acked()
    comments_op = await client.subscribe(COMMENTS, {"id": ticket["id"]})
    window_op = await client.subscribe(WINDOW, {"id": ticket["id"]})
    await asyncio.sleep(0.2)
    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "hi"}}, world["agent"].token
    )

    got = {}
    while len(got) < 2:
        message = await client.receive()
        got[message["id"]] = message["payload"]["data"]
    assert got[comments_op]["commentAdded"]["body"] == "hi"
    assert got[window_op]["ticketUpdated"]["number"] == ticket["number"]
