"""Hints and signals over Redis pub/sub, for several server processes on one PostgreSQL
database.

A hint lost while Redis is down costs latency only: every tailer also polls. A signal lost
while Redis is down reaches this process only: its senders repeat what must last."""

import asyncio
import contextlib
import json
import logging
import uuid

import redis.asyncio as redis
from redis.exceptions import RedisError

from helpdesk.events.bus import MemoryBus

log = logging.getLogger(__name__)
# The channels' prefix: one help desk's processes share it, another help desk on the same
# Redis (or a test) takes its own.
PREFIX = "helpdesk"


class RedisBus(MemoryBus):
    """This process's hints and signals as in memory (at once, even with Redis down), and
    every other process's from Redis."""

    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        super().__init__()
        self._client = redis.from_url(url)
        self._channel = f"{prefix}:log-events"
        self._signal_channel = f"{prefix}:signals"
        # Tells this bus's own signals apart when Redis echoes them back.
        self._origin = uuid.uuid4().hex
        self._signals_failing = False
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
        hints, signals = self._channel.encode(), self._signal_channel.encode()
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel, self._signal_channel)
                    async for message in pubsub.listen():
                        if message["type"] != "message":
                            continue
                        if message["channel"] == hints:
                            self._event.set()
                        elif message["channel"] == signals:
                            self._received_signal(message["data"])
            except RedisError as error:
                log.warning("redis bus: %s; resubscribing in 1 s", error)
                await asyncio.sleep(1)

    def _received_signal(self, data: bytes) -> None:
        try:
            envelope = json.loads(data)
            origin, message = envelope["origin"], envelope["message"]
            if not isinstance(message, dict) or "topic" not in message:
                raise ValueError("no topic")
        except (ValueError, TypeError, KeyError) as error:
            log.warning("redis bus: a malformed signal dropped (%s)", error)
            return
        if origin != self._origin:  # this process's own were delivered when sent
            self._deliver_signal(message)

    async def publish(self) -> None:
        await super().publish()  # this process's tailer need not wait for the round trip
        try:
            await self._client.publish(self._channel, "1")
        except RedisError as error:
            log.warning("redis bus: hint not sent (%s); other processes poll", error)

    async def send_signal(self, message: dict) -> None:
        await super().send_signal(message)
        envelope = json.dumps({"origin": self._origin, "message": message})
        try:
            await self._client.publish(self._signal_channel, envelope)
        except RedisError as error:
            if not self._signals_failing:  # once per outage, not once per signal
                log.warning("redis bus: signals reach this process only (%s)", error)
            self._signals_failing = True
        else:
            if self._signals_failing:
                log.info("redis bus: signals reach every process again")
            self._signals_failing = False
