"""Changing an e-mail address. Only staff may: "that address is taken" would tell a customer
whether the address exists in any organization, theirs or not, and staff see every contact
anyway. Whatever a customer sends, the answer is the same whether the address exists or not."""

import factories as f

from helpdesk import models

UPDATE = """mutation($input: UpdateContactInput!) { updateContact(input: $input) {
  contact { email } errors { code field message } } }"""


async def change_email(client, actor: f.Person, target: f.Person, email: str) -> dict:
    variables = {"input": {"contactId": target.id, "email": email}}
    return (await f.gql(client, UPDATE, variables, as_=actor))["data"]["updateContact"]


async def test_a_customer_learns_nothing_about_an_address_in_another_organization(client, world):
    alice, bob = world["alice"], world["bob"]  # different organizations
    taken = await change_email(client, alice, alice, bob.contact.email)
    free = await change_email(client, alice, alice, "nobody@example.com")
    assert taken == free
    assert taken["errors"] == [
        {
            "code": "FORBIDDEN",
            "field": "email",
            "message": "only staff can change an e-mail address",
        }
    ]
    assert (await models.Contact.get(id=alice.contact.id)).email == alice.contact.email


async def test_a_customer_may_send_their_own_address_again(client, world):
    alice = world["alice"]
    result = await change_email(client, alice, alice, alice.contact.email.upper())
    assert result == {"contact": {"email": alice.contact.email}, "errors": []}


async def test_an_agent_changes_their_own_address(client, world):
    agent = world["agent"]
    result = await change_email(client, agent, agent, "Desk@Example.com")
    assert result == {"contact": {"email": "desk@example.com"}, "errors": []}


async def test_an_admin_changes_a_customers_address_and_is_told_when_it_is_taken(client, world):
    admin, alice, bob = world["admin"], world["alice"], world["bob"]
    taken = await change_email(client, admin, alice, bob.contact.email)
    assert [(e["code"], e["field"]) for e in taken["errors"]] == [("TAKEN", "email")]
    moved = await change_email(client, admin, alice, "alice.new@example.com")
    assert moved == {"contact": {"email": "alice.new@example.com"}, "errors": []}
