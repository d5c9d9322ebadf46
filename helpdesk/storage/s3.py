"""Attachments in an S3-compatible object store (AWS S3, MinIO, Ceph, moto in the tests),
through boto3. Credentials and region come the way boto3 reads them everywhere
(`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, an instance profile…).

boto3 blocks, so each call runs in a worker thread; uploads go from the staged file in parts
(boto3's managed transfer), so a large file is never read whole into memory."""

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from helpdesk.storage import CHUNK, Storage, checked_key


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.staging = Path(tempfile.gettempdir()) / "helpdesk-staging"
        self._client = None

    @classmethod
    def from_url(cls, url: str, endpoint_url: str | None = None) -> "S3Storage":
        """`s3://bucket` or `s3://bucket/some/prefix`."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"HELPDESK_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "", endpoint_url)

    @property
    def client(self):
        if self._client is None:
            try:
                import boto3
            except ImportError:
                raise RuntimeError(
                    "HELPDESK_STORAGE_URL names an S3 bucket, which needs boto3: "
                    "pip install 'helpdesk[s3]'"
                ) from None
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    def _name(self, key: str) -> str:
        return self.prefix + checked_key(key)

    async def start(self) -> None:
        """Fails the start if the bucket does not answer: better than a failing upload."""
        await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)

    async def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def keep(self, key: str, staged: Path) -> None:
        try:
            await asyncio.to_thread(
                self.client.upload_file, str(staged), self.bucket, self._name(key)
            )
        finally:
            await asyncio.to_thread(staged.unlink, missing_ok=True)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._name(key))

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self._name(key)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    async def keys(self) -> list[str]:
        def listing() -> list[str]:
            found: list[str] = []
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
                found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
            return sorted(found)

        return await asyncio.to_thread(listing)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        if end <= start:
            return
        answer = await asyncio.to_thread(
            self.client.get_object,
            Bucket=self.bucket,
            Key=self._name(key),
            Range=f"bytes={start}-{end - 1}",
        )
        body = answer["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            with contextlib.suppress(Exception):
                body.close()
