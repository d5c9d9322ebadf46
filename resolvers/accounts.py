"""Signing in and out, bearer tokens, passwords, and slowing down password guessing."""

import asyncio
import hashlib
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpdesk.models import ApiToken, Change, Contact, LogKind, Membership, Role, TokenKind
from helpdesk.resolvers import log_events, metrics, statements
from helpdesk.resolvers.errors import ErrorCode, NotFound, RateLimited, invalid
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


def viewer_of(
    contact: Contact, token: ApiToken | None = None, managed: Iterable[int] = ()
) -> Viewer:
    """The viewer a contact acts as: a customer sees their own organization and those they
    manage (`managed`, from `managed_organizations`); staff see every organization."""
    return _viewer(
        contact.id,
        contact.role,
        contact.organization_id,
        managed,
        token.id if token else None,
        token.expires_at if token else None,
    )


def _viewer(
    contact_id: int,
    role: Role,
    organization_id: int | None,
    managed: Iterable[int],
    token_id: int | None,
    token_expires_at: datetime | None,
) -> Viewer:
    organization_ids: frozenset[int] = frozenset()
    if role is Role.CUSTOMER and organization_id is not None:
        organization_ids = frozenset({organization_id, *managed})
    return Viewer(
        contact_id=contact_id,
        role=role,
        organization_id=organization_id,
        organization_ids=organization_ids,
        token_id=token_id,
        token_expires_at=token_expires_at,
    )


async def managed_organizations(contact: Contact) -> list[int]:
    """The organizations a customer manages besides their own."""
    if contact.role is not Role.CUSTOMER:
        return []
    found = await Membership.filter(contact_id=contact.id).values_list("organization_id", flat=True)
    return cast(list[int], found)  # flat: ids, not the tuples tortoise's types say


async def load_viewer(contact: Contact, token: ApiToken | None = None) -> Viewer:
    return viewer_of(contact, token, await managed_organizations(contact))


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
            changes={Change.NAME: name, Change.KIND: kind.value},
            internal=True,
        )
    return token, secret


async def authenticate(secret: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None if it is unknown, revoked, expired or
    its contact is deactivated."""
    if not secret.startswith("hd_") or len(secret) > 100:
        return None
    return await _token_viewer("token_hash", _digest(secret))


async def reauthenticate(viewer: Viewer) -> Viewer | None:
    """The viewer read again from the database (a websocket does so before each operation):
    None if its token was revoked or expired since, or its contact deactivated or given
    another role or organization."""
    if viewer.token_id is None:
        return None
    fresh = await _token_viewer("id", viewer.token_id)
    if fresh is None or (fresh.contact_id, fresh.role, fresh.organization_ids) != (
        viewer.contact_id,
        viewer.role,
        viewer.organization_ids,
    ):
        return None
    return fresh


# Every request and every websocket operation reads its token: one statement written by
# hand, the token with its contact and the organizations they manage (a row for each).
# Through the ORM it was two queries whose building and model construction took 0.6 ms,
# ten times the queries themselves (issue 11).
_TOKEN_VIEWER = """SELECT t.id, t.expires_at, c.id AS contact_id, c.role, c.organization_id,
  c.is_active, m.organization_id AS managed
FROM api_tokens t JOIN contacts c ON c.id = t.contact_id
LEFT JOIN organization_memberships m ON m.contact_id = c.id
WHERE t.{column} = {parameter} AND t.revoked_at IS NULL"""


async def _token_viewer(column: str, value: str | int) -> Viewer | None:
    db = ApiToken._meta.db
    _, rows = await db.execute_query(
        _TOKEN_VIEWER.format(column=column, parameter=statements.parameter(db, 1)), [value]
    )
    if not rows or not rows[0]["is_active"]:
        return None
    row = rows[0]
    # SQLite hands back text, PostgreSQL a datetime: the model's field reads both.
    expires_at = ApiToken._meta.fields_map["expires_at"].to_python_value(row["expires_at"])
    if expires_at is not None and expires_at <= now():
        return None
    return _viewer(
        row["contact_id"],
        Role(row["role"]),
        row["organization_id"],
        (r["managed"] for r in rows if r["managed"] is not None),
        row["id"],
        expires_at,
    )


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0  # when the latest failure happened
    until: float = 0.0  # no attempt starts before this
    pending: int = 0  # attempts being checked right now


class Backoff:
    """Failed attempts per key. The first `free` cost nothing; after them each attempt must
    wait `base` seconds, twice as long after every further failure, at most `cap`. A key
    without a failure for `forget_after` seconds starts over. In this process's memory."""

    def __init__(
        self,
        free: int,
        base: float,
        cap: float,
        forget_after: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base, self.cap, self.forget_after = free, base, cap, forget_after
        self.max_keys = max_keys  # the least recently used keys are forgotten past this
        self.clock = clock
        self._keys: OrderedDict[Hashable, _Failures] = OrderedDict()

    def wait(self, key: Hashable) -> float:
        """Seconds before an attempt for `key` may start; 0 if it may start now."""
        now = self.clock()
        failures = self._keys.get(key)
        if failures is None:
            return 0.0
        if failures.until > now:
            return failures.until - now
        if not failures.pending and now - failures.last > self.forget_after:
            del self._keys[key]
            return 0.0
        # Once the free attempts are used, one at a time: parallel guesses would all
        # start before the first failure sets a wait.
        if failures.pending and failures.count + failures.pending >= self.free:
            return 1.0
        return 0.0

    def begin(self, key: Hashable) -> None:
        failures = self._keys.setdefault(key, _Failures())
        failures.pending += 1
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def end(self, key: Hashable, *, failed: bool) -> None:
        failures = self._keys.get(key)
        if failures is None:  # forgotten meanwhile
            return
        failures.pending = max(0, failures.pending - 1)
        if failed:
            now = self.clock()
            failures.count += 1
            failures.last = now
            beyond = failures.count - self.free
            if beyond >= 0:
                failures.until = now + min(self.cap, self.base * 2 ** min(beyond, 40))

    def reset(self, key: Hashable) -> None:
        failures = self._keys.get(key)
        if failures is not None:
            failures.count, failures.until = 0, 0.0


class LoginThrottle:
    """Failed password checks, counted per e-mail and per client address: guessing one
    person's password, or everyone's from one address, slows down to one try per `cap`."""

    def __init__(
        self,
        *,
        free_per_account: int,
        free_per_address: int,
        base: float,
        cap: float,
        forget_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = Backoff(free_per_account, base, cap, forget_after, clock=clock)
        self.addresses = Backoff(free_per_address, base, cap, forget_after, clock=clock)

    async def check(
        self, email: str, address: str | None, verify: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Runs `verify` (a password check) unless the account or the address must wait:
        then RateLimited, and the password is never looked at. False counts as a failure
        for both; True clears the account's failures (not the address's: one's own
        account must not reset a guesser's count)."""
        keys = [(self.accounts, email.lower())]
        if address:
            keys.append((self.addresses, _network(address)))
        wait = max(backoff.wait(key) for backoff, key in keys)
        if wait > 0:
            metrics.rate_limited("login")
            raise RateLimited("too many failed sign-ins for this account or address", wait)
        for backoff, key in keys:
            backoff.begin(key)
        ok = False
        try:
            ok = await verify()
        finally:
            for backoff, key in keys:
                backoff.end(key, failed=not ok)
        if ok:
            self.accounts.reset(email.lower())
        return ok


def _network(address: str) -> str:
    """An IPv6 client is counted by its /64: one host usually holds the whole block."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


async def login(
    email: str, password: str, *, throttle: LoginThrottle, address: str | None
) -> tuple[str, Contact]:
    """A new session for e-mail and password; `address` is the client's, for the throttle."""
    checks = Checks()
    email = checks.required_text("email", email, max_length=254)
    if not password:
        checks.add("password", ErrorCode.REQUIRED, "password is required")
    elif len(password) > MAX_PASSWORD:
        checks.add(
            "password", ErrorCode.TOO_LONG, f"password must be at most {MAX_PASSWORD} characters"
        )
    checks.done()
    contact = await Contact.filter(email=email.lower()).first()

    async def verify() -> bool:
        right = await _verify(contact.password_hash if contact else None, password)
        return right and contact is not None and contact.is_active

    if not await throttle.check(email, address, verify):
        raise invalid(None, ErrorCode.INVALID_CREDENTIALS, "e-mail or password is wrong")
    assert contact is not None  # verify() said so
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
        await _revoke(viewer, token, token.contact.organization_id)
    return token


async def _revoke(viewer: Viewer, token: ApiToken, organization_id: int | None) -> None:
    """Call inside a transaction. The event also tells the live tailer to close its sockets."""
    token.revoked_at = now()
    await token.save(update_fields=["revoked_at"])
    await log_events.record(
        LogKind.TOKEN_REVOKED,
        viewer,
        organization_id=organization_id,
        subject_contact_id=token.contact_id,
        subject_token_id=token.id,
        internal=True,
    )


async def logout(viewer: Viewer | None) -> None:
    viewer = require_viewer(viewer)
    if viewer.token_id is not None:
        await revoke_token(viewer, viewer.token_id)


async def create_api_token(viewer: Viewer | None, name: str) -> tuple[ApiToken, str]:
    viewer = require_viewer(viewer)
    checks = Checks()
    name = checks.required_text("name", name, max_length=100)
    checks.done()
    contact = await Contact.get(id=viewer.contact_id)
    return await issue_token(contact, TokenKind.API, name, actor=viewer)


async def tokens(viewer: Viewer | None) -> list[ApiToken]:
    viewer = require_viewer(viewer)
    return await ApiToken.filter(
        contact_id=viewer.contact_id, revoked_at__isnull=True, kind=TokenKind.API
    ).order_by("id")


async def change_password(
    viewer: Viewer | None,
    current: str,
    new: str,
    *,
    throttle: LoginThrottle,
    address: str | None,
) -> None:
    """Sets a new password and ends every other session and API token of the person: whoever
    knew the old password may hold one. The token making the call keeps working."""
    viewer = require_viewer(viewer)
    contact = await Contact.get(id=viewer.contact_id)
    checks = Checks()
    current = current or ""
    # A stolen token must not become a way to guess the password: the login throttle.
    if len(current) > MAX_PASSWORD or not await throttle.check(
        contact.email, address, lambda: _verify(contact.password_hash, current)
    ):
        checks.add("currentPassword", ErrorCode.INVALID_CREDENTIALS, "current password is wrong")
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
        others = ApiToken.filter(contact_id=contact.id, revoked_at__isnull=True)
        if viewer.token_id is not None:
            others = others.exclude(id=viewer.token_id)
        for token in await others.select_for_update().order_by("id"):
            await _revoke(viewer, token, contact.organization_id)
