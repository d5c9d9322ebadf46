"""Error codes come from one enum: the schema shows exactly its values, and no code in the
source is a bare string, so a client can rely on the list it reads in the schema."""

import ast
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType

from helpdesk.api import build_schema
from helpdesk.resolvers.errors import ErrorCode
from helpdesk.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# The code of the package, each file once (helpdesk/models etc. are links to these folders).
SOURCES = sorted(
    [
        *(ROOT / "helpdesk").glob("*.py"),
        *(ROOT / "helpdesk" / "events").rglob("*.py"),
        *(
            p
            for d in ("models", "resolvers", "schema", "subscriptions")
            for p in (ROOT / d).rglob("*.py")
        ),
    ]
)
DEFINITION = ROOT / "resolvers" / "errors.py"
# Where a code is passed: the argument's position, for the calls that take one.
CODE_ARGUMENT = {"add": 1, "invalid": 1, "refusal": 1, "Problem": 1}


def _is_enum_member(node: ast.expr) -> bool:
    """`ErrorCode.X` (or `errors.ErrorCode.X`) naming a member that exists."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    named = (isinstance(owner, ast.Name) and owner.id == "ErrorCode") or (
        isinstance(owner, ast.Attribute) and owner.attr == "ErrorCode"
    )
    return named and node.attr in ErrorCode.__members__


def _code_expressions(tree: ast.AST):
    """Every expression the source uses as an error code, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            index = CODE_ARGUMENT.get(name or "")
            if index is not None and len(node.args) > index:
                yield node.args[index]
            yield from (k.value for k in node.keywords if k.arg == "code")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield value
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in ("code", "codes") for t in targets):
                value = node.value
                yield from value.elts if isinstance(value, ast.List) else [value]


def test_the_schema_lists_every_error_code_with_its_description():
    schema = build_schema(Settings())._schema
    enum = schema.get_type("ErrorCode")
    assert isinstance(enum, GraphQLEnumType)
    shown = {name: (value.value, value.description) for name, value in enum.values.items()}
    assert shown == {code.name: (code.value, code.description) for code in ErrorCode}
    assert all(code.name == code.value and code.description for code in ErrorCode)
    user_error = schema.get_type("UserError")
    assert isinstance(user_error, GraphQLObjectType)
    code = user_error.fields["code"].type
    assert isinstance(code, GraphQLNonNull) and code.of_type is enum


def test_every_code_in_the_source_is_a_member_of_the_enum():
    bare = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for expression in _code_expressions(tree):
            literal = isinstance(expression, ast.Constant) and isinstance(expression.value, str)
            if (
                literal
                or isinstance(expression, ast.JoinedStr)
                or (
                    isinstance(expression, ast.Attribute)
                    and "ErrorCode" in ast.unparse(expression)
                    and not _is_enum_member(expression)
                )
            ):
                bare.append(
                    f"{path.relative_to(ROOT)}:{expression.lineno}: {ast.unparse(expression)}"
                )
    assert not bare, "codes must be ErrorCode members:\n" + "\n".join(bare)


def test_no_string_literal_spells_a_code():
    """A code written out as a string would bypass the enum, even where the walk above does
    not look (a comparison, a default)."""
    codes = {code.value for code in ErrorCode}
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in SOURCES
        if path != DEFINITION
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in codes
    ]
    assert not spelled, "use ErrorCode members:\n" + "\n".join(spelled)


def test_every_code_of_the_enum_is_in_use():
    used = {
        node.attr
        for path in SOURCES
        if path != DEFINITION
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and _is_enum_member(node)
    }
    defined_classes = ast.parse(DEFINITION.read_text())
    used |= {
        node.value.attr
        for node in ast.walk(defined_classes)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets)
        and _is_enum_member(node.value)
    }
    assert set(ErrorCode.__members__) - used == set()
