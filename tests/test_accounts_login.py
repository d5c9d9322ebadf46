"""Signing in: the login payload answers as the person it signed in, and nothing else in
the operation does."""

import factories as f
import strawberry

from helpdesk.schema.context import Context, loaders_of
from helpdesk.schema.errors import DomainErrors
from helpdesk.settings import Settings

PASSWORD = "helpdesk-demo"  # written out in the documents below
# The README's first example, word for word but for the e-mail.
README_LOGIN = """mutation { login(input: {email: "lena@example.com", password: "helpdesk-demo"}) {
  token viewer { name role organization { name } } errors { code message } } }"""


async def test_the_readme_login_example_answers_with_the_persons_organization(client):
    nimbus = await f.organization("Nimbus Wallet")
    await f.customer(nimbus, name="Lena", email="lena@example.com", password=PASSWORD)
    result = await f.gql(client, README_LOGIN)
    assert result.get("errors") is None, result
    payload = result["data"]["login"]
    assert payload["token"].startswith("hd_")
    assert payload["viewer"] == {
        "name": "Lena",
        "role": "CUSTOMER",
        "organization": {"name": "Nimbus Wallet"},
    }
    assert payload["errors"] == []


async def test_login_signs_in_its_own_payload_only_not_the_rest_of_the_document(client):
    acme = await f.organization("Acme")
    await f.customer(acme, email="lena@example.com", password=PASSWORD)
    result = await f.gql(
        client,
        """mutation { login(input: {email: "lena@example.com", password: "helpdesk-demo"}) {
             viewer { organization { name } } }
           createTicket(input: {summary: "Sneaky", description: "as Lena"}) { ticket { id } } }""",
    )
    assert result["data"] is None  # createTicket is non-null: its error nulls the data
    assert [e["extensions"]["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]
    assert result["errors"][0]["path"] == ["createTicket"]


async def test_login_by_a_signed_in_person_answers_as_the_person_signing_in(client):
    acme, globex = await f.organization("Acme"), await f.organization("Globex")
    alice = await f.customer(acme)
    await f.customer(globex, email="gus@example.com", password=PASSWORD)
    result = await f.gql(
        client,
        """mutation { login(input: {email: "gus@example.com", password: "helpdesk-demo"}) {
             viewer { email organization { name } } } }""",
        as_=alice,
    )
    assert result["data"]["login"]["viewer"] == {
        "email": "gus@example.com",
        "organization": {"name": "Globex"},
    }


async def test_a_nested_field_without_a_viewer_is_unauthenticated_not_an_internal_error():
    @strawberry.type
    class Query:
        @strawberry.field
        def organization_names(self, info: strawberry.Info) -> list[str]:
            loaders_of(info)
            return []

    schema = strawberry.Schema(query=Query, extensions=[DomainErrors])
    context = Context(settings=Settings(database_url="sqlite://:memory:"), viewer=None)
    result = await schema.execute("{ organizationNames }", context_value=context)
    assert [e.extensions["code"] for e in result.errors] == ["UNAUTHENTICATED"]
