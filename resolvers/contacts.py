from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet

from helpdesk.models import ApiToken, Change, Contact, LogKind, Organization, Role
from helpdesk.resolvers import access, accounts, log_events
from helpdesk.resolvers.errors import ErrorCode, Forbidden, NotFound, invalid
from helpdesk.resolvers.inputs import UNSET, Maybe
from helpdesk.resolvers.pagination import INT, TEXT, SortKey
from helpdesk.resolvers.search import wildcard_filter
from helpdesk.resolvers.transactions import now, transaction
from helpdesk.resolvers.validation import Checks
from helpdesk.resolvers.viewer import Viewer, require_admin, require_viewer

SORT = SortKey("name", **TEXT, decode_id=INT)  # by name, then id, as `listing` orders


def listing(
    viewer: Viewer | None,
    *,
    organization_id: int | None = None,
    role: Role | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Contact]:
    viewer = require_viewer(viewer)
    query = access.contacts(viewer)
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    if role is not None:
        query = query.filter(role=role)
    if search:
        query = query.filter(
            wildcard_filter("name", search, field="search")
            | wildcard_filter("email", search, field="search")
        )
    if not include_inactive:
        query = query.filter(is_active=True)
    return query.order_by("name", "id")


async def get(viewer: Viewer | None, contact_id: int) -> Contact:
    viewer = require_viewer(viewer)
    contact = await access.contacts(viewer).filter(id=contact_id).first()
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    return contact


async def _organization_for(checks: Checks, role: Role, organization_id: int | None):
    """Customers belong to exactly one organization; staff to none."""
    if role is not Role.CUSTOMER:
        return None
    if organization_id is None:
        checks.add("organizationId", ErrorCode.REQUIRED, "a customer needs an organization")
        return None
    if not await Organization.filter(id=organization_id).exists():
        checks.add(
            "organizationId", ErrorCode.NOT_FOUND, f"organization {organization_id} not found"
        )
    return organization_id


async def create(
    viewer: Viewer | None,
    *,
    name: str,
    email: str,
    role: Role,
    organization_id: int | None = None,
    password: str | None = None,
    telegram: str | None = None,
    phone: str | None = None,
) -> Contact:
    """Admins create accounts; `viewer=None` is the command line acting as the system."""
    if viewer is not None:
        require_admin(viewer, "create contacts")
    checks = Checks()
    name = checks.required_text("name", name, max_length=200)
    email = checks.email("email", email, required=True) or ""  # "": a problem is recorded
    telegram = checks.telegram("telegram", telegram)
    phone = checks.phone("phone", phone)
    if password is not None:
        checks.password("password", password)
    organization_id = await _organization_for(checks, role, organization_id)
    if email and await Contact.filter(email=email).exists():
        checks.add("email", ErrorCode.TAKEN, f"a contact with e-mail {email} already exists")
    checks.done()
    password_hash = await accounts.hash_password(password) if password else None
    async with transaction():
        contact = await Contact.create(
            name=name,
            email=email,
            role=role,
            organization_id=organization_id,
            telegram=telegram,
            phone=phone,
            password_hash=password_hash,
        )
        await log_events.record(
            LogKind.CONTACT_CREATED,
            viewer,
            organization_id=organization_id,
            subject_contact_id=contact.id,
            changes={Change.EMAIL: [None, email], Change.ROLE: [None, role.value]},
            internal=True,
        )
    return contact


@dataclass(frozen=True, kw_only=True)
class ContactFields:
    """A person's own details; only the fields given change."""

    name: Maybe[str | None] = UNSET
    email: Maybe[str | None] = UNSET
    telegram: Maybe[str | None] = UNSET
    phone: Maybe[str | None] = UNSET


# Contact attribute -> its key in a log event's changes.
CHANGE_KEYS = {
    "name": Change.NAME,
    "email": Change.EMAIL,
    "telegram": Change.TELEGRAM,
    "phone": Change.PHONE,
}


async def update(viewer: Viewer | None, contact_id: int, fields: ContactFields) -> Contact:
    """Name, e-mail, Telegram and phone: a person edits their own, an admin anyone's.
    Only staff change an e-mail address: "taken" would tell a customer that the address
    exists in some organization they may not see, and staff see every contact anyway."""
    viewer = require_viewer(viewer)
    if contact_id != viewer.contact_id and not viewer.is_admin:
        await get(viewer, contact_id)  # NOT_FOUND across tenants, FORBIDDEN otherwise
        raise Forbidden("only admins can edit other people's details")
    checks = Checks()
    clean: dict[str, Any] = {}
    if fields.name is not UNSET:
        clean["name"] = checks.required_text("name", fields.name, max_length=200)
    if fields.email is not UNSET:
        clean["email"] = await _new_email(viewer, checks, contact_id, fields.email)
    if fields.telegram is not UNSET:
        clean["telegram"] = checks.telegram("telegram", fields.telegram)
    if fields.phone is not UNSET:
        clean["phone"] = checks.phone("phone", fields.phone)
    checks.done()
    async with transaction():
        contact = await get(viewer, contact_id)
        changed = [attr for attr, value in clean.items() if getattr(contact, attr) != value]
        if not changed:
            return contact
        changes = {CHANGE_KEYS[attr]: [getattr(contact, attr), clean[attr]] for attr in changed}
        for attr in changed:
            setattr(contact, attr, clean[attr])
        await contact.save(update_fields=changed)
        await log_events.record(
            LogKind.CONTACT_UPDATED,
            viewer,
            organization_id=contact.organization_id,
            subject_contact_id=contact.id,
            changes=changes,
            internal=True,
        )
    return contact


async def _new_email(viewer: Viewer, checks: Checks, contact_id: int, value: str | None):
    if not viewer.is_staff:
        current = (await get(viewer, contact_id)).email
        if (value or "").strip().lower() != current.lower():  # sending it again is no change
            checks.add("email", ErrorCode.FORBIDDEN, "only staff can change an e-mail address")
            return None
    email = checks.email("email", value, required=True)
    if email and await Contact.filter(email=email).exclude(id=contact_id).exists():
        checks.add("email", ErrorCode.TAKEN, f"a contact with e-mail {email} already exists")
    return email


async def change_role(
    viewer: Viewer | None, contact_id: int, role: Role, organization_id: int | None
) -> Contact:
    viewer = require_admin(viewer, "change roles")
    checks = Checks()
    if contact_id == viewer.contact_id and role is not Role.ADMIN:
        checks.add("role", ErrorCode.SELF_DEMOTION, "you cannot take away your own admin role")
    organization_id = await _organization_for(checks, role, organization_id)
    checks.done()
    async with transaction():
        contact = await get(viewer, contact_id)
        changes: dict[Change, Any] = {}
        if contact.role is not role:
            changes[Change.ROLE] = [contact.role.value, role.value]
        if contact.organization_id != organization_id:
            changes[Change.ORGANIZATION] = [contact.organization_id, organization_id]
        if not changes:
            return contact
        contact.role, contact.organization_id = role, organization_id
        await contact.save(update_fields=["role", "organization_id"])
        await log_events.record(
            LogKind.ROLE_CHANGED,
            viewer,
            organization_id=organization_id,
            subject_contact_id=contact.id,
            changes=changes,
            internal=True,
        )
    return contact


async def set_active(viewer: Viewer | None, contact_id: int, active: bool) -> Contact:
    """Deactivating revokes every token of the person at once; they sign in anew after
    reactivation."""
    viewer = require_admin(viewer, "deactivate or reactivate contacts")
    if contact_id == viewer.contact_id and not active:
        raise invalid("contactId", ErrorCode.SELF_DEACTIVATION, "you cannot deactivate yourself")
    async with transaction():
        contact = await get(viewer, contact_id)
        if contact.is_active == active:
            return contact
        contact.is_active = active
        await contact.save(update_fields=["is_active"])
        if not active:  # reactivating later must not bring old tokens back
            await ApiToken.filter(contact_id=contact.id, revoked_at__isnull=True).update(
                revoked_at=now()
            )
        await log_events.record(
            LogKind.CONTACT_REACTIVATED if active else LogKind.CONTACT_DEACTIVATED,
            viewer,
            organization_id=contact.organization_id,
            subject_contact_id=contact.id,
            changes={Change.IS_ACTIVE: [not active, active]},
            internal=True,
        )
    return contact
