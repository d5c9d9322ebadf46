"""What every subscription field reads: the tailer's batches of committed log events, from a
cursor or from now, each checked against the viewer's right to see it."""

from collections.abc import AsyncGenerator

import strawberry
from tortoise.expressions import Q

from helpdesk.resolvers import access
from helpdesk.resolvers.viewer import Viewer
from helpdesk.subscriptions.live_events import LiveEvent
from helpdesk.subscriptions.tailer import get_tailer, replay


async def batches(
    after: int | None, through: int | None = None, only: Q | None = None
) -> AsyncGenerator[list[LiveEvent], None]:
    """Replays what came after the cursor, then goes on live: no gap, no duplicate.
    With `through`, replays up to there and stops (a catch-up before joining a hub).
    With `only`, the replay is the events it matches; live batches are whole."""
    if through is not None:
        async for batch in replay(after or 0, through, only):
            yield batch
        return
    async with get_tailer().listen() as (start, queue):
        if after is not None:
            async for batch in replay(after, start, only):
                yield batch
        while True:
            yield await queue.get()


def visible(viewer: Viewer, live: LiveEvent) -> bool:
    return access.can_see_log_event(viewer, live.event, live.ticket)


def fresh(info: strawberry.Info) -> Viewer:
    """Each pushed result reads through new loaders: cached rows would be stale."""
    context = info.context
    context.set_viewer(context.viewer)
    return context.viewer
