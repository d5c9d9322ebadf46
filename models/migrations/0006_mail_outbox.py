from tortoise import migrations
from tortoise.migrations import operations as ops
from helpdesk.models.mail import MailKind, MailState
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_memberships')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxMail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='mails', on_delete=OnDelete.RESTRICT)),
                ('log_event', fields.ForeignKeyField('models.LogEvent', source_field='log_event_id', db_constraint=True, to_field='id', related_name='mails', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='REPLY: REPLY\nCONFIRM_REQUEST: CONFIRM_REQUEST', enum_type=MailKind, max_length=20)),
                ('recipients', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('subject', fields.CharField(max_length=400)),
                ('body', fields.TextField(unique=False)),
                ('message_id', fields.CharField(unique=True, max_length=255)),
                ('in_reply_to', fields.CharField(max_length=255)),
                ('reference_ids', fields.TextField(unique=False)),
                ('state', fields.CharEnumField(default=MailState.PENDING, description='PENDING: PENDING\nSENT: SENT\nFAILED: FAILED', enum_type=MailState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claim_token', fields.CharField(null=True, max_length=32)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_mails', 'app': 'models', 'unique_together': (('log_event', 'kind'),), 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['ticket_id', 'id']), Index(fields=['claim_token'])], 'pk_attr': 'id', 'table_description': 'A mail to send, written in the transaction of the change that caused it, and sent'},
            bases=['Model'],
        ),
    ]
