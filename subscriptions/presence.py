"""`ticketPresence`: who else is on a ticket right now, pushed at once and on every change.
Subscribing puts you on the ticket (VIEWING) until the subscription ends, however it ends:
completed, socket closed, access revoked, or the ticket moved out of your sight."""

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from helpdesk.resolvers import access, presence
from helpdesk.resolvers.errors import NotFound
from helpdesk.resolvers.viewer import require_viewer
from helpdesk.schema.ids import decode_id
from helpdesk.schema.presence import TicketPresence
from helpdesk.subscriptions.shapes import PERSONAL, SNAPSHOT
from helpdesk.subscriptions.stream import fresh
from helpdesk.subscriptions.tailer import get_tailer


async def _follow_moves(batches: asyncio.Queue, watch: presence.Watch) -> None:
    """Tells the watch the ticket's organization after each of its log events."""
    while True:
        for live in await batches.get():
            if live.event.ticket_id == watch.ticket_id and live.ticket is not None:
                watch.moved(live.ticket.organization_id)


@strawberry.type
class PresenceSubscriptions:
    @strawberry.subscription(
        description="Everyone on the ticket right now (you included) and what they are doing: "
        "pushed at once, then on every change. While this runs you count as VIEWING.",
        # It puts the person on the ticket: never a shared execution. A second tab gets the
        # latest result at once.
        metadata={**PERSONAL, **SNAPSHOT},
    )
    async def ticket_presence(
        self, info: strawberry.Info, ticket_id: strawberry.ID
    ) -> AsyncGenerator[TicketPresence, None]:
        viewer = require_viewer(info.context.viewer)
        ticket_pk = decode_id(ticket_id, "Ticket", "ticketId")
        # Listening first: a move committed after the visibility check still arrives.
        async with (
            get_tailer().listen() as (_, batches),
            presence.on_ticket(viewer, ticket_pk) as watch,
        ):
            follower = asyncio.create_task(_follow_moves(batches, watch), name="presence moves")
            try:
                last = None
                while access.can_see_ticket(viewer, watch.organization_id):
                    now = presence.seen(viewer, ticket_pk, watch.organization_id)
                    if now != last:  # what this viewer sees changed (not only what is)
                        last = now
                        fresh(info)
                        yield TicketPresence.from_domain(now)
                    await watch.next_change()
            finally:
                follower.cancel()
        raise NotFound(f"ticket {ticket_pk} not found")
