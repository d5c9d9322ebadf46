from collections.abc import Iterable
from datetime import UTC, datetime

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import chats
from helpdesk.schema.connections import Connection, list_connection, nested_connection
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id, decode_optional
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.organizations import Organization
from helpdesk.schema.tickets import Ticket

# Our enum, registered as a GraphQL enum: strawberry.enum returns the same class.
ChatState = models.ChatState
strawberry.enum(
    models.ChatState,
    description="WAITING in the staff queue, ACTIVE once accepted, ENDED with its transcript "
    "on the ticket.",
)


@strawberry.type(description="One line of a chat, stored as it was sent.")
class ChatMessage(relay.Node):
    id: relay.NodeID[int]
    body: str
    sent_at: datetime
    _author_id: strawberry.Private[int]
    _chat_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.ChatMessage) -> "ChatMessage":
        return cls(
            id=m.id, body=m.body, sent_at=m.sent_at, _author_id=m.author_id, _chat_id=m.chat_id
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "chat_message", node_ids, cls.from_model, required)

    @strawberry.field
    async def author(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._author_id)

    @strawberry.field
    async def chat(self, info: strawberry.Info) -> "Chat":
        return Chat.from_model(await loaders_of(info).chat.load(self._chat_id))


@strawberry.type(description="A live chat with a Cyber Hero, about one ticket (seed 003).")
class Chat(relay.Node):
    id: relay.NodeID[int]
    state: ChatState
    started_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    _model: strawberry.Private[models.Chat]

    @classmethod
    def from_model(cls, m: models.Chat) -> "Chat":
        return cls(
            id=m.id,
            state=m.state,
            started_at=m.started_at,
            accepted_at=m.accepted_at,
            ended_at=m.ended_at,
            _model=m,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "chat", node_ids, cls.from_model, required)

    @strawberry.field(
        description="Seconds it waited in the queue: until accepted or ended, or until now."
    )
    def waiting_seconds(self) -> int:
        m = self._model
        until = m.accepted_at or m.ended_at or datetime.now(UTC)
        return max(int((until - m.started_at).total_seconds()), 0)

    @strawberry.field(description="The ticket the chat is about; its transcript lands there.")
    async def ticket(self, info: strawberry.Info) -> Ticket | None:
        row = await loaders_of(info).ticket.load(self._model.ticket_id)
        return Ticket.from_model(row) if row else None

    @strawberry.field(description="The ticket's organization.")
    async def organization(self, info: strawberry.Info) -> Organization | None:
        ticket = await loaders_of(info).ticket.load(self._model.ticket_id)
        if ticket is None:
            return None
        row = await loaders_of(info).organization.load(ticket.organization_id)
        return Organization.from_model(row) if row else None

    @strawberry.field(description="The customer who started it.")
    async def customer(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._model.customer_id)

    @strawberry.field(description="The Cyber Hero who accepted it; null while waiting.")
    async def agent(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._model.agent_id)

    @strawberry.field(description="The messages, oldest first.")
    async def messages(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ChatMessage]:
        return await nested_connection(
            info,
            loaders_of(info).messages_by_chat,
            self._model.id,
            ChatMessage.from_model,
            first,
            after,
            last,
            before,
        )


@strawberry.input(description="Chat With A Cyber Hero (a new CHAT ticket), or Chat Now.")
class StartChatInput:
    summary: str | None = strawberry.field(
        default=None, description="The new ticket's summary; required without ticketId."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to yours, as for createTicket."
    )
    primary_contact_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to you, as for createTicket."
    )
    ticket_id: strawberry.ID | None = strawberry.field(
        default=None, description="Chat Now: a chat about this existing ticket."
    )


@strawberry.input
class ChatInput:
    chat_id: strawberry.ID


@strawberry.input
class SendChatMessageInput:
    chat_id: strawberry.ID
    body: str


@strawberry.input
class SetChatTypingInput:
    chat_id: strawberry.ID
    typing: bool = strawberry.field(description="True when you start typing, false when you stop.")


@strawberry.type
class StartChatPayload:
    chat: Chat | None
    ticket: Ticket | None
    errors: list[UserError]


@strawberry.type
class ChatPayload:
    chat: Chat | None
    errors: list[UserError]


@strawberry.type
class SendChatMessagePayload:
    message: ChatMessage | None
    errors: list[UserError]


def _chat_id(value) -> int:
    return decode_id(value, "Chat", "chatId")


async def _chat_payload(work) -> ChatPayload:
    result, errors = await attempt(work)
    return ChatPayload(chat=Chat.from_model(result) if result else None, errors=errors)


@strawberry.type
class ChatQueries:
    @strawberry.field(description="Chats you may see, newest first; staff see every chat.")
    async def chats(
        self,
        info: strawberry.Info,
        state: ChatState | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Chat]:
        return await list_connection(
            info,
            chats.listing(viewer_of(info), state),
            chats.CHAT_SORT,
            Chat.from_model,
            first,
            after,
            last,
            before,
            descending=True,
        )


@strawberry.type
class ChatMutations:
    @strawberry.mutation(
        description="Customers: ask for a Cyber Hero; the chat waits in the queue."
    )
    async def start_chat(self, info: strawberry.Info, input: StartChatInput) -> StartChatPayload:
        result, errors = await attempt(
            lambda: chats.start(
                viewer_of(info),
                input.summary,
                decode_optional(input.organization_id, "Organization", "organizationId"),
                decode_optional(input.primary_contact_id, "Contact", "primaryContactId"),
                decode_optional(input.ticket_id, "Ticket", "ticketId"),
            )
        )
        chat, ticket = result if result else (None, None)
        return StartChatPayload(
            chat=Chat.from_model(chat) if chat else None,
            ticket=Ticket.from_model(ticket) if ticket else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Staff: take a waiting chat; you become its ticket's owner if it has none."
    )
    async def accept_chat(self, info: strawberry.Info, input: ChatInput) -> ChatPayload:
        return await _chat_payload(lambda: chats.accept(viewer_of(info), _chat_id(input.chat_id)))

    @strawberry.mutation(description="Staff: join an active chat beside the Cyber Hero in it.")
    async def join_chat(self, info: strawberry.Info, input: ChatInput) -> ChatPayload:
        return await _chat_payload(lambda: chats.join(viewer_of(info), _chat_id(input.chat_id)))

    @strawberry.mutation(description="Staff who joined: leave the chat (it goes on).")
    async def leave_chat(self, info: strawberry.Info, input: ChatInput) -> ChatPayload:
        return await _chat_payload(lambda: chats.leave(viewer_of(info), _chat_id(input.chat_id)))

    @strawberry.mutation(description="Write in a chat: its customer, or the staff in it.")
    async def send_chat_message(
        self, info: strawberry.Info, input: SendChatMessageInput
    ) -> SendChatMessagePayload:
        chats.take_message_rate(viewer_of(info))
        result, errors = await attempt(
            lambda: chats.send(viewer_of(info), _chat_id(input.chat_id), input.body)
        )
        return SendChatMessagePayload(
            message=ChatMessage.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Tell the others in the chat you are typing (or stopped): a TYPING event "
        "in their chatEvents, never stored. Clients treat typing as over after 10 s without "
        "a new one."
    )
    async def set_chat_typing(
        self, info: strawberry.Info, input: SetChatTypingInput
    ) -> ChatPayload:
        return await _chat_payload(
            lambda: chats.typing(viewer_of(info), _chat_id(input.chat_id), input.typing)
        )

    @strawberry.mutation(
        description="End the chat (its customer, or staff): the transcript goes on the ticket."
    )
    async def end_chat(self, info: strawberry.Info, input: ChatInput) -> ChatPayload:
        return await _chat_payload(lambda: chats.end(viewer_of(info), _chat_id(input.chat_id)))
