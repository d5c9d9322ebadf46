"""Personal subscriptions are never shared: however `awaitingConfirmation` is wrapped in the
document, each customer gets only their own prompts."""

import factories as f
import pytest
from live import RESOLVE, LiveClient, create_ticket, listen

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
