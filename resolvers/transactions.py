from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from helpdesk.events.bus import get_bus


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """One unit of change. After it commits, the bus is told to look for new log events:
    the only place a hint is published."""
    async with in_transaction():
        yield
    await get_bus().publish()
