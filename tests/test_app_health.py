"""GET /readyz: 200 while the database (and Redis, when configured) answer, else 503 naming
what failed. /healthz's own test is in test_app.py."""

import asyncio
import contextlib
import dataclasses

import httpx
from live import free_port, redis_url

from helpdesk import db
from helpdesk.app import create_app
from helpdesk.settings import Settings


async def ready(settings: Settings) -> httpx.Response:
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.get("/readyz")


@contextlib.asynccontextmanager
async def silent_server():
    """A port that accepts connections and never says a word: a database that hangs."""

    async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_readyz_answers_200_when_the_database_answers(settings):
    response = await ready(settings)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_readyz_pings_redis_when_the_app_uses_it(settings):
    response = await ready(dataclasses.replace(settings, redis_url=redis_url()))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_naming_redis_when_redis_does_not_answer(settings):
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    response = await ready(dataclasses.replace(settings, redis_url=nobody))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "failed"},
    }


async def test_readyz_is_503_naming_the_database_when_it_hangs():
    async with silent_server() as port:
        url = f"postgres://postgres@127.0.0.1:{port}/helpdesk"
        await db.connect(url)
        try:
            response = await ready(Settings(database_url=url, ready_timeout_seconds=0.5))
        finally:
            await db.disconnect()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "failed"}}
