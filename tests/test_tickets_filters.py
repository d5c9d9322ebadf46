"""The filter table (resolvers/ticket_filters.py), walked by hypothesis: for random filters
over a handful of real tickets, the grid's SQL and the in-memory `matches` that live events
use select the same tickets, on every field of the table. Each field has its strategy here;
a field without one fails the test, so a new filter cannot skip it."""

import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_indexes import open_index, open_tickets_indexed

from helpdesk import models
from helpdesk.models import Channel, Priority, Status
from helpdesk.resolvers import catalog, ticket_filters, tickets_grid
from helpdesk.resolvers.errors import InvalidInput
from helpdesk.resolvers.ticket_filters import RULES, TicketFacts, TicketFilter, facts_of

EXAMPLES = 200
DAY = date(2024, 3, 10)  # the tickets' timestamps sit on and around this day's edges
LAST_ID = 2**31 - 1
# Letters beyond ASCII too: SQL must fold their case as Python does (helpdesk/sqlite_engine.py).
ALPHABET = string.ascii_letters + string.digits + " *%_.@\\-" + "ëËéÉøØçÇ"


def at(days: int, hours: int = 0, micro: int = 0) -> datetime:
    """A moment `days` after DAY's midnight (UTC), plus hours and microseconds."""
    midnight = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
    return midnight + timedelta(days=days, hours=hours, microseconds=micro)


END = 24 * 3600 * 10**6 - 1  # the day's last microsecond


@dataclass
class World:
    tickets: list[models.Ticket]
    facts: list[TicketFacts]
    staff: f.Person
    texts: dict[str, list[str]]  # the tickets' texts, for search patterns
    ids: dict[str, list[int]]  # the rows a filter may name, and some it may not


async def _world() -> World:
    """Ten tickets of three organizations, every status, priority and channel, owned and
    not, with and without a module, created and updated on both sides of midnight."""
    admin = await f.admin()
    smith, jones = await f.agent(name="Agent Smith"), await f.agent(name="Agent Jones")
    acme, beta = await f.organization("Acme Wallets"), await f.organization("Beta Corp")
    gamma = await f.organization("Gamma_100% Ltd")
    alice = await f.customer(acme, name="Alice Archer", email="alice@acme.test")
    anna = await f.customer(acme, name="Anna Alder", email="anna.alder@acme.test")
    bob = await f.customer(beta, name="Bob Baker", email="bob@beta.test")
    gary = await f.customer(gamma, name="Gäry Ø'Gold", email="gary_g@gamma.test")
    bug, general, feature = await models.Category.all().order_by("position").limit(3)
    wallet = await catalog.create_module(admin.viewer, "Wallet")
    exchange = await catalog.create_module(admin.viewer, "Exchange")
    H, L, N, U = Priority.HIGH, Priority.LOW, Priority.NORMAL, Priority.URGENT
    S = Status
    rows = [
        # org, contact, summary, priority, category, module, owner, status, created, updated
        (acme, alice, "Wallet not syncing since Monday", H, bug, wallet, smith, S.IN_PROGRESS,
         at(-1, 0, END), at(0)),
        (acme, anna, "Cannot export report", N, general, None, None, S.OPEN,
         at(0), at(0, 0, END)),
        (beta, bob, "Wallet balance wrong", U, bug, exchange, jones, S.WAITING_ON_CUSTOMER,
         at(0, 12), at(1)),
        (beta, bob, "Feature: dark mode", L, feature, None, None, S.RESOLVED,
         at(0, 0, END), at(1, 0, 1)),
        (gamma, gary, "Syncing wallet slow", N, general, wallet, smith, S.CLOSED,
         at(1), at(2, 6)),
        (gamma, gary, "Login fäils: ÉRREUR ø", H, general, None, None, S.OPEN,
         at(1, 0, 1), at(1, 0, END)),
        (acme, alice, "100% refund_due *now*", U, feature, exchange, jones, S.RESOLVED,
         at(-2, 18), at(-1)),
        (acme, anna, "wallet WALLET Wallet", L, bug, wallet, None, S.CLOSED,
         at(2, 0, END), at(3)),
        (beta, bob, "Sync fails: error 42", N, bug, None, smith, S.IN_PROGRESS,
         at(-1, 23), at(0, 23)),
        (gamma, gary, "Export of balance", H, feature, exchange, None, S.WAITING_ON_CUSTOMER,
         at(0, 6), at(0, 6)),
    ]  # fmt: skip
    made = []
    for i, (org, who, summary, prio, cat, module, owner, status, created, updated) in enumerate(
        rows
    ):
        ticket = await f.ticket(
            smith,
            organization_id=org.id,
            primary_contact_id=who.contact.id,
            summary=summary,
            priority=prio,
            category_id=cat.id,
            module_id=module.id if module else None,
            owner_id=owner.contact.id if owner else None,
            channel=Channel.CHAT if i % 3 == 1 else Channel.OFFLINE,
        )
        # Set directly: the workflow and the clock are not what this test is about.
        await models.Ticket.filter(id=ticket.id).update(
            status=status, created_at=created, updated_at=updated
        )
        made.append(ticket.id)
    loaded = await models.Ticket.filter(id__in=made).select_related(
        "organization", "primary_contact"
    )
    people = [alice, anna, bob, gary, smith, jones]
    return World(
        tickets=loaded,
        facts=[facts_of(t) for t in loaded],
        staff=smith,
        texts={
            "contact": [t for p in people for t in (p.contact.name, p.contact.email)],
            "organization": [o.name for o in (acme, beta, gamma)],
            "summary": [summary for _, _, summary, *_ in rows],
        },
        ids={
            "contact": [p.contact.id for p in people] + [LAST_ID],
            "organization": [o.id for o in (acme, beta, gamma)] + [LAST_ID],
            "category": [c.id for c in (bug, general, feature)] + [LAST_ID],
            "module": [wallet.id, exchange.id, LAST_ID],
            "number": [t.number for t in loaded],
        },
    )


def _pieces(texts: list[str]) -> st.SearchStrategy[str]:
    """A slice of one of the texts, in some case."""
    return st.builds(
        lambda text, a, b, case: case(text[min(a, b) : max(a, b)]),
        st.sampled_from(texts),
        st.integers(0, 40),
        st.integers(0, 40),
        st.sampled_from([str, str.upper, str.lower, str.swapcase]),
    )


def patterns(texts: list[str]) -> st.SearchStrategy[str]:
    """Search boxes with `*` wildcards: pieces of the texts in order, at the ends, or noise."""
    piece = _pieces(texts)
    return st.one_of(
        piece,
        st.lists(piece, min_size=2, max_size=3).map("*".join),
        piece.map(lambda p: "*" + p),
        piece.map(lambda p: p + "*"),
        st.text(ALPHABET, max_size=12),
        st.sampled_from(["", "  ", "*", "**", "%", "_", "\\", "a%c", " alice ", "x\x00"]),
    )


def keywords(texts: list[str]) -> st.SearchStrategy[str]:
    """Words that must all appear: pieces of the summaries, some not in any."""
    words = [w for text in texts for w in text.split()]
    word = st.one_of(
        _pieces(words),
        st.text(ALPHABET.replace(" ", ""), min_size=1, max_size=5),
    )
    return st.one_of(
        st.lists(word, max_size=3).map(" ".join),
        st.sampled_from(["", "   ", "*", "%", "_", "A" * 201]),
    )


def days() -> st.SearchStrategy[date]:
    """Days around the tickets' edges, now and then the allowed extremes or beyond them."""
    return st.one_of(
        st.integers(-3, 4).map(lambda n: DAY + timedelta(days=n)),
        st.sampled_from(
            [ticket_filters.EARLIEST, ticket_filters.LATEST, date(1969, 12, 31), date.max]
        ),
    )


def ids(kind: str, w: World) -> st.SearchStrategy[int]:
    return st.sampled_from(w.ids[kind])


def id_lists(kind: str, w: World) -> st.SearchStrategy[list[int]]:
    return st.one_of(
        st.lists(ids(kind, w), max_size=4),
        st.just(list(range(1, ticket_filters.MAX_FILTER_IDS + 2))),  # one too many
    )


# One strategy per field of the table, given the world.
STRATEGIES: dict[str, Callable[[World], st.SearchStrategy[Any]]] = {
    "number": lambda w: st.one_of(
        ids("number", w),
        st.sampled_from([0, 1000, 1001 + 10**6, -(2**31), 2**31 - 1]),
        st.integers(-(2**31), 2**31 - 1),
    ),
    "primary_contact": lambda w: patterns(w.texts["contact"]),
    "primary_contact_id": lambda w: ids("contact", w),
    "organization_name": lambda w: patterns(w.texts["organization"]),
    "organization_id": lambda w: ids("organization", w),
    "owner_id": lambda w: ids("contact", w),
    "unassigned": lambda w: st.booleans(),
    "statuses": lambda w: st.lists(st.sampled_from(Status), max_size=4),
    "priorities": lambda w: st.lists(st.sampled_from(Priority), max_size=4),
    "category_ids": lambda w: id_lists("category", w),
    "module_ids": lambda w: id_lists("module", w),
    "channel": lambda w: st.sampled_from(Channel),
    "summary": lambda w: keywords(w.texts["summary"]),
    "created_from": lambda w: days(),
    "created_to": lambda w: days(),
    "updated_from": lambda w: days(),
    "updated_to": lambda w: days(),
    "include_resolved": lambda w: st.booleans(),
    "include_closed": lambda w: st.booleans(),
}


def filters(w: World) -> st.SearchStrategy[TicketFilter]:
    """A few fields set at once; the status flags in every filter, as they are never unset."""
    fields = st.sets(st.sampled_from(sorted(STRATEGIES)), min_size=1, max_size=4)
    return fields.flatmap(
        lambda names: st.fixed_dictionaries(
            {name: STRATEGIES[name](w) for name in sorted(names)}  # a set: hash order
            | {flag: st.booleans() for flag in ("include_resolved", "include_closed")}
        )
    ).map(lambda values: TicketFilter(**values))


def singles(w: World) -> st.SearchStrategy[TicketFilter]:
    """One field at a time (all tickets shown otherwise), so each field's own strategy is
    drawn often enough to be seen keeping some tickets and not others."""
    shown = {"include_resolved": True, "include_closed": True}
    return st.sampled_from(sorted(STRATEGIES)).flatmap(
        lambda name: STRATEGIES[name](w).map(lambda value: TicketFilter(**shown | {name: value}))
    )


def edges() -> list[TicketFilter]:
    """Day boundaries and status rules, always checked whatever hypothesis draws."""
    both = {"include_resolved": True, "include_closed": True}
    out = [TicketFilter(), TicketFilter(**both), TicketFilter(statuses=[Status.CLOSED])]
    # Case folded beyond ASCII, as Python folds it.
    out += [
        TicketFilter(primary_contact="gÄRY ø", **both),
        TicketFilter(summary="FÄILS érreur", **both),
    ]
    # The summary searched among open tickets only (their own index on SQLite), and not.
    out += [
        TicketFilter(summary="wallet"),
        TicketFilter(summary="wallet", statuses=[Status.IN_PROGRESS, Status.OPEN]),
        TicketFilter(summary="wallet", statuses=[Status.IN_PROGRESS, Status.CLOSED]),
        TicketFilter(summary="wallet", include_closed=True),
    ]
    for n in range(-1, 3):
        day = DAY + timedelta(days=n)
        out += [
            TicketFilter(created_from=day, created_to=day, **both),
            TicketFilter(updated_from=day, updated_to=day, **both),
            TicketFilter(created_to=day, **both),
            TicketFilter(updated_from=day, **both),
        ]
    return out


def draw(strategy: st.SearchStrategy, count: int) -> list:
    """Draws the examples up front; the queries then run in the test's event loop."""
    found: list = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example):
        found.append(example)

    collect()
    return found


def _given(flt: TicketFilter) -> list[str]:
    return [n for n in RULES if getattr(flt, n) not in (None, "", [])]


def _memory_of(name: str, flt: TicketFilter, facts: TicketFacts) -> bool:
    """One field's in-memory rule, seeing only the facts it declares it reads."""
    rule = RULES[name]
    declared = SimpleNamespace(**{fact: getattr(facts, fact) for fact in rule.facts})
    try:
        return rule.memory(getattr(flt, name), declared, flt)
    except AttributeError as error:
        raise AssertionError(f"{name}'s rule reads a fact it does not declare: {error}") from None


def test_every_field_of_the_table_has_a_strategy():
    assert set(STRATEGIES) == set(RULES)


@pytest.mark.parametrize("number", [-(2**31), 0, 1000, 2**31 - 1])
async def test_a_number_no_ticket_can_have_finds_nothing(client, world, number):
    await f.ticket(world["alice"])
    query = "query($n: Int) { tickets(filter: {number: $n}) { totalCount } }"
    result = await f.gql(client, query, {"n": number}, as_=world["agent"])
    assert result == {"data": {"tickets": {"totalCount": 0}}}


async def test_sql_and_memory_select_the_same_tickets_for_every_field(database_url):
    assert set(STRATEGIES) == set(RULES)
    w = await _world()
    every = {t.id for t in w.tickets}
    splits: set[str] = set()  # fields seen selecting some tickets but not all
    valid = 0
    for flt in edges() + draw(filters(w), EXAMPLES) + draw(singles(w), EXAMPLES):
        try:
            page = await tickets_grid.page_of(
                await tickets_grid.matching(w.staff.viewer, flt), first=100
            )
        except InvalidInput:
            with pytest.raises(InvalidInput):
                tickets_grid.validate(flt)
            continue
        valid += 1
        in_sql = {t.id for t in page.items}
        in_memory = {t.id for t in w.facts if tickets_grid.matches(flt, t)}
        assert in_memory == in_sql, flt
        for name in _given(flt):
            alone = {t.id for t in w.facts if _memory_of(name, flt, t)}
            if alone and alone != every:
                splits.add(name)
    # The strategies reach the tickets: most filters are valid, and every field was seen
    # letting some tickets through and keeping others out.
    assert valid > EXAMPLES * 3 // 2
    assert splits == set(RULES)
    if database_url.startswith("sqlite"):  # statuses were set by UPDATE: its triggers ran
        assert await open_index() == await open_tickets_indexed()
    # The timestamps do sit on the edges: midnight is in its day, the last microsecond too.
    the_day = TicketFilter(created_from=DAY, created_to=DAY, include_resolved=True)
    page = await tickets_grid.page_of(
        await tickets_grid.matching(w.staff.viewer, the_day), first=100
    )
    assert {t.summary for t in page.items} == {
        "Cannot export report",  # at midnight
        "Wallet balance wrong",
        "Feature: dark mode",  # at the day's last microsecond
        "Export of balance",
    }


async def test_search_boxes_select_as_memory_does_beyond_the_ids_a_list_holds(database_url):
    """A search box passes the rows it finds as a list of ids, up to MAX_FOUND_IDS of them,
    and beyond keeps its subquery: either way the grid selects what `matches` selects."""
    most = ticket_filters.MAX_FOUND_IDS
    staff = await f.agent(name="Agent Smith")
    orgs = [await f.organization(f"Crowd Org {i}") for i in range(most + 1)]
    people = [await f.customer(org, name=f"Crowd Person {i}") for i, org in enumerate(orgs)]
    solo = await f.organization("Solo Ltd")
    loner = await f.customer(solo, name="Solo Person")
    made = []
    for person, org in [(people[0], orgs[0]), (people[most], orgs[most]), (loner, solo)]:
        ticket = await f.ticket(staff, organization_id=org.id, primary_contact_id=person.contact.id)
        made.append(ticket.id)
    loaded = await models.Ticket.filter(id__in=made).select_related(
        "organization", "primary_contact"
    )
    facts = [facts_of(t) for t in loaded]
    shown = {"include_resolved": True, "include_closed": True}
    searches = {
        "primary_contact": ["crowd", "Crowd*", "crowd person 1", "*person 10*", "nobody"],
        "organization_name": ["crowd", "crowd org 1", "Crowd*", "solo"],
    }
    for name, patterns in searches.items():
        for pattern in patterns:
            flt = TicketFilter(**{name: pattern}, **shown)
            page = await tickets_grid.page_of(
                await tickets_grid.matching(staff.viewer, flt), first=100
            )
            in_memory = {t.id for t in facts if tickets_grid.matches(flt, t)}
            assert {t.id for t in page.items} == in_memory, flt
    # Both sides of the bound were searched: a list of ids, and the subquery.
    related = {"primary_contact": models.Contact, "organization_name": models.Organization}
    for name, model in related.items():
        counts = {await model.filter(name__icontains=p).count() for p in searches[name]}
        assert min(counts) <= most < max(counts), name
