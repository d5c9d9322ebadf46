"""Accounts: signing in and out, bearer tokens, deactivation, roles, and the admin-only
management of contacts, organizations and the catalog."""

import base64
import json
from datetime import UTC, datetime, timedelta

import factories as f
import pytest
from factories import codes

from helpdesk import models

PASSWORD = "correct horse battery"


def errors(result: dict, field: str) -> list[tuple[str | None, str]]:
    assert result.get("errors") is None, result
    return [(e["field"], e["code"]) for e in result["data"][field]["errors"]]


async def post(client, query: str, variables: dict | None = None, headers: dict | None = None):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return response.json()


LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token viewer { email role } errors { code field message }
  }
}"""
VIEWER = "{ viewer { email } }"
API_TOKENS = "{ apiTokens { id name kind } }"


async def login(client, email: str, password: str) -> dict:
    result = await f.gql(client, LOGIN, {"email": email, "password": password})
    assert result.get("errors") is None, result
    return result["data"]["login"]


async def viewer_email(client, token: str) -> str | None:
    result = await f.gql(client, VIEWER, as_=token)
    assert result.get("errors") is None, result
    return (result["data"]["viewer"] or {}).get("email")


async def is_signed_out(client, token: str) -> bool:
    """The token no longer works: `viewer` is null and protected fields say UNAUTHENTICATED."""
    protected = await f.gql(client, API_TOKENS, as_=token)
    return await viewer_email(client, token) is None and codes(protected) == ["UNAUTHENTICATED"]


# --- login and logout ------------------------------------------------------------------


async def test_login_with_right_password_returns_a_token_that_works(client):
    org = await f.organization()
    await f.customer(org, email="carol@example.com", password=PASSWORD)
    payload = await login(client, "carol@example.com", PASSWORD)
    assert payload["errors"] == []
    assert payload["viewer"] == {"email": "carol@example.com", "role": "CUSTOMER"}
    assert payload["token"]
    assert await viewer_email(client, payload["token"]) == "carol@example.com"


async def test_login_ignores_the_case_of_the_email(client):
    await f.agent(email="dave@example.com", password=PASSWORD)
    payload = await login(client, "  Dave@Example.COM ", PASSWORD)
    assert payload["errors"] == []
    assert await viewer_email(client, payload["token"]) == "dave@example.com"


async def test_login_with_wrong_password_is_invalid_credentials(client):
    await f.agent(email="erin@example.com", password=PASSWORD)
    payload = await login(client, "erin@example.com", PASSWORD + "!")
    assert payload["token"] is None
    assert payload["viewer"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_CREDENTIALS", None)]


async def test_login_with_unknown_email_says_the_same_as_a_wrong_password(client):
    await f.agent(email="frank@example.com", password=PASSWORD)
    unknown = await login(client, "nobody@example.com", PASSWORD)
    wrong = await login(client, "frank@example.com", "wrong password")
    assert unknown["token"] is None
    assert unknown["errors"] == wrong["errors"]
    assert unknown["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_login_of_contact_without_a_password_fails(client):
    await f.agent(email="nopass@example.com")
    payload = await login(client, "nopass@example.com", "anything at all")
    assert payload["token"] is None
    assert payload["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_login_with_blank_fields_names_them(client):
    payload = await login(client, " ", "")
    assert payload["token"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("email", "REQUIRED"),
        ("password", "REQUIRED"),
    }


async def test_logout_revokes_the_session_token(client):
    await f.agent(email="gina@example.com", password=PASSWORD)
    token = (await login(client, "gina@example.com", PASSWORD))["token"]
    result = await f.gql(client, "mutation { logout { errors { code } } }", as_=token)
    assert result["data"]["logout"] == {"errors": []}
    assert await is_signed_out(client, token)


async def test_logout_leaves_other_tokens_of_the_person_working(client):
    person = await f.agent(email="hank@example.com", password=PASSWORD)
    first = (await login(client, "hank@example.com", PASSWORD))["token"]
    second = (await login(client, "hank@example.com", PASSWORD))["token"]
    await f.gql(client, "mutation { logout { errors { code } } }", as_=first)
    assert await is_signed_out(client, first)
    assert await viewer_email(client, second) == "hank@example.com"
    assert await viewer_email(client, person.token) == "hank@example.com"


async def test_logout_without_a_token_is_unauthenticated(client):
    result = await f.gql(client, "mutation { logout { errors { code } } }")
    assert codes(result) == ["UNAUTHENTICATED"]


# --- API tokens ------------------------------------------------------------------------

CREATE_TOKEN = """mutation($name: String!) { createApiToken(input: {name: $name}) {
  apiToken { id name kind } secret errors { code field } } }"""
REVOKE_TOKEN = """mutation($id: ID!) { revokeApiToken(input: {tokenId: $id}) {
  apiToken { id } errors { code field } } }"""


async def test_create_api_token_shows_a_secret_that_works(client):
    person = await f.agent()
    result = await f.gql(client, CREATE_TOKEN, {"name": "CI script"}, as_=person)
    payload = result["data"]["createApiToken"]
    assert payload["errors"] == []
    assert payload["apiToken"]["name"] == "CI script"
    assert payload["apiToken"]["kind"] == "API"
    assert payload["secret"]
    assert await viewer_email(client, payload["secret"]) == person.contact.email


async def test_api_tokens_lists_the_new_token_without_its_secret(client):
    person = await f.agent()
    created = await f.gql(client, CREATE_TOKEN, {"name": "CI script"}, as_=person)
    token_id = created["data"]["createApiToken"]["apiToken"]["id"]
    listed = await f.gql(client, API_TOKENS, as_=person)
    assert {"id": token_id, "name": "CI script", "kind": "API"} in listed["data"]["apiTokens"]
    # There is no way to read a secret back.
    again = await f.gql(client, "{ apiTokens { secret } }", as_=person)
    assert again["data"] is None
    assert "secret" in again["errors"][0]["message"]


async def test_api_tokens_lists_only_your_own_tokens(client):
    me = await f.agent()
    other = await f.agent()
    await f.gql(client, CREATE_TOKEN, {"name": "someone else's"}, as_=other)
    listed = await f.gql(client, API_TOKENS, as_=me)
    assert [t["name"] for t in listed["data"]["apiTokens"]] == ["test"]


async def test_create_api_token_requires_a_name(client):
    person = await f.agent()
    result = await f.gql(client, CREATE_TOKEN, {"name": "  "}, as_=person)
    assert errors(result, "createApiToken") == [("name", "REQUIRED")]
    assert result["data"]["createApiToken"]["secret"] is None


async def test_revoke_api_token_stops_it_and_drops_it_from_the_list(client):
    person = await f.agent()
    created = (await f.gql(client, CREATE_TOKEN, {"name": "temp"}, as_=person))["data"][
        "createApiToken"
    ]
    result = await f.gql(client, REVOKE_TOKEN, {"id": created["apiToken"]["id"]}, as_=person)
    assert errors(result, "revokeApiToken") == []
    assert await is_signed_out(client, created["secret"])
    listed = await f.gql(client, API_TOKENS, as_=person)
    assert created["apiToken"]["id"] not in [t["id"] for t in listed["data"]["apiTokens"]]
    assert await viewer_email(client, person.token) == person.contact.email


async def test_revoking_a_token_twice_is_not_found(client):
    person = await f.agent()
    created = (await f.gql(client, CREATE_TOKEN, {"name": "temp"}, as_=person))["data"][
        "createApiToken"
    ]
    await f.gql(client, REVOKE_TOKEN, {"id": created["apiToken"]["id"]}, as_=person)
    again = await f.gql(client, REVOKE_TOKEN, {"id": created["apiToken"]["id"]}, as_=person)
    assert codes(again) == ["NOT_FOUND"]


async def test_non_admin_cannot_revoke_another_persons_token(client):
    org = await f.organization()
    victim = await f.customer(org)
    attacker = await f.agent()
    token_id = f.global_id("ApiToken", victim.viewer.token_id)
    result = await f.gql(client, REVOKE_TOKEN, {"id": token_id}, as_=attacker)
    assert codes(result) == ["NOT_FOUND"]
    assert await viewer_email(client, victim.token) == victim.contact.email


async def test_admin_can_revoke_anyones_token(client):
    org = await f.organization()
    victim = await f.customer(org)
    admin = await f.admin()
    token_id = f.global_id("ApiToken", victim.viewer.token_id)
    result = await f.gql(client, REVOKE_TOKEN, {"id": token_id}, as_=admin)
    assert errors(result, "revokeApiToken") == []
    assert await is_signed_out(client, victim.token)


# --- bad bearer tokens -----------------------------------------------------------------

PROTECTED = {
    "apiTokens": "{ apiTokens { id } }",
    "tickets": "{ tickets { totalCount } }",
    "ticket": "{ ticket(number: 1001) { id } }",
    "contacts": "{ contacts { totalCount } }",
    "organizations": "{ organizations { totalCount } }",
    "categories": "{ categories { id } }",
    "modules": "{ modules { id } }",
    "dataLog": "{ dataLog { totalCount } }",
    "logEvent": "{ logEvent(id: 1) { id } }",
    "node": '{ node(id: "VGlja2V0OjE=") { id } }',
    "ticketsAwaitingConfirmation": "{ ticketsAwaitingConfirmation { id } }",
    "createTicket": (
        'mutation { createTicket(input: {summary: "s", description: "d"}) { ticket { id } } }'
    ),
    "createApiToken": 'mutation { createApiToken(input: {name: "n"}) { secret } }',
    "clearDataLog": "mutation { clearDataLog(input: {confirm: true}) { clearedCount } }",
}


def bad_headers(valid: str) -> dict[str, dict]:
    return {
        "missing": {},
        "empty": {"Authorization": ""},
        "scheme only": {"Authorization": "Bearer"},
        "blank token": {"Authorization": "Bearer    "},
        "other scheme": {"Authorization": f"Basic {valid}"},
        "no scheme": {"Authorization": valid},
        "bogus": {"Authorization": "Bearer hd_not-a-real-token"},
        "not ours": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
        "tampered": {"Authorization": f"Bearer {valid}x"},
        "huge": {"Authorization": "Bearer hd_" + "a" * 10_000},
    }


HEADER_CASES = list(bad_headers("x"))


@pytest.mark.parametrize("case", HEADER_CASES)
async def test_bad_bearer_token_leaves_viewer_null(client, case):
    person = await f.agent()
    result = await post(client, VIEWER, headers=bad_headers(person.token)[case])
    assert result.get("errors") is None, result
    assert result["data"]["viewer"] is None


@pytest.mark.parametrize("case", HEADER_CASES)
async def test_bad_bearer_token_is_unauthenticated_on_every_protected_field(client, case):
    person = await f.agent()
    org = await f.organization()
    await f.ticket(await f.customer(org))
    headers = bad_headers(person.token)[case]
    for name, query in PROTECTED.items():
        result = await post(client, query, headers=headers)
        assert codes(result) == ["UNAUTHENTICATED"], (name, result)
    assert await models.Ticket.all().count() == 1


async def test_bearer_scheme_is_case_insensitive(client):
    person = await f.agent()
    result = await post(client, VIEWER, headers={"Authorization": f"bearer {person.token}"})
    assert result["data"]["viewer"] == {"email": person.contact.email}


# --- deactivation ----------------------------------------------------------------------

DEACTIVATE = """mutation($id: ID!) { deactivateContact(input: {contactId: $id}) {
  contact { isActive } errors { code field } } }"""
REACTIVATE = """mutation($id: ID!) { reactivateContact(input: {contactId: $id}) {
  contact { isActive } errors { code field } } }"""


async def test_deactivating_a_contact_stops_their_tokens_at_once(client):
    admin = await f.admin()
    org = await f.organization()
    person = await f.customer(org, email="ivy@example.com", password=PASSWORD)
    session = (await login(client, "ivy@example.com", PASSWORD))["token"]
    result = await f.gql(client, DEACTIVATE, {"id": person.id}, as_=admin)
    assert result["data"]["deactivateContact"] == {"contact": {"isActive": False}, "errors": []}
    assert await is_signed_out(client, person.token)
    assert await is_signed_out(client, session)


async def test_deactivated_contact_cannot_log_in(client):
    admin = await f.admin()
    person = await f.agent(email="jack@example.com", password=PASSWORD)
    await f.gql(client, DEACTIVATE, {"id": person.id}, as_=admin)
    payload = await login(client, "jack@example.com", PASSWORD)
    assert payload["token"] is None
    assert payload["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_reactivated_contact_can_log_in_again(client):
    admin = await f.admin()
    person = await f.agent(email="kate@example.com", password=PASSWORD)
    await f.gql(client, DEACTIVATE, {"id": person.id}, as_=admin)
    result = await f.gql(client, REACTIVATE, {"id": person.id}, as_=admin)
    assert result["data"]["reactivateContact"] == {"contact": {"isActive": True}, "errors": []}
    payload = await login(client, "kate@example.com", PASSWORD)
    assert payload["errors"] == []
    assert await viewer_email(client, payload["token"]) == "kate@example.com"


async def test_admin_cannot_deactivate_themselves(client):
    admin = await f.admin()
    result = await f.gql(client, DEACTIVATE, {"id": admin.id}, as_=admin)
    assert errors(result, "deactivateContact") == [("contactId", "SELF_DEACTIVATION")]
    assert await viewer_email(client, admin.token) == admin.contact.email


@pytest.mark.parametrize("role", ["agent", "customer"])
async def test_non_admin_cannot_deactivate_anyone(client, role):
    org = await f.organization()
    actor = await f.agent() if role == "agent" else await f.customer(org)
    target = await f.customer(org)
    result = await f.gql(client, DEACTIVATE, {"id": target.id}, as_=actor)
    assert codes(result) == ["FORBIDDEN"]
    assert await viewer_email(client, target.token) == target.contact.email


async def test_deactivated_contact_drops_out_of_contact_lists(client):
    admin = await f.admin()
    org = await f.organization()
    person = await f.customer(org)
    await f.gql(client, DEACTIVATE, {"id": person.id}, as_=admin)
    query = """query($all: Boolean!) { contacts(filter: {includeInactive: $all}) {
                 nodes { id isActive } } }"""
    active = await f.gql(client, query, {"all": False}, as_=admin)
    everyone = await f.gql(client, query, {"all": True}, as_=admin)
    assert person.id not in [c["id"] for c in active["data"]["contacts"]["nodes"]]
    assert {"id": person.id, "isActive": False} in everyone["data"]["contacts"]["nodes"]


# --- roles -----------------------------------------------------------------------------

CHANGE_ROLE = """mutation($id: ID!, $role: Role!, $org: ID) {
  changeContactRole(input: {contactId: $id, role: $role, organizationId: $org}) {
    contact { role organization { name } } errors { code field } } }"""


async def test_changing_a_role_to_customer_needs_an_organization(client):
    admin = await f.admin()
    agent = await f.agent()
    result = await f.gql(client, CHANGE_ROLE, {"id": agent.id, "role": "CUSTOMER"}, as_=admin)
    assert errors(result, "changeContactRole") == [("organizationId", "REQUIRED")]
    assert (await models.Contact.get(id=agent.contact.id)).role is models.Role.AGENT


async def test_changing_a_role_to_customer_of_unknown_organization_is_not_found(client):
    admin = await f.admin()
    agent = await f.agent()
    result = await f.gql(
        client,
        CHANGE_ROLE,
        {"id": agent.id, "role": "CUSTOMER", "org": f.global_id("Organization", 999)},
        as_=admin,
    )
    assert errors(result, "changeContactRole") == [("organizationId", "NOT_FOUND")]


async def test_admin_cannot_demote_themselves(client):
    admin = await f.admin()
    result = await f.gql(client, CHANGE_ROLE, {"id": admin.id, "role": "AGENT"}, as_=admin)
    assert errors(result, "changeContactRole") == [("role", "SELF_DEMOTION")]
    assert (await models.Contact.get(id=admin.contact.id)).role is models.Role.ADMIN


async def test_demoted_agent_sees_only_their_new_organization_at_once(client):
    admin = await f.admin()
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    await f.ticket(await f.customer(acme), summary="Acme's")
    await f.ticket(await f.customer(globex), summary="Globex's")
    agent = await f.agent()
    grid = "{ tickets { edges { node { summary } } } }"
    before = await f.gql(client, grid, as_=agent)
    assert len(before["data"]["tickets"]["edges"]) == 2
    result = await f.gql(
        client,
        CHANGE_ROLE,
        {"id": agent.id, "role": "CUSTOMER", "org": f.global_id("Organization", acme.id)},
        as_=admin,
    )
    assert result["data"]["changeContactRole"] == {
        "contact": {"role": "CUSTOMER", "organization": {"name": "Acme"}},
        "errors": [],
    }
    after = await f.gql(client, grid, as_=agent)
    assert after["data"]["tickets"]["edges"] == [{"node": {"summary": "Acme's"}}]


async def test_promoted_customer_leaves_their_organization_and_sees_all(client):
    admin = await f.admin()
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    customer = await f.customer(acme)
    await f.ticket(customer)
    await f.ticket(await f.customer(globex))
    result = await f.gql(client, CHANGE_ROLE, {"id": customer.id, "role": "AGENT"}, as_=admin)
    assert result["data"]["changeContactRole"] == {
        "contact": {"role": "AGENT", "organization": None},
        "errors": [],
    }
    grid = await f.gql(client, "{ tickets { totalCount } }", as_=customer)
    assert grid["data"]["tickets"]["totalCount"] == 2


async def test_agent_cannot_change_roles(client):
    agent = await f.agent()
    other = await f.agent()
    result = await f.gql(client, CHANGE_ROLE, {"id": other.id, "role": "ADMIN"}, as_=agent)
    assert codes(result) == ["FORBIDDEN"]
    assert (await models.Contact.get(id=other.contact.id)).role is models.Role.AGENT


# --- creating contacts -----------------------------------------------------------------

CREATE_CONTACT = """mutation($input: CreateContactInput!) { createContact(input: $input) {
  contact { name email role organization { name } } errors { code field } } }"""


async def test_admin_creates_a_customer_who_can_log_in(client):
    admin = await f.admin()
    org = await f.organization("Acme")
    result = await f.gql(
        client,
        CREATE_CONTACT,
        {
            "input": {
                "name": "Lena Lee",
                "email": "Lena@Example.com",
                "role": "CUSTOMER",
                "organizationId": f.global_id("Organization", org.id),
                "password": PASSWORD,
            }
        },
        as_=admin,
    )
    assert result["data"]["createContact"] == {
        "contact": {
            "name": "Lena Lee",
            "email": "lena@example.com",
            "role": "CUSTOMER",
            "organization": {"name": "Acme"},
        },
        "errors": [],
    }
    payload = await login(client, "lena@example.com", PASSWORD)
    assert payload["viewer"] == {"email": "lena@example.com", "role": "CUSTOMER"}


async def _create_contact_fails(client, admin, input: dict) -> list[tuple[str | None, str]]:
    before = await models.Contact.all().count()
    result = await f.gql(client, CREATE_CONTACT, {"input": input}, as_=admin)
    assert result["data"]["createContact"]["contact"] is None
    assert await models.Contact.all().count() == before
    return errors(result, "createContact")


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "sp ace@x.com"])
async def test_create_contact_rejects_a_bad_email(client, email):
    admin = await f.admin()
    found = await _create_contact_fails(
        client, admin, {"name": "X", "email": email, "role": "AGENT"}
    )
    assert found == [("email", "INVALID_EMAIL")]


async def test_create_contact_rejects_a_duplicate_email_in_any_case(client):
    admin = await f.admin()
    await f.agent(email="mike@example.com")
    found = await _create_contact_fails(
        client, admin, {"name": "Mike 2", "email": "MIKE@Example.com", "role": "AGENT"}
    )
    assert found == [("email", "TAKEN")]


async def test_create_contact_customer_needs_an_organization(client):
    admin = await f.admin()
    found = await _create_contact_fails(
        client, admin, {"name": "Nia", "email": "nia@example.com", "role": "CUSTOMER"}
    )
    assert found == [("organizationId", "REQUIRED")]


async def test_create_contact_customer_of_unknown_organization_is_not_found(client):
    admin = await f.admin()
    found = await _create_contact_fails(
        client,
        admin,
        {
            "name": "Nia",
            "email": "nia@example.com",
            "role": "CUSTOMER",
            "organizationId": f.global_id("Organization", 999),
        },
    )
    assert found == [("organizationId", "NOT_FOUND")]


async def test_create_contact_reports_every_problem_at_once(client):
    admin = await f.admin()
    found = await _create_contact_fails(
        client,
        admin,
        {"name": " ", "email": "bad", "role": "CUSTOMER", "password": "short"},
    )
    assert set(found) == {
        ("name", "REQUIRED"),
        ("email", "INVALID_EMAIL"),
        ("password", "TOO_SHORT"),
        ("organizationId", "REQUIRED"),
    }


async def test_create_contact_staff_belong_to_no_organization(client):
    admin = await f.admin()
    org = await f.organization()
    result = await f.gql(
        client,
        CREATE_CONTACT,
        {
            "input": {
                "name": "Olga",
                "email": "olga@example.com",
                "role": "AGENT",
                "organizationId": f.global_id("Organization", org.id),
            }
        },
        as_=admin,
    )
    assert result["data"]["createContact"]["contact"]["organization"] is None


# --- admin-only management -------------------------------------------------------------

CREATE_ORGANIZATION = """mutation($name: String!) { createOrganization(input: {name: $name}) {
  organization { name } errors { code field } } }"""

ADMIN_ONLY = {
    "createContact": (
        CREATE_CONTACT,
        {"input": {"name": "P", "email": "p@example.com", "role": "ADMIN"}},
        models.Contact,
    ),
    "createOrganization": (CREATE_ORGANIZATION, {"name": "New Org"}, models.Organization),
    "createCategory": (
        'mutation { createCategory(input: {name: "New Category"}) { category { id } } }',
        {},
        models.Category,
    ),
    "createModule": (
        'mutation { createModule(input: {name: "New Module"}) { module { id } } }',
        {},
        models.Module,
    ),
}


@pytest.mark.parametrize("mutation", list(ADMIN_ONLY))
@pytest.mark.parametrize("role", ["agent", "customer"])
async def test_non_admin_cannot_create_accounts_organizations_or_catalog(client, role, mutation):
    org = await f.organization()
    actor = await f.agent() if role == "agent" else await f.customer(org)
    query, variables, model = ADMIN_ONLY[mutation]
    before = await model.all().count()
    result = await f.gql(client, query, variables, as_=actor)
    assert codes(result) == ["FORBIDDEN"], result
    assert await model.all().count() == before


@pytest.mark.parametrize("mutation", list(ADMIN_ONLY))
async def test_admin_can_create_accounts_organizations_and_catalog(client, mutation):
    admin = await f.admin()
    query, variables, model = ADMIN_ONLY[mutation]
    before = await model.all().count()
    result = await f.gql(client, query, variables, as_=admin)
    assert result.get("errors") is None, result
    assert await model.all().count() == before + 1


async def test_create_organization_rejects_a_duplicate_name_in_any_case(client):
    admin = await f.admin()
    await f.organization("Acme Wallets")
    result = await f.gql(client, CREATE_ORGANIZATION, {"name": " acme WALLETS "}, as_=admin)
    assert errors(result, "createOrganization") == [("name", "TAKEN")]
    assert await models.Organization.all().count() == 1


async def test_create_organization_requires_a_name(client):
    admin = await f.admin()
    result = await f.gql(client, CREATE_ORGANIZATION, {"name": "   "}, as_=admin)
    assert errors(result, "createOrganization") == [("name", "REQUIRED")]
    assert await models.Organization.all().count() == 0


async def test_created_organization_is_listed_for_staff(client):
    admin = await f.admin()
    result = await f.gql(client, CREATE_ORGANIZATION, {"name": "Initech"}, as_=admin)
    assert result["data"]["createOrganization"] == {
        "organization": {"name": "Initech"},
        "errors": [],
    }
    listed = await f.gql(client, "{ organizations { nodes { name } } }", as_=await f.agent())
    assert listed["data"]["organizations"]["nodes"] == [{"name": "Initech"}]


# --- editing contacts ------------------------------------------------------------------

UPDATE_CONTACT = """mutation($input: UpdateContactInput!) { updateContact(input: $input) {
  contact { name email telegram phone } errors { code field } } }"""


async def test_customer_updates_their_own_details(client):
    org = await f.organization()
    me = await f.customer(org, name="Quinn", email="quinn@example.com")
    result = await f.gql(
        client,
        UPDATE_CONTACT,
        {
            "input": {
                "contactId": me.id,
                "name": "Quinn Q.",
                "email": "Quinn@Example.com",  # their own: only staff change e-mail addresses
                "telegram": "quinn_q",
                "phone": "+1 555 0100",
            }
        },
        as_=me,
    )
    assert result["data"]["updateContact"] == {
        "contact": {
            "name": "Quinn Q.",
            "email": "quinn@example.com",
            "telegram": "@quinn_q",
            "phone": "+1 555 0100",
        },
        "errors": [],
    }
    assert await viewer_email(client, me.token) == "quinn@example.com"


async def test_update_contact_changes_only_the_fields_sent(client):
    org = await f.organization()
    me = await f.customer(org, name="Rita", email="rita@example.com")
    result = await f.gql(
        client,
        UPDATE_CONTACT,
        {"input": {"contactId": me.id, "phone": "+44 20 7946 0000"}},
        as_=me,
    )
    contact = result["data"]["updateContact"]["contact"]
    assert (contact["name"], contact["email"]) == ("Rita", "rita@example.com")


@pytest.mark.parametrize("role", ["customer", "agent"])
async def test_non_admin_cannot_update_someone_elses_details(client, role):
    org = await f.organization()
    actor = await f.customer(org) if role == "customer" else await f.agent()
    colleague = await f.customer(org, name="Sam")
    result = await f.gql(
        client,
        UPDATE_CONTACT,
        {"input": {"contactId": colleague.id, "name": "Hacked"}},
        as_=actor,
    )
    assert codes(result) == ["FORBIDDEN"], result
    assert (await models.Contact.get(id=colleague.contact.id)).name == "Sam"


async def test_customer_updating_another_organizations_person_is_not_found(client):
    me = await f.customer(await f.organization())
    stranger = await f.customer(await f.organization(), name="Tom")
    result = await f.gql(
        client, UPDATE_CONTACT, {"input": {"contactId": stranger.id, "name": "Hacked"}}, as_=me
    )
    assert codes(result) == ["NOT_FOUND"], result
    assert (await models.Contact.get(id=stranger.contact.id)).name == "Tom"


async def test_admin_updates_anyones_details(client):
    admin = await f.admin()
    person = await f.customer(await f.organization(), name="Uma")
    result = await f.gql(
        client, UPDATE_CONTACT, {"input": {"contactId": person.id, "name": "Uma U."}}, as_=admin
    )
    assert result["data"]["updateContact"]["contact"]["name"] == "Uma U."


async def test_update_contact_rejects_an_email_taken_in_any_case(client):
    org = await f.organization()
    await f.customer(org, email="victor@example.com")
    me = await f.agent(email="wendy@example.com")
    result = await f.gql(
        client,
        UPDATE_CONTACT,
        {"input": {"contactId": me.id, "email": "VICTOR@example.com"}},
        as_=me,
    )
    assert errors(result, "updateContact") == [("email", "TAKEN")]
    assert await viewer_email(client, me.token) == "wendy@example.com"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "nope", "INVALID_EMAIL"),
        ("name", "  ", "REQUIRED"),
        ("telegram", "a b", "INVALID_TELEGRAM"),
        ("phone", "call me", "INVALID_PHONE"),
    ],
)
async def test_update_contact_validates_each_field(client, field, value, code):
    me = await f.agent(name="Xena", email="xena@example.com")
    result = await f.gql(
        client, UPDATE_CONTACT, {"input": {"contactId": me.id, field: value}}, as_=me
    )
    assert errors(result, "updateContact") == [(field, code)]
    contact = await models.Contact.get(id=me.contact.id)
    assert (contact.name, contact.email, contact.telegram, contact.phone) == (
        "Xena",
        "xena@example.com",
        None,
        None,
    )


# --- passwords -------------------------------------------------------------------------

CHANGE_PASSWORD = """mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    errors { code field } } }"""


async def test_change_password_replaces_the_old_one(client):
    me = await f.agent(email="yara@example.com", password=PASSWORD)
    new = "a much better passphrase"
    result = await f.gql(client, CHANGE_PASSWORD, {"current": PASSWORD, "new": new}, as_=me)
    assert errors(result, "changePassword") == []
    assert (await login(client, "yara@example.com", PASSWORD))["token"] is None
    assert (await login(client, "yara@example.com", new))["errors"] == []


async def test_change_password_needs_the_current_password(client):
    me = await f.agent(email="zack@example.com", password=PASSWORD)
    result = await f.gql(
        client, CHANGE_PASSWORD, {"current": "wrong one", "new": "another good one"}, as_=me
    )
    assert errors(result, "changePassword") == [("currentPassword", "INVALID_CREDENTIALS")]
    assert (await login(client, "zack@example.com", PASSWORD))["errors"] == []


async def test_change_password_rejects_a_short_new_password(client):
    me = await f.agent(email="abby@example.com", password=PASSWORD)
    result = await f.gql(client, CHANGE_PASSWORD, {"current": PASSWORD, "new": "short"}, as_=me)
    assert errors(result, "changePassword") == [("newPassword", "TOO_SHORT")]
    assert (await login(client, "abby@example.com", PASSWORD))["errors"] == []


async def test_change_password_requires_sign_in(client):
    result = await f.gql(client, CHANGE_PASSWORD, {"current": "x", "new": "long enough pw"})
    assert codes(result) == ["UNAUTHENTICATED"]


async def test_expired_session_token_is_unauthenticated(client):
    await f.agent(email="bea@example.com", password=PASSWORD)
    token = (await login(client, "bea@example.com", PASSWORD))["token"]
    assert await viewer_email(client, token) == "bea@example.com"
    await models.ApiToken.filter(kind=models.TokenKind.SESSION).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await is_signed_out(client, token)


async def test_reactivating_a_contact_does_not_bring_back_their_old_tokens(client):
    admin = await f.admin()
    person = await f.agent(email="liam@example.com")
    await f.gql(client, DEACTIVATE, {"id": person.id}, as_=admin)
    await f.gql(client, REACTIVATE, {"id": person.id}, as_=admin)
    assert await is_signed_out(client, person.token)


async def test_login_refuses_a_password_too_long_to_hash(client):
    org = await f.organization()
    await f.customer(org, email="mona@example.com", password=PASSWORD)
    result = await f.gql(
        client,
        """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
             token errors { code field } } }""",
        {"e": "mona@example.com", "p": "x" * 257},
    )
    assert result["data"]["login"] == {
        "token": None,
        "errors": [{"code": "TOO_LONG", "field": "password"}],
    }


# --- listing organizations and people ---------------------------------------------------

ORGANIZATIONS = """query($first: Int, $after: String) {
  organizations(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { name
    contacts(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } } } }"""
CONTACTS_OF = """query($org: ID!, $after: String) { node(id: $org) { ... on Organization {
  contacts(after: $after) { totalCount nodes { name } } } } }"""


async def test_organizations_page_by_name_each_with_its_own_page_of_people(client):
    agent = await f.agent()
    orgs = {}
    for name, people in [("Delta", 3), ("Bravo", 1), ("Charlie", 0), ("Alpha", 2)]:
        orgs[name] = await f.organization(name)
        for n in range(people):
            await f.customer(orgs[name], name=f"{name} {n}")
    first = (await f.gql(client, ORGANIZATIONS, {"first": 2}, as_=agent))["data"]["organizations"]
    assert [o["name"] for o in first["nodes"]] == ["Alpha", "Bravo"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (4, True)
    variables = {"after": first["pageInfo"]["endCursor"]}
    rest = (await f.gql(client, ORGANIZATIONS, variables, as_=agent))["data"]["organizations"]
    assert [o["name"] for o in rest["nodes"]] == ["Charlie", "Delta"]
    delta = rest["nodes"][1]["contacts"]
    assert ([c["name"] for c in delta["nodes"]], delta["totalCount"]) == (["Delta 0", "Delta 1"], 3)
    assert delta["pageInfo"]["hasNextPage"] is True
    assert rest["nodes"][0]["contacts"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [],
    }
    delta_id = f.global_id("Organization", orgs["Delta"].id)
    variables = {"org": delta_id, "after": delta["pageInfo"]["endCursor"]}
    more = await f.gql(client, CONTACTS_OF, variables, as_=agent)
    assert more["data"]["node"]["contacts"]["nodes"] == [{"name": "Delta 2"}]


async def test_people_with_long_names_in_any_script_page_on_by_cursor(client):
    """A cursor holds the name it stopped at: 200 characters of four UTF-8 bytes each, or
    of control characters, still make a cursor the server takes back."""
    admin = await f.admin()
    org = await f.organization()
    names = ["😀" * 200, "😀" * 200, "\x01" * 200]
    for name in names:
        await f.customer(org, name=name)
    query = """query($org: ID, $after: String) { contacts(filter: {organizationId: $org},
      first: 1, after: $after) { pageInfo { endCursor } nodes { name } } }"""
    seen, after = [], None
    for _ in names:
        variables = {"org": f.global_id("Organization", org.id), "after": after}
        result = await f.gql(client, query, variables, as_=admin)
        assert result.get("errors") is None, result
        page = result["data"]["contacts"]
        seen += [c["name"] for c in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(names)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize("field", ["organizations", "contacts"])
@pytest.mark.parametrize(
    "cursor",
    [
        _cursor('["a\\u0000b", 1]'),  # text no database column holds
        _cursor('["\\ud800", 1]'),  # a lone surrogate
        _cursor("[1, 1]"),  # not a name
        _cursor(f'["a", {2**40}]'),  # not a row id
        _cursor(json.dumps(["a" * 2000, 1])),  # longer than any cursor we make
    ],
)
async def test_name_cursors_that_the_server_did_not_make_are_refused(client, field, cursor):
    query = f"query($c: String) {{ {field}(after: $c) {{ totalCount }} }}"
    result = await f.gql(client, query, {"c": cursor}, as_=await f.agent())
    assert f.problems(result) == [("after", "INVALID_CURSOR")], result
