"""Tortoise's executor, making a query's rows into models at once when each row is one
whole model (no select_related, no annotations).

For every QuerySet, Tortoise 1.1 takes the path that splits a joined row into its models:
it copies each row into a dict, that into a list of items, a slice of it into a second dict,
before it makes the model of it. A row that is one whole model needs none of that (it is
what `Model.raw` does): a grid page's 51 tickets took a fifth of their reading time in those
copies (issue 11). The models made are the same: the same `_init_from_db` of the same
columns, by name."""

import asyncio
from typing import Any

from tortoise.backends.base.executor import CHUNK_SIZE, BaseExecutor


class WholeRows(BaseExecutor):
    """Put before the database's executor: `class X(WholeRows, SqliteExecutor)`."""

    async def execute_select(
        self, sql: str, values: list | None = None, custom_fields: list | None = None
    ) -> list:
        related = self.select_related_idx
        if custom_fields or not related or len(related) != 1:
            return await super().execute_select(sql, values, custom_fields)
        _, rows = await self.db.execute_query(sql, values)
        make = self.model._init_from_db
        instances: list[Any] = []
        # Each row's values paired with the columns' names, taken once: `**row` would look
        # each name up in the row, which sqlite3.Row does by comparing it with every column.
        names = list(rows[0].keys()) if rows else []
        for index, row in enumerate(rows):
            if index and index % CHUNK_SIZE == 0:
                await asyncio.sleep(0)  # as Tortoise does: a long list does not hold the loop
            instances.append(make(**dict(zip(names, row, strict=True))))
        await self._execute_prefetch_queries(instances)
        return instances
