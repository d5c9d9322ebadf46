from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from helpdesk import models
from helpdesk.resolvers import comments
from helpdesk.schema.attachments import Attachment, incoming, limits
from helpdesk.schema.contacts import Contact, contact_or_none
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id
from helpdesk.schema.nodes import nodes_of
from helpdesk.schema.tickets import Ticket

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
CommentKind = models.CommentKind
strawberry.enum(
    models.CommentKind, description="INTERNAL_NOTE is for staff only and never reaches customers."
)


@strawberry.type(description="One message of a ticket's conversation.")
class Comment(relay.Node):
    id: relay.NodeID[int]
    kind: CommentKind
    body: str
    created_at: datetime
    _ticket_id: strawberry.Private[int]
    _author_id: strawberry.Private[int | None]
    _internal: strawberry.Private[bool]

    @classmethod
    def from_model(cls, m: models.Comment) -> "Comment":
        return cls(
            id=m.id,
            kind=m.kind,
            body=m.body,
            created_at=m.created_at,
            _ticket_id=m.ticket_id,
            _author_id=m.author_id,
            _internal=m.internal,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required=False):
        return await nodes_of(info, "comment", node_ids, cls.from_model, required)

    @strawberry.field
    def internal(self) -> bool:
        return self._internal

    @strawberry.field
    async def author(self, info: strawberry.Info) -> Contact | None:
        return await contact_or_none(info, self._author_id)

    @strawberry.field
    async def ticket(self, info: strawberry.Info) -> Ticket:
        return Ticket.from_model(await loaders_of(info).ticket.load(self._ticket_id))

    @strawberry.field(description="The files that came with it.")
    async def attachments(self, info: strawberry.Info) -> list[Attachment]:
        rows = await loaders_of(info).attachments_by_comment.load(self.id)
        return [Attachment.from_model(row) for row in rows]


@strawberry.input
class AddCommentInput:
    ticket_id: strawberry.ID
    body: str
    kind: CommentKind = CommentKind.REPLY
    attachments: list[Upload] | None = strawberry.field(
        default=None, description="Files, as parts of a multipart request."
    )


@strawberry.type
class CommentPayload:
    comment: Comment | None
    errors: list[UserError]


@strawberry.type
class CommentMutations:
    @strawberry.mutation(description="Reply on a ticket; staff may also leave internal notes.")
    async def add_comment(self, info: strawberry.Info, input: AddCommentInput) -> CommentPayload:
        result, errors = await attempt(
            lambda: comments.add(
                viewer_of(info),
                decode_id(input.ticket_id, "Ticket", "ticketId"),
                input.body,
                input.kind,
                incoming(input.attachments, "attachments"),
                limits(info),
            )
        )
        return CommentPayload(comment=Comment.from_model(result) if result else None, errors=errors)
