"""API tokens are not looked up by node: a token's global ID finds nothing, like any object
you may not see, instead of an internal error."""

import factories as f

from helpdesk import models


async def token_id(person: f.Person) -> str:
    token = await models.ApiToken.filter(contact_id=person.contact.id).first()
    return f.global_id("ApiToken", token.id)


async def test_node_with_an_api_token_id_is_not_found_even_for_its_owner(client, world):
    alice = world["alice"]
    result = await f.gql(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": await token_id(alice)}, as_=alice
    )
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]


async def test_nodes_with_an_api_token_id_is_null(client, world):
    alice = world["alice"]
    result = await f.gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [await token_id(alice), alice.id]},
        as_=alice,
    )
    assert result["data"]["nodes"] == [None, {"id": alice.id}]
