"""Plain fields, executed without graphql-core's per-field machinery.

A grid page is about 1,100 fields; most are a row's attribute (`summary`, `status`,
`organization { name }`). For each of them graphql-core builds an info object and a path,
strawberry wraps the call, and the value goes through the generic completion: that was most
of a page's time (issue 11). Here a field the schema marks as plain (an attribute of its
row with no arguments, a node id, or a function of the row and the request's loaders
declared with `plain()`) is answered by calling that function; a leaf value is coerced by
its own scalar or enum, and an object's fields executed at once, exactly as graphql-core
does. Anything unusual on the way (null where the schema says non-null, an exception, a
value the scalar refuses, @defer) goes back to graphql-core's own path for that field, which
raises the same error it always did, so the fast path changes how long a field takes, never
what it answers.

A value whose selection is plain all the way down (a grid page: the connection, its tickets
and their related rows, loaded beforehand by schema/prefetch.py) is completed by a plan
built once per request from its type and selection: per object, a list of (response name,
function of the row, completion of its value), with no path, no call into graphql-core and
no lookup per field. A plan that meets anything unusual gives up, and graphql-core completes
the whole value again from the start: the functions are pure, so that answers the same."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import EnumMeta
from inspect import iscoroutine
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
)
from graphql.execution.executor import gather_with_cancel, to_nodes
from graphql.pyutils import Path, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

DEFINITION = "strawberry-definition"  # where strawberry keeps its field on a GraphQLField
PLAIN = "helpdesk-plain"  # a StrawberryField's metadata key: fn(row, loaders)
_FALLBACK: Any = object()


def plain(resolve: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """Metadata for `strawberry.field(metadata=...)`: the field's value is `resolve(row,
    loaders)` (a value or an awaitable) with the request's loaders, the very function its
    strawberry resolver calls with `loaders_of(info)`."""
    return {PLAIN: resolve}


@dataclass(frozen=True)
class _Plain:
    field: GraphQLField
    get: Callable[[Any, Any], Any]  # (row, loaders or None) -> value or awaitable
    needs_loaders: bool
    attribute: Callable[[Any], Any] | None  # set for an attribute of the row: `get`, faster
    leaf: GraphQLScalarType | GraphQLEnumType | None  # set: coerce here, no info needed
    coerce: Callable[[Any], Any] | None  # the leaf's coercion, short for common values
    complete_leaf: Callable[[Any], Any] | None  # the same, for plans: refusing is unusual
    object: GraphQLObjectType | None  # set: its fields executed here, no info needed
    non_null: bool


def _plain_function(field: GraphQLField) -> tuple[Callable[[Any, Any], Any], bool, Any] | None:
    """The field's plain function, whether it needs the request's loaders, and the
    attribute getter it is (or None)."""
    own = getattr(field.resolve, PLAIN, None)  # set by schema/__init__.py's node ids
    if own is not None:
        return own, False, None
    definition = (field.extensions or {}).get(DEFINITION)
    if definition is None:
        return None
    if getattr(field.resolve, "_is_default", False):  # strawberry's "basic field": getattr
        attribute = attrgetter(definition.python_name)
        return (lambda row, _loaders: attribute(row)), False, attribute
    declared = (definition.metadata or {}).get(PLAIN)
    return (declared, True, None) if declared else None


MAX_INT = 2**31 - 1  # GraphQL's Int is 32 bits


def _coercion(leaf: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The leaf's own coercion, answered at once for the values rows hold (a str for a
    String or ID, an int for an Int, a bool, a member of the enum); the rest goes through
    the leaf's coerce_output_value. Same results, a few function calls fewer for each of a
    grid page's 700 leaves."""
    slow = leaf.coerce_output_value
    if leaf is GraphQLString or leaf is GraphQLID:
        return lambda value: value if type(value) is str else slow(value)
    if leaf is GraphQLInt:
        return lambda value: (
            value if type(value) is int and -MAX_INT - 1 <= value <= MAX_INT else slow(value)
        )
    if leaf is GraphQLBoolean:
        return lambda value: value if type(value) is bool else slow(value)
    wrapped = getattr(leaf, "wrapped_cls", None)  # strawberry's enum: its Python class
    if isinstance(leaf, GraphQLEnumType) and isinstance(wrapped, EnumMeta):
        names: dict[Any, str] = {}
        try:
            for name, value in leaf.values.items():  # the first name of a value wins, as in
                names.setdefault(value.value, name)  # strawberry's coerce_output_value
        except TypeError:  # a value that is not hashable
            return slow

        def coerce_enum(member: Any) -> Any:
            if type(member) is not wrapped:
                return slow(member)
            return names[member.value]  # a member of an Enum

        return coerce_enum
    return slow


def plain_fields(schema: GraphQLSchema) -> dict[GraphQLObjectType, dict[str, _Plain]]:
    """Per object type, its fields that take no arguments and have a plain function."""
    found: dict[GraphQLObjectType, dict[str, _Plain]] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        fields = {}
        for name, field in graphql_type.fields.items():
            function = _plain_function(field)
            if function is None or field.args:
                continue
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            leaf = inner if isinstance(inner, GraphQLScalarType | GraphQLEnumType) else None
            one = inner if isinstance(inner, GraphQLObjectType) else None
            coerce = _coercion(leaf) if leaf else None
            complete = _leaf_completion(coerce) if coerce else None
            fields[name] = _Plain(
                field,
                *function,
                leaf,
                coerce,
                complete,
                one,
                isinstance(field.type, GraphQLNonNull),
            )
        if fields:
            found[graphql_type] = fields
    return found


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain fields taking the short way. Set `plain` to
    `plain_fields(schema)` once the schema is built, and `plans` to a dict of its own."""

    plain: dict[GraphQLObjectType, dict[str, _Plain]] = {}
    # Plans kept across requests, by (type, field nodes, no loaders); set with `plain`.
    plans: dict[tuple, "_Plan"] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A resolve hook of an extension (middleware) must see every field: none today.
        manager = self.middleware_manager
        self._plain = {} if manager and manager.middlewares else self.plain
        context = self.context_value
        # A small document with no directive selects the same fields whatever its variables:
        # its plans are kept for the next request of it (`plans`; its parsed document is
        # kept too, schema/documents.py). Any other, per request.
        source = self.operation.loc.source.body if self.operation.loc else "@"
        settings = getattr(context, "settings", None)  # (no context: a bare test schema)
        keep = (
            "@" not in source
            and settings is not None
            and len(source) <= settings.max_cached_document_bytes
            and self._plain is self.plain
        )
        self._plans = self.plans if keep else {}

    def complete_value(self, return_type, field_details_list, info, path, result, position):
        """graphql-core's complete_value; a value whose selection is plain all the way down
        (a grid page's tickets and their related rows) completed by its plan, in one go."""
        if position is None and not isinstance(result, Exception):
            loaders = self._loaders()
            known = self._plan(return_type, field_details_list, loaders is not None)
            if known is not None and known.done is None:  # (not already running)
                known.loaders, known.done = loaders, {}
                try:
                    return known.plan(result)  # type: ignore[misc]  # (not None: _plan)
                except Exception:
                    pass  # anything unusual: graphql-core's path says what it is
                finally:
                    known.loaders = known.done = None
        return super().complete_value(return_type, field_details_list, info, path, result, position)

    # -- plans: a selection that is plain all the way down, completed without graphql-core

    def _loaders(self) -> Any:
        """The loaders plans may call for: the viewer's, but none under a root field acting
        as someone else (`login`, once it signed in), which needs the path."""
        context = self.context_value
        return None if getattr(context, "acting_as", True) else context.loaders

    def _plan(self, return_type: Any, field_details_list: Any, loaders: bool) -> "_Plan | None":
        inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if not (isinstance(inner, GraphQLObjectType | GraphQLList) and self._plain):
            return None  # a leaf, or no plain fields: nothing to plan or keep
        # The field nodes are the cached document's: kept alive with the entry (a plan or
        # none), their ids stay theirs. Whether loaders can be had changes what is plain.
        key = (
            return_type,
            tuple((id(d.node), id(d.defer_usage)) for d in field_details_list),
            loaders,
        )
        known = self._plans.get(key)
        if known is None:
            known = _Plan(field_details_list)
            known.plan = _Planner(self, known, loaders).value(return_type, field_details_list)
            if len(self._plans) >= MAX_PLANS:
                self._plans.clear()  # plenty of documents: start again
            self._plans[key] = known
        return known if known.plan is not None else None

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        """graphql-core's execute_fields, with plain leaves answered in place (no path, no
        call per field)."""
        fields = self._plain.get(parent_type)
        if not fields:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                found = fields.get(node.name.value)
                if found and found.leaf and not found.needs_loaders and not node.arguments:
                    value = self._plain_value(found, None, source_value)
                    if value is not _FALLBACK:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # settled, as graphql-core does: they may fail too
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    @staticmethod
    async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
        else:
            values = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
        return results

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        fields = self._plain.get(parent_type)
        node = field_details_list[0].node
        found = fields.get(node.name.value) if fields else None
        if found is None or node.arguments:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        loaders = None
        if found.needs_loaders:
            # `loaders_of(info)` is the viewer's, except under a root field acting as
            # someone else (`login`): that needs the path, so it takes graphql-core's way.
            context = self.context_value
            loaders = None if context.acting_as else context.loaders
            if loaders is None:
                return super().execute_field(
                    parent_type, source, field_details_list, path, position_context
                )
        if found.leaf is None:
            return self._execute_plain(
                found, loaders, parent_type, source, field_details_list, path, position_context
            )
        value = self._plain_value(found, loaders, source)
        if value is _FALLBACK:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        return value

    def _execute_plain(
        self, found, loaders, parent_type, source, field_details_list, path, position
    ):
        """graphql-core's execute_field with the plain function for the resolver: the same
        completion, awaiting and error handling, without strawberry's wrapper around it; an
        object's fields executed at once when nothing about it is unusual."""
        return_type = found.field.type
        try:
            result = found.get(source, loaders)
            if found.object and position is None and not self.is_awaitable(result):
                completed = self._plain_object(found, field_details_list, path, result)
                if completed is not _FALLBACK:
                    return completed
            info = self.build_resolve_info(
                found.field, to_nodes(field_details_list), parent_type, path
            )
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position
            )
            if self.is_awaitable(completed):
                return self._awaited(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def _plain_object(self, found: _Plain, field_details_list, path, value: Any) -> Any:
        """graphql-core's complete_object_value without the info, or _FALLBACK. An error
        raised here is the field's, as in complete_value."""
        assert found.object is not None
        if value is None:
            return _FALLBACK if found.non_null else None
        if found.object.is_type_of is not None:
            try:  # strawberry's is an isinstance check that never reads the info
                if found.object.is_type_of(value, None) is not True:  # type: ignore[arg-type]
                    return _FALLBACK
            except Exception:
                return _FALLBACK
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            found.object, field_details_list
        )
        if new_defer_usages:
            return _FALLBACK
        completed = self.execute_fields(found.object, value, path, grouped_field_set, None)
        if self.is_awaitable(completed):
            return self._awaited(completed, found.field.type, field_details_list, path)
        return completed

    async def _awaited(self, completed, return_type, field_details_list, path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _plain_value(self, found: _Plain, loaders: Any, source: Any) -> Any:
        """The completed leaf value, or _FALLBACK: graphql-core's path says what is wrong."""
        assert found.coerce is not None  # set with the leaf
        try:
            value = found.get(source, loaders)
        except Exception:
            return _FALLBACK
        if value is None:
            return _FALLBACK if found.non_null else None
        try:
            coerced = found.coerce(value)
        except Exception:
            return _FALLBACK
        return _FALLBACK if coerced is None or coerced is Undefined else coerced


class _Unusual(Exception):
    """A plan met something graphql-core must answer (null where the schema says non-null,
    a value still loading): the plan gives up, and graphql-core completes the value."""


def _unusual(value: Any) -> Any:
    if iscoroutine(value):  # a related row still loading (schema/loaders.py `soon`):
        value.close()  # graphql-core's path asks for it again and awaits that
    raise _Unusual


class _Plan:
    """A completion kept for a selection (`plans`), and what it runs with while it runs: the
    request's loaders and the objects it completed for each selection (by id, kept alive so
    that their ids stay theirs: a page's tickets share a few organizations, owners and
    categories, each one object, completed once). Plans run without awaiting: one request
    at a time."""

    def __init__(self, nodes: Any) -> None:
        self.nodes = nodes  # the field nodes, kept alive
        self.plan: Callable[[Any], Any] | None = None  # None: the selection is not plain
        self.loaders: Any = None
        # Per selection (an object's steps), the objects completed, by id.
        self.done: dict[int, dict[int, tuple[Any, dict[str, Any]]]] | None = None


MAX_PLANS = 1024  # kept plans (a few per document a client sends): then started again


class _Planner:
    """Builds the completion of a value from its type and selection, when every field in
    it is plain: each object is a list of steps `(response name, function of the row,
    completion of its value)`, each completion a closure. None when any field is not plain,
    takes arguments, is deferred, or needs loaders this request cannot give at once."""

    def __init__(self, context: PlainFieldsExecutionContext, run: _Plan, loaders: bool) -> None:
        self.context = context
        self.run = run  # the loaders and objects done of the request running the plan
        self.loaders = loaders  # whether the request has loaders

    def value(self, return_type: Any, field_details_list: Any) -> Callable[[Any], Any] | None:
        """The completion of a non-null value of this type."""
        non_null = isinstance(return_type, GraphQLNonNull)
        inner = return_type.of_type if non_null else return_type
        if isinstance(inner, GraphQLList):
            return self._list(inner, field_details_list, non_null)
        if isinstance(inner, GraphQLObjectType):
            return self._object(inner, field_details_list, non_null)
        return None

    def _list(self, list_type: GraphQLList, field_details_list: Any, non_null: bool):
        item_type = list_type.of_type
        item_non_null = isinstance(item_type, GraphQLNonNull)
        inner = item_type.of_type if item_non_null else item_type
        item: Callable[[Any], Any] | None
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            item = _leaf_completion(_coercion(inner))
        else:
            item = self.value(inner, field_details_list)
        if item is None:
            return None

        def complete_list(value: Any) -> Any:
            if value is None:
                return _unusual(value) if non_null else None
            if isinstance(value, str | bytes | Mapping) or not is_iterable(value):
                return _unusual(value)
            completed: list[Any] = []
            for one in value:
                if one is None:
                    if item_non_null:
                        return _unusual(one)
                    completed.append(None)
                else:
                    completed.append(item(one))
            return completed

        return complete_list

    def _object(self, object_type: GraphQLObjectType, field_details_list: Any, non_null: bool):
        fields = self.context._plain.get(object_type)
        if not fields:
            return None
        grouped_field_set, new_defer_usages, _ = self.context.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        type_name = object_type.name
        # (response name, attribute getter or None, plain function, the Python type of a
        # leaf value that is its own answer (str for String and ID, bool) or None, the
        # completion of other values, non-null)
        steps: list[tuple[str, Any, Callable[[Any, Any], Any], Any, Callable[[Any], Any], bool]]
        steps = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((response_name, None, lambda *_: type_name, str, str, True))
                continue
            found = fields.get(name)
            if found is None or node.arguments or (found.needs_loaders and not self.loaders):
                return None
            complete: Callable[[Any], Any] | None
            if found.complete_leaf is not None:
                complete = found.complete_leaf
            else:
                complete = self.value(found.field.type, details)
                if complete is None:
                    return None
            own = _OWN_ANSWER.get(found.leaf)
            steps.append((response_name, found.attribute, found.get, own, complete, found.non_null))
        run = self.run
        is_type_of = object_type.is_type_of
        slot = id(steps)  # this selection's objects, among those the plan has done

        def complete_object(row: Any) -> Any:
            if row is None:
                return _unusual(row) if non_null else None
            assert run.done is not None  # set while the plan runs
            done = run.done.get(slot)
            if done is None:
                done = run.done[slot] = {}
            known = done.get(id(row))
            if known is not None and known[0] is row:
                return known[1]
            if iscoroutine(row):  # the row of a related field, still loading
                return _unusual(row)
            if is_type_of is not None and is_type_of(row, None) is not True:  # type: ignore[arg-type]
                return _unusual(row)
            loaders = run.loaders
            completed: dict[str, Any] = {}
            for response_name, attribute, get, own, complete, field_non_null in steps:
                value = get(row, loaders) if attribute is None else attribute(row)
                if value is None:
                    if field_non_null:
                        return _unusual(value)
                    completed[response_name] = None
                elif type(value) is own:  # a str for a String, a bool for a Boolean
                    completed[response_name] = value
                else:
                    completed[response_name] = complete(value)
            done[id(row)] = (row, completed)  # whole: a plan that gave up keeps nothing
            return completed

        return complete_object


# Leaves whose values of this exact Python type are their own answer (as _coercion says).
_OWN_ANSWER: dict[Any, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _leaf_completion(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A leaf's coercion, for a plan: a value it refuses is unusual."""

    def complete_leaf(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            return _unusual(value)
        return coerced

    return complete_leaf
