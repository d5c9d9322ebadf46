"""The status workflow, as one table. Read it as the documentation:

OPEN ──assign/work──> IN_PROGRESS <──customer replies── WAITING_ON_CUSTOMER
  │                       │  └──agent asks customer──────────────^
  └──────────agent marks resolved──────> RESOLVED ──customer confirms──> CLOSED
                                            └──customer: not resolved──> OPEN
customer closes own ticket ─────────────────────────────────────────────> CLOSED
"""

from helpdesk.models import LogKind, Role, Status
from helpdesk.resolvers.errors import Forbidden, IllegalTransition
from helpdesk.resolvers.viewer import Viewer

STAFF = frozenset({Role.AGENT, Role.ADMIN})
CUSTOMER = frozenset({Role.CUSTOMER})
ANYONE = STAFF | CUSTOMER

OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED = (
    Status.OPEN,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CUSTOMER,
    Status.RESOLVED,
    Status.CLOSED,
)

# (from, to) -> who may make that move.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Role]] = {
    (OPEN, IN_PROGRESS): STAFF,  # assigned or picked up
    (OPEN, WAITING): STAFF,
    (IN_PROGRESS, OPEN): STAFF,  # handed back to the queue
    (IN_PROGRESS, WAITING): STAFF,  # agent asks the customer
    (WAITING, IN_PROGRESS): ANYONE,  # customer replied, or agent resumed
    (WAITING, OPEN): STAFF,
    (OPEN, RESOLVED): STAFF,
    (IN_PROGRESS, RESOLVED): STAFF,
    (WAITING, RESOLVED): STAFF,
    (RESOLVED, CLOSED): ANYONE,  # customer confirms; staff close
    (RESOLVED, OPEN): ANYONE,  # customer: not resolved; staff reopen
    (OPEN, CLOSED): ANYONE,  # a customer closes their own ticket
    (IN_PROGRESS, CLOSED): ANYONE,
    (WAITING, CLOSED): ANYONE,
}

# The log event each move writes, where it is more than a plain status change.
EVENT_KINDS: dict[tuple[Status, Status], LogKind] = {
    (RESOLVED, OPEN): LogKind.REOPENED,
    **{(source, RESOLVED): LogKind.RESOLVED for source in (OPEN, IN_PROGRESS, WAITING)},
    **{(source, CLOSED): LogKind.CLOSED for source in (OPEN, IN_PROGRESS, WAITING, RESOLVED)},
}


def check(current: Status, target: Status, viewer: Viewer) -> None:
    if current is target:
        raise IllegalTransition(f"the ticket is already {current.name}")
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise IllegalTransition(f"a ticket cannot go from {current.name} to {target.name}")
    if viewer.role not in allowed:
        raise Forbidden(
            f"a {viewer.role.value.lower()} cannot move a ticket from {current.name} "
            f"to {target.name}"
        )


def event_kind(current: Status, target: Status) -> LogKind:
    return EVENT_KINDS.get((current, target), LogKind.STATUS_CHANGED)
