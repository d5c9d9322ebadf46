"""Fixtures: a real database per test (a copy of a migrated SQLite file, and in CI a real
PostgreSQL database too), the ASGI app, and a GraphQL client."""

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import factories as f
import httpx
import pytest
from live import Server
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from helpdesk import db
from helpdesk.app import create_app
from helpdesk.settings import Settings

POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
# Tables a test may write; categories keep their migrated defaults.
TABLES = [
    "data_log_hides",
    "log_events",
    "chat_participants",
    "chat_messages",
    "chats",
    "comments",
    "ticket_cc_contacts",
    "tickets",
    "api_tokens",
    "contacts",
    "organizations",
    "modules",
]


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """Every test keeps its files (attachments, the development secret) in a folder of its
    own, never in the checkout's data/; servers it starts inherit it."""
    from helpdesk.storage import set_storage

    folder = tmp_path / "data"
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(folder))
    set_storage(None)
    yield folder
    set_storage(None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "helpdesk.sqlite3"
    asyncio.run(db.migrate(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database for this test session, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    base, _, _ = POSTGRES_URL.rpartition("/")
    admin_url = POSTGRES_URL.replace("postgres://", "postgresql://", 1)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    asyncio.run(db.migrate(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (`HELPDESK_TEST_STRICT`, set by .ci/run) a skipped test is a failed one: CI
    promises every test ran, on every database and service."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("HELPDESK_TEST_STRICT"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI runs every test: {reason}"


@pytest.fixture(params=BACKENDS)
async def database_url(request, tmp_path, sqlite_template, postgres_url):
    if request.param == "postgres" and not postgres_url:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL is not set")
    if request.param == "sqlite":
        path = tmp_path / "helpdesk.sqlite3"
        shutil.copy(sqlite_template, path)
        url = f"sqlite://{path}"
    else:
        url = postgres_url
    # Tortoise caches INSERT statements per connection name, not per dialect: switching
    # between SQLite and PostgreSQL in one process needs a clean cache.
    EXECUTOR_CACHE.clear()
    await db.connect(url)
    if request.param == "postgres":
        conn = Tortoise.get_connection("default")
        await conn.execute_script(
            f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE;"
            " DELETE FROM categories WHERE position > 5;"
        )
    yield url
    await db.disconnect()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def client(settings):
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def world(database_url):
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    return {
        "acme": acme,
        "alice": await f.customer(acme),
        "bob": await f.customer(globex),
        "agent": await f.agent(),
        "admin": await f.admin(),
    }


@pytest.fixture
async def server(database_url):
    server = Server(database_url)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)
