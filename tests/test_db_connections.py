"""How statements reach the database (helpdesk/sqlite_engine.py on SQLite): reads outside a
transaction neither wait for another request's write transaction nor see what it has not
committed (SQLite: the second, read-only connection; PostgreSQL: another connection of the
pool); on SQLite a transaction's statements run back to back on the event loop, and a slow
read there gives the loop back."""

import asyncio
import contextvars

import factories as f
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from helpdesk.models import Ticket


async def test_a_read_outside_a_write_transaction_sees_the_last_commit_at_once(database_url):
    ticket = await f.ticket(await f.customer(await f.organization()), summary="committed")

    async def summary() -> str:
        return (await Ticket.get(id=ticket.id)).summary

    async with in_transaction():
        await Ticket.filter(id=ticket.id).update(summary="not yet committed")
        # Another request's read: a task of its own, outside this transaction's context.
        read = asyncio.create_task(summary(), context=contextvars.Context())
        done, _ = await asyncio.wait({read}, timeout=10)
        # Before the reading connection it queued behind this transaction's lock.
        assert done, "the read waited for the write transaction to end"
        assert read.result() == "committed"
    assert await summary() == "not yet committed"


async def test_sqlite_runs_a_transactions_statements_back_to_back(database_url):
    """On SQLite the writing connection runs statements on the event loop (issue 11): no
    other task gets in between a transaction's statements, only around its COMMIT. Through
    aiosqlite's thread, the other task ran at the first statement."""
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL's statements go over the network: other tasks run meanwhile
    ticket = await f.ticket(await f.customer(await f.organization()), summary="before")
    ran: list[str] = []
    other = asyncio.get_running_loop().call_soon(ran.append, "other task")
    async with in_transaction():
        await Ticket.filter(id=ticket.id).update(summary="first")
        assert (await Ticket.get(id=ticket.id)).summary == "first"
        await Ticket.filter(id=ticket.id).update(summary="second")
        ran.append("transaction")
    other.cancel()
    assert ran[0] == "transaction", ran
    assert (await Ticket.get(id=ticket.id)).summary == "second"


SLOW_COUNT = """SELECT count(*) AS c FROM (WITH RECURSIVE n(i) AS
(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT i FROM n) AS numbers"""


async def test_a_slow_read_does_not_hold_the_event_loop(database_url):
    """A read the writing connection runs on the event loop (SQLite) is interrupted when it
    takes long, and finishes on the reading connection's thread: meanwhile other tasks run.
    The count takes about a second; a timer due in 50 ms must fire before it ends."""
    connection = Tortoise.get_connection("default")
    order: list[str] = []

    async def slow_read() -> None:
        _, rows = await connection.execute_query(SLOW_COUNT)
        assert rows[0]["c"] == 3_000_000
        order.append("read")

    timer = asyncio.get_running_loop().call_later(0.05, order.append, "timer")
    await slow_read()
    timer.cancel()
    assert order == ["timer", "read"]
    if database_url.startswith("sqlite"):  # and the statement now goes to the thread at once
        assert SLOW_COUNT in connection._slow
