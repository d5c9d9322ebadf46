"""The ticket grid: requests per second and latency of its first page over HTTP.

Loads the demo (`helpdesk demo --tickets 2000`) into a scratch database, starts a real
`helpdesk serve`, logs in as an agent and as a customer, and times R requests of the grid's
first page (50 tickets with organization, primary contact, owner, CC contacts, category),
one at a time and 10 at a time. For comparison it times, in this process, the same page
fetched with hand-written SQL (token check, one query joining tickets, organizations,
contacts and categories, one for the CC contacts) and serialized with json.dumps: the floor
of a hand-written endpoint, without its HTTP. GET /healthz gives the HTTP floor.

    .venv/bin/python bench/grid.py [--requests 200] [--tickets 2000]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Talks to 127.0.0.1 only; stops by itself (bounded request counts and an overall limit)."""

import argparse
import asyncio
import base64
import hashlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from common import helpdesk, helpdesk_server, login, ms, percentile, run_bounded
from common import scratch_database as scratch

from helpdesk.demo import AGENTS, ORGANIZATIONS, PASSWORD
from helpdesk.models import Priority, Status, ticket_number

PAGE = 50
CONCURRENCY = 10
GRID = """query Grid($first: Int!) {
  tickets(first: $first) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id number summary status priority channel createdAt updatedAt
      organization { id name }
      primaryContact { id name email }
      owner { id name }
      ccContacts { id name }
      category { id name }
    }
  }
}"""


# -- timing -------------------------------------------------------------------------------


@dataclass
class Timing:
    latencies: list[float]
    seconds: float  # wall time of the whole run

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def timed(call: Callable[[], Awaitable[object]], count: int, concurrency: int) -> Timing:
    """`count` calls, `concurrency` at a time (workers taking the next call as they finish)."""
    latencies: list[float] = []
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Timing(latencies, time.perf_counter() - started)


def line(label: str, timing: Timing) -> str:
    p50 = statistics.median(timing.latencies)
    p95 = percentile(timing.latencies, 95)
    return (
        f"  {label:<34}{timing.per_second:8.0f} req/s   p50 {ms(p50).strip():>9}"
        f"   p95 {ms(p95).strip():>9}"
    )


# -- the hand-written floor -----------------------------------------------------------------


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def moment(value) -> datetime:
    """A timestamp column: SQLite hands back text, PostgreSQL datetimes."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def iso(value) -> str:
    """A timestamp as the API writes it."""
    return moment(value).astimezone(UTC).isoformat()


def sql_grid(postgres: bool, customer: bool) -> tuple[str, str, str]:
    """The three queries; parameters go in the order they appear."""

    def numbered():
        n = 0

        def p() -> str:
            nonlocal n
            n += 1
            return f"${n}" if postgres else "?"

        return p

    p = numbered()
    auth = f"""SELECT c.id, c.role, c.organization_id, c.is_active, t.expires_at
        FROM api_tokens t JOIN contacts c ON c.id = t.contact_id
        WHERE t.token_hash = {p()} AND t.revoked_at IS NULL"""
    p = numbered()
    scope = f"AND t.organization_id = {p()}" if customer else ""
    tickets = f"""SELECT t.id, t.summary, t.status, t.priority, t.channel, t.created_at,
            t.updated_at, o.id, o.name, pc.id, pc.name, pc.email, ow.id, ow.name, ca.id, ca.name
        FROM tickets t
        JOIN organizations o ON o.id = t.organization_id
        JOIN contacts pc ON pc.id = t.primary_contact_id
        LEFT JOIN contacts ow ON ow.id = t.owner_id
        JOIN categories ca ON ca.id = t.category_id
        WHERE t.status NOT IN ({Status.RESOLVED.value}, {Status.CLOSED.value}) {scope}
        ORDER BY t.id DESC LIMIT {p()}"""
    p = numbered()
    ids = f"= ANY({p()}::int[])" if postgres else f"IN (SELECT value FROM json_each({p()}))"
    # Customers see the CC contacts of their organization (and staff).
    visible = f"AND (k.organization_id = {p()} OR k.role IN ('AGENT', 'ADMIN'))" if customer else ""
    cc = f"""SELECT cc.ticket_id, k.id, k.name
        FROM ticket_cc_contacts cc JOIN contacts k ON k.id = cc.contact_id
        WHERE cc.ticket_id {ids} {visible}
        ORDER BY cc.id"""
    return auth, tickets, cc


def page_json(rows: list, cc_rows: list) -> str:
    """The same JSON document the GraphQL endpoint returns."""
    ccs: dict[int, list] = {}
    for ticket_id, contact_id, name in cc_rows:
        ccs.setdefault(ticket_id, []).append({"id": global_id("Contact", contact_id), "name": name})
    nodes = []
    for r in rows[:PAGE]:
        nodes.append(
            {
                "id": global_id("Ticket", r[0]),
                "number": ticket_number(r[0]),
                "summary": r[1],
                "status": Status(r[2]).name,
                "priority": Priority(r[3]).name,
                "channel": r[4],
                "createdAt": iso(r[5]),
                "updatedAt": iso(r[6]),
                "organization": {"id": global_id("Organization", r[7]), "name": r[8]},
                "primaryContact": {"id": global_id("Contact", r[9]), "name": r[10], "email": r[11]},
                "owner": None
                if r[12] is None
                else {"id": global_id("Contact", r[12]), "name": r[13]},
                "ccContacts": ccs.get(r[0], []),
                "category": {"id": global_id("Category", r[14]), "name": r[15]},
            }
        )
    last = rows[min(len(rows), PAGE) - 1][0] if rows else None
    end_cursor = (
        base64.urlsafe_b64encode(json.dumps([last, last]).encode()).decode() if rows else None
    )
    page_info = {"hasNextPage": len(rows) > PAGE, "endCursor": end_cursor}
    return json.dumps({"data": {"tickets": {"pageInfo": page_info, "nodes": nodes}}})


def check_token(row, customer: bool) -> int | None:
    """The viewer's organization, after the checks authenticate() makes."""
    if row is None or not row[3]:
        raise SystemExit("hand-written endpoint: token refused")
    if row[4] is not None and moment(row[4]) <= datetime.now(UTC):
        raise SystemExit("hand-written endpoint: token expired")
    return row[2] if customer else None


class SqliteFloor:
    """aiosqlite, one connection (as Tortoise uses on SQLite)."""

    def __init__(self, path: str):
        self.path = path

    async def __aenter__(self):
        import aiosqlite

        self.db = await aiosqlite.connect(self.path)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.db.close()

    async def page(self, token: str, customer: bool) -> str:
        auth, tickets, cc = sql_grid(False, customer)
        digest = hashlib.sha256(token.encode()).hexdigest()
        async with self.db.execute(auth, (digest,)) as cursor:
            organization = check_token(await cursor.fetchone(), customer)
        scope = (organization,) if customer else ()
        async with self.db.execute(tickets, (*scope, PAGE + 1)) as cursor:
            rows = await cursor.fetchall()
        ids = json.dumps([r[0] for r in rows[:PAGE]])
        async with self.db.execute(cc, (ids, *scope)) as cursor:
            cc_rows = await cursor.fetchall()
        return page_json(rows, cc_rows)


class PostgresFloor:
    """asyncpg, a pool of up to 5 connections (Tortoise's default on PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url.replace("postgres://", "postgresql://", 1)

    async def __aenter__(self):
        import asyncpg

        self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=5)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.pool.close()

    async def page(self, token: str, customer: bool) -> str:
        auth, tickets, cc = sql_grid(True, customer)
        digest = hashlib.sha256(token.encode()).hexdigest()
        async with self.pool.acquire() as conn:
            organization = check_token(await conn.fetchrow(auth, digest), customer)
            scope = (organization,) if customer else ()
            rows = await conn.fetch(tickets, *scope, PAGE + 1)
            ids = [r[0] for r in rows[:PAGE]]
            cc_rows = await conn.fetch(cc, ids, *scope)
        return page_json(rows, cc_rows)


# -- main ---------------------------------------------------------------------------------


async def run(args, database_url: str) -> None:
    agent_email = AGENTS[0][1]
    customer_email = next(iter(ORGANIZATIONS.values()))[0][0][1]
    with helpdesk_server(database_url) as server:
        url = server.http_url
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            tokens = {
                "agent": await login(client, url, agent_email, PASSWORD),
                "customer": await login(client, url, customer_email, PASSWORD),
            }
            floor_class = PostgresFloor if database_url.startswith("postgres") else SqliteFloor
            floor_target = database_url.removeprefix("sqlite://")
            async with floor_class(floor_target) as floor:
                for who, token in tokens.items():
                    customer = who == "customer"
                    body = {"query": GRID, "variables": {"first": PAGE}}
                    headers = {"Authorization": f"Bearer {token}"}

                    async def graphql(body=body, headers=headers) -> bytes:
                        response = await client.post(url + "/graphql", json=body, headers=headers)
                        response.raise_for_status()
                        return response.content

                    async def by_hand(token=token, customer=customer) -> str:
                        return await floor.page(token, customer)

                    api = json.loads(await graphql())
                    mine = json.loads(await by_hand())
                    if "errors" in api:
                        raise SystemExit(f"grid query failed: {api['errors']}")
                    same = "identical" if api == mine else "DIFFERENT (see --show-diff)"
                    if api != mine and args.show_diff:
                        print(json.dumps(api)[:2000], "\n", json.dumps(mine)[:2000])
                    nodes = api["data"]["tickets"]["nodes"]
                    print(
                        f"\n{who}: {len(nodes)} tickets on the page, response "
                        f"{len(await graphql())} bytes; hand-written JSON {same}"
                    )
                    for call in (graphql, by_hand):  # warm-up
                        await timed(call, 10, 1)
                    for concurrency in (1, CONCURRENCY):
                        api_t = await timed(graphql, args.requests, concurrency)
                        floor_t = await timed(by_hand, args.requests, concurrency)
                        print(line(f"GraphQL over HTTP, concurrency {concurrency}", api_t))
                        print(line(f"hand-written, in-process, conc. {concurrency}", floor_t))
                        ratio = statistics.median(api_t.latencies) / statistics.median(
                            floor_t.latencies
                        )
                        print(f"  {'ratio GraphQL / hand-written (p50)':<34}{ratio:8.1f}x")

                async def health() -> None:
                    (await client.get(url + "/healthz")).raise_for_status()

                print("\nHTTP floor (GET /healthz, same server)")
                await timed(health, 10, 1)
                for concurrency in (1, CONCURRENCY):
                    timing = await timed(health, args.requests, concurrency)
                    print(line(f"concurrency {concurrency}", timing))


def main(args) -> None:
    started = time.monotonic()
    with scratch(args.database_url) as database_url:
        kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        print(f"grid: demo with {args.tickets} tickets, {args.requests} requests per run, {kind}")
        loading = time.monotonic()
        helpdesk(database_url, "demo", "--tickets", str(args.tickets), timeout=args.max_seconds)
        print(f"(demo loaded in {time.monotonic() - loading:.0f} s)")
        run_bounded(lambda: run(args, database_url), args.max_seconds)
    print(f"\n(total {time.monotonic() - started:.0f} s)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per run; default %(default)s")
    parser.add_argument("--tickets", type=int, default=2000, help="demo size; default %(default)s")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: a temp SQLite file)",
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="overall time limit")
    parser.add_argument("--show-diff", action="store_true", help="print both documents if differ")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
