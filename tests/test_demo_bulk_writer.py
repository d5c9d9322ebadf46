"""The bulk writer itself (helpdesk/demo_bulk.py), on both databases: a big write takes the
tables' indexes and PostgreSQL's foreign keys away and puts them back as they were, rows
written after it through the resolvers take the next ids, and a row that refers to nothing
fails the whole write, whichever way it is checked (row by row, or when PostgreSQL's foreign
keys are added back after COPY)."""

from datetime import UTC, datetime, timedelta

import factories as f
import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from helpdesk import demo_bulk
from helpdesk.models import (
    Category,
    Comment,
    CommentKind,
    LogEvent,
    Status,
    Ticket,
    TicketCcContact,
)
from helpdesk.resolvers import comments

# Per ticket: TICKET_CREATED, ASSIGNED, COMMENT_ADDED (the reply), RESOLVED, COMMENT_ADDED
# (the resolution's comment); two comments; one CC contact.
EVENTS, COMMENTS = 5, 2


async def _rows(sql: str) -> list[dict]:
    _, rows = await Tortoise.get_connection("default").execute_query(sql)
    return [dict(row) for row in rows]


async def _keys_and_indexes(database_url: str) -> list[dict]:
    """The written tables' indexes and foreign keys, as the database lists them."""
    tables = ", ".join(f"'{t}'" for t in demo_bulk.TABLES)
    if database_url.startswith("sqlite"):  # its foreign keys are in the tables' own SQL
        return await _rows(
            "SELECT type, name, sql FROM sqlite_master"
            f" WHERE tbl_name IN ({tables}) AND type IN ('table', 'index') ORDER BY name"
        )
    return await _rows(
        "SELECT indexname AS name, indexdef AS sql FROM pg_indexes"
        f" WHERE schemaname = current_schema() AND tablename IN ({tables})"
        " UNION ALL SELECT conname, pg_get_constraintdef(oid)"
        " || CASE WHEN convalidated THEN '' ELSE ' (not validated)' END FROM pg_constraint"
        f" WHERE contype = 'f' AND conrelid::regclass::text IN ({tables}) ORDER BY name"
    )


@pytest.fixture
async def people(database_url):
    org = await f.organization()
    return org, await f.customer(org), await f.customer(org), await f.agent()


def _tickets(people, category_id: int, count: int = 2) -> list:
    """Tickets filed a day apart, each CC'd to a colleague, assigned, answered, resolved."""
    org, customer, colleague, agent = people
    who = demo_bulk.Actor(customer.contact.id, staff=False)
    staff = demo_bulk.Actor(agent.contact.id, staff=True)
    tickets = []
    for n in range(count):
        at = datetime(2024, 5, 1, 9, tzinfo=UTC) + timedelta(days=n)
        new = demo_bulk.NewTicket(
            at,
            who,
            org.id,
            f"Bulk ticket {n}",
            "Written by the bulk writer.",
            category_id,
            cc_contact_ids=(colleague.contact.id,),
        )
        steps: list[demo_bulk.Step] = [
            (at + timedelta(hours=1), "assign", (staff,)),
            (at + timedelta(hours=2), "reply", (staff, "On it.")),
            (at + timedelta(hours=3), "resolve", (staff, "Fixed.")),
        ]
        tickets.append((new, steps))
    return tickets


async def test_a_big_write_puts_every_index_and_foreign_key_back(database_url, people):
    before = await _keys_and_indexes(database_url)
    category = await Category.all().order_by("id").first()
    assert category is not None
    async with demo_bulk.fast_load(), in_transaction() as conn:
        written = await demo_bulk.write(conn, _tickets(people, category.id), many=True)
    assert written == {
        "tickets": 2,
        "ticket_cc_contacts": 2,
        "comments": 2 * COMMENTS,
        "log_events": 2 * EVENTS,
    }
    assert await _keys_and_indexes(database_url) == before
    tickets = await Ticket.all().order_by("id")
    assert [t.status for t in tickets] == [Status.RESOLVED] * 2
    assert [await TicketCcContact.filter(ticket_id=t.id).count() for t in tickets] == [1, 1]

    # Written after the load through the resolvers: the next ids (PostgreSQL's sequences
    # were moved past the rows COPY wrote with ids of their own).
    newest_event = await LogEvent.all().order_by("-id").first()
    newest_comment = await Comment.all().order_by("-id").first()
    assert newest_event is not None and newest_comment is not None
    _, customer, _, agent = people
    later = await f.ticket(customer)
    assert later.id == tickets[-1].id + 1
    comment = await comments.add(agent.viewer, later.id, "Hello.", CommentKind.REPLY)
    assert comment.id == newest_comment.id + 1
    assert await LogEvent.filter(id__lte=newest_event.id, ticket_id=later.id).count() == 0


@pytest.mark.parametrize("many", [True, False], ids=["keys dropped", "keys kept"])
async def test_a_row_that_refers_to_nothing_fails_the_whole_write(database_url, people, many):
    """Outside fast_load, which lets SQLite skip the checks (the demo's test runs
    foreign_key_check after its load): a ticket in a category that does not exist."""
    before = await _keys_and_indexes(database_url)
    category = await Category.all().order_by("id").first()
    assert category is not None
    tickets = _tickets(people, category.id, count=3)
    tickets[1][0].category_id = 999_999
    with pytest.raises(IntegrityError):
        async with in_transaction() as conn:
            await demo_bulk.write(conn, tickets, many=many)
    assert await Ticket.all().count() == 0
    assert await Comment.all().count() == 0
    assert await TicketCcContact.all().count() == 0
    assert await _keys_and_indexes(database_url) == before
