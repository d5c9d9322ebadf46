"""The ticket's conversation: replies, internal notes, chat transcripts."""

from collections.abc import Sequence

from helpdesk.models import Change, Comment, CommentKind, LogKind, Status, Ticket
from helpdesk.resolvers import access, attachments, log_events, mail, ticket_writes
from helpdesk.resolvers.errors import ErrorCode, Forbidden, invalid
from helpdesk.resolvers.pagination import DATETIME, INT, SortKey
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_viewer

MAX_BODY = 20_000
# What each role may post. SYSTEM comments are written by the server only.
POSTABLE = {
    "customer": {CommentKind.REPLY},
    "staff": {CommentKind.REPLY, CommentKind.INTERNAL_NOTE, CommentKind.CHAT_TRANSCRIPT},
}

# A ticket's conversation reads oldest first; who sees which comment is access.comments.
SORT = SortKey("created_at", **DATETIME, decode_id=INT)

__all__ = ["SORT", "CommentKind", "add", "write"]


async def write(viewer: Viewer | None, ticket: Ticket, kind: CommentKind, body: str) -> Comment:
    """Appends a comment and its log event; call inside the caller's transaction. Without a
    viewer the server writes it (a chat that ended by itself)."""
    comment = await Comment.create(
        ticket_id=ticket.id,
        author_id=viewer.contact_id if viewer else None,
        kind=kind,
        body=body,
        created_at=now(),
    )
    event = await log_events.record(
        LogKind.COMMENT_ADDED,
        viewer,
        ticket=ticket,
        comment_id=comment.id,
        changes={Change.KIND: kind.value},
        internal=comment.internal,
    )
    await mail.comment_written(viewer, ticket, comment, event)
    return comment


async def add(
    viewer: Viewer | None,
    ticket_id: int,
    body: str,
    kind: CommentKind,
    files: Sequence[attachments.Incoming] = (),
    limits: attachments.Limits = attachments.DEFAULT_LIMITS,
) -> Comment:
    viewer = require_viewer(viewer)
    if kind not in POSTABLE["staff" if viewer.is_staff else "customer"]:
        if kind is CommentKind.SYSTEM:
            raise invalid(
                "kind", ErrorCode.NOT_ALLOWED, "SYSTEM comments are written by the server"
            )
        raise Forbidden(f"only staff can post a {kind.value} comment")
    checks = Checks()
    body = checks.required_text("body", body, max_length=MAX_BODY)
    checks.done()
    # The files are checked and kept before the transaction (resolvers/attachments.py).
    received = attachments.received(viewer, ticket_id, files, limits, "attachments")
    async with received as kept, transaction():
        ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
        if ticket.status is Status.CLOSED:
            raise invalid(None, ErrorCode.TICKET_CLOSED, f"ticket #{ticket.number} is closed")
        comment = await write(viewer, ticket, kind, body)
        await attachments.attach(viewer, ticket, kept, limits, "attachments", comment)
        # A customer's reply hands a waiting ticket back to staff (the workflow's
        # WAITING_ON_CUSTOMER -> IN_PROGRESS). Other comments update "last updated", except
        # internal notes: customers must not learn that one was written.
        if not viewer.is_staff and ticket.status is Status.WAITING_ON_CUSTOMER:
            await ticket_writes.move(viewer, ticket, Status.IN_PROGRESS)
        elif not comment.internal:
            await ticket_writes.touch(viewer, ticket)
    return comment
