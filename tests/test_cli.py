"""The `helpdesk` command, run for real in a subprocess against a SQLite file."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def helpdesk(tmp_path):
    """Runs `helpdesk ARGS...` on a fresh SQLite file; returns the finished process."""
    db_path = tmp_path / "cli.sqlite3"
    env = {**os.environ, "HELPDESK_DATABASE_URL": f"sqlite://{db_path}"}
    env.pop("HELPDESK_ENV", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "helpdesk.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    run.db_path = db_path
    return run


def rows(db_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def test_migrate_creates_the_tables_and_default_categories(helpdesk):
    result = helpdesk("migrate")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert rows(helpdesk.db_path, "SELECT count(*) FROM categories") == [(5,)]


def test_create_user_creates_a_customer_and_their_organization(helpdesk):
    assert helpdesk("migrate").returncode == 0
    result = helpdesk(
        "create-user",
        "--email", "Mia@Nimbus.example",
        "--password", "correct horse",
        "--name", "Mia Lopez",
        "--role", "customer",
        "--organization", "Nimbus Wallet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mia@nimbus.example" in result.stdout
    assert "Nimbus Wallet" in result.stdout
    found = rows(
        helpdesk.db_path,
        "SELECT c.role, o.name FROM contacts c JOIN organizations o ON o.id = c.organization_id"
        " WHERE c.email = 'mia@nimbus.example'",
    )
    assert found == [("CUSTOMER", "Nimbus Wallet")]


def test_create_user_with_a_taken_email_fails_with_exit_code_2(helpdesk):
    assert helpdesk("migrate").returncode == 0
    args = ["--password", "correct horse", "--name", "Sam", "--role", "agent"]
    assert helpdesk("create-user", "--email", "sam@helpdesk.example", *args).returncode == 0
    result = helpdesk("create-user", "--email", "SAM@helpdesk.example", *args)
    assert result.returncode == 2
    assert "email" in result.stderr and "already exists" in result.stderr
    assert rows(helpdesk.db_path, "SELECT count(*) FROM contacts") == [(1,)]


def test_create_user_customer_without_organization_fails_with_exit_code_2(helpdesk):
    assert helpdesk("migrate").returncode == 0
    result = helpdesk(
        "create-user",
        "--email", "lone@example.com",
        "--password", "correct horse",
        "--name", "Lone",
        "--role", "customer",
    )  # fmt: skip
    assert result.returncode == 2
    assert "--organization" in result.stderr
    assert rows(helpdesk.db_path, "SELECT count(*) FROM contacts") == [(0,)]


def test_demo_loads_tickets_in_every_status_and_a_second_run_changes_nothing(helpdesk):
    first = helpdesk("demo", "--tickets", "40")
    assert first.returncode == 0, first.stderr
    assert "admin@helpdesk.example" in first.stdout
    statuses = rows(helpdesk.db_path, "SELECT DISTINCT status FROM tickets ORDER BY status")
    assert statuses == [(1,), (2,), (3,), (4,), (5,)]
    counts = "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM log_events)"
    before = rows(helpdesk.db_path, counts)
    assert before[0][0] == 40

    # Real chats: ended ones with their transcript on the ticket, and two still going on.
    chats = rows(
        helpdesk.db_path,
        "SELECT c.state, t.channel, t.owner_id IS NOT NULL, c.agent_id IS NOT NULL,"
        " (SELECT count(*) FROM chat_messages m WHERE m.chat_id = c.id),"
        " (SELECT count(*) FROM comments k WHERE k.ticket_id = c.ticket_id"
        "  AND k.kind = 'CHAT_TRANSCRIPT')"
        " FROM chats c JOIN tickets t ON t.id = c.ticket_id ORDER BY c.id",
    )
    ended = [c for c in chats if c[0] == "ENDED"]
    assert ended and all(c[1:] == ("CHAT", 1, 1, c[4], 1) and c[4] >= 4 for c in ended)
    assert [c[0] for c in chats[len(ended) :]] == ["ACTIVE", "WAITING"]
    active, waiting = chats[len(ended) :]
    assert active[2:4] == (1, 1) and active[4] >= 3  # accepted by the ticket's owner, talking
    assert waiting[3:5] == (0, 1)  # nobody has taken it yet
    transcript = rows(
        helpdesk.db_path,
        "SELECT k.body, k.created_at, c.ended_at FROM comments k JOIN chats c"
        " ON c.ticket_id = k.ticket_id WHERE k.kind = 'CHAT_TRANSCRIPT' ORDER BY k.id LIMIT 1",
    )
    body, created_at, ended_at = transcript[0]
    assert created_at == ended_at  # backdated together
    assert body.startswith("Chat with ") and f" to {ended_at[:16]} UTC\n" in body

    # A partner (seed 003) who manages two customers' help desks besides her own.
    assert "elif@ledgerline.example" in first.stdout
    managed = rows(
        helpdesk.db_path,
        "SELECT o.name FROM organization_memberships m JOIN organizations o"
        " ON o.id = m.organization_id JOIN contacts c ON c.id = m.contact_id"
        " WHERE c.email = 'elif@ledgerline.example' ORDER BY o.name",
    )
    assert managed == [("Mintpay Labs",), ("Nimbus Wallet",)]

    second = helpdesk("demo", "--tickets", "40")
    assert second.returncode == 0, second.stderr
    assert "not loaded" in second.stdout
    assert rows(helpdesk.db_path, counts) == before


def test_schema_prints_the_sdl(helpdesk):
    result = helpdesk("schema")
    assert result.returncode == 0, result.stderr
    assert "type Ticket implements Node" in result.stdout
    assert "type Mutation" in result.stdout
