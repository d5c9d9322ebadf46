from tortoise import migrations
from tortoise.migrations import operations as ops
from helpdesk.models.log_events import LogKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_mail_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Attachment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('comment', fields.ForeignKeyField('models.Comment', source_field='comment_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('uploaded_by', fields.ForeignKeyField('models.Contact', source_field='uploaded_by_id', db_constraint=True, to_field='id', related_name='uploaded_attachments', on_delete=OnDelete.RESTRICT)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.BigIntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_key', fields.CharField(unique=True, max_length=64)),
                ('internal', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deleted_by', fields.ForeignKeyField('models.Contact', source_field='deleted_by_id', null=True, db_constraint=True, to_field='id', related_name='deleted_attachments', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'attachments', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id']), Index(fields=['comment_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A file on a ticket or on one of its comments. The file itself is in storage under'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='LogEvent',
            name='kind',
            field=fields.CharEnumField(description='TICKET_CREATED: TICKET_CREATED\nTICKET_UPDATED: TICKET_UPDATED\nSTATUS_CHANGED: STATUS_CHANGED\nASSIGNED: ASSIGNED\nCOMMENT_ADDED: COMMENT_ADDED\nRESOLVED: RESOLVED\nCONFIRMED: CONFIRMED\nREOPENED: REOPENED\nCLOSED: CLOSED\nORGANIZATION_CREATED: ORGANIZATION_CREATED\nORGANIZATION_UPDATED: ORGANIZATION_UPDATED\nCONTACT_CREATED: CONTACT_CREATED\nCONTACT_UPDATED: CONTACT_UPDATED\nROLE_CHANGED: ROLE_CHANGED\nCONTACT_DEACTIVATED: CONTACT_DEACTIVATED\nCONTACT_REACTIVATED: CONTACT_REACTIVATED\nPASSWORD_CHANGED: PASSWORD_CHANGED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nCATEGORY_CREATED: CATEGORY_CREATED\nMODULE_CREATED: MODULE_CREATED\nDATA_LOG_CLEARED: DATA_LOG_CLEARED\nDATA_LOG_ENTRY_DELETED: DATA_LOG_ENTRY_DELETED\nMEMBERSHIP_ADDED: MEMBERSHIP_ADDED\nMEMBERSHIP_REMOVED: MEMBERSHIP_REMOVED\nCHAT_STARTED: CHAT_STARTED\nCHAT_ACCEPTED: CHAT_ACCEPTED\nCHAT_JOINED: CHAT_JOINED\nCHAT_LEFT: CHAT_LEFT\nCHAT_MESSAGE: CHAT_MESSAGE\nCHAT_ENDED: CHAT_ENDED\nATTACHMENT_ADDED: ATTACHMENT_ADDED\nATTACHMENT_DELETED: ATTACHMENT_DELETED', enum_type=LogKind, max_length=32),
        ),
        ops.AddField(
            model_name='LogEvent',
            name='attachment',
            field=fields.ForeignKeyField('models.Attachment', source_field='attachment_id', null=True, db_constraint=True, to_field='id', related_name='log_events', on_delete=OnDelete.RESTRICT),
        ),
    ]
