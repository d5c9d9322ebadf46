"""Who else is on a ticket right now: the types, and `setTicketPresence`. The live side is
`ticketPresence` (subscriptions/presence.py); the rules are in resolvers/presence.py."""

from datetime import datetime

import strawberry
from strawberry import relay

from helpdesk.resolvers import presence
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id

# Our enum, registered as a GraphQL enum: strawberry.enum returns the same class.
PresenceState = presence.PresenceState
strawberry.enum(
    presence.PresenceState,
    description="VIEWING: the ticket is open. REPLYING: writing a reply. NOTE: staff writing "
    "an internal note (customers see that as VIEWING).",
)


@strawberry.type(description="Someone on a ticket, as you may see them.")
class PresentPerson:
    display_name: str = strawberry.field(
        description='Their name, or "a Cyber Hero" for staff seen by a customer.'
    )
    is_staff: bool
    state: PresenceState
    since: datetime = strawberry.field(description="When they arrived on the ticket.")
    _contact_id: strawberry.Private[int | None]

    @strawberry.field(description="Who it is; null for staff seen by a customer.")
    async def contact(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._contact_id)


@strawberry.type(description="Everyone on a ticket right now, you included.")
class TicketPresence:
    ticket_id: strawberry.ID
    people: list[PresentPerson] = strawberry.field(description="Oldest arrival first.")

    @classmethod
    def from_domain(cls, p: presence.TicketPresence) -> "TicketPresence":
        return cls(
            ticket_id=strawberry.ID(str(relay.GlobalID("Ticket", str(p.ticket_id)))),
            people=[
                PresentPerson(
                    display_name=s.display_name,
                    is_staff=s.is_staff,
                    state=s.state,
                    since=s.since,
                    _contact_id=s.contact_id,
                )
                for s in p.people
            ],
        )


@strawberry.input
class SetTicketPresenceInput:
    ticket_id: strawberry.ID
    state: PresenceState | None = strawberry.field(
        default=None,
        description="What you are doing; null: you left the ticket. REPLYING and NOTE lapse "
        "unless sent again within the presence timeout (15 s by default): resend while typing.",
    )


@strawberry.type
class SetTicketPresencePayload:
    presence: TicketPresence | None
    errors: list[UserError]


@strawberry.type
class PresenceMutations:
    @strawberry.mutation(
        description="Say what you are doing on a ticket, for everyone on it to see at once. "
        "Nothing is stored."
    )
    async def set_ticket_presence(
        self, info: strawberry.Info, input: SetTicketPresenceInput
    ) -> SetTicketPresencePayload:
        result, errors = await attempt(
            lambda: presence.set_state(
                viewer_of(info), decode_id(input.ticket_id, "Ticket", "ticketId"), input.state
            )
        )
        return SetTicketPresencePayload(
            presence=TicketPresence.from_domain(result) if result else None, errors=errors
        )
