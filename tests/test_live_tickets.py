"""Live subscriptions against a real uvicorn server, with a real websocket client."""

import asyncio

import factories as f
import pytest
import websockets
from live import COMMENT, RESOLVE, UPDATE, LiveClient, create_ticket, event_where, listen

from helpdesk import models


async def test_agents_change_reaches_customer_of_same_organization_only(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, alice_op = await listen(server, world["alice"])
    bob, _ = await listen(server, world["bob"])

    await server.gql(
        UPDATE,
        {"input": {"ticketId": ticket["id"], "summary": "Sync fixed?"}},
        world["agent"].token,
    )

    event = await event_where(alice, alice_op, kind="UPDATED")
    assert event["ticket"]["number"] == ticket["number"]
    assert {"field": "summary", "oldValue": "Wallet not syncing", "newValue": "Sync fixed?"} in (
        event["changes"]
    )
    await bob.nothing_for(1.0)
    await alice.close()
    await bob.close()


async def test_internal_notes_reach_staff_only(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, alice_op = await listen(server, world["alice"])
    agent, agent_op = await listen(server, world["agent"])

    await server.gql(
        COMMENT,
        {"input": {"ticketId": ticket["id"], "body": "VIP, be quick", "kind": "INTERNAL_NOTE"}},
        world["agent"].token,
    )
    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "On it"}}, world["agent"].token
    )

    note = await event_where(agent, agent_op, kind="COMMENTED")
    assert note["comment"]["body"] == "VIP, be quick"
    reply = await event_where(agent, agent_op, kind="COMMENTED")
    assert reply["comment"]["body"] == "On it"
    customer_event = await event_where(alice, alice_op, kind="COMMENTED")
    assert customer_event["comment"] == {"body": "On it", "kind": "REPLY"}
    await alice.nothing_for(1.0)
    await alice.close()
    await agent.close()


async def test_subscriber_whose_filter_excludes_a_ticket_gets_nothing_for_it(server, world):
    agent, op = await listen(server, world["agent"], variables={"filter": {"summary": "refund"}})
    await create_ticket(server, world["alice"], summary="Wallet not syncing")
    refund = await create_ticket(server, world["alice"], summary="Refund my fee")

    event = (await agent.next(op))["data"]["ticketEvents"]
    assert (event["kind"], event["ticket"]["number"]) == ("CREATED", refund["number"])
    await agent.nothing_for(1.0)
    await agent.close()


async def test_ticket_leaving_the_filter_sends_one_last_event(server, world):
    ticket = await create_ticket(server, world["alice"])
    agent, op = await listen(server, world["agent"])  # default grid: resolved tickets hidden

    await server.gql(RESOLVE, {"input": {"ticketId": ticket["id"]}}, world["agent"].token)
    event = await event_where(agent, op, kind="RESOLVED")
    assert event["matchesFilter"] is False

    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "Thanks"}}, world["alice"].token
    )
    await agent.nothing_for(1.0)
    await agent.close()


async def test_reconnecting_with_after_receives_exactly_the_missed_events(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, op = await listen(server, world["alice"])
    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "one"}}, world["agent"].token
    )
    last_seen = (await event_where(alice, op, body="one"))["cursor"]
    await alice.close()

    for body in ("two", "three", "four"):
        await server.gql(
            COMMENT, {"input": {"ticketId": ticket["id"], "body": body}}, world["agent"].token
        )

    alice, op = await listen(server, world["alice"], variables={"after": last_seen})
    replayed = [(await alice.next(op))["data"]["ticketEvents"] for _ in range(3)]
    assert [e["comment"]["body"] for e in replayed] == ["two", "three", "four"]
    cursors = [int(e["cursor"]) for e in replayed]
    assert cursors == sorted(cursors) and cursors[0] > int(last_seen)

    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "five"}}, world["agent"].token
    )
    live = (await alice.next(op))["data"]["ticketEvents"]
    assert live["comment"]["body"] == "five"
    await alice.nothing_for(0.5)
    await alice.close()


async def test_server_restart_between_disconnect_and_resume_loses_nothing(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, op = await listen(server, world["alice"])
    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "before"}}, world["agent"].token
    )
    cursor = (await event_where(alice, op, body="before"))["cursor"]

    await asyncio.to_thread(server.stop)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await alice.receive(timeout=5)
    assert closed.value.rcvd.code == 1001  # going away: clients reconnect and resume
    await asyncio.to_thread(server.start)
    await server.gql(
        COMMENT, {"input": {"ticketId": ticket["id"], "body": "while away"}}, world["agent"].token
    )

    alice, op = await listen(server, world["alice"], variables={"after": cursor})
    event = (await alice.next(op))["data"]["ticketEvents"]
    assert event["comment"]["body"] == "while away"
    await alice.close()


async def test_bad_token_is_refused_with_4403(server, world):
    client = await LiveClient.connect(server, "hd_not-a-real-token")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.receive(timeout=5)
    assert closed.value.rcvd.code == 4403


async def test_legacy_graphql_ws_subprotocol_is_not_spoken(server, world):
    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-ws"])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 4406


async def test_revoking_a_token_ends_that_persons_subscriptions_at_once(server, world):
    alice, _ = await listen(server, world["alice"])
    await server.gql(
        "mutation($input: RevokeApiTokenInput!) {"
        " revokeApiToken(input: $input) { errors { code } } }",
        {"input": {"tokenId": f.global_id("ApiToken", world["alice"].viewer.token_id)}},
        world["alice"].token,
    )
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await alice.receive(timeout=5)
    assert closed.value.rcvd.code == 4403


async def test_a_resuming_subscriber_catches_up_then_shares_the_live_execution(server, world):
    ticket = await create_ticket(server, world["alice"])
    first, first_op = await listen(server, world["alice"])
    agent = world["agent"].token
    await server.gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "one"}}, agent)
    cursor = (await event_where(first, first_op, body="one"))["cursor"]
    for body in ("two", "three"):
        await server.gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": body}}, agent)
    await event_where(first, first_op, body="three")

    second, second_op = await listen(server, world["alice"], variables={"after": cursor})
    caught_up = [(await second.next(second_op))["data"]["ticketEvents"] for _ in range(2)]
    assert [e["comment"]["body"] for e in caught_up] == ["two", "three"]
    assert await server.metric("helpdesk_subscription_hubs") == 1  # one execution for both

    await server.gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "four"}}, agent)
    for client, op in ((first, first_op), (second, second_op)):
        assert (await client.next(op))["data"]["ticketEvents"]["comment"]["body"] == "four"
    await second.nothing_for(0.5)


async def test_a_ticket_moved_to_another_organization_says_goodbye_and_nothing_more(server, world):
    ticket = await create_ticket(server, world["alice"])
    alice, op = await listen(server, world["alice"])
    globex = await models.Organization.get(name="Globex")
    move = {
        "ticketId": ticket["id"],
        "organizationId": f.global_id("Organization", globex.id),
        "primaryContactId": world["bob"].id,
    }
    await server.gql(UPDATE, {"input": move}, world["agent"].token)

    event = await event_where(alice, op, kind="UPDATED")
    assert (event["matchesFilter"], event["ticket"], event["changes"]) == (False, None, [])
