"""Statements built once and run by hand, for the few writes and reads on every request's
path where the ORM's query building cost more than the query (issue 11): Tortoise builds
each statement anew from filters and a pypika tree, about 0.3 ms for a one-row UPDATE.
Values still go through each model field's own conversion, so what is stored is what the
ORM would have stored; errors are the ORM's too (its client runs the statement)."""

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from functools import cache, lru_cache
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import QuerySet

from helpdesk.models.rows import row_maker

M = TypeVar("M", bound=Model)


def parameter(db: BaseDBAsyncClient, number: int) -> str:
    """The number-th (from 1) parameter's placeholder on the connection's database."""
    return _placeholder(_is_postgres(db), number)


def _placeholder(postgres: bool, number: int) -> str:
    return f"${number}" if postgres else "?"


def _is_postgres(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "postgres"


@cache
def _versioned_update(model: type[Model], attrs: tuple[str, ...], postgres: bool) -> str:
    meta = model._meta
    columns = []
    for attr in attrs:
        column = meta.fields_db_projection.get(attr)
        if column is None or meta.fields_map[attr].pk:
            raise ValueError(f"{model.__name__}.{attr} is not a column that can be written")
        columns.append(column)
    assignments = ", ".join(
        f'"{column}" = {_placeholder(postgres, n)}' for n, column in enumerate(columns, 1)
    )
    key, version = (_placeholder(postgres, len(columns) + n) for n in (1, 2))
    return (
        f'UPDATE "{meta.db_table}" SET {assignments} '
        f'WHERE "{meta.db_pk_column}" = {key} AND "version" = {version}'
    )


async def update_if_version(instance: Model, attrs: list[str], version: int) -> bool:
    """Writes `attrs` of the instance, and only if its row still has `version`: whether a
    row was written. The statement for each set of attributes is built once."""
    model = type(instance)
    db = model._meta.db
    sql = _versioned_update(model, tuple(attrs), _is_postgres(db))
    fields = model._meta.fields_map
    # Converted as the ORM's UPDATE does: given the class, not the instance, a field
    # converts the value it is handed and stamps nothing of its own (auto_now).
    values = [fields[a].to_db_value(getattr(instance, a), model) for a in attrs]
    written, _ = await db.execute_query(sql, [*values, instance.pk, version])
    return written > 0


def _columns(model: type[Model]) -> str:
    return ", ".join(f'"{column}"' for column in model._meta.fields_db_projection.values())


@cache
def _rows_after(model: type[Model], postgres: bool) -> str:
    meta = model._meta
    key = meta.db_pk_column
    return (
        f'SELECT {_columns(model)} FROM "{meta.db_table}" '
        f'WHERE "{key}" > {_placeholder(postgres, 1)} '
        f'ORDER BY "{key}" LIMIT {_placeholder(postgres, 2)}'
    )


@cache
def _row(model: type[Model], postgres: bool, for_update: bool) -> str:
    meta = model._meta
    return (
        f'SELECT {_columns(model)} FROM "{meta.db_table}" '
        f'WHERE "{meta.db_pk_column}" = {_placeholder(postgres, 1)}'
        + (" FOR UPDATE" if for_update and postgres else "")  # SQLite locks the whole file
    )


async def _select(model: type[M], sql: str, values: list) -> list[M]:
    """The rows as model instances, made as the ORM's executor makes whole rows."""
    _, rows = await model._meta.db.execute_query(sql, values)
    if not rows:
        return []
    make = row_maker(model, tuple(rows[0].keys()))
    return [make(row) for row in rows]


async def rows_after(model: type[M], after: int, limit: int) -> list[M]:
    """The model's rows whose key is above `after`, in key order, at most `limit`: the
    live tailer's read after every write."""
    return await _select(model, _rows_after(model, _is_postgres(model._meta.db)), [after, limit])


async def row(model: type[M], key: int, *, for_update: bool = False) -> M | None:
    """The model's row with this primary key (locked until the transaction ends, with
    `for_update`), or None. Who may see it is the caller's to check (resolvers/access.py)."""
    rows = await _select(model, _row(model, _is_postgres(model._meta.db), for_update), [key])
    return rows[0] if rows else None


def _in(postgres: bool, count: int) -> str:
    return ", ".join(_placeholder(postgres, n) for n in range(1, count + 1))


@lru_cache(maxsize=512)
def _rows_in(model: type[Model], postgres: bool, count: int) -> str:
    meta = model._meta
    return (
        f'SELECT {_columns(model)} FROM "{meta.db_table}" '
        f'WHERE "{meta.db_pk_column}" IN ({_in(postgres, count)})'
    )


async def rows_in(model: type[M], keys: list[int]) -> list[M]:
    """The model's rows whose primary key is one of `keys`, in no particular order. Who may
    see them is the caller's to check: see `whole_table`."""
    if not keys:
        return []
    sql = _rows_in(model, _is_postgres(model._meta.db), len(keys))
    return await _select(model, sql, list(keys))


@lru_cache(maxsize=512)
def _values_in(
    model: type[Model], columns: tuple[str, ...], key: str, postgres: bool, count: int
) -> str:
    meta = model._meta
    names = ", ".join(f'"{column}"' for column in columns)
    return (
        f'SELECT {names} FROM "{meta.db_table}" WHERE "{key}" IN ({_in(postgres, count)}) '
        f'ORDER BY "{meta.db_pk_column}"'
    )


async def ids_in(model: type[Model], columns: tuple[str, ...], key: str, keys: list[int]):
    """Integer columns (ids) of the model's rows whose `key` column is one of `keys`, as
    tuples in the order of the rows' primary keys: what `.filter(key__in=keys).order_by(pk)
    .values_list(*columns)` answers, without building it each time."""
    if not keys:
        return []
    db = model._meta.db
    sql = _values_in(model, columns, key, _is_postgres(db), len(keys))
    _, rows = await db.execute_query(sql, list(keys))
    return [tuple(row) for row in rows]


def whole_table(query: QuerySet[Any]) -> bool:
    """Whether the queryset is every row of its model, as `Model.all()` makes it: compared
    slot by slot with a fresh one, so anything added to it (a filter, an ordering, a limit,
    another connection, a setting Tortoise may add one day) makes it not."""
    fresh = query.model.all()
    for name in _slots(type(query).__mro__):
        if name == "query":  # the model's base statement, built when run: the same object
            if getattr(query, name, None) is not getattr(fresh, name, None):
                return False
        elif getattr(query, name, _UNSET) != getattr(fresh, name, _UNSET):
            return False
    return True


_UNSET = object()


@cache
def _slots(classes: tuple[type, ...]) -> tuple[str, ...]:
    return tuple(name for c in classes for name in _names(getattr(c, "__slots__", ())))


def _names(slots: str | Iterable[str]) -> Iterable[str]:
    return (slots,) if isinstance(slots, str) else slots


# Where the keys go in a scoped statement built once (`rows_in_scope`): ids no row has,
# so each is found among the statement's parameters, once.
_SENTINEL = -(2**62)
_Statement = tuple[str, list[Any], list[int]]  # SQL, parameters, where the keys go
_scoped: OrderedDict[Hashable, _Statement | None] = OrderedDict()
SCOPED_STATEMENTS = 1024  # (scope, size) pairs kept: a few per organization


async def rows_in_scope(scope: QuerySet[M], same_for: Hashable, keys: list[int]) -> list[M]:
    """`scope.filter(id__in=keys)`: the rows of these ids within the scope. Its statement is
    built by the ORM once for each `same_for` (everything the scope is made of: a viewer's
    Audience) and number of keys, with stand-in keys, and run again with the real ones in
    their places; a customer's grid reads its organizations and contacts this way without
    building the scope's filters every time. A scope whose stand-ins do not each come out
    as one parameter is built every time."""
    if not keys:
        return []
    model = scope.model
    db = model._meta.db
    cache_key = (model, same_for, _is_postgres(db), len(keys))
    if cache_key in _scoped:
        _scoped.move_to_end(cache_key)
        known = _scoped[cache_key]
    else:
        known = _scoped[cache_key] = _scoped_statement(scope, len(keys))
        while len(_scoped) > SCOPED_STATEMENTS:
            _scoped.popitem(last=False)
    if known is None:
        return await scope.filter(id__in=keys)
    sql, params, places = known
    values = list(params)
    for place, key in zip(places, keys, strict=True):
        values[place] = key
    return await _select(model, sql, values)


def _scoped_statement(scope: QuerySet[Any], count: int) -> _Statement | None:
    stand_ins = [_SENTINEL - n for n in range(count)]
    query = scope.filter(id__in=stand_ins)
    if not whole_rows(query):
        return None
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    params = list(params)
    places = []
    for stand_in in stand_ins:
        found = [n for n, value in enumerate(params) if value == stand_in]
        if len(found) != 1 or str(stand_in) in sql:
            return None
        places.append(found[0])
    return sql, params, places


def whole_rows(query: QuerySet[Any]) -> bool:
    """Whether the queryset's rows are whole models, nothing joined or added (a filtered
    `Model.all()`)."""
    return not (
        query._annotations
        or query._select_related
        or query._prefetch_map
        or query._fields_for_select
        or query._group_bys
        or query._distinct
        or query._limit is not None
        or query._offset is not None
    )
