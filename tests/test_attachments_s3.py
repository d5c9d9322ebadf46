"""The S3 storage against an S3-compatible server: moto's, run on loopback. First the storage
interface itself, then a real help desk server keeping its uploads in the bucket. If moto
cannot start, these tests fail: they never skip."""

import asyncio
import hashlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from live import Server, free_port

from helpdesk.demo_attachments import pdf, png
from helpdesk.models import Attachment
from helpdesk.storage import new_key
from helpdesk.storage.s3 import S3Storage

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ADD = """mutation($input: AddAttachmentsInput!) { addAttachments(input: $input) {
    attachments { id filename contentType sha256 downloadUrl } errors { code message } } }"""


@pytest.fixture(scope="module")
def moto_endpoint():
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"moto's S3 server exited: {log.read().decode()[-2000:]}")
            try:
                httpx.get(endpoint, timeout=0.5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start in 30 s") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def bucket(moto_endpoint, monkeypatch) -> str:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"helpdesk-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint).create_bucket(Bucket=name)
    return name


def objects(endpoint: str, bucket: str) -> list[str]:
    listed = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


async def test_the_s3_storage_keeps_reads_ranges_and_deletes(moto_endpoint, bucket, tmp_path):
    storage = S3Storage(bucket, "files/", endpoint_url=moto_endpoint)
    await storage.start()
    staged = storage.new_staged_path()
    data = pdf()
    staged.write_bytes(data)
    key = new_key()
    await storage.keep(key, staged)
    assert not staged.exists()
    assert await storage.exists(key)
    assert await storage.keys() == [key]
    assert objects(moto_endpoint, bucket) == [f"files/{key}"]
    assert storage.local_path(key) is None
    whole = b"".join([c async for c in storage.read(key, 0, len(data))])
    part = b"".join([c async for c in storage.read(key, 5, 15)])
    assert (whole, part) == (data, data[5:15])
    await storage.delete(key)
    await storage.delete(key)  # already gone: no error
    assert not await storage.exists(key)
    assert objects(moto_endpoint, bucket) == []
    await storage.close()


async def test_the_s3_storage_does_not_start_without_its_bucket(moto_endpoint, bucket):
    storage = S3Storage(f"{bucket}-missing", endpoint_url=moto_endpoint)
    with pytest.raises(ClientError):
        await storage.start()


def test_a_storage_url_names_a_bucket():
    storage = S3Storage.from_url("s3://files/help/desk/")
    assert (storage.bucket, storage.prefix) == ("files", "help/desk/")
    with pytest.raises(ValueError, match="s3://bucket"):
        S3Storage.from_url("s3:///nobucket")


async def _upload(server: Server, token: str, ticket_id: str, files: list[tuple[str, bytes]]):
    variables = {"input": {"ticketId": ticket_id, "files": [None] * len(files)}}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{server.http_url}/graphql",
            data={
                "operations": json.dumps({"query": ADD, "variables": variables}),
                "map": json.dumps(
                    {str(i): [f"variables.input.files.{i}"] for i in range(len(files))}
                ),
            },
            files={str(i): (name, data) for i, (name, data) in enumerate(files)},
            headers={"GraphQL-Require-Preflight": "1", "Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()["data"]["addAttachments"]


async def test_a_server_keeps_uploads_in_the_bucket(
    database_url, world, moto_endpoint, bucket, tmp_path: Path
):
    alice, agent = world["alice"], world["agent"]
    server = Server(
        database_url,
        env={
            **CREDENTIALS,
            "HELPDESK_DATA_DIR": str(tmp_path / "data"),
            "HELPDESK_STORAGE_URL": f"s3://{bucket}/uploads",
            "HELPDESK_S3_ENDPOINT_URL": moto_endpoint,
        },
    )
    await asyncio.to_thread(server.start)
    try:
        created = await server.gql(
            """mutation { createTicket(input: {summary: "S3", description: "files"}) {
                ticket { id } } }""",
            token=alice.token,
        )
        ticket_id = created["createTicket"]["ticket"]["id"]
        picture, receipt = png(), pdf()
        added = await _upload(
            server, alice.token, ticket_id, [("shot.png", picture), ("receipt.pdf", receipt)]
        )
        assert added["errors"] == []
        keys = await Attachment.all().order_by("id").values_list("storage_key", flat=True)
        assert objects(moto_endpoint, bucket) == sorted(f"uploads/{k}" for k in keys)
        assert [a["sha256"] for a in added["attachments"]] == [
            hashlib.sha256(d).hexdigest() for d in (picture, receipt)
        ]
        assert not (tmp_path / "data" / "attachments").exists()  # nothing on local disk

        link = added["attachments"][1]["downloadUrl"]
        async with httpx.AsyncClient(timeout=30) as client:
            whole = await client.get(link)
            part = await client.get(link, headers={"Range": "bytes=0-7"})
            past = await client.get(link, headers={"Range": "bytes=999999-"})
        assert (whole.status_code, whole.content) == (200, receipt)
        assert whole.headers["content-disposition"] == 'attachment; filename="receipt.pdf"'
        assert whole.headers["content-type"] == "application/pdf"
        assert whole.headers["x-content-type-options"] == "nosniff"
        assert (part.status_code, part.content) == (206, receipt[:8])
        assert part.headers["content-range"] == f"bytes 0-7/{len(receipt)}"
        assert past.status_code == 416

        refused = await _upload(server, alice.token, ticket_id, [("ok.txt", b"ok"), ("x.png", EXE)])
        assert [e["code"] for e in refused["errors"]] == ["FILE_TYPE_NOT_ALLOWED"]
        assert len(objects(moto_endpoint, bucket)) == 2
        assert await Attachment.all().count() == 2

        deleted = await server.gql(
            """mutation($id: ID!) { deleteAttachment(input: {attachmentId: $id}) {
                errors { code } } }""",
            {"id": added["attachments"][0]["id"]},
            agent.token,
        )
        assert deleted["deleteAttachment"]["errors"] == []
        assert objects(moto_endpoint, bucket) == [f"uploads/{keys[1]}"]
        # An object gone behind the server's back: not found, not a torn download.
        boto3.client("s3", endpoint_url=moto_endpoint).delete_object(
            Bucket=bucket, Key=f"uploads/{keys[1]}"
        )
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(link)).status_code == 404
    finally:
        await asyncio.to_thread(server.stop)
