"""Global IDs in inputs: `decode_id` turns one into the row id of the expected type."""

import re

import strawberry
from strawberry import relay

from helpdesk.resolvers.errors import ErrorCode, invalid

# Row ids are 32-bit integers, log events' 64-bit: a number beyond names no row, and would
# overflow the database's integer parameter (an internal error instead of "not found").
MAX_ROW_ID = 2**31 - 1
MAX_BIG_ROW_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,19}")


def row_id(node_id: object, *, big: bool = False) -> int | None:
    """The row id a global ID's node part names, or None if it cannot name one."""
    text = str(node_id)
    if not DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= (MAX_BIG_ROW_ID if big else MAX_ROW_ID) else None


def decode_id(value: strawberry.ID | str, type_name: str, field: str) -> int:
    try:
        global_id = relay.GlobalID.from_id(value)
        if global_id.type_name != type_name:
            raise ValueError
        pk = row_id(global_id.node_id, big=type_name == "LogEvent")
        if pk is None:
            raise ValueError
        return pk
    except (ValueError, TypeError):
        raise invalid(
            field, ErrorCode.INVALID_ID, f"{field} is not the ID of a {type_name}"
        ) from None


def decode_optional(value, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def decode_many(values, type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field) for v in values]
