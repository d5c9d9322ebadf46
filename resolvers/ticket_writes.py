"""The two ways a ticket row is written after creation, shared by tickets and comments:
a guarded save that bumps the version, and a status move through the workflow table."""

from typing import Any

from helpdesk.models import Change, LogEvent, LogKind, Status, Ticket
from helpdesk.resolvers import log_events, statements, workflow
from helpdesk.resolvers.errors import Conflict
from helpdesk.resolvers.transactions import now
from helpdesk.resolvers.viewer import Viewer


async def save(ticket: Ticket, viewer: Viewer, attrs: list[str]) -> None:
    """Writes the given attributes if nobody else wrote the ticket since we read it."""
    seen_version = ticket.version
    ticket.version += 1
    ticket.updated_at = now()
    ticket.updated_by_id = viewer.contact_id
    written = await statements.update_if_version(
        ticket, [*attrs, "version", "updated_at", "updated_by_id"], seen_version
    )
    if not written:
        raise Conflict(f"ticket #{ticket.number} was changed meanwhile: reload and try again")


async def touch(viewer: Viewer, ticket: Ticket) -> None:
    """Marks the ticket last updated by the viewer, now, without a new version: a comment
    does not make a concurrent edit of the ticket's fields stale."""
    ticket.updated_at = now()
    ticket.updated_by_id = viewer.contact_id
    await Ticket.filter(id=ticket.id).update(
        updated_at=ticket.updated_at, updated_by_id=viewer.contact_id
    )


async def move(
    viewer: Viewer,
    ticket: Ticket,
    target: Status,
    *,
    kind: LogKind | None = None,
    extra: dict[str, Any] | None = None,
) -> LogEvent:
    """The one place a ticket's status changes: checks the workflow table, stamps the
    resolved/closed times, saves and logs. Returns the log event."""
    old = ticket.status
    workflow.check(old, target, viewer)
    ticket.status = target
    attrs = ["status"]
    if target is Status.RESOLVED:
        ticket.resolved_at = now()
        attrs.append("resolved_at")
    elif old is Status.RESOLVED and target is not Status.CLOSED:
        ticket.resolved_at = None
        attrs.append("resolved_at")
    if target is Status.CLOSED:
        ticket.closed_at = now()
        attrs.append("closed_at")
    for attr, value in (extra or {}).items():
        setattr(ticket, attr, value)
        attrs.append(attr)
    await save(ticket, viewer, attrs)
    changes: dict[Change, Any] = {Change.STATUS: [old.name, target.name]}
    # The extra attributes (rating, feedback) are logged under their own names.
    changes.update((Change(attr), value) for attr, value in (extra or {}).items())
    return await log_events.record(
        kind or workflow.event_kind(old, target), viewer, ticket=ticket, changes=changes
    )
