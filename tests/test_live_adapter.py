"""The strawberry behaviours subscriptions/strawberry_adapter.py leans on, pinned one by one:
strawberry is pinned exactly, and an upgrade that changes one of these fails here, saying
which. The live ones drive a real server; they do not depend on the database, so they run on
SQLite only."""

import asyncio
import inspect
import json
import os
import re
from pathlib import Path

import pytest
from live import LiveClient, Server, closed

from helpdesk.api import build_schema
from helpdesk.settings import Settings
from helpdesk.subscriptions import strawberry_adapter as adapter

ROOT = Path(__file__).resolve().parent.parent
EVENTS = "subscription { ticketEvents { kind } }"
VIEWER = "{ viewer { email } }"

live = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_private_names_the_adapter_uses_still_exist():
    # Importing the adapter already failed if a name it imports is gone; these are used
    # as attributes and signatures.
    handler = adapter.TransportHandler
    assert issubclass(adapter._OperationStreamClosed, Exception)
    assert inspect.iscoroutinefunction(handler._send_result_stream), "_send_result_stream"
    assert list(inspect.signature(handler._send_result_stream).parameters) == [
        "self",
        "operation",
        "result_source",
    ], "_send_result_stream(operation, result_source) changed its signature"
    for hook in ("handle_message", "handle_connection_init", "run_operation", "send_message"):
        assert inspect.iscoroutinefunction(getattr(handler, hook)), f"handler hook {hook}"
    assert inspect.iscoroutinefunction(handler.shutdown)
    assert inspect.iscoroutinefunction(handler.handle_task_exception)
    init = inspect.signature(handler.__init__).parameters
    for name in ("view", "websocket", "context", "root_value", "schema"):
        assert name in init, f"the handler no longer takes {name}"
    for name in ("id", "query", "variables", "operation_name", "completed", "task"):
        assert name in adapter.StrawberryOperation.__slots__, f"Operation.{name} is gone"
    for method in ("send_initial_errors", "send_operation_message"):
        assert inspect.iscoroutinefunction(getattr(adapter.StrawberryOperation, method)), method
    assert issubclass(adapter.PreExecutionError, adapter.ExecutionResult)


def test_only_the_adapter_imports_strawberrys_transport_internals():
    internal = re.compile(
        r"strawberry\.subscriptions\.protocols|_OperationStreamClosed|_send_result_stream"
        r"|_handle_pre_execution_error|PreExecutionError"
    )
    allowed = {ROOT / "subscriptions" / "strawberry_adapter.py", Path(__file__).resolve()}
    folders = ("helpdesk", "models", "resolvers", "schema", "subscriptions", "tests", "bench")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if not path.is_symlink()
        and path.resolve() not in allowed
        and ".venv" not in path.parts
        and internal.search(path.read_text())
    ]
    assert offenders == [], "strawberry's transport internals belong in strawberry_adapter.py"


async def test_results_and_initial_errors_are_told_apart_as_strawberry_types_them():
    schema = build_schema(Settings(database_url="sqlite://:memory:"))

    async def first(query: str):
        source = await schema.stream(query)
        async for result in source:
            await source.aclose()
            return result

    invalid = await first("{ nope }")
    assert adapter.next_payload(invalid) is None
    errors = adapter.initial_errors(invalid)
    assert errors and "Cannot query field 'nope'" in errors[0].message

    answered = await first("{ __typename }")
    assert adapter.initial_errors(answered) is None
    assert adapter.next_payload(answered) == {"data": {"__typename": "Query"}}


async def acked(server: Server, person) -> LiveClient:
    client = await LiveClient.connect(server, person.token)
    await client.acked()
    return client


async def messages_for(client: LiveClient, op_id: str, count: int) -> list[dict]:
    found: list[dict] = []
    while len(found) < count:
        message = await client.receive()
        if message.get("id") == op_id:
            found.append(message)
    return found


def server_log(server: Server) -> str:
    # pread: reading must not move the offset the server process writes at.
    fd = server.log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")


@live
async def test_a_query_over_the_socket_answers_as_the_socket_viewer_then_completes(server, world):
    client = await acked(server, world["alice"])
    op = await client.subscribe(VIEWER)
    answer, end = await messages_for(client, op, 2)
    assert answer["type"] == "next"
    assert answer["payload"] == {"data": {"viewer": {"email": world["alice"].contact.email}}}
    assert end == {"id": op, "type": "complete"}


@live
@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"query": "{ viewer "}, "Syntax Error: Expected Name, found <EOF>."),
        (
            {"query": "query A { viewer { email } }", "operationName": "B"},
            'Unknown operation named "B".',
        ),
    ],
    ids=["syntax error", "unknown operation name"],
)
async def test_a_document_strawberry_cannot_run_closes_the_socket_and_ends_quietly(
    server, world, message, reason
):
    client = await acked(server, world["alice"])
    await client.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))
    assert await closed(client) == (4400, reason)
    # The operation ended through strawberry's private _OperationStreamClosed, not a crash.
    answered = await acked(server, world["alice"])
    op = await answered.subscribe(VIEWER)
    assert (await answered.next(op))["data"]["viewer"] is not None
    log = server_log(server)
    assert "Exception in worker task" not in log
    assert "internal error" not in log  # the client's mistake, not ours


@live
async def test_a_query_that_fails_validation_is_an_error_message_and_frees_its_id(server, world):
    client = await acked(server, world["alice"])
    await client.ws.send(
        json.dumps({"id": "same", "type": "subscribe", "payload": {"query": "{ nope }"}})
    )
    (error,) = await messages_for(client, "same", 1)
    assert error["type"] == "error"
    assert "Cannot query field 'nope'" in error["payload"][0]["message"]
    # After `error` the id is free again (strawberry forgets it before sending).
    await client.ws.send(
        json.dumps({"id": "same", "type": "subscribe", "payload": {"query": VIEWER}})
    )
    answer, end = await messages_for(client, "same", 2)
    assert (answer["type"], end["type"]) == ("next", "complete")


@live
async def test_a_subscription_that_fails_validation_is_an_error_message(server, world):
    client = await acked(server, world["alice"])
    op = await client.subscribe("subscription { ticketEvents { nope } }")
    (error,) = await messages_for(client, op, 1)
    assert error["type"] == "error"
    assert "Cannot query field 'nope'" in error["payload"][0]["message"]
    deadline = asyncio.get_running_loop().time() + 10
    while await server.metric("helpdesk_subscription_hubs"):
        assert asyncio.get_running_loop().time() < deadline, "the failed hub stayed"
        await asyncio.sleep(0.02)


@live
async def test_completing_a_subscription_cancels_it_and_leaves_its_hub(server, world):
    client = await acked(server, world["alice"])
    before = await server.live_subscriptions()
    op = await client.subscribe(EVENTS)
    deadline = asyncio.get_running_loop().time() + 10
    while await server.live_subscriptions() == before:
        assert asyncio.get_running_loop().time() < deadline, "subscription not registered"
        await asyncio.sleep(0.02)
    await client.ws.send(json.dumps({"id": op, "type": "complete"}))
    while await server.live_subscriptions() or await server.metric("helpdesk_subscription_hubs"):
        assert asyncio.get_running_loop().time() < deadline + 10, "the subscription stayed"
        await asyncio.sleep(0.02)
    op = await client.subscribe(VIEWER)  # the socket goes on
    assert (await client.next(op))["data"]["viewer"] is not None


@live
async def test_an_exception_from_on_ws_connect_other_than_a_rejection_reaches_the_handler(
    database_url, world
):
    # The view raises Refused (too many sockets); strawberry must let it out of
    # handle_connection_init for the handler to close with its code and reason.
    server = Server(database_url, env={"HELPDESK_MAX_SOCKETS_PER_PERSON": "1"})
    await asyncio.to_thread(server.start)
    try:
        await acked(server, world["alice"])
        refused = await LiveClient.connect(server, world["alice"].token)
        assert await closed(refused) == (4429, "Too many open sockets: at most 1 per person")
    finally:
        await asyncio.to_thread(server.stop)
