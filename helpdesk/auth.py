"""Reading the bearer token of a request or a websocket's connection_init."""

from helpdesk.resolvers import accounts
from helpdesk.resolvers.viewer import Viewer


async def viewer_from_header(value: str | None) -> Viewer | None:
    """`Bearer <token>` -> the viewer, or None for no, malformed, revoked or expired tokens."""
    if not value or not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await accounts.authenticate(token.strip())
