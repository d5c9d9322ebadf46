"""The ticket grid (seed 003's Help Desk main page, seed 000's Manage Tickets): filters,
sorting and pages."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tortoise.expressions import Q

from helpdesk.models import NUMBER_OFFSET, Channel, Priority, Status
from helpdesk.resolvers import access
from helpdesk.resolvers.pagination import DATETIME, Page, SortKey, paginate
from helpdesk.resolvers.search import wildcard_filter
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_viewer


class TicketSort(StrEnum):
    NUMBER = "NUMBER"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    PRIORITY = "PRIORITY"
    STATUS = "STATUS"


SORT_KEYS = {
    TicketSort.NUMBER: SortKey("id"),
    TicketSort.CREATED_AT: SortKey("created_at", **DATETIME),
    TicketSort.UPDATED_AT: SortKey("updated_at", **DATETIME),
    TicketSort.PRIORITY: SortKey("priority"),
    TicketSort.STATUS: SortKey("status"),
}


@dataclass
class TicketFilter:
    """Every search box of the two seeds. Unset means "any"."""

    number: int | None = None
    primary_contact: str | None = None  # name or e-mail, `*` wildcards
    primary_contact_id: int | None = None
    organization_name: str | None = None  # `*` wildcards
    organization_id: int | None = None
    owner_id: int | None = None  # "Assigned to"
    unassigned: bool | None = None
    statuses: list[Status] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    module_ids: list[int] = field(default_factory=list)
    channel: Channel | None = None
    summary: str | None = None  # keywords, all must appear
    created_from: date | None = None
    created_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    # Resolved and closed tickets are hidden unless asked for (seed 003's checkboxes),
    # or unless `statuses` names them.
    include_resolved: bool = False
    include_closed: bool = False


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(f: TicketFilter) -> Q:
    checks = Checks()
    q = Q()
    if f.number is not None:
        q &= Q(id=f.number - NUMBER_OFFSET)
    if f.primary_contact:
        q &= wildcard_filter("primary_contact__name", f.primary_contact) | wildcard_filter(
            "primary_contact__email", f.primary_contact
        )
    if f.primary_contact_id is not None:
        q &= Q(primary_contact_id=f.primary_contact_id)
    if f.organization_name:
        q &= wildcard_filter("organization__name", f.organization_name)
    if f.organization_id is not None:
        q &= Q(organization_id=f.organization_id)
    if f.owner_id is not None:
        q &= Q(owner_id=f.owner_id)
    if f.unassigned is not None:
        q &= Q(owner_id__isnull=f.unassigned)
    if f.statuses:
        q &= Q(status__in=f.statuses)
    else:
        hidden = [Status.RESOLVED] * (not f.include_resolved) + [Status.CLOSED] * (
            not f.include_closed
        )
        if hidden:
            q &= ~Q(status__in=hidden)
    if f.priorities:
        q &= Q(priority__in=f.priorities)
    if f.category_ids:
        q &= Q(category_id__in=f.category_ids)
    if f.module_ids:
        q &= Q(module_id__in=f.module_ids)
    if f.channel is not None:
        q &= Q(channel=f.channel)
    if f.summary:
        for word in f.summary.split():
            q &= Q(summary__icontains=word)
    for name, column, start, end in (
        ("created", "created_at", f.created_from, f.created_to),
        ("updated", "updated_at", f.updated_from, f.updated_to),
    ):
        if start and end and start > end:
            checks.add(f"{name}To", "BEFORE_FROM", f"{name}To is before {name}From")
        if start:
            q &= Q(**{f"{column}__gte": _day_start(start)})
        if end:  # the whole "to" day is included
            q &= Q(**{f"{column}__lt": _day_start(end + timedelta(days=1))})
    checks.done()
    return q


async def grid(
    viewer: Viewer | None,
    f: TicketFilter,
    *,
    sort: TicketSort = TicketSort.NUMBER,
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    max_size: int = 100,
) -> Page:
    viewer = require_viewer(viewer)
    query = access.tickets(viewer).filter(_conditions(f))
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
