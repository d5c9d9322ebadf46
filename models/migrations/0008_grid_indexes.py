from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from helpdesk.models.text_index import MARKER, MARKER_COLUMN, UNUSUAL_CASE_CLASS

# Trigram indexes for the grid's text searches (resolvers/search.py), by hand: Tortoise's
# models cannot declare them. The searched columns of each table:
SEARCHED = {
    "tickets": ("summary",),
    "contacts": ("name", "email"),
    "organizations": ("name",),
}
# Columns searched with `*` wildcards too (PostgreSQL's `~*` needs its own expression).
WILDCARD = {("contacts", "name"), ("contacts", "email"), ("organizations", "name")}
# The grid's default view, open tickets (status below RESOLVED, resolvers/ticket_filters.py),
# in each sort's order: partial indexes hold only the few open tickets, so they cost little
# to keep, the first page is their first rows, and their size (in ANALYZE's statistics)
# tells the planner how few tickets are open, which averages over all statuses cannot.
OPEN_TICKETS = "status < 4"
OPEN_SORTS = {
    "id": ("id",),
    "created_at": ("created_at", "id"),
    "updated_at": ("updated_at", "id"),
    "priority": ("priority", "id"),
    "status": ("status", "id"),
}


def _marker(columns: tuple[str, ...], row: str = "") -> str:
    """The marker of a row holding a letter FTS5 folds unlike Python (resolvers/search.py):
    such rows are always candidates."""
    unusual = " OR ".join(f"{row}{c} GLOB '*{UNUSUAL_CASE_CLASS}*'" for c in columns)
    return f"CASE WHEN {unusual} THEN '{MARKER}' END"


def _sqlite_fts(table: str, columns: tuple[str, ...]) -> list[str]:
    """An external-content FTS5 table over the columns and the row's marker (read from a
    view of the table, for 'rebuild'), kept in step by triggers in the same transaction as
    every write (plain INSERTs of a bulk loader included), then filled from the rows
    already there."""
    fts = f"{table}_fts"
    cols = ", ".join(columns) + f", {MARKER_COLUMN}"
    new = ", ".join(f"new.{c}" for c in columns) + ", " + _marker(columns, "new.")
    old = ", ".join(f"old.{c}" for c in columns) + ", " + _marker(columns, "old.")
    return [
        f"CREATE VIEW {fts}_source AS SELECT id, {', '.join(columns)},"
        f" {_marker(columns)} AS {MARKER_COLUMN} FROM {table}",
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{fts}_source',"
        f" content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        f" INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgres_trigram(table: str, column: str) -> list[str]:
    """GIN trigram indexes on exactly the expressions Tortoise's filters compare:
    `icontains` is UPPER(CAST(c AS VARCHAR)) LIKE ..., `iposix_regex` is
    COALESCE(CAST(c AS VARCHAR), '') ~* ..."""
    sql = [
        f"CREATE INDEX {table}_{column}_upper_trgm ON {table}"
        f" USING gin ((UPPER(CAST({column} AS VARCHAR))) gin_trgm_ops)"
    ]
    if (table, column) in WILDCARD:
        sql.append(
            f"CREATE INDEX {table}_{column}_trgm ON {table}"
            f" USING gin ((COALESCE(CAST({column} AS VARCHAR), '')) gin_trgm_ops)"
        )
    return sql


def _open_indexes() -> list[str]:
    return [
        f"CREATE INDEX tickets_open_by_{key} ON tickets ({', '.join(cols)})"
        f" WHERE {OPEN_TICKETS}"
        for key, cols in OPEN_SORTS.items()
    ]


def _statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        text = [s for table, cols in SEARCHED.items() for s in _sqlite_fts(table, cols)]
    else:
        text = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
            s for table, cols in SEARCHED.items() for c in cols for s in _postgres_trigram(table, c)
        ]
    return _open_indexes() + text


def _reverse_statements(dialect: str) -> list[str]:
    open_indexes = [f"DROP INDEX tickets_open_by_{key}" for key in OPEN_SORTS]
    if dialect == "sqlite":
        return open_indexes + [
            s
            for table in SEARCHED
            for s in (
                f"DROP TRIGGER {table}_fts_insert",
                f"DROP TRIGGER {table}_fts_delete",
                f"DROP TRIGGER {table}_fts_update",
                f"DROP TABLE {table}_fts",
                f"DROP VIEW {table}_fts_source",
            )
        ]
    return open_indexes + [
        f"DROP INDEX IF EXISTS {table}_{c}{kind}"
        for table, cols in SEARCHED.items()
        for c in cols
        for kind in ("_upper_trgm", "_trgm")
    ]


async def add_search_and_open_indexes(apps, schema_editor) -> None:
    for sql in _statements(schema_editor.client.capabilities.dialect):
        await schema_editor.client.execute_script(sql)


async def drop_search_and_open_indexes(apps, schema_editor) -> None:
    for sql in _reverse_statements(schema_editor.client.capabilities.dialect):
        await schema_editor.client.execute_script(sql)

class Migration(migrations.Migration):
    dependencies = [('models', '0007_attachments')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Ticket',
            name=None,
            fields=['owner_id'],
        ),
        ops.RemoveIndex(
            model_name='Ticket',
            name=None,
            fields=['created_at'],
        ),
        ops.RemoveIndex(
            model_name='Ticket',
            name=None,
            fields=['updated_at'],
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['status', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['organization_id', 'status', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['primary_contact_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['owner_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['category_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['module_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['priority', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['channel', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['updated_at', 'id']),
        ),
        ops.RunPython(add_search_and_open_indexes, drop_search_and_open_indexes),
    ]
