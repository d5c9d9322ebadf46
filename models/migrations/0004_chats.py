from tortoise import migrations
from tortoise.migrations import operations as ops
from helpdesk.models.chats import ChatState
from helpdesk.models.log_events import LogKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_data_log_hides_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Chat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='chats', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Contact', source_field='customer_id', db_constraint=True, to_field='id', related_name='customer_chats', on_delete=OnDelete.RESTRICT)),
                ('agent', fields.ForeignKeyField('models.Contact', source_field='agent_id', null=True, db_constraint=True, to_field='id', related_name='agent_chats', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharEnumField(default=ChatState.WAITING, description='WAITING: WAITING\nACTIVE: ACTIVE\nENDED: ENDED', enum_type=ChatState, max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('customer_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'chats', 'app': 'models', 'indexes': [Index(fields=['state', 'started_at']), Index(fields=['ticket_id'])], 'pk_attr': 'id', 'table_description': "A customer's live conversation with staff about one ticket (seed 003's Chat)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChatMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chat', fields.ForeignKeyField('models.Chat', source_field='chat_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('author', fields.ForeignKeyField('models.Contact', source_field='author_id', db_constraint=True, to_field='id', related_name='chat_messages', on_delete=OnDelete.RESTRICT)),
                ('body', fields.TextField(unique=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'chat_messages', 'app': 'models', 'indexes': [Index(fields=['chat_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One line of a chat, stored as it is sent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChatParticipant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chat', fields.ForeignKeyField('models.Chat', source_field='chat_id', db_constraint=True, to_field='id', related_name='participants', on_delete=OnDelete.RESTRICT)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='chat_participations', on_delete=OnDelete.RESTRICT)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'chat_participants', 'app': 'models', 'unique_together': (('chat', 'contact'),), 'pk_attr': 'id', 'table_description': 'A staff member in a chat: the one who accepted it, and any who joined.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='LogEvent',
            name='kind',
            field=fields.CharEnumField(description='TICKET_CREATED: TICKET_CREATED\nTICKET_UPDATED: TICKET_UPDATED\nSTATUS_CHANGED: STATUS_CHANGED\nASSIGNED: ASSIGNED\nCOMMENT_ADDED: COMMENT_ADDED\nRESOLVED: RESOLVED\nCONFIRMED: CONFIRMED\nREOPENED: REOPENED\nCLOSED: CLOSED\nORGANIZATION_CREATED: ORGANIZATION_CREATED\nORGANIZATION_UPDATED: ORGANIZATION_UPDATED\nCONTACT_CREATED: CONTACT_CREATED\nCONTACT_UPDATED: CONTACT_UPDATED\nROLE_CHANGED: ROLE_CHANGED\nCONTACT_DEACTIVATED: CONTACT_DEACTIVATED\nCONTACT_REACTIVATED: CONTACT_REACTIVATED\nPASSWORD_CHANGED: PASSWORD_CHANGED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nCATEGORY_CREATED: CATEGORY_CREATED\nMODULE_CREATED: MODULE_CREATED\nDATA_LOG_CLEARED: DATA_LOG_CLEARED\nDATA_LOG_ENTRY_DELETED: DATA_LOG_ENTRY_DELETED\nCHAT_STARTED: CHAT_STARTED\nCHAT_ACCEPTED: CHAT_ACCEPTED\nCHAT_JOINED: CHAT_JOINED\nCHAT_LEFT: CHAT_LEFT\nCHAT_MESSAGE: CHAT_MESSAGE\nCHAT_ENDED: CHAT_ENDED', enum_type=LogKind, max_length=32),
        ),
        ops.AddField(
            model_name='LogEvent',
            name='chat',
            field=fields.ForeignKeyField('models.Chat', source_field='chat_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='LogEvent',
            name='chat_message',
            field=fields.ForeignKeyField('models.ChatMessage', source_field='chat_message_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT),
        ),
    ]
