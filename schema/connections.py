"""Relay connections with keyset cursors and a lazily counted totalCount."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from helpdesk.resolvers.pagination import COUNT_LIMIT, Page, SortKey, Total, paginate
from helpdesk.schema.execution import plain
from helpdesk.schema.loaders import PageArgs, Paged

T = TypeVar("T")


def _cursor(edge: "Edge", _loaders: object) -> str:
    return edge._page.cursor(edge._item)


def _edge_cursor(root: "Edge") -> str:
    return _cursor(root, None)


@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(resolver=_edge_cursor, metadata=plain(_cursor))
    node: T
    _page: strawberry.Private[Page]
    _item: strawberry.Private[Any]  # the row the node was made of


def _nodes(connection: "Connection", _loaders: object) -> list:
    return [edge.node for edge in connection.edges]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: relay.PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int | Total]]]
    _total: strawberry.Private[asyncio.Future | None] = None  # of an int or a Total

    async def _counted(self) -> Total:
        """One count for both fields, however many ask."""
        if self._total is None:
            self._total = asyncio.ensure_future(self._count())
        total = await self._total
        return total if isinstance(total, Total) else Total(total, exact=True)

    @strawberry.field(
        description="How many items match, over all pages. The ticket grid counts at most "
        f"{COUNT_LIMIT:,} tickets: when more match, this is {COUNT_LIMIT:,} and "
        "totalCountIsExact is false. Other lists count exactly."
    )
    async def total_count(self) -> int:
        return (await self._counted()).count

    @strawberry.field(description="False when totalCount stopped at its bound: more items match.")
    async def total_count_is_exact(self) -> bool:
        return (await self._counted()).exact

    @strawberry.field(
        description="The nodes of this page, without their cursors.", metadata=plain(_nodes)
    )
    def nodes(self) -> list[T]:
        return _nodes(self, None)


def connection(
    page: Page,
    convert: Callable,
    count: Callable[[], Awaitable[int | Total]] | None = None,
    counting: asyncio.Future | None = None,
) -> Connection:
    """`count` answers totalCount when a loader counts for many pages at once; by default
    the page's query is counted. `counting` is that count, already under way."""
    edges = [Edge(node=convert(item), _page=page, _item=item) for item in page.items]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursor(page.items[0]) if page.items else None,
            end_cursor=page.cursor(page.items[-1]) if page.items else None,
        ),
        _count=count or page.query.count,
        _total=counting,
    )


async def nested_connection(
    info: strawberry.Info,
    paged: Paged,
    parent_id: int,
    convert: Callable,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection:
    """A connection under one parent of many (a ticket's comments in a grid), loaded with
    its siblings; the page size defaults to the largest, as on the root lists."""
    args = PageArgs(first, after, last, before, info.context.settings.max_page_size)
    page = await paged.page(parent_id, args)
    return connection(page, convert, count=lambda: paged.count(parent_id))


async def list_connection(
    info: strawberry.Info,
    query: QuerySet,
    key: SortKey,
    convert: Callable,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    descending: bool = False,
) -> Connection:
    """A root list (organizations, contacts, the Data Log) as a page of `query`; the page
    size defaults to the largest."""
    page = await paginate(
        query,
        key,
        descending=descending,
        first=first,
        after=after,
        last=last,
        before=before,
        max_size=info.context.settings.max_page_size,
    )
    return connection(page, convert)
