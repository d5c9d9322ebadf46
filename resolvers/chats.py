"""Chats: a customer's live conversation with staff about a ticket (seed 003's "Chat with a
Cyber Hero" and "Chat Now"). WAITING in the staff queue, ACTIVE once a Cyber Hero accepts it
(they become the ticket's owner if it has none), ENDED with the whole transcript on the
ticket as one CHAT_TRANSCRIPT comment, in the transaction that ends it.

Every step is a log event on the chat's ticket, so chats travel the same tailer, fan-out and
access checks as ticket events; messages are rows written as they are sent."""

from collections.abc import Iterable
from datetime import timedelta

from tortoise.queryset import QuerySet

from helpdesk.events.bus import get_bus
from helpdesk.models import (
    Change,
    Channel,
    Chat,
    ChatMessage,
    ChatParticipant,
    ChatState,
    CommentKind,
    Contact,
    LogKind,
    Status,
    Ticket,
)
from helpdesk.resolvers import access, comments, log_events, ticket_writes, tickets
from helpdesk.resolvers.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    NotFound,
    RateLimited,
    invalid,
)
from helpdesk.resolvers.inputs import UNSET
from helpdesk.resolvers.pagination import INT, SortKey
from helpdesk.resolvers.throttle import Buckets
from helpdesk.resolvers.ticket_fields import NewTicket
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_staff, require_viewer

MAX_MESSAGE = 2000
# A transcript holds every message; this keeps one comment under a few megabytes.
MAX_MESSAGES = 1000
# Per person, over all chats: a burst of 20, then one message every half second.
MESSAGE_RATE = Buckets(20, 10)
# Typing signals per person: a client sends one when typing starts and when it stops.
TYPING_RATE = Buckets(20, 10)
TYPING_TOPIC = "chat-typing"
# Messages read oldest first; chats list newest first.
MESSAGE_SORT = SortKey("id", decode_id=INT)
CHAT_SORT = SortKey("id", decode_id=INT)
LIVE = (ChatState.WAITING, ChatState.ACTIVE)
# The log events of a chat, as chatEvents shows them.
CHAT_KINDS = frozenset(
    {
        LogKind.CHAT_STARTED,
        LogKind.CHAT_ACCEPTED,
        LogKind.CHAT_JOINED,
        LogKind.CHAT_LEFT,
        LogKind.CHAT_MESSAGE,
        LogKind.CHAT_ENDED,
    }
)
# Why a chat ended, as its CHAT_ENDED event says.
ENDED_BY_PERSON = "ended"
ENDED_CUSTOMER_GONE = "customerGone"


async def get(viewer: Viewer | None, chat_id: int) -> Chat:
    viewer = require_viewer(viewer)
    chat = await access.chats(viewer).filter(id=chat_id).first()
    if chat is None:
        raise NotFound(f"chat {chat_id} not found")
    return chat


async def _locked(viewer: Viewer, chat_id: int) -> Chat:
    """The chat, if the viewer may see it, read again for update (a lock on PostgreSQL)."""
    await get(viewer, chat_id)
    chat = await Chat.filter(id=chat_id).select_for_update().first()
    if chat is None:
        raise NotFound(f"chat {chat_id} not found")
    return chat


def _require_live(chat: Chat) -> None:
    if chat.state is ChatState.ENDED:
        raise invalid(None, ErrorCode.CHAT_OVER, f"chat {chat.id} has ended")


async def _ticket_of(chat: Chat) -> Ticket:
    return await Ticket.get(id=chat.ticket_id)


async def start(
    viewer: Viewer | None,
    summary: str | None,
    organization_id: int | None = None,
    primary_contact_id: int | None = None,
    ticket_id: int | None = None,
) -> tuple[Chat, Ticket]:
    """A customer asks for a Cyber Hero. Without a ticket, a CHAT ticket is opened for them
    at once (defaults as for a new ticket); with one ("Chat Now"), the chat is about it."""
    viewer = require_viewer(viewer)
    if viewer.is_staff:
        raise Forbidden("only customers start chats; staff accept them from the queue")
    new = None
    if ticket_id is None:
        fields = NewTicket(
            summary=summary if summary is not None else UNSET,
            channel=Channel.CHAT,
            organization_id=organization_id,
            primary_contact_id=primary_contact_id,
        )
        new = await tickets.checked_new(viewer, fields)
    elif organization_id is not None or primary_contact_id is not None:
        raise invalid(
            "ticketId",
            ErrorCode.CONFLICTING,
            "a chat about an existing ticket takes that ticket's organization and contact",
        )
    started = now()
    async with transaction():
        if new is not None:
            ticket = await tickets.insert(viewer, new)
        else:
            assert ticket_id is not None
            ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
            if ticket.status is Status.CLOSED:
                raise invalid(
                    "ticketId", ErrorCode.TICKET_CLOSED, f"ticket #{ticket.number} is closed"
                )
            if await Chat.filter(ticket_id=ticket.id, state__in=LIVE).exists():
                raise Conflict(f"ticket #{ticket.number} already has a chat in progress")
        chat = await Chat.create(
            ticket_id=ticket.id,
            customer_id=viewer.contact_id,
            state=ChatState.WAITING,
            started_at=started,
            customer_seen_at=started,
        )
        await log_events.record(
            LogKind.CHAT_STARTED,
            viewer,
            ticket=ticket,
            chat_id=chat.id,
            changes={Change.CHAT_STATE: ChatState.WAITING.value},
        )
    return chat, ticket


async def accept(viewer: Viewer | None, chat_id: int) -> Chat:
    """A Cyber Hero takes a waiting chat; if its ticket has no owner, they become it."""
    viewer = require_staff(viewer, "accept chats")
    async with transaction():
        chat = await _locked(viewer, chat_id)
        _require_live(chat)
        taken = await Chat.filter(id=chat.id, state=ChatState.WAITING).update(
            state=ChatState.ACTIVE, agent_id=viewer.contact_id, accepted_at=now()
        )
        if not taken:  # someone else was quicker
            agent = await Contact.filter(id=chat.agent_id).first()
            raise Conflict(
                f"chat {chat.id} was already accepted by {agent.name if agent else 'someone'}"
            )
        await chat.refresh_from_db()
        await ChatParticipant.create(
            chat_id=chat.id, contact_id=viewer.contact_id, joined_at=chat.accepted_at
        )
        ticket = await Ticket.filter(id=chat.ticket_id).select_for_update().first()
        assert ticket is not None
        await log_events.record(
            LogKind.CHAT_ACCEPTED,
            viewer,
            ticket=ticket,
            chat_id=chat.id,
            changes={Change.CHAT_STATE: [ChatState.WAITING.value, ChatState.ACTIVE.value]},
        )
        if ticket.owner_id is None and ticket.status is not Status.CLOSED:
            await tickets.set_owner(viewer, ticket, viewer.contact_id)
    return chat


async def join(viewer: Viewer | None, chat_id: int) -> Chat:
    """Another Cyber Hero joins an active chat (to help, or to take over)."""
    viewer = require_staff(viewer, "join chats")
    async with transaction():
        chat = await _locked(viewer, chat_id)
        _require_live(chat)
        if chat.state is ChatState.WAITING:
            raise invalid(None, ErrorCode.NOT_ALLOWED, f"chat {chat.id} is waiting: accept it")
        participant = await ChatParticipant.filter(
            chat_id=chat.id, contact_id=viewer.contact_id
        ).first()
        if participant is not None and participant.left_at is None:
            return chat
        if participant is None:
            await ChatParticipant.create(
                chat_id=chat.id, contact_id=viewer.contact_id, joined_at=now()
            )
        else:
            participant.joined_at, participant.left_at = now(), None
            await participant.save(update_fields=["joined_at", "left_at"])
        await log_events.record(
            LogKind.CHAT_JOINED, viewer, ticket=await _ticket_of(chat), chat_id=chat.id
        )
    return chat


async def leave(viewer: Viewer | None, chat_id: int) -> Chat:
    """A Cyber Hero who joined leaves; the one who accepted it ends it instead."""
    viewer = require_staff(viewer, "leave chats")
    async with transaction():
        chat = await _locked(viewer, chat_id)
        _require_live(chat)
        if chat.agent_id == viewer.contact_id:
            raise invalid(None, ErrorCode.NOT_ALLOWED, "you accepted this chat: end it instead")
        left = await ChatParticipant.filter(
            chat_id=chat.id, contact_id=viewer.contact_id, left_at=None
        ).update(left_at=now())
        if not left:
            raise invalid(None, ErrorCode.NOT_ALLOWED, f"you are not in chat {chat.id}")
        await log_events.record(
            LogKind.CHAT_LEFT, viewer, ticket=await _ticket_of(chat), chat_id=chat.id
        )
    return chat


async def require_participant(viewer: Viewer, chat: Chat) -> None:
    """Posting (and typing) is for the chat's customer and the staff in it."""
    if viewer.contact_id == chat.customer_id:
        return
    if viewer.is_staff:
        joined = await ChatParticipant.filter(
            chat_id=chat.id, contact_id=viewer.contact_id, left_at=None
        ).exists()
        if joined:
            return
        raise Forbidden(f"accept or join chat {chat.id} before writing in it")
    raise Forbidden("only the customer who started this chat and its Cyber Heroes write in it")


def take_message_rate(viewer: Viewer | None) -> None:
    """The API's limit on chat messages per person (the demo and imports write freely)."""
    if viewer is None:
        return
    wait = MESSAGE_RATE.take(viewer.contact_id)
    if wait:
        raise RateLimited("too many chat messages", wait)


async def typing(viewer: Viewer | None, chat_id: int, typing: bool) -> Chat:
    """Tells the others in the chat that the viewer started or stopped typing: a signal on
    the bus to every server process, never a row."""
    viewer = require_viewer(viewer)
    chat = await get(viewer, chat_id)
    _require_live(chat)
    await require_participant(viewer, chat)
    wait = TYPING_RATE.take(viewer.contact_id)
    if wait:
        raise RateLimited("too many typing signals", wait)
    await get_bus().send_signal(
        {
            "topic": TYPING_TOPIC,
            "chat": chat.id,
            "contact": viewer.contact_id,
            "typing": typing,
            "at": now().isoformat(),
        }
    )
    return chat


def is_typing_signal(signal: dict, chat_id: int, viewer: Viewer) -> bool:
    """Whether a bus signal is someone else's typing in this chat."""
    return (
        signal.get("topic") == TYPING_TOPIC
        and signal.get("chat") == chat_id
        and signal.get("contact") != viewer.contact_id
    )


async def send(viewer: Viewer | None, chat_id: int, body: str) -> ChatMessage:
    """A message from either side, stored as it is sent."""
    viewer = require_viewer(viewer)
    checks = Checks()
    body = checks.required_text("body", body, max_length=MAX_MESSAGE)
    checks.done()
    async with transaction():
        chat = await _locked(viewer, chat_id)
        _require_live(chat)
        await require_participant(viewer, chat)
        if await ChatMessage.filter(chat_id=chat.id).count() >= MAX_MESSAGES:
            raise invalid(
                "body",
                ErrorCode.TOO_MANY,
                f"a chat holds at most {MAX_MESSAGES} messages: end it and start another",
            )
        sent = now()
        message = await ChatMessage.create(
            chat_id=chat.id, author_id=viewer.contact_id, body=body, sent_at=sent
        )
        if viewer.contact_id == chat.customer_id:
            await Chat.filter(id=chat.id).update(customer_seen_at=sent)
        await log_events.record(
            LogKind.CHAT_MESSAGE,
            viewer,
            ticket=await _ticket_of(chat),
            chat_id=chat.id,
            chat_message_id=message.id,
        )
    return message


async def end(viewer: Viewer | None, chat_id: int) -> Chat:
    """Either side ends the chat: its customer, or any staff member."""
    viewer = require_viewer(viewer)
    async with transaction():
        chat = await _locked(viewer, chat_id)
        _require_live(chat)
        if not viewer.is_staff and viewer.contact_id != chat.customer_id:
            raise Forbidden("only the customer who started this chat, or staff, can end it")
        await _finish(chat, viewer, ENDED_BY_PERSON)
    return chat


async def _finish(chat: Chat, actor: Viewer | None, reason: str) -> None:
    """Ends a live chat and imports its transcript into the ticket, in the caller's
    transaction, with the chat read for update."""
    ended = now()
    old_state = chat.state
    chat.state, chat.ended_at = ChatState.ENDED, ended
    await chat.save(update_fields=["state", "ended_at"])
    await ChatParticipant.filter(chat_id=chat.id, left_at=None).update(left_at=ended)
    ticket = await Ticket.filter(id=chat.ticket_id).select_for_update().first()
    assert ticket is not None
    messages = await ChatMessage.filter(chat_id=chat.id).order_by("id")
    people = await Contact.filter(id__in={m.author_id for m in messages} | {chat.customer_id}).only(
        "id", "name"
    )
    names = {p.id: p.name for p in people}
    await log_events.record(
        LogKind.CHAT_ENDED,
        actor,
        ticket=ticket,
        chat_id=chat.id,
        changes={
            Change.CHAT_STATE: [old_state.value, ChatState.ENDED.value],
            Change.REASON: reason,
        },
    )
    body = transcript(chat, messages, names)
    await comments.write(actor, ticket, CommentKind.CHAT_TRANSCRIPT, body)
    if actor is not None:
        await ticket_writes.touch(actor, ticket)


def transcript(chat: Chat, messages: Iterable[ChatMessage], names: dict[int, str]) -> str:
    """The chat as one comment: a heading, then each message with its time and author."""
    assert chat.ended_at is not None
    customer = names.get(chat.customer_id, "the customer")
    lines = [
        f"Chat with {customer}, {chat.started_at:%Y-%m-%d %H:%M} to "
        f"{chat.ended_at:%Y-%m-%d %H:%M} UTC"
    ]
    for message in messages:
        author = names.get(message.author_id, "someone")
        lines.append(f"[{message.sent_at:%H:%M:%S}] {author}: {message.body}")
    if len(lines) == 1:
        lines.append("(no messages)")
    return "\n".join(lines)


async def customer_seen(viewer: Viewer, chat_id: int) -> None:
    """The chat's customer is still there (their chatEvents socket is open): no log event,
    one small write every few tens of seconds per chat."""
    await Chat.filter(id=chat_id, customer_id=viewer.contact_id, state__in=LIVE).update(
        customer_seen_at=now()
    )


async def end_abandoned(timeout_seconds: float) -> int:
    """Ends every live chat whose customer has not been seen for the timeout; each in its
    own short transaction. Several server processes may run this at once: the state is
    re-read under a lock, so a chat ends once. Returns how many ended."""
    cutoff = now() - timedelta(seconds=timeout_seconds)
    candidates = await Chat.filter(state__in=LIVE, customer_seen_at__lt=cutoff).values_list(
        "id", flat=True
    )
    ended = 0
    for chat_id in candidates:
        async with transaction():
            chat = await Chat.filter(id=chat_id).select_for_update().first()
            if chat is None or chat.state not in LIVE or chat.customer_seen_at >= cutoff:
                continue
            await _finish(chat, None, ENDED_CUSTOMER_GONE)
            ended += 1
    return ended


def listing(viewer: Viewer | None, state: ChatState | None = None) -> QuerySet[Chat]:
    """The chats the viewer may see, optionally in one state."""
    viewer = require_viewer(viewer)
    query = access.chats(viewer)
    return query.filter(state=state) if state is not None else query


def queue(viewer: Viewer | None) -> QuerySet[Chat]:
    """Staff: the waiting chats, longest waiting first."""
    viewer = require_staff(viewer, "see the chat queue")
    return access.chats(viewer).filter(state=ChatState.WAITING).order_by("started_at", "id")
