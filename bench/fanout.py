"""Live fan-out: how long one ticket change takes to reach N websocket subscribers.

A real `helpdesk serve` on a scratch database; N graphql-transport-ws sockets of one
customer all subscribe to the same `ticketEvents` document; an agent adds M comments to the
customer's ticket, one after the other. For each comment: the time from sending the
mutation until every subscriber has the event ("all delivered"), and the mean over
subscribers. `--baseline` also runs the same clients against a bare Starlette websocket
broadcast (an HTTP poke sends one ~same-size text to every socket) and prints the ratio.

    .venv/bin/python bench/fanout.py [--subscribers 200] [--events 20] [--baseline]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Talks to 127.0.0.1 only; stops by itself (per-event timeout and an overall time limit)."""

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

import httpx
import websockets
from common import (
    HOST,
    Process,
    describe,
    graphql,
    helpdesk,
    helpdesk_server,
    login,
    ms,
    percentile,
    run_bounded,
    save_json,
)
from common import scratch_database as scratch
from prometheus_client.parser import text_string_to_metric_families

PASSWORD = "bench-password-1"
AGENT = ("bench-agent@example.com", "Bench Agent")
CUSTOMER = ("bench-customer@example.com", "Bench Customer", "Bench Org")

# The document of tests/test_live_tickets.py (and close to the README's GraphiQL example).
EVENTS = """subscription($filter: TicketFilter, $after: String) {
  ticketEvents(filter: $filter, after: $after) {
    cursor kind matchesFilter ticket { number summary status } changes { field oldValue newValue }
    comment { body kind }
  }
}"""
CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id number } errors { code message } } }"""
COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { comment { id } errors { code message } } }"""

MARKER = re.compile(r'"body":\s?"(bench-[^"]+)"')
PING = '"type": "ping"', '"type":"ping"'


# -- clients ------------------------------------------------------------------------------


@dataclass
class Delivery:
    """One event's arrivals (perf_counter times), first arrival per subscriber."""

    expected: int
    times: list[float] = field(default_factory=list)
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self, at: float) -> None:
        self.times.append(at)
        if len(self.times) >= self.expected:
            self.complete.set()


class Deliveries:
    def __init__(self, expected: int):
        self.expected = expected
        self.by_marker: dict[str, Delivery] = {}
        self.sizes: dict[str, int] = {}

    def expect(self, marker: str) -> Delivery:
        self.by_marker[marker] = Delivery(self.expected)
        return self.by_marker[marker]


async def connect(ws_url: str, token: str | None) -> websockets.ClientConnection:
    ws = await websockets.connect(
        ws_url, subprotocols=["graphql-transport-ws"], open_timeout=30, max_queue=None
    )
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
    if ack.get("type") != "connection_ack":
        raise SystemExit(f"expected connection_ack, got {ack}")
    await ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS, "variables": {}}})
    )
    return ws


async def receive(ws: websockets.ClientConnection, deliveries: Deliveries) -> None:
    """One subscriber's receive loop: timestamps a message as soon as it is read."""
    seen: set[str] = set()
    try:
        async for raw in ws:
            at = time.perf_counter()
            found = MARKER.search(raw)
            if found:
                marker = found.group(1)
                delivery = deliveries.by_marker.get(marker)
                if delivery is not None and marker not in seen:
                    seen.add(marker)
                    deliveries.sizes[marker] = len(raw.encode())
                    delivery.arrived(at)
            elif raw.startswith(PING):
                await ws.send('{"type": "pong"}')
    except websockets.ConnectionClosed:
        pass


async def open_subscribers(ws_url: str, token: str | None, n: int) -> list:
    sockets = []
    # Opening sockets is not measured; a few dozen at a time keeps the backlog reasonable.
    for start in range(0, n, 50):
        sockets += await asyncio.gather(
            *(connect(ws_url, token) for _ in range(start, min(n, start + 50)))
        )
    return sockets


@dataclass
class Result:
    all_delivered: list[float]
    mean_per_subscriber: list[float]
    trigger: list[float]  # mutation (or poke) round trip
    message_bytes: int


async def measure(
    n: int,
    events: int,
    ws_url: str,
    token: str | None,
    trigger,  # async (marker) -> None
    timeout: float,
) -> Result:
    """Opens n subscribers, warms up with one event, then measures `events` events."""
    deliveries = Deliveries(n)
    sockets = await open_subscribers(ws_url, token, n)
    readers = [asyncio.create_task(receive(ws, deliveries)) for ws in sockets]
    try:
        # Warm-up (not measured): also proves every subscription is registered.
        for attempt in range(20):
            warm = deliveries.expect(f"bench-warmup-{attempt}")
            await trigger(f"bench-warmup-{attempt}")
            try:
                await asyncio.wait_for(warm.complete.wait(), 2)
                break
            except TimeoutError:
                continue  # subscriptions still registering: the next warm-up reaches all
        else:
            raise SystemExit(f"warm-up: only {len(warm.times)} of {n} subscribers got an event")
        await asyncio.sleep(0.2)
        result = Result([], [], [], 0)
        for i in range(events):
            marker = f"bench-{i}"
            delivery = deliveries.expect(marker)
            started = time.perf_counter()
            await trigger(marker)
            result.trigger.append(time.perf_counter() - started)
            try:
                await asyncio.wait_for(delivery.complete.wait(), timeout)
            except TimeoutError:
                raise SystemExit(
                    f"event {i}: {len(delivery.times)} of {n} subscribers in {timeout:.0f} s"
                ) from None
            result.all_delivered.append(max(delivery.times) - started)
            result.mean_per_subscriber.append(statistics.fmean(delivery.times) - started)
            result.message_bytes = deliveries.sizes[marker]
            await asyncio.sleep(0.05)  # let the server settle between events
        return result
    finally:
        await asyncio.wait([asyncio.create_task(ws.close()) for ws in sockets], timeout=10)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


LIVE_GAUGES = (
    "helpdesk_open_websockets",
    "helpdesk_live_subscriptions",
    "helpdesk_subscription_hubs",
)


async def live_gauges(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """The live gauges /metrics reports (open websockets, subscriptions, hubs)."""
    text = (await client.get(url + "/metrics")).text
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name in LIVE_GAUGES
    }


def health(gauges: dict[str, float]) -> str:
    return ", ".join(
        f"{name.removeprefix('helpdesk_')} {value:g}" for name, value in gauges.items()
    )


def report(title: str, result: Result, n: int) -> None:
    print(f"\n{title}: {len(result.all_delivered)} events to {n} subscribers")
    print(f"  message size          {result.message_bytes} bytes")
    print(f"  trigger round trip    {describe(result.trigger)}")
    print(f"  all delivered         {describe(result.all_delivered)}")
    mean = statistics.fmean(result.mean_per_subscriber)
    print(f"  mean per subscriber   {ms(mean).strip()} (mean over events)")


# -- the help desk ------------------------------------------------------------------------


def prepare(database_url: str) -> None:
    """Migrates the scratch database and creates the agent and the customer."""
    helpdesk(database_url, "migrate")
    user = ["create-user", "--password", PASSWORD]
    helpdesk(database_url, *user, "--role", "agent", "--email", AGENT[0], "--name", AGENT[1])
    email, name, organization = CUSTOMER
    helpdesk(database_url, *user, "--role", "customer", "--email", email, "--name", name,
             "--organization", organization)  # fmt: skip


async def bench_helpdesk(args, database_url: str) -> Result:
    prepare(database_url)
    with helpdesk_server(database_url) as server:
        async with httpx.AsyncClient(timeout=30) as client:
            url = server.http_url
            agent = await login(client, url, AGENT[0], PASSWORD)
            customer = await login(client, url, CUSTOMER[0], PASSWORD)
            data = await graphql(
                client,
                url,
                CREATE,
                {"input": {"summary": "Wallet not syncing", "description": "Help"}},
                customer,
            )
            ticket_id = data["createTicket"]["ticket"]["id"]

            async def add_comment(marker: str) -> None:
                data = await graphql(
                    client, url, COMMENT, {"input": {"ticketId": ticket_id, "body": marker}}, agent
                )
                if data["addComment"]["errors"]:
                    raise SystemExit(f"addComment: {data['addComment']['errors']}")

            ws_url = f"ws://{HOST}:{server.port}/graphql"
            health_during = {}

            async def trigger(marker: str) -> None:
                await add_comment(marker)
                if not health_during:
                    health_during.update(await live_gauges(client, url))

            result = await measure(
                args.subscribers, args.events, ws_url, customer, trigger, args.event_timeout
            )
            report("helpdesk (addComment -> ticketEvents)", result, args.subscribers)
            print(f"  /metrics while subscribed: {health(health_during)}")
            await asyncio.sleep(0.5)
            after = await live_gauges(client, url)
            print(f"  /metrics after closing:    {health(after)}")
    return result


# -- the baseline: a bare broadcast --------------------------------------------------------


def baseline_app():
    """A websocket endpoint that keeps every socket, and an HTTP endpoint that sends one
    text, encoded once, to all of them: the least a broadcast can cost in this stack."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    sockets: set[WebSocket] = set()

    async def live(ws: WebSocket) -> None:
        await ws.accept(subprotocol="graphql-transport-ws")
        sockets.add(ws)
        try:
            while True:
                message = json.loads(await ws.receive_text())
                if message.get("type") == "connection_init":
                    await ws.send_text('{"type": "connection_ack"}')
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(ws)

    async def poke(request: Request) -> JSONResponse:
        body = await request.json()
        event = {"comment": {"body": body["marker"], "kind": "REPLY"}, "padding": ""}
        message = {"id": "1", "type": "next", "payload": {"data": {"ticketEvents": event}}}
        event["padding"] = "x" * max(0, body["size"] - len(json.dumps(message)))
        text = json.dumps(message)
        targets = list(sockets)
        await asyncio.gather(*(s.send_text(text) for s in targets), return_exceptions=True)
        return JSONResponse({"sent": len(targets)})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "liveSockets": len(sockets)})

    return Starlette(
        routes=[
            WebSocketRoute("/ws", live),
            Route("/poke", poke, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )


def serve_baseline(port: int) -> None:
    import uvicorn

    uvicorn.run(baseline_app(), host=HOST, port=port, ws_max_size=1024 * 1024)


async def bench_baseline(args, size: int) -> Result:
    command = [sys.executable, __file__, "--serve-baseline"]
    with Process(command, {}, "/healthz") as server:
        async with httpx.AsyncClient(timeout=30) as client:

            async def trigger(marker: str) -> None:
                response = await client.post(
                    server.http_url + "/poke", json={"marker": marker, "size": size}
                )
                response.raise_for_status()

            ws_url = f"ws://{HOST}:{server.port}/ws"
            result = await measure(
                args.subscribers, args.events, ws_url, None, trigger, args.event_timeout
            )
    report("baseline (HTTP poke -> bare Starlette broadcast)", result, args.subscribers)
    return result


# -- main ---------------------------------------------------------------------------------


async def run(args, database_url: str) -> None:
    kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"fanout: {args.subscribers} subscribers, {args.events} events, {kind}")
    mine = await bench_helpdesk(args, database_url)
    figures = {"subscribers": args.subscribers, "helpdesk": asdict(mine)}
    if args.baseline:
        base = await bench_baseline(args, mine.message_bytes)
        figures["baseline"] = asdict(base)
        median, mean = statistics.median, statistics.fmean
        ratio = median(mine.all_delivered) / median(base.all_delivered)
        print(f"\nratio helpdesk / baseline, median all delivered: {ratio:.2f}x")
        p99 = percentile(mine.all_delivered, 99) / percentile(base.all_delivered, 99)
        print(f"ratio helpdesk / baseline, p99 all delivered:    {p99:.2f}x")
        ratio = mean(mine.mean_per_subscriber) / mean(base.mean_per_subscriber)
        print(f"ratio helpdesk / baseline, mean per subscriber:   {ratio:.2f}x")
    save_json(args.json, figures)


def main(args) -> None:
    started = time.monotonic()
    with scratch(args.database_url) as database_url:
        run_bounded(lambda: run(args, database_url), args.max_seconds)
    print(f"\n(total {time.monotonic() - started:.0f} s)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=200, help="default: %(default)s")
    parser.add_argument("--events", type=int, default=20, help="default: %(default)s")
    parser.add_argument("--baseline", action="store_true", help="also time a bare broadcast")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: a temp SQLite file)",
    )
    parser.add_argument("--event-timeout", type=float, default=30, help="seconds per event")
    parser.add_argument("--max-seconds", type=float, default=600, help="overall time limit")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_baseline:
        serve_baseline(arguments.port)
    else:
        main(arguments)
