"""The presence board: who is on which ticket, kept in this process's memory and shared
with the other processes as bus signals (topic "presence"). Never in the database.

A person is on a ticket while a subscription of theirs watches it here (VIEWING) and, after
they set a state, until `timeout` seconds pass without them setting it again (or their last
watch here ends). Each person shows once, with their strongest state and earliest arrival
over every watch and process. Who may see whom is decided in resolvers/presence.py."""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from helpdesk.events.bus import Bus, get_bus
from helpdesk.resolvers.throttle import Buckets

log = logging.getLogger(__name__)

TOPIC = "presence"
TICKETS_PER_SIGNAL = 200  # a process with people on more tickets sends several messages


class PresenceState(StrEnum):
    VIEWING = "VIEWING"
    REPLYING = "REPLYING"
    NOTE = "NOTE"


# Someone in several tabs shows with the strongest.
STRENGTH = {PresenceState.VIEWING: 0, PresenceState.REPLYING: 1, PresenceState.NOTE: 2}


@dataclass(frozen=True)
class Person:
    """What the board keeps of someone on a ticket, and tells the other processes."""

    contact_id: int
    name: str
    is_staff: bool
    organization_ids: frozenset[int]  # a customer's organizations; none for staff


@dataclass(frozen=True)
class Presence:
    """One person on one ticket, as they are."""

    person: Person
    state: PresenceState
    since: datetime  # when they arrived


def strongest(presences: Iterable[Presence]) -> list[Presence]:
    """One entry per person: their strongest state, their earliest arrival."""
    merged: dict[int, Presence] = {}
    for p in presences:
        known = merged.get(p.person.contact_id)
        if known is None:
            merged[p.person.contact_id] = p
        else:
            state = max(known.state, p.state, key=STRENGTH.__getitem__)
            merged[p.person.contact_id] = Presence(known.person, state, min(known.since, p.since))
    return list(merged.values())


@dataclass(eq=False)
class _Local:
    """Someone on a ticket through this process."""

    person: Person
    since: datetime
    watchers: int = 0  # their watches here
    state: PresenceState | None = None  # as last set, until `until` (monotonic)
    until: float = 0.0

    def effective(self, now: float) -> PresenceState | None:
        if self.state is not None and self.until > now:
            return self.state
        return PresenceState.VIEWING if self.watchers else None


class Watch:
    """A subscription on a ticket: `next_change` returns when the ticket's people change
    or when the caller says the ticket moved to another organization."""

    def __init__(self, ticket_id: int, organization_id: int) -> None:
        self.ticket_id = ticket_id
        self.organization_id = organization_id
        self._changed = asyncio.Event()

    def moved(self, organization_id: int) -> None:
        if organization_id != self.organization_id:
            self.organization_id = organization_id
            self._changed.set()

    async def next_change(self) -> None:
        await self._changed.wait()
        self._changed.clear()

    def poke(self) -> None:
        self._changed.set()


class Board:
    """This process's people on tickets, and what the other processes said of theirs.

    Reads are always right (a lapsed state, a silent process's people are left out when
    read). The background task (`start`) sends this process's changes on the bus at once
    and all its people every `republish_seconds`, pokes watches when a state lapses, and
    forgets another process's tickets not heard of for `forget_after` seconds (a crashed
    process's people vanish)."""

    def __init__(
        self,
        bus: Bus,
        *,
        timeout: float = 15.0,
        republish_seconds: float = 1.0,
        forget_after: float = 3.5,
        tick: float = 0.2,
    ) -> None:
        self.bus = bus
        self.timeout = timeout
        self.republish_seconds = republish_seconds
        self.forget_after = forget_after
        self.tick = tick
        self.process = uuid.uuid4().hex
        # Per person: 10 changes a second, 20 at once.
        self.throttle = Buckets(20, 2)
        self._local: dict[int, dict[int, _Local]] = {}  # ticket -> contact -> entry
        self._lapsing: set[tuple[int, int]] = set()  # (ticket, contact) with a state set
        # Other processes: process -> ticket -> (monotonic time heard, their people there).
        self._remote: dict[str, dict[int, tuple[float, tuple[Presence, ...]]]] = {}
        self._watches: dict[int, set[Watch]] = {}
        self._dirty: set[int] = set()  # tickets whose people here changed since last sent
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # Reading

    def present(self, ticket_id: int) -> list[Presence]:
        """Everyone on the ticket, through any process, once each."""
        now = time.monotonic()
        found = []
        for entry in self._local.get(ticket_id, {}).values():
            state = entry.effective(now)
            if state is not None:
                found.append(Presence(entry.person, state, entry.since))
        for tickets in self._remote.values():
            heard = tickets.get(ticket_id)
            if heard is not None and now - heard[0] < self.forget_after:
                found.extend(heard[1])
        return strongest(found)

    def person_on(self, ticket_id: int, contact_id: int) -> Person | None:
        entry = self._local.get(ticket_id, {}).get(contact_id)
        return entry.person if entry else None

    # Changing: never waits

    def set(self, person: Person, ticket_id: int, state: PresenceState | None) -> None:
        """`state` for `timeout` seconds; None: the person left (their watches, if any,
        still count as VIEWING)."""
        with self._changing(person, ticket_id) as entry:
            entry.state = state
            entry.until = time.monotonic() + self.timeout
            if state is None:
                self._lapsing.discard((ticket_id, person.contact_id))
            else:
                self._lapsing.add((ticket_id, person.contact_id))

    @contextlib.contextmanager
    def watch(self, person: Person, ticket_id: int, organization_id: int) -> Iterator[Watch]:
        """The person is on the ticket while the block runs. When their last watch here
        ends, a state they set ends with it: a closed tab writes no more."""
        watch = Watch(ticket_id, organization_id)
        self._watches.setdefault(ticket_id, set()).add(watch)
        with self._changing(person, ticket_id) as entry:
            entry.watchers += 1
        try:
            yield watch
        finally:
            watches = self._watches[ticket_id]
            watches.discard(watch)
            if not watches:
                del self._watches[ticket_id]
            with self._changing(person, ticket_id) as entry:
                entry.watchers -= 1
                if not entry.watchers:  # their last tab here closed: what it was doing ends
                    entry.state = None

    @contextlib.contextmanager
    def _changing(self, person: Person, ticket_id: int) -> Iterator[_Local]:
        """An entry to change; afterwards it is dropped if empty, and a change is told."""
        people = self._local.setdefault(ticket_id, {})
        entry = people.get(person.contact_id)
        if entry is None:
            entry = people[person.contact_id] = _Local(person, datetime.now(UTC))
        now = time.monotonic()
        before = entry.effective(now)
        yield entry
        after = entry.effective(now)
        if after is None:
            self._drop(ticket_id, person.contact_id)
        if after != before:
            self._changed(ticket_id)

    def _drop(self, ticket_id: int, contact_id: int) -> None:
        people = self._local.get(ticket_id, {})
        people.pop(contact_id, None)
        self._lapsing.discard((ticket_id, contact_id))
        if not people:
            self._local.pop(ticket_id, None)

    def _changed(self, ticket_id: int, *, here: bool = True) -> None:
        if here:
            self._dirty.add(ticket_id)
            self._wake.set()
        for watch in self._watches.get(ticket_id, ()):
            watch.poke()

    # The background tasks

    async def start(self) -> None:
        listening = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._run(), name="presence board"),
            asyncio.create_task(self._receive(listening), name="presence signals"),
        ]
        await listening.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        # The other processes forget this one's people at once, not after a silence.
        with contextlib.suppress(Exception):
            await self._send({ticket_id: () for ticket_id in {*self._local, *self._dirty}})

    async def _run(self) -> None:
        next_republish = time.monotonic() + self.republish_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick)
            self._wake.clear()
            try:
                now = time.monotonic()
                self._lapse(now)
                if now >= next_republish:
                    next_republish = now + self.republish_seconds
                    self._forget_silent(now)
                    self._dirty.update(self._local)
                if self._dirty:
                    dirty, self._dirty = self._dirty, set()
                    await self._send({t: self._snapshot(t, now) for t in dirty})
            except asyncio.CancelledError:
                raise
            except Exception:  # the next tick retries; never die silently
                log.exception("presence board failed")
                await asyncio.sleep(self.tick)

    def _lapse(self, now: float) -> None:
        """States not set again in time end (reads already leave them out): poke watches."""
        for ticket_id, contact_id in list(self._lapsing):
            entry = self._local.get(ticket_id, {}).get(contact_id)
            if entry is not None and entry.until > now:
                continue
            self._lapsing.discard((ticket_id, contact_id))
            if entry is None:
                continue
            entry.state = None
            if not entry.watchers:
                self._drop(ticket_id, contact_id)
            self._changed(ticket_id)

    def _forget_silent(self, now: float) -> None:
        for process, tickets in list(self._remote.items()):
            for ticket_id, (heard, _) in list(tickets.items()):
                if now - heard >= self.forget_after:
                    del tickets[ticket_id]
                    self._changed(ticket_id, here=False)
            if not tickets:
                del self._remote[process]

    def _snapshot(self, ticket_id: int, now: float) -> tuple[Presence, ...]:
        return tuple(
            Presence(entry.person, state, entry.since)
            for entry in self._local.get(ticket_id, {}).values()
            if (state := entry.effective(now)) is not None
        )

    async def _send(self, tickets: dict[int, tuple[Presence, ...]]) -> None:
        items = list(tickets.items())
        for start in range(0, len(items), TICKETS_PER_SIGNAL):
            chunk = items[start : start + TICKETS_PER_SIGNAL]
            await self.bus.send_signal(
                {
                    "topic": TOPIC,
                    "process": self.process,
                    "tickets": {str(t): [_to_json(p) for p in people] for t, people in chunk},
                }
            )

    async def _receive(self, listening: asyncio.Event) -> None:
        async with self.bus.signals() as signals:
            listening.set()
            while True:
                message = await signals.get()
                if message.get("topic") != TOPIC or message.get("process") == self.process:
                    continue
                try:
                    self._heard(str(message["process"]), message["tickets"])
                except (KeyError, TypeError, ValueError, AttributeError) as error:
                    log.warning("presence: a malformed signal dropped (%s)", error)

    def _heard(self, process: str, tickets: dict) -> None:
        """Another process's people on some tickets (none: they all left)."""
        heard = {int(t): tuple(_from_json(p) for p in people) for t, people in tickets.items()}
        known = self._remote.setdefault(process, {})
        now = time.monotonic()
        for ticket_id, people in heard.items():
            before = known.pop(ticket_id, None)
            if people:
                known[ticket_id] = (now, people)
            if (before[1] if before else ()) != people:
                self._changed(ticket_id, here=False)
        if not known:
            del self._remote[process]


def _to_json(p: Presence) -> dict:
    return {
        "contact": p.person.contact_id,
        "name": p.person.name,
        "staff": p.person.is_staff,
        "organizations": sorted(p.person.organization_ids),
        "state": p.state.value,
        "since": p.since.isoformat(),
    }


def _from_json(data: dict) -> Presence:
    person = Person(
        contact_id=int(data["contact"]),
        name=str(data["name"]),
        is_staff=bool(data["staff"]),
        organization_ids=frozenset(int(o) for o in data["organizations"]),
    )
    return Presence(person, PresenceState(data["state"]), datetime.fromisoformat(data["since"]))


_board: Board | None = None


def get_board() -> Board:
    """This process's board. An app served without its lifespan (ASGI tests) gets one that
    is never started: it answers right, and tells no one."""
    global _board
    if _board is None:
        _board = Board(get_bus())
    return _board


def set_board(board: Board | None) -> None:
    global _board
    _board = board
