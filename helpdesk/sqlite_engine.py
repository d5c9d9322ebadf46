"""SQLite as the help desk uses it: REGEXP for the grid's `*` searches (from Python), and an
UPPER that folds every letter, not only ASCII. Tortoise's case-insensitive filters compare
UPPER(column) LIKE UPPER(text); with SQLite's own UPPER, "BËTA" would not find "Bëta" in SQL
while the live matcher in Python (resolvers/search.py) does."""

from typing import Any

from tortoise.backends.sqlite.client import SqliteClientWithRegexpSupport


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class SqliteClient(SqliteClientWithRegexpSupport):
    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self._connection:
            await self._connection.create_function("upper", 1, _upper, deterministic=True)


client_class = SqliteClient  # what Tortoise looks up in an engine module
