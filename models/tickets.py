from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from helpdesk.models.contacts import Contact
    from helpdesk.models.organizations import Organization

# Ticket numbers are the row id plus this offset, so the first ticket is #1001.
NUMBER_OFFSET = 1000


def ticket_number(ticket_id: int) -> int:
    return ticket_id + NUMBER_OFFSET


def ticket_id_of(number: int) -> int:
    return number - NUMBER_OFFSET


class Status(IntEnum):
    """Stored as its rank so the grid sorts by workflow order."""

    OPEN = 1
    IN_PROGRESS = 2
    WAITING_ON_CUSTOMER = 3
    RESOLVED = 4
    CLOSED = 5


class Priority(IntEnum):
    """Stored as its rank so the grid sorts from low to urgent."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4


class Channel(StrEnum):
    OFFLINE = "OFFLINE"
    CHAT = "CHAT"


class Category(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    position = fields.IntField(default=0)
    is_default = fields.BooleanField(default=False)

    class Meta:
        table = "categories"
        ordering = ["position", "id"]


class Module(Model):
    """A product module or service a ticket is about (seed 000's "Module")."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)

    class Meta:
        table = "modules"
        ordering = ["name"]


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    summary = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.IntEnumField(Status, default=Status.OPEN)
    priority = fields.IntEnumField(Priority, default=Priority.NORMAL)
    channel = fields.CharEnumField(Channel, max_length=16, default=Channel.OFFLINE)
    category: fields.ForeignKeyRelation["Category"] = fields.ForeignKeyField(
        "models.Category", related_name="tickets", on_delete=fields.RESTRICT
    )
    category_id: int
    module: fields.ForeignKeyNullableRelation["Module"] = fields.ForeignKeyField(
        "models.Module", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    module_id: int | None
    organization: fields.ForeignKeyRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="tickets", on_delete=fields.RESTRICT
    )
    organization_id: int
    primary_contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="primary_tickets", on_delete=fields.RESTRICT
    )
    primary_contact_id: int
    owner: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="owned_tickets", null=True, on_delete=fields.RESTRICT
    )
    owner_id: int | None
    created_by: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="created_tickets", on_delete=fields.RESTRICT
    )
    created_by_id: int
    updated_by: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="updated_tickets", on_delete=fields.RESTRICT
    )
    updated_by_id: int
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    error_code = fields.CharField(max_length=100, null=True)
    wallet_address = fields.CharField(max_length=128, null=True)
    wallet_provider = fields.CharField(max_length=100, null=True)
    device = fields.CharField(max_length=200, null=True)
    cc_emails: list[str] = fields.JSONField(default=list)
    rating = fields.SmallIntField(null=True)
    feedback = fields.TextField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "tickets"
        # The grid's first pages seek one of these whatever the filter and sort
        # (tests/test_tickets_query_plans.py): open tickets by status, a customer's by
        # organization and status, each id filter by its column; every sort walks one in
        # order, the id breaking ties as the keyset cursor does. Summary keywords use a
        # trigram index the migrations add by hand (SQLite FTS5, PostgreSQL pg_trgm), as
        # they add the default view's partial indexes over open tickets (status < 4, which
        # Tortoise's PartialIndex cannot say): one per sort (0008), one per filtered column
        # (0011), and a customer's by organization and each of those columns (0013).
        indexes = [
            Index(fields=("organization_id", "updated_at")),
            Index(fields=("status", "updated_at")),
            Index(fields=("status", "id")),
            Index(fields=("organization_id", "status", "id")),
            Index(fields=("primary_contact_id", "id")),
            Index(fields=("owner_id", "id")),
            Index(fields=("category_id", "id")),
            Index(fields=("module_id", "id")),
            Index(fields=("priority", "id")),
            Index(fields=("channel", "id")),
            Index(fields=("created_at", "id")),
            Index(fields=("updated_at", "id")),
        ]

    @property
    def number(self) -> int:
        return ticket_number(self.id)

    @property
    def days_open(self) -> int:
        end = self.closed_at or datetime.now(UTC)
        return max((end - self.created_at).days, 0)


class TicketCcContact(Model):
    """A contact copied on a ticket's communication (seed 003's "CC Contacts")."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", related_name="cc_links", on_delete=fields.CASCADE
    )
    ticket_id: int
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="cc_links", on_delete=fields.CASCADE
    )
    contact_id: int

    class Meta:
        table = "ticket_cc_contacts"
        unique_together = (("ticket", "contact"),)
