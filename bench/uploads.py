"""Uploads and downloads of large attachments: throughput, and the server's memory.

A real `helpdesk serve` on a scratch database and a scratch data folder; a customer uploads
one large file of each kind (a binary that starts like a PNG, then plain text, which is
checked as UTF-8 all the way) in a GraphQL multipart request, then downloads it through its
signed link. Prints MB/s both ways and the server's peak resident memory (VmHWM) before and
after: a file is streamed to disk and never held whole in memory, so the peak grows by a few
MB whatever the file's size.

    .venv/bin/python bench/uploads.py [--megabytes 200]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Linux only (it reads /proc); talks to 127.0.0.1 only; stops by itself."""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import Process, graphql, helpdesk, login, run_bounded
from common import scratch_database as scratch

PASSWORD = "bench-password-1"
CUSTOMER = ("bench-customer@example.com", "Bench Customer", "Bench Org")
MB = 1024 * 1024
CREATE = """mutation { createTicket(input: {summary: "Large files", description: "Bench"}) {
  ticket { id } errors { code message } } }"""
ADD = """mutation($input: AddAttachmentsInput!) { addAttachments(input: $input) {
  attachments { size sha256 contentType downloadUrl } errors { code message } } }"""


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc: this benchmark runs on Linux")


def write_file(path: Path, megabytes: int, text: bool) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for index in range(megabytes):
            if text:
                chunk = (f"{index:08d} WARN sync: peer timeout after 30 s\n" * 26000)[:MB]
                data = chunk.encode()
            else:
                data = (b"\x89PNG\r\n\x1a\n" if index == 0 else b"") + os.urandom(MB)
                data = data[:MB]
            digest.update(data)
            out.write(data)
    return digest.hexdigest()


async def upload(url: str, token: str, ticket_id: str, path: Path) -> dict:
    operations = {"query": ADD, "variables": {"input": {"ticketId": ticket_id, "files": [None]}}}
    async with httpx.AsyncClient(timeout=600) as client:
        with path.open("rb") as file:
            response = await client.post(
                f"{url}/graphql",
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.input.files.0"]}),
                },
                files={"0": (path.name, file)},
                headers={"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
            )
    response.raise_for_status()
    result = response.json()["data"]["addAttachments"]
    if result["errors"]:
        raise SystemExit(f"upload refused: {result['errors']}")
    return result["attachments"][0]


async def download(link: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    async with httpx.AsyncClient(timeout=600) as client, client.stream("GET", link) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200, help="each file's size")
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("this benchmark reads /proc: Linux only")

    with scratch(args.database_url) as database_url, tempfile.TemporaryDirectory() as folder:
        helpdesk(database_url, "migrate")
        email, name, organization = CUSTOMER
        helpdesk(
            database_url, "create-user", "--email", email, "--password", PASSWORD,
            "--name", name, "--role", "customer", "--organization", organization,
        )  # fmt: skip
        size = args.megabytes * MB
        server = Process(
            [sys.executable, "-m", "helpdesk.cli", "serve", "--host", "127.0.0.1"],
            {
                "HELPDESK_DATABASE_URL": database_url,
                "HELPDESK_DATA_DIR": str(Path(folder) / "data"),
                "HELPDESK_MAX_UPLOAD_BYTES": str(size),
                "HELPDESK_MAX_UPLOAD_REQUEST_BYTES": str(size + MB),
            },
            "/healthz",
        )

        async def run() -> None:
            async with httpx.AsyncClient(timeout=60) as client:
                token = await login(client, server.http_url, email, PASSWORD)
                created = await graphql(client, server.http_url, CREATE, token=token)
            ticket_id = created["createTicket"]["ticket"]["id"]
            assert server.process is not None
            pid = server.process.pid
            print(f"server peak memory at start: {peak_memory_mb(pid):.0f} MB")
            for kind in ("binary", "text"):
                path = Path(folder) / f"large-{kind}.{'log' if kind == 'text' else 'png'}"
                expected = write_file(path, args.megabytes, text=kind == "text")
                started = time.perf_counter()
                shown = await upload(server.http_url, token, ticket_id, path)
                up = time.perf_counter() - started
                started = time.perf_counter()
                got, digest = await download(shown["downloadUrl"])
                down = time.perf_counter() - started
                if shown["sha256"] != expected or digest != expected or got != size:
                    raise SystemExit(f"{kind}: the file did not come back whole")
                print(
                    f"{kind:>6} {args.megabytes} MB ({shown['contentType']}): "
                    f"upload {args.megabytes / up:.0f} MB/s, download {args.megabytes / down:.0f} "
                    f"MB/s; server peak memory now {peak_memory_mb(pid):.0f} MB"
                )
                path.unlink()

        with server:
            run_bounded(run, args.max_seconds)


if __name__ == "__main__":
    main()
