"""Writing log events, and reading them back as history and as a person's Data Log."""

from collections.abc import Mapping
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from helpdesk.models import Change, DataLogHide, LogEvent, LogKind, Ticket
from helpdesk.resolvers import access
from helpdesk.resolvers.errors import ErrorCode, NotFound, invalid
from helpdesk.resolvers.pagination import SortKey
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.viewer import Viewer, require_viewer

# The Data Log (seed 000) lists the tickets that were closed: by the customer confirming
# the resolution, or by anyone closing them.
DATA_LOG_KINDS = (LogKind.CLOSED, LogKind.CONFIRMED)
# A ticket's history reads in the order things happened; the Data Log, newest first.
SORT = SortKey("id")


async def record(
    kind: LogKind,
    actor: Viewer | None,
    *,
    ticket: Ticket | None = None,
    organization_id: int | None = None,
    comment_id: int | None = None,
    chat_id: int | None = None,
    chat_message_id: int | None = None,
    attachment_id: int | None = None,
    subject_contact_id: int | None = None,
    subject_token_id: int | None = None,
    changes: Mapping[Change, Any] | None = None,
    internal: bool = False,
) -> LogEvent:
    """Append one event. Call inside the transaction that makes the change. `changes` keys
    come from the one vocabulary: an unknown key fails here, before it is stored."""
    return await LogEvent.create(
        kind=kind,
        occurred_at=now(),
        actor_id=actor.contact_id if actor else None,
        ticket_id=ticket.id if ticket else None,
        organization_id=ticket.organization_id if ticket else organization_id,
        comment_id=comment_id,
        chat_id=chat_id,
        chat_message_id=chat_message_id,
        attachment_id=attachment_id,
        subject_contact_id=subject_contact_id,
        subject_token_id=subject_token_id,
        changes={Change(key).value: value for key, value in (changes or {}).items()},
        internal=internal,
    )


def history(viewer: Viewer) -> QuerySet[LogEvent]:
    """What a ticket's history lists: every event the viewer may see but single chat
    messages, which the chat's transcript comment holds."""
    return access.log_events(viewer).exclude(kind=LogKind.CHAT_MESSAGE)


async def get(viewer: Viewer | None, event_id: int) -> LogEvent:
    viewer = require_viewer(viewer)
    event = await access.log_events(viewer).filter(id=event_id).first()
    if event is None:
        raise NotFound(f"log event {event_id} not found")
    return event


async def data_log(viewer: Viewer | None):
    """The viewer's Data Log as a query, newest first, without what they hid."""
    viewer = require_viewer(viewer)
    hidden = DataLogHide.filter(contact_id=viewer.contact_id)
    return (
        access.log_events(viewer)
        .filter(kind__in=DATA_LOG_KINDS)
        .exclude(id__in=Subquery(hidden.values("log_event_id")))
    )


async def clear_data_log(viewer: Viewer | None, *, confirm: bool) -> int:
    """Hides every current entry of the viewer's Data Log. Returns how many were hidden."""
    viewer = require_viewer(viewer)
    if not confirm:
        raise invalid(
            "confirm", ErrorCode.NOT_CONFIRMED, "confirm must be true to clear the Data Log"
        )
    async with transaction():
        # Hide exactly the entries there are now: an id cutoff could also hide an entry
        # whose transaction commits after this one with a lower id.
        entry_ids = await (await data_log(viewer)).values_list("id", flat=True)
        await DataLogHide.bulk_create(
            [DataLogHide(contact_id=viewer.contact_id, log_event_id=i) for i in entry_ids]
        )
        await record(
            LogKind.DATA_LOG_CLEARED,
            viewer,
            organization_id=viewer.organization_id,
            subject_contact_id=viewer.contact_id,
            changes={Change.HIDDEN: len(entry_ids)},
            internal=True,
        )
    return len(entry_ids)


async def delete_data_log_entry(viewer: Viewer | None, event_id: int) -> LogEvent:
    """Hides one entry from the viewer's own Data Log; the audit trail keeps it."""
    viewer = require_viewer(viewer)
    async with transaction():
        event = await (await data_log(viewer)).filter(id=event_id).first()
        if event is None:
            raise NotFound(f"log event {event_id} is not in your Data Log")
        await DataLogHide.create(contact_id=viewer.contact_id, log_event_id=event.id)
        await record(
            LogKind.DATA_LOG_ENTRY_DELETED,
            viewer,
            organization_id=viewer.organization_id,
            subject_contact_id=viewer.contact_id,
            changes={Change.LOG_EVENT: event.id},
            internal=True,
        )
    return event
