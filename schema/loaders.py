"""Per-request DataLoaders: related objects load in one query per kind, whatever the page
size. Every loader reads through the viewer's access scope, so a nested field never reaches
past what the viewer may see."""

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
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
    statements,
)
from helpdesk.resolvers.errors import DomainError
from helpdesk.resolvers.pagination import Page, SortKey, count_each, paginate_each
from helpdesk.resolvers.viewer import Viewer

T = TypeVar("T")
MISSING: Any = object()


def peek(loader: DataLoader, key: Hashable) -> Any:
    """The row the loader already holds for `key` (loaded earlier in this request, e.g. by
    schema/prefetch.py), or MISSING: not loaded yet, still loading, or failed."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return MISSING
    return future.result()


class RowLoader(DataLoader):
    """A loader of rows by key that also keeps what each row was converted into (`soon`):
    a grid page's 50 tickets name the same few organizations, owners and categories, and
    each of them becomes one schema object, completed once (schema/execution.py)."""

    def __init__(self, load_fn: Callable[[list[Any]], Any]) -> None:
        super().__init__(load_fn)
        self.converted: dict[tuple[Hashable, Callable[[Any], Any]], Any] = {}


def converted(loader: DataLoader, key: Hashable, convert: Callable[[Any], T]) -> Any:
    """`convert(row)` of the row the loader holds for `key`, or MISSING (see `peek`); the
    same object each time the same row is asked for the same conversion."""
    memo = loader.converted if isinstance(loader, RowLoader) else None
    if memo is not None:
        done = memo.get((key, convert), MISSING)
        if done is not MISSING:
            return done
    row = peek(loader, key)
    if row is MISSING:
        return MISSING
    done = convert(row)
    if memo is not None:
        memo[key, convert] = done
    return done


def soon(loader: DataLoader, key: Hashable, convert: Callable[[Any], T]) -> Any:
    """`convert(row)` at once when the row is already loaded, else an awaitable of it (typed
    Any: a resolver returns it as its declared type). A resolver returning this runs without
    a coroutine or a task of its own when the page's rows were loaded in one go; otherwise
    it waits for the batch like any loader field."""
    done = converted(loader, key, convert)
    if done is not MISSING:
        return done

    async def later() -> T:
        return convert(await loader.load(key))

    return later()


def _by_id(query: Callable[[], QuerySet], same_for: Hashable = None) -> RowLoader:
    """Rows by id within the scope `query()` makes. `same_for`: what the scope is made of
    (the viewer's audience), when its statement may be kept for the next request of an
    equal audience (statements.rows_in_scope)."""

    async def load(ids: list[int]):
        scope = query()
        if statements.whole_table(scope):  # staff, a catalog: no filter to build
            found = await statements.rows_in(scope.model, ids)
        elif same_for is not None:
            found = await statements.rows_in_scope(scope, same_for, ids)
        else:
            found = await scope.filter(id__in=ids)
        rows = {row.id: row for row in found}
        return [rows.get(i) for i in ids]

    return RowLoader(load)


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
    """One request's loaders, each made when first used: a request needs a few of them."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    @cached_property
    def contact(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.contacts(viewer), access.audience(viewer))

    @cached_property
    def organization(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.organizations(viewer), access.audience(viewer))

    @cached_property
    def ticket(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.tickets(viewer))

    @cached_property
    def comment(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.comments(viewer))

    @cached_property
    def log_event(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.log_events(viewer))

    @cached_property
    def chat(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.chats(viewer))

    @cached_property
    def chat_message(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.chat_messages(viewer))

    @cached_property
    def chats_by_ticket(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: access.chats(viewer), chats.CHAT_SORT, "ticket_id")

    @cached_property
    def live_chat_by_ticket(self) -> DataLoader:
        viewer = self.viewer
        return _grouped(
            lambda: access.chats(viewer).exclude(state=ChatState.ENDED), "ticket_id", ("id",)
        )

    @cached_property
    def messages_by_chat(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: access.chat_messages(viewer), chats.MESSAGE_SORT, "chat_id")

    @cached_property
    def category(self) -> DataLoader:
        return _by_id(Category.all)

    @cached_property
    def module(self) -> DataLoader:
        return _by_id(Module.all)

    @cached_property
    def comments_by_ticket(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: access.comments(viewer), comments.SORT, "ticket_id")

    @cached_property
    def history_by_ticket(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: log_events.history(viewer), log_events.SORT, "ticket_id")

    @cached_property
    def attachment(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: access.attachments(viewer))

    @cached_property
    def attachments_by_ticket(self) -> DataLoader:
        viewer = self.viewer
        return _grouped(lambda: attachments.listing(viewer), "ticket_id", ("created_at", "id"))

    @cached_property
    def attachments_by_comment(self) -> DataLoader:
        viewer = self.viewer
        return _grouped(lambda: attachments.listing(viewer), "comment_id", ("created_at", "id"))

    @cached_property
    def mail(self) -> DataLoader:
        viewer = self.viewer
        return _by_id(lambda: mail.visible(viewer))

    @cached_property
    def mails_by_ticket(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: mail.visible(viewer), mail.SORT, "ticket_id")

    @cached_property
    def contacts_by_organization(self) -> Paged:
        viewer = self.viewer
        return Paged(lambda: contacts.listing(viewer), contacts.SORT, "organization_id")

    @cached_property
    def memberships_by_contact(self) -> DataLoader:
        viewer = self.viewer
        return _grouped(
            lambda: organizations.memberships(viewer),
            "contact_id",
            ("organization__name_key", "id"),
        )

    @cached_property
    def cc_contact_ids_by_ticket(self) -> DataLoader:
        """Each ticket's CC contacts' ids, in the order they were added. Whether the viewer
        may see each contact is the contact loader's to say (schema/contacts.py
        `contacts_soon`), so the page's contacts load in one statement."""

        async def load(ids: list[int]) -> list[list[int]]:
            groups = defaultdict(list)
            links = await statements.ids_in(
                TicketCcContact, ("ticket_id", "contact_id"), "ticket_id", ids
            )
            for ticket_id, contact_id in links:
                groups[ticket_id].append(contact_id)
            return [groups[i] for i in ids]

        return DataLoader(load)
