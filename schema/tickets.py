import asyncio
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import tickets, tickets_grid
from helpdesk.resolvers.pagination import bounded_count
from helpdesk.schema import prefetch, ticket_filters
from helpdesk.schema.catalog import Category, Module
from helpdesk.schema.connections import Connection, connection, nested_connection
from helpdesk.schema.contacts import Contact, contact_soon, contacts_of, contacts_soon
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.execution import plain
from helpdesk.schema.loaders import MISSING, Loaders, peek, soon
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.organizations import Organization

if TYPE_CHECKING:
    from helpdesk.schema.attachments import Attachment
    from helpdesk.schema.chats import Chat
    from helpdesk.schema.comments import Comment
    from helpdesk.schema.log_events import LogEvent
    from helpdesk.schema.mail import Mail

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
TicketStatus = models.Status
strawberry.enum(models.Status, name="TicketStatus")
TicketPriority = models.Priority
strawberry.enum(models.Priority, name="TicketPriority")
TicketChannel = models.Channel
strawberry.enum(
    models.Channel, name="TicketChannel", description="OFFLINE is like an e-mail; CHAT is live."
)
TicketSort = tickets_grid.TicketSort
strawberry.enum(tickets_grid.TicketSort, name="TicketSortField")


# A ticket's related rows, at once when the page loaded them (schema/prefetch.py), else an
# awaitable of their loader (schema/loaders.py `soon`).
def _organization(ticket: "Ticket", loaders: Loaders) -> Any:
    return soon(loaders.organization, ticket._model.organization_id, Organization.from_model)


def _primary_contact(ticket: "Ticket", loaders: Loaders) -> Any:
    return contact_soon(loaders, ticket._model.primary_contact_id)


def _owner(ticket: "Ticket", loaders: Loaders) -> Any:
    return contact_soon(loaders, ticket._model.owner_id)


def _created_by(ticket: "Ticket", loaders: Loaders) -> Any:
    return contact_soon(loaders, ticket._model.created_by_id)


def _updated_by(ticket: "Ticket", loaders: Loaders) -> Any:
    return contact_soon(loaders, ticket._model.updated_by_id)


def _cc_contacts(ticket: "Ticket", loaders: Loaders) -> Any:
    contact_ids = peek(loaders.cc_contact_ids_by_ticket, ticket._model.id)
    if contact_ids is not MISSING:
        return contacts_soon(loaders, contact_ids)

    async def later() -> list[Contact]:
        contact_ids = await loaders.cc_contact_ids_by_ticket.load(ticket._model.id)
        return await contacts_of(loaders, contact_ids)

    return later()


def _category(ticket: "Ticket", loaders: Loaders) -> Any:
    return soon(loaders.category, ticket._model.category_id, Category.from_model)


@strawberry.type(description="A support ticket: the fields of both seed documents.")
class Ticket(relay.Node):
    id: relay.NodeID[int]
    number: int = strawberry.field(description="The human ticket number, as in #1042.")
    summary: str
    description: str
    status: TicketStatus
    priority: TicketPriority
    channel: TicketChannel
    cc_emails: list[str] = strawberry.field(description="CC addresses that are not contacts.")
    error_code: str | None
    wallet_address: str | None = strawberry.field(
        description="Public wallet address or transaction hash."
    )
    wallet_provider: str | None
    device: str | None
    rating: int | None = strawberry.field(description="1-5, given when confirming resolution.")
    feedback: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int = strawberry.field(description="Pass as expectedVersion to detect lost updates.")
    _model: strawberry.Private[models.Ticket]

    @classmethod
    def from_model(cls, m: models.Ticket) -> "Ticket":
        return cls(
            id=m.id,
            number=m.number,
            summary=m.summary,
            description=m.description,
            status=m.status,
            priority=m.priority,
            channel=m.channel,
            cc_emails=list(m.cc_emails or []),
            error_code=m.error_code,
            wallet_address=m.wallet_address,
            wallet_provider=m.wallet_provider,
            device=m.device,
            rating=m.rating,
            feedback=m.feedback,
            created_at=m.created_at,
            updated_at=m.updated_at,
            resolved_at=m.resolved_at,
            closed_at=m.closed_at,
            version=m.version,
            _model=m,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "ticket", node_ids, cls.from_model, required)

    @staticmethod
    def to_global(ticket_id: int) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("Ticket", str(ticket_id))))

    # Counted when asked for: it reads the clock.
    @strawberry.field(
        description="Whole days from creation to closing or now.",
        metadata=plain(lambda ticket, _loaders: ticket._model.days_open),
    )
    def days_open(self) -> int:
        return self._model.days_open

    # Related rows: plain functions of the ticket and the request's loaders (below), so
    # execution may call them without an Info (schema/execution.py).
    @strawberry.field(metadata=plain(_organization))
    def organization(self, info: strawberry.Info) -> Organization:
        return _organization(self, loaders_of(info))

    @strawberry.field(
        description="Who receives all communication about the ticket.",
        metadata=plain(_primary_contact),
    )
    def primary_contact(self, info: strawberry.Info) -> Contact | None:
        return _primary_contact(self, loaders_of(info))

    @strawberry.field(
        description="Others of the organization who receive the communication.",
        metadata=plain(_cc_contacts),
    )
    def cc_contacts(self, info: strawberry.Info) -> list[Contact]:
        return _cc_contacts(self, loaders_of(info))

    @strawberry.field(
        description='The staff member handling it ("Assigned To"); null if none.',
        metadata=plain(_owner),
    )
    def owner(self, info: strawberry.Info) -> Contact | None:
        return _owner(self, loaders_of(info))

    @strawberry.field(
        description="Who opened the ticket (the submitter).", metadata=plain(_created_by)
    )
    def created_by(self, info: strawberry.Info) -> Contact | None:
        return _created_by(self, loaders_of(info))

    @strawberry.field(metadata=plain(_updated_by))
    def updated_by(self, info: strawberry.Info) -> Contact | None:
        return _updated_by(self, loaders_of(info))

    @strawberry.field(metadata=plain(_category))
    def category(self, info: strawberry.Info) -> Category:
        return _category(self, loaders_of(info))

    @strawberry.field(description="The module or service it is about.")
    async def module(self, info: strawberry.Info) -> Module | None:
        if self._model.module_id is None:
            return None
        return Module.from_model(await loaders_of(info).module.load(self._model.module_id))

    @strawberry.field(description="The conversation, oldest first. Customers never see notes.")
    async def comments(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Comment", strawberry.lazy("helpdesk.schema.comments")]]:
        from helpdesk.schema.comments import Comment

        return await nested_connection(
            info,
            loaders_of(info).comments_by_ticket,
            self._model.id,
            Comment.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="Its files, its comments' included, oldest first (seed 000's "
        "Attachments); customers never see an internal note's."
    )
    async def attachments(
        self, info: strawberry.Info
    ) -> list[Annotated["Attachment", strawberry.lazy("helpdesk.schema.attachments")]]:
        from helpdesk.schema.attachments import Attachment

        rows = await loaders_of(info).attachments_by_ticket.load(self._model.id)
        return [Attachment.from_model(row) for row in rows]

    @strawberry.field(description="Its chats with a Cyber Hero, oldest first.")
    async def chats(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Chat", strawberry.lazy("helpdesk.schema.chats")]]:
        from helpdesk.schema.chats import Chat

        return await nested_connection(
            info,
            loaders_of(info).chats_by_ticket,
            self._model.id,
            Chat.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="The chat still WAITING or ACTIVE on it (one at a time), for Chat Now; "
        "null if none."
    )
    async def active_chat(
        self, info: strawberry.Info
    ) -> Annotated["Chat", strawberry.lazy("helpdesk.schema.chats")] | None:
        from helpdesk.schema.chats import Chat

        live = await loaders_of(info).live_chat_by_ticket.load(self._model.id)
        return Chat.from_model(live[-1]) if live else None

    @strawberry.field(description="Everything that happened to the ticket, oldest first.")
    async def history(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["LogEvent", strawberry.lazy("helpdesk.schema.log_events")]]:
        from helpdesk.schema.log_events import LogEvent

        return await nested_connection(
            info,
            loaders_of(info).history_by_ticket,
            self._model.id,
            LogEvent.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="Staff only (a customer asking gets FORBIDDEN): the mails about the "
        "ticket, oldest first, and how their delivery is going."
    )
    async def mails(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["Mail", strawberry.lazy("helpdesk.schema.mail")]]:
        from helpdesk.schema.mail import ticket_mails

        return await ticket_mails(info, self._model.id, first, after, last, before)


@strawberry.input(description="The grid's search boxes. Unset means any.")
@ticket_filters.with_filter_fields
class TicketFilter:
    """Its fields come from the filter table (resolvers/ticket_filters.py)."""

    def to_domain(self) -> tickets_grid.TicketFilter:
        return ticket_filters.to_domain(self)


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class TicketOrder:
    field: TicketSort = TicketSort.NUMBER
    direction: SortDirection = SortDirection.DESC


def _retrieved(counting: asyncio.Future) -> None:
    """Marks a count's failure as seen: a page that failed elsewhere never asks for it."""
    if not counting.cancelled():
        counting.exception()


@strawberry.type
class TicketQueries:
    @strawberry.field(description="A ticket by its number; null if you may not see it.")
    async def ticket(self, info: strawberry.Info, number: int) -> Ticket | None:
        row = await tickets.get_by_number(viewer_of(info), number)
        return Ticket.from_model(row) if row else None

    @strawberry.field(
        description="The ticket grid. Resolved and closed tickets are hidden "
        "unless the filter includes them."
    )
    async def tickets(
        self,
        info: strawberry.Info,
        filter: TicketFilter | None = None,
        order_by: TicketOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Ticket]:
        order_by = order_by or TicketOrder()
        query = await tickets_grid.matching(viewer_of(info), (filter or TicketFilter()).to_domain())
        # A totalCount asked for is counted beside the page (PostgreSQL: on another
        # connection; SQLite: on the reading connection's thread once it is a slow count),
        # not after it: at a million tickets it takes as long as the rest of the page.
        counting = None
        if prefetch.asks_for_total(info):
            counting = asyncio.ensure_future(bounded_count(query))
            counting.add_done_callback(_retrieved)
            await asyncio.sleep(0)  # let it begin
        try:
            page = await tickets_grid.page_of(
                query,
                sort=tickets_grid.TicketSort(order_by.field.value),
                descending=order_by.direction is SortDirection.DESC,
                first=first,
                after=after,
                last=last,
                before=before,
                max_size=info.context.settings.max_page_size,
            )
            await prefetch.ticket_relations(info, page.items)
        except BaseException:
            if counting is not None:
                counting.cancel()
            raise
        count = partial(bounded_count, page.query)
        return connection(page, Ticket.from_model, count=count, counting=counting)

    @strawberry.field(description="Your resolved tickets waiting for you to confirm them.")
    async def tickets_awaiting_confirmation(self, info: strawberry.Info) -> list[Ticket]:
        return [Ticket.from_model(t) for t in await tickets.awaiting_confirmation(viewer_of(info))]
