"""What both benchmarks share: a scratch database, the `helpdesk` command, a real uvicorn
server in a subprocess (its log in a file, so a full pipe never stalls it) and figures."""

import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _postgres_admin(url: str, sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextlib.contextmanager
def scratch_database(database_url: str | None) -> Iterator[str]:
    """A fresh, empty database for one run, removed afterwards: a SQLite file in a temp
    folder, or, given a PostgreSQL URL, a new database on that server (the URL's own
    database is only used to connect and is left untouched)."""
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as folder:
            yield f"sqlite://{folder}/helpdesk.sqlite3"
        return
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url: expected postgres://user@127.0.0.1:5432/db")
    base, _, _ = database_url.rpartition("/")
    name = f"helpdesk_bench_{uuid.uuid4().hex[:8]}"
    _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def helpdesk(database_url: str, *args: str, timeout: float = 300) -> str:
    """Runs the `helpdesk` command against the database; returns its output."""
    env = {**os.environ, "HELPDESK_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise SystemExit(f"helpdesk {' '.join(args[:1])} failed: {done.stderr.strip()}")
    return done.stdout


class Process:
    """A server subprocess answering `ready_path` on 127.0.0.1, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], ready_path: str):
        self.port = free_port()
        self.command = [*command, "--port", str(self.port)]
        self.env = {**os.environ, **env}
        self.ready_path = ready_path
        self.log = tempfile.NamedTemporaryFile(prefix="helpdesk-bench-", suffix=".log")
        self.process: subprocess.Popen | None = None

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log_text()
                self.stop()
                raise SystemExit(f"server exited:\n{log}")
            try:
                if httpx.get(self.http_url + self.ready_path, timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        log = self.log_text()
        self.stop()
        raise SystemExit(f"server did not start in {timeout:.0f} s:\n{log}")

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> "Process":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def helpdesk_server(database_url: str, *, production: bool = False) -> Process:
    """`helpdesk serve` as deployed: uvicorn with uvloop and httptools when installed, one
    worker, its request log on (written to the log file); `production` runs it with
    HELPDESK_ENV=production (errors masked, no introspection, no GraphiQL) and a throwaway
    secret key. The per-person limits are lifted: one benchmark client stands for thousands
    of people."""
    env = {"HELPDESK_DATABASE_URL": database_url, **UNLIMITED}
    if production:
        env |= {"HELPDESK_ENV": "production", "HELPDESK_SECRET_KEY": secrets.token_urlsafe(48)}
    return Process([sys.executable, "-m", "helpdesk.cli", "serve", "--host", HOST], env, "/healthz")


UNLIMITED = {
    "HELPDESK_MAX_SOCKETS_PER_PERSON": "1000000",
    "HELPDESK_MAX_SUBSCRIPTIONS_PER_PERSON": "1000000",
    "HELPDESK_MAX_COST_PER_MINUTE": "1000000000",
    "HELPDESK_WS_MESSAGES_PER_SECOND": "1000000",
    "HELPDESK_WS_MESSAGE_BURST": "1000000",
}


async def graphql(
    client: httpx.AsyncClient, url: str, query: str, variables: dict | None = None, token=None
) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        url + "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL errors: {body['errors']}")
    return body["data"]


LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { token errors { code message } } }"""


async def login(client: httpx.AsyncClient, url: str, email: str, password: str) -> str:
    data = await graphql(client, url, LOGIN, {"input": {"email": email, "password": password}})
    if data["login"]["errors"]:
        raise SystemExit(f"login {email}: {data['login']['errors']}")
    return data["login"]["token"]


# -- figures ----------------------------------------------------------------------------


def run_bounded(work, max_seconds: float) -> None:
    """Runs a coroutine function, giving up after max_seconds."""
    import asyncio

    async def bounded() -> None:
        async with asyncio.timeout(max_seconds):
            await work()

    try:
        asyncio.run(bounded())
    except TimeoutError:
        raise SystemExit(f"stopped: the run took over {max_seconds:.0f} s") from None


def save_json(path: str | None, figures: object) -> None:
    """`--json PATH`: the figures for bench/results.py, beside what was printed."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=1))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
    }


def describe(values: list[float]) -> str:
    s = summary(values)
    return "  ".join(f"{k} {ms(v).strip()}" for k, v in s.items())
