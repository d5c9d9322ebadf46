"""Rows made into models the short way (helpdesk/models/rows.py) give the very models
Tortoise's own `_init_from_db` makes: every attribute equal, of the same type, timestamps in
the same zone. Checked on every table of a loaded demo, on both databases."""

from datetime import datetime

import pytest
from tortoise import Tortoise

from helpdesk import demo
from helpdesk.models import Contact, Status, Ticket
from helpdesk.models.rows import row_maker


def _attributes(instance) -> dict:
    return {
        name: (type(value), value, value.tzinfo if isinstance(value, datetime) else None)
        for name, value in vars(instance).items()
    }


async def test_every_tables_rows_make_the_models_tortoise_makes(database_url):
    assert await demo.load(ticket_count=60) is not None
    connection = Tortoise.get_connection("default")
    checked = 0
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        _, rows = await connection.execute_query(f"SELECT * FROM {table} ORDER BY 1")
        if not rows:
            continue
        columns = tuple(rows[0].keys())
        make = row_maker(model, columns)
        for row in rows:
            ours = make(row)
            theirs = model._init_from_db(**dict(zip(columns, row, strict=True)))
            assert type(ours) is model
            assert _attributes(ours) == _attributes(theirs), (table, row)
            checked += 1
    assert checked > 1000  # the demo's tickets, contacts, events...


async def test_queries_give_models_and_odd_values_fail_as_tortoise_fails(database_url):
    await demo.load(ticket_count=10)
    tickets = await Ticket.all().order_by("id")
    assert tickets and all(isinstance(t.status, Status) for t in tickets)
    assert all(t.created_at.tzinfo is not None for t in tickets)
    # A partial model (a column left out) is Tortoise's own: the maker takes its way.
    partial = await Contact.all().only("id", "name").order_by("id")
    assert partial and partial[0]._partial and partial[0].name
    # A status the enum does not know fails as Tortoise's own conversion does.
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query("SELECT * FROM tickets ORDER BY id")
    columns = tuple(rows[0].keys())
    odd = [
        99 if column == "status" else value for column, value in zip(columns, rows[0], strict=True)
    ]
    with pytest.raises(ValueError, match="99 is not a valid Status"):
        row_maker(Ticket, columns)(odd)
    with pytest.raises(ValueError, match="99 is not a valid Status"):
        Ticket._init_from_db(**dict(zip(columns, odd, strict=True)))
