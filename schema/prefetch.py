"""A page's related rows, loaded in one go before its fields resolve.

A grid page asks for each ticket's organization, contacts and category. Through loaders
alone that is one coroutine, one future and a task or two per field: about 250 for 50
tickets. Loading the rows the selection asks for first, through the very same loaders (so
through the same access scopes: a contact the viewer may not see is still null), lets the
fields find their row at once (schema/loaders.py `soon`) and resolve without waiting."""

import asyncio
from collections.abc import Hashable, Iterable, Iterator

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry.dataloader import DataLoader

from helpdesk import models
from helpdesk.schema.context import loaders_of
from helpdesk.schema.loaders import MISSING, peek

CONTACTS = {
    "primaryContact": "primary_contact_id",
    "owner": "owner_id",
    "createdBy": "created_by_id",
    "updatedBy": "updated_by_id",
}


def _fields(info: strawberry.Info, selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
    """The fields of a selection set, its fragments spread. Read from the document itself:
    strawberry's `info.selected_fields` converts the whole selection below, every ticket
    field and related row of it, to ask for two levels of names."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(info, selection.selection_set)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info._raw_info.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(info, fragment.selection_set)


def _roots(info: strawberry.Info) -> Iterator[FieldNode]:
    """The root field's own nodes (one per time the document selects it, under one name)."""
    yield from info._raw_info.field_nodes


def ticket_fields(info: strawberry.Info) -> set[str]:
    """The names selected on the tickets of the connection this root field returns."""
    names: set[str] = set()
    for root in _roots(info):
        for field in _fields(info, root.selection_set):
            if field.name.value == "nodes":
                names.update(f.name.value for f in _fields(info, field.selection_set))
            elif field.name.value == "edges":
                for node in _fields(info, field.selection_set):
                    if node.name.value == "node":
                        names.update(f.name.value for f in _fields(info, node.selection_set))
    return names


def asks_for_total(info: strawberry.Info) -> bool:
    """Whether the connection this root field returns is asked for its totalCount."""
    return any(
        field.name.value in ("totalCount", "totalCountIsExact")
        for root in _roots(info)
        for field in _fields(info, root.selection_set)
    )


async def ticket_relations(info: strawberry.Info, rows: list[models.Ticket]) -> None:
    """Loads the organizations, contacts (CC contacts included) and categories the
    selection asks for on these tickets. A failure leaves the rows unloaded: the fields that
    need them load them through their loader, and raise what it raises."""
    if not rows:
        return
    wanted = ticket_fields(info)
    loaders = loaders_of(info)

    async def contacts() -> None:
        contact_ids = {
            getattr(t, column) for name, column in CONTACTS.items() if name in wanted for t in rows
        }
        if "ccContacts" in wanted:
            links = loaders.cc_contact_ids_by_ticket
            await _fill(links, {t.id for t in rows})
            for t in rows:
                linked = peek(links, t.id)
                contact_ids.update(() if linked is MISSING else linked)
        contact_ids.discard(None)
        await _fill(loaders.contact, contact_ids)

    jobs = [contacts()]
    if "organization" in wanted:
        jobs.append(_fill(loaders.organization, {t.organization_id for t in rows}))
    if "category" in wanted:
        jobs.append(_fill(loaders.category, {t.category_id for t in rows}))
    await asyncio.gather(*jobs)


async def _fill(loader: DataLoader, keys: Iterable[Hashable]) -> None:
    """The loader's rows for these keys, loaded by its own batch function (so through its
    access scope) in one call and put in its cache: no future, task or callback per key,
    as `load_many` makes (a tenth of a grid page's time). A failure loads nothing."""
    missing = [key for key in keys if loader.cache_map.get(key) is None]
    if not missing:
        return
    try:
        found = await loader.load_fn(missing)
    except Exception:  # the fields that need these rows load them, and raise it
        return
    loader.prime_many(dict(zip(missing, found, strict=True)))
