"""The open tickets' summary index (SQLite, migration 0010) read entry by entry, and what it
should hold: the open tickets, with the entries the index of every ticket (migration 0008,
read from the tickets' own rows) has for them. Contentless, it cannot be checked against
content: a wrong entry only shows here, or later as a corrupt index."""

from tortoise import Tortoise
from tortoise.transactions import in_transaction

OPEN_FTS = "tickets_open_fts"


async def _rows(sql: str) -> list[dict]:
    # In a transaction: on SQLite a plain SELECT goes to the reading connection, which has
    # not got the temporary vocabulary tables (helpdesk/sqlite_engine.py).
    async with in_transaction() as connection:
        _, rows = await connection.execute_query(sql)
    return [dict(row) for row in rows]


async def _vocabulary(fts: str) -> None:
    """An fts5vocab table listing each (trigram, row, column, offset) of `fts`."""
    await Tortoise.get_connection("default").execute_script(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_entries"
        f" USING fts5vocab(main, {fts}, instance)"
    )


async def open_index() -> tuple[set[int], set[tuple]]:
    """The rows tickets_open_fts holds, and its entries."""
    await _vocabulary(OPEN_FTS)
    rows = {r["rowid"] for r in await _rows(f"SELECT rowid FROM {OPEN_FTS}")}
    entries = await _rows(f"SELECT term, doc, col, offset FROM temp.{OPEN_FTS}_entries")
    return rows, {tuple(e.values()) for e in entries}


async def open_tickets_indexed() -> tuple[set[int], set[tuple]]:
    """The open tickets, and their entries in tickets_fts."""
    await _vocabulary("tickets_fts")
    where = "status < 4"
    rows = {r["id"] for r in await _rows(f"SELECT id FROM tickets WHERE {where}")}
    entries = await _rows(
        "SELECT term, doc, col, offset FROM temp.tickets_fts_entries"
        f" WHERE doc IN (SELECT id FROM tickets WHERE {where})"
    )
    return rows, {tuple(e.values()) for e in entries}
