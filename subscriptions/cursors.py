from helpdesk.resolvers.errors import invalid
from helpdesk.schema.ids import row_id


def parse_cursor(value: object) -> int | None:
    """A ticketEvents cursor is the id of the last log event the client received."""
    if value is None:
        return None
    if value == "0":  # "from the beginning"
        return 0
    event_id = row_id(value, big=True) if isinstance(value, str) else None
    if event_id is None:
        raise invalid("after", "INVALID_CURSOR", "after is not a cursor from ticketEvents")
    return event_id
