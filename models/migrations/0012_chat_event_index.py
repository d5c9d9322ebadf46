from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# A chat's own events, read when a chat window opens mid-chat (chatEvents fromStart): without
# it that replay walks every event since the chat started, of every organization.


class Migration(migrations.Migration):
    dependencies = [("models", "0011_open_ticket_filter_indexes")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="LogEvent",
            index=Index(fields=["chat_id", "id"]),
        ),
    ]
