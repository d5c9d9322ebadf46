"""Inputs of the ticket grid and the Data Log an attacker tried: dates at the ends of the
calendar, cursors that are not ours (deeply nested, far too long), filters naming a huge
list. Each is a clear error on its field, never an internal error."""

import base64

import factories as f
import pytest
from factories import problems

from helpdesk.resolvers.pagination import MAX_CURSOR

GRID = """query($filter: TicketFilter, $after: String, $before: String) {
  tickets(filter: $filter, after: $after, before: $before) { totalCount } }"""
DATA_LOG = """query($after: String) { dataLog(after: $after) { totalCount } }"""


@pytest.mark.parametrize("field", ["createdFrom", "createdTo", "updatedFrom", "updatedTo"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31", "3000-01-01"])
async def test_a_date_outside_1970_to_2999_is_an_error_on_its_field(client, world, field, day):
    result = await f.gql(client, GRID, {"filter": {field: day}}, as_=world["agent"])
    assert problems(result) == [(field, "OUT_OF_RANGE")], result
    assert "1970-01-01 to 2999-12-31" in result["errors"][0]["message"]


async def test_dates_at_both_ends_of_the_range_are_accepted(client, world):
    await f.ticket(world["alice"])
    ends = {"createdFrom": "1970-01-01", "createdTo": "2999-12-31", "updatedTo": "2999-12-31"}
    result = await f.gql(client, GRID, {"filter": ends}, as_=world["agent"])
    assert result["data"]["tickets"]["totalCount"] == 1, result


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize("arg", ["after", "before"])
async def test_a_grid_cursor_nested_thousands_deep_is_an_invalid_cursor(client, world, arg):
    deep = _cursor("[" * 5000 + "]" * 5000)
    result = await f.gql(client, GRID, {arg: deep}, as_=world["agent"])
    assert problems(result) == [(arg, "INVALID_CURSOR")], result


async def test_a_data_log_cursor_nested_thousands_deep_is_an_invalid_cursor(client, world):
    deep = _cursor("[" * 5000 + "]" * 5000)
    result = await f.gql(client, DATA_LOG, {"after": deep}, as_=world["alice"])
    assert problems(result) == [("after", "INVALID_CURSOR")], result


async def test_a_cursor_longer_than_ours_can_be_is_an_invalid_cursor(client, world):
    ticket = await f.ticket(world["alice"])
    padded = _cursor(f"[{ticket.id}, {ticket.id}]" + " " * MAX_CURSOR)  # valid JSON, too long
    result = await f.gql(client, GRID, {"after": padded}, as_=world["agent"])
    assert problems(result) == [("after", "INVALID_CURSOR")], result


async def test_a_filter_naming_more_than_100_categories_is_refused(client, world):
    ids = [f.global_id("Category", n) for n in range(1, 102)]
    result = await f.gql(client, GRID, {"filter": {"categoryId": ids}}, as_=world["agent"])
    assert problems(result) == [("categoryId", "TOO_MANY")], result


async def test_a_filter_repeating_one_category_is_one_category(client, world):
    ticket = await f.ticket(world["alice"])
    ids = [f.global_id("Category", ticket.category_id)] * 500
    result = await f.gql(client, GRID, {"filter": {"categoryId": ids}}, as_=world["agent"])
    assert result["data"]["tickets"]["totalCount"] == 1, result
