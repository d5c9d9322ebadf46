from tortoise import migrations
from tortoise.migrations import operations as ops
from helpdesk.models.log_events import LogKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_chats')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'organization_memberships', 'app': 'models', 'unique_together': (('contact', 'organization'),), 'pk_attr': 'id', 'table_description': "A customer who manages another organization besides their own (seed 003's partners):"},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='LogEvent',
            name='kind',
            field=fields.CharEnumField(description='TICKET_CREATED: TICKET_CREATED\nTICKET_UPDATED: TICKET_UPDATED\nSTATUS_CHANGED: STATUS_CHANGED\nASSIGNED: ASSIGNED\nCOMMENT_ADDED: COMMENT_ADDED\nRESOLVED: RESOLVED\nCONFIRMED: CONFIRMED\nREOPENED: REOPENED\nCLOSED: CLOSED\nORGANIZATION_CREATED: ORGANIZATION_CREATED\nORGANIZATION_UPDATED: ORGANIZATION_UPDATED\nCONTACT_CREATED: CONTACT_CREATED\nCONTACT_UPDATED: CONTACT_UPDATED\nROLE_CHANGED: ROLE_CHANGED\nCONTACT_DEACTIVATED: CONTACT_DEACTIVATED\nCONTACT_REACTIVATED: CONTACT_REACTIVATED\nPASSWORD_CHANGED: PASSWORD_CHANGED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nCATEGORY_CREATED: CATEGORY_CREATED\nMODULE_CREATED: MODULE_CREATED\nDATA_LOG_CLEARED: DATA_LOG_CLEARED\nDATA_LOG_ENTRY_DELETED: DATA_LOG_ENTRY_DELETED\nMEMBERSHIP_ADDED: MEMBERSHIP_ADDED\nMEMBERSHIP_REMOVED: MEMBERSHIP_REMOVED\nCHAT_STARTED: CHAT_STARTED\nCHAT_ACCEPTED: CHAT_ACCEPTED\nCHAT_JOINED: CHAT_JOINED\nCHAT_LEFT: CHAT_LEFT\nCHAT_MESSAGE: CHAT_MESSAGE\nCHAT_ENDED: CHAT_ENDED', enum_type=LogKind, max_length=32),
        ),
    ]
