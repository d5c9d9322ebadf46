from dataclasses import dataclass, field

import strawberry

from helpdesk.resolvers.viewer import Viewer
from helpdesk.schema.loaders import Loaders
from helpdesk.settings import Settings


@dataclass
class Context:
    """What every resolver of one request sees. `viewer` is None when unauthenticated."""

    settings: Settings
    viewer: Viewer | None
    request: object = None
    loaders: Loaders = field(init=False)
    # Filled by graphql-transport-ws's connection_init.
    connection_params: dict | None = None
    # Websockets: the live-event stream's position when the viewer was authenticated.
    checked_through: int = 0
    # Shared subscriptions (subscriptions/fanout.py): a hub's stream starts after
    # `live_from`; a private catch-up replays up to `replay_through` and stops; `position`
    # is the id of the last event the stream looked at.
    live_from: int | None = None
    replay_through: int | None = None
    position: int = 0

    def __post_init__(self) -> None:
        self.set_viewer(self.viewer)

    def set_viewer(self, viewer: Viewer | None) -> None:
        self.viewer = viewer
        self.loaders = Loaders(viewer) if viewer else None


def viewer_of(info: strawberry.Info) -> Viewer | None:
    return info.context.viewer


def loaders_of(info: strawberry.Info) -> Loaders:
    return info.context.loaders
