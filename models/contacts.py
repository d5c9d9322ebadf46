from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.organizations import Organization


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    ADMIN = "ADMIN"


class TokenKind(StrEnum):
    SESSION = "SESSION"  # issued by login, ended by logout
    API = "API"  # issued by createApiToken, ended by revokeApiToken


class Contact(Model):
    """A person: a customer of one organization, or staff (agent, admin)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254, unique=True)  # stored lower-cased
    telegram = fields.CharField(max_length=64, null=True)
    phone = fields.CharField(max_length=32, null=True)
    role = fields.CharEnumField(Role, max_length=16)
    organization: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="contacts", null=True, on_delete=fields.RESTRICT
    )
    organization_id: int | None
    password_hash = fields.CharField(max_length=255, null=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contacts"
        ordering = ["name", "id"]
        # An organization's people by name (Organization.contacts, the contact pickers).
        indexes = [Index(fields=("organization_id", "name", "id"))]


# Model docstrings become SQL table comments: a semicolon in one breaks the SQLite migration.
class ApiToken(Model):
    """An opaque bearer token. Only its SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="tokens", on_delete=fields.CASCADE
    )
    contact_id: int
    name = fields.CharField(max_length=100)
    kind = fields.CharEnumField(TokenKind, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"
