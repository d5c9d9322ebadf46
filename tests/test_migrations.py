"""The committed migrations and the models agree, and migrating is repeatable."""

import sqlite3

from tortoise import Tortoise
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector

from helpdesk import db


async def test_models_need_no_migration_beyond_the_committed_ones(tmp_path):
    # What `tortoise -c helpdesk.db.TORTOISE_ORM makemigrations` does, without writing files.
    config = db.tortoise_config(f"sqlite://{tmp_path / 'unused.sqlite3'}")
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    pending = {w.name: [type(op).__name__ for op in w.operations] for w in writers}
    assert pending == {}, (
        f"models changed without a migration: {pending}. Create one with:\n"
        "    tortoise -c helpdesk.db.TORTOISE_ORM makemigrations"
    )


async def test_migrating_twice_is_harmless(tmp_path):
    path = tmp_path / "twice.sqlite3"
    await db.migrate(f"sqlite://{path}")
    await db.migrate(f"sqlite://{path}")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM categories").fetchone() == (5,)


async def _indexes(conn, table: str, dialect: str) -> set[tuple[str, ...]]:
    """The column lists of a table's indexes, as the database has them."""
    if dialect == "sqlite":
        _, listed = await conn.execute_query(f'PRAGMA index_list("{table}")')
        found = set()
        for index in listed:
            _, columns = await conn.execute_query(f'PRAGMA index_info("{index["name"]}")')
            found.add(tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"])))
        return found
    _, rows = await conn.execute_query(
        "SELECT indexdef FROM pg_indexes WHERE tablename = $1", [table]
    )
    return {
        tuple(c.strip().strip('"') for c in row["indexdef"].split("(", 1)[1][:-1].split(","))
        for row in rows
        if " USING btree (" in row["indexdef"]
    }


async def test_every_index_the_models_declare_is_in_the_migrated_database(database_url):
    """makemigrations compares models with migrations, not with the database: on SQLite a
    table rebuild once dropped log_events' indexes while both still named them."""
    conn = Tortoise.get_connection("default")
    dialect = conn.capabilities.dialect
    missing = []
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        have = await _indexes(conn, table, dialect)
        for index in model._meta.indexes:
            columns = tuple(model._meta.fields_map[f].source_field or f for f in index.fields)
            if columns not in have:
                missing.append(f"{table}{columns}")
    assert missing == []
