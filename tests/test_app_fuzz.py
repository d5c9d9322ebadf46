"""A bounded fuzzer: documents generated from the schema (hypothesis-graphql) and hostile
variables generated from the input types, sent by an anonymous client, a customer and an
agent to the production app. Whatever they send, no answer is an internal error.

The run is derandomized so the test command is repeatable; HELPDESK_FUZZ_RANDOM=1 explores
new inputs and HELPDESK_FUZZ_EXAMPLES sets how many of each kind."""

import dataclasses
import json
import os

import factories as f
import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql

from helpdesk.api import build_schema
from helpdesk.app import create_app
from helpdesk.settings import Settings

EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "60"))
RANDOM = os.environ.get("HELPDESK_FUZZ_RANDOM") == "1"

# Text as a hostile client sends it: NUL, lone surrogates, very long, wildcards.
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=None), max_size=10),
    st.sampled_from(["\ud800", "a\x00b", "*" * 300, "x" * 5000, "9999-12-31", "0001-01-01"]),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
SCALARS = {
    "Date": st.one_of(st.dates().map(nodes.String), TEXT.map(nodes.String)),
    "DateTime": st.one_of(st.datetimes().map(nodes.String), TEXT.map(nodes.String)),
    "JSON": TEXT.map(nodes.String),
    # A JSON request cannot carry a file: whatever stands in for one is refused (NOT_A_FILE).
    "Upload": TEXT.map(nodes.String),
}


def collect(strategy, count: int) -> list:
    """Draws `count` examples; the requests are sent afterwards, in the test's event loop."""
    found: list = []

    @settings(
        max_examples=count,
        derandomize=not RANDOM,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(example):
        found.append(example)

    draw()
    return found


def shaped(input_type) -> st.SearchStrategy:
    """Values for a variable: the input type's own fields with hostile values, or anything."""
    named = graphql.get_named_type(input_type)
    if isinstance(named, graphql.GraphQLInputObjectType):
        fields = {name: shaped(field.type) | JSON_VALUES for name, field in named.fields.items()}
        return st.fixed_dictionaries({}, optional=fields)
    return JSON_VALUES


def variable_cases(schema: graphql.GraphQLSchema) -> st.SearchStrategy:
    """A root field called with each of its arguments as a variable, and hostile values."""
    cases = []
    for root in (schema.query_type, schema.mutation_type):
        for name, field in root.fields.items():
            if not field.args:
                continue
            keyword = "query" if root is schema.query_type else "mutation"
            declared = ", ".join(f"${a}: {t.type}" for a, t in field.args.items())
            passed = ", ".join(f"{a}: ${a}" for a in field.args)
            selection = _selection(field.type)
            document = f"{keyword}({declared}) {{ {name}({passed}){selection} }}"
            values = st.fixed_dictionaries(
                {}, optional={a: shaped(t.type) for a, t in field.args.items()}
            )
            cases.append(st.tuples(st.just(document), values))
    return st.one_of(cases)


def _selection(type_) -> str:
    named = graphql.get_named_type(type_)
    if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
        return " { __typename }"
    if isinstance(named, graphql.GraphQLUnionType):
        return " { __typename }"
    return ""


@pytest.fixture
async def production(settings):
    app = create_app(dataclasses.replace(settings, env="production"), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def send(client, people, index: int, query: str, variables: dict | None) -> dict | None:
    person = people[index % len(people)]
    headers = {"Content-Type": "application/json"}
    if person:
        headers["Authorization"] = f"Bearer {person.token}"
    # json.dumps escapes lone surrogates as \\ud800, as a hostile client would send them.
    body = json.dumps({"query": query, "variables": variables})
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code < 500, (query, variables, response.text)
    if response.status_code != 200:
        return None
    return response.json()


def internal(result: dict | None) -> list[str]:
    return [
        e["message"]
        for e in (result or {}).get("errors") or []
        if e.get("message") == "Internal error."
    ]


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return build_schema(Settings())._schema


async def people(world) -> list:
    await f.ticket(world["alice"])  # something to find, comment on, resolve
    return [None, world["alice"], world["agent"]]


@pytest.mark.parametrize("mode", [gql.Mode.POSITIVE, gql.Mode.NEGATIVE])
async def test_generated_documents_never_end_in_an_internal_error(production, world, schema, mode):
    documents = collect(
        gql.from_schema(schema, custom_scalars=SCALARS, allow_x00=True, mode=mode), EXAMPLES
    )
    senders = await people(world)
    failures = []
    for index, document in enumerate(documents):
        result = await send(production, senders, index, document, None)
        if internal(result):
            failures.append(document)
    assert not failures, failures[:3]


async def test_hostile_variables_never_end_in_an_internal_error(production, world, schema):
    cases = collect(variable_cases(schema), EXAMPLES * 3)
    senders = await people(world)
    failures = []
    for index, (document, variables) in enumerate(cases):
        result = await send(production, senders, index, document, variables)
        if internal(result):
            failures.append((document, variables))
    assert not failures, failures[:3]
