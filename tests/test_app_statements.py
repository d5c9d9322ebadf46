"""Statement counts, as Saleor's benchmark tests do them: every list and connection field of
the schema, asked for under few parent rows and under many, runs the same number of SQL
statements. The list of fields comes from the schema itself, so a new list field without a
case here fails the first test."""

import dataclasses
import io
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import factories as f
import httpx
import pytest
from graphql import (
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_interface_type,
    is_list_type,
    is_object_type,
)

from helpdesk import models
from helpdesk.api import build_schema
from helpdesk.app import create_app
from helpdesk.models import CommentKind, TokenKind
from helpdesk.resolvers import accounts, catalog, chats, comments, organizations, tickets
from helpdesk.resolvers.attachments import Incoming
from helpdesk.settings import Settings
from helpdesk.storage import LocalStorage, set_storage

FEW, MANY = 2, 20

GRID = "tickets(filter: {includeResolved: true, includeClosed: true}, first: 100)"
COMMENTS = """{ %s { nodes { number comments(%s) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { body kind author { name } } } } } } }"""
HISTORY = """{ %s { nodes { number history(first: 3) { totalCount pageInfo { hasNextPage }
    nodes { kind actor { name } changes { field oldValue newValue } } } } } }"""
MAILS = """{ %s { nodes { number mails(first: 2) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { kind recipients subject state attempts sentAt lastError
    ticket { number } logEvent { kind } } } } } } }"""


@dataclass
class Case:
    """A query that selects the field under every parent row it can find. `parents` and
    `children` are paths into the answer (lists are walked through): the parents must
    grow from FEW to MANY, and the field must really hold something."""

    as_: str  # "agent" or "alice", the customer whose organization has the tickets
    query: str
    parents: str
    children: str | None = None
    variables: Callable[["World"], dict] = lambda w: {}


@dataclass
class World:
    acme: models.Organization
    alice: f.Person
    agent: f.Person
    admin: f.Person
    units: int = 0
    ticket_ids: list[str] = field(default_factory=list)
    comment_ids: list[str] = field(default_factory=list)


async def grow(w: World, to: int) -> None:
    """Adds units until there are `to`: each is an organization with a customer (a partner
    who manages Acme too), a ticket of Acme with a category, module, CC contact and e-mail,
    owner, replies and an internal note, resolved and waiting for Alice, with a chat; a
    ticket Alice closed (her Data Log); a category, a module and an API token."""
    while w.units < to:
        i = w.units
        partner = await f.customer(await f.organization(f"Org {i:02}"))
        await organizations.add_membership(w.admin.viewer, partner.contact.id, w.acme.id)
        cc = await f.customer(w.acme)
        category = await catalog.create_category(w.admin.viewer, f"Category {i:02}")
        module = await catalog.create_module(w.admin.viewer, f"Module {i:02}")
        ticket = await f.ticket(
            w.alice,
            category_id=category.id,
            module_id=module.id,
            cc_contact_ids=(cc.contact.id,),
            cc_emails=(f"cc{i}@example.com",),
        )
        await tickets.assign(w.agent.viewer, ticket.id, w.agent.contact.id, None)
        for viewer, body, kind in [
            (w.agent.viewer, "Looking", CommentKind.REPLY),
            (w.agent.viewer, "Odd", CommentKind.INTERNAL_NOTE),
            (w.alice.viewer, "Thanks", CommentKind.REPLY),
        ]:
            comment = await comments.add(viewer, ticket.id, body, kind)
            w.comment_ids.append(f.global_id("Comment", comment.id))
        screenshot = [Incoming("screen.txt", io.BytesIO(b"error 504"))]
        await comments.add(w.alice.viewer, ticket.id, "Screenshot", CommentKind.REPLY, screenshot)
        chat, _ = await chats.start(w.alice.viewer, None, ticket_id=ticket.id)
        await chats.accept(w.agent.viewer, chat.id)
        for viewer, body in [(w.alice.viewer, "Hello?"), (w.agent.viewer, "Here")]:
            await chats.send(viewer, chat.id, body)
        await tickets.resolve(w.agent.viewer, ticket.id)
        closed = await f.ticket(w.alice)
        await tickets.close(w.alice.viewer, closed.id, None)
        await accounts.issue_token(w.agent.contact, TokenKind.API, f"Token {i:02}")
        w.ticket_ids.append(f.global_id("Ticket", ticket.id))
        w.units += 1


# One or more cases for every list or connection field reachable from Query, as
# "Type.field". A connection's own `edges` and `nodes` are walked by the cases of the
# fields that return it.
CASES: dict[str, list[Case]] = {
    "Query.tickets": [
        Case(
            "agent",
            f"""{{ {GRID} {{ totalCount pageInfo {{ hasNextPage endCursor }}
                edges {{ cursor node {{ number primaryContact {{ name }} organization {{ name }}
                owner {{ name }} createdBy {{ name }} category {{ name }} module {{ name }} }} }}
                nodes {{ number }} }} }}""",
            parents="tickets.edges",
        )
    ],
    "Query.ticketsAwaitingConfirmation": [
        Case(
            "alice",
            "{ ticketsAwaitingConfirmation { number organization { name } owner { name } } }",
            parents="ticketsAwaitingConfirmation",
        )
    ],
    "Query.organizations": [
        Case(
            "agent",
            """{ organizations { totalCount pageInfo { hasNextPage }
                edges { cursor node { name } } } }""",
            parents="organizations.edges",
        )
    ],
    "Organization.contacts": [
        Case(
            "agent",
            """{ organizations { nodes { name contacts(first: 2) { totalCount
                pageInfo { hasNextPage endCursor }
                edges { cursor node { name organization { name } } } } } } }""",
            parents="organizations.nodes",
            children="organizations.nodes.contacts.edges",
        )
    ],
    "Query.contacts": [
        Case(
            "agent",
            "{ contacts { totalCount nodes { name role organization { name } } } }",
            parents="contacts.nodes",
        ),
        Case(
            "alice",
            "{ contacts { totalCount nodes { name organization { name } } } }",
            parents="contacts.nodes",
        ),
    ],
    "Contact.organizations": [
        Case(
            as_,
            "{ contacts { nodes { name organizations { name } } } }",
            parents="contacts.nodes",
            children="contacts.nodes.organizations",
        )
        for as_ in ("agent", "alice")
    ],
    "Query.chats": [
        Case(
            as_,
            """{ chats { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
                state waitingSeconds customer { name } agent { name } organization { name }
                ticket { number } } } } }""",
            parents="chats.edges",
        )
        for as_ in ("agent", "alice")
    ],
    "Chat.messages": [
        Case(
            as_,
            """{ chats { nodes { state messages(first: 1) { totalCount
                pageInfo { hasNextPage endCursor }
                edges { cursor node { body author { name } chat { state } } } } } } }""",
            parents="chats.nodes",
            children="chats.nodes.messages.edges",
        )
        for as_ in ("agent", "alice")
    ],
    "Query.categories": [Case("agent", "{ categories { id name } }", parents="categories")],
    "Query.modules": [Case("agent", "{ modules { id name } }", parents="modules")],
    "Query.apiTokens": [Case("agent", "{ apiTokens { id name kind } }", parents="apiTokens")],
    "Query.dataLog": [
        Case(
            "alice",
            """{ dataLog { totalCount edges { cursor node { loggingId ticketNumber
                actor { name } ticket { number } module { name } category { name }
                description changes { field newValue } } } } }""",
            parents="dataLog.edges",
        )
    ],
    "Query.nodes": [
        Case(
            "agent",
            """query($ids: [ID!]!) { nodes(ids: $ids) { id
                ... on Ticket { number organization { name } comments(first: 1) { totalCount } }
                ... on Comment { body author { name } ticket { number } } } }""",
            parents="nodes",
            variables=lambda w: {"ids": w.ticket_ids + w.comment_ids},
        )
    ],
    "Ticket.ccEmails": [
        Case("agent", f"{{ {GRID} {{ nodes {{ ccEmails }} }} }}", parents="tickets.nodes")
    ],
    "Ticket.ccContacts": [
        Case(
            "alice",
            f"{{ {GRID} {{ nodes {{ ccContacts {{ name organization {{ name }} }} }} }} }}",
            parents="tickets.nodes",
            children="tickets.nodes.ccContacts",
        )
    ],
    "Ticket.comments": [
        Case(
            as_,
            COMMENTS % (GRID, page),
            parents="tickets.nodes",
            children="tickets.nodes.comments.edges",
        )
        for as_ in ("agent", "alice")  # customers' comments leave internal notes out
        for page in ("first: 2", "last: 1")
    ],
    "Ticket.chats": [
        Case(
            as_,
            f"""{{ {GRID} {{ nodes {{ number activeChat {{ state }} chats(first: 1) {{ totalCount
                pageInfo {{ hasNextPage endCursor }}
                edges {{ cursor node {{ state agent {{ name }} }} }} }} }} }} }}""",
            parents="tickets.nodes",
            children="tickets.nodes.chats.edges",
        )
        for as_ in ("agent", "alice")
    ],
    "Ticket.history": [
        Case(
            as_,
            HISTORY % GRID,
            parents="tickets.nodes",
            children="tickets.nodes.history.nodes",
        )
        for as_ in ("agent", "alice")
    ],
    "Ticket.mails": [
        Case(
            "agent",
            MAILS % GRID,
            parents="tickets.nodes",
            children="tickets.nodes.mails.edges",
        )
    ],
    "Mail.recipients": [
        Case(
            "agent",
            MAILS % GRID,
            parents="tickets.nodes",
            children="tickets.nodes.mails.edges.node.recipients",
        )
    ],
    "Ticket.attachments": [
        Case(
            as_,
            f"{{ {GRID} {{ nodes {{ attachments {{ filename uploadedBy {{ name }} }} }} }} }}",
            parents="tickets.nodes",
            children="tickets.nodes.attachments",
        )
        for as_ in ("agent", "alice")
    ],
    "Comment.attachments": [
        Case(
            as_,
            f"""{{ {GRID} {{ nodes {{ comments(last: 1) {{ nodes {{
                attachments {{ filename uploadedBy {{ name }} }} }} }} }} }} }}""",
            parents="tickets.nodes",
            children="tickets.nodes.comments.nodes.attachments",
        )
        for as_ in ("agent", "alice")
    ],
    "LogEvent.changes": [
        Case(
            "agent",
            HISTORY % GRID,
            parents="tickets.nodes",
            children="tickets.nodes.history.nodes.changes",
        )
    ],
}


def list_fields(schema: GraphQLSchema) -> set[str]:
    """Every field reachable from Query whose type is a list or a connection, but the
    `edges` and `nodes` of a connection."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [schema.query_type]
    while todo:
        parent = todo.pop()
        if parent is None or parent.name in seen:
            continue
        seen.add(parent.name)
        if is_interface_type(parent):
            todo.extend(schema.get_possible_types(parent))
        for name, definition in parent.fields.items():
            named = get_named_type(definition.type)
            listed = is_list_type(get_nullable_type(definition.type))
            if (listed or named.name.endswith("Connection")) and not parent.name.endswith(
                "Connection"
            ):
                found.add(f"{parent.name}.{name}")
            if is_object_type(named) or is_interface_type(named):
                todo.append(named)
    return found


def test_every_list_and_connection_field_has_a_statement_count_case():
    fields = list_fields(build_schema(Settings())._schema)
    assert "Ticket.comments" in fields and "Query.tickets" in fields  # the walk works
    assert sorted(fields - set(CASES)) == [], "add a case to CASES for each of these"
    assert sorted(set(CASES) - fields) == [], "these cases name no list field"


class Statements(logging.Handler):
    """Tortoise's database clients log every statement they send at DEBUG on
    `tortoise.db_client`, once per statement, for SQLite and PostgreSQL alike."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[str] = []
        self.with_values: list[tuple[str, list]] = []  # those sent with parameters

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: %s" and record.args:
            sql, values = record.args  # type: ignore[misc]
            self.sent.append(str(sql))
            self.with_values.append((str(sql), list(values or [])))
        elif not str(record.msg).startswith(("Created connection", "Closed connection")):
            self.sent.append(str(record.msg))


@contextmanager
def counted() -> Iterator[Statements]:
    logger = logging.getLogger("tortoise.db_client")
    statements = Statements()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(statements)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield statements
    finally:
        logger.removeHandler(statements)
        logger.setLevel(level)
        logger.propagate = propagate


def pluck(data, path: str) -> list:
    """The values at a dotted path, lists walked through and flattened."""
    values = [data]
    for key in path.split("."):
        found = []
        for value in values:
            inner = value[key]
            found.extend(inner if isinstance(inner, list) else [inner])
        values = found
    return values


@dataclass
class Run:
    statements: list[str]
    parents: int
    children: int


async def run(client: httpx.AsyncClient, w: World, case: Case) -> Run:
    person = w.agent if case.as_ == "agent" else w.alice
    variables = case.variables(w)
    await f.gql(client, case.query, variables, as_=person)  # once first: no one-off work counted
    with counted() as statements:
        result = await f.gql(client, case.query, variables, as_=person)
    assert result.get("errors") is None, (case.query, result)
    data = result["data"]
    return Run(
        statements.sent,
        len(pluck(data, case.parents)),
        len(pluck(data, case.children)) if case.children else 0,
    )


@pytest.fixture(autouse=True)
def attachment_files(tmp_path):
    """The attachments `grow` adds keep their files in the test's folder."""
    set_storage(LocalStorage(tmp_path / "attachments"))
    yield
    set_storage(None)


@pytest.fixture
async def rich_client(settings):
    """The app with a cost budget per minute that these many large queries cannot spend."""
    app = create_app(
        dataclasses.replace(settings, max_cost_per_minute=10**9), manage_database=False
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_list_fields_run_as_many_statements_for_many_parents_as_for_few(rich_client):
    acme = await f.organization("Acme")
    w = World(acme, await f.customer(acme), await f.agent(), await f.admin())
    cases = [(name, case) for name, some in CASES.items() for case in some]
    await grow(w, FEW)
    few = [await run(rich_client, w, case) for _, case in cases]
    await grow(w, MANY)
    many = [await run(rich_client, w, case) for _, case in cases]

    problems = []
    for (name, case), small, large in zip(cases, few, many, strict=True):
        if large.parents <= small.parents or (case.children and not large.children):
            problems.append(f"{name} as {case.as_}: the data did not grow ({small}, {large})")
        elif len(large.statements) != len(small.statements):
            [(repeated, times)] = Counter(large.statements).most_common(1)
            problems.append(
                f"{name} as {case.as_}: {len(small.statements)} statements for "
                f"{small.parents} parents, {len(large.statements)} for {large.parents}; "
                f"{times} times: {repeated[:300]}"
            )
    assert problems == [], "\n".join(problems)
