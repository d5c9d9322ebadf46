from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0002_default_categories')]

    initial = False

    operations = [
        ops.RemoveField(model_name='Contact', name='data_log_cleared_through'),
    ]
