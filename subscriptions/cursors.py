"""ticketEvents and chatEvents cursors: the id of the last log event the client received."""

from helpdesk.models import LogEvent
from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.schema.ids import row_id


def parse_cursor(value: object) -> int | None:
    """The cursor's event id; "0" is "from the beginning"."""
    if value is None:
        return None
    if value == "0":
        return 0
    event_id = row_id(value, big=True) if isinstance(value, str) else None
    if event_id is None:
        raise invalid(
            "after",
            ErrorCode.INVALID_CURSOR,
            "after is not a cursor from ticketEvents or chatEvents",
        )
    return event_id


async def checked_cursor(value: object) -> int | None:
    """`parse_cursor`, and no newer than the newest committed event: a cursor from the
    future would wait silently forever. Asks the database, not this process's tailer,
    which may be behind another server process that delivered the event."""
    event_id = parse_cursor(value)
    if event_id and not await LogEvent.filter(id__gte=event_id).exists():
        raise invalid(
            "after",
            ErrorCode.INVALID_CURSOR,
            "after is beyond the newest event: not a cursor from ticketEvents or chatEvents",
        )
    return event_id
