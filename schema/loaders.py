"""Per-request DataLoaders: related objects load in one query per kind, whatever the page
size. Every loader reads through the viewer's access scope, so a nested field never reaches
past what the viewer may see."""

from collections import defaultdict
from collections.abc import Callable

from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from helpdesk.models import Category, Module, TicketCcContact
from helpdesk.resolvers import access
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


class Loaders:
    def __init__(self, viewer: Viewer) -> None:
        self.contact = _by_id(lambda: access.contacts(viewer))
        self.organization = _by_id(lambda: access.organizations(viewer))
        self.ticket = _by_id(lambda: access.tickets(viewer))
        self.comment = _by_id(lambda: access.comments(viewer))
        self.log_event = _by_id(lambda: access.log_events(viewer))
        self.category = _by_id(Category.all)
        self.module = _by_id(Module.all)
        self.comments_by_ticket = _grouped(
            lambda: access.comments(viewer), "ticket_id", ("created_at", "id")
        )
        self.history_by_ticket = _grouped(lambda: access.log_events(viewer), "ticket_id", ("id",))
        self.cc_contacts_by_ticket = _grouped(
            lambda: TicketCcContact.filter(
                contact_id__in=Subquery(access.contacts(viewer).values("id"))
            ).select_related("contact"),
            "ticket_id",
            ("id",),
        )
