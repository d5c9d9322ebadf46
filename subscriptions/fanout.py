"""Shared subscriptions: one GraphQL execution per event for every subscriber with the same
document, variables and audience, however many sockets they use.

Strawberry runs a subscription per `subscribe` message. Here a subscription joins a hub
keyed by (document, operation, variables, audience); the hub runs the subscription once
and sends each result, encoded once, to every member still allowed to see it.

A `ticketEvents(after: $cursor)` subscriber that resumes is keyed without its cursor, so it
shares the live hub too: it first catches up privately, replaying from its cursor to the
hub's position at the moment it joined, while the hub's results for it wait in a buffer."""

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from helpdesk.resolvers import access, accounts, metrics
from helpdesk.resolvers.errors import InvalidInput
from helpdesk.resolvers.throttle import Buckets
from helpdesk.resolvers.viewer import Viewer
from helpdesk.schema.context import Context
from helpdesk.schema.errors import as_graphql_error
from helpdesk.subscriptions.cursors import checked_cursor
from helpdesk.subscriptions.tailer import get_tailer

log = logging.getLogger(__name__)
# Subscriptions whose results depend on the person, not only on their role and organization.
PERSONAL_FIELDS = {"awaitingConfirmation"}


class Refused(Exception):
    """Raised by the view's on_ws_connect to close the socket with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Shape:
    fields: frozenset[str]  # the root fields' names (not aliases) that may run
    cursor_variable: str | None  # the variable given to ticketEvents(after:), if any


@lru_cache(maxsize=512)
def subscription_shape(query: str, operation_name: str | None) -> Shape | None:
    """What a subscription document subscribes to, or None for anything else (including
    documents that do not parse: strawberry reports those itself)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = list(_root_fields(operation.selection_set, fragments))
    cursor_variable = None
    for root in roots:
        for argument in root.arguments or ():
            if root.name.value == "ticketEvents" and argument.name.value == "after":
                if isinstance(argument.value, VariableNode):
                    cursor_variable = argument.value.name.value
    return Shape(frozenset(r.name.value for r in roots), cursor_variable)


def _root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """Every field that may run at the root, through inline fragments and fragment spreads
    at any depth. @include and @skip are not evaluated: a field that may run counts. Each
    fragment is visited once, so this is linear in the document; an unknown fragment is
    left to validation, which reports it."""
    seen: set[str] = set()
    stack = [selections]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    stack.append(fragments[name].selection_set)


def audience(viewer: Viewer | None, fields: frozenset[str]) -> tuple:
    """Who gets the same results: access.audience, or one person for personal fields."""
    if viewer is None:
        return ("anonymous",)
    group = access.audience(viewer)
    return (*group, viewer.contact_id) if fields & PERSONAL_FIELDS else group


@dataclass(eq=False)
class Member:
    operation: Operation
    handler: "LiveHandler"
    viewer: Viewer
    checked_through: int  # the event stream position when this viewer was authenticated
    done: asyncio.Event = field(default_factory=asyncio.Event)
    # While catching up, the hub's results wait here; afterwards those the catch-up already
    # sent (event ids up to `replayed_through`) are dropped.
    catching_up: bool = False
    waiting: list[tuple[int, str]] = field(default_factory=list)
    replayed_through: int = 0

    def deliver(self, event_id: int, encoded_payload: str) -> None:
        """A result from the hub."""
        if self.catching_up:
            self.waiting.append((event_id, encoded_payload))
        elif not self.replayed_through or event_id > self.replayed_through:
            self.send(encoded_payload)

    def caught_up(self, through: int) -> None:
        self.replayed_through = through
        for event_id, encoded in self.waiting:
            if event_id > through:
                self.send(encoded)
        self.waiting.clear()
        self.catching_up = False

    def send(self, encoded_payload: str) -> None:
        """Queues a `next` message on the member's socket, if they may still see it."""
        if self.operation.completed:
            return
        if not get_tailer().access.allows(self.viewer, self.checked_through):
            self.handler.close_soon(4403, "Forbidden: access revoked")
            return
        message = (
            f'{{"id":{json.dumps(self.operation.id)},"type":"next","payload":{encoded_payload}}}'
        )
        self.handler.push(message)
        metrics.event_delivered()


class Hub:
    def __init__(
        self,
        registry: "Hubs",
        key: tuple,
        first: Member,
        variables: dict,
    ):
        self.registry = registry
        self.key = key
        self.members: set[Member] = set()
        self.schema = first.handler.schema
        self.view = first.handler.view
        self.query = first.operation.query
        self.variables = variables
        self.operation_name = first.operation.operation_name
        # The hub's own context: results depend only on the audience, which all members share.
        self.context = self.view.new_context(first.viewer)
        # The stream starts right after the events handed out so far, whenever the
        # subscription itself gets to listen.
        self.context.live_from = self.context.position = get_tailer().watermark
        self.task = asyncio.create_task(self._run(), name=f"subscription hub {key[1]}")

    @property
    def position(self) -> int:
        """Every event up to here was sent to the members the hub had when it was seen."""
        return self.context.position

    async def _run(self) -> None:
        try:
            source = await self.schema.stream(
                self.query,
                variable_values=self.variables,
                context_value=self.context,
                operation_name=self.operation_name,
            )
            async with contextlib.aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        errors = result.errors
                        await self._each(lambda m, e=errors: m.operation.send_initial_errors(e))
                        return
                    first = False
                    if isinstance(result, ExecutionResult):
                        event_id = self.position
                        encoded = self.view.encode_json(_next_payload(result))
                        for member in list(self.members):  # only queues: never waits
                            member.deliver(event_id, encoded)
            await self._each(
                lambda m: m.operation.send_operation_message(
                    {"id": m.operation.id, "type": "complete"}
                )
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscription hub failed")
            await self._each(
                lambda m: m.operation.send_initial_errors([GraphQLError("Internal error.")])
            )
        finally:
            self.registry.forget(self)
            for member in self.members:
                member.done.set()

    async def _each(self, send) -> None:
        members = list(self.members)
        results = await asyncio.gather(*(send(m) for m in members), return_exceptions=True)
        for member, result in zip(members, results, strict=True):
            if isinstance(result, Exception):
                member.done.set()


def _next_payload(result: ExecutionResult) -> dict:
    payload: dict = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


class Hubs:
    def __init__(self) -> None:
        self._hubs: dict[tuple, Hub] = {}
        self._per_person: Counter[int] = Counter()  # contact id -> live subscriptions

    def join(self, key: tuple, member: Member, variables: dict) -> Hub:
        hub = self._hubs.get(key)
        if hub is None:
            hub = self._hubs[key] = Hub(self, key, member, variables)
        hub.members.add(member)
        self._per_person[member.viewer.contact_id] += 1
        return hub

    def leave(self, hub: Hub, member: Member) -> None:
        if member in hub.members:
            hub.members.discard(member)
            self._per_person[member.viewer.contact_id] -= 1
            if self._per_person[member.viewer.contact_id] <= 0:
                del self._per_person[member.viewer.contact_id]
        if not hub.members:
            self.forget(hub)
            hub.task.cancel()

    def forget(self, hub: Hub) -> None:
        if self._hubs.get(hub.key) is hub:
            del self._hubs[hub.key]

    def __len__(self) -> int:
        return len(self._hubs)

    def members(self) -> int:
        return sum(len(hub.members) for hub in self._hubs.values())

    def of_person(self, contact_id: int) -> int:
        return self._per_person[contact_id]


class LiveHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws with shared subscription executions, a token re-checked before
    every operation, and per-person limits."""

    # Every message to the client goes through one queue per socket, written by one task:
    # a hub never waits for a slow client, and messages keep their order.
    OUTBOX_LIMIT = 1000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self._closing: asyncio.Task | None = None
        settings = self.view.settings
        self._messages = Buckets(
            settings.ws_message_burst, settings.ws_message_burst / settings.ws_messages_per_second
        )

    async def handle_message(self, message) -> None:
        if self._messages.take("socket"):
            rate = self.view.settings.ws_messages_per_second
            metrics.rate_limited("ws_messages")
            await self.close_now(4429, f"Too many messages: at most {rate:g} per second")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message) -> None:
        try:
            await super().handle_connection_init(message)
        except Refused as refused:
            await self.close_now(refused.code, refused.reason)

    async def run_operation(self, operation: Operation) -> None:
        # A revocation committed after this position reaches the operation through the
        # tailer; one committed before it fails the check below.
        checked_through = get_tailer().watermark
        viewer = await self._reauthenticate()
        if viewer is None:
            return
        shape = subscription_shape(operation.query, operation.operation_name)
        if shape is None:
            # Queries and mutations: a context of their own (viewer, fresh loaders).
            context = self.view.new_context(viewer, self.context.request)
            context.checked_through = checked_through
            await self._run_once(operation, context)
            return
        hubs: Hubs = self.view.hubs
        limit = self.view.settings.max_subscriptions_per_person
        if hubs.of_person(viewer.contact_id) >= limit:
            metrics.rate_limited("subscriptions")
            self.close_soon(4429, f"Too many live subscriptions: at most {limit} per person")
            return
        variables = dict(operation.variables or {})
        cursor = None
        if shape.cursor_variable:
            try:
                cursor = await checked_cursor(variables.pop(shape.cursor_variable, None))
            except InvalidInput as error:
                await operation.send_initial_errors([as_graphql_error(error)])
                return
            variables[shape.cursor_variable] = None
        key = (
            operation.query,
            operation.operation_name,
            json.dumps(variables, sort_keys=True, default=str),
            audience(viewer, shape.fields),
        )
        member = Member(operation, self, viewer, checked_through, catching_up=cursor is not None)
        hub = hubs.join(key, member, variables)
        try:
            if cursor is not None:
                await self._catch_up(operation, member, cursor, hub.position)
            await member.done.wait()
        finally:
            hubs.leave(hub, member)

    async def _reauthenticate(self) -> Viewer | None:
        """The socket's viewer if its token still holds in the database; otherwise the
        socket is closed (4403) and None."""
        viewer = self.context.viewer
        fresh = await accounts.reauthenticate(viewer) if viewer else None
        if fresh is None or not get_tailer().access.allows(viewer, self.context.checked_through):
            self.close_soon(4403, "Forbidden: access revoked")
            return None
        return fresh

    async def _run_once(self, operation: Operation, context: Context) -> None:
        """A query or mutation, run as strawberry's handler runs it, in its own context."""
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with contextlib.aclosing(source):
                await self._send_result_stream(operation, source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            raise

    async def _catch_up(self, operation: Operation, member: Member, cursor: int, through: int):
        """Replays, for this member alone, what it missed up to the hub's position."""
        context = self.view.new_context(member.viewer)
        context.replay_through = through
        source = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
        )
        async with contextlib.aclosing(source):
            async for result in source:
                if isinstance(result, PreExecutionError):
                    await operation.send_initial_errors(result.errors)
                    member.done.set()
                    return
                member.send(self.view.encode_json(_next_payload(result)))
        member.caught_up(max(through, cursor))

    def push(self, text: str) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="websocket writer")
        if self._outbox.qsize() >= self.OUTBOX_LIMIT:
            self.close_soon(1013, "Too slow: messages are piling up")
            return
        self._outbox.put_nowait(text)

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            try:
                await self.websocket.ws.send_text(text)
            except Exception:  # the socket is gone: its handler cleans up
                return

    async def send_message(self, message) -> None:
        self.push(self.view.encode_json(message))

    def close_soon(self, code: int, reason: str) -> None:
        if self._closing is None:
            self._closing = asyncio.create_task(self._close(code, reason))

    async def close_now(self, code: int, reason: str) -> None:
        """Closes before the next message is read (or waits for a close already under way)."""
        self.close_soon(code, reason)
        await asyncio.shield(self._closing)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._writer:
            self._writer.cancel()
