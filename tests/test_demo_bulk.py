"""The demo's bulk part (helpdesk/demo_bulk.py) writes the rows the resolvers would: a
small demo with a low bulk threshold has its older tickets written in bulk and its newest
through the resolvers, and the two kinds of rows must look alike and read alike."""

import json
from collections import defaultdict
from typing import Any

import factories as f
import pytest
from search_indexes import open_index, open_tickets_indexed
from tortoise import Tortoise

from helpdesk import demo
from helpdesk.models import (
    Channel,
    Comment,
    Contact,
    LogEvent,
    Status,
    Ticket,
    TicketCcContact,
    TokenKind,
)
from helpdesk.resolvers import accounts, tickets_grid
from helpdesk.resolvers.ticket_filters import TicketFilter

TOTAL, RECENT = 420, demo.RECENT_TICKETS  # 120 in bulk, the 300 newest through resolvers
SAVING_KINDS = {
    "TICKET_UPDATED",
    "ASSIGNED",
    "STATUS_CHANGED",
    "RESOLVED",
    "REOPENED",
    "CLOSED",
    "CONFIRMED",
}


async def _rows(sql: str) -> list[dict]:
    _, rows = await Tortoise.get_connection("default").execute_query(sql)
    return [dict(row) for row in rows]


def _shape(value: Any) -> Any:
    """A JSON value's shape: keys and types, not contents."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(sorted({repr(_shape(v)) for v in value})))
    return type(value).__name__


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.fixture
async def loaded(database_url):
    # Chunks of 50: the bulk part is planned in worker processes, as at a million.
    summary = await demo.load(TOTAL, bulk_above=RECENT, bulk_chunk=50)
    assert summary is not None
    return summary


async def test_ids_and_numbers_are_continuous_and_every_row_is_there(loaded, database_url):
    ids = sorted(await Ticket.all().values_list("id", flat=True))
    assert ids == list(range(1, TOTAL + 1))
    assert sum(loaded.by_status.values()) == TOTAL
    for table in ("log_events", "comments", "ticket_cc_contacts"):
        (row,) = await _rows(f"SELECT COUNT(*) AS n, MIN(id) AS low, MAX(id) AS high FROM {table}")
        assert row["high"] - row["low"] + 1 == row["n"], table
    # The resolver-written tickets come after the bulk ones, in time as in ids.
    bulk_newest = await Ticket.get(id=TOTAL - RECENT)
    recent_oldest = await Ticket.get(id=TOTAL - RECENT + 1)
    assert bulk_newest.updated_at < recent_oldest.created_at
    if database_url.startswith("sqlite"):  # foreign keys are not checked during the load
        assert await _rows("PRAGMA foreign_key_check") == []
        assert (await _rows("PRAGMA foreign_keys"))[0]["foreign_keys"] == 1  # restored
    # Spread over the past: a big demo reaches back months, years at a million tickets.
    oldest = await Ticket.get(id=1)
    assert (recent_oldest.created_at - oldest.created_at).days >= 80


async def test_bulk_rows_have_the_shape_of_resolver_rows(loaded):
    tickets = {t.id: t for t in await Ticket.all()}
    bulk = {i for i in tickets if i <= TOTAL - RECENT}
    offline = {i for i, t in tickets.items() if t.channel is Channel.OFFLINE}
    events: dict[int, list[LogEvent]] = defaultdict(list)
    for event in await LogEvent.filter(ticket_id__not_isnull=True).order_by("id"):
        events[event.ticket_id].append(event)
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in await Comment.all().order_by("id"):
        comments[comment.ticket_id].append(comment)

    def shapes(ids: set[int]) -> dict[str, set]:
        found: dict[str, set] = defaultdict(set)
        for i in ids:
            for event in events[i]:
                found[event.kind.value].add(
                    (_shape(_json(event.changes)), event.actor_id is None, event.internal)
                )
        return found

    def moves(ids: set[int]) -> set[tuple[str, str, str]]:
        """Each event kind with the status move it made and who made it (the contact, a
        customer, or staff)."""
        found = set()
        for i in ids:
            for e in events[i]:
                change = _json(e.changes).get("status")
                move = "->".join(change) if isinstance(change, list) else str(change)
                who = "customer" if e.actor_id == tickets[i].primary_contact_id else "staff"
                found.add((e.kind.value, move, who))
        return found

    # The bulk tickets' steps are among those the resolvers wrote (chats aside).
    assert moves(bulk) <= moves(offline - bulk)

    resolver_shapes = shapes(offline - bulk)
    for kind, found in shapes(bulk).items():
        assert found <= resolver_shapes[kind], kind

    raw = {r["id"]: r for r in await _rows("SELECT * FROM tickets")}

    def lifecycle(ids: set[int]) -> set[tuple]:
        """Per status, which of the columns a ticket's life fills are empty."""
        columns = ("owner_id", "resolved_at", "closed_at", "rating", "feedback")
        return {(raw[i]["status"], tuple(raw[i][c] is None for c in columns)) for i in ids}

    assert lifecycle(bulk) <= lifecycle(offline - bulk)
    always = {k for k in raw[1] if all(raw[i][k] is not None for i in offline - bulk)}
    assert all(raw[i][k] is not None for i in bulk for k in always)

    for i in bulk | offline:
        ticket, history = tickets[i], events[i]
        kinds = [e.kind.value for e in history]
        assert kinds[0] == "TICKET_CREATED"
        # Every save is a version; comments only mark the ticket updated.
        assert ticket.version == 1 + sum(k in SAVING_KINDS for k in kinds), i
        # "Last updated by": the last save's or comment's author; internal notes do not count.
        touching = [
            e
            for e in history
            if e.kind.value in SAVING_KINDS | {"TICKET_CREATED"}
            or (e.kind.value == "COMMENT_ADDED" and not e.internal)
        ]
        assert ticket.updated_by_id == touching[-1].actor_id, i
        # Status changes chain from OPEN to the ticket's status.
        status = "OPEN"
        for event in history:
            change = _json(event.changes).get("status")
            if isinstance(change, list):
                assert change[0] == status, (i, kinds)
                status = change[1]
        assert status == ticket.status.name, i
        # Each comment has its COMMENT_ADDED event, at its time, marked internal for notes.
        added = [e for e in history if e.kind.value == "COMMENT_ADDED"]
        assert [e.comment_id for e in added] == [c.id for c in comments[i]]
        for event, comment in zip(added, comments[i], strict=True):
            assert event.occurred_at == comment.created_at
            assert event.internal == (comment.kind.value == "INTERNAL_NOTE")
            assert _json(event.changes) == {"kind": comment.kind.value}

    for i in bulk:
        ticket, history = tickets[i], events[i]
        times = [e.occurred_at for e in history]
        assert times == sorted(times) and times[0] == ticket.created_at
        assert ticket.updated_at == times[-1]
        closing = [e for e in history if e.kind.value in ("CLOSED", "CONFIRMED")]
        assert (ticket.closed_at is not None) == bool(closing) == (ticket.status is Status.CLOSED)
        if closing:
            assert ticket.closed_at == closing[-1].occurred_at
        if ticket.status is Status.RESOLVED:
            assert (
                ticket.resolved_at
                == [e for e in history if e.kind.value == "RESOLVED"][-1].occurred_at
            )

    # Ids follow time over all bulk tickets, as when the resolvers write in time order.
    # (Demo attachments come last, on a few tickets, backdated: they are left out.)
    first_recent = min(e.id for i in set(tickets) - bulk for e in events[i])
    bulk_events = [e for i in bulk for e in events[i] if e.id < first_recent]
    bulk_events.sort(key=lambda e: e.id)
    assert [e.occurred_at for e in bulk_events] == sorted(e.occurred_at for e in bulk_events)
    # CC contacts are customers of the ticket's organization.
    for link in await TicketCcContact.filter(ticket_id__in=bulk).prefetch_related("contact"):
        assert link.contact.organization_id == tickets[link.ticket_id].organization_id


async def _token(email: str) -> str:
    contact = await Contact.get(email=email)
    _, secret = await accounts.issue_token(contact, TokenKind.API, "test")
    return secret


TICKET = """query($n: Int!) { ticket(number: $n) {
  number status version summary ccEmails owner { email } updatedBy { email }
  ccContacts { email } category { name } module { name }
  comments(first: 50) { totalCount nodes { kind body internal author { email } } }
  history(first: 50) { totalCount nodes { loggingId kind changes { field oldValue newValue } } }
} }"""
GRID = """query($filter: TicketFilter) { tickets(filter: $filter, first: 100) {
  totalCount edges { node { number status summary organization { name } } } } }"""
DATA_LOG = (
    """{ dataLog(first: 100) { totalCount edges { node { loggingId kind ticketNumber } } } }"""
)


async def test_the_api_reads_bulk_tickets(loaded, client):
    admin = await _token(demo.ADMIN[1])
    every = {"filter": {"status": [s.name for s in Status]}}
    grid = await f.gql(client, GRID, every, as_=admin)
    assert grid.get("errors") is None, grid
    assert grid["data"]["tickets"]["totalCount"] == TOTAL

    # The summary search (an index kept by triggers the bulk load pauses) finds them.
    word = "Staking"
    matching = await Ticket.filter(summary__icontains=word).count()
    assert matching > 0
    searched = await f.gql(
        client, GRID, {"filter": {**every["filter"], "summary": word}}, as_=admin
    )
    assert searched.get("errors") is None, searched
    assert searched["data"]["tickets"]["totalCount"] == matching

    # ticketStats is a subscription: its first answer is tickets_grid.stats.
    viewer = accounts.viewer_of(await Contact.get(email=demo.ADMIN[1]))
    every_status = TicketFilter(statuses=list(Status))
    stats = await tickets_grid.stats(viewer, every_status)
    assert stats.total == TOTAL
    assert {s.name: n for s, n in stats.by_status.items()} == loaded.by_status

    bulk = await Ticket.filter(id__lte=TOTAL - RECENT).order_by("id")
    closed = next(t for t in bulk if t.status is Status.CLOSED)
    customer = await Contact.get(id=closed.primary_contact_id)
    for who in (admin, await _token(customer.email)):
        found = await f.gql(client, TICKET, {"n": closed.number}, as_=who)
        assert found.get("errors") is None, found
        ticket = found["data"]["ticket"]
        assert ticket["status"] == "CLOSED" and ticket["version"] == closed.version
        kinds = [n["kind"] for n in ticket["history"]["nodes"]]
        assert kinds[0] == "TICKET_CREATED" and kinds[-1] in ("CLOSED", "CONFIRMED")
        assert ticket["comments"]["totalCount"] == len(ticket["comments"]["nodes"])
        if who != admin:  # a customer never sees an internal note
            assert not any(c["internal"] for c in ticket["comments"]["nodes"])

    log = await f.gql(client, DATA_LOG, as_=await _token(customer.email))
    assert log.get("errors") is None, log
    numbers = [e["node"]["ticketNumber"] for e in log["data"]["dataLog"]["edges"]]
    assert closed.number in numbers or log["data"]["dataLog"]["totalCount"] > 100


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a SQLite index
async def test_the_bulk_load_fills_the_open_tickets_summary_index(loaded, client):
    """The load pauses the triggers of the open tickets' summary index (migration 0010) and
    fills it after: it holds exactly the open tickets, bulk ones among them, each as its
    triggers would have written it, and the default view's search finds them."""
    bulk_open = await Ticket.filter(id__lte=TOTAL - RECENT, status__lt=Status.RESOLVED)
    assert bulk_open
    held, entries = await open_index()
    assert held == {r["id"] for r in await _rows("SELECT id FROM tickets WHERE status < 4")}
    assert (held, entries) == await open_tickets_indexed()

    word = max(bulk_open[0].summary.split(), key=len)
    matching = await Ticket.filter(summary__icontains=word, status__lt=Status.RESOLVED).count()
    searched = await f.gql(
        client, GRID, {"filter": {"summary": word}}, as_=await _token(demo.ADMIN[1])
    )
    assert searched.get("errors") is None, searched
    assert searched["data"]["tickets"]["totalCount"] == matching > 0


async def test_a_small_demo_writes_nothing_in_bulk(database_url):
    await demo.load(40)
    assert await Ticket.filter(channel=Channel.CHAT).exists()  # the resolver path, chats too
    assert await Ticket.all().count() == 40


# -- helpdesk import ------------------------------------------------------------------------


def _jsonl(path, *lines: dict | str) -> Any:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


CLOSED_LINE = {
    "organization": "Acme Imports",
    "contact": {"name": "Ann Lee", "email": "Ann@Acme.example"},
    "summary": "Cannot log in",
    "description": "Since this morning the app says my password is wrong.",
    "status": "CLOSED",
    "priority": "HIGH",
    "category": "Potential Bug",
    "created_at": "2024-03-01T09:30:00Z",
    "resolved_at": "2024-03-02T10:00:00Z",
    "closed_at": "2024-03-03T08:00:00+01:00",
    "rating": 4,
    "feedback": "Fine.",
    "comments": [
        {"author": "ann@acme.example", "body": "Any news?", "created_at": "2024-03-01T15:00:00Z"},
        {
            "author": "agent.import@helpdesk.example",
            "body": "Reset on our side.",
            "internal": True,
            "created_at": "2024-03-02T09:00:00Z",
        },
    ],
}
WAITING_LINE = {
    "organization": "acme imports",  # the same organization, in another case
    "contact": {"name": "Ann Lee", "email": "ann@acme.example"},
    "summary": "Export is empty",
    "status": "WAITING_ON_CUSTOMER",
    "owner": "agent.import@helpdesk.example",
    "created_at": "2024-02-01T08:00:00Z",
    "comments": [
        {
            "author": "agent.import@helpdesk.example",
            "body": "Which date range?",
            "created_at": "2024-02-01T09:00:00Z",
        }
    ],
}
OPEN_LINE = {
    "organization": "Brand New Ltd",
    "contact": {"name": "Bo Chen", "email": "bo@new.example"},
    "summary": "Hello",
    "created_at": "2024-04-01T08:00:00Z",
}


@pytest.fixture
async def staff(database_url):
    return await f.admin(), await f.agent(email="agent.import@helpdesk.example")


async def _counts() -> tuple[int, ...]:
    from helpdesk.models import Organization

    return (
        await Ticket.all().count(),
        await Comment.all().count(),
        await LogEvent.all().count(),
        await Contact.all().count(),
        await Organization.all().count(),
    )


async def test_import_writes_tickets_with_their_history(staff, tmp_path, client):
    from helpdesk import bulk_import

    admin, agent = staff
    path = _jsonl(tmp_path / "t.jsonl", CLOSED_LINE, "", WAITING_LINE, OPEN_LINE)
    written = await bulk_import.run(path)
    assert written["tickets"] == 3 and written["comments"] == 3
    # Numbered in the order they were created: the February ticket first.
    tickets = await Ticket.all().order_by("id")
    assert [t.summary for t in tickets] == ["Export is empty", "Cannot log in", "Hello"]
    waiting, closed, opened = tickets
    assert waiting.status is Status.WAITING_ON_CUSTOMER and waiting.owner_id == agent.contact.id
    assert closed.status is Status.CLOSED and closed.rating == 4 and closed.feedback == "Fine."
    assert closed.closed_at.isoformat() == "2024-03-03T07:00:00+00:00"
    assert opened.status is Status.OPEN and opened.version == 1
    history = [
        (e.kind.value, e.actor_id, e.internal)
        for e in await LogEvent.filter(ticket_id=closed.id).order_by("id")
    ]
    ann = await Contact.get(email="ann@acme.example")
    assert history == [
        ("TICKET_CREATED", ann.id, False),
        ("TICKET_UPDATED", admin.contact.id, False),  # the priority, by the importer
        ("COMMENT_ADDED", ann.id, False),
        ("COMMENT_ADDED", agent.contact.id, True),
        ("RESOLVED", admin.contact.id, False),
        ("CONFIRMED", ann.id, False),
    ]
    assert closed.version == 4 and closed.updated_by_id == ann.id
    # New organizations and customers were created; Ann's two tickets share hers.
    assert waiting.organization_id == closed.organization_id != opened.organization_id
    assert (await Contact.get(email="bo@new.example")).role.value == "CUSTOMER"

    # The API reads them: the customer's Data Log has the confirmed ticket.
    log = await f.gql(client, DATA_LOG, as_=await _token("ann@acme.example"))
    assert log.get("errors") is None, log
    assert [e["node"]["ticketNumber"] for e in log["data"]["dataLog"]["edges"]] == [closed.number]
    found = await f.gql(client, TICKET, {"n": closed.number}, as_=admin)
    assert found.get("errors") is None, found
    assert found["data"]["ticket"]["comments"]["totalCount"] == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a SQLite index
async def test_import_keeps_the_open_tickets_summary_index(staff, tmp_path):
    """Imported beside a ticket already there: the index (paused and filled again) holds
    both the open ones imported and the one before."""
    from helpdesk import bulk_import

    customer = await f.customer(await f.organization("Older Ltd"))
    before = await f.ticket(customer, summary="Withdrawal stuck")
    await bulk_import.run(_jsonl(tmp_path / "t.jsonl", CLOSED_LINE, WAITING_LINE, OPEN_LINE))
    held, entries = await open_index()
    summaries = {t.id: t.summary for t in await Ticket.filter(id__in=held)}
    assert sorted(summaries.values()) == ["Export is empty", "Hello", "Withdrawal stuck"]
    assert before.id in held
    assert (held, entries) == await open_tickets_indexed()


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({**WAITING_LINE, "status": "DONE"}, "line 2: status:"),
        ({**WAITING_LINE, "created_at": "2024-02-01 08:00"}, "line 2: created_at:"),
        ({**WAITING_LINE, "contact": {"name": "X"}}, "line 2: contact.email:"),
        ({**WAITING_LINE, "category": "Nope"}, "line 2: category:"),
        ({**WAITING_LINE, "owner": "ann@acme.example"}, "line 2: owner:"),
        ({**WAITING_LINE, "surprise": 1}, "line 2: surprise:"),
        (
            {
                **WAITING_LINE,
                "comments": [{**WAITING_LINE["comments"][0], "author": "x@y.example"}],
            },
            "line 2: comments.0.author:",
        ),
        ("{not json", "line 2: not JSON"),
        ("[" * 100_000, "line 2: not JSON: nested too deeply"),
    ],
)
async def test_import_refuses_a_bad_line_and_writes_nothing(staff, tmp_path, bad, where):
    from helpdesk import bulk_import

    before = await _counts()
    path = _jsonl(tmp_path / "t.jsonl", CLOSED_LINE, bad, OPEN_LINE)
    with pytest.raises(bulk_import.BadImport) as refused:
        await bulk_import.run(path)
    assert any(p.startswith(where) for p in refused.value.problems), refused.value.problems
    assert await _counts() == before


async def test_import_refuses_a_line_that_is_not_utf8_and_writes_nothing(staff, tmp_path):
    from helpdesk import bulk_import

    before = await _counts()
    path = _jsonl(tmp_path / "t.jsonl", CLOSED_LINE)
    path.write_bytes(path.read_bytes() + b'{"summary": "caf\xe9"}\n')  # Latin-1, not UTF-8
    with pytest.raises(bulk_import.BadImport) as refused:
        await bulk_import.run(path)
    assert refused.value.problems == ["line 2: not UTF-8 text"]
    assert await _counts() == before


def test_the_import_command_names_the_bad_line_and_writes_nothing(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    db_path = tmp_path / "cli.sqlite3"
    env = {**os.environ, "HELPDESK_DATABASE_URL": f"sqlite://{db_path}"}

    def helpdesk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "helpdesk.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert helpdesk("migrate").returncode == 0
    staff_args = ["--password", "correct horse", "--role"]
    assert (
        helpdesk(
            "create-user", "--email", "a@x.example", "--name", "A", *staff_args, "admin"
        ).returncode
        == 0
    )
    assert (
        helpdesk(
            "create-user",
            "--email",
            "agent.import@helpdesk.example",
            "--name",
            "B",
            *staff_args,
            "agent",
        ).returncode
        == 0
    )
    bad = _jsonl(tmp_path / "bad.jsonl", CLOSED_LINE, {**OPEN_LINE, "priority": "SOON"})
    result = helpdesk("import", str(bad))
    assert result.returncode == 2
    assert "line 2: priority:" in result.stderr and "Nothing was imported" in result.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM organizations").fetchone() == (0,)

    good = _jsonl(tmp_path / "good.jsonl", CLOSED_LINE, WAITING_LINE, OPEN_LINE)
    result = helpdesk("import", str(good))
    assert result.returncode == 0, result.stderr
    assert "Imported 3 tickets" in result.stdout
    help_text = helpdesk("import", "--help").stdout
    assert "created_at" in help_text and "line and field" in help_text
