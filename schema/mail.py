from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers.viewer import require_staff
from helpdesk.schema.connections import Connection, nested_connection
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.nodes import nodes_of

if TYPE_CHECKING:
    from helpdesk.schema.log_events import LogEvent
    from helpdesk.schema.tickets import Ticket

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
MailState = models.MailState
strawberry.enum(
    models.MailState,
    description="PENDING until the mail server takes it (SENT); FAILED if it refused it for "
    "good or kept refusing it. A server that cannot be reached only delays mail.",
)
MailKind = models.MailKind
strawberry.enum(
    models.MailKind,
    description="REPLY: a reply, to everyone on the ticket but its author. CONFIRM_REQUEST: "
    "the ticket was resolved, and its primary contact is asked to confirm.",
)


@strawberry.type(description="A mail about a ticket, and how its delivery is going. Staff only.")
class Mail(relay.Node):
    id: relay.NodeID[int]
    kind: MailKind
    recipients: list[str] = strawberry.field(description="The addresses it goes to.")
    subject: str
    body: str
    message_id: str = strawberry.field(description="Its Message-ID header.")
    state: MailState
    attempts: int = strawberry.field(description="Tries to hand it to the mail server so far.")
    next_attempt_at: datetime = strawberry.field(description="When a PENDING mail is tried next.")
    last_error: str | None = strawberry.field(
        description="The mail server's last refusal or why it could not be reached."
    )
    created_at: datetime
    sent_at: datetime | None
    _model: strawberry.Private[models.OutboxMail]

    @classmethod
    def from_model(cls, m: models.OutboxMail) -> "Mail":
        return cls(
            id=m.id,
            kind=m.kind,
            recipients=list(m.recipients),
            subject=m.subject,
            body=m.body,
            message_id=m.message_id,
            state=m.state,
            attempts=m.attempts,
            next_attempt_at=m.next_attempt_at,
            last_error=m.last_error,
            created_at=m.created_at,
            sent_at=m.sent_at,
            _model=m,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "mail", node_ids, cls.from_model, required)

    @strawberry.field(description="The ticket it is about.")
    async def ticket(
        self, info: strawberry.Info
    ) -> Annotated["Ticket", strawberry.lazy("helpdesk.schema.tickets")] | None:
        from helpdesk.schema.tickets import Ticket

        row = await loaders_of(info).ticket.load(self._model.ticket_id)
        return Ticket.from_model(row) if row else None

    @strawberry.field(description="The change that caused it.")
    async def log_event(
        self, info: strawberry.Info
    ) -> Annotated["LogEvent", strawberry.lazy("helpdesk.schema.log_events")] | None:
        from helpdesk.schema.log_events import LogEvent

        row = await loaders_of(info).log_event.load(self._model.log_event_id)
        return LogEvent.from_model(row) if row else None


async def ticket_mails(
    info: strawberry.Info,
    ticket_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Mail]:
    """`Ticket.mails`: a customer asking is FORBIDDEN, since a mail lists its recipients."""
    require_staff(viewer_of(info), "see a ticket's mails")
    return await nested_connection(
        info,
        loaders_of(info).mails_by_ticket,
        ticket_id,
        Mail.from_model,
        first,
        after,
        last,
        before,
    )
