"""Live chat: the staff queue of waiting chats, and one chat's events (messages, who joined
or left, typing, the end), resumable from a cursor like ticketEvents."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from enum import Enum

import strawberry
from tortoise.expressions import Q

from helpdesk.events.bus import get_bus
from helpdesk.models import ChatState, LogKind
from helpdesk.resolvers import access, chats
from helpdesk.resolvers.errors import ErrorCode, NotFound, invalid
from helpdesk.resolvers.viewer import require_staff, require_viewer
from helpdesk.schema.chats import Chat, ChatMessage
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of
from helpdesk.schema.ids import decode_id
from helpdesk.subscriptions import stream
from helpdesk.subscriptions.cursors import checked_cursor
from helpdesk.subscriptions.live_events import LiveEvent
from helpdesk.subscriptions.shapes import PERSONAL, SNAPSHOT
from helpdesk.subscriptions.stream import batches, fresh
from helpdesk.subscriptions.tailer import get_tailer

QUEUE_SIZE = 100  # the waiting chats one result lists; totalCount counts them all
QUEUE_KINDS = frozenset({LogKind.CHAT_STARTED, LogKind.CHAT_ACCEPTED, LogKind.CHAT_ENDED})


@strawberry.enum(description="What happened in the chat.")
class ChatEventKind(Enum):
    STARTED = "STARTED"
    ACCEPTED = "ACCEPTED"
    JOINED = "JOINED"
    LEFT = "LEFT"
    MESSAGE = "MESSAGE"
    TYPING = "TYPING"
    ENDED = "ENDED"


KIND_OF = {
    LogKind.CHAT_STARTED: ChatEventKind.STARTED,
    LogKind.CHAT_ACCEPTED: ChatEventKind.ACCEPTED,
    LogKind.CHAT_JOINED: ChatEventKind.JOINED,
    LogKind.CHAT_LEFT: ChatEventKind.LEFT,
    LogKind.CHAT_MESSAGE: ChatEventKind.MESSAGE,
    LogKind.CHAT_ENDED: ChatEventKind.ENDED,
}


@strawberry.type(description="One thing that happened in a chat, pushed the moment it commits.")
class ChatEvent:
    cursor: str | None = strawberry.field(
        description="Pass as `after` when reconnecting; null for TYPING, which is not stored."
    )
    kind: ChatEventKind
    occurred_at: datetime
    typing: bool | None = strawberry.field(
        default=None, description="TYPING: whether the actor started (true) or stopped typing."
    )
    _chat_id: strawberry.Private[int]
    _actor_id: strawberry.Private[int | None]
    _message_id: strawberry.Private[int | None] = None

    @strawberry.field(description="Who did it; null when the server ended the chat.")
    async def actor(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._actor_id)

    @strawberry.field(description="The new message, for MESSAGE events.")
    async def message(self, info: strawberry.Info) -> ChatMessage | None:
        if self._message_id is None:
            return None
        row = await loaders_of(info).chat_message.load(self._message_id)
        return ChatMessage.from_model(row) if row else None

    @strawberry.field(description="The chat as it is now.")
    async def chat(self, info: strawberry.Info) -> Chat | None:
        row = await loaders_of(info).chat.load(self._chat_id)
        return Chat.from_model(row) if row else None

    @classmethod
    def typing_of(cls, signal: dict) -> "ChatEvent":
        return cls(
            cursor=None,
            kind=ChatEventKind.TYPING,
            occurred_at=datetime.fromisoformat(signal["at"]),
            typing=signal["typing"],
            _chat_id=signal["chat"],
            _actor_id=signal["contact"],
        )

    @classmethod
    def from_live(cls, live: LiveEvent) -> "ChatEvent":
        event = live.event
        assert event.chat_id is not None
        return cls(
            cursor=str(event.id),
            kind=KIND_OF[event.kind],
            occurred_at=event.occurred_at,
            _chat_id=event.chat_id,
            _actor_id=event.actor_id,
            _message_id=event.chat_message_id,
        )


@strawberry.type(description="The waiting chats, longest waiting first.")
class ChatQueue:
    chats: list[Chat] = strawberry.field(description=f"The first {QUEUE_SIZE}.")
    total_count: int


async def _queue(info: strawberry.Info) -> tuple[list, int]:
    query = chats.queue(info.context.viewer)
    return await query.limit(QUEUE_SIZE), await query.count()


async def _merged(
    source: AsyncIterator[list[LiveEvent]], signals: asyncio.Queue[dict] | None, every: float | None
) -> AsyncGenerator[list[LiveEvent] | dict | None, None]:
    """The source's batches, the bus's signals (dicts), and None every `every` seconds,
    however busy the source is. The caller closes the source, after this."""
    loop = asyncio.get_running_loop()
    due = None if every is None else loop.time() + every
    pending: asyncio.Task | None = None
    signal: asyncio.Task | None = None
    try:
        while True:
            if due is not None and every is not None and loop.time() >= due:
                due = loop.time() + every
                yield None
            if pending is None:
                pending = asyncio.ensure_future(anext(source))
            if signal is None and signals is not None:
                signal = asyncio.ensure_future(signals.get())
            waiting = {pending} if signal is None else {pending, signal}
            timeout = None if due is None else max(due - loop.time(), 0)
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when="FIRST_COMPLETED")
            if not done:
                continue
            if signal in done:
                yield signal.result()
                signal = None
            if pending in done:
                try:
                    batch = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                yield batch
    finally:
        for task in (pending, signal):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


@strawberry.type
class ChatSubscriptions:
    @strawberry.subscription(
        description="Staff: the waiting chats, pushed at once and whenever one arrives, is "
        "accepted or ends.",
        metadata=SNAPSHOT,  # each result is the whole queue
    )
    async def chat_queue(self, info: strawberry.Info) -> AsyncGenerator[ChatQueue, None]:
        require_staff(info.context.viewer, "see the chat queue")
        async with get_tailer().listen() as (_, queue):
            waiting, total = await _queue(info)
            last = ([c.id for c in waiting], total)
            yield ChatQueue(chats=[Chat.from_model(c) for c in waiting], total_count=total)
            while True:
                batch = await queue.get()
                if not any(live.event.kind in QUEUE_KINDS for live in batch):
                    continue
                fresh(info)
                waiting, total = await _queue(info)
                current = ([c.id for c in waiting], total)
                if current != last:
                    last = current
                    yield ChatQueue(chats=[Chat.from_model(c) for c in waiting], total_count=total)

    @strawberry.subscription(
        description="One chat as it happens: messages, who accepted, joined or left, typing, "
        "and its end (the last event). Resumes after `after`, a cursor from an earlier event; "
        "with `fromStart`, replays the chat from its first event (a window opened mid-chat "
        "shows it all, and misses nothing said while it opened), then goes on live.",
        metadata=PERSONAL,  # keeps the chat's customer counted as present while it runs
    )
    async def chat_events(
        self,
        info: strawberry.Info,
        chat_id: strawberry.ID,
        after: str | None = None,
        from_start: bool = False,
    ) -> AsyncGenerator[ChatEvent, None]:
        context = info.context
        viewer = require_viewer(context.viewer)
        chat_pk = decode_id(chat_id, "Chat", "chatId")
        if from_start and after is not None:
            raise invalid("fromStart", ErrorCode.CONFLICTING, "pass after or fromStart, not both")
        chat = await chats.get(viewer, chat_pk)
        cursor = await checked_cursor(after)
        replaying = context.replay_through is not None
        if from_start and replaying:
            # The subscriber's private catch-up (transport) replays from the first event;
            # the shared execution it joins goes on live.
            cursor = 0
        start = cursor if cursor is not None else context.live_from
        if chat.state is ChatState.ENDED and cursor is None:
            return  # nothing more will happen
        # The customer's open socket says they are still there (the chat would time out).
        customer = viewer.contact_id == chat.customer_id and not replaying
        timeout = context.settings.chat_customer_timeout_seconds
        if customer:
            await chats.customer_seen(viewer, chat_pk)
        every = timeout / 3 if customer else None
        # A replay reads the chat's events and its ticket's (a move out of sight), not all.
        own = Q(chat_id=chat.id) | Q(ticket_id=chat.ticket_id)
        async with (
            contextlib.AsyncExitStack() as stack,
            contextlib.aclosing(batches(start, context.replay_through, own)) as source,
        ):
            # Typing travels on the bus, never stored: a replay has none.
            signals = None if replaying else await stack.enter_async_context(get_bus().signals())
            feed = await stack.enter_async_context(
                contextlib.aclosing(_merged(source, signals, every))
            )
            async for batch in feed:
                if batch is None:
                    await chats.customer_seen(viewer, chat_pk)
                    continue
                if isinstance(batch, dict):
                    if chats.is_typing_signal(batch, chat_pk, viewer):
                        fresh(info)
                        context.signal = True
                        yield ChatEvent.typing_of(batch)
                        context.signal = False
                    continue
                for live in batch:
                    context.position = live.event.id
                    ticket = live.ticket
                    if ticket is not None and ticket.id == chat.ticket_id:
                        if not access.can_see_ticket(viewer, ticket.organization_id):
                            # Its ticket moved out of the viewer's sight: so did the chat,
                            # typing included.
                            raise NotFound(f"chat {chat_pk} not found")
                    if live.event.chat_id != chat_pk or live.event.kind not in KIND_OF:
                        continue
                    if not stream.visible(viewer, live):
                        continue
                    fresh(info)
                    yield ChatEvent.from_live(live)
                    if live.event.kind is LogKind.CHAT_ENDED:
                        return
