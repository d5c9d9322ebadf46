"""GET /metrics: what a Prometheus scrape of the app shows."""

import asyncio
import dataclasses

import factories as f
import httpx
import pytest
from live import EVENTS, Server, create_ticket, event_where, listen
from prometheus_client.parser import text_string_to_metric_families

from helpdesk.app import create_app
from helpdesk.resolvers import metrics


async def scrape(client: httpx.AsyncClient, **headers) -> dict[tuple, float]:
    """Every sample: {(name, (label, value), ...): value}."""
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def operations(samples: dict, name: str, type_: str) -> float:
    key = ("helpdesk_graphql_operations_total", ("operation", name), ("type", type_))
    return samples.get(key, 0)


def errors(samples: dict, code: str) -> float:
    return samples.get(("helpdesk_graphql_errors_total", ("code", code)), 0)


@pytest.fixture
async def app_client(settings):
    """A client for an app built with `settings` changed as the test says."""
    clients = []

    async def make(**changes) -> httpx.AsyncClient:
        app = create_app(dataclasses.replace(settings, **changes), manage_database=False)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_operations_are_counted_and_timed_by_name_and_type(client, world):
    for _ in range(2):
        await f.gql(client, "query WhoAmI { viewer { name } }", as_=world["agent"])
    await f.gql(client, "{ categories { name } }")
    await f.gql(
        client,
        'mutation SignIn { login(input: {email: "x@example.com", password: "wrong"}) '
        "{ errors { code } } }",
    )

    samples = await scrape(client)
    assert operations(samples, "WhoAmI", "query") == 2
    assert operations(samples, "anonymous", "query") == 1
    assert operations(samples, "SignIn", "mutation") == 1
    count = ("helpdesk_graphql_operation_duration_seconds_count", ("operation", "WhoAmI"))
    assert samples[(*count, ("type", "query"))] == 2


async def test_errors_are_counted_by_code(client, world):
    await f.gql(client, "{ tickets { totalCount } }")
    await f.gql(client, "{ tickets { totalCount } }")
    await f.gql(client, "{ nosuchfield }")
    await f.gql(client, "{ viewer { name ")

    samples = await scrape(client)
    assert errors(samples, "UNAUTHENTICATED") == 2
    assert errors(samples, "BAD_REQUEST") == 2
    assert operations(samples, "anonymous", "unknown") == 1  # the one that did not parse


async def test_operation_names_past_the_limit_are_counted_as_other(app_client, world):
    client = await app_client(metrics_max_operation_names=3)
    for n in range(5):
        await f.gql(client, f"query Name{n} {{ categories {{ name }} }}")
    await f.gql(client, "query Name0 { categories { name } }")

    samples = await scrape(client)
    assert [operations(samples, f"Name{n}", "query") for n in range(5)] == [2, 1, 1, 0, 0]
    assert operations(samples, "other", "query") == 2


async def test_metrics_need_the_token_when_one_is_set(app_client):
    client = await app_client(metrics_token="scrape-me")
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert (
        "helpdesk_open_websockets"
        in (await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).text
    )


async def test_rate_limit_refusals_are_counted_by_kind_in_the_app_in_use(settings):
    app, other = (create_app(settings, manage_database=False) for _ in range(2))
    token = metrics.use(app.state.metrics)
    try:
        metrics.rate_limited("login")
        metrics.rate_limited("login")
        metrics.rate_limited("cost")
    finally:
        metrics.stop_using(token)
    metrics.rate_limited("login")  # outside any app: counted nowhere

    for each, expected in ((app, {"login": 2, "cost": 1}), (other, {})):
        transport = httpx.ASGITransport(app=each)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            samples = await scrape(client)
        refused = {
            dict(key[1:])["kind"]: value
            for key, value in samples.items()
            if key[0] == "helpdesk_rate_limited_total"
        }
        assert refused == expected


async def test_live_gauges_follow_sockets_subscriptions_and_deliveries(server, world):
    alice, op = await listen(server, world["alice"], EVENTS)
    agent, agent_op = await listen(server, world["agent"], EVENTS)
    assert await server.metric("helpdesk_open_websockets") == 2
    assert await server.metric("helpdesk_subscription_hubs") == 2
    assert await server.metric("helpdesk_live_subscriptions") == 2

    await create_ticket(server, world["alice"])
    await event_where(alice, op, kind="CREATED")
    await event_where(agent, agent_op, kind="CREATED")
    assert await server.metric("helpdesk_events_delivered_total") == 2

    await alice.close()
    await agent.close()
    for _ in range(100):
        if await server.metric("helpdesk_open_websockets") == 0:
            break
        await asyncio.sleep(0.05)
    assert await server.metric("helpdesk_live_subscriptions") == 0
    assert await server.metric("helpdesk_subscription_hubs") == 0
    assert await server.metric("helpdesk_open_websockets") == 0


async def test_tailer_lag_grows_while_events_wait_and_is_zero_once_handed_out(database_url, world):
    # No bus between this process and the server, and a poll once a minute: an event
    # written here waits in the database until the server looks.
    server = Server(database_url, {"HELPDESK_TAILER_POLL_SECONDS": "60"})
    await asyncio.to_thread(server.start)
    try:
        assert await server.metric("helpdesk_tailer_lag_seconds") == 0
        await f.ticket(world["alice"])
        await asyncio.sleep(1.5)
        assert await server.metric("helpdesk_tailer_lag_seconds") >= 1.5

        await create_ticket(server, world["alice"])  # its hint makes the server look now
        for _ in range(100):
            if await server.metric("helpdesk_tailer_lag_seconds") == 0:
                break
            await asyncio.sleep(0.05)
        assert await server.metric("helpdesk_tailer_lag_seconds") == 0
    finally:
        await asyncio.to_thread(server.stop)
