from typing import Any, TypeVar

import strawberry
from strawberry.file_uploads import Upload

from helpdesk.resolvers import tickets
from helpdesk.resolvers.ticket_fields import NewTicket, TicketFields
from helpdesk.schema.attachments import incoming, limits
from helpdesk.schema.context import viewer_of
from helpdesk.schema.errors import UserError, attempt, user_errors
from helpdesk.schema.ids import decode_id, decode_many, decode_optional
from helpdesk.schema.tickets import Ticket, TicketChannel, TicketPriority, TicketStatus

F = TypeVar("F", bound=TicketFields)

# Input field -> the global ID type it names, and its name in errors.
ID_FIELDS = {
    "organization_id": ("Organization", "organizationId"),
    "primary_contact_id": ("Contact", "primaryContactId"),
    "category_id": ("Category", "categoryId"),
    "module_id": ("Module", "moduleId"),
    "owner_id": ("Contact", "ownerId"),
}


def _fields(input: Any, cls: type[F], skip: tuple[str, ...] = ()) -> F:
    """The resolvers' typed fields from the input: the same names, IDs decoded, lists as
    tuples; a field not sent stays the resolvers' UNSET."""
    values: dict[str, Any] = {}
    for key, value in vars(input).items():
        if value is strawberry.UNSET or key in skip:
            continue
        if key in ID_FIELDS:
            value = decode_optional(value, *ID_FIELDS[key])
        elif key == "cc_contact_ids" and value is not None:
            value = tuple(decode_many(value, "Contact", "ccContactIds"))
        elif key == "cc_emails" and value is not None:
            value = tuple(value)
        values[key] = value
    return cls(**values)


def _ticket_id(value) -> int:
    return decode_id(value, "Ticket", "ticketId")


@strawberry.input(description="Seed 000's create form and seed 003's New Ticket window.")
class CreateTicketInput:
    summary: str
    description: str | None = strawberry.field(
        default=None, description="Required for OFFLINE tickets."
    )
    channel: TicketChannel = TicketChannel.OFFLINE
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Customers: defaults to yours. Staff: required."
    )
    primary_contact_id: strawberry.ID | None = strawberry.field(
        default=None, description="Customers: defaults to you. Staff: required."
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to General Support."
    )
    module_id: strawberry.ID | None = None
    priority: TicketPriority | None = strawberry.field(default=None, description="Staff only.")
    owner_id: strawberry.ID | None = strawberry.field(default=None, description="Staff only.")
    cc_contact_ids: list[strawberry.ID] | None = None
    cc_emails: list[str] | None = None
    error_code: str | None = None
    wallet_address: str | None = None
    wallet_provider: str | None = None
    device: str | None = None
    attachments: list[Upload] | None = strawberry.field(
        default=None, description="Files, as parts of a multipart request."
    )


@strawberry.input(description="Only the fields you send change.")
class UpdateTicketInput:
    ticket_id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="If the ticket's version differs, nothing changes: CONFLICT."
    )
    summary: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    organization_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Staff only."
    )
    primary_contact_id: strawberry.ID | None = strawberry.UNSET
    cc_contact_ids: list[strawberry.ID] | None = strawberry.UNSET
    cc_emails: list[str] | None = strawberry.UNSET
    category_id: strawberry.ID | None = strawberry.UNSET
    module_id: strawberry.ID | None = strawberry.UNSET
    priority: TicketPriority | None = strawberry.field(
        default=strawberry.UNSET, description="Staff only."
    )
    error_code: str | None = strawberry.UNSET
    wallet_address: str | None = strawberry.UNSET
    wallet_provider: str | None = strawberry.UNSET
    device: str | None = strawberry.UNSET


@strawberry.input
class AssignTicketInput:
    ticket_id: strawberry.ID
    owner_id: strawberry.ID | None = strawberry.field(description="Null unassigns.")
    expected_version: int | None = None


@strawberry.input
class ChangeTicketStatusInput:
    ticket_id: strawberry.ID
    status: TicketStatus
    expected_version: int | None = None


@strawberry.input
class ResolveTicketInput:
    ticket_id: strawberry.ID
    comment: str | None = strawberry.field(default=None, description="Posted as a reply.")
    expected_version: int | None = None


@strawberry.input
class ResolveTicketsInput:
    ticket_ids: list[strawberry.ID]
    comment: str | None = None


@strawberry.input
class CloseTicketInput:
    ticket_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class ConfirmResolutionInput:
    ticket_id: strawberry.ID
    rating: int = strawberry.field(description="1 to 5.")
    feedback: str | None = None


@strawberry.input
class RejectResolutionInput:
    ticket_id: strawberry.ID
    message: str = strawberry.field(description="What is still wrong; posted as a reply.")


@strawberry.type
class TicketPayload:
    ticket: Ticket | None
    errors: list[UserError]


@strawberry.type
class ResolveTicketResult:
    ticket_id: strawberry.ID
    ticket: Ticket | None
    errors: list[UserError]


@strawberry.type
class ResolveTicketsPayload:
    results: list[ResolveTicketResult]
    errors: list[UserError]


async def _payload(work) -> TicketPayload:
    result, errors = await attempt(work)
    return TicketPayload(ticket=Ticket.from_model(result) if result else None, errors=errors)


@strawberry.type
class TicketMutations:
    @strawberry.mutation
    async def create_ticket(self, info: strawberry.Info, input: CreateTicketInput) -> TicketPayload:
        return await _payload(
            lambda: tickets.create(
                viewer_of(info),
                _fields(input, NewTicket, skip=("attachments",)),
                incoming(input.attachments, "attachments"),
                limits(info),
            )
        )

    @strawberry.mutation(description="Edit the ticket's details (the Ticket Window's Save).")
    async def update_ticket(self, info: strawberry.Info, input: UpdateTicketInput) -> TicketPayload:
        return await _payload(
            lambda: tickets.update(
                viewer_of(info),
                _ticket_id(input.ticket_id),
                _fields(input, TicketFields, skip=("ticket_id", "expected_version")),
                input.expected_version,
            )
        )

    @strawberry.mutation(description="Staff: set or clear the owner.")
    async def assign_ticket(self, info: strawberry.Info, input: AssignTicketInput) -> TicketPayload:
        return await _payload(
            lambda: tickets.assign(
                viewer_of(info),
                _ticket_id(input.ticket_id),
                decode_optional(input.owner_id, "Contact", "ownerId"),
                input.expected_version,
            )
        )

    @strawberry.mutation(description="Staff: move the ticket along the workflow.")
    async def change_ticket_status(
        self, info: strawberry.Info, input: ChangeTicketStatusInput
    ) -> TicketPayload:
        return await _payload(
            lambda: tickets.change_status(
                viewer_of(info), _ticket_id(input.ticket_id), input.status, input.expected_version
            )
        )

    @strawberry.mutation(description="Staff: mark resolved; the customer is asked to confirm.")
    async def resolve_ticket(
        self, info: strawberry.Info, input: ResolveTicketInput
    ) -> TicketPayload:
        return await _payload(
            lambda: tickets.resolve(
                viewer_of(info), _ticket_id(input.ticket_id), input.comment, input.expected_version
            )
        )

    @strawberry.mutation(description="Staff: resolve many tickets; each has its own result.")
    async def resolve_tickets(
        self, info: strawberry.Info, input: ResolveTicketsInput
    ) -> ResolveTicketsPayload:
        outcome, errors = await attempt(
            lambda: tickets.resolve_many(
                viewer_of(info),
                decode_many(input.ticket_ids, "Ticket", "ticketIds"),
                input.comment,
                info.context.settings.max_batch_size,
            )
        )
        results = [
            ResolveTicketResult(
                ticket_id=Ticket.to_global(ticket_id),
                ticket=Ticket.from_model(ticket) if ticket else None,
                errors=user_errors(error) if error else [],
            )
            for ticket_id, ticket, error in outcome or []
        ]
        return ResolveTicketsPayload(results=results, errors=errors)

    @strawberry.mutation(description="Close the ticket: customers their own, staff any.")
    async def close_ticket(self, info: strawberry.Info, input: CloseTicketInput) -> TicketPayload:
        return await _payload(
            lambda: tickets.close(
                viewer_of(info), _ticket_id(input.ticket_id), input.expected_version
            )
        )

    @strawberry.mutation(description="Customers: confirm resolved, rate 1-5; the ticket closes.")
    async def confirm_resolution(
        self, info: strawberry.Info, input: ConfirmResolutionInput
    ) -> TicketPayload:
        return await _payload(
            lambda: tickets.confirm_resolution(
                viewer_of(info), _ticket_id(input.ticket_id), input.rating, input.feedback
            )
        )

    @strawberry.mutation(description="Customers: not resolved; the ticket reopens.")
    async def reject_resolution(
        self, info: strawberry.Info, input: RejectResolutionInput
    ) -> TicketPayload:
        return await _payload(
            lambda: tickets.reject_resolution(
                viewer_of(info), _ticket_id(input.ticket_id), input.message
            )
        )
