from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.contacts import Contact


class Organization(Model):
    """A customer company: the tenant every ticket belongs to."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Lower-cased name: organization names are unique regardless of case.
    name_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organizations"
        ordering = ["name"]


class Membership(Model):
    """A customer who manages another organization besides their own (seed 003's partners):
    they see and file its tickets as its own customers do. Their own organization
    (`Contact.organization`) stays their default."""

    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="memberships", on_delete=fields.CASCADE
    )
    contact_id: int
    organization: fields.ForeignKeyRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="memberships", on_delete=fields.RESTRICT
    )
    organization_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "organization_memberships"
        unique_together = (("contact", "organization"),)
