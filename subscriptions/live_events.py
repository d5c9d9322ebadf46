"""A batch of committed log events, loaded once for every live subscription of the process:
each ticket event carries the ticket's filter facts before and after it."""

from dataclasses import dataclass, replace

from helpdesk.models import (
    Change,
    Contact,
    LogEvent,
    LogKind,
    Organization,
    Priority,
    Status,
    Ticket,
)
from helpdesk.resolvers.ticket_filters import TicketFacts, facts_of

# Reverting a change: its key in `changes` -> (facts attribute, how to read the old value).
REVERSIBLE = {
    Change.STATUS: ("status", lambda v: Status[v]),
    Change.PRIORITY: ("priority", lambda v: Priority[v]),
    Change.OWNER_ID: ("owner_id", lambda v: v),
    Change.CATEGORY_ID: ("category_id", lambda v: v),
    Change.MODULE_ID: ("module_id", lambda v: v),
    Change.SUMMARY: ("summary", lambda v: v),
}


@dataclass(frozen=True)
class LiveEvent:
    event: LogEvent
    ticket: Ticket | None
    before: TicketFacts | None  # None: the ticket did not exist before this event
    after: TicketFacts | None


def _old_values(events: list[LogEvent], key: Change) -> set[int]:
    return {
        e.changes[key][0]
        for e in events
        if isinstance(e.changes.get(key), list) and e.changes[key][0] is not None
    }


async def load(events: list[LogEvent]) -> list[LiveEvent]:
    """Three queries at most, whatever the number of events and subscribers."""
    ticket_ids = {e.ticket_id for e in events if e.ticket_id is not None}
    tickets = {
        t.id: t
        for t in await Ticket.filter(id__in=ticket_ids).select_related(
            "organization", "primary_contact"
        )
    }
    old_orgs = {
        o.id: o
        for o in await Organization.filter(id__in=_old_values(events, Change.ORGANIZATION_ID))
    }
    old_contacts = {
        c.id: c for c in await Contact.filter(id__in=_old_values(events, Change.PRIMARY_CONTACT_ID))
    }

    # Walk each ticket's events newest first: the state before one event is the state after
    # the previous one.
    states: dict[int, TicketFacts | None] = {i: facts_of(t) for i, t in tickets.items()}
    out: list[LiveEvent] = []
    for event in reversed(events):
        ticket = tickets.get(event.ticket_id) if event.ticket_id is not None else None
        if ticket is None:
            out.append(LiveEvent(event, None, None, None))
            continue
        after = states[ticket.id]
        before = None
        if after is not None and event.kind is not LogKind.TICKET_CREATED:
            before = _revert(after, event.changes, old_orgs, old_contacts)
        states[ticket.id] = before
        out.append(LiveEvent(event, ticket, before, after))
    out.reverse()
    return out


def _revert(facts: TicketFacts, changes: dict, old_orgs: dict, old_contacts: dict) -> TicketFacts:
    values = {}
    for key, (attr, read) in REVERSIBLE.items():
        if isinstance(changes.get(key), list):
            values[attr] = read(changes[key][0])
    if isinstance(changes.get(Change.ORGANIZATION_ID), list):
        org = old_orgs.get(changes[Change.ORGANIZATION_ID][0])
        values["organization_id"] = changes[Change.ORGANIZATION_ID][0]
        values["organization_name"] = org.name if org else ""
    if isinstance(changes.get(Change.PRIMARY_CONTACT_ID), list):
        contact = old_contacts.get(changes[Change.PRIMARY_CONTACT_ID][0])
        values["primary_contact_id"] = changes[Change.PRIMARY_CONTACT_ID][0]
        values["primary_contact_name"] = contact.name if contact else ""
        values["primary_contact_email"] = contact.email if contact else ""
    return replace(facts, **values)
