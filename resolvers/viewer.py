from dataclasses import dataclass
from datetime import datetime

from helpdesk.models import Role
from helpdesk.resolvers.errors import Forbidden, Unauthenticated


@dataclass(frozen=True, kw_only=True)
class Audience:
    """What the read scopes (resolvers/access.py) read of a viewer, and nothing personal:
    viewers with equal audiences see the same things through every scope."""

    role: Role
    # A customer's own organization and those they manage (memberships); none for staff.
    organization_ids: frozenset[int]

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.AGENT, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, kw_only=True)
class Viewer(Audience):
    """Who is acting: resolved from a bearer token once per request."""

    contact_id: int
    organization_id: int | None  # a customer's own: their default for new tickets
    token_id: int | None = None
    token_expires_at: datetime | None = None  # sessions end; API tokens last until revoked


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise Unauthenticated()
    return viewer


def require_staff(viewer: Viewer | None, action: str) -> Viewer:
    viewer = require_viewer(viewer)
    if not viewer.is_staff:
        raise Forbidden(f"only staff can {action}")
    return viewer


def require_admin(viewer: Viewer | None, action: str) -> Viewer:
    viewer = require_viewer(viewer)
    if not viewer.is_admin:
        raise Forbidden(f"only admins can {action}")
    return viewer
