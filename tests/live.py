"""A real uvicorn server in a subprocess and a real graphql-transport-ws client."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families


def redis_url() -> str:
    """The test Redis; without one the test is skipped here, and fails in CI (strict)."""
    url = os.environ.get("HELPDESK_TEST_REDIS_URL")
    if not url:
        pytest.skip("HELPDESK_TEST_REDIS_URL is not set")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, env: dict | None = None):
        self.database_url = database_url
        self.port = free_port()
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self) -> None:
        env = {**os.environ, "HELPDESK_DATABASE_URL": self.database_url, **self.env}
        # The log goes to a file: a pipe nobody reads fills up and blocks the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read().decode()}")
            try:
                if httpx.get(f"{self.http_url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def metric(self, name: str) -> float:
        """One unlabelled sample from /metrics (helpdesk_live_subscriptions...)."""
        token = self.env.get("HELPDESK_METRICS_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{self.http_url}/metrics", headers=headers)
        response.raise_for_status()
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                if sample.name == name and not sample.labels:
                    return sample.value
        raise KeyError(f"{name} is not in /metrics")

    async def live_subscriptions(self) -> int:
        return int(await self.metric("helpdesk_live_subscriptions"))

    async def gql(self, query: str, variables: dict | None = None, token: str | None = None):
        body = await self.gql_raw(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def gql_raw(self, query: str, variables: dict | None = None, token: str | None = None):
        """The whole answer, top-level errors included."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{self.http_url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers=headers,
            )
        response.raise_for_status()
        return response.json()


class LiveClient:
    """graphql-transport-ws, spoken by hand over a real websocket."""

    def __init__(self, ws):
        self.ws = ws
        self._ids = 0

    @classmethod
    async def connect(cls, server: Server, token: str | None) -> "LiveClient":
        ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
        client = cls(ws)
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        return client

    async def acked(self) -> None:
        message = await self.receive()
        assert message["type"] == "connection_ack", message

    async def subscribe(self, query: str, variables: dict | None = None) -> str:
        self._ids += 1
        op_id = str(self._ids)
        await self.ws.send(
            json.dumps(
                {
                    "id": op_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return op_id

    async def receive(self, timeout: float = 10) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def next(self, op_id: str, timeout: float = 10) -> dict:
        """The next `next` payload for an operation (pings answered, others skipped)."""
        while True:
            message = await self.receive(timeout)
            if message.get("type") == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if message.get("id") == op_id:
                assert message["type"] == "next", message
                return message["payload"]

    async def nothing_for(self, seconds: float) -> None:
        """Asserts no message arrives for a while."""
        try:
            message = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {message}")

    async def close(self) -> None:
        await self.ws.close()


EVENTS = """subscription($filter: TicketFilter, $after: String) {
  ticketEvents(filter: $filter, after: $after) {
    cursor kind matchesFilter ticket { number summary status } changes { field oldValue newValue }
    comment { body kind }
  }
}"""
CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id number } errors { code message } } }"""
COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { comment { id } errors { code message } } }"""
UPDATE = """mutation($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id } errors { code message } } }"""
RESOLVE = """mutation($input: ResolveTicketInput!) {
  resolveTicket(input: $input) { ticket { id } errors { code message } } }"""


async def create_ticket(server, person, summary="Wallet not syncing") -> dict:
    data = await server.gql(
        CREATE, {"input": {"summary": summary, "description": "Help"}}, person.token
    )
    return data["createTicket"]["ticket"]


async def event_where(client: LiveClient, op_id: str, **expected) -> dict:
    """The next ticket event with the expected values, skipping earlier ones (a ticket
    created just before subscribing may arrive live)."""
    while True:
        event = (await client.next(op_id))["data"]["ticketEvents"]
        comment = (event.get("comment") or {}).get("body")
        if all(event.get(k) == v or (k == "body" and comment == v) for k, v in expected.items()):
            return event


async def listen(server, person, query=EVENTS, variables=None) -> tuple[LiveClient, str]:
    client = await LiveClient.connect(server, person.token)
    await client.acked()
    before = await server.live_subscriptions()
    op_id = await client.subscribe(query, variables)
    # Events committed from now on reach it: wait until the server has registered it.
    deadline = asyncio.get_running_loop().time() + 10
    while await server.live_subscriptions() == before:
        assert asyncio.get_running_loop().time() < deadline, "subscription not registered"
        await asyncio.sleep(0.02)
    return client, op_id


async def closed(client: LiveClient) -> tuple[int, str]:
    """Reads until the server closes the socket: its close code and reason."""
    with pytest.raises(websockets.ConnectionClosed) as ended:
        while True:
            await client.receive(timeout=5)
    return ended.value.rcvd.code, ended.value.rcvd.reason
