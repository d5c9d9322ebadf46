"""The committed migrations and the models agree, and migrating is repeatable."""

import sqlite3

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
