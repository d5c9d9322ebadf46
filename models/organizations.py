from tortoise import fields
from tortoise.models import Model


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
