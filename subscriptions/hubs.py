"""Shared subscriptions: one GraphQL execution per event for every subscriber with the same
document, variables and audience, however many sockets they use.

A subscription joins a hub keyed by (document, operation, variables, audience); the hub runs
the subscription once and sends each result, encoded once, to every member still allowed to
see it. A shared execution runs as `access.representative(audience)`, a viewer with no
person; a document whose root field is declared personal (shapes.PERSONAL) gets a hub per
person instead, run as that person.

A `ticketEvents(after: $cursor)` subscriber that resumes is keyed without its cursor, so it
shares the live hub too: it first catches up privately, replaying from its cursor to the
hub's position at the moment it joined, while the hub's results for it wait in a buffer."""

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Protocol

from graphql import GraphQLError
from strawberry.schema.base import BaseSchema

from helpdesk.resolvers import metrics
from helpdesk.resolvers.viewer import Audience, Viewer
from helpdesk.schema.context import Context
from helpdesk.subscriptions.access_state import AccessState
from helpdesk.subscriptions.strawberry_adapter import (
    Operation,
    initial_errors,
    next_payload,
    send_complete,
    send_errors,
)
from helpdesk.subscriptions.tailer import get_tailer

log = logging.getLogger(__name__)


class Outbox(Protocol):
    """A socket's way out (transport.SocketOutbox): queues, never waits."""

    def push(self, text: str) -> None: ...

    def close_soon(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class HubKey:
    """Subscribers with equal keys get the same results."""

    query: str
    operation_name: str | None
    variables: str  # as canonical JSON
    audience: Audience
    person: int | None  # the contact id, for personal subscriptions only


@dataclass(frozen=True)
class Execution:
    """What a hub runs, once for all its members."""

    schema: BaseSchema
    query: str
    operation_name: str | None
    variables: dict
    context: Context  # its viewer: the audience's representative, or the person
    encode: Callable[[dict], str]
    snapshot: bool = False  # each result is the whole state (shapes.SNAPSHOT)


@dataclass(frozen=True)
class Moment:
    """What every delivery of one event reads, read once for all its members instead of
    once each: the clock and the access state."""

    time: datetime
    access: AccessState

    @classmethod
    def now(cls) -> "Moment":
        return cls(datetime.now(UTC), get_tailer().access)


@dataclass(eq=False)
class Member:
    operation: Operation
    outbox: Outbox
    viewer: Viewer
    checked_through: int  # the event stream position when this viewer was authenticated
    done: asyncio.Event = field(default_factory=asyncio.Event)
    # While catching up, the hub's results wait here; afterwards those the catch-up already
    # sent (event ids up to `replayed_through`) are dropped. A result of no event (None: a
    # typing signal) is never replayed, so never dropped.
    catching_up: bool = False
    waiting: list[tuple[int | None, str]] = field(default_factory=list)
    replayed_through: int = 0
    # The hub's execution ended while this member caught up (a chat that had ended): its
    # `complete` goes out after what the catch-up replays, not before, which would drop it.
    complete_when_caught_up: bool = False

    def deliver(self, event_id: int | None, encoded_payload: str, at: Moment) -> bool:
        """A result from the hub; True if it went out to the socket now."""
        if self.catching_up:
            self.waiting.append((event_id, encoded_payload))
            return False
        if _after(event_id, self.replayed_through):
            return self.send(encoded_payload, at)
        return False

    def caught_up(self, through: int) -> None:
        self.replayed_through = through
        at = Moment.now()
        sent = sum(
            self.send(encoded, at)
            for event_id, encoded in self.waiting
            if _after(event_id, through)
        )
        metrics.events_delivered(sent)
        self.waiting.clear()
        self.catching_up = False

    @cached_property
    def _next_prefix(self) -> str:
        # Once per member, not per event: thousands of members share each event.
        return f'{{"id":{json.dumps(self.operation.id)},"type":"next","payload":'

    def send(self, encoded_payload: str, at: Moment) -> bool:
        """Queues a `next` message on the member's socket, if they may still see it; True
        if it did (the caller counts them: metrics.events_delivered)."""
        if self.operation.completed:
            return False
        if not at.access.allows(self.viewer, self.checked_through, at.time):
            self.outbox.close_soon(4403, "Forbidden: access revoked")
            return False
        self.outbox.push(f"{self._next_prefix}{encoded_payload}}}")
        return True


def _after(event_id: int | None, replayed_through: int) -> bool:
    """Whether a hub's result is news to a member whose catch-up replayed that far."""
    return event_id is None or not replayed_through or event_id > replayed_through


async def _complete(member: Member) -> None:
    if member.catching_up:
        member.complete_when_caught_up = True
    else:
        await send_complete(member.operation)


class Hub:
    def __init__(self, registry: "Hubs", key: HubKey, execution: Execution) -> None:
        self.registry = registry
        self.key = key
        self.members: set[Member] = set()
        self.execution = execution
        self.context = execution.context
        # Snapshot executions: the latest result, for members who join after it was sent.
        self.latest: tuple[int | None, str] | None = None
        # The stream starts right after the events handed out so far, whenever the
        # subscription itself gets to listen.
        self.context.live_from = self.context.position = get_tailer().watermark
        self.task = asyncio.create_task(self._run(), name=f"subscription hub {key.operation_name}")

    @property
    def position(self) -> int:
        """Every event up to here was sent to the members the hub had when it was seen."""
        return self.context.position

    async def _run(self) -> None:
        run = self.execution
        try:
            source = await run.schema.stream(
                run.query,
                variable_values=run.variables,
                context_value=self.context,
                operation_name=run.operation_name,
            )
            async with contextlib.aclosing(source):
                first = True
                async for result in source:
                    errors = initial_errors(result) if first else None
                    if errors is not None:
                        await self._each(lambda m, e=errors: send_errors(m.operation, e))
                        return
                    first = False
                    payload = next_payload(result)
                    if payload is not None:
                        event_id = None if self.context.signal else self.position
                        encoded = run.encode(payload)
                        if run.snapshot:
                            self.latest = (event_id, encoded)
                        at = Moment.now()
                        sent = 0
                        for member in list(self.members):  # only queues: never waits
                            sent += member.deliver(event_id, encoded, at)
                        metrics.events_delivered(sent)
            await self._each(_complete)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscription hub failed")
            await self._each(lambda m: send_errors(m.operation, [GraphQLError("Internal error.")]))
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


class Hubs:
    def __init__(self) -> None:
        self._hubs: dict[HubKey, Hub] = {}
        self._per_person: Counter[int] = Counter()  # contact id -> live subscriptions

    def join(self, key: HubKey, member: Member, start: Callable[[], Execution]) -> Hub:
        """The member joins the key's hub; `start` says what to run if there is none yet."""
        hub = self._hubs.get(key)
        if hub is None:
            hub = self._hubs[key] = Hub(self, key, start())
        hub.members.add(member)
        self._per_person[member.viewer.contact_id] += 1
        if hub.latest is not None:
            metrics.events_delivered(member.deliver(*hub.latest, Moment.now()))
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
