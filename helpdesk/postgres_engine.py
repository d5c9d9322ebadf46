"""PostgreSQL as the help desk uses it: Tortoise's asyncpg client, whose reads make whole
rows into models at once (helpdesk/whole_rows.py). Inside a transaction Tortoise's own
wrapper runs the statements, with its own executor: the same models, made the longer way."""

from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.asyncpg.executor import AsyncpgExecutor

from helpdesk.whole_rows import WholeRows


class _Executor(WholeRows, AsyncpgExecutor):
    pass


class PostgresClient(AsyncpgDBClient):
    executor_class = _Executor


client_class = PostgresClient  # what Tortoise looks up in an engine module
