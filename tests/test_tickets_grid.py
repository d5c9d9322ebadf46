"""The ticket grid (seed 003's Help Desk main page): every filter, every sort, keyset pages,
totalCount, page-size and cursor errors, and a constant number of SQL statements per page."""

import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import factories as f
import pytest
from factories import codes, problems

from helpdesk import models
from helpdesk.models import Channel, Priority, Status
from helpdesk.resolvers import catalog, pagination, tickets

GRID = """query($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String,
                 $last: Int, $before: String) {
  tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
          before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { number } }
  }
}"""


async def grid(client, as_, **variables) -> dict:
    result = await f.gql(client, GRID, variables, as_=as_)
    assert result.get("errors") is None, result
    return result["data"]["tickets"]


async def numbers(client, as_, flt: dict | None = None, order: dict | None = None) -> list[int]:
    page = await grid(client, as_, filter=flt, orderBy=order)
    found = [e["node"]["number"] for e in page["edges"]]
    assert page["totalCount"] == len(found)
    return found


@dataclass
class Grid:
    agent: f.Person
    agent2: f.Person
    acme: models.Organization
    t: dict[str, models.Ticket]
    categories: dict[str, models.Category]
    modules: dict[str, models.Module]

    def n(self, *names: str) -> set[int]:
        return {self.t[name].number for name in names}


async def _staff_ticket(agent: f.Person, org, contact: f.Person, **fields) -> models.Ticket:
    return await f.ticket(
        agent, organization_id=org.id, primary_contact_id=contact.contact.id, **fields
    )


@pytest.fixture
async def g(client) -> Grid:
    """Six tickets of three organizations in every status:

    name    org    contact       summary                          prio    module  owner   status
    sync    Acme   Alice Archer  Wallet not syncing since Monday  HIGH    Wallet  agent   IN_PROG.
    export  Acme   Anna Alder    Cannot export report (CHAT)      NORMAL  -       -       OPEN
    bal     Beta   Bob Baker     Wallet balance wrong             URGENT  Exch.   agent2  WAITING
    dark    Beta   Bob Baker     Feature: dark mode               LOW     -       -       RESOLVED
    slow    Gamma  Gary Gold     Syncing wallet slow              NORMAL  Wallet  agent   CLOSED
    login   Gamma  Gary Gold     Login fails                      HIGH    -       -       OPEN
    """
    admin = await f.admin()
    agent = await f.agent(name="Agent Smith")
    agent2 = await f.agent(name="Agent Jones")
    acme = await f.organization("Acme Wallets")
    beta = await f.organization("Beta Corp")
    gamma = await f.organization("Gamma Ltd")
    alice = await f.customer(acme, name="Alice Archer", email="alice@acme.test")
    anna = await f.customer(acme, name="Anna Alder", email="anna@acme.test")
    bob = await f.customer(beta, name="Bob Baker", email="bob@beta.test")
    gary = await f.customer(gamma, name="Gary Gold", email="gary@gamma.test")
    cats = {c.name: c for c in await models.Category.all()}
    bug, general, feature = (
        cats["Potential Bug"],
        cats["General Support"],
        cats["New Feature Request"],
    )
    wallet = await catalog.create_module(admin.viewer, "Wallet")
    exchange = await catalog.create_module(admin.viewer, "Exchange")
    t = {}
    t["sync"] = await _staff_ticket(
        agent,
        acme,
        alice,
        summary="Wallet not syncing since Monday",
        priority=Priority.HIGH,
        category_id=bug.id,
        module_id=wallet.id,
        owner_id=agent.contact.id,
    )
    t["export"] = await _staff_ticket(
        agent,
        acme,
        anna,
        summary="Cannot export report",
        category_id=general.id,
        channel=Channel.CHAT,
    )
    t["bal"] = await _staff_ticket(
        agent,
        beta,
        bob,
        summary="Wallet balance wrong",
        priority=Priority.URGENT,
        category_id=bug.id,
        module_id=exchange.id,
        owner_id=agent2.contact.id,
    )
    await tickets.change_status(agent.viewer, t["bal"].id, Status.WAITING_ON_CUSTOMER, None)
    t["dark"] = await _staff_ticket(
        agent,
        beta,
        bob,
        summary="Feature: dark mode",
        priority=Priority.LOW,
        category_id=feature.id,
    )
    await tickets.resolve(agent.viewer, t["dark"].id)
    t["slow"] = await _staff_ticket(
        agent,
        gamma,
        gary,
        summary="Syncing wallet slow",
        category_id=general.id,
        module_id=wallet.id,
        owner_id=agent.contact.id,
    )
    await tickets.close(agent.viewer, t["slow"].id, None)
    t["login"] = await _staff_ticket(
        agent, gamma, gary, summary="Login fails", priority=Priority.HIGH, category_id=general.id
    )
    t = {name: await models.Ticket.get(id=ticket.id) for name, ticket in t.items()}
    return Grid(agent, agent2, acme, t, cats, {"Wallet": wallet, "Exchange": exchange})


ALL = {"includeResolved": True, "includeClosed": True}


@pytest.fixture
async def staff(client) -> f.Person:
    """For tests that need a signed-in agent and no tickets."""
    return await f.agent()


# --- filters ---------------------------------------------------------------------------


async def test_grid_hides_resolved_and_closed_tickets_by_default(client, g):
    assert set(await numbers(client, g.agent)) == g.n("sync", "export", "bal", "login")


async def test_grid_include_resolved_shows_resolved_tickets(client, g):
    found = set(await numbers(client, g.agent, {"includeResolved": True}))
    assert found == g.n("sync", "export", "bal", "login", "dark")


async def test_grid_include_closed_shows_closed_tickets(client, g):
    found = set(await numbers(client, g.agent, {"includeClosed": True}))
    assert found == g.n("sync", "export", "bal", "login", "slow")


async def test_grid_include_resolved_and_closed_shows_every_ticket(client, g):
    assert set(await numbers(client, g.agent, ALL)) == set(g.n(*g.t))


async def test_grid_filters_by_ticket_number(client, g):
    assert await numbers(client, g.agent, {"number": g.t["bal"].number}) == [g.t["bal"].number]


async def test_grid_filter_by_unknown_ticket_number_finds_nothing(client, g):
    assert await numbers(client, g.agent, {"number": 99999, **ALL}) == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Alice", ("sync",)),  # part of the name
        ("ARCHER", ("sync",)),  # any case
        ("alice@acme.test", ("sync",)),  # the e-mail
        ("@acme", ("sync", "export")),  # part of the e-mail
        ("a*", ("sync", "export")),  # wildcard: starts with
        ("*@beta.test", ("bal", "dark")),  # wildcard: ends with
        ("*er", ("sync", "export", "bal", "dark")),  # Archer, Alder, Baker
        ("B*r", ("bal", "dark")),  # Bob Baker: anchored at both ends
        ("G*y", ()),  # "Gary Gold": must end with y
        ("*ob*ak*", ("bal", "dark")),  # wildcard in the middle
        ("Nobody", ()),
    ],
)
async def test_grid_filters_by_primary_contact_name_or_email(client, g, pattern, expected):
    found = set(await numbers(client, g.agent, {"primaryContact": pattern, **ALL}))
    assert found == g.n(*expected)


async def test_grid_primary_contact_wildcards_keep_their_order(client, g):
    assert await numbers(client, g.agent, {"primaryContact": "*Baker*Bob*", **ALL}) == []


@pytest.fixture
async def repetitive(client) -> f.Person:
    """A ticket whose contact and organization names are one letter, repeated."""
    org = await f.organization("a" * 200)
    person = await f.customer(org, name="a" * 200, email="a" * 64 + "@aaaa.test")
    await f.ticket(person)
    return await f.agent()


PATHOLOGICAL = "*a*a*a*a*a*a*a*a*b"  # with one `.*` per `*` this backtracks for hours


@pytest.mark.parametrize("box", ["primaryContact", "organizationName"])
async def test_grid_wildcards_answer_quickly_on_repetitive_text(client, repetitive, box):
    assert await numbers(client, repetitive, {box: PATHOLOGICAL}) == []
    assert len(await numbers(client, repetitive, {box: PATHOLOGICAL[:-1]})) == 1


async def test_contact_and_organization_search_answer_quickly_on_repetitive_text(
    client, repetitive
):
    result = await f.gql(
        client,
        """query($p: String) { contacts(filter: {search: $p}) { nodes { id } }
             organizations(filter: {name: $p}) { nodes { id } } }""",
        {"p": PATHOLOGICAL},
        as_=repetitive,
    )
    assert result["data"] == {"contacts": {"nodes": []}, "organizations": {"nodes": []}}


@pytest.mark.parametrize("pattern", ["%", "_", "\\"])
async def test_grid_search_treats_sql_wildcards_as_plain_text(client, g, pattern):
    assert await numbers(client, g.agent, {"primaryContact": pattern, **ALL}) == []
    assert await numbers(client, g.agent, {"organizationName": pattern, **ALL}) == []
    assert await numbers(client, g.agent, {"summary": pattern, **ALL}) == []


async def test_grid_filters_by_primary_contact_id(client, g):
    bob = await models.Contact.get(email="bob@beta.test")
    found = set(
        await numbers(client, g.agent, {"primaryContactId": f.global_id("Contact", bob.id), **ALL})
    )
    assert found == g.n("bal", "dark")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("acme*", ("sync", "export")),
        ("*corp", ("bal", "dark")),
        ("ltd", ("slow", "login")),
        ("*a*", ("sync", "export", "bal", "dark", "slow", "login")),
        ("Acme", ("sync", "export")),
        ("Wallets*", ()),
    ],
)
async def test_grid_filters_by_organization_name(client, g, pattern, expected):
    found = set(await numbers(client, g.agent, {"organizationName": pattern, **ALL}))
    assert found == g.n(*expected)


async def test_grid_filters_by_organization_id(client, g):
    found = set(
        await numbers(client, g.agent, {"organizationId": f.global_id("Organization", g.acme.id)})
    )
    assert found == g.n("sync", "export")


async def test_grid_filters_by_assigned_to(client, g):
    flt = {"assignedToId": g.agent.id}
    assert set(await numbers(client, g.agent, flt)) == g.n("sync")
    assert set(await numbers(client, g.agent, {**flt, **ALL})) == g.n("sync", "slow")
    assert set(await numbers(client, g.agent, {"assignedToId": g.agent2.id})) == g.n("bal")


async def test_grid_filters_unassigned_tickets(client, g):
    assert set(await numbers(client, g.agent, {"unassigned": True})) == g.n("export", "login")
    assert set(await numbers(client, g.agent, {"unassigned": True, **ALL})) == g.n(
        "export", "login", "dark"
    )


async def test_grid_filters_assigned_tickets_with_unassigned_false(client, g):
    assert set(await numbers(client, g.agent, {"unassigned": False})) == g.n("sync", "bal")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["OPEN"], ("export", "login")),
        (["IN_PROGRESS"], ("sync",)),
        (["WAITING_ON_CUSTOMER"], ("bal",)),
        (["OPEN", "IN_PROGRESS"], ("sync", "export", "login")),
        (["RESOLVED"], ("dark",)),  # naming RESOLVED shows them without includeResolved
        (["CLOSED"], ("slow",)),
        (["RESOLVED", "CLOSED", "OPEN"], ("dark", "slow", "export", "login")),
    ],
)
async def test_grid_filters_by_status_list(client, g, statuses, expected):
    assert set(await numbers(client, g.agent, {"status": statuses})) == g.n(*expected)


async def test_grid_filters_by_category(client, g):
    bug = f.global_id("Category", g.categories["Potential Bug"].id)
    general = f.global_id("Category", g.categories["General Support"].id)
    feature = f.global_id("Category", g.categories["New Feature Request"].id)
    assert set(await numbers(client, g.agent, {"categoryId": [bug]})) == g.n("sync", "bal")
    found = set(await numbers(client, g.agent, {"categoryId": [general, feature], **ALL}))
    assert found == g.n("export", "slow", "login", "dark")


async def test_grid_filters_by_priority(client, g):
    assert set(await numbers(client, g.agent, {"priority": ["HIGH"]})) == g.n("sync", "login")
    found = set(await numbers(client, g.agent, {"priority": ["URGENT", "LOW"], **ALL}))
    assert found == g.n("bal", "dark")


async def test_grid_filters_by_module(client, g):
    wallet = f.global_id("Module", g.modules["Wallet"].id)
    exchange = f.global_id("Module", g.modules["Exchange"].id)
    assert set(await numbers(client, g.agent, {"moduleId": [wallet]})) == g.n("sync")
    assert set(await numbers(client, g.agent, {"moduleId": [wallet], **ALL})) == g.n("sync", "slow")
    assert set(await numbers(client, g.agent, {"moduleId": [wallet, exchange]})) == g.n(
        "sync", "bal"
    )


async def test_grid_filters_by_channel(client, g):
    assert set(await numbers(client, g.agent, {"channel": "CHAT"})) == g.n("export")
    assert set(await numbers(client, g.agent, {"channel": "OFFLINE"})) == g.n(
        "sync", "bal", "login"
    )


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        ("wallet", ("sync", "bal", "slow")),
        ("WALLET SYNC", ("sync", "slow")),  # every word, any order, any case
        ("sync wallet", ("sync", "slow")),
        ("wallet dark", ()),  # all words must appear
        ("  export   report ", ("export",)),
        ("Feature:", ("dark",)),
    ],
)
async def test_grid_filters_by_summary_keywords(client, g, keywords, expected):
    found = set(await numbers(client, g.agent, {"summary": keywords, **ALL}))
    assert found == g.n(*expected)


async def test_grid_combines_filters(client, g):
    flt = {"summary": "wallet", "organizationName": "acme*", "priority": ["HIGH"], **ALL}
    assert set(await numbers(client, g.agent, flt)) == g.n("sync")


# --- dates -----------------------------------------------------------------------------


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.fixture
async def dated(g) -> Grid:
    """created_at and updated_at set directly, at the edges of days."""
    created = {
        "sync": at(1),
        "export": at(1, 23, 59, 59, 999999),
        "bal": at(2, 12),
        "login": at(3),
        "dark": at(4),
        "slow": at(5),
    }
    updated = {
        "sync": at(10, 23, 59, 59, 999999),
        "export": at(11),
        "bal": at(9),
        "login": at(11, 8, 30),
        "dark": at(12),
        "slow": at(13),
    }
    for name, ticket in g.t.items():
        await models.Ticket.filter(id=ticket.id).update(
            created_at=created[name], updated_at=updated[name]
        )
    return g


@pytest.mark.parametrize(
    ("created_from", "created_to", "expected"),
    [
        ("2024-03-01", "2024-03-01", ("sync", "export")),  # the whole day, both ends
        ("2024-03-02", None, ("bal", "login")),
        (None, "2024-03-02", ("sync", "export", "bal")),
        ("2024-03-02", "2024-03-02", ("bal",)),
        ("2024-03-03", "2024-03-03", ("login",)),  # midnight belongs to its own day
        ("2024-02-01", "2024-02-28", ()),
    ],
)
async def test_grid_filters_by_created_days_inclusive(
    client, dated, created_from, created_to, expected
):
    flt = {"createdFrom": created_from, "createdTo": created_to}
    assert set(await numbers(client, dated.agent, flt)) == dated.n(*expected)


@pytest.mark.parametrize(
    ("updated_from", "updated_to", "expected"),
    [
        ("2024-03-10", "2024-03-10", ("sync",)),  # one microsecond before midnight
        ("2024-03-11", "2024-03-11", ("export", "login")),
        ("2024-03-09", "2024-03-10", ("bal", "sync")),
        ("2024-03-11", None, ("export", "login")),
        (None, "2024-03-09", ("bal",)),
    ],
)
async def test_grid_filters_by_updated_days_inclusive(
    client, dated, updated_from, updated_to, expected
):
    flt = {"updatedFrom": updated_from, "updatedTo": updated_to}
    assert set(await numbers(client, dated.agent, flt)) == dated.n(*expected)


async def test_grid_date_filters_apply_to_resolved_and_closed_when_included(client, dated):
    flt = {"createdFrom": "2024-03-04", **ALL}
    assert set(await numbers(client, dated.agent, flt)) == dated.n("dark", "slow")


@pytest.mark.parametrize("name", ["created", "updated"])
async def test_grid_rejects_to_date_before_from_date(client, g, name):
    result = await f.gql(
        client,
        GRID,
        {"filter": {f"{name}From": "2024-03-02", f"{name}To": "2024-03-01"}},
        as_=g.agent,
    )
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [(f"{name}To", "BEFORE_FROM")]


# --- sorting ---------------------------------------------------------------------------

SORTS = ["NUMBER", "CREATED_AT", "UPDATED_AT", "PRIORITY", "STATUS"]


def expected_order(g: Grid, field: str, descending: bool) -> list[int]:
    attr = {
        "NUMBER": "id",
        "CREATED_AT": "created_at",
        "UPDATED_AT": "updated_at",
        "PRIORITY": "priority",
        "STATUS": "status",
    }[field]
    rows = sorted(g.t.values(), key=lambda t: (getattr(t, attr), t.id), reverse=descending)
    return [t.number for t in rows]


async def _reload(g: Grid) -> None:
    g.t = {name: await models.Ticket.get(id=t.id) for name, t in g.t.items()}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", SORTS)
async def test_grid_sorts_by_field_with_number_breaking_ties(client, dated, field, direction):
    await _reload(dated)
    found = await numbers(client, dated.agent, ALL, {"field": field, "direction": direction})
    assert found == expected_order(dated, field, direction == "DESC")


async def test_grid_sorts_by_number_descending_by_default(client, g):
    found = await numbers(client, g.agent, ALL)
    assert found == sorted(g.n(*g.t), reverse=True)


async def test_grid_priority_sort_runs_from_low_to_urgent(client, g):
    found = await numbers(client, g.agent, ALL, {"field": "PRIORITY", "direction": "ASC"})
    assert found[0] == g.t["dark"].number  # LOW
    assert found[-1] == g.t["bal"].number  # URGENT


async def test_grid_status_sort_follows_the_workflow(client, g):
    found = await numbers(client, g.agent, ALL, {"field": "STATUS", "direction": "ASC"})
    assert found == [
        g.t["export"].number,  # OPEN
        g.t["login"].number,  # OPEN
        g.t["sync"].number,  # IN_PROGRESS
        g.t["bal"].number,  # WAITING_ON_CUSTOMER
        g.t["dark"].number,  # RESOLVED
        g.t["slow"].number,  # CLOSED
    ]


# --- pages -----------------------------------------------------------------------------


@pytest.fixture
async def many(client):
    """23 open tickets with many ties in priority and status, and shuffled dates."""
    agent = await f.agent()
    org = await f.organization("Paged Org")
    customer = await f.customer(org)
    priorities = list(Priority)
    made = []
    for i in range(23):
        ticket = await _staff_ticket(
            agent, org, customer, summary=f"Paged {i}", priority=priorities[i % 4]
        )
        made.append(ticket)
    for i, ticket in enumerate(made):
        # Dates out of number order, with ties every third ticket.
        await models.Ticket.filter(id=ticket.id).update(
            created_at=at(1 + (i * 7) % 5), updated_at=at(1 + (i * 5) % 3)
        )
    for ticket in made[::3]:
        await tickets.assign(agent.viewer, ticket.id, agent.contact.id, None)
    return agent


async def _walk_forward(client, as_, order, size, between=None) -> list[int]:
    seen, after, pages = [], None, 0
    while True:
        page = await grid(client, as_, filter=ALL, orderBy=order, first=size, after=after)
        assert len(page["edges"]) <= size
        seen += [e["node"]["number"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
            assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        pages += 1
        assert pages < 50, "pagination does not end"
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
        if between:
            await between()


async def _walk_backward(client, as_, order, size, between=None) -> list[int]:
    pages_seen, before, pages = [], None, 0
    while True:
        page = await grid(client, as_, filter=ALL, orderBy=order, last=size, before=before)
        assert len(page["edges"]) <= size
        pages_seen.insert(0, [e["node"]["number"] for e in page["edges"]])
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        pages += 1
        assert pages < 50, "pagination does not end"
        if not page["pageInfo"]["hasPreviousPage"]:
            return [n for p in pages_seen for n in p]
        before = page["pageInfo"]["startCursor"]
        if between:
            await between()


async def _all_in_one_page(client, as_, order) -> list[int]:
    page = await grid(client, as_, filter=ALL, orderBy=order, first=100)
    assert not page["pageInfo"]["hasNextPage"]
    return [e["node"]["number"] for e in page["edges"]]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", SORTS)
async def test_grid_pages_cover_every_ticket_once_forwards_and_backwards(
    client, many, field, direction
):
    order = {"field": field, "direction": direction}
    full = await _all_in_one_page(client, many, order)
    assert len(full) == len(set(full)) == 23
    assert await _walk_forward(client, many, order, 5) == full
    assert await _walk_backward(client, many, order, 4) == full


async def test_grid_pages_of_one_walk_every_ticket(client, many):
    order = {"field": "PRIORITY", "direction": "DESC"}
    full = await _all_in_one_page(client, many, order)
    assert await _walk_forward(client, many, order, 1) == full


async def test_grid_forward_pages_skip_nothing_while_tickets_are_created(client, many):
    """Newest first: tickets created during the walk land before the cursor; the walk sees
    exactly the tickets that were there when it started."""
    order = {"field": "NUMBER", "direction": "DESC"}
    full = await _all_in_one_page(client, many, order)
    org = await models.Organization.get(name="Paged Org")
    customer = await models.Contact.get(organization_id=org.id)

    async def create():
        await f.ticket(many, organization_id=org.id, primary_contact_id=customer.id)

    assert await _walk_forward(client, many, order, 5, between=create) == full


@pytest.mark.parametrize("field", ["NUMBER", "CREATED_AT", "UPDATED_AT"])
async def test_grid_ascending_pages_pick_up_tickets_created_during_the_walk(client, many, field):
    order = {"field": field, "direction": "ASC"}
    before = await _all_in_one_page(client, many, order)
    org = await models.Organization.get(name="Paged Org")
    customer = await models.Contact.get(organization_id=org.id)

    async def create():
        await f.ticket(many, organization_id=org.id, primary_contact_id=customer.id)

    walked = await _walk_forward(client, many, order, 5, between=create)
    after = await _all_in_one_page(client, many, order)
    assert len(walked) == len(set(walked))
    assert walked[: len(before)] == before  # nothing skipped, nothing repeated
    assert walked == after[: len(walked)]  # the new ones follow in order


async def test_grid_backward_pages_skip_nothing_while_tickets_are_created(client, many):
    order = {"field": "NUMBER", "direction": "ASC"}
    full = await _all_in_one_page(client, many, order)
    org = await models.Organization.get(name="Paged Org")
    customer = await models.Contact.get(organization_id=org.id)

    async def create():
        await f.ticket(many, organization_id=org.id, primary_contact_id=customer.id)

    # Walking back from the end: new tickets land after the first page fetched.
    walked = await _walk_backward(client, many, order, 5, between=create)
    assert walked == full


async def test_grid_total_count_counts_every_page(client, many):
    page = await grid(client, many, filter=ALL, first=2)
    assert len(page["edges"]) == 2
    assert page["totalCount"] == 23
    assert page["pageInfo"]["hasNextPage"] is True
    later = await grid(client, many, filter=ALL, first=2, after=page["pageInfo"]["endCursor"])
    assert later["totalCount"] == 23


async def test_grid_total_count_follows_the_filter(client, many):
    page = await grid(client, many, filter={"priority": ["LOW"], **ALL}, first=1)
    assert page["totalCount"] == 6  # tickets 0, 4, 8, 12, 16, 20
    assert len(page["edges"]) == 1


COUNTED = """query($filter: TicketFilter) {
  tickets(filter: $filter, first: 1) { totalCount totalCountIsExact }
}"""


async def test_grid_total_count_is_exact_below_its_bound(client, many):
    result = await f.gql(client, COUNTED, {"filter": ALL}, as_=many)
    assert result["data"]["tickets"] == {"totalCount": 23, "totalCountIsExact": True}


async def test_grid_total_count_stops_at_its_bound_and_says_so(client, many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 20)  # instead of 10,000 tickets
    result = await f.gql(client, COUNTED, {"filter": ALL}, as_=many)
    assert result["data"]["tickets"] == {"totalCount": 20, "totalCountIsExact": False}
    low = {"priority": ["LOW"], **ALL}  # 6 tickets: under the bound, exact
    result = await f.gql(client, COUNTED, {"filter": low}, as_=many)
    assert result["data"]["tickets"] == {"totalCount": 6, "totalCountIsExact": True}


async def test_grid_total_count_at_exactly_its_bound_is_exact(client, many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 23)
    result = await f.gql(client, COUNTED, {"filter": ALL}, as_=many)
    assert result["data"]["tickets"] == {"totalCount": 23, "totalCountIsExact": True}


async def test_grid_first_zero_returns_no_rows_but_the_count(client, many):
    page = await grid(client, many, filter=ALL, first=0)
    assert page["edges"] == []
    assert page["totalCount"] == 23


async def test_grid_without_first_returns_at_most_a_hundred(client, many):
    page = await grid(client, many, filter=ALL)
    assert len(page["edges"]) == 23
    assert page["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("arg", "value"), [("first", 101), ("first", -1), ("last", 101), ("last", -5)]
)
async def test_grid_rejects_page_size_out_of_range(client, staff, arg, value):
    result = await f.gql(client, GRID, {arg: value}, as_=staff)
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [(arg, "OUT_OF_RANGE")]
    assert result["data"] is None


async def test_grid_rejects_first_and_last_together(client, staff):
    result = await f.gql(client, GRID, {"first": 2, "last": 2}, as_=staff)
    assert codes(result) == ["INVALID_INPUT"], result


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


BAD_CURSORS = {
    "not base64": "!!!not a cursor!!!",
    "not json": _cursor("hello"),
    "json object": _cursor('{"a": 1}'),
    "one value": _cursor("[1]"),
    "three values": _cursor("[1, 2, 3]"),
    "string value": _cursor('["x", 1]'),
    "string id": _cursor('[1, "x"]'),
    "null value": _cursor("[null, 1]"),
    "infinite value": _cursor("[1e400, 1]"),
    "huge value": _cursor(f"[{10**30}, 1]"),
    "huge id": _cursor(f"[1, {10**30}]"),
    "invalid utf-8": base64.urlsafe_b64encode(b"\xff\xfe[1, 2]").decode(),
    "empty": "",
}


@pytest.mark.parametrize("name", list(BAD_CURSORS))
@pytest.mark.parametrize("arg", ["after", "before"])
async def test_grid_rejects_bad_cursor(client, staff, name, arg):
    result = await f.gql(client, GRID, {arg: BAD_CURSORS[name]}, as_=staff)
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [(arg, "INVALID_CURSOR")]


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("CREATED_AT", "[5, 1]"),
        ("CREATED_AT", '["yesterday", 1]'),
        ("UPDATED_AT", "[null, 1]"),
        ("PRIORITY", '["HIGH", 1]'),
        ("STATUS", f"[{10**30}, 1]"),
        ("STATUS", "[99, 1]"),
        ("PRIORITY", "[-1, 1]"),
        ("NUMBER", "[true, 1]"),
        ("NUMBER", "[1.5, 1]"),
        ("CREATED_AT", '["2024-03-01T00:00:00", 1]'),
        ("UPDATED_AT", '["2024-03-01T00:00:00+00:00", 1e400]'),
    ],
)
async def test_grid_rejects_cursor_of_the_wrong_kind_for_the_sort(client, staff, field, raw):
    result = await f.gql(
        client, GRID, {"orderBy": {"field": field}, "after": _cursor(raw)}, as_=staff
    )
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [("after", "INVALID_CURSOR")]


async def test_grid_cursor_of_another_sort_does_not_crash(client, g):
    """A cursor from the CREATED_AT sort used with NUMBER: an error or a page, never a crash."""
    page = await grid(client, g.agent, filter=ALL, orderBy={"field": "CREATED_AT"}, first=1)
    result = await f.gql(
        client,
        GRID,
        {"orderBy": {"field": "NUMBER"}, "after": page["pageInfo"]["endCursor"]},
        as_=g.agent,
    )
    assert codes(result) in ([], ["INVALID_INPUT"]), result
    if codes(result):
        assert problems(result) == [("after", "INVALID_CURSOR")]


async def test_grid_requires_sign_in(client):
    result = await f.gql(client, GRID)
    assert codes(result) == ["UNAUTHENTICATED"]


# --- SQL statements per page -----------------------------------------------------------

WIDE = """query($first: Int!) { tickets(first: $first) {
  totalCount
  edges { node {
    number
    organization { name }
    primaryContact { name email }
    owner { name }
    ccContacts { name }
    category { name }
    module { name }
    createdBy { name }
  } }
} }"""


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())


async def count_statements(client, query, variables, as_) -> tuple[int, dict]:
    logger = logging.getLogger("tortoise.db_client")
    counter = _Counter()
    old_level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        result = await f.gql(client, query, variables, as_=as_)
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)
    assert result.get("errors") is None, result
    return len(counter.statements), result


@pytest.fixture
async def hundred(client):
    """105 open tickets: 100 of Acme and 5 of Beta, with varied owners, CCs and modules."""
    admin = await f.admin()
    agents = [await f.agent() for _ in range(3)]
    acme = await f.organization("Acme")
    beta = await f.organization("Beta")
    acme_people = [await f.customer(acme) for _ in range(4)]
    beta_people = [await f.customer(beta) for _ in range(2)]
    modules = [await catalog.create_module(admin.viewer, f"Module {i}") for i in range(3)]
    cats = await models.Category.all()
    for i in range(105):
        org, people = (acme, acme_people) if i < 100 else (beta, beta_people)
        await f.ticket(
            agents[i % 3],
            organization_id=org.id,
            primary_contact_id=people[i % len(people)].contact.id,
            cc_contact_ids=[p.contact.id for p in people if p is not people[i % len(people)]][
                : 1 + i % 2
            ],
            owner_id=agents[(i + 1) % 3].contact.id if i % 4 else None,
            module_id=modules[i % 3].id if i % 5 else None,
            category_id=cats[i % len(cats)].id,
        )
    return agents[0], acme_people[0]


@pytest.mark.parametrize("who", ["staff", "customer"])
async def test_grid_sql_statements_do_not_grow_with_page_size(client, hundred, who):
    as_ = hundred[0] if who == "staff" else hundred[1]
    small, small_result = await count_statements(client, WIDE, {"first": 5}, as_)
    large, large_result = await count_statements(client, WIDE, {"first": 100}, as_)
    assert len(small_result["data"]["tickets"]["edges"]) == 5
    large_edges = large_result["data"]["tickets"]["edges"]
    assert len(large_edges) == 100
    # The related objects really were loaded.
    assert all(e["node"]["organization"]["name"] for e in large_edges)
    assert all(e["node"]["primaryContact"] for e in large_edges)
    assert all(e["node"]["createdBy"] for e in large_edges)
    assert any(e["node"]["owner"] for e in large_edges)
    assert all(e["node"]["ccContacts"] for e in large_edges)
    assert any(e["node"]["module"] for e in large_edges)
    assert small == large, (small, large)
    assert small <= 12, small


@pytest.mark.parametrize("field", ["primaryContact", "organizationName", "summary"])
async def test_grid_rejects_search_text_over_200_characters(client, staff, field):
    result = await f.gql(client, GRID, {"filter": {field: "a" * 201}}, as_=staff)
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [(field, "TOO_LONG")]
    result = await f.gql(client, GRID, {"filter": {field: "a" * 200}}, as_=staff)
    assert codes(result) == [], result


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("query($t: String) { contacts(filter: {search: $t}) { nodes { id } } }", "search"),
        ("query($t: String) { organizations(filter: {name: $t}) { nodes { id } } }", "name"),
    ],
)
async def test_search_boxes_reject_text_over_200_characters(client, staff, query, field):
    result = await f.gql(client, query, {"t": "*" + "b" * 200}, as_=staff)
    assert codes(result) == ["INVALID_INPUT"], result
    assert problems(result) == [(field, "TOO_LONG")]
