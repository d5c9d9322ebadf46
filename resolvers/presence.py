"""Presence: who is on a ticket right now, and whether they are viewing it, writing a reply
or (staff) writing an internal note. The people live on the board (presence_board.py, in
memory and on the bus, never in the database); the rules of who sees whom live here.

Staff see everyone as they are. A customer sees staff only as "a Cyber Hero", never writing
a note (NOTE shows as VIEWING), and customers only of the ticket's organization, their own.
A customer of the organization a ticket left is on it no longer, for anyone."""

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime

from helpdesk.models import Contact
from helpdesk.resolvers import access, metrics
from helpdesk.resolvers.errors import ErrorCode, RateLimited, invalid
from helpdesk.resolvers.presence_board import Person, Presence, PresenceState, Watch, get_board
from helpdesk.resolvers.viewer import Audience, Viewer, require_viewer

ANONYMOUS_STAFF = "a Cyber Hero"


@dataclass(frozen=True)
class Seen:
    """One person on a ticket, as a viewer may see them."""

    contact_id: int | None  # None: the viewer may not know who it is
    display_name: str
    is_staff: bool
    state: PresenceState
    since: datetime


@dataclass(frozen=True)
class TicketPresence:
    ticket_id: int
    people: tuple[Seen, ...]  # oldest arrival first


def seen_by(
    viewer: Audience, organization_id: int, present: Iterable[Presence]
) -> tuple[Seen, ...]:
    """The people on a ticket of `organization_id`, as `viewer` may see them."""
    if not access.can_see_ticket(viewer, organization_id):
        return ()
    shown = []
    for p in sorted(present, key=lambda p: (p.since, p.person.contact_id)):
        person, state = p.person, p.state
        if not person.is_staff and organization_id not in person.organization_ids:
            continue  # the ticket left their organization: they are not on it any more
        if viewer.is_staff or not person.is_staff:
            shown.append(Seen(person.contact_id, person.name, person.is_staff, state, p.since))
            continue
        if state is PresenceState.NOTE:  # never tell a customer a note is being written
            state = PresenceState.VIEWING
        shown.append(Seen(None, ANONYMOUS_STAFF, True, state, p.since))
    return tuple(shown)


def seen(viewer: Audience, ticket_id: int, organization_id: int) -> TicketPresence:
    """The ticket's people right now, as the viewer may see them."""
    return TicketPresence(
        ticket_id, seen_by(viewer, organization_id, get_board().present(ticket_id))
    )


async def _person(viewer: Viewer) -> Person:
    contact = await Contact.filter(id=viewer.contact_id).only("id", "name").first()
    name = contact.name if contact else ""
    return Person(viewer.contact_id, name, viewer.is_staff, viewer.organization_ids)


async def set_state(
    viewer: Viewer | None, ticket_id: int, state: PresenceState | None
) -> TicketPresence:
    """Says what the viewer is doing on a ticket they may see (None: they left it). Reads,
    never writes: no row, no log event."""
    viewer = require_viewer(viewer)
    board = get_board()
    if wait := board.throttle.take(viewer.contact_id):
        metrics.rate_limited("presence")
        raise RateLimited("too many presence changes", wait)
    ticket = await access.visible_ticket(viewer, ticket_id)
    if state is PresenceState.NOTE and not viewer.is_staff:
        raise invalid("state", ErrorCode.NOT_ALLOWED, "only staff write internal notes")
    person = board.person_on(ticket_id, viewer.contact_id) or await _person(viewer)
    board.set(person, ticket_id, state)
    return seen(viewer, ticket_id, ticket.organization_id)


@contextlib.asynccontextmanager
async def on_ticket(viewer: Viewer, ticket_id: int) -> AsyncIterator[Watch]:
    """The viewer is on a ticket they may see (VIEWING) while the block runs. The caller
    tells the watch when the ticket moves (`moved`) and asks `seen` after each change."""
    ticket = await access.visible_ticket(viewer, ticket_id)
    person = await _person(viewer)
    with get_board().watch(person, ticket_id, ticket.organization_id) as watch:
        yield watch
