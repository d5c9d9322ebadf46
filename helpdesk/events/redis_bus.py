"""Hints over Redis pub/sub, for several server processes on one PostgreSQL database.

A hint lost while Redis is down costs latency only: every tailer also polls."""

import asyncio
import contextlib
import logging

import redis.asyncio as redis
from redis.exceptions import RedisError

from helpdesk.events.bus import MemoryBus

log = logging.getLogger(__name__)
CHANNEL = "helpdesk:log-events"


class RedisBus(MemoryBus):
    """This process's hints as in memory (waiting is the same), and every process's from
    Redis."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        super().__init__()
        self._client = redis.from_url(url)
        self._channel = channel
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="redis bus listener")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._event.set()
            except RedisError as error:
                log.warning("redis bus: %s; resubscribing in 1 s", error)
                await asyncio.sleep(1)

    async def publish(self) -> None:
        await super().publish()  # this process's tailer need not wait for the round trip
        try:
            await self._client.publish(self._channel, "1")
        except RedisError as error:
            log.warning("redis bus: hint not sent (%s); other processes poll", error)
