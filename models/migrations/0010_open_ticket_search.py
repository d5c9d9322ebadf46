from tortoise import migrations
from tortoise.migrations import operations as ops

from helpdesk.models.text_index import MARKER_COLUMN, OPEN_TICKETS, OPEN_TICKETS_FTS, marker_sql

# A second trigram index of ticket summaries (resolvers/search.py), over open tickets only:
# the grid's default view shows only those, and through tickets_fts a common word's search
# read the rowids of every matching ticket, nearly all of them closed, before the few open
# ones. Contentless (content=''): it holds the index alone, and the search reads rowids
# alone. So the triggers hand 'delete' each entry's exact old values, in the write's
# transaction: an entry goes in when a row is (or becomes) open, and out when the row stops
# being open, is deleted or changes its summary. SQLite only: PostgreSQL's trigram indexes
# serve any status condition.
FTS = OPEN_TICKETS_FTS
COLUMNS = ("summary",)
COLS = ", ".join(COLUMNS) + f", {MARKER_COLUMN}"


def _values(row: str) -> str:
    return ", ".join(f"{row}{c}" for c in COLUMNS) + ", " + marker_sql(COLUMNS, row)


def _open(row: str) -> str:
    return f"{row}{OPEN_TICKETS}"


ADD = f"INSERT INTO {FTS}(rowid, {COLS}) SELECT new.id, {_values('new.')}"
REMOVE = f"INSERT INTO {FTS}({FTS}, rowid, {COLS}) SELECT 'delete', old.id, {_values('old.')}"
CHANGED = " OR ".join(
    [f"old.{c} IS NOT new.{c}" for c in COLUMNS] + [f"({_open('old.')}) IS NOT ({_open('new.')})"]
)
STATEMENTS = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLS}, content='', tokenize='trigram')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON tickets WHEN {_open('new.')} BEGIN {ADD}; END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON tickets WHEN {_open('old.')} BEGIN {REMOVE}; END",
    # A status move between open statuses, or among closed ones, changes no entry.
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF {', '.join(COLUMNS)}, status ON tickets"
    f" WHEN {CHANGED} BEGIN"
    f" {REMOVE} WHERE {_open('old.')};"
    f" {ADD} WHERE {_open('new.')}; END",
    f"INSERT INTO {FTS}(rowid, {COLS}) SELECT id, {_values('')} FROM tickets WHERE {OPEN_TICKETS}",
]
REVERSE = [
    f"DROP TRIGGER {FTS}_insert",
    f"DROP TRIGGER {FTS}_delete",
    f"DROP TRIGGER {FTS}_update",
    f"DROP TABLE {FTS}",
]


async def add_open_ticket_search(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "sqlite":
        for sql in STATEMENTS:
            await schema_editor.client.execute_script(sql)


async def drop_open_ticket_search(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "sqlite":
        for sql in REVERSE:
            await schema_editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("models", "0009_ticket_window_indexes")]

    initial = False

    operations = [
        ops.RunPython(add_open_ticket_search, drop_open_ticket_search),
    ]
