"""The event bus carries hints, not events: "new log events are committed, look now".

The database stays the source of truth, so a lost hint delays delivery, never loses it.
"""

import asyncio
from typing import Protocol


class Bus(Protocol):
    async def publish(self) -> None: ...

    async def wait(self, timeout: float) -> None:
        """Return when a hint arrives or the timeout passes, whichever is first."""


class MemoryBus:
    """One process: hints are an asyncio.Event."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    async def publish(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()


_bus: Bus | None = None


def get_bus() -> Bus:
    global _bus
    if _bus is None:
        _bus = MemoryBus()
    return _bus


def set_bus(bus: Bus | None) -> None:
    global _bus
    _bus = bus
