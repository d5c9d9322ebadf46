"""The grid's first page for every seed filter and sort, at a small and a large help desk.

Loads the demo at each size (`helpdesk demo --tickets N`) into a scratch database, starts a
real `helpdesk serve` on it, and times R requests of the first page (50 tickets, with
`totalCount`) of every filter of the seeds and every sort, as a customer (Lena Fischer,
Nimbus Wallet) and as an agent (Marco Rossi). Prints, per case, the median at each size and
whether the target holds: median <= 50 ms at the largest size and <= 3x the smallest's.

    .venv/bin/python bench/filters.py [--sizes 2000,1000000] [--requests 7]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
        [--large-database sqlite:////tmp/big.sqlite3]   # reuse a loaded database
        [--json figures.json]

Talks to 127.0.0.1 only; stops by itself."""

import argparse
import contextlib
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import graphql, helpdesk, helpdesk_server, login, run_bounded, save_json
from common import scratch_database as scratch

from helpdesk.demo_data import PASSWORD

TARGET_MS, TARGET_RATIO = 50.0, 3.0
CUSTOMER, AGENT = "lena@nimbuswallet.example", "marco@helpdesk.example"
PAGE = """query($filter: TicketFilter, $orderBy: TicketOrder) {
  tickets(filter: $filter, orderBy: $orderBy, first: 50) {
    totalCount
    nodes { number summary status priority updatedAt organization { name }
            primaryContact { name email } owner { name } category { name } } } }"""
LOOKUPS = "{ viewer { id } categories { id } modules { id } }"
OWN = "{ viewer { organization { id } } }"
ALL = {"includeResolved": True, "includeClosed": True}
SORTS = ("NUMBER", "CREATED_AT", "UPDATED_AT", "PRIORITY", "STATUS")


def cases(agent_id: str, category_id: str, module_id: str, org_id: str) -> dict[str, dict]:
    """Name -> variables: every filter of the seeds, then every sort both ways."""
    month_ago = (datetime.now(UTC) - timedelta(days=30)).date()
    week = {"createdFrom": str(month_ago), "createdTo": str(month_ago + timedelta(days=7))}
    filters = {
        "default (open tickets)": {},
        "everything": ALL,
        "ticket number": {"number": 1100, **ALL},
        "primary contact, text": {"primaryContact": "fischer"},
        "primary contact, wildcard": {"primaryContact": "Lena*"},
        "organization, text": {"organizationName": "wallet"},
        "organization, wildcard": {"organizationName": "Nimbus*"},
        "organization id": {"organizationId": org_id},
        "assigned to": {"assignedToId": agent_id},
        "unassigned": {"unassigned": True},
        "status waiting": {"status": ["WAITING_ON_CUSTOMER"]},
        "status closed": {"status": ["CLOSED"]},
        "priority urgent": {"priority": ["URGENT"]},
        "category": {"categoryId": [category_id]},
        "module": {"moduleId": [module_id]},
        "channel chat": {"channel": "CHAT"},
        "summary keyword": {"summary": "withdrawal"},
        "summary keywords, all": {"summary": "wallet sync", **ALL},
        "created in a week": {**week, **ALL},
        "updated since a month": {"updatedFrom": str(month_ago), **ALL},
    }
    found = {name: {"filter": f} for name, f in filters.items()}
    for field in SORTS:
        for direction in ("ASC", "DESC"):
            found[f"sort {field.lower()} {direction.lower()}"] = {
                "filter": ALL,
                "orderBy": {"field": field, "direction": direction},
            }
    return found


async def time_cases(url: str, requests: int) -> dict[str, float]:
    """`role/case` -> median seconds."""
    medians: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=120) as client:
        agent = await login(client, url, AGENT, PASSWORD)
        looked = await graphql(client, url, LOOKUPS, token=agent)
        customer = await login(client, url, CUSTOMER, PASSWORD)
        own = await graphql(client, url, OWN, token=customer)
        every = cases(
            looked["viewer"]["id"],
            looked["categories"][0]["id"],
            looked["modules"][0]["id"],
            own["viewer"]["organization"]["id"],
        )
        for role, token in (("customer", customer), ("agent", agent)):
            for name, variables in every.items():
                await graphql(client, url, PAGE, variables, token)  # warm
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    await graphql(client, url, PAGE, variables, token)
                    times.append(time.perf_counter() - started)
                medians[f"{role}/{name}"] = statistics.median(times)
    return medians


@contextlib.contextmanager
def loaded(database_url: str | None, tickets: int, reuse: str | None):
    if reuse:
        yield reuse
        return
    with scratch(database_url) as url:
        started = time.monotonic()
        helpdesk(url, "demo", "--tickets", str(tickets), timeout=3600)
        print(f"loaded {tickets} tickets in {time.monotonic() - started:.0f} s", flush=True)
        yield url


async def measure(url: str, requests: int) -> dict[str, float]:
    with helpdesk_server(url) as server:
        return await time_cases(server.http_url, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="2000,1000000",
        help="ticket counts, smallest first; the target compares the last with the first "
        "(default: %(default)s)",
    )
    parser.add_argument("--requests", type=int, default=7, help="per case; default: %(default)s")
    parser.add_argument("--database-url", help="a PostgreSQL server for scratch databases")
    parser.add_argument("--large-database", help="an already loaded database for the last size")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--max-seconds", type=float, default=5400, help="overall time limit")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    medians: dict[int, dict[str, float]] = {}

    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"filters: first pages (50, with totalCount) at {sizes} tickets, {kind}", flush=True)
    deadline = time.monotonic() + args.max_seconds
    for size in sizes:
        # Outside any event loop: a scratch PostgreSQL database is made with asyncio.run.
        reuse = args.large_database if size == sizes[-1] else None
        with loaded(args.database_url, size, reuse) as url:

            async def run(url: str = url, size: int = size) -> None:
                medians[size] = await measure(url, args.requests)

            run_bounded(run, max(deadline - time.monotonic(), 1))
    small, large = medians[sizes[0]], medians[sizes[-1]]
    met = 0
    heads = "".join(f"{n:>10}" for n in sizes)
    print(f"\n{'median of the first page':<42}{heads}{'ratio':>7}  target")
    for case in small:
        ratio = large[case] / small[case]
        ok = large[case] * 1000 <= TARGET_MS and ratio <= TARGET_RATIO
        met += ok
        cells = "".join(f"{medians[n][case] * 1000:8.1f}ms" for n in sizes)
        print(f"{case:<42}{cells}{ratio:6.1f}x  " + ("met" if ok else "NOT met"))
    print(f"\n{met} of {len(small)} cases meet p50 <= {TARGET_MS:.0f} ms and <= {TARGET_RATIO}x")
    save_json(args.json, {"database": kind, "sizes": sizes, "medians": medians})


if __name__ == "__main__":
    main()
