"""Download links: short-lived URLs signed for one person's session.

A link names the attachment, the person and session (token id, never its secret) it was
issued to, and when it expires; an HMAC-SHA256 with the secret key covers all four. The
app's download route checks the signature and the expiry, then asks `attachments.for_download`
whether that person may see the file at that moment: a link stops working when its session
ends or the person loses sight of the ticket, even before it expires."""

import base64
import functools
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from helpdesk.resolvers.errors import Forbidden, NotFound
from helpdesk.resolvers.viewer import Viewer
from helpdesk.settings import Settings

PATH = "/attachments/{id}"
SECRET_FILE = "secret_key"
PARAMETERS = ("contact", "token", "expires", "signature")


@functools.cache
def _kept_secret(path: Path) -> bytes:
    """The development key in the data directory, made once: every process on that data
    directory reads the same one. Created whole or not at all (a link of a complete file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # fails if another process was first: theirs is kept
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    return _kept_secret((Path(settings.data_dir) / SECRET_FILE).resolve())


def _signature(key: bytes, attachment_id: int, contact_id: int, token_id: int, expires: int):
    message = f"attachment:{attachment_id}:{contact_id}:{token_id}:{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def download_url(
    settings: Settings, viewer: Viewer, attachment_id: int, base_url: str = ""
) -> str | None:
    """A link for this viewer's session, or None for a viewer without one (a live result
    shared by several people is computed for no one in particular)."""
    if viewer.token_id is None or viewer.contact_id <= 0:
        return None
    expires = int(time.time() + settings.download_url_seconds)
    signature = _signature(
        secret_key(settings), attachment_id, viewer.contact_id, viewer.token_id, expires
    )
    query = urlencode(
        {
            "contact": viewer.contact_id,
            "token": viewer.token_id,
            "expires": expires,
            "signature": signature,
        }
    )
    return f"{base_url.rstrip('/')}{PATH.format(id=attachment_id)}?{query}"


@dataclass(frozen=True)
class Grant:
    """Whom a valid link was issued to."""

    contact_id: int
    token_id: int


def _number(value: str | None) -> int:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("not a download link this server made")
    return int(value)


def check(settings: Settings, attachment_id: str, query: dict[str, str]) -> tuple[int, Grant]:
    """The attachment id and whom the link was issued to, if it is signed by this server
    and has not expired. A malformed link is "not found"; a wrong or old one, forbidden."""
    attachment, contact, token, expires = (
        _number(v) for v in (attachment_id, *(query.get(k) for k in PARAMETERS[:3]))
    )
    expected = _signature(secret_key(settings), attachment, contact, token, expires)
    if not hmac.compare_digest(expected.encode(), (query.get("signature") or "").encode()):
        raise Forbidden("this download link's signature is wrong")
    if expires < time.time():
        raise Forbidden("this download link has expired: ask the API for a new downloadUrl")
    return attachment, Grant(contact, token)
