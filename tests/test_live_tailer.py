"""The tailer and its in-memory filter twin, on the real database."""

import asyncio
from datetime import UTC, datetime, timedelta

import factories as f
from live import redis_url

from helpdesk.events.bus import MemoryBus
from helpdesk.events.redis_bus import RedisBus
from helpdesk.models import LogEvent, LogKind, Priority, Role, Status
from helpdesk.resolvers import tickets
from helpdesk.resolvers.ticket_fields import TicketFields
from helpdesk.resolvers.viewer import Viewer
from helpdesk.subscriptions.access_state import AccessState
from helpdesk.subscriptions.tailer import Tailer, replay


async def _event(event_id: int) -> None:
    await LogEvent.create(
        id=event_id, kind=LogKind.DATA_LOG_CLEARED, occurred_at=datetime.now(UTC), internal=True
    )


async def _newest_id() -> int:
    newest = await LogEvent.all().order_by("-id").first()
    return newest.id if newest else 0


async def test_events_behind_a_missing_id_wait_until_it_commits(database_url):
    tailer = Tailer(MemoryBus(), gap_timeout=60)
    tailer.watermark = base = await _newest_id()
    async with tailer.listen() as (_, queue):
        await _event(base + 2)  # committed first, as a later transaction can be
        assert await tailer.poll() is False
        assert queue.empty() and tailer.watermark == base

        await _event(base + 1)
        await tailer.poll()
        assert [live.event.id for live in queue.get_nowait()] == [base + 1, base + 2]
        assert tailer.watermark == base + 2


async def test_a_missing_id_that_never_commits_is_skipped_after_the_timeout(database_url):
    tailer = Tailer(MemoryBus(), gap_timeout=0)
    tailer.watermark = base = await _newest_id()
    async with tailer.listen() as (_, queue):
        await _event(base + 3)
        await tailer.poll()
        assert [live.event.id for live in queue.get_nowait()] == [base + 3]


async def test_replay_returns_the_events_between_a_cursor_and_the_watermark(database_url):
    org = await f.organization()
    alice = await f.customer(org)
    start = await _newest_id()
    created = [await f.ticket(alice) for _ in range(3)]
    through = await _newest_id()
    await f.ticket(alice)  # after the watermark: live, not replayed

    replayed = [live async for batch in replay(start, through) for live in batch]
    assert [live.ticket.id for live in replayed] == [t.id for t in created]
    assert all(live.before is None and live.after is not None for live in replayed)


async def test_state_before_an_event_is_the_state_after_the_previous_one(database_url):
    org = await f.organization()
    alice = await f.customer(org)
    agent = await f.agent()
    ticket = await f.ticket(alice, summary="first")
    start = await _newest_id()
    await tickets.update(
        agent.viewer, ticket.id, TicketFields(summary="second", priority=Priority.HIGH)
    )
    await tickets.resolve(agent.viewer, ticket.id)

    batch = [live async for b in replay(start, await _newest_id()) for live in b]
    update, resolve = batch
    assert (update.before.summary, update.after.summary) == ("first", "second")
    assert (update.before.priority, update.after.priority) == (Priority.NORMAL, Priority.HIGH)
    assert update.after.status is Status.OPEN
    assert (resolve.before.status, resolve.after.status) == (Status.OPEN, Status.RESOLVED)


async def test_a_hint_published_by_one_process_wakes_another():
    url = redis_url()
    sender, receiver = RedisBus(url, "test"), RedisBus(url, "test")
    await receiver.start()
    try:
        await asyncio.sleep(0.2)  # subscribed
        waiting = asyncio.create_task(receiver.wait(5))
        await sender.publish()
        started = asyncio.get_running_loop().time()
        await waiting
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        await receiver.close()
        await sender.close()


def test_an_expired_session_may_no_longer_listen():
    past = datetime.now(UTC) - timedelta(seconds=1)
    future = datetime.now(UTC) + timedelta(hours=1)
    state = AccessState()

    def viewer(token_id: int, expires_at: datetime | None) -> Viewer:
        return Viewer(
            contact_id=1,
            role=Role.CUSTOMER,
            organization_id=1,
            organization_ids=frozenset({1}),
            token_id=token_id,
            token_expires_at=expires_at,
        )

    assert not state.allows(viewer(7, past), checked_through=0)
    assert state.allows(viewer(7, future), checked_through=0)
    assert state.allows(viewer(8, None), checked_through=0)
    # A hub reads the clock once per event for all its members (hubs.Moment): the session
    # counts as expired from that moment on.
    later = future + timedelta(seconds=1)
    assert not state.allows(viewer(7, future), checked_through=0, at=later)
    assert state.allows(viewer(7, future), checked_through=0, at=future - timedelta(seconds=1))
