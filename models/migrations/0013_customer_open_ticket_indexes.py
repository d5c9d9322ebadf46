from tortoise import migrations
from tortoise.migrations import operations as ops

# A customer's grid in its default view (open tickets, status below RESOLVED), unfiltered and
# filtered by one column. Every customer statement names their organization, which 0008's and
# 0011's open-ticket indexes do not hold: SQLite walked all the organization's open tickets
# (organization_id, status), reading each row for the filtered column and sorting them for
# the page. At a million tickets some 3,900 rows, 6-9 ms for the page and again for its
# bounded totalCount: customer/category, channel, owner, unassigned and primary contact at
# 3.3-4.6x their 2,000-ticket figure. Organization (and the column) first, then id in the
# page's order, status last so that SQLite counts from the index alone (0011). By hand as
# 0011's; demo_bulk's `indexes_dropped` makes them again after a big load.
OPEN_TICKETS = "status < 4"
FILTERED = ("owner_id", "primary_contact_id", "category_id", "module_id", "channel", "priority")


def _indexes() -> dict[str, str]:
    """Name -> its columns."""
    found = {"tickets_open_of_organization": "organization_id, id, status"}
    for column in FILTERED:
        found[f"tickets_open_of_organization_{column}"] = f'organization_id, "{column}", id, status'
    return found


async def add_customer_open_indexes(apps, schema_editor) -> None:
    for name, columns in _indexes().items():
        await schema_editor.client.execute_script(
            f"CREATE INDEX {name} ON tickets ({columns}) WHERE {OPEN_TICKETS}"
        )


async def drop_customer_open_indexes(apps, schema_editor) -> None:
    for name in _indexes():
        await schema_editor.client.execute_script(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("models", "0012_chat_event_index")]

    initial = False

    operations = [
        ops.RunPython(add_customer_open_indexes, drop_customer_open_indexes),
    ]
