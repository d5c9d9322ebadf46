"""Rules every input of an operation obeys, checked once before any resolver runs, for
every transport: each string (in the variables and in the document's literals, inline
arguments included) is valid Unicode without NUL, no ID is longer than any ID we make, and
no list in the variables holds more than the limit (a list in the document is bounded by
its tokens). Resolvers still refuse bad text themselves (resolvers/validation.py): the CLI
and tests call them directly."""

from collections.abc import Iterator
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    StringValueNode,
    TokenKind,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_input_object_type,
    is_input_type,
    is_list_type,
    type_from_ast,
    visit,
)

from helpdesk.resolvers.errors import ErrorCode
from helpdesk.resolvers.validation import text_problem

MAX_PATH = 100
MAX_ID = 200  # our global IDs are under 40 characters; a longer one names nothing


def _invalid_text(where: str, problem: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(
        f"{where} is not valid text: it holds {problem}",
        nodes=node,
        extensions={"code": ErrorCode.INVALID_TEXT},
    )


def _too_many(where: str, count: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"{where} holds {count} items, more than the limit of {limit}",
        extensions={"code": ErrorCode.TOO_MANY, "max": limit},
    )


def _named(path: str) -> str:
    """A path for a message: the client chose its keys, so it is cut short."""
    return f"variable {path}" if len(path) <= MAX_PATH else f"variable {path[:MAX_PATH]}..."


def _too_long_id(where: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(
        f"{where} is longer than {MAX_ID} characters: it is not an ID",
        nodes=node,
        extensions={"code": ErrorCode.INVALID_ID},
    )


def _is_id(input_type: GraphQLInputType | None) -> bool:
    return input_type is not None and get_named_type(input_type).name == "ID"


def _inner(input_type: GraphQLInputType | None, key: str | None) -> GraphQLInputType | None:
    """The type of a list's items (key None) or of an input object's field."""
    nullable = get_nullable_type(input_type) if input_type is not None else None
    if key is None:
        return nullable.of_type if is_list_type(nullable) else None
    if is_input_object_type(nullable) and key in nullable.fields:
        return nullable.fields[key].type
    return None


def variables_error(
    variables: Any, types: dict[str, GraphQLInputType], max_items: int
) -> GraphQLError | None:
    """The first bad string, ID or list in the variables, named by its path
    ($input.summary). `types` are the variables' declared types, where known."""
    if not isinstance(variables, dict):
        return None
    stack: list[tuple[Any, str, GraphQLInputType | None]] = []
    for name, value in variables.items():
        if problem := text_problem(name):
            return _invalid_text("a variable name", problem)
        stack.append((value, f"${name}", types.get(name)))
    while stack:
        value, path, input_type = stack.pop()
        if isinstance(value, str):
            if problem := text_problem(value):
                return _invalid_text(_named(path), problem)
            if len(value) > MAX_ID and _is_id(input_type):
                return _too_long_id(_named(path))
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := text_problem(key):
                    return _invalid_text(f"a name in {_named(path)}", problem)
                stack.append((item, f"{path}.{key}", _inner(input_type, key)))
        elif isinstance(value, list):
            if len(value) > max_items:
                return _too_many(_named(path), len(value), max_items)
            item_type = _inner(input_type, None)
            stack.extend((item, f"{path}[{i}]", item_type) for i, item in enumerate(value))
    return None


def variable_types(
    schema: GraphQLSchema, operation: OperationDefinitionNode | None
) -> dict[str, GraphQLInputType]:
    types = {}
    for definition in (operation.variable_definitions or ()) if operation else ():
        declared = type_from_ast(schema, definition.type)
        if is_input_type(declared):
            types[definition.variable.name.value] = declared
    return types


def _nodes(document: DocumentNode) -> Iterator[Node]:
    """Every node of the document, without recursion."""
    stack: list[Node] = [document]
    while stack:
        node = stack.pop()
        yield node
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(c for c in child if isinstance(c, Node))


def literals_error(document: DocumentNode, source: str | None) -> GraphQLError | None:
    """The first bad string literal in the document, with its location. A literal holds
    only the source's characters and what `\\u` escapes make, so a clean source without
    escapes needs no walk."""
    if source is not None and "\\u" not in source and text_problem(source) is None:
        return None
    for node in _nodes(document):
        if isinstance(node, StringValueNode) and (problem := text_problem(node.value)):
            return _invalid_text("a string in the document", problem, node)
    return None


def _has_long_string(document: DocumentNode) -> bool:
    token = document.loc.start_token if document.loc else None
    if token is None:
        return True  # no tokens kept: look at the values themselves
    while token is not None:
        is_string = token.kind in (TokenKind.STRING, TokenKind.BLOCK_STRING)
        if is_string and len(token.value or "") > MAX_ID:
            return True
        token = token.next
    return False


class _LongIds(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: StringValueNode | None = None

    def enter_string_value(self, node: StringValueNode, *_):
        if len(node.value) > MAX_ID and _is_id(self.type_info.get_input_type()):
            self.found = node
            return BREAK
        return None


def long_id_literal_error(schema: GraphQLSchema, document: DocumentNode) -> GraphQLError | None:
    """An ID literal longer than any ID; the typed walk runs only when a long string is
    in the document at all."""
    if not _has_long_string(document):
        return None
    type_info = TypeInfo(schema)
    finder = _LongIds(type_info)
    visit(document, TypeInfoVisitor(type_info, finder))
    return _too_long_id("an ID in the document", finder.found) if finder.found else None


def input_error(context: Any, max_items: int) -> GraphQLError | None:
    """After the document checks and validation passed, before variables are coerced: the
    first variable or literal that is not valid text, a list over `max_items`, or an ID
    longer than any ID (`context`: strawberry's ExecutionContext)."""
    document = context.graphql_document
    schema = context.schema._schema
    operation = get_operation_ast(document, context.operation_name)
    types = variable_types(schema, operation)
    return (
        variables_error(context.variables, types, max_items)
        or literals_error(document, context.query)
        or long_id_literal_error(schema, document)
    )
