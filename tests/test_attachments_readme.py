"""The README's attachments tour runs as written, against a real server on the demo's people,
and the demo's attachments are real uploads."""

import asyncio
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from live import Server

from helpdesk import demo
from helpdesk.models import Attachment, LogEvent, LogKind
from helpdesk.storage import LocalStorage, set_storage

README = Path(__file__).resolve().parent.parent / "README.md"


def attachments_tour() -> str:
    text = README.read_text()
    start = text.index("### Attachments")
    section = text[start : text.index("\n### ", start + 1)]
    return "".join(re.findall(r"```sh\n(.*?)```", section, re.DOTALL))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # once is enough
async def test_the_readme_attachments_tour_runs_as_written(database_url, tmp_path):
    assert shutil.which("bash") and shutil.which("curl"), "the tour needs bash and curl"
    assert await demo.load(ticket_count=10) is not None
    server = Server(database_url, env={"HELPDESK_DATA_DIR": str(tmp_path / "data")})
    await asyncio.to_thread(server.start)
    try:
        script = attachments_tour().replace("http://127.0.0.1:8000", server.http_url)
        done = await asyncio.to_thread(
            subprocess.run,
            ["bash", "-c", f"set -e\n{script}"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    finally:
        await asyncio.to_thread(server.stop)
    assert done.returncode == 0, done.stderr
    created = json.loads((tmp_path / "ticket.json").read_text())["data"]["createTicket"]
    assert created["errors"] == []
    files = created["ticket"]["attachments"]
    assert [(a["filename"], a["contentType"]) for a in files] == [
        ("screenshot.png", "image/png"),
        ("wallet-sync.log", "text/plain"),
    ]
    log = (tmp_path / "wallet-sync.log").read_bytes()
    assert files[1]["sha256"] == hashlib.sha256(log).hexdigest()
    out = done.stdout
    assert "HTTP/1.1 200 OK" in out
    assert 'content-disposition: attachment; filename="wallet-sync.log"' in out
    assert "x-content-type-options: nosniff" in out
    assert log.decode() in out
    assert "\n12:00:03\n" in out  # the range: its first 8 bytes
    deleted = json.loads(out.strip().splitlines()[-1])["data"]["deleteAttachment"]
    assert deleted["errors"] == [] and deleted["attachment"]["filename"] == "screenshot.png"
    assert deleted["attachment"]["deletedAt"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_demo_attachments_are_real_uploads(database_url, tmp_path):
    storage = LocalStorage(tmp_path / "attachments")
    set_storage(storage)
    try:
        assert await demo.load(ticket_count=60) is not None  # attachments included
        rows = await Attachment.all()
        assert rows
        assert sorted(await storage.keys()) == sorted(r.storage_key for r in rows)
        for row in rows:
            path = storage.local_path(row.storage_key)
            assert path is not None
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
        types = {r.content_type for r in rows}
        assert {"image/png", "text/plain"} <= types
        assert any(r.internal for r in rows) and any(not r.internal for r in rows)
        events = await LogEvent.filter(kind=LogKind.ATTACHMENT_ADDED).count()
        assert events == len(rows)
    finally:
        set_storage(None)
