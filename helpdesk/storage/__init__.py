"""Where attachment files live: a small interface below the resolvers, with the local data
directory as the default and an S3-compatible object store for production
(`helpdesk/storage/s3.py`).

Files are stored under names the server makes (`new_key`): no name a client sent ever
reaches the file system or the bucket. An upload is written to `staging` first (hashed and
checked on the way, resolvers/attachments.py), then `keep` moves it in."""

import asyncio
import contextlib
import os
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

from helpdesk.settings import Settings

CHUNK = 64 * 1024
KEY = re.compile(r"[0-9a-f]{32}")
# Staged files older than this are left over from a process that died mid-upload.
STALE_STAGED_SECONDS = 24 * 3600


def new_key() -> str:
    """A storage name: random, so it says nothing about the file or its ticket."""
    return secrets.token_hex(16)


def checked_key(key: str) -> str:
    """Only names `new_key` makes are used as paths, whatever the database holds."""
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key[:40]!r}")
    return key


class Storage(ABC):
    """Lifecycle and files. `read` serves ranges; `local_path` lets the app hand a local file
    to the web server as it is (ranges and all)."""

    staging: Path  # where an upload is written before `keep`; a folder of this machine

    @abstractmethod
    async def start(self) -> None:
        """Ready to serve (the bucket answers); leftovers of a dead process are removed."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def keep(self, key: str, staged: Path) -> None:
        """Moves a file from `staging` in under `key`; the staged file is gone afterwards."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Removes the file; a key already gone is no error."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def keys(self) -> list[str]:
        """Every stored key (for sweeps and tests)."""

    @abstractmethod
    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes from `start` up to (not including) `end`, in chunks."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, if it is there."""
        return None

    def new_staged_path(self) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / f"{new_key()}.part"


def _sweep_staging(staging: Path) -> None:
    """Removes staged files a dead process left; fresh ones may be another process's."""
    if not staging.is_dir():
        return
    cutoff = time.time() - STALE_STAGED_SECONDS
    for path in staging.glob("*.part"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


class LocalStorage(Storage):
    """Files under a folder (the data directory's `attachments/` by default), two levels
    deep by the key's first two characters."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.staging = self.root / "staging"

    def _path(self, key: str) -> Path:
        key = checked_key(key)
        return self.root / key[:2] / key

    async def start(self) -> None:
        await asyncio.to_thread(_sweep_staging, self.staging)

    async def close(self) -> None:
        pass

    async def keep(self, key: str, staged: Path) -> None:
        target = self._path(key)

        def move() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)  # same folder tree: a rename, never a copy

        await asyncio.to_thread(move)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def keys(self) -> list[str]:
        def walk() -> list[str]:
            if not self.root.is_dir():
                return []
            return sorted(
                p.name for p in self.root.glob("??/*") if p.is_file() and KEY.fullmatch(p.name)
            )

        return await asyncio.to_thread(walk)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(open, self._path(key), "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = end - start
            while left > 0:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def storage_from(settings: Settings) -> Storage:
    """The storage the settings name: `HELPDESK_STORAGE_URL` unset is the data directory."""
    if not settings.storage_url:
        return LocalStorage(Path(settings.data_dir) / "attachments")
    from helpdesk.storage.s3 import S3Storage

    return S3Storage.from_url(settings.storage_url, endpoint_url=settings.s3_endpoint_url)


_storage: Storage | None = None


def get_storage() -> Storage:
    """The app's storage (set by its lifespan); without an app (the CLI's demo), the one the
    environment's settings name."""
    global _storage
    if _storage is None:
        _storage = storage_from(Settings.from_env())
    return _storage


def set_storage(storage: Storage | None) -> None:
    global _storage
    _storage = storage
