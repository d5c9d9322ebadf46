"""One tailer per server process: reads committed log events in id order and hands each
batch to the live subscriptions of this process.

The bus only says "look now"; the tailer also polls, so a lost hint (or a commit made by
another process without a broker) delays delivery by at most `poll_interval`.

Out-of-order commits: PostgreSQL hands out ids before commit, so id 41 may become visible
after id 42. The tailer holds back everything after a missing id until it appears, or
until `gap_timeout` says it never will (a rolled-back transaction burns its id)."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from tortoise.expressions import Q

from helpdesk.events.bus import Bus
from helpdesk.models import LogEvent
from helpdesk.resolvers import statements
from helpdesk.subscriptions import live_events
from helpdesk.subscriptions.access_state import AccessState
from helpdesk.subscriptions.live_events import LiveEvent

log = logging.getLogger(__name__)
BATCH = 500


class Tailer:
    def __init__(self, bus: Bus, *, poll_interval: float = 1.0, gap_timeout: float = 3.0):
        self.bus = bus
        self.poll_interval = poll_interval
        self.gap_timeout = gap_timeout
        self.watermark = 0  # every event with an id up to here has been handed out
        self.access = AccessState()
        self.on_access_ended: Callable[[set[int], set[int]], None] | None = None
        self._queues: set[asyncio.Queue] = set()
        self._gap_since: float | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        newest = await LogEvent.all().order_by("-id").first()
        self.watermark = newest.id if newest else 0
        self._task = asyncio.create_task(self._run(), name="log-event tailer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            # While a gap is open, look again soon instead of waiting for a hint.
            await self.bus.wait(0.05 if self._gap_since else self.poll_interval)
            try:
                while await self.poll():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # the next hint or poll retries; never die silently
                log.exception("tailer poll failed")
                await asyncio.sleep(self.poll_interval)

    async def poll(self) -> bool:
        """Reads and hands out what is ready. True if there may be more right away."""
        rows = await statements.rows_after(LogEvent, self.watermark, BATCH)
        ready: list[LogEvent] = []
        expected = self.watermark + 1
        for row in rows:
            if row.id != expected:
                now = time.monotonic()
                self._gap_since = self._gap_since or now
                if now - self._gap_since < self.gap_timeout:
                    break  # wait for the missing id to commit
                log.info("log events %s..%s never committed; skipping", expected, row.id - 1)
                self._gap_since = None
            ready.append(row)
            expected = row.id + 1
        else:
            self._gap_since = None
        if not ready:
            return False
        # With nobody listening the batch is not loaded (each write would pay for reading
        # its ticket, comment and people back); a listener that registers later starts
        # after this watermark and replays what it needs.
        batch = await live_events.load(ready) if self._queues else []
        # No await from here on: listeners registered at any point see either this whole
        # batch live or none of it (they replay it), never half.
        self.watermark = ready[-1].id
        contacts, tokens = self.access.apply(ready)
        if (contacts or tokens) and self.on_access_ended:
            self.on_access_ended(contacts, tokens)
        for queue in self._queues:
            queue.put_nowait(batch)
        return len(rows) == BATCH and len(ready) == len(rows)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[tuple[int, asyncio.Queue]]:
        """A queue of every batch handed out from now on, and the watermark it starts after."""
        queue: asyncio.Queue[list[LiveEvent]] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield self.watermark, queue
        finally:
            self._queues.discard(queue)


async def replay(after: int, through: int, only: Q | None = None) -> AsyncIterator[list[LiveEvent]]:
    """The committed events after one cursor and up to a watermark, in batches; with
    `only`, those it matches."""
    while after < through:
        query = LogEvent.filter(id__gt=after, id__lte=through)
        if only is not None:
            query = query.filter(only)
        rows = await query.order_by("id").limit(BATCH)
        if not rows:
            return
        yield await live_events.load(rows)
        after = rows[-1].id


_tailer: Tailer | None = None


def get_tailer() -> Tailer:
    if _tailer is None:
        raise RuntimeError("the live-event tailer is not running in this process")
    return _tailer


def set_tailer(tailer: Tailer | None) -> None:
    global _tailer
    _tailer = tailer
