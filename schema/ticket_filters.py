"""The grid filter's GraphQL input, generated from the filter table (resolvers/ticket_filters.py):
a new filter field needs no edit here.

Each field of the domain `TicketFilter` becomes an input field named by its rule, with the
rule's description. Lists become nullable lists (null means empty), and fields whose rule
names an `id_type` take global IDs of that type, decoded in `to_domain`."""

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from helpdesk.resolvers.ticket_filters import Rule, TicketFilter, rule_of
from helpdesk.schema.ids import decode_many, decode_optional

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _InputField:
    rule: Rule
    annotation: Any
    default: Any
    decode: Callable[[Any], Any]  # the input's value -> the domain's


def _input_field(field: dataclasses.Field, hint: Any) -> _InputField:
    rule = rule_of(field)
    many = typing.get_origin(hint) is list
    annotation: Any
    if many:  # [X!] = null
        item = strawberry.ID if rule.id_type else typing.get_args(hint)[0]
        annotation, default = types.GenericAlias(list, (item,)) | None, None
    else:
        annotation, default = (strawberry.ID | None if rule.id_type else hint), field.default
    return _InputField(rule, annotation, default, _decoder(many, rule.id_type, rule.input))


def _decoder(many: bool, id_type: str | None, name: str) -> Callable[[Any], Any]:
    if many and id_type:
        return lambda v: decode_many(v or [], id_type, name)
    if many:
        return lambda v: list(v or [])
    if id_type:
        return lambda v: decode_optional(v, id_type, name)
    return lambda v: v


_HINTS = typing.get_type_hints(TicketFilter)
_FIELDS = {f.name: _input_field(f, _HINTS[f.name]) for f in dataclasses.fields(TicketFilter)}


def with_filter_fields(cls: type[T]) -> type[T]:
    """Adds the table's fields to an input class, before `strawberry.input` reads it."""
    cls.__annotations__ = {name: field.annotation for name, field in _FIELDS.items()}
    for name, field in _FIELDS.items():
        graphql = strawberry.field(
            name=field.rule.input, default=field.default, description=field.rule.description
        )
        setattr(cls, name, graphql)
    return cls


def to_domain(value: object) -> TicketFilter:
    """The domain filter of an input built by `with_filter_fields`, its IDs decoded."""
    return TicketFilter(
        **{name: field.decode(getattr(value, name)) for name, field in _FIELDS.items()}
    )
