"""Who shares a subscription execution follows from the read scopes: viewers with one
audience share one, run as a representative that is no person; a field declared personal
in the schema runs once per person. However `awaitingConfirmation` is wrapped in the
document, each customer gets only their own prompts."""

import asyncio

import factories as f
import pytest
from live import RESOLVE, LiveClient, Server, create_ticket, listen

from helpdesk.resolvers import access, tickets

COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) { errors { code } } }"""
WRAPPED = {
    "named fragment": """subscription { ...Prompt }
        fragment Prompt on Subscription { awaitingConfirmation { number } }""",
    "inline fragment": """subscription {
        ... on Subscription { awaitingConfirmation { number } } }""",
    "alias": """subscription { prompt: awaitingConfirmation { number } }""",
    "fragment inside a fragment": """subscription { ...Outer }
        fragment Outer on Subscription { ... on Subscription { ...Inner } }
        fragment Inner on Subscription { prompt: awaitingConfirmation { number } }""",
}


@pytest.mark.parametrize("document", WRAPPED.values(), ids=WRAPPED.keys())
async def test_each_customer_gets_only_their_own_resolved_ticket_prompt(server, world, document):
    carol = await f.customer(world["acme"])  # the same organization as Alice
    alice_ticket = await create_ticket(server, world["alice"], "Alice's wallet")
    carol_ticket = await create_ticket(server, carol, "Carol's wallet")
    alice, alice_op = await listen(server, world["alice"], document)
    carol_socket, carol_op = await listen(server, carol, document)

    for ticket in (alice_ticket, carol_ticket):
        await server.gql(RESOLVE, {"input": {"ticketId": ticket["id"]}}, world["agent"].token)

    alice_first = (await alice.next(alice_op))["data"]
    carol_first = (await carol_socket.next(carol_op))["data"]
    assert list(alice_first.values()) == [{"number": alice_ticket["number"]}]
    assert list(carol_first.values()) == [{"number": carol_ticket["number"]}]


async def test_an_unknown_fragment_is_reported_by_validation(server, world):
    client = await LiveClient.connect(server, world["alice"].token)
    await client.acked()
    op = await client.subscribe("subscription { ...Missing }")
    message = await client.receive()
    assert (message["id"], message["type"]) == (op, "error")
    assert "Unknown fragment 'Missing'." in [e["message"] for e in message["payload"]]


async def test_fragments_spreading_each_other_are_reported_by_validation(server, world):
    client = await LiveClient.connect(server, world["alice"].token)
    await client.acked()
    op = await client.subscribe(
        """subscription { ...A } fragment A on Subscription { ...B }
           fragment B on Subscription { ...A }"""
    )
    message = await client.receive()
    assert (message["id"], message["type"]) == (op, "error")
    assert any("within itself" in e["message"] for e in message["payload"])


RESUMABLE = """subscription($after: String) { ...Events }
fragment Events on Subscription {
  events: ticketEvents(after: $after) { cursor kind comment { body } }
}"""


async def test_a_resume_cursor_inside_a_fragment_catches_up_and_shares_the_live_execution(
    server, world
):
    ticket = await create_ticket(server, world["alice"])
    first, first_op = await listen(server, world["alice"], RESUMABLE)
    agent = world["agent"].token
    for body in ("one", "two"):
        await server.gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": body}}, agent)
    cursor = None
    while cursor is None:
        event = (await first.next(first_op))["data"]["events"]
        if (event.get("comment") or {}).get("body") == "one":
            cursor = event["cursor"]

    second, second_op = await listen(server, world["alice"], RESUMABLE, {"after": cursor})
    caught_up = (await second.next(second_op))["data"]["events"]
    assert caught_up["comment"]["body"] == "two"
    assert await server.metric("helpdesk_subscription_hubs") == 1  # one execution for both


PROMPTS = "subscription { awaitingConfirmation { number } }"
EVENTS = "subscription { ticketEvents { kind ticket { number } } }"


async def hubs(server) -> int:
    return int(await server.metric("helpdesk_subscription_hubs"))


async def test_a_personal_subscription_runs_once_per_person_however_many_sockets(server, world):
    carol = await f.customer(world["acme"])  # Alice's audience, another person
    await listen(server, world["alice"], PROMPTS)
    await listen(server, carol, PROMPTS)
    assert await hubs(server) == 2
    await listen(server, world["alice"], PROMPTS)  # another socket, the same person
    assert await hubs(server) == 2
    assert await server.live_subscriptions() == 3


async def test_staff_share_one_execution_and_customers_of_other_organizations_do_not(server, world):
    agent, agent_op = await listen(server, world["agent"], EVENTS)
    admin, admin_op = await listen(server, world["admin"], EVENTS)
    assert await hubs(server) == 1  # no scope tells an admin from an agent
    alice, alice_op = await listen(server, world["alice"], EVENTS)
    await listen(server, world["bob"], EVENTS)
    assert await hubs(server) == 3

    ticket = await create_ticket(server, world["alice"])
    for client, op in ((agent, agent_op), (admin, admin_op), (alice, alice_op)):
        event = (await client.next(op))["data"]["ticketEvents"]
        assert event == {"kind": "CREATED", "ticket": {"number": ticket["number"]}}


async def test_a_shared_execution_reads_as_the_audience_and_is_no_person(world):
    alice, agent = world["alice"], world["agent"]
    ticket = await f.ticket(alice)
    await tickets.resolve(agent.viewer, ticket.id)
    shared = access.representative(access.audience(alice.viewer))

    # The organization's view, exactly...
    assert access.audience(shared) == access.audience(alice.viewer)
    seen = await access.tickets(shared).values_list("id", flat=True)
    assert set(seen) == set(await access.tickets(alice.viewer).values_list("id", flat=True))
    assert ticket.id in seen
    # ...but a per-person rule finds no one in it: Alice's prompt is not the execution's.
    assert [t.id for t in await tickets.awaiting_confirmation(alice.viewer)] == [ticket.id]
    assert await tickets.awaiting_confirmation(shared) == []


async def test_a_shared_execution_spends_its_first_members_budget_and_no_one_elses(
    database_url, world
):
    # One cost point a minute: each person may start one execution.
    server = Server(database_url, env={"HELPDESK_MAX_COST_PER_MINUTE": "1"})
    await asyncio.to_thread(server.start)
    try:
        carol = await f.customer(world["acme"])
        events = "subscription { ticketEvents { kind } }"  # one point each
        await listen(server, world["alice"], events)  # starts Acme's execution: Alice pays
        await listen(server, carol, events)  # joins it: nothing to pay
        await listen(server, world["bob"], events)  # Globex's own execution: Bob pays

        stats = "subscription { ticketStats { total } }"
        alice = await LiveClient.connect(server, world["alice"].token)
        await alice.acked()
        op = await alice.subscribe(stats)  # a new execution: Alice has spent her point
        refusal = await alice.receive()
        assert (refusal["id"], refusal["type"]) == (op, "error")
        assert refusal["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        carol_stats, op = await listen(server, carol, stats)  # Carol has her point
        assert (await carol_stats.next(op))["data"]["ticketStats"]["total"] == 0
    finally:
        await asyncio.to_thread(server.stop)
