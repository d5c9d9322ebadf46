"""The ticket grid (seed 003's Help Desk main page, seed 000's Manage Tickets): sorting,
pages and counts of the tickets a filter (declared in ticket_filters) selects."""

from dataclasses import dataclass
from enum import StrEnum

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from helpdesk.models import Priority, Status, Ticket
from helpdesk.resolvers import access, ticket_filters
from helpdesk.resolvers.pagination import DATETIME, INT, Page, SortKey, paginate
from helpdesk.resolvers.viewer import Viewer, require_viewer

# The filter is declared in ticket_filters; the grid's callers know it by these names.
TicketFilter = ticket_filters.TicketFilter
TicketFacts = ticket_filters.TicketFacts
matches = ticket_filters.matches
validate = ticket_filters.validate


class TicketSort(StrEnum):
    NUMBER = "NUMBER"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    PRIORITY = "PRIORITY"
    STATUS = "STATUS"


# Ticket ids are 32-bit; priority and status are stored as their enum's rank.
SORT_KEYS = {
    TicketSort.NUMBER: SortKey("id", decode=INT, decode_id=INT),
    TicketSort.CREATED_AT: SortKey("created_at", **DATETIME, decode_id=INT),
    TicketSort.UPDATED_AT: SortKey("updated_at", **DATETIME, decode_id=INT),
    TicketSort.PRIORITY: SortKey("priority", decode=lambda v: Priority(INT(v)), decode_id=INT),
    TicketSort.STATUS: SortKey("status", decode=lambda v: Status(INT(v)), decode_id=INT),
}


async def matching(viewer: Viewer | None, f: TicketFilter) -> QuerySet[Ticket]:
    """The tickets the viewer may see that the filter selects (its lookups read first)."""
    viewer = require_viewer(viewer)
    return access.tickets(viewer).filter(await ticket_filters.conditions(f))


async def page_of(
    query: QuerySet[Ticket],
    *,
    sort: TicketSort = TicketSort.NUMBER,
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    max_size: int = 100,
) -> Page:
    """A page of `matching` tickets."""
    return await paginate(
        query,
        SORT_KEYS[sort],
        descending=descending,
        first=first,
        after=after,
        last=last,
        before=before,
        max_size=max_size,
    )


@dataclass(frozen=True)
class TicketStats:
    total: int
    by_status: dict[Status, int]
    by_priority: dict[Priority, int]


async def stats(viewer: Viewer | None, f: TicketFilter) -> TicketStats:
    """Counts for a dashboard: how many matching tickets per status and per priority."""
    query = await matching(viewer, f)
    by_status = {s: 0 for s in Status}
    by_priority = {p: 0 for p in Priority}
    rows = (
        await query.annotate(n=Count("id"))
        .group_by("status", "priority")
        .values("status", "priority", "n")
    )
    for row in rows:
        by_status[Status(row["status"])] += row["n"]
        by_priority[Priority(row["priority"])] += row["n"]
    return TicketStats(sum(by_status.values()), by_status, by_priority)
