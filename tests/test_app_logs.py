"""The server's log, read from a real server's stderr: request ids, one line per operation,
no secrets, tracebacks only for bugs, and JSON lines on request."""

import asyncio
import json
import os

import factories as f
import httpx
import pytest
import websockets
from live import LiveClient, Server
from tortoise import Tortoise

from helpdesk.settings import Settings

SECRET = "hunter2-secret"
VIEWER = "query WhoAmI { viewer { name } }"


def server_log(server: Server) -> str:
    # pread leaves the file offset alone: the server writes through the same open file.
    fd = server.log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode()


async def log_when(server: Server, *texts: str) -> str:
    """The log once it holds every text (lines are written as requests end)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        log = server_log(server)
        if all(text in log for text in texts):
            return log
        assert asyncio.get_running_loop().time() < deadline, f"{texts} not in log:\n{log}"
        await asyncio.sleep(0.05)


async def post(server: Server, query: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{server.http_url}/graphql", json={"query": query}, headers=headers
        )


@pytest.fixture
async def json_server(database_url):
    server = Server(database_url, {"HELPDESK_LOG_FORMAT": "json"})
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def test_a_password_in_a_failing_document_never_reaches_the_log(server, world):
    login = f'login(input: {{email: "nobody@example.com", password: "{SECRET}"}})'
    failing = [
        f"mutation BadField {{ {login} {{ nosuchfield }} }}",  # validation error
        f"mutation Unclosed {{ {login} {{ token ",  # syntax error
        f"mutation WrongPassword {{ {login} {{ token errors {{ code }} }} }}",
        f'query Variables {{ viewer(password: "{SECRET}") {{ name }} }}',
    ]
    responses = [await post(server, query) for query in failing]
    async with httpx.AsyncClient(timeout=10) as client:
        # Documents in a query string: uvicorn's access log would print them.
        query = f'{{ viewer {{ name }} }} # password: "{SECRET}"'
        got = await client.get(f"{server.http_url}/graphql", params={"query": query})
    # Some clients put tokens in the websocket's URL: uvicorn would log it.
    ws = await websockets.connect(
        f"{server.ws_url}?token={SECRET}", subprotocols=["graphql-transport-ws"]
    )
    socket = LiveClient(ws)
    payload = {"Authorization": f"Bearer {world['alice'].token}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    await socket.acked()
    op_id = await socket.subscribe(failing[0])
    assert (await socket.receive())["id"] == op_id
    await socket.close()

    ids = [r.headers["x-request-id"] for r in [*responses, got]]
    log = await log_when(server, *ids, "WEBSOCKET /graphql")
    assert "mutation BadField" in log and "GET /graphql 200" in log
    assert SECRET not in log


async def test_an_expected_error_logs_one_line_without_a_traceback(server, world):
    response = await post(server, "query Grid { tickets { totalCount } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    rid = response.headers["x-request-id"]
    log = await log_when(server, f"[{rid}] helpdesk.access")
    lines = [line for line in log.splitlines() if f"[{rid}]" in line]
    assert "query Grid" in lines[0] and lines[0].endswith("errors=UNAUTHENTICATED")
    assert "POST /graphql 200" in lines[1]
    assert len(lines) == 2
    assert "Traceback" not in log


async def test_an_unexpected_error_logs_its_traceback_under_the_request_id(server, world):
    ticket = await f.ticket(world["alice"])
    # A row no code path can write: reading it fails inside the resolver, unexpectedly.
    await Tortoise.get_connection("default").execute_query(
        "UPDATE tickets SET status = 99 WHERE id = $1", [ticket.id]
    )
    response = await post(
        server,
        "query Grid { tickets(filter: {includeResolved: true, includeClosed: true}) {"
        " edges { node { status } } } }",
        world["alice"].token,
    )

    rid = response.headers["x-request-id"]
    log = await log_when(server, f"[{rid}] helpdesk.access")
    error = log.index(f"[{rid}] helpdesk.operations: internal error in query Grid")
    assert "Traceback (most recent call last)" in log[error:]
    assert f"[{rid}] helpdesk.operations: query Grid" in log
    assert "errors=INTERNAL_ERROR" in log


async def test_json_logs_parse_line_by_line_with_request_ids_and_operation_names(
    json_server, world
):
    response = await post(json_server, VIEWER, world["agent"].token)
    rid = response.headers["x-request-id"]
    await log_when(json_server, f'"request_id": "{rid}", "method"')

    lines = [json.loads(line) for line in server_log(json_server).splitlines()]
    mine = [line for line in lines if line["request_id"] == rid]
    operation, access = mine
    assert (operation["operation"], operation["operation_type"]) == ("WhoAmI", "query")
    assert operation["error_codes"] == [] and operation["duration_ms"] >= 0
    assert (access["method"], access["path"], access["status"]) == ("POST", "/graphql", 200)
    assert all(line["level"] and line["time"] for line in lines)


async def test_each_websocket_operation_logs_under_a_request_id_of_its_own(json_server, world):
    socket = await LiveClient.connect(json_server, world["agent"].token)
    await socket.acked()
    for _ in range(2):
        op_id = await socket.subscribe(VIEWER)
        assert (await socket.next(op_id))["data"]["viewer"]["name"]
    await socket.close()
    await log_when(json_server, '"method": "WEBSOCKET"')

    lines = [json.loads(line) for line in server_log(json_server).splitlines()]
    (closed,) = [line for line in lines if line.get("method") == "WEBSOCKET"]
    operations = [line for line in lines if line.get("operation") == "WhoAmI"]
    assert [o["error_codes"] for o in operations] == [[], []]
    assert [o["request_id"] for o in operations] == [
        f"{closed['request_id']}.1",
        f"{closed['request_id']}.2",
    ]


def test_an_unknown_log_format_stops_the_start_with_a_clear_message():
    with pytest.raises(ValueError, match="HELPDESK_LOG_FORMAT must be text or json, not 'xml'"):
        Settings.from_env({"HELPDESK_LOG_FORMAT": "xml"})
