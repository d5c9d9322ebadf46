from tortoise import migrations
from tortoise.migrations import operations as ops

# The five categories of seed 003; admins can add more.
DEFAULT_CATEGORIES = [
    "General Support",
    "Potential Bug",
    "New Built-In Request",
    "New Feature Request",
    "New Custom Report Request",
]


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                (
                    "INSERT INTO categories (name, position, is_default) VALUES ($1, $2, $3)",
                    [name, position, position == 1],
                )
                for position, name in enumerate(DEFAULT_CATEGORIES, start=1)
            ],
            reverse_sql="DELETE FROM categories",
        )
    ]
