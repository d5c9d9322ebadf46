"""Plain fields (schema/execution.py) answer exactly what graphql-core's own execution
answers: every list and connection case of test_app_statements, and every field of a
ticket and of the objects around it, as a customer and as an agent, compared whole (data
and errors) between the schema as served and the same schema with graphql-core's plain
execution context."""

import dataclasses
import json
import re

import factories as f
import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from test_app_statements import CASES, World, grow

from helpdesk import models
from helpdesk.api import build_schema
from helpdesk.schema import execution
from helpdesk.schema.context import Context
from helpdesk.storage import LocalStorage, set_storage

SIGNED = re.compile(r"expires=\d+&signature=[\w-]+")


@pytest.fixture(autouse=True)
def attachment_files(tmp_path):
    set_storage(LocalStorage(tmp_path / "attachments"))
    yield
    set_storage(None)


def every_field(graphql_type: GraphQLObjectType, depth: int, skip: set[str]) -> str:
    """Every field that needs no argument; objects to `depth` levels, then their leaves."""
    parts = ["__typename"]
    for name, field in graphql_type.fields.items():
        if name in skip:
            continue
        if any(str(arg.type).endswith("!") for arg in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif isinstance(inner, GraphQLObjectType) and depth > 0:
            parts.append(f"{name} {{ {every_field(inner, depth - 1, skip)} }}")
    return " ".join(parts)


def differences(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}.{i}")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


async def answers(schema, settings, query: str, variables: dict, person: f.Person) -> dict:
    context = Context(settings=settings, viewer=person.viewer)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    errors = [(e.message, e.path) for e in result.errors or []]
    # Attachment links are signed until a time counted from now: not the engine's doing.
    data = json.loads(SIGNED.sub("expires=…", json.dumps(result.data)))
    return {"data": data, "errors": errors}


async def test_plain_fields_answer_what_graphql_core_answers(settings):
    settings = dataclasses.replace(settings, max_cost_per_minute=10**9, max_cost=10**6)
    served = build_schema(settings)
    generic = build_schema(settings)
    assert issubclass(served.execution_context_class, execution.PlainFieldsExecutionContext)
    assert served.execution_context_class.plain  # the walk found plain fields
    generic.execution_context_class = StrawberryGraphQLCoreExecutionContext

    acme = await f.organization("Acme")
    w = World(acme, await f.customer(acme), await f.agent(), await f.admin())
    await grow(w, 2)
    stranger = await f.customer(await f.organization("Globex"))
    ticket_type = served._schema.type_map["Ticket"]
    assert isinstance(ticket_type, GraphQLObjectType)
    documents = [
        (case.as_, case.query, case.variables(w)) for cases in CASES.values() for case in cases
    ]
    for as_ in ("agent", "alice"):
        # A customer asking for a ticket's mails is an error (staff only): tested below.
        whole = every_field(ticket_type, 2, set() if as_ == "agent" else {"mails"})
        documents += [
            (
                as_,
                f"{{ tickets(filter: {{includeResolved: true, includeClosed: true}}) "
                f"{{ nodes {{ ...T again: number }} }} }} fragment T on Ticket {{ {whole} }}",
                {},
            ),
            (
                as_,
                f"query($id: ID!) {{ node(id: $id) {{ ... on Ticket {{ {whole} }} }} }}",
                {"id": w.ticket_ids[0]},
            ),
        ]
    compared = 0
    for as_, query, variables in documents:
        person = w.agent if as_ == "agent" else w.alice
        ours = await answers(served, settings, query, variables, person)
        theirs = await answers(generic, settings, query, variables, person)
        assert ours == theirs, (query, differences(ours, theirs))
        assert ours["data"], (query, ours)
        compared += 1
    # Errors take graphql-core's own path: a ticket the person may not see, a field only
    # staff may see.
    whole = every_field(ticket_type, 2, set())
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on Ticket {{ {whole} }} }} }}"
    variables = {"id": w.ticket_ids[0]}
    for person in (stranger, w.alice):
        ours = await answers(served, settings, query, variables, person)
        assert ours == await answers(generic, settings, query, variables, person)
        assert ours["errors"], ours
    assert compared == len(documents) and await models.Ticket.all().count() >= 4


GRID_PAGE = """{ tickets { nodes { __typename id number summary status priority createdAt
    ccEmails organization { id name } primaryContact { id name email } owner { name }
    ccContacts { id name } category { name } } pageInfo { hasNextPage endCursor } } }"""


# The same page through fragments and an alias: the related rows are still loaded first.
GRID_FRAGMENTS = """{ page: tickets { ...Page } } fragment Page on TicketConnection {
    pageInfo { hasNextPage endCursor } nodes { ... on Ticket { __typename id number summary
    status priority createdAt ccEmails ...Related } } } fragment Related on Ticket {
    organization { id name } primaryContact { id name email } owner { name }
    ccContacts { id name } category { name } }"""


async def test_a_grid_page_is_completed_by_its_plan_and_nothing_else(settings):
    """A grid page's selection is plain all the way down, and its related rows are loaded
    before it completes: its plan answers the whole connection, and graphql-core completes
    no object of it. A ticket asked for alone has no related rows loaded yet: its plan gives
    up on the first one, graphql-core completes the ticket, and each related row is
    completed by its own plan once loaded."""
    served = build_schema(settings)
    completed: list[str] = []

    class Recording(served.execution_context_class):  # type: ignore[misc, valid-type]
        def complete_object_value(self, return_type, *args):
            completed.append(return_type.name)
            return super().complete_object_value(return_type, *args)

    served.execution_context_class = Recording
    acme = await f.organization("Acme")
    alice = await f.customer(acme)
    bob = await f.customer(acme)
    for n in range(3):
        await f.ticket(alice, summary=f"Wallet {n}", cc_contact_ids=[bob.contact.id])
    for person in (alice, await f.agent()):
        page = await answers(served, settings, GRID_PAGE, {}, person)
        assert not page["errors"], page
        nodes = page["data"]["tickets"]["nodes"]
        assert [n["summary"] for n in nodes] == ["Wallet 2", "Wallet 1", "Wallet 0"]
        assert all(
            n["ccContacts"] == [{"id": nodes[0]["ccContacts"][0]["id"], "name": bob.contact.name}]
            for n in nodes
        )
        assert nodes[0]["organization"]["name"] == "Acme" and nodes[0]["__typename"] == "Ticket"
        assert completed == [], completed
        again = await answers(served, settings, GRID_FRAGMENTS, {}, person)
        assert again["data"]["page"] == page["data"]["tickets"] and not again["errors"]
        assert completed == [], completed
    # A CC contact who moved to another organization is no longer the customer's to see.
    globex = await f.organization("Globex")
    await models.Contact.filter(id=bob.contact.id).update(organization_id=globex.id)
    for person, cc in ((alice, []), (await f.agent(), [bob.contact.name])):
        page = await answers(served, settings, GRID_PAGE, {}, person)
        assert [[c["name"] for c in n["ccContacts"]] for n in page["data"]["tickets"]["nodes"]] == [
            cc
        ] * 3
    one = "query($n: Int!) { ticket(number: $n) { organization { name } primaryContact { name } } }"
    answer = await answers(served, settings, one, {"n": nodes[0]["number"]}, alice)
    assert answer["data"]["ticket"]["organization"] == {"name": "Acme"}, answer
    assert completed == ["Ticket"], completed  # its related rows: their plans, once loaded


async def test_a_plan_kept_for_a_document_answers_each_viewer_with_their_own_rows(settings):
    """A document's plans are kept for its next request (schema/execution.py `plans`), and
    run with that request's loaders: each viewer still gets what graphql-core's own
    execution gives them, in any order, and a document with a directive is planned anew."""
    served = build_schema(settings)
    generic = build_schema(settings)
    generic.execution_context_class = StrawberryGraphQLCoreExecutionContext
    acme, globex = await f.organization("Acme"), await f.organization("Globex")
    alice, bob = await f.customer(acme), await f.customer(globex)
    carol = await f.customer(acme)
    # Dave, copied on Alice's ticket, then moved to another organization: staff see him,
    # Alice no longer.
    dave = await f.customer(acme)
    await f.ticket(alice, summary="Acme's", cc_contact_ids=[carol.contact.id, dave.contact.id])
    await models.Contact.filter(id=dave.contact.id).update(organization_id=globex.id)
    await f.ticket(bob, summary="Globex's")
    agent = await f.agent()
    skipping = GRID_PAGE.replace("ccEmails", "ccEmails @skip(if: $skip)").replace(
        "{ tickets", "query($skip: Boolean!) { tickets", 1
    )
    for person in (agent, alice, bob, agent, alice):
        for query, variables in ((GRID_PAGE, {}), (skipping, {"skip": person is agent})):
            ours = await answers(served, settings, query, variables, person)
            assert ours == await answers(generic, settings, query, variables, person)
            summaries = {n["summary"] for n in ours["data"]["tickets"]["nodes"]}
            expected = {"Acme's", "Globex's"} if person is agent else None
            assert summaries == (expected or ({"Acme's"} if person is not bob else {"Globex's"}))
            assert ("ccEmails" in ours["data"]["tickets"]["nodes"][0]) != (
                query is skipping and person is agent
            )
            if person is not bob:
                nodes = ours["data"]["tickets"]["nodes"]
                acme = next(n for n in nodes if n["summary"] == "Acme's")
                assert {c["name"] for c in acme["ccContacts"]} == (
                    {carol.contact.name, dave.contact.name}
                    if person is agent
                    else {carol.contact.name}
                )
    assert served.execution_context_class.plans  # kept, for the document without directive
