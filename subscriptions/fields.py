"""The Subscription root type: ticket grids, ticket windows and dashboards that update
themselves. Every field reads the same stream of log event batches from the tailer."""

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum

import strawberry

from helpdesk.models import LogKind
from helpdesk.resolvers import access, tickets, tickets_grid
from helpdesk.resolvers.viewer import require_viewer
from helpdesk.schema.attachments import Attachment
from helpdesk.schema.comments import Comment
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of
from helpdesk.schema.ids import decode_id
from helpdesk.schema.log_events import FieldChange, LogEvent
from helpdesk.schema.tickets import Ticket, TicketFilter, TicketPriority, TicketStatus
from helpdesk.subscriptions import stream
from helpdesk.subscriptions.cursors import checked_cursor
from helpdesk.subscriptions.live_events import LiveEvent
from helpdesk.subscriptions.shapes import PERSONAL, SNAPSHOT
from helpdesk.subscriptions.stream import batches, fresh
from helpdesk.subscriptions.tailer import get_tailer


@strawberry.enum(description="What happened to the ticket.")
class TicketEventKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    ASSIGNED = "ASSIGNED"
    COMMENTED = "COMMENTED"
    RESOLVED = "RESOLVED"
    CONFIRMED = "CONFIRMED"
    REOPENED = "REOPENED"
    CLOSED = "CLOSED"
    ATTACHED = "ATTACHED"
    DETACHED = "DETACHED"


KIND_OF = {
    LogKind.TICKET_CREATED: TicketEventKind.CREATED,
    LogKind.TICKET_UPDATED: TicketEventKind.UPDATED,
    LogKind.STATUS_CHANGED: TicketEventKind.STATUS_CHANGED,
    LogKind.ASSIGNED: TicketEventKind.ASSIGNED,
    LogKind.COMMENT_ADDED: TicketEventKind.COMMENTED,
    LogKind.RESOLVED: TicketEventKind.RESOLVED,
    LogKind.CONFIRMED: TicketEventKind.CONFIRMED,
    LogKind.REOPENED: TicketEventKind.REOPENED,
    LogKind.CLOSED: TicketEventKind.CLOSED,
    LogKind.ATTACHMENT_ADDED: TicketEventKind.ATTACHED,
    LogKind.ATTACHMENT_DELETED: TicketEventKind.DETACHED,
}


def is_ticket_change(live: LiveEvent) -> bool:
    """A change to the ticket itself (a chat message, say, is not one)."""
    return live.event.kind in KIND_OF


@strawberry.type(description="One change to a ticket, pushed the moment it commits.")
class TicketEvent:
    cursor: str = strawberry.field(description="Pass as `after` when reconnecting.")
    kind: TicketEventKind
    occurred_at: datetime
    matches_filter: bool = strawberry.field(
        description="False on the last event of a ticket that no longer matches your filter: "
        "drop its row."
    )
    _live: strawberry.Private[LiveEvent]
    # The ticket left the viewer's organization: say so, show nothing of it.
    _gone: strawberry.Private[bool] = False

    @strawberry.field
    async def actor(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._live.event.actor_id)

    @strawberry.field(description="The ticket as it is now.")
    async def ticket(self, info: strawberry.Info) -> Ticket | None:
        row = await loaders_of(info).ticket.load(self._live.event.ticket_id)
        return Ticket.from_model(row) if row else None

    @strawberry.field(description="Changed fields, old -> new.")
    def changes(self) -> list[FieldChange]:
        return [] if self._gone else LogEvent.from_model(self._live.event).changes()

    @strawberry.field(description="The new comment, for COMMENTED events.")
    async def comment(self, info: strawberry.Info) -> Comment | None:
        if self._gone or self._live.event.comment_id is None:
            return None
        row = await loaders_of(info).comment.load(self._live.event.comment_id)
        return Comment.from_model(row) if row else None

    @strawberry.field(description="The file, for ATTACHED and DETACHED events.")
    async def attachment(self, info: strawberry.Info) -> Attachment | None:
        if self._gone or self._live.event.attachment_id is None:
            return None
        row = await loaders_of(info).attachment.load(self._live.event.attachment_id)
        return Attachment.from_model(row) if row else None


@strawberry.type
class StatusCount:
    status: TicketStatus
    count: int


@strawberry.type
class PriorityCount:
    priority: TicketPriority
    count: int


@strawberry.type(description="Live counts of the tickets matching a filter.")
class TicketStats:
    total: int
    by_status: list[StatusCount]
    by_priority: list[PriorityCount]

    @classmethod
    def from_domain(cls, s: tickets_grid.TicketStats) -> "TicketStats":
        return cls(
            total=s.total,
            by_status=[StatusCount(status=k, count=v) for k, v in s.by_status.items()],
            by_priority=[PriorityCount(priority=k, count=v) for k, v in s.by_priority.items()],
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change to the tickets you may see that match the grid's filter."
    )
    async def ticket_events(
        self, info: strawberry.Info, filter: TicketFilter | None = None, after: str | None = None
    ) -> AsyncGenerator[TicketEvent, None]:
        context = info.context
        viewer = require_viewer(context.viewer)
        grid_filter = (filter or TicketFilter()).to_domain()
        tickets_grid.validate(grid_filter)
        cursor = await checked_cursor(after)
        start = cursor if cursor is not None else context.live_from
        async for batch in batches(start, context.replay_through):
            for live in batch:
                context.position = live.event.id
                if live.event.kind not in KIND_OF or live.ticket is None:
                    continue
                visible = stream.visible(viewer, live)
                gone = live.before is not None and access.loses_sight(
                    viewer, live.event, live.before.organization_id, live.ticket.organization_id
                )
                if not (visible or gone):
                    continue
                now = (
                    visible
                    and live.after is not None
                    and tickets_grid.matches(grid_filter, live.after)
                )
                was = live.before is not None and tickets_grid.matches(grid_filter, live.before)
                if now or was:
                    fresh(info)
                    yield TicketEvent(
                        cursor=str(live.event.id),
                        kind=KIND_OF[live.event.kind],
                        occurred_at=live.event.occurred_at,
                        matches_filter=now,
                        _live=live,
                        _gone=gone,
                    )

    @strawberry.subscription(description="The open Ticket Window: the ticket after each change.")
    async def ticket_updated(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> AsyncGenerator[Ticket, None]:
        viewer = require_viewer(info.context.viewer)
        ticket_id = decode_id(id, "Ticket", "id")
        await access.visible_ticket(viewer, ticket_id)
        async for batch in batches(None):
            if any(
                live.event.ticket_id == ticket_id
                and is_ticket_change(live)
                and stream.visible(viewer, live)
                for live in batch
            ):
                fresh(info)
                row = await loaders_of(info).ticket.load(ticket_id)
                if row is not None:
                    yield Ticket.from_model(row)

    @strawberry.subscription(description="Each new comment; internal notes reach staff only.")
    async def comment_added(
        self, info: strawberry.Info, ticket_id: strawberry.ID
    ) -> AsyncGenerator[Comment, None]:
        viewer = require_viewer(info.context.viewer)
        ticket_pk = decode_id(ticket_id, "Ticket", "ticketId")
        await access.visible_ticket(viewer, ticket_pk)
        async for batch in batches(None):
            for live in batch:
                event = live.event
                if event.kind is not LogKind.COMMENT_ADDED or event.ticket_id != ticket_pk:
                    continue
                if not stream.visible(viewer, live):
                    continue
                fresh(info)
                row = await loaders_of(info).comment.load(event.comment_id)
                if row is not None:
                    yield Comment.from_model(row)

    @strawberry.subscription(
        description="Counts per status and priority, pushed at once and on change.",
        metadata=SNAPSHOT,  # each result is the whole count: late joiners get the latest
    )
    async def ticket_stats(
        self, info: strawberry.Info, filter: TicketFilter | None = None
    ) -> AsyncGenerator[TicketStats, None]:
        viewer = require_viewer(info.context.viewer)
        grid_filter = (filter or TicketFilter()).to_domain()
        async with get_tailer().listen() as (_, queue):
            last = await tickets_grid.stats(viewer, grid_filter)
            yield TicketStats.from_domain(last)
            while True:
                batch = await queue.get()
                touched = any(
                    is_ticket_change(live)
                    and stream.visible(viewer, live)
                    and any(
                        facts is not None and tickets_grid.matches(grid_filter, facts)
                        for facts in (live.before, live.after)
                    )
                    for live in batch
                )
                if not touched:
                    continue
                current = await tickets_grid.stats(viewer, grid_filter)
                if current != last:
                    last = current
                    yield TicketStats.from_domain(current)

    @strawberry.subscription(
        description="Customers: each of your tickets the moment staff mark it resolved.",
        metadata=PERSONAL,  # each person's own tickets: never a shared execution
    )
    async def awaiting_confirmation(self, info: strawberry.Info) -> AsyncGenerator[Ticket, None]:
        viewer = require_viewer(info.context.viewer)
        async for batch in batches(None):
            for live in batch:
                if (
                    live.event.kind is LogKind.RESOLVED
                    and stream.visible(viewer, live)
                    and live.after is not None
                    and tickets.awaits_confirmation_from(viewer, live.after)
                ):
                    fresh(info)
                    row = await loaders_of(info).ticket.load(live.after.id)
                    if row is not None:
                        yield Ticket.from_model(row)
