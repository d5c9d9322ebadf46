"""Global IDs in inputs: `decode_id` turns one into the row id of the expected type."""

import strawberry
from strawberry import relay

from helpdesk.resolvers.errors import invalid


def decode_id(value: strawberry.ID | str, type_name: str, field: str) -> int:
    try:
        global_id = relay.GlobalID.from_id(value)
        if global_id.type_name != type_name:
            raise ValueError
        return int(global_id.node_id)
    except (ValueError, TypeError):
        raise invalid(field, "INVALID_ID", f"{field} is not the ID of a {type_name}") from None


def decode_optional(value, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def decode_many(values, type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field) for v in values]
