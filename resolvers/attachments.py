"""Attachments: who may add and delete them, the limits, and how a file comes in (what it is,
its name and type found from its content, is resolvers/attachment_files.py).

A file comes in in three steps: written to the storage's staging area while it is hashed,
measured and type-checked; moved into storage under a name the server made; recorded in the
database, with its log event, in the transaction of the change it belongs to. Nothing heavy
happens inside a transaction. A refused file leaves nothing, and a failure after the file
was kept removes it again: no file without a row, no row without a file."""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import BinaryIO

from helpdesk.models import (
    ApiToken,
    Attachment,
    Change,
    Comment,
    LogKind,
    Status,
    Ticket,
)
from helpdesk.resolvers import access, accounts, attachment_files, log_events, ticket_writes
from helpdesk.resolvers.errors import (
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    invalid,
)
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.viewer import Viewer, require_staff, require_viewer
from helpdesk.settings import Settings
from helpdesk.storage import get_storage, new_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """A file as a client sent it: the name it gave (a hint for display, nothing more) and
    a binary file object to read it from."""

    filename: str | None
    file: BinaryIO


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_per_ticket: int

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(settings.max_upload_bytes, settings.max_attachments_per_ticket)


DEFAULT_LIMITS = Limits.of(Settings())


@dataclass(frozen=True)
class Kept:
    """A file in storage, checked, not yet recorded."""

    key: str
    filename: str
    content_type: str
    size: int
    sha256: str


async def _keep(incoming: Incoming, max_bytes: int) -> Kept:
    storage = get_storage()
    staged = storage.new_staged_path()
    try:
        size, sha256, detected = await asyncio.to_thread(
            attachment_files.receive, incoming.file, staged, max_bytes
        )
        filename, content_type = attachment_files.typed_name(
            attachment_files.clean_filename(incoming.filename), detected
        )
        key = new_key()
        await storage.keep(key, staged)
        return Kept(key, filename, content_type, size, sha256)
    finally:
        await asyncio.to_thread(staged.unlink, missing_ok=True)


async def _discard(kept: Sequence[Kept]) -> None:
    """Removes kept files that no row records (a change that failed after keeping them)."""
    if not kept:
        return
    try:
        recorded = set(
            await Attachment.filter(storage_key__in=[k.key for k in kept]).values_list(
                "storage_key", flat=True
            )
        )
    except Exception:  # cannot tell: better a file too many than a row without its file
        log.exception("could not check which attachments were recorded; files kept")
        return
    for k in kept:
        if k.key not in recorded:
            try:
                await get_storage().delete(k.key)
            except Exception:
                log.exception("could not remove the file of a failed upload (%s)", k.key)


def _shown(incoming: Incoming) -> str:
    return repr(attachment_files.clean_filename(incoming.filename))[:80]


async def _count(ticket_id: int) -> int:
    return await Attachment.filter(ticket_id=ticket_id, deleted_at__isnull=True).count()


def _check_room(existing: int, adding: int, limits: Limits, field: str) -> None:
    if existing + adding > limits.max_per_ticket:
        raise invalid(
            field,
            ErrorCode.TOO_MANY,
            f"a ticket holds at most {limits.max_per_ticket} attachments; "
            f"it has {existing}, and {adding} more were sent",
        )


@asynccontextmanager
async def received(
    viewer: Viewer,
    ticket_id: int | None,
    files: Sequence[Incoming],
    limits: Limits,
    field: str,
) -> AsyncIterator[list[Kept]]:
    """Checks and keeps the files before the change's transaction; the block records them
    (`attach`). If anything is refused, nothing is kept; if the block fails, the files it
    did not record are removed. `ticket_id` None: a new ticket."""
    if not files:
        yield []
        return
    existing = 0
    if ticket_id is not None:  # refuse early: no file is written for a ticket out of reach
        ticket = await access.visible_ticket(viewer, ticket_id)
        _require_open(ticket)
        existing = await _count(ticket_id)
    _check_room(existing, len(files), limits, field)
    kept: list[Kept] = []
    problems: list[Problem] = []
    try:
        for index, incoming in enumerate(files):
            try:
                kept.append(await _keep(incoming, limits.max_file_bytes))
            except attachment_files.Refused as refusal:
                problems.append(
                    Problem(
                        field,
                        refusal.code,
                        f"{field}[{index}] {_shown(incoming)} is refused: {refusal.reason}",
                    )
                )
        if problems:
            raise InvalidInput(problems)
        yield kept
    except BaseException:
        await _discard(kept)
        raise


def _require_open(ticket: Ticket) -> None:
    if ticket.status is Status.CLOSED:
        raise invalid(None, ErrorCode.TICKET_CLOSED, f"ticket #{ticket.number} is closed")


async def attach(
    viewer: Viewer,
    ticket: Ticket,
    kept: Sequence[Kept],
    limits: Limits,
    field: str,
    comment: Comment | None = None,
) -> list[Attachment]:
    """Records kept files on the ticket (and comment), each with its log event. Call inside
    the change's transaction, with the ticket read for update."""
    if not kept:
        return []
    _check_room(await _count(ticket.id), len(kept), limits, field)  # others may have added
    internal = comment is not None and comment.internal
    rows = []
    for k in kept:
        row = await Attachment.create(
            ticket_id=ticket.id,
            comment_id=comment.id if comment else None,
            uploaded_by_id=viewer.contact_id,
            filename=k.filename,
            content_type=k.content_type,
            size=k.size,
            sha256=k.sha256,
            storage_key=k.key,
            internal=internal,
            created_at=now(),
        )
        await log_events.record(
            LogKind.ATTACHMENT_ADDED,
            viewer,
            ticket=ticket,
            comment_id=row.comment_id,
            attachment_id=row.id,
            changes={
                Change.FILENAME: row.filename,
                Change.CONTENT_TYPE: row.content_type,
                Change.SIZE: row.size,
            },
            internal=internal,
        )
        rows.append(row)
    return rows


# -- the mutations --------------------------------------------------------------------------


async def add(
    viewer: Viewer | None, ticket_id: int, files: Sequence[Incoming], limits: Limits
) -> tuple[Ticket, list[Attachment]]:
    """Seed 003's "Add Attachments": files on the ticket itself. Whoever may comment on the
    ticket may add them."""
    viewer = require_viewer(viewer)
    if not files:
        raise invalid("files", ErrorCode.REQUIRED, "send at least one file")
    async with received(viewer, ticket_id, files, limits, "files") as kept:
        async with transaction():
            ticket = await access.visible_ticket(viewer, ticket_id, for_update=True)
            _require_open(ticket)
            rows = await attach(viewer, ticket, kept, limits, "files")
            await ticket_writes.touch(viewer, ticket)
    return ticket, rows


async def delete(viewer: Viewer | None, attachment_id: int) -> Attachment:
    """Staff remove a file: it is gone from storage, and its row stays, marked deleted, for
    the audit trail; the log event names the file."""
    viewer = require_staff(viewer, "delete attachments")
    async with transaction():
        attachment = (
            await access.attachments(viewer)
            .filter(id=attachment_id, deleted_at__isnull=True)
            .select_for_update()
            .first()
        )
        if attachment is None:
            raise NotFound(f"attachment {attachment_id} not found")
        ticket = await access.visible_ticket(viewer, attachment.ticket_id, for_update=True)
        attachment.deleted_at = now()
        attachment.deleted_by_id = viewer.contact_id
        await attachment.save(update_fields=["deleted_at", "deleted_by_id"])
        await log_events.record(
            LogKind.ATTACHMENT_DELETED,
            viewer,
            ticket=ticket,
            comment_id=attachment.comment_id,
            attachment_id=attachment.id,
            changes={Change.FILENAME: attachment.filename},
            internal=attachment.internal,
        )
        if not attachment.internal:
            await ticket_writes.touch(viewer, ticket)
    try:
        await get_storage().delete(attachment.storage_key)
    except Exception:  # the row says deleted and nobody can download it; the file lingers
        log.exception("could not remove the file of deleted attachment %s", attachment.id)
    return attachment


# -- reading --------------------------------------------------------------------------------


def listing(viewer: Viewer):
    """The attachments the viewer may see, deleted ones left out."""
    return access.attachments(viewer).filter(deleted_at__isnull=True)


async def for_download(attachment_id: int, contact_id: int, token_id: int) -> Attachment:
    """The attachment a signed link names, if the person it was issued to may still see it
    now: their session still valid, their account active, the ticket in their scope."""
    token = (
        await ApiToken.filter(id=token_id, contact_id=contact_id, revoked_at__isnull=True)
        .select_related("contact")
        .first()
    )
    if (
        token is None
        or not token.contact.is_active
        or (token.expires_at is not None and token.expires_at <= now())
    ):
        raise Forbidden("the session this link was made for has ended: sign in again")
    viewer = await accounts.load_viewer(token.contact, token)
    attachment = await listing(viewer).filter(id=attachment_id).first()
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found")
    return attachment
