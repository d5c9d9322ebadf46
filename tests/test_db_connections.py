"""Reads outside a transaction do not wait for another request's write transaction, and see
only what it committed (on SQLite: the second, read-only connection of
helpdesk/sqlite_engine.py; on PostgreSQL: another connection of the pool)."""

import asyncio
import contextvars

import factories as f
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
