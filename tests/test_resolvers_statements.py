"""Statements run by hand (resolvers/statements.py) store and read exactly what the ORM
does, on both databases."""

from datetime import UTC, datetime, timedelta

import factories as f
import pytest
from tortoise.expressions import Q
from tortoise.functions import Count

from helpdesk.models import (
    Category,
    Contact,
    LogEvent,
    LogKind,
    Priority,
    Role,
    Status,
    Ticket,
    TicketCcContact,
)
from helpdesk.resolvers import access, statements


async def test_a_versioned_update_stores_what_the_orm_reads_back(database_url):
    alice = await f.customer(await f.organization())
    agent = await f.agent()
    ticket = await f.ticket(alice)
    seen = ticket.version
    moment = datetime(2026, 12, 5, 21, 30, 15, 123456, tzinfo=UTC)
    ticket.summary, ticket.priority, ticket.status = (
        "Card frozen ✓",
        Priority.URGENT,
        Status.WAITING_ON_CUSTOMER,
    )
    ticket.owner_id, ticket.resolved_at, ticket.version = agent.contact.id, moment, seen + 1
    attrs = ["summary", "priority", "status", "owner_id", "resolved_at", "version"]

    assert await statements.update_if_version(ticket, attrs, seen) is True

    stored = await Ticket.get(id=ticket.id)
    assert (stored.summary, stored.priority, stored.status) == (
        "Card frozen ✓",
        Priority.URGENT,
        Status.WAITING_ON_CUSTOMER,
    )
    assert (stored.owner_id, stored.resolved_at, stored.version) == (
        agent.contact.id,
        moment,
        seen + 1,
    )


async def test_a_versioned_update_of_a_stale_version_writes_nothing(database_url):
    ticket = await f.ticket(await f.customer(await f.organization()))
    ticket.summary = "too late"
    assert await statements.update_if_version(ticket, ["summary"], ticket.version + 1) is False
    assert (await Ticket.get(id=ticket.id)).summary != "too late"


@pytest.mark.parametrize("attr", ["id", "owner", "no_such_field"])
async def test_only_columns_can_be_written(database_url, attr):
    ticket = await f.ticket(await f.customer(await f.organization()))
    with pytest.raises(ValueError, match=f"Ticket.{attr} is not a column"):
        await statements.update_if_version(ticket, [attr], ticket.version)


async def test_a_row_by_key_is_the_orm_s_row(database_url):
    ticket = await f.ticket(await f.customer(await f.organization()))
    by_hand = await statements.row(Ticket, ticket.id, for_update=True)
    by_orm = await Ticket.get(id=ticket.id)
    assert by_hand is not None
    fields = Ticket._meta.fields_db_projection
    assert {a: getattr(by_hand, a) for a in fields} == {a: getattr(by_orm, a) for a in fields}
    assert await statements.row(Ticket, ticket.id + 1000) is None


async def test_rows_after_a_key_come_in_key_order_up_to_the_limit(database_url):
    newest = await LogEvent.all().order_by("-id").first()
    base = newest.id if newest else 0
    at = datetime.now(UTC) - timedelta(minutes=1)
    for n in (3, 1, 2):  # committed out of order
        await LogEvent.create(
            id=base + n, kind=LogKind.DATA_LOG_CLEARED, occurred_at=at, internal=True
        )
    rows = await statements.rows_after(LogEvent, base, 2)
    assert [r.id for r in rows] == [base + 1, base + 2]
    assert rows[0].kind is LogKind.DATA_LOG_CLEARED and rows[0].occurred_at == at
    assert [r.id for r in await statements.rows_after(LogEvent, base + 2, 500)] == [base + 3]


async def test_rows_in_and_ids_in_answer_what_the_orm_answers(database_url):
    acme = await f.organization("Acme")
    alice, bob, carol = [await f.customer(acme) for _ in range(3)]
    tickets = [
        await f.ticket(alice, cc_contact_ids=[bob.contact.id, carol.contact.id]),
        await f.ticket(alice),
        await f.ticket(bob, cc_contact_ids=[alice.contact.id]),
    ]
    ids = [t.id for t in tickets] + [10**6]  # one that is not there
    ours = sorted(await statements.rows_in(Ticket, ids), key=lambda t: t.id)
    theirs = await Ticket.filter(id__in=ids).order_by("id")
    assert [vars(t) for t in ours] == [vars(t) for t in theirs] and len(ours) == 3
    assert await statements.rows_in(Ticket, []) == []
    links = await statements.ids_in(TicketCcContact, ("ticket_id", "contact_id"), "ticket_id", ids)
    expected = (
        await TicketCcContact.filter(ticket_id__in=ids)
        .order_by("id")
        .values_list("ticket_id", "contact_id")
    )
    assert links == [tuple(row) for row in expected] and len(links) == 3


async def test_only_an_untouched_queryset_is_the_whole_table(database_url):
    acme = await f.organization("Acme")
    alice, agent = await f.customer(acme), await f.agent()
    assert statements.whole_table(Contact.all()) and statements.whole_table(Category.all())
    assert statements.whole_table(access.contacts(agent.viewer))
    assert statements.whole_table(access.organizations(agent.viewer))
    # A customer's scopes are filtered; so is anything added to the whole table.
    assert not statements.whole_table(access.contacts(alice.viewer))
    assert not statements.whole_table(access.organizations(alice.viewer))
    touched = [
        Contact.filter(id=1),
        Contact.filter(Q(id=1) | Q(name="x")),
        Contact.exclude(role=Role.CUSTOMER),
        Contact.all().only("id", "name"),
        Contact.all().limit(3),
        Contact.all().offset(3),
        Contact.all().order_by("name"),
        Contact.all().distinct(),
        Contact.all().select_related("organization"),
        Contact.all().prefetch_related("organization"),
        Contact.all().annotate(n=Count("id")),
    ]
    if database_url.startswith("postgres"):  # SQLite has no FOR UPDATE: Tortoise drops it
        touched.append(Contact.all().select_for_update())
    assert not any(statements.whole_table(q) for q in touched)


def by_id(rows) -> list[dict]:
    return [vars(row) for row in sorted(rows, key=lambda row: row.id)]


async def test_a_scoped_statement_kept_for_an_audience_answers_what_the_orm_answers(database_url):
    acme, globex, initech = [await f.organization(n) for n in ("Acme", "Globex", "Initech")]
    alice, bob, carol = await f.customer(acme), await f.customer(globex), await f.customer(initech)
    partner = await f.partner(await f.customer(globex), acme)  # sees Acme's people too
    agent = await f.agent()
    everyone = [p.contact.id for p in (alice, bob, carol, partner, agent)] + [10**6]
    people = [alice, bob, carol, partner, agent]
    for _ in range(2):  # built, then kept
        for person in people:
            scopes = (access.contacts(person.viewer), access.organizations(person.viewer))
            for scope, ids in zip(
                scopes, (everyone, [acme.id, globex.id, initech.id]), strict=True
            ):
                for some in (ids, ids[:2], ids[::-1]):
                    ours = await statements.rows_in_scope(
                        scope, access.audience(person.viewer), some
                    )
                    theirs = await scope.filter(id__in=some)
                    assert by_id(ours) == by_id(theirs), (
                        person.contact.name,
                        scope.model.__name__,
                        some,
                    )
    # Alice sees her organization's people and the staff, not Globex's customer.
    seen = await statements.rows_in_scope(
        access.contacts(alice.viewer), access.audience(alice.viewer), everyone
    )
    assert {c.id for c in seen} == {alice.contact.id, agent.contact.id, partner.contact.id}
    # A scope whose rows are not whole models is built every time, and still right.
    limited = Contact.all().order_by("id").limit(2)
    assert [c.id for c in await statements.rows_in_scope(limited, "limited", everyone)] == [
        c.id for c in await limited.filter(id__in=everyone)
    ]
