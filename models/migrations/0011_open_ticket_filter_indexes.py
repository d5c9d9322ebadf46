from tortoise import migrations
from tortoise.migrations import operations as ops

# The grid's filters on one of a ticket's columns, in its default view (open tickets, status
# below RESOLVED, as 0008's partial indexes name them). 0008's index of each column holds
# every ticket, nearly all closed, so an open view's bounded totalCount walked
# tickets_open_by_status instead and read every open ticket's row to test the column: at a
# million tickets some 16,000 rows per count, three times the grid's page at 2,000. One
# partial index per filtered column, in id order as the page reads it, status last: SQLite
# answers the count from a partial index alone only if it holds every column the statement
# names (PostgreSQL, once vacuumed, with an index-only scan either way). By hand as 0008's:
# Tortoise's PartialIndex knows only equalities. demo_bulk's `indexes_dropped` makes them
# again after a big load, as every index it finds.
OPEN_TICKETS = "status < 4"
FILTERED = ("owner_id", "primary_contact_id", "category_id", "module_id", "channel")


def _name(column: str) -> str:
    return f"tickets_open_of_{column}"


async def add_open_filter_indexes(apps, schema_editor) -> None:
    for column in FILTERED:
        await schema_editor.client.execute_script(
            f'CREATE INDEX {_name(column)} ON tickets ("{column}", id, status) WHERE {OPEN_TICKETS}'
        )


async def drop_open_filter_indexes(apps, schema_editor) -> None:
    for column in FILTERED:
        await schema_editor.client.execute_script(f"DROP INDEX {_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("models", "0010_open_ticket_search")]

    initial = False

    operations = [
        ops.RunPython(add_open_filter_indexes, drop_open_filter_indexes),
    ]
