"""Statements run by hand (resolvers/statements.py) store and read exactly what the ORM
does, on both databases."""

from datetime import UTC, datetime, timedelta

import factories as f
import pytest

from helpdesk.models import LogEvent, LogKind, Priority, Status, Ticket
from helpdesk.resolvers import statements


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
