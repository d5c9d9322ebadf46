"""What a document must pass before any resolver runs, in time linear in its size.

1. Its expanded size: every field, fragment spread and inline fragment counted as often as
   it would run, fragments visited once each (memoized), so a chain of fragments that each
   spread the next twice is refused in microseconds instead of being walked 2^n times.
2. Within that size, the operation is walked once: its depth, the aliases, how often the same
   field repeats nested inside itself (the cost of graphql-core's overlapping-fields rule grows
   with the product of those repeats), and its static cost (below).
3. Only then graphql-core's validation, cached for small documents.
4. Its cost against the budget of one operation, then against the viewer's budget per minute.

Cost counts the objects an operation may return: each object-typed field costs 1 for every
time it may run; a connection's edges and nodes run `first`/`last` times (the page size
when neither is given), a plain list its estimated size, and nesting multiplies."""

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    parse,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from helpdesk.resolvers import metrics
from helpdesk.resolvers.errors import ErrorCode
from helpdesk.resolvers.throttle import Buckets
from helpdesk.resolvers.viewer import Viewer
from helpdesk.schema.inputs import input_error
from helpdesk.settings import Settings

# Lists that are not connections, with the most items they hold; any other list counts as
# a full page.
LIST_SIZES = {
    "LogEvent.changes": 20,
    "TicketEvent.changes": 20,
    "TicketStats.byStatus": 5,
    "TicketStats.byPriority": 4,
    "Ticket.ccContacts": 50,
    # HELPDESK_MAX_ATTACHMENTS_PER_TICKET's default: a ticket's files, its comments' included.
    "Ticket.attachments": 50,
    "Comment.attachments": 50,
}
PAYLOAD_ERRORS = 10  # `errors: [UserError!]!` of a payload


class TooComplex(Exception):
    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


def refusal(message: str, code: ErrorCode, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


@dataclass(frozen=True)
class Measure:
    depth: int  # field levels below the root fields
    aliases: int
    repeats: int  # the largest product of same-named siblings along a path
    cost: int
    variables: frozenset[str] = frozenset()  # the variables it depends on (page sizes, ids)


def _shape(value: Any) -> Any:
    """What a walk makes of a variable's value (Walk._times): a page size, a list's length,
    or nothing."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ("list", len(value))
    return None


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _inner(selection, fragments) -> SelectionSetNode | None:
    if isinstance(selection, FragmentSpreadNode):
        fragment = fragments.get(selection.name.value)
        return fragment.selection_set if fragment else None
    return selection.selection_set


def expanded_size(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], cap: int
) -> int | None:
    """How many selections run once every fragment is expanded (capped at cap + 1), or None
    if fragments spread each other in a cycle (validation reports it). Iterative and
    memoized: each selection set is summed once."""
    in_progress = -1
    sizes: dict[int, int] = {}
    stack: list[tuple[SelectionSetNode, bool]] = [(selection_set, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            total = 0
            for selection in node.selections:
                inner = _inner(selection, fragments)
                total += 1 + (sizes[id(inner)] if inner is not None else 0)
            sizes[id(node)] = min(total, cap + 1)
            continue
        if id(node) in sizes:
            continue
        sizes[id(node)] = in_progress
        stack.append((node, True))
        for selection in node.selections:
            inner = _inner(selection, fragments)
            if inner is None:
                continue
            seen = sizes.get(id(inner))
            if seen == in_progress:
                return None
            if seen is None:
                stack.append((inner, False))
    return sizes[id(selection_set)]


class Walk:
    """One walk over an operation whose expanded size is known to be small."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        settings: Settings,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page = settings.max_page_size
        self.max_depth = settings.max_query_depth
        self.depth = 0
        self.aliases = 0
        self.read: set[str] = set()  # the variables looked at

    def run(self, operation: OperationDefinitionNode) -> Measure:
        root = self.schema.get_root_type(operation.operation)
        cost, repeats = self._set(operation.selection_set, root, 0)
        return Measure(self.depth, self.aliases, repeats, cost, frozenset(self.read))

    def _flatten(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType | None]]:
        """The fields of a selection set with its fragments expanded: spreads are walked
        with a worklist, so only field nesting recurses."""
        work = [(selection_set, parent)]
        while work:
            node, node_type = work.pop()
            for selection in node.selections:
                if isinstance(selection, FieldNode):
                    yield selection, node_type
                    continue
                condition = (
                    self.fragments[selection.name.value].type_condition
                    if isinstance(selection, FragmentSpreadNode)
                    and selection.name.value in self.fragments
                    else getattr(selection, "type_condition", None)
                )
                inner_type = self.schema.get_type(condition.name.value) if condition else node_type
                inner = _inner(selection, self.fragments)
                if inner is not None:
                    work.append((inner, inner_type))

    def _set(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        level: int,
        page: int | None = None,
    ) -> tuple[int, int]:
        """(cost, repeats) of a selection set whose fields are at `level` below the root;
        `page` is the page size when the set belongs to a connection."""
        self.depth = max(self.depth, level)
        if level > self.max_depth:
            raise TooComplex(
                f"the query is {level} levels deep, more than the limit of {self.max_depth}",
                limit="depth",
                max=self.max_depth,
            )
        cost = 0
        counts: dict[str, int] = {}
        deepest: dict[str, int] = {}
        for field, field_parent in self._flatten(selection_set, parent):
            if field.alias is not None:
                self.aliases += 1
            key = (field.alias or field.name).value
            counts[key] = counts.get(key, 0) + 1
            name = field.name.value
            definition = (
                field_parent.fields.get(name)
                if field_parent is not None and hasattr(field_parent, "fields")
                else None
            )
            if definition is None or field_parent is None or field.selection_set is None:
                continue  # leaves and unknown fields (validation names them)
            if name.startswith("__"):
                continue  # introspection
            child_type = get_named_type(definition.type)
            times, child_page = self._times(field, field_parent, definition, page)
            child_cost, child_repeats = self._set(
                field.selection_set, child_type, level + 1, child_page
            )
            deepest[key] = max(deepest.get(key, 1), child_repeats)
            if is_composite_type(child_type):
                cost += times * (1 + child_cost)
        repeats = max((n * deepest.get(k, 1) for k, n in counts.items()), default=1)
        return cost, repeats

    def _times(
        self, field: FieldNode, parent: GraphQLNamedType, definition, page: int | None
    ) -> tuple[int, int | None]:
        """How many times the field may run, and the page size it passes to its connection's
        edges and nodes."""
        named = get_named_type(definition.type)
        if named.name.endswith("Connection"):
            arguments = {a.name.value: a.value for a in field.arguments or ()}
            for name in ("first", "last"):
                value = self._value(arguments[name]) if name in arguments else None
                if isinstance(value, int) and not isinstance(value, bool):
                    return 1, max(0, min(value, self.page))
            return 1, self.page
        if parent.name.endswith("Connection") and field.name.value in ("edges", "nodes"):
            return page if page is not None else self.page, None
        if not is_list_type(get_nullable_type(definition.type)):
            return 1, None
        ids = next((a.value for a in field.arguments or () if a.name.value == "ids"), None)
        if ids is not None and isinstance(found := self._value(ids), list):
            return min(len(found), self.page), None
        if field.name.value == "errors" and named.name == "UserError":
            return PAYLOAD_ERRORS, None
        return LIST_SIZES.get(f"{parent.name}.{field.name.value}", self.page), None

    def _value(self, node) -> Any:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        if isinstance(node, VariableNode):
            self.read.add(node.name.value)
            return self.variables.get(node.name.value)
        return None


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _variables(operation: OperationDefinitionNode, given: Mapping[str, Any] | None) -> dict:
    values = dict(given or {}) if isinstance(given, Mapping) else {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if values.get(name) is None and isinstance(definition.default_value, IntValueNode):
            values[name] = int(definition.default_value.value)
    return values


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    settings: Settings,
) -> Measure | None:
    """Raises TooComplex over a static limit; None when there is no operation to measure or
    fragments spread in a cycle (validation then says what is wrong)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return None
    fragments = _fragments(document)
    size = expanded_size(operation.selection_set, fragments, settings.max_selections)
    if size is None:
        return None
    if size > settings.max_selections:
        raise TooComplex(
            f"the query expands to more than {settings.max_selections} selections "
            "once its fragments are spread",
            limit="selections",
            max=settings.max_selections,
        )
    found = Walk(schema, fragments, _variables(operation, variables), settings).run(operation)
    if found.aliases > settings.max_aliases:
        raise TooComplex(
            f"the query has {found.aliases} aliases, more than the limit of {settings.max_aliases}",
            limit="aliases",
            max=settings.max_aliases,
        )
    if found.repeats > settings.max_repeats:
        raise TooComplex(
            f"the query selects the same fields inside each other {found.repeats} times over, "
            f"more than the limit of {settings.max_repeats}",
            limit="repeats",
            max=settings.max_repeats,
        )
    return found


class _Measures(dict):
    """An operation's measures by the shapes of the variables it depends on."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names


MEASURES_PER_OPERATION = 32  # page sizes a client asks one document for, kept


class Documents:
    """Parsed and validated documents of one schema, kept for small documents only: a
    large one would let a client grow the process's memory with each distinct text."""

    def __init__(self, settings: Settings, production: bool) -> None:
        self.max_bytes = settings.max_cached_document_bytes
        self.size = settings.document_cache_size
        self.production = production
        self._entries: OrderedDict[str, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
        self._measures: OrderedDict[tuple[str, str | None], _Measures] = OrderedDict()

    def _remember(self, query: str, entry: tuple[DocumentNode, list[GraphQLError] | None]):
        if len(query) <= self.max_bytes:
            self._entries[query] = entry  # type: ignore[assignment]
            self._entries.move_to_end(query)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def parsed(self, query: str, max_tokens: int) -> DocumentNode:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry[0]
        try:
            document = parse(query, max_tokens=max_tokens)
        except RecursionError:
            raise refusal(
                "the document is nested too deeply", ErrorCode.DOCUMENT_TOO_COMPLEX
            ) from None
        self._remember(query, (document, None))
        return document

    def measured(
        self,
        query: str,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        settings: Settings,
    ) -> Measure | None:
        """`measure`, kept for a small document's operation by what its variables make of
        it: a grid asked for again with the same page size is not walked again."""
        if not query or len(query) > self.max_bytes:  # no text to know it by, or too large
            return measure(schema, document, operation_name, variables, settings)
        given = variables if isinstance(variables, Mapping) else {}
        key = (query, operation_name)
        known = self._measures.get(key)
        if known is not None:
            self._measures.move_to_end(key)
            found = known.get(tuple(sorted((n, _shape(given.get(n))) for n in known.names)))
            if found is not None:
                return found
        found = measure(schema, document, operation_name, variables, settings)
        if found is None:
            return found
        if known is None or known.names != found.variables:
            known = self._measures[key] = _Measures(found.variables)
            while len(self._measures) > self.size:
                self._measures.popitem(last=False)
        if len(known) < MEASURES_PER_OPERATION:
            known[tuple(sorted((n, _shape(given.get(n))) for n in known.names))] = found
        return found

    def validated(self, query: str, schema: GraphQLSchema, document: DocumentNode, rules):
        entry = self._entries.get(query)
        if entry is not None and entry[0] is document and entry[1] is not None:
            return entry[1]
        # In production introspection is refused, however it is spelled (aliases,
        # fragments): graphql-core's rule reads the validated document.
        extra = (NoSchemaIntrospectionCustomRule,) if self.production else ()
        errors = validate(
            schema,
            document,
            (*rules, MaybeNullValidationRule, OneOfInputValidationRule, *extra),
            hide_suggestions=self.production,
        )
        if entry is not None and entry[0] is document:
            self._remember(query, (document, errors))
        return errors


class DocumentChecks(SchemaExtension):
    """Runs everything above for each operation (HTTP, websocket, shared subscriptions),
    then the input checks of schema/inputs.py."""

    def __init__(self, settings: Settings, documents: Documents, budgets: Buckets) -> None:
        super().__init__()
        self.settings = settings
        self.documents = documents
        self.budgets = budgets

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        # Also for strawberry's own parse, which reports syntax errors.
        context.parse_options["max_tokens"] = self.settings.max_tokens
        if context.query is not None and context.graphql_document is None:
            try:
                context.graphql_document = self.documents.parsed(
                    context.query, self.settings.max_tokens
                )
            except GraphQLError as error:
                if error.extensions:
                    raise
                # a syntax error: strawberry parses again and reports it as usual
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            errors = self._check(document)
            if not errors:  # then every string in the input valid text, every list bounded
                error = input_error(context, self.settings.max_input_list_items)
                errors = [error] if error is not None else []
            context.pre_execution_errors = errors
        yield

    def _check(self, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        schema = context.schema._schema
        try:
            found = self.documents.measured(
                context.query or "",
                schema,
                document,
                context.operation_name,
                context.variables,
                self.settings,
            )
        except TooComplex as error:
            return [refusal(str(error), ErrorCode.DOCUMENT_TOO_COMPLEX, **error.extensions)]
        limit = self.settings.max_cost
        if found is not None and found.cost > limit:
            return [
                refusal(
                    f"this operation may cost {found.cost}, more than the limit of {limit}: "
                    "ask for smaller pages (first/last) or nest fewer lists",
                    ErrorCode.COST_LIMIT,
                    cost=found.cost,
                    maxCost=limit,
                )
            ]
        errors = self.documents.validated(
            context.query or "", schema, document, context.validation_rules
        )
        if errors or found is None:
            return errors
        wait = self.budgets.take(_budget_key(context.context), max(found.cost, 1))
        if wait:
            metrics.rate_limited("cost")
            return [
                refusal(
                    f"you spent your budget of {self.settings.max_cost_per_minute} cost points "
                    f"a minute; try again in {max(1, round(wait))} s",
                    ErrorCode.RATE_LIMITED,
                    retryAfter=max(1, round(wait)),
                    cost=found.cost,
                )
            ]
        return []


def _budget_key(context: Any) -> tuple:
    """The context's own `budget_key` if it names one, else its viewer's."""
    explicit = getattr(context, "budget_key", None)
    if explicit is not None:
        return explicit
    return budget_key(getattr(context, "viewer", None), getattr(context, "request", None))


def budget_key(viewer: Viewer | None, request: object = None) -> tuple:
    """Whose budget an operation spends: the token's, or the client address's when anonymous."""
    if viewer is not None:
        return ("token", viewer.token_id) if viewer.token_id else ("contact", viewer.contact_id)
    client = getattr(request, "client", None)
    return ("address", client.host if client else None)


def document_checks(settings: Settings):
    """The extension factory for one schema: its cache and budgets live as long as it does."""
    documents = Documents(settings, production=settings.production)
    budgets = Buckets(settings.max_cost_per_minute, 60)
    return lambda: DocumentChecks(settings, documents, budgets)
