"""Writing many tickets fast: the rows a ticket's life writes through the resolvers (the
ticket, its CC contacts, comments and log events), made in memory and written in large
batches (multi-row INSERTs on SQLite, COPY on PostgreSQL), bypassing the ORM row by row.

Used by the demo beyond a few thousand tickets (helpdesk/demo.py) and by `helpdesk import`
(helpdesk/bulk_import.py). The rows are those the resolvers write, step by step:

- createTicket (a customer): the ticket at version 1, OPEN, NORMAL, OFFLINE, its CC contacts,
  and TICKET_CREATED with {summary, status, priority, channel, categoryId, ownerId};
- updateTicket (priority): version + 1, TICKET_UPDATED {"priority": [old, new]};
- assignTicket: version + 1, ASSIGNED {"ownerId": [old, new], "status": [OPEN, IN_PROGRESS]};
- a comment: the comment, COMMENT_ADDED {"kind": ...} (internal for notes); a customer's
  reply moves a WAITING_ON_CUSTOMER ticket to IN_PROGRESS (version + 1, STATUS_CHANGED),
  other comments but internal notes mark the ticket updated by their author;
- status moves (resolvers/ticket_writes.move): version + 1, the event workflow.event_kind
  names ({"status": [old, new]}, plus rating and feedback for CONFIRMED), resolved_at and
  closed_at stamped; a resolution or a rejection writes its comment after the move.

Every step's rows get the step's time; ids follow time across all tickets, as they do when
the resolvers write them in time order. Mails (the outbox) are not written: the demo marks
its mails sent anyway, and imported tickets' mails went out long ago.

For speed: ids are given here, not read back; a big load drops the tables' plain indexes
and the summary search's triggers and makes them again after (`indexes_dropped`,
`search_index_paused`); SQLite skips fsync and row-by-row foreign key checks while loading
(`fast_load`), PostgreSQL drops the foreign keys and adds them again after, checking all
rows at once (`foreign_keys_dropped`), then gathers the tables' statistics for the rest of
the transaction; and the demo runs tickets' lives in worker processes (`prepare`), this
process only ordering their steps by time, numbering and writing them."""

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # it ships no type information
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.fields.data import JSON_DUMPS

from helpdesk.models import Change, CommentKind, LogKind, Priority, Status
from helpdesk.models.text_index import MARKER_COLUMN, OPEN_TICKETS, OPEN_TICKETS_FTS, marker_sql
from helpdesk.resolvers import workflow

TICKET_COLUMNS = (
    "id",
    "summary",
    "description",
    "status",
    "priority",
    "channel",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "error_code",
    "wallet_address",
    "wallet_provider",
    "device",
    "cc_emails",
    "rating",
    "feedback",
    "version",
    "category_id",
    "created_by_id",
    "module_id",
    "organization_id",
    "owner_id",
    "primary_contact_id",
    "updated_by_id",
)
CC_COLUMNS = ("id", "ticket_id", "contact_id")
COMMENT_COLUMNS = ("id", "ticket_id", "author_id", "kind", "body", "created_at")
EVENT_COLUMNS = (
    "id",
    "occurred_at",
    "kind",
    "actor_id",
    "organization_id",
    "ticket_id",
    "comment_id",
    "changes",
    "internal",
)
TABLES = {
    "tickets": TICKET_COLUMNS,
    "ticket_cc_contacts": CC_COLUMNS,
    "comments": COMMENT_COLUMNS,
    "log_events": EVENT_COLUMNS,
}
# Rows per INSERT statement on SQLite (it allows 32766 parameters in one statement).
ROWS_PER_STATEMENT = 100


@dataclass(frozen=True)
class Actor:
    """Who takes a step: a contact id, and whether they are staff (agent or admin)."""

    contact_id: int
    staff: bool


@dataclass
class NewTicket:
    """A ticket as it is filed, before its life: what createTicket would be given."""

    created_at: datetime
    customer: Actor
    organization_id: int
    summary: str
    description: str
    category_id: int
    module_id: int | None = None
    error_code: str | None = None
    device: str | None = None
    wallet_provider: str | None = None
    wallet_address: str | None = None
    cc_contact_ids: tuple[int, ...] = ()
    cc_emails: tuple[str, ...] = ()


# One step of a ticket's life after its creation: (when, action, arguments).
#   ("triage", agent, Priority) ("assign", agent) ("reply", who, body) ("note", agent, body)
#   ("wait", agent) ("start", agent) ("resolve", agent, comment or None)
#   ("reject", customer, message) ("confirm", customer, rating, feedback)
#   ("close", who, message or None) ("status", agent, Status)
Step = tuple[datetime, str, tuple]


@dataclass
class Life:
    """A ticket as its steps leave it, and the rows each step writes (ids come later)."""

    id: int
    new: NewTicket
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    owner_id: int | None = None
    version: int = 1
    updated_by_id: int = 0
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: int | None = None
    feedback: str | None = None
    # (when, [("c", author_id, kind, body) | ("e", kind, actor_id, changes, internal)])
    steps: list[tuple[datetime, list[tuple]]] = field(default_factory=list)


class IllegalStep(ValueError):
    """A step the workflow does not allow (an import's status path, a typo in a plan)."""


# Plain strings, looked up once: a million tickets make tens of millions of these lookups.
# (Two tables: Status and Priority are IntEnums, and Status.IN_PROGRESS == Priority.NORMAL.)
_NAME: dict[Status, str] = {s: s.name for s in Status}
_PRIORITY_NAME: dict[Priority, str] = {p: p.name for p in Priority}
_STATUS, _PRIORITY, _OWNER_ID = Change.STATUS.value, Change.PRIORITY.value, Change.OWNER_ID.value
_RATING, _FEEDBACK = Change.RATING.value, Change.FEEDBACK.value
_CREATED, _UPDATED, _ASSIGNED = "TICKET_CREATED", "TICKET_UPDATED", "ASSIGNED"
_COMMENT_ADDED = LogKind.COMMENT_ADDED.value
_KINDS = {(old, new): workflow.event_kind(old, new).value for old, new in workflow.TRANSITIONS}
_CUSTOMER_MOVES = {
    move for move, roles in workflow.TRANSITIONS.items() if roles & workflow.CUSTOMER
}
_COMMENT_CHANGES = {k: JSON_DUMPS({Change.KIND.value: k.value}) for k in CommentKind}
assert _CREATED == LogKind.TICKET_CREATED.value and _UPDATED == LogKind.TICKET_UPDATED.value
assert _ASSIGNED == LogKind.ASSIGNED.value


def live(ticket_id: int, new: NewTicket, steps: Iterable[Step]) -> Life:
    """Runs a ticket's steps in memory, as the resolvers would, checking the workflow."""
    life = Life(ticket_id, new, updated_by_id=new.customer.contact_id)
    created = {
        Change.SUMMARY.value: new.summary,
        _STATUS: "OPEN",
        _PRIORITY: "NORMAL",
        Change.CHANNEL.value: "OFFLINE",
        Change.CATEGORY_ID.value: new.category_id,
        _OWNER_ID: None,
    }
    life.steps.append(
        (new.created_at, [("e", _CREATED, new.customer.contact_id, JSON_DUMPS(created), False)])
    )
    at = new.created_at
    for at, action, args in steps:
        rows: list[tuple] = []
        _step(life, at, action, args, rows)
        life.steps.append((at, rows))
    life.updated_at = at
    return life


def _move(
    life: Life,
    who: Actor,
    target: Status,
    at: datetime,
    rows: list[tuple],
    *,
    kind: LogKind | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """ticket_writes.move: the workflow's check, the stamps, a new version, the event."""
    old = life.status
    move = (old, target)
    if move not in _KINDS:
        raise IllegalStep(f"a ticket cannot go from {old.name} to {target.name}")
    if not who.staff and move not in _CUSTOMER_MOVES:
        raise IllegalStep(f"a customer cannot move a ticket from {old.name} to {target.name}")
    life.status = target
    if target is Status.RESOLVED:
        life.resolved_at = at
    elif old is Status.RESOLVED and target is not Status.CLOSED:
        life.resolved_at = None
    if target is Status.CLOSED:
        life.closed_at = at
    life.version += 1
    life.updated_by_id = who.contact_id
    changes: dict[str, Any] = {_STATUS: [_NAME[old], _NAME[target]]}
    if extra:
        changes.update(extra)
    event_kind = kind.value if kind else _KINDS[move]
    rows.append(("e", event_kind, who.contact_id, JSON_DUMPS(changes), False))


def _comment(life: Life, who: Actor, kind: CommentKind, body: str, rows: list[tuple]) -> None:
    """comments.write: the comment and its event."""
    if life.status is Status.CLOSED:
        raise IllegalStep("a closed ticket takes no comments")
    rows.append(("c", who.contact_id, kind.value, body))
    internal = kind is CommentKind.INTERNAL_NOTE
    rows.append(("e", _COMMENT_ADDED, who.contact_id, _COMMENT_CHANGES[kind], internal))


def _add_comment(
    life: Life, who: Actor, kind: CommentKind, body: str, at: datetime, rows: list[tuple]
) -> None:
    """comments.add: the comment, then a customer's reply hands a waiting ticket back."""
    _comment(life, who, kind, body, rows)
    if not who.staff and life.status is Status.WAITING_ON_CUSTOMER:
        _move(life, who, Status.IN_PROGRESS, at, rows)
    elif kind is not CommentKind.INTERNAL_NOTE:
        life.updated_by_id = who.contact_id  # ticket_writes.touch


_STAFF_ACTIONS = frozenset({"note", "triage", "assign", "wait", "start", "status", "resolve"})


def _step(life: Life, at: datetime, action: str, args: tuple, rows: list[tuple]) -> None:
    who: Actor = args[0]
    if not who.staff and action in _STAFF_ACTIONS:
        raise IllegalStep(f"only staff {action} tickets")
    if action == "reply":
        _add_comment(life, who, CommentKind.REPLY, args[1], at, rows)
    elif action == "note":
        _add_comment(life, who, CommentKind.INTERNAL_NOTE, args[1], at, rows)
    elif action == "triage":  # tickets.update with a priority
        priority: Priority = args[1]
        if priority is not life.priority:
            updated = {_PRIORITY: [_PRIORITY_NAME[life.priority], _PRIORITY_NAME[priority]]}
            life.priority = priority
            life.version += 1
            life.updated_by_id = who.contact_id
            rows.append(("e", _UPDATED, who.contact_id, JSON_DUMPS(updated), False))
    elif action == "assign":  # tickets.set_owner
        if life.owner_id != who.contact_id:
            changes: dict[str, Any] = {_OWNER_ID: [life.owner_id, who.contact_id]}
            life.owner_id = who.contact_id
            if life.status is Status.OPEN:
                changes[_STATUS] = ["OPEN", "IN_PROGRESS"]
                life.status = Status.IN_PROGRESS
            life.version += 1
            life.updated_by_id = who.contact_id
            rows.append(("e", _ASSIGNED, who.contact_id, JSON_DUMPS(changes), False))
    elif action == "wait":
        _move(life, who, Status.WAITING_ON_CUSTOMER, at, rows)
    elif action == "start":
        _move(life, who, Status.IN_PROGRESS, at, rows)
    elif action == "status":
        _move(life, who, args[1], at, rows)
    elif action == "resolve":
        _move(life, who, Status.RESOLVED, at, rows)
        if args[1]:
            _comment(life, who, CommentKind.REPLY, args[1], rows)
    elif action == "reject":
        if who.staff or life.status is not Status.RESOLVED:
            raise IllegalStep("only the customer rejects a RESOLVED ticket's resolution")
        _move(life, who, Status.OPEN, at, rows, kind=LogKind.REOPENED)
        _comment(life, who, CommentKind.REPLY, args[1], rows)
    elif action == "confirm":
        if who.staff or life.status is not Status.RESOLVED:
            raise IllegalStep("only the customer confirms a RESOLVED ticket's resolution")
        rating, feedback = args[1], args[2]
        extra = {_RATING: rating, _FEEDBACK: feedback}
        _move(life, who, Status.CLOSED, at, rows, kind=LogKind.CONFIRMED, extra=extra)
        life.rating, life.feedback = rating, feedback
    elif action == "close":
        if args[1]:
            _add_comment(life, who, CommentKind.REPLY, args[1], at, rows)
        _move(life, who, Status.CLOSED, at, rows)
    else:  # pragma: no cover - a typo in a plan
        raise ValueError(action)


# -- writing ------------------------------------------------------------------------------


class Writer:
    """Buffers rows and writes them on one connection: multi-row INSERTs on SQLite, COPY on
    PostgreSQL (the rows streamed in its binary format: no statement to parse and plan per
    hundred rows, several times faster). Ids are given here, continuing each table's:
    tickets, comments and log events refer to each other without reading anything back."""

    def __init__(self, conn: BaseDBAsyncClient, dialect: str, next_ids: dict[str, int]):
        self.conn = conn
        self.postgres = dialect == "postgres"
        self.next_ids = dict(next_ids)
        self.rows: dict[str, list[tuple]] = {table: [] for table in TABLES}
        self.statements = {table: self._insert(table, ROWS_PER_STATEMENT) for table in TABLES}
        self.written = {table: 0 for table in TABLES}
        self.flush_every = 20_000  # rows buffered before they are written

    @staticmethod
    def _insert(table: str, count: int) -> str:
        values = ", ".join(["(" + ", ".join("?" * len(TABLES[table])) + ")"] * count)
        names = ", ".join(f'"{c}"' for c in TABLES[table])
        return f'INSERT INTO "{table}" ({names}) VALUES {values}'

    def take_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    async def flush(self) -> None:
        """Writes what is buffered, parents first: every row's references are written
        before it. The buffers are taken at once: rows added meanwhile wait for the next."""
        batch, self.rows = self.rows, {table: [] for table in TABLES}
        for table in TABLES:
            rows = batch[table]
            if not rows:
                continue
            if self.postgres:
                await self._copy(table, rows)
            else:
                await self._insert_rows(table, rows)
            self.written[table] += len(rows)

    async def _copy(self, table: str, rows: list[tuple]) -> None:
        # The transaction's own asyncpg connection, under Tortoise's lock.
        async with self.conn.acquire_connection() as raw:
            try:
                await raw.copy_records_to_table(table, records=rows, columns=TABLES[table])
            except asyncpg.IntegrityConstraintViolationError as error:
                raise IntegrityError(error) from error  # what Tortoise raises for an INSERT

    async def _insert_rows(self, table: str, rows: list[tuple]) -> None:
        whole = len(rows) - len(rows) % ROWS_PER_STATEMENT
        if whole:
            await self.conn.execute_many(
                self.statements[table],
                [
                    [value for row in rows[i : i + ROWS_PER_STATEMENT] for value in row]
                    for i in range(0, whole, ROWS_PER_STATEMENT)
                ],
            )
        rest = rows[whole:]
        if rest:
            await self.conn.execute_query(
                self._insert(table, len(rest)), [value for row in rest for value in row]
            )

    def step_rows(self, ticket: "Prepared", when: Any, rows: list[tuple]) -> None:
        comment_id = None
        ids = self.next_ids
        comments, events = self.rows["comments"], self.rows["log_events"]
        for row in rows:
            if row[0] == "c":
                comment_id = ids["comments"]
                ids["comments"] = comment_id + 1
                comments.append((comment_id, ticket.id, row[1], row[2], row[3], when))
            else:
                _, kind, actor_id, changes, internal = row
                event_id = ids["log_events"]
                ids["log_events"] = event_id + 1
                linked = comment_id if kind == _COMMENT_ADDED else None
                events.append(
                    (
                        event_id,
                        when,
                        kind,
                        actor_id,
                        ticket.organization_id,
                        ticket.id,
                        linked,
                        changes,
                        internal,
                    )
                )


@dataclass
class Prepared:
    """A ticket's rows but the ids of its comments and events (given in time order when
    written), with times as the driver takes them: what worker processes hand over."""

    id: int
    organization_id: int
    created: float  # seconds since the epoch, for ordering
    ticket_row: tuple
    cc_contact_ids: tuple[int, ...]
    steps: list[tuple[float, Any, list[tuple]]]  # (seconds, the time for the driver, rows)


def _time(at: datetime | None, postgres: bool) -> Any:
    """A timestamp as the driver takes it: SQLite stores Tortoise's text form."""
    if at is None or postgres:
        return at
    return at.isoformat(" ")


def prepare(life: Life, postgres: bool) -> Prepared:
    new = life.new
    row = (
        life.id,
        new.summary,
        new.description,
        life.status.value,
        life.priority.value,
        "OFFLINE",
        _time(new.created_at, postgres),
        _time(life.updated_at, postgres),
        _time(life.resolved_at, postgres),
        _time(life.closed_at, postgres),
        new.error_code,
        new.wallet_address,
        new.wallet_provider,
        new.device,
        JSON_DUMPS(list(new.cc_emails)),
        life.rating,
        life.feedback,
        life.version,
        new.category_id,
        new.customer.contact_id,
        new.module_id,
        new.organization_id,
        life.owner_id,
        new.customer.contact_id,
        life.updated_by_id,
    )
    steps = [(at.timestamp(), _time(at, postgres), rows) for at, rows in life.steps]
    return Prepared(
        life.id, new.organization_id, new.created_at.timestamp(), row, new.cc_contact_ids, steps
    )


async def next_ids(conn: BaseDBAsyncClient) -> dict[str, int]:
    ids = {}
    for table in TABLES:
        _, rows = await conn.execute_query(f'SELECT MAX(id) AS top FROM "{table}"')
        top = rows[0]["top"] if rows else None
        ids[table] = (top or 0) + 1
    return ids


def dialect_of(conn: BaseDBAsyncClient) -> str:
    return "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"


async def write(
    conn: BaseDBAsyncClient,
    tickets: Iterable[tuple[NewTicket, list[Step]]],
    *,
    many: bool = False,
) -> dict[str, int]:
    """Writes tickets given in the order they were created, with their lives, on `conn`
    (inside the caller's transaction). Returns how many rows each table got. `many`: more
    tickets than there are already, so indexes are better made again than kept up."""
    first = (await next_ids(conn))["tickets"]
    postgres = dialect_of(conn) == "postgres"

    async def prepared() -> AsyncIterator[Prepared]:
        for n, (new, steps) in enumerate(tickets):
            yield prepare(live(first + n, new, steps), postgres)

    return await write_prepared(conn, prepared(), many=many)


async def write_prepared(
    conn: BaseDBAsyncClient, tickets: AsyncIterator[Prepared], *, many: bool = False
) -> dict[str, int]:
    """`write` for tickets already run (`live`) and prepared (`prepare`), numbered from the
    next ticket id on, in the order they were created: the demo makes them in worker
    processes."""
    async with contextlib.AsyncExitStack() as stack:
        if many:
            await stack.enter_async_context(foreign_keys_dropped(conn))
            await stack.enter_async_context(indexes_dropped(conn))
        await stack.enter_async_context(search_index_paused(conn))
        written = await _write(conn, tickets)
    if many and dialect_of(conn) == "postgres":
        # Statistics for what the transaction does next: without them PostgreSQL plans for
        # tables of unknown contents, and the demo's per-step UPDATEs of a ticket's newest
        # log events (an index lookup) ran as scans of every row, 0.8 s each at a million
        # tickets. SQLite picks the index anyway; `analyze` does the rest after the commit.
        await conn.execute_query("ANALYZE " + ", ".join(f'"{t}"' for t in TABLES))
    return written


async def _write(conn: BaseDBAsyncClient, tickets: AsyncIterator[Prepared]) -> dict[str, int]:
    writer = Writer(conn, dialect_of(conn), await next_ids(conn))
    # Steps of all tickets, in time order: (when, order pushed, ticket, time, rows). Tickets
    # come in the order they were created and push their steps in order, so for equal
    # times the order pushed is the (ticket, step) order.
    heap: list[tuple[float, int, Prepared, Any, list[tuple]]] = []
    pushed = count = 0
    writing: asyncio.Task | None = None  # the previous batch, written while we go on
    async for ticket in tickets:
        if ticket.id != writer.next_ids["tickets"]:
            raise ValueError(f"ticket {ticket.id} comes where {writer.next_ids['tickets']} should")
        writer.next_ids["tickets"] += 1
        created = ticket.created
        while heap and heap[0][0] <= created:
            _, _, done, when, rows = heapq.heappop(heap)
            writer.step_rows(done, when, rows)
        writer.add("tickets", ticket.ticket_row)
        for contact_id in ticket.cc_contact_ids:
            writer.add(
                "ticket_cc_contacts", (writer.take_id("ticket_cc_contacts"), ticket.id, contact_id)
            )
        for key, when, rows in ticket.steps:
            heapq.heappush(heap, (key, pushed, ticket, when, rows))
            pushed += 1
        count += 1
        if count % 200 == 0:
            await asyncio.sleep(0)  # lets the batch being written go on to its next statement
            if writer.pending() >= writer.flush_every:
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(writer.flush())
    while heap:
        _, _, done, when, rows = heapq.heappop(heap)
        writer.step_rows(done, when, rows)
    if writing is not None:
        await writing
    await writer.flush()
    if writer.postgres:
        for table in TABLES:
            await conn.execute_query(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
    return writer.written


@contextlib.asynccontextmanager
async def indexes_dropped(conn: BaseDBAsyncClient) -> AsyncIterator[None]:
    """The written tables' plain indexes dropped while rows are written and made again
    after: one sorted build instead of millions of scattered inserts. Unique indexes and
    primary keys stay. Inside the caller's transaction (SQLite and PostgreSQL both make
    indexes transactionally), so a failure changes nothing."""
    tables = ", ".join(f"'{t}'" for t in TABLES)
    if dialect_of(conn) == "postgres":
        _, found = await conn.execute_query(
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes"
            f" WHERE schemaname = current_schema() AND tablename IN ({tables})"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    else:
        _, found = await conn.execute_query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            f" AND tbl_name IN ({tables}) AND sql IS NOT NULL"
            " AND sql NOT LIKE 'CREATE UNIQUE%'"
        )
    indexes = [(row["name"], row["sql"]) for row in found]
    # execute_query, not execute_script: on SQLite that is Python's executescript, which
    # commits the transaction first (Python 3.11), and the rest would run without one.
    for name, _ in indexes:
        await conn.execute_query(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        await conn.execute_query(sql)


@contextlib.asynccontextmanager
async def foreign_keys_dropped(conn: BaseDBAsyncClient) -> AsyncIterator[None]:
    """PostgreSQL: the written tables' foreign keys dropped while rows are written and
    added again after, which checks every row at once (a join per key, seconds for
    millions of rows) instead of a lookup per row and key: those lookups were most of a
    big load's time, COPY or INSERT alike. Inside the caller's transaction, so a failure,
    a row that refers to nothing included, changes nothing. The tables written and those
    they refer to stay locked until it commits. SQLite: `fast_load`'s business."""
    if dialect_of(conn) != "postgres":
        yield
        return
    tables = ", ".join(f"'\"{t}\"'" for t in TABLES)
    _, found = await conn.execute_query(
        "SELECT conrelid::regclass::text AS owner, conname AS name,"
        " pg_get_constraintdef(oid) AS definition FROM pg_constraint"
        f" WHERE contype = 'f' AND conrelid = ANY(ARRAY[{tables}]::regclass[])"
        " ORDER BY conrelid, conname"
    )
    keys = [(row["owner"], row["name"], row["definition"]) for row in found]
    for owner, name, _ in keys:
        await conn.execute_query(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"')
    yield
    for owner, name, definition in keys:
        await conn.execute_query(f'ALTER TABLE {owner} ADD CONSTRAINT "{name}" {definition}')


@contextlib.asynccontextmanager
async def fast_load() -> AsyncIterator[None]:
    """SQLite settings for a big load, restored afterwards: no fsync while loading (a crash
    loses the load, which is one transaction anyway), a large page cache, no foreign key
    checks. Call it outside any transaction. PostgreSQL: see `foreign_keys_dropped`."""
    conn = Tortoise.get_connection("default")
    if dialect_of(conn) != "sqlite":
        yield
        return
    saved = {}
    for pragma in ("synchronous", "cache_size", "temp_store", "foreign_keys"):
        _, rows = await conn.execute_query(f"PRAGMA {pragma}")
        saved[pragma] = rows[0][0]
    # Foreign keys are not checked row by row: the bulk writer refers only to rows it
    # wrote or read (tests/test_demo_bulk.py runs PRAGMA foreign_key_check after a load).
    await conn.execute_script(
        "PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;"
        " PRAGMA foreign_keys = OFF"
    )
    try:
        yield
    finally:
        await conn.execute_script("; ".join(f"PRAGMA {k} = {v}" for k, v in saved.items()))


@contextlib.asynccontextmanager
async def search_index_paused(conn: BaseDBAsyncClient) -> AsyncIterator[None]:
    """If tickets' summaries are indexed for full-text search by triggers into an FTS5
    table with the tickets as its content (tickets_fts), and into a contentless one of the
    open tickets' (migration 0010), the triggers are dropped while the rows are written and
    the indexes are filled once after: faster than a trigger per row. The open one has no
    content to 'rebuild' from: it is emptied and given the open tickets again. Inside the
    caller's transaction, so a failure changes nothing (execute_query: SQLite's
    executescript would commit it first)."""
    if dialect_of(conn) != "sqlite":
        yield
        return
    _, tables = await conn.execute_query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        f" AND name IN ('tickets_fts', '{OPEN_TICKETS_FTS}')"
    )
    sql_of = {t["name"]: (t["sql"] or "").lower() for t in tables}
    external = "content" in sql_of.get("tickets_fts", "")
    _, triggers = await conn.execute_query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'"
        f" AND (sql LIKE '%tickets_fts%' OR sql LIKE '%{OPEN_TICKETS_FTS}%')"
    )
    if not external or not triggers:
        yield
        return
    for trigger in triggers:
        await conn.execute_query(f'DROP TRIGGER "{trigger["name"]}"')
    try:
        yield
    finally:
        for trigger in triggers:
            await conn.execute_query(trigger["sql"])
    await conn.execute_query("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
    if OPEN_TICKETS_FTS in sql_of:
        fts = OPEN_TICKETS_FTS
        await conn.execute_query(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
        await conn.execute_query(
            f"INSERT INTO {fts}(rowid, summary, {MARKER_COLUMN})"
            f" SELECT id, summary, {marker_sql(('summary',))} FROM tickets WHERE {OPEN_TICKETS}"
        )


async def analyze(conn: BaseDBAsyncClient | None = None) -> None:
    """Fresh planner statistics after a big load, on SQLite and PostgreSQL alike."""
    conn = conn or Tortoise.get_connection("default")
    await conn.execute_script("ANALYZE")
