"""Keyset pagination: a cursor holds the sort key and id of a row, so pages stay correct
while rows are being added (an offset would shift)."""

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order
from pypika_tortoise.functions import Count as CountRows
from pypika_tortoise.terms import Field, Star
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.resolvers.validation import text_problem


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


def _text(value: Any) -> str:
    if not isinstance(value, str) or text_problem(value) is not None:
        raise ValueError(f"not text the database could hold: {value!r}")
    return value


@dataclass(frozen=True)
class SortKey:
    """A column to sort by, with how its values go into a cursor and come back, and how
    the row id comes back (its column's size)."""

    column: str
    encode: Callable[[Any], Any] = int
    decode: Callable[[Any], Any] = BIGINT
    decode_id: Callable[[Any], int] = BIGINT


Codec = dict[str, Callable[[Any], Any]]  # a SortKey's encode and decode
DATETIME: Codec = {"encode": datetime.isoformat, "decode": _aware_datetime}
TEXT: Codec = {"encode": str, "decode": _text}
# A 200-character name is at most 1,200 bytes of JSON (6 for a control character),
# 1,600 characters of base64; the other cursors are under 100.
MAX_CURSOR = 2000


@dataclass
class Page:
    items: list[Any]
    key: SortKey  # what each item's cursor holds
    has_next_page: bool
    has_previous_page: bool
    query: QuerySet  # the filtered query, for totalCount

    def cursor(self, item: Any) -> str:
        """The item's cursor, made when asked for: a grid page asks for one of 50."""
        return encode_cursor(self.key, item)


def encode_cursor(key: SortKey, row: Any) -> str:
    raw = json.dumps([key.encode(getattr(row, key.column)), row.id], ensure_ascii=False)
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
        raise invalid(
            field, ErrorCode.INVALID_CURSOR, f"{field} is not a cursor from this list"
        ) from None


def _beyond(key: SortKey, value: Any, row_id: int, ascending: bool) -> Q:
    """Rows strictly after (value, row_id) in the given direction."""
    op = "gt" if ascending else "lt"
    return Q(**{f"{key.column}__{op}": value}) | Q(**{key.column: value, f"id__{op}": row_id})


def _check_size(field: str, size: int | None, max_size: int) -> None:
    if size is not None and not 0 <= size <= max_size:
        raise invalid(field, ErrorCode.OUT_OF_RANGE, f"{field} must be from 0 to {max_size}")


@dataclass(frozen=True)
class _Plan:
    """A page request, checked: the rows it may take, in the order to fetch them."""

    window: QuerySet  # the query narrowed by the cursors
    order: list[str]
    size: int
    backwards: bool


def _plan(
    query: QuerySet,
    key: SortKey,
    descending: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    max_size: int,
) -> _Plan:
    _check_size("first", first, max_size)
    _check_size("last", last, max_size)
    if first is not None and last is not None:
        raise invalid("last", ErrorCode.CONFLICTING, "pass first or last, not both")
    ascending = not descending
    window = query
    if after is not None:
        window = window.filter(_beyond(key, *_decode_cursor(key, "after", after), ascending))
    if before is not None:
        window = window.filter(_beyond(key, *_decode_cursor(key, "before", before), descending))

    backwards = last is not None
    size = last if last is not None else (first if first is not None else max_size)
    columns = [key.column, "id"] if key.column != "id" else ["id"]
    forward_order = columns if ascending else [f"-{c}" for c in columns]
    reverse_order = [o[1:] if o.startswith("-") else f"-{o}" for o in forward_order]
    order = reverse_order if backwards else forward_order
    return _Plan(window, order, size, backwards)


def _page(
    plan: _Plan, key: SortKey, rows: list, after: str | None, before: str | None, query: QuerySet
) -> Page:
    """`rows` holds up to size + 1 rows in fetch order: one more says there is a next page."""
    more = len(rows) > plan.size
    rows = rows[: plan.size]
    if plan.backwards:
        rows.reverse()
    return Page(
        items=rows,
        key=key,
        has_next_page=more if not plan.backwards else before is not None,
        has_previous_page=more if plan.backwards else after is not None,
        query=query,
    )


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
    plan = _plan(query, key, descending, first, after, last, before, max_size)
    rows = list(await plan.window.order_by(*plan.order).limit(plan.size + 1))
    return _page(plan, key, rows, after, before, query)


async def paginate_each(
    query: QuerySet,
    key: SortKey,
    parent: str,
    parent_ids: Iterable[int],
    *,
    descending: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    max_size: int,
) -> dict[int, Page]:
    """`paginate` over the rows of many parents at once (each ticket's comments), with the
    same arguments for each: one statement, whatever the number of parents. Each page's
    `query` is its parent's rows, for totalCount; `count_each` counts them all at once."""
    plan = _plan(query, key, descending, first, after, last, before, max_size)
    rows: dict[int, list] = {parent_id: [] for parent_id in parent_ids}
    if rows:
        window = plan.window.filter(**{f"{parent}__in": list(rows)})
        for row in await _first_of_each(window, parent, plan.order, plan.size + 1):
            rows[getattr(row, parent)].append(row)
    return {
        parent_id: _page(plan, key, found, after, before, query.filter(**{parent: parent_id}))
        for parent_id, found in rows.items()
    }


async def _first_of_each(query: QuerySet, parent: str, order: list[str], limit: int) -> list:
    """The first `limit` rows of each `parent` in `order`, in one statement: ROW_NUMBER()
    numbers each parent's rows. Tortoise has no window functions, so its query (the access
    scope, the filters) is wrapped by hand in SQL that SQLite and PostgreSQL both run."""
    model = query.model
    table = model._meta.basetable
    rank = RowNumber().over(table[parent])
    for column in order:
        direction = Order.desc if column.startswith("-") else Order.asc
        rank = rank.orderby(table[column.lstrip("-")], order=direction)
    page = Subquery(query.order_by().annotate(page_rank=rank)).as_("page")
    db = model._meta.db
    outer = (
        db.query_class.from_(page)
        .select("*")
        .where(Field("page_rank", table=page) <= limit)
        .orderby(Field(parent, table=page), Field("page_rank", table=page))
    )
    sql, values = outer.get_parameterized_sql()
    return await db.executor_class(model=model, db=db).execute_select(sql, values)


async def count_each(query: QuerySet, parent: str, parent_ids: Iterable[int]) -> dict[int, int]:
    """How many rows of `query` each parent has, in one statement."""
    counts = dict.fromkeys(parent_ids, 0)
    if counts:
        found = (
            await query.filter(**{f"{parent}__in": list(counts)})
            .order_by()  # a listing's order has no place in GROUP BY
            .annotate(page_total=Count("id"))
            .group_by(parent)
            .values_list(parent, "page_total")
        )
        counts.update(found)
    return counts


# A bounded totalCount counts this many rows at most: a cost of one page of an index, not
# of the whole table, whatever the filter matches.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Total:
    """A count of rows; not `exact` when counting stopped at its limit (there are more)."""

    count: int
    exact: bool


async def bounded_count(query: QuerySet, limit: int | None = None) -> Total:
    """How many rows `query` selects, up to `limit` (COUNT_LIMIT by default): `SELECT
    COUNT(*) FROM (SELECT id ... LIMIT limit + 1)`, which reads at most limit + 1 matching
    rows, through the same indexes as the page."""
    limit = COUNT_LIMIT if limit is None else limit
    model = query.model
    db = model._meta.db
    capped = Subquery(query.order_by().limit(limit + 1).values("id")).as_("capped")
    counted = db.query_class.from_(capped).select(CountRows(Star()).as_("n"))
    sql, values = counted.get_parameterized_sql()
    _, rows = await db.execute_query(sql, values)
    found = rows[0]["n"]
    return Total(min(found, limit), found <= limit)
