"""The ticket grid and updateTicket: requests per second against a hand-written endpoint.

Loads the demo (`helpdesk demo --tickets 2000`) into a scratch database and starts two
servers on it, each uvicorn with uvloop and httptools, one worker: `helpdesk serve` in
production mode, and bench/baseline_app.py, a bare Starlette app written by hand. Logs in as
an agent and as a customer and times R requests of the grid's first page (50 tickets with
organization, primary contact, owner, CC contacts, category) on each server, one at a time
and 10 at a time; then R updateTicket calls (a new summary) against the same writes by hand.
It prints requests/s, p50/p95 latency and the ratio ours / hand-written for each case with
its target from issue 11 (>= 0.5 for the grid, >= 0.7 for updateTicket). Before timing it
checks that the hand-written page is identical to the GraphQL response. GET /healthz gives
the HTTP floor.

    .venv/bin/python bench/grid.py [--requests 200] [--tickets 2000]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--from-sqlite FILE]
        [--json FILE]

Talks to 127.0.0.1 only; stops by itself (bounded request counts and an overall limit)."""

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from common import (
    HOST,
    Process,
    helpdesk,
    helpdesk_server,
    login,
    ms,
    percentile,
    run_bounded,
    save_json,
)
from common import graphql as graphql_data
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

GRID_TARGET = 0.5  # ours / the hand-written endpoint, requests per second (issue 11)
UPDATE_TARGET = 0.7
UPDATE = """mutation Update($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id version summary } errors { code } }
}"""


def baseline_server(database_url: str) -> Process:
    """bench/baseline_app.py under uvicorn, on the same database."""
    return Process(
        [sys.executable, str(Path(__file__).with_name("baseline_app.py")), "--host", HOST],
        {"HELPDESK_DATABASE_URL": database_url},
        "/healthz",
    )


@dataclass
class Case:
    name: str
    ours: Timing
    theirs: Timing
    target: float

    @property
    def ratio(self) -> float:
        return self.ours.per_second / self.theirs.per_second


async def compare(name: str, ours, theirs, args, concurrency: int, target: float) -> Case:
    """Both sides warmed up, then timed one after the other."""
    for call in (ours, theirs):
        await timed(call, 10, 1)
    ours_t = await timed(ours, args.requests, concurrency)
    theirs_t = await timed(theirs, args.requests, concurrency)
    case = Case(name, ours_t, theirs_t, target)
    print(line(f"GraphQL, concurrency {concurrency}", ours_t))
    print(line(f"hand-written, concurrency {concurrency}", theirs_t))
    verdict = "met" if case.ratio >= target else "NOT met"
    print(
        f"  {'ratio ours / hand-written (req/s)':<34}{case.ratio:8.2f}"
        f"   target >= {target} {verdict}"
    )
    return case


async def run(args, database_url: str) -> None:
    agent_email = AGENTS[0][1]
    customer_email = next(iter(ORGANIZATIONS.values()))[0][0][1]
    cases: list[Case] = []
    with (
        helpdesk_server(database_url, production=True) as server,
        baseline_server(database_url) as baseline,
    ):
        url, base_url = server.http_url, baseline.http_url
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

                    async def by_hand(headers=headers) -> bytes:
                        response = await client.post(
                            base_url + "/grid", json={"first": PAGE}, headers=headers
                        )
                        response.raise_for_status()
                        return response.content

                    api = json.loads(await graphql())
                    theirs = json.loads(await by_hand())
                    mine = json.loads(await floor.page(token, customer))
                    if "errors" in api:
                        raise SystemExit(f"grid query failed: {api['errors']}")
                    same = api == theirs == mine
                    if not same and args.show_diff:
                        for document in (api, theirs, mine):
                            print(json.dumps(document)[:2000], "\n")
                    nodes = api["data"]["tickets"]["nodes"]
                    print(
                        f"\n{who}: grid page of {len(nodes)} tickets, response "
                        f"{len(await graphql())} bytes; hand-written JSON "
                        + ("identical" if same else "DIFFERENT (see --show-diff)")
                    )
                    if not same:
                        raise SystemExit("the hand-written page differs: no comparison")
                    started = time.perf_counter()
                    for _ in range(20):
                        await floor.page(token, customer)
                    floor_ms = (time.perf_counter() - started) / 20 * 1000
                    print(f"  (the same page by hand in this process, no HTTP: {floor_ms:.1f} ms)")
                    for concurrency in (1, CONCURRENCY):
                        cases.append(
                            await compare(
                                f"grid, {who}, c={concurrency}",
                                graphql,
                                by_hand,
                                args,
                                concurrency,
                                GRID_TARGET,
                            )
                        )

                cases += await updates(client, url, base_url, tokens["agent"], args)

                async def health() -> None:
                    (await client.get(url + "/healthz")).raise_for_status()

                print("\nHTTP floor (GET /healthz, same server)")
                await timed(health, 10, 1)
                for concurrency in (1, CONCURRENCY):
                    timing = await timed(health, args.requests, concurrency)
                    print(line(f"concurrency {concurrency}", timing))

    kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"\nSummary ({kind}): requests/s, ours / hand-written over HTTP, same uvicorn setup")
    for case in cases:
        verdict = "met" if case.ratio >= case.target else "NOT met"
        print(
            f"  {case.name:<24}{case.ours.per_second:7.0f} /{case.theirs.per_second:6.0f}"
            f"   ratio {case.ratio:5.2f}   target >= {case.target}  {verdict}"
        )
    save_json(args.json, {"database": kind, "cases": [figures(case) for case in cases]})


def figures(case: Case) -> dict:
    def timing(t: Timing) -> dict:
        return {
            "per_second": t.per_second,
            "p50_ms": statistics.median(t.latencies) * 1000,
            "p95_ms": percentile(t.latencies, 95) * 1000,
        }

    return {
        "name": case.name,
        "ours": timing(case.ours),
        "hand_written": timing(case.theirs),
        "ratio": case.ratio,
        "target": case.target,
        "met": case.ratio >= case.target,
    }


async def updates(client: httpx.AsyncClient, url: str, base_url: str, token: str, args):
    """updateTicket (a new summary: the version-checked write and its log event) against
    the same writes by hand; each call edits the next of the agent's open tickets."""
    headers = {"Authorization": f"Bearer {token}"}
    page = await graphql_data(client, url, GRID, {"first": PAGE}, token)
    ids = [n["id"] for n in page["tickets"]["nodes"]]
    edits = itertools.count()

    async def ours() -> None:
        n = next(edits)
        variables = {"input": {"ticketId": ids[n % len(ids)], "summary": f"Bench edit {n}"}}
        response = await client.post(
            url + "/graphql", json={"query": UPDATE, "variables": variables}, headers=headers
        )
        response.raise_for_status()
        if response.json()["data"]["updateTicket"]["errors"]:
            raise SystemExit(f"updateTicket failed: {response.text}")

    async def by_hand() -> None:
        n = next(edits)
        body = {"ticketId": ids[n % len(ids)], "summary": f"Bench edit {n}"}
        response = await client.post(base_url + "/update", json=body, headers=headers)
        response.raise_for_status()

    print("\nagent: updateTicket (new summary) against the same writes by hand")
    return [
        await compare(
            f"updateTicket, c={concurrency}", ours, by_hand, args, concurrency, UPDATE_TARGET
        )
        for concurrency in (1, CONCURRENCY)
    ]


def main(args) -> None:
    started = time.monotonic()
    with scratch(args.database_url) as database_url:
        kind = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        print(f"grid: demo with {args.tickets} tickets, {args.requests} requests per run, {kind}")
        loading = time.monotonic()
        if args.from_sqlite:
            if not database_url.startswith("sqlite://"):
                raise SystemExit("--from-sqlite: only without --database-url")
            shutil.copyfile(args.from_sqlite, database_url.removeprefix("sqlite://"))
            print(f"(demo copied from {args.from_sqlite})")
        else:
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
    parser.add_argument(
        "--from-sqlite",
        metavar="FILE",
        help="copy this SQLite file (a loaded demo, checkpointed) instead of loading the demo",
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="overall time limit")
    parser.add_argument("--show-diff", action="store_true", help="print both documents if differ")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
