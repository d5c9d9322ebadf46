"""The access log, in place of uvicorn's (which prints query strings, and GET /graphql
carries documents in them): a request id for every HTTP request and websocket, returned as
X-Request-ID, and one line for each when it ends: method, path without the query string,
status (a websocket's close code), duration. It also makes the app's metrics current for
everything the request runs, and counts the open websockets."""

import logging
import time

from helpdesk import logs
from helpdesk.resolvers import metrics as current_metrics
from helpdesk.resolvers.metrics import Metrics

log = logging.getLogger("helpdesk.access")
# Probes and scrapes come every few seconds: their lines are debug-level.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MAX_PATH = 200


def _path(scope) -> str:
    """The path as sent, still percent-encoded, so no byte of it can break a log line."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("ascii", "backslashreplace")
    return path if len(path) <= MAX_PATH else path[:MAX_PATH] + "..."


def _with_request_id(message: dict, rid: str) -> dict:
    headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
    return {**message, "headers": headers}


class AccessLog:
    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        token = current_metrics.use(self.metrics)
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send)
            elif scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            current_metrics.stop_using(token)

    async def _http(self, scope, receive, send) -> None:
        rid = logs.new_request_id()
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception became Starlette's 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = _with_request_id(message, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._line(scope["method"], scope, status, started)
            logs.request_id.reset(token)

    async def _websocket(self, scope, receive, send) -> None:
        rid = logs.new_request_id()
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        accepted = False
        code: int | None = None

        async def send_with_id(message) -> None:
            nonlocal accepted, code
            if message["type"] == "websocket.close" and code is None:
                code = message.get("code", 1000) if accepted else 403  # 403: refused
            if message["type"] != "websocket.accept":
                await send(message)
                return
            await send(_with_request_id(message, rid))
            accepted = True
            self.metrics.open_websockets.inc()

        async def receive_close_code():
            nonlocal code
            message = await receive()
            if message["type"] == "websocket.disconnect" and code is None:
                code = message.get("code", 1005)
            return message

        try:
            await self.app(scope, receive_close_code, send_with_id)
        finally:
            if accepted:
                self.metrics.open_websockets.dec()
            self._line("WEBSOCKET", scope, code or 1006, started)
            logs.request_id.reset(token)

    def _line(self, method: str, scope, status: int, started: float) -> None:
        path = _path(scope)
        milliseconds = (time.perf_counter() - started) * 1000
        level = logging.DEBUG if scope["path"] in QUIET_PATHS else logging.INFO
        log.log(
            level,
            "%s %s %s %.1f ms",
            method,
            path,
            status,
            milliseconds,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(milliseconds, 1),
            },
        )
