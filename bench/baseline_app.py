"""The hand-written baseline of bench/grid.py: a bare Starlette app, served by uvicorn as
`helpdesk serve` is (uvloop and httptools when installed, one worker, no access log), on the
same database as the help desk under test. It is no part of the product.

- POST /grid  {"first": 50}: the grid's first page, the same JSON document the GraphQL
  query of bench/grid.py returns (token check, one query joining tickets, organizations,
  contacts and categories, one for the CC contacts, json.dumps).
- POST /update  {"ticketId": <global id>, "summary": "..."}: what updateTicket writes, by
  hand, in one transaction: the token check, the ticket read (FOR UPDATE on PostgreSQL),
  the version-checked UPDATE and the TICKET_UPDATED log event; it answers as the mutation
  of bench/grid.py does.

    HELPDESK_DATABASE_URL=... python bench/baseline_app.py --port 8123

SQLite: one aiosqlite connection, writes serialized by a lock (as Tortoise does);
PostgreSQL: an asyncpg pool of up to 5 connections (Tortoise's default)."""

import argparse
import asyncio
import base64
import hashlib
import json
import os
from datetime import UTC, datetime

import uvicorn
from grid import check_token, page_json, sql_grid
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from helpdesk.models import Status

UPDATE_QUERIES = {
    # (select, update, insert); parameters in the order they appear
    False: (
        "SELECT id, version, status, summary, organization_id FROM tickets WHERE id = ? {scope}",
        """UPDATE tickets SET summary = ?, version = ?, updated_at = ?, updated_by_id = ?
            WHERE id = ? AND version = ?""",
        """INSERT INTO log_events (occurred_at, kind, actor_id, ticket_id, organization_id,
            changes, internal) VALUES (?, 'TICKET_UPDATED', ?, ?, ?, ?, false)""",
    ),
    True: (
        "SELECT id, version, status, summary, organization_id FROM tickets WHERE id = $1 "
        "{scope} FOR UPDATE",
        """UPDATE tickets SET summary = $1, version = $2, updated_at = $3, updated_by_id = $4
            WHERE id = $5 AND version = $6""",
        """INSERT INTO log_events (occurred_at, kind, actor_id, ticket_id, organization_id,
            changes, internal) VALUES ($1, 'TICKET_UPDATED', $2, $3, $4, $5, false)""",
    ),
}


def ticket_pk(global_id: str) -> int:
    kind, _, pk = base64.b64decode(global_id).decode().partition(":")
    if kind != "Ticket":
        raise ValueError(global_id)
    return int(pk)


class Database:
    """The queries, on aiosqlite or asyncpg."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgres")
        self.grid_sql = {c: sql_grid(self.postgres, c) for c in (False, True)}
        self.write_lock = asyncio.Lock()

    async def start(self) -> None:
        if self.postgres:
            import asyncpg

            url = self.url.replace("postgres://", "postgresql://", 1)
            self.pool = await asyncpg.create_pool(url, min_size=1, max_size=5)
        else:
            import aiosqlite

            self.db = await aiosqlite.connect(self.url.removeprefix("sqlite://"))
            # The pragmas Tortoise sets on its connection (and helpdesk/db.py's busy_timeout)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000"):
                await self.db.execute(f"PRAGMA {pragma}")

    async def stop(self) -> None:
        if self.postgres:
            await self.pool.close()
        else:
            await self.db.close()

    async def _viewer(self, fetchrow, authorization: str | None) -> tuple[int, bool, int | None]:
        """(contact id, customer?, organization id) of a valid bearer token."""
        token = (authorization or "").removeprefix("Bearer ")
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = await fetchrow(self.grid_sql[False][0], digest)
        customer = row is not None and row[1] == "CUSTOMER"
        return row[0], customer, check_token(row, customer)

    # -- SQLite ---------------------------------------------------------------------------

    async def _sqlite_row(self, sql: str, *args):
        async with self.db.execute(sql, args) as cursor:
            return await cursor.fetchone()

    async def _sqlite_rows(self, sql: str, *args):
        async with self.db.execute(sql, args) as cursor:
            return await cursor.fetchall()

    # -- the two endpoints ----------------------------------------------------------------

    async def grid(self, authorization: str | None, first: int) -> str:
        if self.postgres:
            async with self.pool.acquire() as conn:
                _, customer, organization = await self._viewer(conn.fetchrow, authorization)
                _, tickets, cc = self.grid_sql[customer]
                scope = (organization,) if customer else ()
                rows = await conn.fetch(tickets, *scope, first + 1)
                cc_rows = await conn.fetch(cc, [r[0] for r in rows[:first]], *scope)
        else:
            _, customer, organization = await self._viewer(self._sqlite_row, authorization)
            _, tickets, cc = self.grid_sql[customer]
            scope = (organization,) if customer else ()
            rows = await self._sqlite_rows(tickets, *scope, first + 1)
            ids = json.dumps([r[0] for r in rows[:first]])
            cc_rows = await self._sqlite_rows(cc, ids, *scope)
        return page_json(rows, cc_rows)

    async def update(self, authorization: str | None, ticket_id: int, summary: str) -> dict:
        select = UPDATE_QUERIES[self.postgres][0]
        if self.postgres:
            async with self.pool.acquire() as conn:
                contact, customer, organization = await self._viewer(conn.fetchrow, authorization)
                async with conn.transaction():
                    scope = "AND organization_id = $2" if customer else ""
                    args = (organization,) if customer else ()
                    row = await conn.fetchrow(select.format(scope=scope), ticket_id, *args)
                    return await self._write(conn.execute, row, contact, summary)
        contact, customer, organization = await self._viewer(self._sqlite_row, authorization)
        async with self.write_lock:  # one connection: one transaction at a time
            await self.db.execute("BEGIN")
            try:
                scope = "AND organization_id = ?" if customer else ""
                args = (organization,) if customer else ()
                row = await self._sqlite_row(select.format(scope=scope), ticket_id, *args)
                done = await self._write(self.db.execute, row, contact, summary)
            except BaseException:
                await self.db.rollback()
                raise
            await self.db.commit()
            return done

    async def _write(self, execute, row, contact: int, summary: str) -> dict:
        if row is None:
            raise LookupError("ticket not found")
        ticket_id, version, status, old, organization = row
        if status == Status.CLOSED.value:
            raise ValueError("ticket closed")
        if old != summary:
            moment: datetime | str = datetime.now(UTC)
            stamp = moment if self.postgres else str(moment)
            await execute(
                UPDATE_QUERIES[self.postgres][1],
                *self._args(summary, version + 1, stamp, contact, ticket_id, version),
            )
            changes = json.dumps({"summary": [old, summary]}, separators=(",", ":"))
            await execute(
                UPDATE_QUERIES[self.postgres][2],
                *self._args(stamp, contact, ticket_id, organization, changes),
            )
            version += 1
        node_id = base64.b64encode(f"Ticket:{ticket_id}".encode()).decode()
        ticket = {"id": node_id, "version": version, "summary": summary}
        return {"data": {"updateTicket": {"ticket": ticket, "errors": []}}}

    def _args(self, *args):
        # asyncpg takes the parameters as arguments, aiosqlite as one tuple
        return args if self.postgres else (args,)


def create_app(url: str) -> Starlette:
    database = Database(url)

    async def grid(request: Request) -> Response:
        body = json.loads(await request.body())
        page = await database.grid(request.headers.get("authorization"), int(body["first"]))
        return Response(page, media_type="application/json")

    async def update(request: Request) -> Response:
        body = json.loads(await request.body())
        done = await database.update(
            request.headers.get("authorization"), ticket_pk(body["ticketId"]), body["summary"]
        )
        return Response(json.dumps(done), media_type="application/json")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def lifespan(app):
        await database.start()
        yield
        await database.stop()

    routes = [
        Route("/grid", grid, methods=["POST"]),
        Route("/update", update, methods=["POST"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the hand-written baseline of bench/grid.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(os.environ["HELPDESK_DATABASE_URL"])
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None)
