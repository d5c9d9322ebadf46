"""Sizes in an operation's input, refused before any resolver decodes them: a list longer
than the limit, an ID longer than any ID we make (in a variable, nested in an input, or
inline). The answer names the problem instead of echoing the value back."""

import factories as f

from helpdesk import models

NODE = "query($id: ID!) { node(id: $id) { id } }"
CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { number } errors { code } } }"""


async def test_a_list_longer_than_the_limit_is_refused_before_it_is_decoded(client, world):
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    result = await f.gql(client, query, {"ids": ["x"] * 1001}, as_=world["agent"])
    assert f.codes(result) == ["TOO_MANY"]
    assert "$ids holds 1001 items" in result["errors"][0]["message"]


async def test_a_list_at_the_limit_reaches_the_resolver(client, world):
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    ids = [f.global_id("Ticket", n) for n in range(1, 1001)]
    result = await f.gql(client, query, {"ids": ids}, as_=world["agent"])
    assert f.codes(result) == ["INVALID_INPUT"]  # the resolver's own limit of 100 IDs


async def test_a_long_id_variable_is_refused_without_being_echoed(client, world):
    result = await f.gql(client, NODE, {"id": "x" * 100_000}, as_=world["agent"])
    assert f.codes(result) == ["INVALID_ID"]
    assert len(str(result)) < 500


async def test_a_long_id_nested_in_an_input_is_refused_and_nothing_is_created(client, world):
    variables = {"input": {"summary": "s", "description": "d", "categoryId": "Q" * 300}}
    result = await f.gql(client, CREATE, variables, as_=world["alice"])
    assert f.codes(result) == ["INVALID_ID"]
    assert "$input.categoryId" in result["errors"][0]["message"]
    assert not await models.Ticket.exists()


async def test_a_long_inline_id_is_refused_with_its_location(client, world):
    result = await f.gql(client, '{ node(id: "' + "x" * 300 + '") { id } }', as_=world["agent"])
    assert f.codes(result) == ["INVALID_ID"]
    assert result["errors"][0]["locations"] == [{"line": 1, "column": 12}]


async def test_a_long_text_that_is_not_an_id_is_not_refused_as_one(client, world):
    description = "d" * 300
    query = f'mutation {{ createTicket(input: {{summary: "s", description: "{description}"}})' + (
        " { errors { code } } }"
    )
    result = await f.gql(client, query, as_=world["alice"])
    assert result["data"]["createTicket"]["errors"] == []
