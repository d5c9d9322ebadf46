"""Attachments on the GraphQL surface: the type, the `Upload` inputs (files arrive as parts
of a GraphQL multipart request, helpdesk/uploads.py), addAttachments and deleteAttachment."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.file_uploads import Upload

from helpdesk import models
from helpdesk.resolvers import attachment_links, attachments
from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.resolvers.viewer import require_viewer
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.tickets import Ticket

if TYPE_CHECKING:
    from helpdesk.schema.comments import Comment


def incoming(values: list[Upload] | None, field: str) -> list[attachments.Incoming]:
    """The files of an input: each must be a file part of the multipart request (a JSON
    request can name an Upload variable, but cannot carry a file)."""
    files = []
    for index, value in enumerate(values or []):
        if not isinstance(value, UploadFile):
            raise invalid(
                field,
                ErrorCode.NOT_A_FILE,
                f"{field}[{index}] is not a file: send files as parts of a multipart "
                "request (the GraphQL multipart request spec)",
            )
        files.append(attachments.Incoming(value.filename, value.file))
    return files


def limits(info: strawberry.Info) -> attachments.Limits:
    return attachments.Limits.of(info.context.settings)


def _base_url(info: strawberry.Info) -> str:
    """Where the client reached us, so the link works from there (a websocket's ws:// is
    downloaded over http://)."""
    request = info.context.request
    url = getattr(request, "base_url", None)
    if url is None:
        return ""
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
    return str(url.replace(scheme=scheme)).rstrip("/")


@strawberry.type(
    description="A file on a ticket or on one of its comments. Its type was checked from its "
    "content; the server stores it under a name of its own."
)
class Attachment(relay.Node):
    id: relay.NodeID[int]
    filename: str = strawberry.field(description="The name to show and to save it as.")
    content_type: str = strawberry.field(
        description="The type found in the content (image/png, application/pdf, text/plain…), "
        "not the one the client claimed."
    )
    size: int = strawberry.field(description="In bytes.")
    sha256: str = strawberry.field(description="The SHA-256 of the content, in hex.")
    created_at: datetime
    deleted_at: datetime | None = strawberry.field(
        description="When staff deleted it: the file is gone, the record stays."
    )
    _model: strawberry.Private[models.Attachment]

    @classmethod
    def from_model(cls, m: models.Attachment) -> "Attachment":
        return cls(
            id=m.id,
            filename=m.filename,
            content_type=m.content_type,
            size=m.size,
            sha256=m.sha256,
            created_at=m.created_at,
            deleted_at=m.deleted_at,
            _model=m,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "attachment", node_ids, cls.from_model, required)

    @strawberry.field
    async def uploaded_by(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._model.uploaded_by_id)

    @strawberry.field
    async def ticket(self, info: strawberry.Info) -> Ticket | None:
        row = await loaders_of(info).ticket.load(self._model.ticket_id)
        return Ticket.from_model(row) if row else None

    @strawberry.field(description="The comment it came with; null if added to the ticket.")
    async def comment(
        self, info: strawberry.Info
    ) -> Annotated["Comment", strawberry.lazy("helpdesk.schema.comments")] | None:
        from helpdesk.schema.comments import Comment

        if self._model.comment_id is None:
            return None
        row = await loaders_of(info).comment.load(self._model.comment_id)
        return Comment.from_model(row) if row else None

    @strawberry.field(
        description="A link to download it, for your session only, working for "
        "HELPDESK_DOWNLOAD_URL_SECONDS (10 minutes unless set). Null once deleted, and in "
        "live results shared between people: ask for the attachment by `node` then."
    )
    def download_url(self, info: strawberry.Info) -> str | None:
        if self._model.deleted:
            return None
        viewer = require_viewer(viewer_of(info))
        return attachment_links.download_url(
            info.context.settings, viewer, self._model.id, _base_url(info)
        )


@strawberry.input(description='Seed 003\'s "Add Attachments": files on the ticket itself.')
class AddAttachmentsInput:
    ticket_id: strawberry.ID
    files: list[Upload] = strawberry.field(
        description="The files, as parts of a multipart request."
    )


@strawberry.type
class AddAttachmentsPayload:
    ticket: Ticket | None
    attachments: list[Attachment]
    errors: list[UserError]


@strawberry.input
class DeleteAttachmentInput:
    attachment_id: strawberry.ID


@strawberry.type
class DeleteAttachmentPayload:
    attachment: Attachment | None
    errors: list[UserError]


@strawberry.type
class AttachmentMutations:
    @strawberry.mutation(
        description="Attach files to a ticket (whoever may comment on it may). Send it as a "
        "multipart request with a GraphQL-Require-Preflight header."
    )
    async def add_attachments(
        self, info: strawberry.Info, input: AddAttachmentsInput
    ) -> AddAttachmentsPayload:
        result, errors = await attempt(
            lambda: attachments.add(
                viewer_of(info),
                decode_id(input.ticket_id, "Ticket", "ticketId"),
                incoming(input.files, "files"),
                limits(info),
            )
        )
        ticket, rows = result or (None, [])
        return AddAttachmentsPayload(
            ticket=Ticket.from_model(ticket) if ticket else None,
            attachments=[Attachment.from_model(r) for r in rows],
            errors=errors,
        )

    @strawberry.mutation(description="Staff: delete an attachment; the deletion is logged.")
    async def delete_attachment(
        self, info: strawberry.Info, input: DeleteAttachmentInput
    ) -> DeleteAttachmentPayload:
        row, errors = await attempt(
            lambda: attachments.delete(
                viewer_of(info), decode_id(input.attachment_id, "Attachment", "attachmentId")
            )
        )
        return DeleteAttachmentPayload(
            attachment=Attachment.from_model(row) if row else None, errors=errors
        )
