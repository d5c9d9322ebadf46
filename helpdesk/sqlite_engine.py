"""SQLite as the help desk uses it: REGEXP for the grid's `*` searches (from Python), and an
UPPER that folds every letter, not only ASCII. Tortoise's case-insensitive filters compare
UPPER(column) LIKE UPPER(text); with SQLite's own UPPER, "BËTA" would not find "Bëta" in SQL
while the live matcher in Python (resolvers/search.py) does.

Two connections (issue 11):
- The writing one runs its statements on the event loop itself, not on aiosqlite's thread
  (_Writer, below); only a COMMIT waits for the disk on the thread. Transactions and writes
  go there, and so do plain reads outside a transaction when no transaction holds it, as
  long as they finish within READ_HERE_SECONDS (then they are interrupted).
- A read-only second connection, on its own thread, takes the other plain reads: those that
  come while a transaction holds the first (Tortoise's lock, from BEGIN to the end of its
  COMMIT; in WAL mode it reads the last commit without waiting for the writer) and those
  that took too long on the first.
A connection's own state (temporary tables) is only on the first: read it inside a
transaction."""

import sqlite3
import time
from collections import OrderedDict
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClientWithRegexpSupport,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.backends.sqlite.executor import SqliteExecutor
from tortoise.contrib.sqlite.regex import install_regexp_functions
from tortoise.exceptions import TransactionManagementError

from helpdesk.whole_rows import WholeRows


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class _Executor(WholeRows, SqliteExecutor):
    pass


class _Transaction(SqliteTransactionWrapper):
    executor_class = _Executor

    async def begin(self) -> None:
        # Tortoise sends a COMMIT first, for a transaction Python's sqlite3 may have opened
        # by itself; in autocommit mode (isolation_level=None, as Tortoise connects) there
        # is none. One round trip fewer while the connection's lock is held (issue 11).
        try:
            await self._connection.execute("BEGIN")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error


# What the writing connection still hands to its thread: a COMMIT waits for the disk
# (fsync), closing and scripts (migrations) may take long.
_ON_THREAD = frozenset({"commit", "close", "executescript"})
_ON_THREAD_SQL = ("COMMIT", "END", "VACUUM")


def _on_thread(fn: Any, args: tuple) -> bool:
    name = getattr(fn, "__name__", "")
    if name in _ON_THREAD:
        return True
    return name == "execute" and str(args[0]).lstrip()[:6].upper() in _ON_THREAD_SQL


class _Writer(aiosqlite.Connection):
    """The writing connection runs its statements on the event loop itself (issue 11).

    aiosqlite hands every call to the connection's thread and back: about 250 us on our
    2-core hosts, where a keyed UPDATE or INSERT takes 10-60 us. And each hand-off let the
    loop run other requests' Python while the transaction held the connection's lock, so
    at 10 concurrent updateTicket calls the transactions queued behind each other (the lock
    held 1.7 ms at c=1, 3.0 ms at c=10). Run here, a transaction's statements follow each
    other without yielding; only its COMMIT yields, while the disk syncs on the thread.

    The same holds for reads: a grid page's six queries each paid the hand-off (in process,
    a page took 11.2 ms through the thread, 8.1 ms here).

    The price: a statement blocks the loop while it runs. A plain read is interrupted
    after READ_HERE_SECONDS and goes to the thread (SqliteClient._read); writes and
    transactions cannot be, but ours are short: keyed, or a few rows. A wait for another
    process's write lock blocks the loop too (busy_timeout: the CLI beside a running
    server)."""

    async def _execute(self, fn, *args, **kwargs):
        if _on_thread(fn, args):
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


class SqliteClient(SqliteClientWithRegexpSupport):
    executor_class = _Executor
    _reader: aiosqlite.Connection | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Reads that took too long on the loop, sent to the thread: most recent last.
        self._slow: OrderedDict[str, None] = OrderedDict()

    async def create_connection(self, with_db: bool) -> None:
        if self._connection is None:  # as Tortoise's, but a _Writer
            filename = self.filename

            def connect() -> sqlite3.Connection:
                # Opened on its thread, used from the loop's too, never both at once: a
                # statement runs under the client's lock, or (_read) checks it is free and
                # runs without awaiting.
                return sqlite3.connect(filename, isolation_level=None, check_same_thread=False)

            writer = _Writer(connect, iter_chunk_size=64)
            await writer
            writer.row_factory = sqlite3.Row
            for pragma, value in self.pragmas.items():
                await (await writer.execute(f"PRAGMA {pragma}={value}")).close()
            await install_regexp_functions(writer)
            await writer.create_function("upper", 1, _upper, deterministic=True)
            self._connection = writer
            await self._post_connect()
        if self._reader is None and self.filename != ":memory:":  # memory: one connection
            reader = await aiosqlite.connect(self.filename, isolation_level=None)
            reader.row_factory = sqlite3.Row
            for pragma, value in {**self.pragmas, "query_only": "ON"}.items():
                await (await reader.execute(f"PRAGMA {pragma}={value}")).close()
            await install_regexp_functions(reader)
            await reader.create_function("upper", 1, _upper, deterministic=True)
            self._reader = reader

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_Transaction(self), self._lock)

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        await super().close()

    def _plain_read(self, query: str) -> bool:
        return self.filename != ":memory:" and _is_read(query)

    async def execute_query(self, query: str, values: list | None = None):
        if not self._plain_read(query):
            return await super().execute_query(query, values)
        rows = await self._read(query, values)
        return len(rows), rows

    async def execute_query_dict(self, query: str, values: list | None = None) -> list[dict]:
        if not self._plain_read(query):
            return await super().execute_query_dict(query, values)
        return [dict(row) for row in await self._read(query, values)]

    @translate_exceptions
    async def _read(self, query: str, values: list | None) -> list:
        """A plain read outside a transaction: here on the loop when no transaction holds
        the writing connection and it finishes within READ_HERE_SECONDS, else (again) on
        the reading connection's thread, where the same statement goes at once later."""
        if self._reader is None:  # not connected yet: connect as Tortoise does, locked
            async with self.acquire_connection():
                pass
        assert self._reader is not None
        self.log.debug("%s: %s", query, values)
        query = query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise's own client does
        slow = self._slow
        if query in slow:
            slow.move_to_end(query)
        elif not self._lock.locked() and self._connection is not None:
            rows = _read_here(self._connection._conn, query, values or ())
            if rows is not None:
                return rows
            # Taken to the thread from now on: another try would likely be cut short too.
            slow[query] = None
            if len(slow) > SLOW_STATEMENTS:
                slow.popitem(last=False)
        return list(await self._reader.execute_fetchall(query, values))


# How long a read may hold the event loop before it is interrupted and run on the reading
# connection's thread instead: keyed reads and the grid's first pages take a few ms at a
# million tickets; a dashboard's counts over all of them take longer.
READ_HERE_SECONDS = 0.01
SLOW_STATEMENTS = 256  # the statements remembered as too slow for it (each text once)
_PROGRESS_STEPS = 10_000  # SQLite VM steps between two looks at the clock (about 0.1 ms)


def _read_here(connection: sqlite3.Connection, query: str, values: Any) -> list | None:
    """The rows, or None if the read took longer than READ_HERE_SECONDS (interrupted)."""
    deadline = time.perf_counter() + READ_HERE_SECONDS
    connection.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_STEPS)
    try:
        return connection.execute(query, values).fetchall()
    except sqlite3.OperationalError as error:
        if str(error) == "interrupted":
            return None
        raise
    finally:
        connection.set_progress_handler(None, 0)


client_class = SqliteClient  # what Tortoise looks up in an engine module
