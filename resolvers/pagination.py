"""Keyset pagination: a cursor holds the sort key and id of a row, so pages stay correct
while rows are being added (an offset would shift)."""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from helpdesk.resolvers.errors import invalid


def integer(bits: int) -> Callable[[Any], int]:
    """Decodes an integer that a column of `bits` bits can hold. Anything else (floats,
    booleans, values the database would overflow on) is not a cursor we made."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1)

    def decode(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value < high:
            raise ValueError(f"not a {bits}-bit integer: {value!r}")
        return value

    return decode


INT, BIGINT = integer(32), integer(64)


def _aware_datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time must carry a timezone")
    return moment


@dataclass(frozen=True)
class SortKey:
    """A column to sort by, with how its values go into a cursor and come back, and how
    the row id comes back (its column's size)."""

    column: str
    encode: Callable[[Any], Any] = int
    decode: Callable[[Any], Any] = BIGINT
    decode_id: Callable[[Any], int] = BIGINT


DATETIME = {"encode": datetime.isoformat, "decode": _aware_datetime}
MAX_CURSOR = 200  # ours are under 100 characters


@dataclass
class Page:
    items: list[Any]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    query: QuerySet  # the filtered query, for totalCount


def encode_cursor(key: SortKey, row: Any) -> str:
    raw = json.dumps([key.encode(getattr(row, key.column)), row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(key: SortKey, field: str, cursor: str) -> tuple[Any, int]:
    """Anything that is not a cursor we made is INVALID_CURSOR: orjson gives up on deep
    nesting where `json` would recurse until a RecursionError."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        value, row_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return key.decode(value), key.decode_id(row_id)
    except (ValueError, TypeError, binascii.Error):  # orjson's JSONDecodeError is a ValueError
        raise invalid(field, "INVALID_CURSOR", f"{field} is not a cursor from this list") from None


def _beyond(key: SortKey, value: Any, row_id: int, ascending: bool) -> Q:
    """Rows strictly after (value, row_id) in the given direction."""
    op = "gt" if ascending else "lt"
    return Q(**{f"{key.column}__{op}": value}) | Q(**{key.column: value, f"id__{op}": row_id})


def _check_size(field: str, size: int | None, max_size: int) -> None:
    if size is not None and not 0 <= size <= max_size:
        raise invalid(field, "OUT_OF_RANGE", f"{field} must be from 0 to {max_size}")


async def paginate(
    query: QuerySet,
    key: SortKey,
    *,
    descending: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    max_size: int,
) -> Page:
    _check_size("first", first, max_size)
    _check_size("last", last, max_size)
    if first is not None and last is not None:
        raise invalid("last", "CONFLICTING", "pass first or last, not both")
    ascending = not descending
    window = query
    if after is not None:
        window = window.filter(_beyond(key, *_decode_cursor(key, "after", after), ascending))
    if before is not None:
        window = window.filter(_beyond(key, *_decode_cursor(key, "before", before), descending))

    backwards = last is not None
    size = last if backwards else (first if first is not None else max_size)
    forward_order = [key.column, "id"] if ascending else [f"-{key.column}", "-id"]
    order = (
        [o[1:] if o.startswith("-") else f"-{o}" for o in forward_order]
        if backwards
        else (forward_order)
    )
    rows = list(await window.order_by(*order).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    return Page(
        items=rows,
        cursors=[encode_cursor(key, row) for row in rows],
        has_next_page=more if not backwards else before is not None,
        has_previous_page=more if backwards else after is not None,
        query=query,
    )
