"""Running the app under uvicorn, closing websockets with 1001 on shutdown."""

import gc

import uvicorn

from helpdesk.app import create_app
from helpdesk.settings import Settings

# Collect the youngest generation after 50,000 new objects (default 700), the middle one
# after 20 of those (10), the oldest after 100 of the middle (10).
GC_THRESHOLDS = (50_000, 20, 100)


class GracefulServer(uvicorn.Server):
    """uvicorn closes websockets with 1012 before the app's lifespan ends; we close them
    first with 1001 (going away), which graphql-ws clients treat as "reconnect and resume"."""

    def __init__(self, config: uvicorn.Config, app) -> None:
        super().__init__(config)
        self.app = app

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        # What startup built (the schema, the ORM, the app) lives as long as the process:
        # frozen, it is out of the garbage collector's sight, so a full collection no longer
        # walks it in the middle of a request (the tail of bench/grid.py's latencies).
        gc.collect()
        gc.freeze()
        # What comes later (each socket's handler, tasks and buffers) is long-lived too, and
        # every full collection walks it all: at 5,000 idle sockets one took 0.4 s, in the
        # middle of an event's fan-out. Collections come far less often with these
        # thresholds (young garbage is still collected in bounded steps); see issue 11.
        gc.set_threshold(*GC_THRESHOLDS)

    async def shutdown(self, sockets=None) -> None:
        await self.app.state.graphql.close_all(1001, "Server shutting down")
        await super().shutdown(sockets)


def run_server(settings: Settings, host: str, port: int) -> None:
    app = create_app(settings)
    # Our own access log replaces uvicorn's, which prints query strings (GET /graphql
    # carries documents there); uvicorn logs through the handler logs.configure installed.
    config = uvicorn.Config(
        app, host=host, port=port, ws_max_size=1024 * 1024, access_log=False, log_config=None
    )
    GracefulServer(config, app).run()
