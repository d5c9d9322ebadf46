"""Tortoise's executor, making a query's rows into models at once when each row is one
whole model (no select_related, no annotations).

For every QuerySet, Tortoise 1.1 takes the path that splits a joined row into its models:
it copies each row into a dict, that into a list of items, a slice of it into a second dict,
before it makes the model of it. A row that is one whole model needs none of that (it is
what `Model.raw` does): a grid page's 51 tickets took a fifth of their reading time in those
copies (issue 11). Each row is made by helpdesk/models/rows.py's `row_maker`."""

import asyncio
from typing import Any

from tortoise.backends.base.executor import CHUNK_SIZE, BaseExecutor

from helpdesk.models.rows import row_maker


class WholeRows(BaseExecutor):
    """Put before the database's executor: `class X(WholeRows, SqliteExecutor)`."""

    async def execute_select(
        self, sql: str, values: list | None = None, custom_fields: list | None = None
    ) -> list:
        related = self.select_related_idx
        if custom_fields or not related or len(related) != 1:
            return await super().execute_select(sql, values, custom_fields)
        _, rows = await self.db.execute_query(sql, values)
        instances: list[Any] = []
        if rows:
            make = row_maker(self.model, tuple(rows[0].keys()))
            for index, row in enumerate(rows):
                if index and index % CHUNK_SIZE == 0:
                    await asyncio.sleep(0)  # as Tortoise does: a long list does not hold the loop
                instances.append(make(row))
        await self._execute_prefetch_queries(instances)
        return instances
