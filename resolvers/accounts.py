"""Signing in and out, bearer tokens, passwords."""

import asyncio
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpdesk.models import ApiToken, Contact, LogKind, TokenKind
from helpdesk.resolvers import log_events
from helpdesk.resolvers.errors import NotFound, invalid
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import MAX_PASSWORD, Checks
from helpdesk.resolvers.viewer import Viewer, require_viewer

SESSION_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not a real password")


# Argon2 is slow on purpose: it runs in a thread so the event loop keeps serving.
async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify_sync(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def _verify(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify_sync, password_hash, password)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def viewer_of(contact: Contact, token: ApiToken | None = None) -> Viewer:
    return Viewer(
        contact.id,
        contact.role,
        contact.organization_id,
        token.id if token else None,
        token.expires_at if token else None,
    )


async def issue_token(
    contact: Contact, kind: TokenKind, name: str, actor: Viewer | None = None
) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its secret, which is shown this once only."""
    secret = "hd_" + secrets.token_urlsafe(32)
    async with transaction():
        token = await ApiToken.create(
            contact_id=contact.id,
            name=name,
            kind=kind,
            token_hash=_digest(secret),
            expires_at=now() + SESSION_LIFETIME if kind is TokenKind.SESSION else None,
        )
        await log_events.record(
            LogKind.TOKEN_CREATED,
            actor or viewer_of(contact, token),
            organization_id=contact.organization_id,
            subject_contact_id=contact.id,
            subject_token_id=token.id,
            changes={"name": name, "kind": kind.value},
            internal=True,
        )
    return token, secret


async def authenticate(secret: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None if it is unknown, revoked, expired or
    its contact is deactivated."""
    if not secret.startswith("hd_") or len(secret) > 100:
        return None
    token = (
        await ApiToken.filter(token_hash=_digest(secret), revoked_at__isnull=True)
        .select_related("contact")
        .first()
    )
    if token is None or not token.contact.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now():
        return None
    return viewer_of(token.contact, token)


async def login(email: str, password: str) -> tuple[str, Contact]:
    checks = Checks()
    email = checks.text("email", email, max_length=254, required=True)
    if not password:
        checks.add("password", "REQUIRED", "password is required")
    elif len(password) > MAX_PASSWORD:
        checks.add("password", "TOO_LONG", f"password must be at most {MAX_PASSWORD} characters")
    checks.done()
    contact = await Contact.filter(email=email.lower()).first()
    if not await _verify(contact.password_hash if contact else None, password) or not (
        contact and contact.is_active
    ):
        raise invalid(None, "INVALID_CREDENTIALS", "e-mail or password is wrong")
    _, secret = await issue_token(contact, TokenKind.SESSION, "login")
    return secret, contact


async def revoke_token(viewer: Viewer | None, token_id: int) -> ApiToken:
    """Revokes one of the viewer's own tokens; admins may revoke anyone's."""
    viewer = require_viewer(viewer)
    query = ApiToken.filter(id=token_id, revoked_at__isnull=True)
    if not viewer.is_admin:
        query = query.filter(contact_id=viewer.contact_id)
    async with transaction():
        token = await query.select_related("contact").first()
        if token is None:
            raise NotFound(f"token {token_id} not found")
        token.revoked_at = now()
        await token.save(update_fields=["revoked_at"])
        await log_events.record(
            LogKind.TOKEN_REVOKED,
            viewer,
            organization_id=token.contact.organization_id,
            subject_contact_id=token.contact_id,
            subject_token_id=token.id,
            internal=True,
        )
    return token


async def logout(viewer: Viewer | None) -> None:
    viewer = require_viewer(viewer)
    if viewer.token_id is not None:
        await revoke_token(viewer, viewer.token_id)


async def create_api_token(viewer: Viewer | None, name: str) -> tuple[ApiToken, str]:
    viewer = require_viewer(viewer)
    checks = Checks()
    name = checks.text("name", name, max_length=100, required=True)
    checks.done()
    contact = await Contact.get(id=viewer.contact_id)
    return await issue_token(contact, TokenKind.API, name, actor=viewer)


async def tokens(viewer: Viewer | None) -> list[ApiToken]:
    viewer = require_viewer(viewer)
    return await ApiToken.filter(
        contact_id=viewer.contact_id, revoked_at__isnull=True, kind=TokenKind.API
    ).order_by("id")


async def change_password(viewer: Viewer | None, current: str, new: str) -> None:
    viewer = require_viewer(viewer)
    contact = await Contact.get(id=viewer.contact_id)
    checks = Checks()
    if len(current or "") > MAX_PASSWORD or not await _verify(contact.password_hash, current or ""):
        checks.add("currentPassword", "INVALID_CREDENTIALS", "current password is wrong")
    checks.password("newPassword", new)
    checks.done()
    password_hash = await hash_password(new)
    async with transaction():
        await Contact.filter(id=contact.id).update(password_hash=password_hash)
        await log_events.record(
            LogKind.PASSWORD_CHANGED,
            viewer,
            organization_id=contact.organization_id,
            subject_contact_id=contact.id,
            internal=True,
        )
