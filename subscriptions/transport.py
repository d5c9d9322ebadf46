"""The websocket handler: graphql-transport-ws with shared subscription executions (hubs),
a token re-checked before every operation, per-person limits, and one outbox per socket."""

import asyncio
import contextlib
import json
from collections import deque
from typing import Protocol, cast

from strawberry.asgi import ASGIWebSocketAdapter

from helpdesk.resolvers import access, accounts, metrics
from helpdesk.resolvers.errors import InvalidInput
from helpdesk.resolvers.throttle import Buckets
from helpdesk.resolvers.viewer import Viewer
from helpdesk.schema.context import Context
from helpdesk.schema.documents import budget_key
from helpdesk.schema.errors import as_graphql_error
from helpdesk.settings import Settings
from helpdesk.subscriptions.cursors import checked_cursor
from helpdesk.subscriptions.hubs import Execution, HubKey, Hubs, Member, Moment
from helpdesk.subscriptions.shapes import is_personal, is_snapshot, subscription_shape
from helpdesk.subscriptions.strawberry_adapter import (
    Operation,
    TransportHandler,
    initial_errors,
    next_payload,
    send_complete,
    send_errors,
)
from helpdesk.subscriptions.tailer import get_tailer


class Refused(Exception):
    """Raised by the view's on_ws_connect to close the socket with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class LiveView(Protocol):
    """What the handler needs of the GraphQL view (helpdesk.app.HelpdeskGraphQL)."""

    settings: Settings
    hubs: Hubs

    def new_context(self, viewer: Viewer | None, request: object = None) -> Context: ...

    def encode_json(self, data: object) -> str: ...


class SocketOutbox:
    """Every message to the client goes through one queue per socket, written by one task:
    a hub never waits for a slow client, and messages keep their order. The task lives as
    long as the socket and sleeps on a bare future while nothing waits (lighter than an
    asyncio.Queue); a task per burst instead cost a third more fan-out latency at 5,000
    sockets (task creation and the garbage it leaves, per socket per event)."""

    LIMIT = 1000

    def __init__(self, websocket: ASGIWebSocketAdapter) -> None:
        self.websocket = websocket
        self._pending: deque[str] = deque()
        self._writer: asyncio.Task | None = None
        self._wake: asyncio.Future[None] | None = None  # set while the writer sleeps
        self._closing: asyncio.Task | None = None
        self._stopped = False  # the handler ended or the socket failed: drop what comes

    def push(self, text: str) -> None:
        if self._stopped:
            return
        if len(self._pending) >= self.LIMIT:
            self.close_soon(1013, "Too slow: messages are piling up")
            return
        self._pending.append(text)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="websocket writer")
        elif self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _write(self) -> None:
        while True:
            while self._pending:
                try:
                    await self.websocket.ws.send_text(self._pending[0])
                except Exception:  # the socket is gone: its handler cleans up
                    self.stop()
                    return
                self._pending.popleft()
            self._wake = asyncio.get_running_loop().create_future()
            await self._wake
            self._wake = None

    def close_soon(self, code: int, reason: str) -> None:
        if self._closing is None:
            self._closing = asyncio.create_task(self._close(code, reason))

    async def close_now(self, code: int, reason: str) -> None:
        """Closes before the next message is read (or waits for a close already under way)."""
        self.close_soon(code, reason)
        assert self._closing is not None
        await asyncio.shield(self._closing)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    def stop(self) -> None:
        self._stopped = True
        self._pending.clear()
        if self._writer and self._writer is not asyncio.current_task():
            self._writer.cancel()


class LiveHandler(TransportHandler):
    """graphql-transport-ws with shared subscription executions, a token re-checked before
    every operation, and per-person limits."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.outbox = SocketOutbox(cast(ASGIWebSocketAdapter, self.websocket))
        settings = self.live_view.settings
        self._messages = Buckets(
            settings.ws_message_burst, settings.ws_message_burst / settings.ws_messages_per_second
        )

    @property
    def live_view(self) -> LiveView:
        return cast(LiveView, self.view)

    async def handle_message(self, message) -> None:
        if self._messages.take("socket"):
            rate = self.live_view.settings.ws_messages_per_second
            metrics.rate_limited("ws_messages")
            await self.outbox.close_now(4429, f"Too many messages: at most {rate:g} per second")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message) -> None:
        try:
            await super().handle_connection_init(message)
        except Refused as refused:
            await self.outbox.close_now(refused.code, refused.reason)

    async def run_operation(self, operation: Operation) -> None:
        # A revocation committed after this position reaches the operation through the
        # tailer; one committed before it fails the check below.
        checked_through = get_tailer().watermark
        viewer = await self._reauthenticate()
        if viewer is None:
            return
        view = self.live_view
        shape = subscription_shape(operation.query, operation.operation_name)
        if shape is None:
            # Queries and mutations: a context of their own (viewer, fresh loaders).
            context = view.new_context(viewer, self.socket_context.request)
            context.checked_through = checked_through
            await self.run_once(operation, context)
            return
        hubs = view.hubs
        limit = view.settings.max_subscriptions_per_person
        if hubs.of_person(viewer.contact_id) >= limit:
            metrics.rate_limited("subscriptions")
            self.outbox.close_soon(4429, f"Too many live subscriptions: at most {limit} per person")
            return
        variables = dict(operation.variables or {})
        cursor = None
        if shape.cursor_variable:
            try:
                cursor = await checked_cursor(variables.pop(shape.cursor_variable, None))
            except InvalidInput as error:
                await send_errors(operation, [as_graphql_error(error)])
                return
            variables[shape.cursor_variable] = None
        if shape.from_start(operation.variables):
            # A replay from the first event: a catch-up from 0, the field's own reading.
            cursor = 0 if cursor is None else cursor
            if shape.start_variable:
                variables[shape.start_variable] = False
        # Shared executions run as no one in particular; personal ones, as the person.
        audience = access.audience(viewer)
        personal = is_personal(self.schema, shape)
        runs_as = viewer if personal else access.representative(audience)
        key = HubKey(
            operation.query,
            operation.operation_name,
            json.dumps(variables, sort_keys=True, default=str),
            audience,
            viewer.contact_id if personal else None,
        )

        def start() -> Execution:
            return Execution(
                self.schema,
                operation.query,
                operation.operation_name,
                variables,
                self._context_for(runs_as, viewer),
                view.encode_json,
                snapshot=is_snapshot(self.schema, shape),
            )

        member = Member(
            operation, self.outbox, viewer, checked_through, catching_up=cursor is not None
        )
        hub = hubs.join(key, member, start)
        try:
            if cursor is not None:
                await self._catch_up(operation, member, runs_as, cursor, hub.position)
            await member.done.wait()
        finally:
            hubs.leave(hub, member)

    def _context_for(self, runs_as: Viewer, member: Viewer) -> Context:
        """A subscription's context: it reads as `runs_as` and spends the member's budget
        (a representative has no token: its budget would be everyone's)."""
        context = self.live_view.new_context(runs_as)
        context.budget_key = budget_key(member)
        return context

    async def _reauthenticate(self) -> Viewer | None:
        """The socket's viewer if its token still holds in the database; otherwise the
        socket is closed (4403) and None."""
        context = self.socket_context
        viewer = context.viewer
        fresh = await accounts.reauthenticate(viewer) if viewer else None
        allowed = viewer is not None and get_tailer().access.allows(viewer, context.checked_through)
        if fresh is None or not allowed:
            self.outbox.close_soon(4403, "Forbidden: access revoked")
            return None
        return fresh

    async def _catch_up(
        self, operation: Operation, member: Member, runs_as: Viewer, cursor: int, through: int
    ) -> None:
        """Replays, for this member alone, what it missed up to the hub's position, read
        as the hub reads it."""
        context = self._context_for(runs_as, member.viewer)
        context.replay_through = through
        source = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
        )
        async with contextlib.aclosing(source):
            async for result in source:
                errors = initial_errors(result)
                if errors is not None:
                    await send_errors(operation, errors)
                    member.done.set()
                    return
                payload = next_payload(result)
                if payload is not None:
                    encoded = self.live_view.encode_json(payload)
                    metrics.events_delivered(member.send(encoded, Moment.now()))
        member.caught_up(max(through, cursor))
        if member.complete_when_caught_up:  # the hub ended while this one caught up
            await send_complete(operation)

    async def send_message(self, message) -> None:
        self.outbox.push(self.live_view.encode_json(message))

    async def shutdown(self) -> None:
        await super().shutdown()
        self.outbox.stop()
