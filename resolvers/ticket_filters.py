"""The ticket grid's filter, declared once. Each field of `TicketFilter` carries its rule: the
GraphQL input name its errors use, its SQL predicate (and what it looks up first, for the
search boxes), its in-memory twin for live events, the ticket facts that twin reads, and its
input checks. The grid query (`conditions`), live
matching (`matches`), `validate` and the GraphQL input (schema/ticket_filters.py) are all
generated from it, and tests/test_tickets_filters.py checks SQL and memory agree on every
field: adding a filter is one entry here (plus a migration if it needs a column)."""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import Field, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from helpdesk.models import (
    Channel,
    Contact,
    Organization,
    Priority,
    Status,
    Ticket,
    ticket_id_of,
)
from helpdesk.models.text_index import OPEN_TICKETS_FTS
from helpdesk.resolvers.errors import ErrorCode, InvalidInput
from helpdesk.resolvers.search import checked, keywords_filter, text_search, wildcard_matches
from helpdesk.resolvers.validation import Checks

# Dates outside these are typos or probes: 9999-12-31 plus the day that makes "to"
# inclusive overflows Python's dates, and the databases disagree about year 1.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
MAX_FILTER_IDS = 100  # categories or modules named in one filter
MAX_FOUND_IDS = 100  # related rows a search box's lookup passes as a list of ids
MAX_TICKET_ID = 2**31 - 1  # ids are 32-bit: PostgreSQL refuses a larger parameter


def _read(path: str) -> dict[str, Callable[[Ticket], Any]]:
    """A fact's metadata: how it is read from the ticket (an attribute path)."""
    return {"read": attrgetter(path)}


@dataclass(frozen=True)
class TicketFacts:
    """What the filters read of a ticket, for matching live events in memory. Each fact says
    how `facts_of` reads it from a ticket with its organization and primary contact loaded."""

    id: int = field(metadata=_read("id"))
    organization_id: int = field(metadata=_read("organization_id"))
    organization_name: str = field(metadata=_read("organization.name"))
    primary_contact_id: int = field(metadata=_read("primary_contact_id"))
    primary_contact_name: str = field(metadata=_read("primary_contact.name"))
    primary_contact_email: str = field(metadata=_read("primary_contact.email"))
    owner_id: int | None = field(metadata=_read("owner_id"))
    status: Status = field(metadata=_read("status"))
    priority: Priority = field(metadata=_read("priority"))
    category_id: int = field(metadata=_read("category_id"))
    module_id: int | None = field(metadata=_read("module_id"))
    channel: Channel = field(metadata=_read("channel"))
    summary: str = field(metadata=_read("summary"))
    created_at: datetime = field(metadata=_read("created_at"))
    updated_at: datetime = field(metadata=_read("updated_at"))


_READERS: dict[str, Callable[[Ticket], Any]] = {
    f.name: f.metadata["read"] for f in fields(TicketFacts)
}


def facts_of(ticket: Ticket) -> TicketFacts:
    """`ticket` with its organization and primary contact loaded."""
    return TicketFacts(**{name: read(ticket) for name, read in _READERS.items()})


# A check adds problems for one given value: (checks, input name, value, whole filter).
Check = Callable[[Checks, str, Any, "TicketFilter"], None]


@dataclass(frozen=True)
class Rule:
    """How one filter field filters. Applied only when the field is given (not None, "" or
    []); a rule may read the whole filter, for rules that join fields."""

    input: str  # the GraphQL input field; errors name it
    sql: Callable[[Any, "TicketFilter"], Q]
    memory: Callable[[Any, TicketFacts, "TicketFilter"], bool]
    facts: tuple[str, ...]  # the TicketFacts that `memory` reads
    checks: tuple[Check, ...] = ()
    description: str | None = None  # shown in the GraphQL schema
    id_type: str | None = None  # in GraphQL the values are global IDs of this node type
    # What `sql` takes instead of the value, read from the database before the statement.
    lookup: Callable[[Any, "TicketFilter"], Awaitable[Any]] | None = None


def _rule(rule: Rule) -> dict[str, Rule]:
    """A filter field's metadata."""
    return {"rule": rule}


def _q(lookup: str, value: Any) -> Q:
    return Q(**{lookup: value})


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _distinct(items: list) -> list:
    """A list repeated a thousand times is still one short IN (...)."""
    return list(dict.fromkeys(items))


# Checks.


def _search_text(checks: Checks, name: str, value: str, f: "TicketFilter") -> None:
    try:
        checked(name, value)
    except InvalidInput as error:
        for p in error.problems:
            checks.add(p.field, p.code, p.message)


def _date_in_range(checks: Checks, name: str, value: date, f: "TicketFilter") -> None:
    if not EARLIEST <= value <= LATEST:
        checks.add(name, ErrorCode.OUT_OF_RANGE, f"{name} must be from {EARLIEST} to {LATEST}")


def _few_ids(checks: Checks, name: str, value: list, f: "TicketFilter") -> None:
    if len(_distinct(value)) > MAX_FILTER_IDS:
        checks.add(name, ErrorCode.TOO_MANY, f"{name} may name at most {MAX_FILTER_IDS} items")


def _not_before(start: str, start_input: str) -> Check:
    def check(checks: Checks, name: str, value: date, f: "TicketFilter") -> None:
        begin = getattr(f, start)
        if begin is not None and value < begin:
            checks.add(name, ErrorCode.BEFORE_FROM, f"{name} is before {start_input}")

    return check


# Rules, by kind.


def _equals(name: str, column: str, **kw: Any) -> dict[str, Rule]:
    """The column (and the fact of the same name) equals the value."""
    return _rule(
        Rule(
            name,
            sql=lambda v, f: _q(column, v),
            memory=lambda v, t, f: getattr(t, column) == v,
            facts=(column,),
            **kw,
        )
    )


def _any_of(name: str, column: str, **kw: Any) -> dict[str, Rule]:
    """The column is one of the listed values."""
    return _rule(
        Rule(
            name,
            sql=lambda v, f: _q(f"{column}__in", _distinct(v)),
            memory=lambda v, t, f: getattr(t, column) in v,
            facts=(column,),
            **kw,
        )
    )


def _wildcard(
    name: str, key: str, model: type[Model], columns: dict[str, str], description: str
) -> dict[str, Rule]:
    """Any of the columns of the related `model` (each with its fact) matches the search
    text; the ticket's `key` names the row. The related rows are looked up first (through
    their trigram index, resolvers/search.py), and the tickets sought by `key`'s index among
    their ids, given as a list: SQLite plans any `IN (SELECT ...)` for 25 rows, so once a
    contact or organization averages a few hundred open tickets it walks every open ticket
    instead, where a list's length tells it how few it seeks (and an empty list, nothing).
    Beyond MAX_FOUND_IDS related rows the subquery stays, which keeps the statement short."""

    def found(v: str) -> QuerySet:
        # In id order, not the model's default (by name): nothing to sort.
        return model.filter(text_search(model, list(columns), v, field=name)).order_by("id")

    async def lookup(v: str, f: "TicketFilter") -> list[int] | Subquery:
        rows = await found(v).limit(MAX_FOUND_IDS + 1).values("id")
        if len(rows) > MAX_FOUND_IDS:
            return Subquery(found(v).values("id"))
        return [row["id"] for row in rows]

    return _rule(
        Rule(
            name,
            sql=lambda ids, f: _q(f"{key}__in", ids),
            memory=lambda v, t, f: any(
                wildcard_matches(v, getattr(t, fact)) for fact in columns.values()
            ),
            facts=tuple(columns.values()),
            checks=(_search_text,),
            description=description,
            lookup=lookup,
        )
    )


def _from_day(name: str, column: str) -> dict[str, Rule]:
    """The column is on or after the start of the day (UTC)."""
    return _rule(
        Rule(
            name,
            sql=lambda v, f: _q(f"{column}__gte", _day_start(v)),
            memory=lambda v, t, f: getattr(t, column) >= _day_start(v),
            facts=(column,),
            checks=(_date_in_range,),
        )
    )


def _to_day(name: str, column: str, start: str, start_input: str) -> dict[str, Rule]:
    """The column is before the end of the day: the whole "to" day is included."""
    return _rule(
        Rule(
            name,
            sql=lambda v, f: _q(f"{column}__lt", _day_start(v + timedelta(days=1))),
            memory=lambda v, t, f: getattr(t, column) < _day_start(v + timedelta(days=1)),
            facts=(column,),
            checks=(_date_in_range, _not_before(start, start_input)),
            description="Inclusive.",
        )
    )


# The statuses a ticket is open in: ranks below RESOLVED. "status < 4" is the condition of
# the partial indexes over open tickets (migration 0008), which hold the few tickets a help
# desk works on (most are resolved or closed): the planner sees how few from their size.
OPEN = frozenset(s for s in Status if s < Status.RESOLVED)


def _statuses_sql(statuses: list[Status]) -> Q:
    """`status IN (...)`, written as the open-ticket indexes' condition when it names
    exactly the open statuses, and as nothing when it names them all."""
    named = set(statuses)
    if named == OPEN:
        return Q(status__lt=Status.RESOLVED)
    if named == set(Status):
        return Q()
    return _q("status__in", _distinct(statuses))


def _shown_statuses(f: "TicketFilter") -> Q:
    """The two flags' SQL as one condition the status indexes serve, where
    "status <> 4 AND status <> 5" would read every ticket."""
    hidden = {s for s, shown in FLAGS.items() if not getattr(f, shown)}
    if not hidden or f.statuses:
        return Q()
    return _statuses_sql([s for s in Status if s not in hidden])


def _shows(name: str, status: Status) -> dict[str, Rule]:
    """Tickets in `status` are hidden unless this flag is set or `statuses` is given. The
    first flag's SQL applies both (`_shown_statuses`); the memory twins check one each."""
    first = status is min(FLAGS)
    return _rule(
        Rule(
            name,
            sql=lambda v, f: _shown_statuses(f) if first else Q(),
            memory=lambda v, t, f: v or bool(f.statuses) or t.status is not status,
            facts=("status",),
        )
    )


def _shows_only_open(f: "TicketFilter") -> bool:
    """The status condition (the statuses named, else the flags') keeps to open tickets."""
    if f.statuses:
        return set(f.statuses) <= OPEN
    return not any(getattr(f, shown) for shown in FLAGS.values())


def _summary_sql(text: str, f: "TicketFilter") -> Q:
    """Through the summaries of open tickets alone (migration 0010) when the status
    condition keeps to them, as the default view does: a common word is in tens of
    thousands of closed tickets' summaries, which the index of every ticket would list."""
    fts = OPEN_TICKETS_FTS if _shows_only_open(f) else None
    return keywords_filter(Ticket, "summary", text, fts=fts)


def _number_sql(number: int, f: "TicketFilter") -> Q:
    ticket_id = ticket_id_of(number)
    return Q(id=ticket_id) if 0 < ticket_id <= MAX_TICKET_ID else Q(id__in=[])  # no such id


# The statuses hidden by default, each with the flag that shows it.
FLAGS = {Status.RESOLVED: "include_resolved", Status.CLOSED: "include_closed"}


@dataclass
class TicketFilter:
    """Every search box of the two seeds, each with its rule. Unset means "any"."""

    number: int | None = field(
        default=None,
        metadata=_rule(
            Rule(
                "number",
                sql=_number_sql,
                memory=lambda v, t, f: t.id == ticket_id_of(v),
                facts=("id",),
            )
        ),
    )
    primary_contact: str | None = field(
        default=None,
        metadata=_wildcard(
            "primaryContact",
            "primary_contact_id",
            Contact,
            {"name": "primary_contact_name", "email": "primary_contact_email"},
            description="Name or e-mail; `*` is a wildcard. Text between wildcards of three "
            "characters or more is looked up in an index; shorter text still filters.",
        ),
    )
    primary_contact_id: int | None = field(
        default=None, metadata=_equals("primaryContactId", "primary_contact_id", id_type="Contact")
    )
    organization_name: str | None = field(
        default=None,
        metadata=_wildcard(
            "organizationName",
            "organization_id",
            Organization,
            {"name": "organization_name"},
            description="`*` is a wildcard. Text between wildcards of three characters or "
            "more is looked up in an index; shorter text still filters.",
        ),
    )
    organization_id: int | None = field(
        default=None,
        metadata=_equals("organizationId", "organization_id", id_type="Organization"),
    )
    owner_id: int | None = field(  # "Assigned to"
        default=None, metadata=_equals("assignedToId", "owner_id", id_type="Contact")
    )
    unassigned: bool | None = field(
        default=None,
        metadata=_rule(
            Rule(
                "unassigned",
                sql=lambda v, f: Q(owner_id__isnull=v),
                memory=lambda v, t, f: (t.owner_id is None) == v,
                facts=("owner_id",),
            )
        ),
    )
    statuses: list[Status] = field(
        default_factory=list,
        metadata=_rule(
            Rule(
                "status",
                sql=lambda v, f: _statuses_sql(v),
                memory=lambda v, t, f: t.status in v,
                facts=("status",),
                description="Naming RESOLVED or CLOSED here shows them.",
            )
        ),
    )
    priorities: list[Priority] = field(
        default_factory=list, metadata=_any_of("priority", "priority")
    )
    category_ids: list[int] = field(
        default_factory=list,
        metadata=_any_of("categoryId", "category_id", checks=(_few_ids,), id_type="Category"),
    )
    module_ids: list[int] = field(
        default_factory=list,
        metadata=_any_of("moduleId", "module_id", checks=(_few_ids,), id_type="Module"),
    )
    channel: Channel | None = field(default=None, metadata=_equals("channel", "channel"))
    summary: str | None = field(
        default=None,
        metadata=_rule(
            Rule(
                "summary",
                sql=_summary_sql,
                memory=lambda v, t, f: all(w.upper() in t.summary.upper() for w in v.split()),
                facts=("summary",),
                checks=(_search_text,),
                description="Keywords that must all appear in the summary (anywhere, any "
                "case). Words of three characters or more are looked up in an index; shorter "
                "ones still filter, among the tickets the rest of the filter selects.",
            )
        ),
    )
    created_from: date | None = field(default=None, metadata=_from_day("createdFrom", "created_at"))
    created_to: date | None = field(
        default=None, metadata=_to_day("createdTo", "created_at", "created_from", "createdFrom")
    )
    updated_from: date | None = field(default=None, metadata=_from_day("updatedFrom", "updated_at"))
    updated_to: date | None = field(
        default=None, metadata=_to_day("updatedTo", "updated_at", "updated_from", "updatedFrom")
    )
    # Resolved and closed tickets are hidden unless asked for (seed 003's checkboxes),
    # or unless `statuses` names them.
    include_resolved: bool = field(
        default=False, metadata=_shows("includeResolved", Status.RESOLVED)
    )
    include_closed: bool = field(default=False, metadata=_shows("includeClosed", Status.CLOSED))


def rule_of(f: Field) -> Rule:
    return f.metadata["rule"]


RULES: dict[str, Rule] = {f.name: rule_of(f) for f in fields(TicketFilter)}


def _given(f: TicketFilter) -> Iterator[tuple[Rule, Any]]:
    for name, rule in RULES.items():
        value = getattr(f, name)
        if value is not None and value != "" and value != []:
            yield rule, value


def validate(f: TicketFilter) -> None:
    """Raises every problem of the filter at once, as the grid would."""
    checks = Checks()
    for rule, value in _given(f):
        for check in rule.checks:
            check(checks, rule.input, value, f)
    checks.done()


async def conditions(f: TicketFilter) -> Q:
    """The filter as SQL, for `access.tickets(viewer).filter(...)`; the rules with a lookup
    read the database first."""
    validate(f)  # first: a date out of range would overflow below
    q = Q()
    for rule, value in _given(f):
        if rule.lookup is not None:
            value = await rule.lookup(value, f)
        q &= rule.sql(value, f)
    return q


def matches(f: TicketFilter, t: TicketFacts) -> bool:
    """The in-memory twin of `conditions`, for live events. `f` is validated."""
    return all(rule.memory(value, t, f) for rule, value in _given(f))
