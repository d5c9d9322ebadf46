from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from helpdesk import models
from helpdesk.resolvers import log_events
from helpdesk.schema.catalog import Category, Module
from helpdesk.schema.connections import Connection, list_connection
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.tickets import Ticket

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
LogEventKind = models.LogKind
strawberry.enum(models.LogKind, name="LogEventKind")


@strawberry.type(description="One field's change: old -> new.")
class FieldChange:
    field: str
    old_value: JSON | None
    new_value: JSON | None


@strawberry.type(
    description="One thing that happened: the audit trail, a ticket's history "
    "and the Data Log are all made of these."
)
class LogEvent(relay.Node):
    id: relay.NodeID[int]
    logging_id: int = strawberry.field(description='The Data Log\'s "Logging ID".')
    kind: LogEventKind
    occurred_at: datetime = strawberry.field(description='The Data Log\'s "Date".')
    _model: strawberry.Private[models.LogEvent]

    @classmethod
    def from_model(cls, m: models.LogEvent) -> "LogEvent":
        return cls(id=m.id, logging_id=m.id, kind=m.kind, occurred_at=m.occurred_at, _model=m)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "log_event", node_ids, cls.from_model, required)

    @strawberry.field
    async def actor(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._model.actor_id)

    async def _ticket(self, info: strawberry.Info) -> models.Ticket | None:
        if self._model.ticket_id is None:
            return None
        return await loaders_of(info).ticket.load(self._model.ticket_id)

    @strawberry.field
    async def ticket(self, info: strawberry.Info) -> Ticket | None:
        row = await self._ticket(info)
        return Ticket.from_model(row) if row else None

    @strawberry.field(description='The Data Log\'s "#".')
    def ticket_number(self) -> int | None:
        if self._model.ticket_id is None:
            return None
        return models.ticket_number(self._model.ticket_id)

    @strawberry.field(description="The ticket's module, as the Data Log shows it.")
    async def module(self, info: strawberry.Info) -> Module | None:
        row = await self._ticket(info)
        if row is None or row.module_id is None:
            return None
        return Module.from_model(await loaders_of(info).module.load(row.module_id))

    @strawberry.field(description="The ticket's category, as the Data Log shows it.")
    async def category(self, info: strawberry.Info) -> Category | None:
        row = await self._ticket(info)
        if row is None:
            return None
        return Category.from_model(await loaders_of(info).category.load(row.category_id))

    @strawberry.field(description="The ticket's description, as the Data Log shows it.")
    async def description(self, info: strawberry.Info) -> str | None:
        row = await self._ticket(info)
        return row.description if row else None

    @strawberry.field(description="Changed fields as old -> new; other facts with no old value.")
    def changes(self) -> list[FieldChange]:
        out = []
        for name, value in self._model.changes.items():
            if isinstance(value, list) and len(value) == 2:
                old, new = (_as_global_ids(name, v) for v in value)
                out.append(FieldChange(field=name, old_value=old, new_value=new))
            else:
                out.append(
                    FieldChange(field=name, old_value=None, new_value=_as_global_ids(name, value))
                )
        return out


# Changed fields that hold row ids, shown as the global IDs the rest of the API uses.
ID_FIELD_TYPES: dict[str, str] = {
    models.Change.OWNER_ID: "Contact",
    models.Change.PRIMARY_CONTACT_ID: "Contact",
    models.Change.CC_CONTACT_IDS: "Contact",
    models.Change.CATEGORY_ID: "Category",
    models.Change.MODULE_ID: "Module",
    models.Change.ORGANIZATION_ID: "Organization",
    models.Change.LOG_EVENT: "LogEvent",
}


def _as_global_ids(field: str, value):
    type_name = ID_FIELD_TYPES.get(field)
    if type_name is None or value is None:
        return value
    if isinstance(value, list):
        return [str(relay.GlobalID(type_name, str(v))) for v in value]
    return str(relay.GlobalID(type_name, str(value)))


@strawberry.type
class LogEventQueries:
    @strawberry.field(description="Seed 000's Data Log: your closed tickets, newest first.")
    async def data_log(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LogEvent]:
        return await list_connection(
            info,
            await log_events.data_log(viewer_of(info)),
            log_events.SORT,
            LogEvent.from_model,
            first,
            after,
            last,
            before,
            descending=True,
        )

    @strawberry.field(description="View Logging Event: one event, by its Logging ID.")
    async def log_event(self, info: strawberry.Info, id: int) -> LogEvent:
        return LogEvent.from_model(await log_events.get(viewer_of(info), id))


@strawberry.input
class ClearDataLogInput:
    confirm: bool = strawberry.field(description='Seed 000\'s "Confirm" button: must be true.')


@strawberry.input
class DeleteLogEventInput:
    log_event_id: strawberry.ID


@strawberry.type
class ClearDataLogPayload:
    cleared_count: int | None
    errors: list[UserError]


@strawberry.type
class DeleteLogEventPayload:
    log_event: LogEvent | None
    errors: list[UserError]


@strawberry.type
class LogEventMutations:
    @strawberry.mutation(description="Clear History: empties your Data Log. The audit trail stays.")
    async def clear_data_log(
        self, info: strawberry.Info, input: ClearDataLogInput
    ) -> ClearDataLogPayload:
        count, errors = await attempt(
            lambda: log_events.clear_data_log(viewer_of(info), confirm=input.confirm)
        )
        return ClearDataLogPayload(cleared_count=count, errors=errors)

    @strawberry.mutation(description="Delete Log Event: hides one entry from your Data Log.")
    async def delete_log_event(
        self, info: strawberry.Info, input: DeleteLogEventInput
    ) -> DeleteLogEventPayload:
        event, errors = await attempt(
            lambda: log_events.delete_data_log_entry(
                viewer_of(info), decode_id(input.log_event_id, "LogEvent", "logEventId")
            )
        )
        return DeleteLogEventPayload(
            log_event=LogEvent.from_model(event) if event else None, errors=errors
        )
