from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# log_events' indexes, as migration 0001 declares them and PostgreSQL has them. On SQLite
# they were gone after the migrations (a later table rebuild of log_events dropped them), so
# a ticket's history and the live tailer's catch-up read the whole table. Same names as
# Tortoise gives them on PostgreSQL, so both databases end the same; IF NOT EXISTS: a no-op
# where they are there.
LOG_EVENT_INDEXES = {
    "idx_log_events_ticket__68f663": ("ticket_id", "id"),
    "idx_log_events_organiz_ba0116": ("organization_id", "id"),
    "idx_log_events_kind_d0d90d": ("kind", "id"),
}


async def restore_log_event_indexes(apps, schema_editor) -> None:
    for name, columns in LOG_EVENT_INDEXES.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        await schema_editor.client.execute_script(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "log_events" ({quoted})'
        )


async def keep_log_event_indexes(apps, schema_editor) -> None:
    """They belong to 0001's tables: going back past 0009 keeps them."""

class Migration(migrations.Migration):
    dependencies = [('models', '0008_grid_indexes')]

    initial = False

    operations = [
        ops.RunPython(restore_log_event_indexes, keep_log_event_indexes),
        ops.AddIndex(
            model_name='Comment',
            index=Index(fields=['ticket_id', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Contact',
            index=Index(fields=['organization_id', 'name', 'id']),
        ),
    ]
