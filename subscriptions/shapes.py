"""What a subscription document subscribes to: its root fields (through fragments and
aliases), the resume cursor it passes, and whether its results are personal."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from graphql.language import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from strawberry.schema.base import BaseSchema
from strawberry.types.base import get_object_definition

# The root fields that resume from a cursor in `after`, or replay from the start with
# `fromStart`: such a subscriber shares the live execution and catches up privately
# (subscriptions/hubs.py).
RESUMABLE = frozenset({"ticketEvents", "chatEvents"})
# The metadata of a subscription field whose results depend on the person, not only on
# their audience (what the read scopes read): each subscriber gets an execution of their own.
PERSONAL = {"audience": "person"}
# The metadata of a subscription field each of whose results is the whole state, not a
# change: a subscriber who joins a running execution gets its latest result at once.
SNAPSHOT = {"results": "snapshot"}


@dataclass(frozen=True)
class Shape:
    fields: frozenset[str]  # the root fields' names (not aliases) that may run
    cursor_variable: str | None  # the variable given to a RESUMABLE field's `after`, if any
    # A RESUMABLE field's `fromStart`: the variable given to it, and its value when that
    # variable is not sent (its default), or the literal written.
    start_variable: str | None = None
    starts: bool = False

    def from_start(self, variables: dict | None) -> bool:
        """Whether the subscriber asks for a replay from the start (a cursor of 0)."""
        if self.start_variable is None or not variables or self.start_variable not in variables:
            return self.starts
        return variables[self.start_variable] is True


@lru_cache(maxsize=512)
def subscription_shape(query: str, operation_name: str | None) -> Shape | None:
    """What a subscription document subscribes to, or None for anything else (including
    documents that do not parse: strawberry reports those itself)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = list(_root_fields(operation.selection_set, fragments))
    defaults = {
        d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
    }
    cursor_variable = start_variable = None
    starts = False
    for root in roots:
        for argument in root.arguments or ():
            if root.name.value not in RESUMABLE:
                continue
            value: ValueNode | None = argument.value
            if argument.name.value == "after" and isinstance(value, VariableNode):
                cursor_variable = value.name.value
            elif argument.name.value == "fromStart":
                if isinstance(value, VariableNode):
                    start_variable = value.name.value
                    value = defaults.get(start_variable)
                starts = isinstance(value, BooleanValueNode) and value.value
    return Shape(frozenset(r.name.value for r in roots), cursor_variable, start_variable, starts)


def _root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """Every field that may run at the root, through inline fragments and fragment spreads
    at any depth. @include and @skip are not evaluated: a field that may run counts. Each
    fragment is visited once, so this is linear in the document; an unknown fragment is
    left to validation, which reports it."""
    seen: set[str] = set()
    stack = [selections]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    stack.append(fragments[name].selection_set)


def is_personal(schema: BaseSchema, shape: Shape) -> bool:
    """Whether any root field the document may run is declared PERSONAL in the schema."""
    return not shape.fields.isdisjoint(personal_fields(schema))


def personal_fields(schema: BaseSchema) -> frozenset[str]:
    """The GraphQL names of the schema's subscription fields declared PERSONAL."""
    return _declared(schema, PERSONAL)


def is_snapshot(schema: BaseSchema, shape: Shape) -> bool:
    """Whether any root field the document may run is declared SNAPSHOT in the schema."""
    return not shape.fields.isdisjoint(_declared(schema, SNAPSHOT))


def _declared(schema: BaseSchema, metadata: dict[str, str]) -> frozenset[str]:
    definition = get_object_definition(schema.subscription) if schema.subscription else None
    if definition is None:
        return frozenset()
    return frozenset(
        schema.config.name_converter.get_graphql_name(field)
        for field in definition.fields
        if all(field.metadata.get(k) == v for k, v in metadata.items())
    )
