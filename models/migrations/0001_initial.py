from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from helpdesk.models.comments import CommentKind
from helpdesk.models.contacts import Role, TokenKind
from helpdesk.models.log_events import LogKind
from helpdesk.models.tickets import Channel, Priority, Status
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('position', fields.IntField(default=0)),
                ('is_default', fields.BooleanField(default=False)),
            ],
            options={'table': 'categories', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Module',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
            ],
            options={'table': 'modules', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A product module or service a ticket is about (seed 000\'s "Module").'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organization',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('name_key', fields.CharField(unique=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'organizations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A customer company: the tenant every ticket belongs to.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Contact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('telegram', fields.CharField(null=True, max_length=64)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('role', fields.CharEnumField(description='CUSTOMER: CUSTOMER\nAGENT: AGENT\nADMIN: ADMIN', enum_type=Role, max_length=16)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='contacts', on_delete=OnDelete.RESTRICT)),
                ('password_hash', fields.CharField(null=True, max_length=255)),
                ('is_active', fields.BooleanField(default=True)),
                ('data_log_cleared_through', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contacts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person: a customer of one organization, or staff (agent, admin).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('kind', fields.CharEnumField(description='SESSION: SESSION\nAPI: API', enum_type=TokenKind, max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_tokens', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An opaque bearer token. Only its SHA-256 is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('summary', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.IntEnumField(default=Status.OPEN, description='OPEN: 1\nIN_PROGRESS: 2\nWAITING_ON_CUSTOMER: 3\nRESOLVED: 4\nCLOSED: 5', enum_type=Status, generated=False)),
                ('priority', fields.IntEnumField(default=Priority.NORMAL, description='LOW: 1\nNORMAL: 2\nHIGH: 3\nURGENT: 4', enum_type=Priority, generated=False)),
                ('channel', fields.CharEnumField(default=Channel.OFFLINE, description='OFFLINE: OFFLINE\nCHAT: CHAT', enum_type=Channel, max_length=16)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('module', fields.ForeignKeyField('models.Module', source_field='module_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('primary_contact', fields.ForeignKeyField('models.Contact', source_field='primary_contact_id', db_constraint=True, to_field='id', related_name='primary_tickets', on_delete=OnDelete.RESTRICT)),
                ('owner', fields.ForeignKeyField('models.Contact', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_tickets', on_delete=OnDelete.RESTRICT)),
                ('created_by', fields.ForeignKeyField('models.Contact', source_field='created_by_id', db_constraint=True, to_field='id', related_name='created_tickets', on_delete=OnDelete.RESTRICT)),
                ('updated_by', fields.ForeignKeyField('models.Contact', source_field='updated_by_id', db_constraint=True, to_field='id', related_name='updated_tickets', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('error_code', fields.CharField(null=True, max_length=100)),
                ('wallet_address', fields.CharField(null=True, max_length=128)),
                ('wallet_provider', fields.CharField(null=True, max_length=100)),
                ('device', fields.CharField(null=True, max_length=200)),
                ('cc_emails', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rating', fields.SmallIntField(null=True)),
                ('feedback', fields.TextField(null=True, unique=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'tickets', 'app': 'models', 'indexes': [Index(fields=['organization_id', 'updated_at']), Index(fields=['status', 'updated_at']), Index(fields=['owner_id']), Index(fields=['created_at']), Index(fields=['updated_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Comment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Contact', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='REPLY: REPLY\nINTERNAL_NOTE: INTERNAL_NOTE\nCHAT_TRANSCRIPT: CHAT_TRANSCRIPT\nSYSTEM: SYSTEM', enum_type=CommentKind, max_length=20)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'comments', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LogEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('kind', fields.CharEnumField(description='TICKET_CREATED: TICKET_CREATED\nTICKET_UPDATED: TICKET_UPDATED\nSTATUS_CHANGED: STATUS_CHANGED\nASSIGNED: ASSIGNED\nCOMMENT_ADDED: COMMENT_ADDED\nRESOLVED: RESOLVED\nCONFIRMED: CONFIRMED\nREOPENED: REOPENED\nCLOSED: CLOSED\nORGANIZATION_CREATED: ORGANIZATION_CREATED\nORGANIZATION_UPDATED: ORGANIZATION_UPDATED\nCONTACT_CREATED: CONTACT_CREATED\nCONTACT_UPDATED: CONTACT_UPDATED\nROLE_CHANGED: ROLE_CHANGED\nCONTACT_DEACTIVATED: CONTACT_DEACTIVATED\nCONTACT_REACTIVATED: CONTACT_REACTIVATED\nPASSWORD_CHANGED: PASSWORD_CHANGED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nCATEGORY_CREATED: CATEGORY_CREATED\nMODULE_CREATED: MODULE_CREATED\nDATA_LOG_CLEARED: DATA_LOG_CLEARED\nDATA_LOG_ENTRY_DELETED: DATA_LOG_ENTRY_DELETED', enum_type=LogKind, max_length=32)),
                ('actor', fields.ForeignKeyField('models.Contact', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='acted_events', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT)),
                ('comment', fields.ForeignKeyField('models.Comment', source_field='comment_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT)),
                ('subject_contact', fields.ForeignKeyField('models.Contact', source_field='subject_contact_id', null=True, db_constraint=True, to_field='id', related_name='subject_events', on_delete=OnDelete.RESTRICT)),
                ('subject_token_id', fields.IntField(null=True)),
                ('changes', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('internal', fields.BooleanField(default=False)),
            ],
            options={'table': 'log_events', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id']), Index(fields=['organization_id', 'id']), Index(fields=['kind', 'id'])], 'pk_attr': 'id', 'table_description': "One immutable fact: the audit trail, a ticket's history, the Data Log and the"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DataLogHide',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='data_log_hides', on_delete=OnDelete.CASCADE)),
                ('log_event', fields.ForeignKeyField('models.LogEvent', source_field='log_event_id', db_constraint=True, to_field='id', related_name='hides', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'data_log_hides', 'app': 'models', 'unique_together': (('contact', 'log_event'),), 'pk_attr': 'id', 'table_description': 'A log event one person removed from their own Data Log. The audit trail keeps it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketCcContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='cc_links', on_delete=OnDelete.CASCADE)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='cc_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'ticket_cc_contacts', 'app': 'models', 'unique_together': (('ticket', 'contact'),), 'pk_attr': 'id', 'table_description': 'A contact copied on a ticket\'s communication (seed 003\'s "CC Contacts").'},
            bases=['Model'],
        ),
    ]
