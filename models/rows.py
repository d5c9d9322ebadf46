"""Rows made into models: what Tortoise's `Model._init_from_db` does, from a plan made once
per model and columns (issue 11).

For a ticket's 27 columns `_init_from_db` took 18 us a row (a grid page: about 1 ms): four
attributes through `Model.__setattr__`, a call per enum and timestamp, the timestamp parsed
by a regular expression (iso8601) and the time zone setting read from the environment for
each. `row_maker` looks enums and the time zone up once and parses SQLite's timestamps with
`fromisoformat`. The models made are the same, attribute for attribute
(tests/test_models_rows.py compares them with `_init_from_db`'s on both databases); a
column it does not know how to take the short way goes through the field's own
`to_python_value`."""

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.fields import DatetimeField
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model
from tortoise.timezone import get_default_timezone, get_use_tz

RowMaker = Callable[[Any], Any]  # a row (sqlite3.Row, asyncpg.Record) -> a model
_makers: dict[tuple[type[Model], tuple[str, ...]], RowMaker] = {}


def row_maker(model: type[Model], columns: tuple[str, ...]) -> RowMaker:
    """A function making a row (values in the order of `columns`) into a model, as
    `model._init_from_db(**dict(zip(columns, row)))` does."""
    key = (model, columns)
    maker = _makers.get(key)
    if maker is None:
        maker = _makers[key] = _plan(model, columns)
    return maker


def _plan(model: type[Model], columns: tuple[str, ...]) -> RowMaker:
    meta = model._meta
    position = {name: index for index, name in enumerate(columns)}
    every = [*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields]
    if any(column not in position for column, _, _ in every) or any(
        hasattr(getattr(model, attribute, None), "__set__") for _, attribute, _ in every
    ):
        # Not every column (Tortoise makes a partial model), or an attribute that is a
        # descriptor: Tortoise's own way.
        init = model._init_from_db
        return lambda row: init(**dict(zip(columns, row, strict=True)))
    steps: list[tuple[str, int, Callable[[Any], Any] | None]] = []
    for column, attribute, _ in meta.db_native_fields:
        steps.append((attribute, position[column], None))
    for column, attribute, field in meta.db_default_fields:
        steps.append((attribute, position[column], _default(field.field_type)))
    for column, attribute, field in meta.db_complex_fields:
        steps.append((attribute, position[column], _complex(field)))
    custom_generated_pk = meta.db_pk_column not in meta.generated_db_fields
    new = model.__new__

    def make(row: Any) -> Any:
        instance = new(model)
        attributes = instance.__dict__  # object.__setattr__, as Tortoise's, without a call
        attributes["_partial"] = False
        attributes["_saved_in_db"] = True
        attributes["_custom_generated_pk"] = custom_generated_pk
        attributes["_await_when_save"] = {}
        for attribute, index, convert in steps:
            value = row[index]
            attributes[attribute] = value if convert is None else convert(value)
        return instance

    return make


def _default(field_type: type) -> Callable[[Any], Any]:
    """`field_type(value)` unless None, without the call when it already is one."""
    return lambda value: value if value is None or type(value) is field_type else field_type(value)


def _complex(field: Any) -> Callable[[Any], Any]:
    slow = field.to_python_value
    if isinstance(field, IntEnumFieldInstance | CharEnumFieldInstance):
        return _enum(field.enum_type, slow)
    if type(field) is DatetimeField and get_use_tz():
        return _aware_datetime(slow)
    return slow


def _enum(enum: type[Enum], slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    members: dict[Any, Any] = {member.value: member for member in enum}
    members[None] = None

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):  # not a value of the enum: the field says what it is
            return slow(value)

    return convert


def _aware_datetime(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A timestamp in the configured time zone: PostgreSQL's datetimes, SQLite's text with
    its offset. Naive or anything else: the field's own conversion."""
    zone = get_default_timezone()
    parse = datetime.fromisoformat

    def convert(value: Any) -> Any:
        if value is None:
            return None
        moment = parse(value) if type(value) is str else value
        if type(moment) is not datetime or moment.tzinfo is None:
            return slow(value)
        return moment.astimezone(zone)

    return convert
