"""Server memory per idle live socket: ours against a bare Starlette websocket server.

Starts a real `helpdesk serve` on a scratch database, opens N graphql-transport-ws sockets
of one customer, each subscribed to the same `ticketEvents` document (the one of
bench/fanout.py), waits until the server reports them all, and reads the server's resident
memory (VmRSS) before and after. Then the same N sockets against the bare baseline of
bench/fanout.py (accept, ack, keep the socket). Prints KiB per socket for both and the ratio
(target: at most 1.5).

A warm-up of W sockets is opened (and kept) before the first reading on both servers, so
code paths, caches and the first hub are paid for before counting.

    .venv/bin/python bench/sockets.py [--sockets 2000] [--warmup 100]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Talks to 127.0.0.1 only; stops by itself."""

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
from common import (
    HOST,
    Process,
    graphql,
    helpdesk_server,
    login,
    run_bounded,
    save_json,
)
from common import scratch_database as scratch
from fanout import CREATE, CUSTOMER, PASSWORD, live_gauges, open_subscribers, prepare

TARGET = 1.5
FANOUT = str(Path(__file__).resolve().parent / "fanout.py")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("no VmRSS in /proc: Linux only")


async def settle(pid: int) -> int:
    """The RSS once it stops moving (the server is still answering the last subscribes)."""
    last = rss_kib(pid)
    for _ in range(20):
        await asyncio.sleep(0.5)
        now = rss_kib(pid)
        if abs(now - last) < 64:
            return now
        last = now
    return last


async def per_socket(pid: int, ws_url: str, token: str | None, n: int, warmup: int, held):
    """KiB of server memory per socket: opens `warmup`, reads RSS, opens n more, reads RSS.
    `held()` is how many sockets the server says it holds."""

    async def holding(count: int) -> None:
        deadline = time.monotonic() + 60
        while await held() < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"the server never held {count} sockets")
            await asyncio.sleep(0.2)

    warm = await open_subscribers(ws_url, token, warmup)
    await holding(warmup)
    before = await settle(pid)
    sockets = await open_subscribers(ws_url, token, n)
    await holding(warmup + n)
    after = await settle(pid)
    await asyncio.wait([asyncio.create_task(ws.close()) for ws in warm + sockets], timeout=30)
    return (after - before) / n, before, after


async def ours(args, database_url: str) -> float:
    prepare(database_url)
    with helpdesk_server(database_url) as server:
        assert server.process is not None
        async with httpx.AsyncClient(timeout=30) as client:
            url = server.http_url
            customer = await login(client, url, CUSTOMER[0], PASSWORD)
            await graphql(
                client,
                url,
                CREATE,
                {"input": {"summary": "Wallet not syncing", "description": "Help"}},
                customer,
            )

            async def held() -> float:
                gauges = await live_gauges(client, url)
                return gauges.get("helpdesk_live_subscriptions", 0)

            ws_url = f"ws://{HOST}:{server.port}/graphql"
            kib, before, after = await per_socket(
                server.process.pid, ws_url, customer, args.sockets, args.warmup, held
            )
    print(f"helpdesk:  {before} -> {after} KiB RSS, {kib:.1f} KiB per subscribed socket")
    return kib


async def baseline(args) -> float:
    with Process([sys.executable, FANOUT, "--serve-baseline"], {}, "/healthz") as server:
        assert server.process is not None
        async with httpx.AsyncClient(timeout=30) as client:

            async def held() -> float:
                return (await client.get(server.http_url + "/healthz")).json()["liveSockets"]

            ws_url = f"ws://{HOST}:{server.port}/ws"
            kib, before, after = await per_socket(
                server.process.pid, ws_url, None, args.sockets, args.warmup, held
            )
    print(f"baseline:  {before} -> {after} KiB RSS, {kib:.1f} KiB per socket")
    return kib


async def run(args, database_url: str) -> None:
    kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"sockets: {args.sockets} idle subscribed sockets (after {args.warmup}), {kind}")
    mine = await ours(args, database_url)
    base = await baseline(args)
    ratio = mine / base
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"\nratio helpdesk / baseline, memory per socket: {ratio:.2f}x")
    print(f"target <= {TARGET}: {verdict}")
    save_json(args.json, {"sockets": args.sockets, "helpdesk_kib": mine, "baseline_kib": base})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000, help="default: %(default)s")
    parser.add_argument("--warmup", type=int, default=100, help="default: %(default)s")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: a temp SQLite file)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--max-seconds", type=float, default=600, help="overall time limit")
    args = parser.parse_args()
    started = time.monotonic()
    with scratch(args.database_url) as database_url:
        run_bounded(lambda: run(args, database_url), args.max_seconds)
    print(f"(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
