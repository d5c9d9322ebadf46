"""The ticket's conversation: replies, internal notes, chat transcripts."""

from helpdesk.models import Comment, CommentKind, LogKind, Status, Ticket
from helpdesk.resolvers import access, log_events, ticket_writes
from helpdesk.resolvers.errors import Forbidden, invalid
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_viewer

MAX_BODY = 20_000
# What each role may post. SYSTEM comments are written by the server only.
POSTABLE = {
    "customer": {CommentKind.REPLY},
    "staff": {CommentKind.REPLY, CommentKind.INTERNAL_NOTE, CommentKind.CHAT_TRANSCRIPT},
}

__all__ = ["CommentKind", "add", "listing", "write"]


async def write(viewer: Viewer, ticket: Ticket, kind: CommentKind, body: str) -> Comment:
    """Appends a comment and its log event; call inside the caller's transaction."""
    comment = await Comment.create(
        ticket_id=ticket.id, author_id=viewer.contact_id, kind=kind, body=body, created_at=now()
    )
    await log_events.record(
        LogKind.COMMENT_ADDED,
        viewer,
        ticket=ticket,
        comment_id=comment.id,
        changes={"kind": kind.value},
        internal=comment.internal,
    )
    return comment


async def add(viewer: Viewer | None, ticket_id: int, body: str, kind: CommentKind) -> Comment:
    viewer = require_viewer(viewer)
    if kind not in POSTABLE["staff" if viewer.is_staff else "customer"]:
        if kind is CommentKind.SYSTEM:
            raise invalid("kind", "NOT_ALLOWED", "SYSTEM comments are written by the server")
        raise Forbidden(f"only staff can post a {kind.value} comment")
    checks = Checks()
    body = checks.text("body", body, max_length=MAX_BODY, required=True)
    checks.done()
    async with transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        if ticket.status is Status.CLOSED:
            raise invalid(None, "TICKET_CLOSED", f"ticket #{ticket.number} is closed")
        comment = await write(viewer, ticket, kind, body)
        # A customer's reply hands a waiting ticket back to staff (the workflow's
        # WAITING_ON_CUSTOMER -> IN_PROGRESS). Other comments update "last updated", except
        # internal notes: customers must not learn that one was written.
        if not viewer.is_staff and ticket.status is Status.WAITING_ON_CUSTOMER:
            await ticket_writes.move(viewer, ticket, Status.IN_PROGRESS)
        elif not comment.internal:
            await ticket_writes.touch(viewer, ticket)
    return comment


async def listing(viewer: Viewer | None, ticket_id: int) -> list[Comment]:
    viewer = require_viewer(viewer)
    return await access.comments(viewer).filter(ticket_id=ticket_id).order_by("created_at", "id")
