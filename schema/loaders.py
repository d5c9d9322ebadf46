"""Per-request DataLoaders: related objects load in one query per kind, whatever the page
size. Every loader reads through the viewer's access scope, so a nested field never reaches
past what the viewer may see."""

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from helpdesk.models import Category, ChatState, Module, TicketCcContact
from helpdesk.resolvers import (
    access,
    attachments,
    chats,
    comments,
    contacts,
    log_events,
    mail,
    organizations,
)
from helpdesk.resolvers.errors import DomainError
from helpdesk.resolvers.pagination import Page, SortKey, count_each, paginate_each
from helpdesk.resolvers.viewer import Viewer


def _by_id(query: Callable[[], QuerySet]) -> DataLoader:
    async def load(ids: list[int]):
        rows = {row.id: row for row in await query().filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load)


def _grouped(query: Callable[[], QuerySet], key: str, order: tuple[str, ...]) -> DataLoader:
    async def load(ids: list[int]):
        groups = defaultdict(list)
        for row in await query().filter(**{f"{key}__in": ids}).order_by(*order):
            groups[getattr(row, key)].append(row)
        return [groups[i] for i in ids]

    return DataLoader(load)


@dataclass(frozen=True)
class PageArgs:
    """What one connection field asks for: its page, and the page size it may have."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None
    max_size: int


class Paged:
    """A connection under each of many parents (every ticket's comments): one statement
    for each distinct page asked for, and one for every totalCount, whatever the number
    of parents."""

    def __init__(self, query: Callable[[], QuerySet], key: SortKey, parent: str) -> None:
        async def pages(keys: list[tuple[int, PageArgs]]) -> list[Page | DomainError]:
            parents: dict[PageArgs, list[int]] = defaultdict(list)
            for parent_id, args in keys:
                parents[args].append(parent_id)
            found: dict[tuple[int, PageArgs], Page | DomainError] = {}
            for args, ids in parents.items():
                each: Mapping[int, Page | DomainError]
                try:
                    each = await paginate_each(
                        query(), key, parent, ids, descending=False, **asdict(args)
                    )
                except DomainError as error:  # a bad cursor fails only the fields that sent it
                    each = dict.fromkeys(ids, error)
                found.update(((parent_id, args), page) for parent_id, page in each.items())
            return [found[k] for k in keys]

        async def counts(ids: list[int]) -> list[int]:
            found = await count_each(query(), parent, ids)
            return [found[i] for i in ids]

        self._pages = DataLoader(pages)
        self._counts = DataLoader(counts)

    async def page(self, parent_id: int, args: PageArgs) -> Page:
        return await self._pages.load((parent_id, args))

    async def count(self, parent_id: int) -> int:
        return await self._counts.load(parent_id)


class Loaders:
    def __init__(self, viewer: Viewer) -> None:
        self.contact = _by_id(lambda: access.contacts(viewer))
        self.organization = _by_id(lambda: access.organizations(viewer))
        self.ticket = _by_id(lambda: access.tickets(viewer))
        self.comment = _by_id(lambda: access.comments(viewer))
        self.log_event = _by_id(lambda: access.log_events(viewer))
        self.chat = _by_id(lambda: access.chats(viewer))
        self.chat_message = _by_id(lambda: access.chat_messages(viewer))
        self.chats_by_ticket = Paged(lambda: access.chats(viewer), chats.CHAT_SORT, "ticket_id")
        self.live_chat_by_ticket = _grouped(
            lambda: access.chats(viewer).exclude(state=ChatState.ENDED), "ticket_id", ("id",)
        )
        self.messages_by_chat = Paged(
            lambda: access.chat_messages(viewer), chats.MESSAGE_SORT, "chat_id"
        )
        self.category = _by_id(Category.all)
        self.module = _by_id(Module.all)
        self.comments_by_ticket = Paged(lambda: access.comments(viewer), comments.SORT, "ticket_id")
        self.history_by_ticket = Paged(
            lambda: log_events.history(viewer), log_events.SORT, "ticket_id"
        )
        self.attachment = _by_id(lambda: access.attachments(viewer))
        self.attachments_by_ticket = _grouped(
            lambda: attachments.listing(viewer), "ticket_id", ("created_at", "id")
        )
        self.attachments_by_comment = _grouped(
            lambda: attachments.listing(viewer), "comment_id", ("created_at", "id")
        )
        self.mail = _by_id(lambda: mail.visible(viewer))
        self.mails_by_ticket = Paged(lambda: mail.visible(viewer), mail.SORT, "ticket_id")
        self.contacts_by_organization = Paged(
            lambda: contacts.listing(viewer), contacts.SORT, "organization_id"
        )
        self.memberships_by_contact = _grouped(
            lambda: organizations.memberships(viewer),
            "contact_id",
            ("organization__name_key", "id"),
        )
        self.cc_contacts_by_ticket = _grouped(
            lambda: TicketCcContact.filter(
                contact_id__in=Subquery(access.contacts(viewer).values("id"))
            ).select_related("contact"),
            "ticket_id",
            ("id",),
        )
