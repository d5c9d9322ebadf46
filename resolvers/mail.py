"""Who is mailed about what, and what the mail says: the rules in one place.

A mail is written to the outbox in the transaction of the change that causes it (seed 003:
a reply "will attach a message to this ticket, along with sending an email to each person in
the Ticket CC box"; the primary contact "will receive all of the communication regarding the
ticket"). helpdesk/mail_worker.py sends it after commit; resolvers/mail_outbox.py keeps its
state. Mails carry every recipient's address: only staff may read them."""

from dataclasses import dataclass
from email.utils import parseaddr
from typing import cast

from tortoise.queryset import QuerySet

from helpdesk.models import (
    Comment,
    CommentKind,
    Contact,
    LogEvent,
    MailKind,
    OutboxMail,
    Ticket,
    TicketCcContact,
)
from helpdesk.resolvers.pagination import INT, SortKey
from helpdesk.resolvers.transactions import now
from helpdesk.resolvers.viewer import Audience, Viewer
from helpdesk.settings import Settings

# A ticket's mails list oldest first.
SORT = SortKey("id", decode=INT, decode_id=INT)

# The comments that are mailed: replies, to everyone on the ticket but their author. Internal
# notes stay with staff; a chat transcript's customer was in the chat; SYSTEM says nothing new.
MAILED_COMMENTS = frozenset({CommentKind.REPLY})


@dataclass(frozen=True)
class Addressing:
    """What the mails say about where they come from and where their links point."""

    sender: str  # the From header: an address, perhaps with a name
    domain: str  # the right-hand side of every Message-ID
    public_url: str  # links go to <public_url>/tickets/<number>

    @classmethod
    def of(cls, settings: Settings) -> "Addressing":
        address = parseaddr(settings.mail_from)[1]
        return cls(
            sender=settings.mail_from,
            domain=address.rpartition("@")[2] or "localhost",
            public_url=settings.public_url.rstrip("/"),
        )

    def thread_root(self, ticket: Ticket) -> str:
        """The one Message-ID every mail of a ticket answers, so a mail client threads them."""
        return f"<ticket-{ticket.number}@{self.domain}>"

    def ticket_link(self, ticket: Ticket) -> str:
        return f"{self.public_url}/tickets/{ticket.number}"


_addressing: Addressing | None = None


def configure(settings: Settings) -> None:
    """Called by the app at start; without it the environment's settings apply."""
    global _addressing
    _addressing = Addressing.of(settings)


def addressing() -> Addressing:
    global _addressing
    if _addressing is None:
        _addressing = Addressing.of(Settings.from_env())
    return _addressing


def visible(viewer: Audience) -> QuerySet[OutboxMail]:
    """Staff see every mail; customers none (a mail lists everyone it went to)."""
    if viewer.is_staff:
        return OutboxMail.all()
    return OutboxMail.filter(id__in=[])


async def comment_written(
    author: Viewer | None, ticket: Ticket, comment: Comment, event: LogEvent
) -> OutboxMail | None:
    """A reply mails the primary contact, the CC contacts and the CC addresses, but not its
    author. Call inside the comment's transaction."""
    if comment.kind not in MAILED_COMMENTS:
        return None
    people = await _people(ticket, author)
    recipients = people.addresses(cc=True, but=author)
    subject = f"Re: [#{ticket.number}] {_one_line(ticket.summary)}"
    body = (
        f"{people.name_of(author)} wrote on ticket #{ticket.number}:\n\n"
        f"{comment.body}\n\n"
        f"-- \n{_footer(ticket)}"
    )
    return await _write(ticket, event, MailKind.REPLY, recipients, subject, body)


async def resolved(actor: Viewer, ticket: Ticket, event: LogEvent) -> OutboxMail | None:
    """Resolving asks the primary contact, and only them, to confirm. Call inside the
    transaction that resolves the ticket."""
    people = await _people(ticket, actor)
    recipients = people.addresses(cc=False, but=None)
    primary = people.by_id.get(ticket.primary_contact_id)
    greeting = f"Hello {primary.name}," if primary else "Hello,"
    subject = f"[#{ticket.number}] Resolved, please confirm: {_one_line(ticket.summary)}"
    body = (
        f"{greeting}\n\n"
        f'{people.name_of(actor)} marked ticket #{ticket.number} "{_one_line(ticket.summary)}" '
        "resolved.\n\n"
        "Please confirm that it is resolved and rate our help, or tell us it is not:\n"
        f"{addressing().ticket_link(ticket)}\n\n"
        f"-- \n{_footer(ticket)}"
    )
    return await _write(ticket, event, MailKind.CONFIRM_REQUEST, recipients, subject, body)


@dataclass(frozen=True)
class _People:
    """A ticket's primary contact and CC contacts, and the author of the change."""

    ticket: Ticket
    by_id: dict[int, Contact]
    cc_ids: list[int]
    inactive_addresses: set[str]  # CC addresses of deactivated contacts

    def name_of(self, viewer: Viewer | None) -> str:
        person = self.by_id.get(viewer.contact_id) if viewer else None
        return person.name if person else "The help desk"

    def addresses(self, *, cc: bool, but: Viewer | None) -> list[str]:
        """The primary contact, then (with `cc`) the CC contacts and the CC addresses: each
        address once, of active people only, never the author `but`."""
        ids = [self.ticket.primary_contact_id, *(self.cc_ids if cc else [])]
        found = [self.by_id[i].email for i in ids if i in self.by_id and self.by_id[i].is_active]
        if cc:
            found += self.ticket.cc_emails or []
        skip = {address.lower() for address in self.inactive_addresses}
        if but and (author := self.by_id.get(but.contact_id)):
            skip.add(author.email.lower())
        unique: dict[str, str] = {}
        for address in found:
            if address.lower() not in skip:
                unique.setdefault(address.lower(), address)
        return list(unique.values())


async def _people(ticket: Ticket, author: Viewer | None) -> _People:
    cc_ids = cast(
        list[int],
        await TicketCcContact.filter(ticket_id=ticket.id)
        .order_by("id")
        .values_list("contact_id", flat=True),
    )
    ids = [ticket.primary_contact_id, *cc_ids] + ([author.contact_id] if author else [])
    contacts = await Contact.filter(id__in=ids)
    inactive: set[str] = set()
    if ticket.cc_emails:
        lowered = [a.lower() for a in ticket.cc_emails]  # contacts' e-mails are lower-case
        found = await Contact.filter(email__in=lowered, is_active=False).values_list(
            "email", flat=True
        )
        inactive = set(cast(list[str], found))
    return _People(ticket, {c.id: c for c in contacts}, cc_ids, inactive)


def _one_line(text: str) -> str:
    """Header text: a summary's line breaks would end the header."""
    return " ".join(text.split())


def _footer(ticket: Ticket) -> str:
    link = addressing().ticket_link(ticket)
    return f"Ticket #{ticket.number}: {_one_line(ticket.summary)}\n{link}\n"


async def _write(
    ticket: Ticket,
    event: LogEvent,
    kind: MailKind,
    recipients: list[str],
    subject: str,
    body: str,
) -> OutboxMail | None:
    if not recipients:
        return None
    where = addressing()
    root = where.thread_root(ticket)
    written = now()
    return await OutboxMail.create(
        ticket_id=ticket.id,
        log_event_id=event.id,
        kind=kind,
        recipients=recipients,
        subject=subject,
        body=body,
        message_id=f"<ticket-{ticket.number}.event-{event.id}.{kind.value.lower()}@{where.domain}>",
        in_reply_to=root,
        reference_ids=root,
        next_attempt_at=written,
        created_at=written,
    )
