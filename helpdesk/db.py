"""Database setup: the Tortoise config, connecting, and applying migrations."""

from pathlib import Path

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from helpdesk.settings import Settings


def _make_room(database_url: str) -> None:
    """A SQLite file's folder must exist before the first connection."""
    path = database_url.removeprefix("sqlite://").split("?")[0]
    if database_url.startswith("sqlite://") and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def tortoise_config(database_url: str) -> dict:
    connection: str | dict = database_url
    if database_url.startswith("sqlite://"):
        # Other processes (the CLI beside a running server) wait instead of failing; the
        # engine adds REGEXP and a Unicode UPPER (helpdesk/sqlite_engine.py).
        database_url += ("&" if "?" in database_url else "?") + "busy_timeout=5000"
        connection = expand_db_url(database_url)
        connection["engine"] = "helpdesk.sqlite_engine"
    elif database_url.startswith(("postgres://", "postgresql://")):
        connection = expand_db_url(database_url)
        connection["engine"] = "helpdesk.postgres_engine"  # whole rows into models at once
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": ["helpdesk.models"],
                "default_connection": "default",
                "migrations": "helpdesk.models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise makemigrations` command: tortoise -c helpdesk.db.TORTOISE_ORM makemigrations
TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)


async def migrate(database_url: str) -> None:
    """Apply every committed migration; safe to run on an up-to-date database."""
    _make_room(database_url)
    await tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def connect(database_url: str) -> None:
    _make_room(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()
