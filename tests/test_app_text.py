"""Text is valid Unicode without NUL, everywhere: the schema refuses a NUL or a lone surrogate
in any variable or literal before a resolver runs (INVALID_TEXT), and the resolvers refuse
them too for callers that skip the schema (the CLI, tests, a future mail intake)."""

import dataclasses
import json

import factories as f
import httpx
import pytest
from factories import codes

from helpdesk import models
from helpdesk.app import create_app
from helpdesk.resolvers import contacts, tickets, tickets_grid
from helpdesk.resolvers.errors import InvalidInput
from helpdesk.resolvers.ticket_fields import NewTicket

CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { number } errors { code field } } }"""


async def test_a_nul_in_a_variable_is_invalid_text_and_nothing_is_created(client, world):
    result = await f.gql(
        client, CREATE, {"input": {"summary": "a\x00b", "description": "d"}}, as_=world["alice"]
    )
    assert codes(result) == ["INVALID_TEXT"]
    assert result["errors"][0]["message"] == (
        "variable $input.summary is not valid text: it holds a NUL character (U+0000)"
    )
    assert not await models.Ticket.exists()


async def test_a_nul_in_an_inline_literal_is_invalid_text_with_its_location(client, world):
    query = (
        'mutation { createTicket(input: {summary: "a\\u0000b", description: "d"})'
        " { errors { code } } }"
    )
    result = await f.gql(client, query, as_=world["alice"])
    assert codes(result) == ["INVALID_TEXT"]
    assert result["errors"][0]["locations"] == [{"line": 1, "column": 42}]
    assert not await models.Ticket.exists()


async def test_escapes_that_make_valid_text_are_accepted(client, world):
    query = (
        'mutation { createTicket(input: {summary: "caf\\u00e9", description: "d"})'
        " { errors { code } } }"
    )
    result = await f.gql(client, query, as_=world["alice"])
    assert result["data"]["createTicket"]["errors"] == []
    assert await models.Ticket.filter(summary="café").exists()


async def test_an_escaped_surrogate_pair_is_valid_text(client, world):
    variables = {"input": {"summary": "ok 😀", "description": "d"}}
    body = json.dumps({"query": CREATE, "variables": variables})
    assert "\\ud83d\\ude00" in body  # the emoji, escaped as a pair of surrogates
    response = await client.post(
        "/graphql",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {world['alice'].token}",
        },
    )
    assert response.json()["data"]["createTicket"]["errors"] == []
    assert await models.Ticket.filter(summary="ok 😀").exists()


async def test_a_nul_in_a_cc_email_is_invalid_text_and_nothing_is_stored(client, world):
    variables = {"input": {"summary": "s", "description": "d", "ccEmails": ["x\x00@example.com"]}}
    result = await f.gql(client, CREATE, variables, as_=world["alice"])
    assert codes(result) == ["INVALID_TEXT"]
    assert "$input.ccEmails[0]" in result["errors"][0]["message"]
    assert not await models.Ticket.exists()


async def test_a_nul_in_a_grid_filter_is_invalid_text(client, world):
    query = "query($s: String) { tickets(filter: {summary: $s}) { totalCount } }"
    result = await f.gql(client, query, {"s": "\x00"}, as_=world["agent"])
    assert codes(result) == ["INVALID_TEXT"]


async def test_a_nul_in_a_variable_name_inside_an_input_is_invalid_text(client, world):
    variables = {"input": {"summary": "s", "description": "d", "\x00": 1}}
    result = await f.gql(client, CREATE, variables, as_=world["alice"])
    assert codes(result) == ["INVALID_TEXT"]


async def test_production_still_names_invalid_text(settings, world):
    app = create_app(dataclasses.replace(settings, env="production"), manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as production:
        result = await f.gql(
            production,
            CREATE,
            {"input": {"summary": "\x00", "description": "d"}},
            as_=world["alice"],
        )
    assert codes(result) == ["INVALID_TEXT"]
    assert "NUL" in result["errors"][0]["message"]


# --- resolvers, called directly -------------------------------------------------------


def problems(error: InvalidInput) -> list[tuple[str | None, str]]:
    return [(p.field, p.code) for p in error.problems]


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "ok \udfff"], ids=["nul", "high", "low"])
async def test_resolvers_refuse_invalid_text_in_ticket_fields(world, bad):
    with pytest.raises(InvalidInput) as refused:
        await tickets.create(world["alice"].viewer, NewTicket(summary=bad, description=bad))
    assert problems(refused.value) == [("summary", "INVALID_TEXT"), ("description", "INVALID_TEXT")]
    assert not await models.Ticket.exists()


async def test_resolvers_refuse_a_lone_surrogate_in_a_cc_email(world):
    fields = NewTicket(summary="s", description="d", cc_emails=("\ud800@example.com",))
    with pytest.raises(InvalidInput) as refused:
        await tickets.create(world["alice"].viewer, fields)
    assert problems(refused.value) == [("ccEmails.0", "INVALID_TEXT")]


async def test_resolvers_refuse_a_lone_surrogate_password_instead_of_failing_to_hash_it(world):
    with pytest.raises(InvalidInput) as refused:
        await contacts.create(
            None,
            name="Zed",
            email="zed@example.com",
            role=models.Role.AGENT,
            password="long enough \ud800",
        )
    assert problems(refused.value) == [("password", "INVALID_TEXT")]
    assert not await models.Contact.filter(email="zed@example.com").exists()


async def test_resolvers_refuse_a_lone_surrogate_in_a_search(world):
    with pytest.raises(InvalidInput) as refused:
        await tickets_grid.matching(
            world["agent"].viewer, tickets_grid.TicketFilter(summary="\ud800")
        )
    assert problems(refused.value) == [("summary", "INVALID_TEXT")]
