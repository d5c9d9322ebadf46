"""Relay connections with keyset cursors and a lazily counted totalCount."""

from typing import Generic, TypeVar

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from helpdesk.resolvers.pagination import Page

T = TypeVar("T")


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: relay.PageInfo
    _query: strawberry.Private[QuerySet]

    @strawberry.field(description="How many items match, over all pages.")
    async def total_count(self) -> int:
        return await self._query.count()

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(page: Page, convert) -> Connection:
    edges = [
        Edge(cursor=c, node=convert(item)) for c, item in zip(page.cursors, page.items, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _query=page.query,
    )
