from dataclasses import dataclass, field
from typing import Any

import strawberry

from helpdesk.resolvers.accounts import LoginThrottle
from helpdesk.resolvers.errors import Unauthenticated
from helpdesk.resolvers.viewer import Viewer
from helpdesk.schema.loaders import Loaders
from helpdesk.settings import Settings


@dataclass
class Context:
    """What every resolver of one operation sees. `viewer` is None when unauthenticated.
    Over a websocket each operation gets its own, for the socket's viewer at that moment."""

    settings: Settings
    viewer: Viewer | None
    request: Any = None  # starlette's Request, or WebSocket for a socket's operations
    _loaders: Loaders | None = field(init=False, default=None, repr=False)
    # The app's failed-login counts, shared by every request (resolvers/accounts.py).
    logins: LoginThrottle | None = None
    # Filled by graphql-transport-ws's connection_init.
    connection_params: dict | None = None
    # Websockets: the live-event stream's position when the viewer was authenticated.
    checked_through: int = 0
    # Whose cost budget the operation spends (schema/documents.py); None: the viewer's own.
    # A shared subscription runs as no one in particular and names its subscribing member.
    budget_key: tuple | None = None
    # Shared subscriptions (subscriptions/hubs.py): a hub's stream starts after
    # `live_from`; a private catch-up replays up to `replay_through` and stops; `position`
    # is the id of the last event the stream looked at.
    live_from: int | None = None
    replay_through: int | None = None
    position: int = 0
    # The result being yielded comes from a bus signal (typing), not a log event: it is
    # never replayed, so a subscriber who caught up to `position` still gets it.
    signal: bool = False
    # Root fields (by response key) whose answer is read as someone else: `login`'s
    # payload shows the person it signed in, and nothing else in the operation does.
    acting_as: dict[str, tuple[Viewer, Loaders]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.set_viewer(self.viewer)

    def set_viewer(self, viewer: Viewer | None) -> None:
        self.viewer = viewer
        self._loaders = None

    @property
    def loaders(self) -> Loaders | None:
        """The viewer's loaders, made on first use: a socket's own context lives for hours
        and never loads anything (its operations get contexts of their own)."""
        if self._loaders is None and self.viewer is not None:
            self._loaders = Loaders(self.viewer)
        return self._loaders


def login_throttle(settings: Settings) -> LoginThrottle:
    """One per app: every request's context shares it."""
    return LoginThrottle(
        free_per_account=settings.login_free_failures,
        free_per_address=settings.login_free_failures_per_address,
        base=settings.login_base_delay_seconds,
        cap=settings.login_max_delay_seconds,
        forget_after=settings.login_forget_seconds,
    )


def act_as(info: strawberry.Info, viewer: Viewer) -> None:
    """The rest of this root field (its nested fields) reads as `viewer`."""
    info.context.acting_as[info.path.key] = (viewer, Loaders(viewer))


def _acting(info: strawberry.Info) -> tuple[Viewer, Loaders] | None:
    acting_as = info.context.acting_as
    if not acting_as:
        return None
    path = info.path
    while path.prev is not None:
        path = path.prev
    return acting_as.get(path.key)


def viewer_of(info: strawberry.Info) -> Viewer | None:
    acting = _acting(info)
    return acting[0] if acting else info.context.viewer


def loaders_of(info: strawberry.Info) -> Loaders:
    acting = _acting(info)
    if acting:
        return acting[1]
    loaders = info.context.loaders
    if loaders is None:
        raise Unauthenticated()
    return loaders


def client_address(info: strawberry.Info) -> str | None:
    """The client's host as the server saw it (behind a proxy: as uvicorn's
    --forwarded-allow-ips lets it), for per-address limits."""
    client = getattr(info.context.request, "client", None)
    return client.host if client else None
