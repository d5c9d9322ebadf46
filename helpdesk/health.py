"""/healthz: the process is up. /readyz: it can serve, because the database answers (and
Redis, when the app uses it); a load balancer stops sending traffic while it is 503."""

import asyncio
import logging
import time

import redis.asyncio as redis
from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import Tortoise

from helpdesk.settings import Settings

log = logging.getLogger(__name__)
# Probes arriving within this long of a check share its answer: a flood of probes
# costs one query, not one each.
FRESH_SECONDS = 1.0


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _database() -> None:
    await Tortoise.get_connection("default").execute_query("SELECT 1")


async def _redis(url: str) -> None:
    client = redis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()


class Readiness:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = asyncio.Lock()
        self._checked: tuple[float, dict[str, str]] | None = None

    async def check(self) -> dict[str, str]:
        """ "ok" or "failed" for the database, and for Redis if it is configured."""
        async with self._lock:
            if self._checked and time.monotonic() - self._checked[0] < FRESH_SECONDS:
                return self._checked[1]
            checks = {"database": _database()}
            if self.settings.redis_url:
                checks["redis"] = _redis(self.settings.redis_url)
            answers = await asyncio.gather(*(self._run(n, c) for n, c in checks.items()))
            result = dict(zip(checks, answers, strict=True))
            self._checked = (time.monotonic(), result)
            return result

    async def _run(self, name: str, check) -> str:
        timeout = self.settings.ready_timeout_seconds
        try:
            await asyncio.wait_for(check, timeout)
        except TimeoutError:
            log.warning("readiness: %s did not answer in %g s", name, timeout)
            return "failed"
        except Exception as error:  # whatever broke, the answer is "not ready"
            log.warning("readiness: %s failed: %s: %s", name, type(error).__name__, error)
            return "failed"
        return "ok"


async def readyz(request: Request) -> JSONResponse:
    checks = await request.app.state.readiness.check()
    ready = all(answer == "ok" for answer in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
