"""The grid's summary search through a ticket's life, through the API: the default view
(open tickets) searches an index of open tickets only on SQLite (migration 0010), kept by
triggers as tickets open, close, reopen and change their summaries, and the search must find
what the rule finds at every step. On SQLite the index is also compared entry by entry with
the index of every ticket (tests/search_indexes.py)."""

from types import SimpleNamespace

import factories as f
import pytest
from search_indexes import open_index, open_tickets_indexed

GRID = """query($filter: TicketFilter) {
  tickets(filter: $filter, first: 100) { totalCount nodes { number } } }"""


@pytest.fixture
async def w(client, database_url):
    acme = await f.organization("Acme")
    return SimpleNamespace(
        client=client,
        sqlite=database_url.startswith("sqlite"),
        alice=await f.customer(acme),
        agent=await f.agent(),
    )


async def found(w, words: str, **shown) -> set[int]:
    """Ticket numbers the agent's grid finds for `words`, in the default view unless
    `shown` widens it (includeClosed=True, status=[...])."""
    result = await f.gql(w.client, GRID, {"filter": {"summary": words, **shown}}, as_=w.agent)
    assert result.get("errors") is None, result
    tickets = result["data"]["tickets"]
    numbers = {n["number"] for n in tickets["nodes"]}
    assert tickets["totalCount"] == len(numbers)
    return numbers


async def mutate(w, name: str, input: dict, as_) -> None:
    input_type = name[0].upper() + name[1:] + "Input"
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) "
        "{ errors { code message } } }"
    )
    result = await f.gql(w.client, query, {"input": input}, as_=as_)
    assert result.get("errors") is None, result
    assert result["data"][name]["errors"] == [], result


async def index_in_step(w) -> None:
    if w.sqlite:
        assert await open_index() == await open_tickets_indexed()


async def test_default_view_search_follows_a_ticket_closing_and_reopening(w):
    ticket = await f.ticket(w.alice, summary="Withdrawal stuck in pending")
    other = await f.ticket(w.alice, summary="Deposit missing")
    gid = f.global_id("Ticket", ticket.id)
    me = {ticket.number}
    assert await found(w, "withdrawal") == me
    await index_in_step(w)

    # From open status to open status: still found.
    await mutate(w, "changeTicketStatus", {"ticketId": gid, "status": "IN_PROGRESS"}, w.agent)
    assert await found(w, "WITHDRAWAL stuck") == me

    await mutate(w, "resolveTicket", {"ticketId": gid, "comment": "Sent again."}, w.agent)
    assert await found(w, "withdrawal") == set()
    assert await found(w, "withdrawal", includeResolved=True) == me
    assert await found(w, "withdrawal", status=["OPEN", "IN_PROGRESS"]) == set()
    await index_in_step(w)

    message = {"ticketId": gid, "message": "Still stuck."}
    await mutate(w, "rejectResolution", message, w.alice)  # reopened
    assert await found(w, "withdrawal") == me
    assert await found(w, "withdrawal", status=["OPEN"]) == me
    await index_in_step(w)

    await mutate(w, "closeTicket", {"ticketId": gid}, w.agent)
    assert await found(w, "withdrawal") == set()
    assert await found(w, "withdrawal", includeClosed=True) == me
    assert await found(w, "deposit") == {other.number}  # the open one is still there
    await index_in_step(w)


async def test_editing_an_open_tickets_summary_changes_what_the_default_view_finds(w):
    ticket = await f.ticket(w.alice, summary="Withdrawal stuck in pending")
    gid = f.global_id("Ticket", ticket.id)
    assert await found(w, "withdrawal") == {ticket.number}

    await mutate(w, "updateTicket", {"ticketId": gid, "summary": "Staking reward late"}, w.alice)
    assert await found(w, "withdrawal") == set()
    assert await found(w, "stuck") == set()
    assert await found(w, "reward staking") == {ticket.number}
    await index_in_step(w)

    # Resolved, then edited: the default view finds it by neither summary.
    await mutate(w, "resolveTicket", {"ticketId": gid}, w.agent)
    await mutate(w, "updateTicket", {"ticketId": gid, "summary": "Withdrawal again"}, w.agent)
    assert await found(w, "withdrawal") == set()
    assert await found(w, "staking") == set()
    assert await found(w, "withdrawal", includeResolved=True) == {ticket.number}
    await index_in_step(w)
