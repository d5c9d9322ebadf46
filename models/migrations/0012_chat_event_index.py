from tortoise import migrations
from tortoise.migrations import operations as ops

# A chat's own events, read when a chat window opens mid-chat (chatEvents fromStart): without
# it that replay walks every event since the chat started, of every organization. Partial,
# by hand (Tortoise's PartialIndex knows only equalities): nearly every event is of no chat,
# and a full index over them cost the million-ticket demo load 9 s of its 300 (its
# `indexes_dropped` makes it again after the load, as every index it finds). A statement's
# `chat_id = ?` implies `chat_id IS NOT NULL` to both databases' planners.
NAME = "log_events_of_chat"


async def add_chat_event_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        f"CREATE INDEX {NAME} ON log_events (chat_id, id) WHERE chat_id IS NOT NULL"
    )


async def drop_chat_event_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(f"DROP INDEX {NAME}")


class Migration(migrations.Migration):
    dependencies = [("models", "0011_open_ticket_filter_indexes")]

    initial = False

    operations = [
        ops.RunPython(add_chat_event_index, drop_chat_event_index),
    ]
