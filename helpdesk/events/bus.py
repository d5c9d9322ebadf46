"""The event bus carries hints, not events: "new log events are committed, look now".

The database stays the source of truth, so a lost hint delays delivery, never loses it.

Beside the hints, the bus carries signals: small ephemeral JSON messages (presence, typing)
that reach every process, this one included, and are never stored. Each has a `topic` key
saying whose it is. A lost signal is lost: senders repeat what must last."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

log = logging.getLogger(__name__)

# Signals a listener has not read yet; past this its newest are dropped, never the sender held.
SIGNAL_BACKLOG = 1000


class Bus(Protocol):
    async def publish(self) -> None: ...

    async def wait(self, timeout: float) -> None:
        """Return when a hint arrives or the timeout passes, whichever is first."""

    async def send_signal(self, message: dict) -> None:
        """Delivers a JSON-able dict with a `topic` key to every process's listeners."""

    def signals(self) -> AbstractAsyncContextManager[asyncio.Queue[dict]]:
        """A queue of every signal sent from now on, by any process, until the block ends.
        Listeners share each message: read it, never change it."""


class MemoryBus:
    """One process: hints are an asyncio.Event, signals go straight to the listeners."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._listeners: set[asyncio.Queue[dict]] = set()
        self._dropped = False  # a listener fell behind: said once, not per signal

    async def publish(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()

    async def send_signal(self, message: dict) -> None:
        if "topic" not in message:
            raise ValueError("a signal needs a topic")
        self._deliver_signal(message)

    def _deliver_signal(self, message: dict) -> None:
        """Hands a signal to this process's listeners; never waits."""
        for queue in self._listeners:
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                if not self._dropped:
                    log.warning("bus: a signal listener fell behind; dropping its signals")
                self._dropped = True

    @asynccontextmanager
    async def signals(self) -> AsyncIterator[asyncio.Queue[dict]]:
        queue: asyncio.Queue[dict] = asyncio.Queue(SIGNAL_BACKLOG)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)


_bus: Bus | None = None


def get_bus() -> Bus:
    global _bus
    if _bus is None:
        _bus = MemoryBus()
    return _bus


def set_bus(bus: Bus | None) -> None:
    global _bus
    _bus = bus
