"""The ticket grid (seed 003's Help Desk main page, seed 000's Manage Tickets): filters,
sorting and pages."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.functions import Count

from helpdesk.models import Channel, Priority, Status, ticket_id_of
from helpdesk.resolvers import access
from helpdesk.resolvers.pagination import DATETIME, INT, Page, SortKey, paginate
from helpdesk.resolvers.search import checked, wildcard_filter, wildcard_matches
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_viewer

# Dates outside these are typos or probes: 9999-12-31 plus the day that makes "to"
# inclusive overflows Python's dates, and the databases disagree about year 1.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
MAX_FILTER_IDS = 100  # categories or modules named in one filter


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


def _distinct(items: list) -> list:
    """A list repeated a thousand times is still one short IN (...)."""
    return list(dict.fromkeys(items))


def _check_dates(checks: Checks, f: TicketFilter) -> None:
    for name, value in (
        ("createdFrom", f.created_from),
        ("createdTo", f.created_to),
        ("updatedFrom", f.updated_from),
        ("updatedTo", f.updated_to),
    ):
        if value is not None and not EARLIEST <= value <= LATEST:
            checks.add(name, "OUT_OF_RANGE", f"{name} must be from {EARLIEST} to {LATEST}")


def _check_lists(checks: Checks, f: TicketFilter) -> None:
    for name, ids in (("categoryId", f.category_ids), ("moduleId", f.module_ids)):
        if len(_distinct(ids)) > MAX_FILTER_IDS:
            checks.add(name, "TOO_MANY", f"{name} may name at most {MAX_FILTER_IDS} items")


def _conditions(f: TicketFilter) -> Q:
    checks = Checks()
    _check_dates(checks, f)
    _check_lists(checks, f)
    checks.done()  # before building: a date out of range would overflow below
    q = Q()
    if f.number is not None:
        q &= Q(id=ticket_id_of(f.number))
    if f.primary_contact:
        q &= wildcard_filter(
            "primary_contact__name", f.primary_contact, field="primaryContact"
        ) | wildcard_filter("primary_contact__email", f.primary_contact, field="primaryContact")
    if f.primary_contact_id is not None:
        q &= Q(primary_contact_id=f.primary_contact_id)
    if f.organization_name:
        q &= wildcard_filter("organization__name", f.organization_name, field="organizationName")
    if f.organization_id is not None:
        q &= Q(organization_id=f.organization_id)
    if f.owner_id is not None:
        q &= Q(owner_id=f.owner_id)
    if f.unassigned is not None:
        q &= Q(owner_id__isnull=f.unassigned)
    if f.statuses:
        q &= Q(status__in=_distinct(f.statuses))
    else:
        hidden = [Status.RESOLVED] * (not f.include_resolved) + [Status.CLOSED] * (
            not f.include_closed
        )
        if hidden:
            q &= ~Q(status__in=hidden)
    if f.priorities:
        q &= Q(priority__in=_distinct(f.priorities))
    if f.category_ids:
        q &= Q(category_id__in=_distinct(f.category_ids))
    if f.module_ids:
        q &= Q(module_id__in=_distinct(f.module_ids))
    if f.channel is not None:
        q &= Q(channel=f.channel)
    if f.summary:
        for word in checked("summary", f.summary).split():
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


@dataclass(frozen=True)
class TicketFacts:
    """What the grid's filters look at, for matching live events in memory. Built from a
    ticket with its organization and primary contact loaded."""

    id: int
    organization_id: int
    organization_name: str
    primary_contact_id: int
    primary_contact_name: str
    primary_contact_email: str
    owner_id: int | None
    status: Status
    priority: Priority
    category_id: int
    module_id: int | None
    channel: Channel
    summary: str
    created_at: datetime
    updated_at: datetime


def matches(f: TicketFilter, t: TicketFacts) -> bool:
    """The in-memory twin of `_conditions`: a test checks they agree on every filter."""
    if f.number is not None and t.id != ticket_id_of(f.number):
        return False
    if f.primary_contact and not (
        wildcard_matches(f.primary_contact, t.primary_contact_name)
        or wildcard_matches(f.primary_contact, t.primary_contact_email)
    ):
        return False
    if f.primary_contact_id is not None and t.primary_contact_id != f.primary_contact_id:
        return False
    if f.organization_name and not wildcard_matches(f.organization_name, t.organization_name):
        return False
    if f.organization_id is not None and t.organization_id != f.organization_id:
        return False
    if f.owner_id is not None and t.owner_id != f.owner_id:
        return False
    if f.unassigned is not None and (t.owner_id is None) != f.unassigned:
        return False
    if f.statuses:
        if t.status not in f.statuses:
            return False
    elif (t.status is Status.RESOLVED and not f.include_resolved) or (
        t.status is Status.CLOSED and not f.include_closed
    ):
        return False
    if f.priorities and t.priority not in f.priorities:
        return False
    if f.category_ids and t.category_id not in f.category_ids:
        return False
    if f.module_ids and t.module_id not in f.module_ids:
        return False
    if f.channel is not None and t.channel is not f.channel:
        return False
    if f.summary and not all(w.lower() in t.summary.lower() for w in f.summary.split()):
        return False
    for start, end, value in (
        (f.created_from, f.created_to, t.created_at),
        (f.updated_from, f.updated_to, t.updated_at),
    ):
        if start and value < _day_start(start):
            return False
        if end and value >= _day_start(end + timedelta(days=1)):
            return False
    return True


@dataclass(frozen=True)
class TicketStats:
    total: int
    by_status: dict[Status, int]
    by_priority: dict[Priority, int]


async def stats(viewer: Viewer | None, f: TicketFilter) -> TicketStats:
    """Counts for a dashboard: how many matching tickets per status and per priority."""
    viewer = require_viewer(viewer)
    query = access.tickets(viewer).filter(_conditions(f))
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


def validate(f: TicketFilter) -> None:
    """Raises the same errors the grid would for this filter."""
    _conditions(f)
