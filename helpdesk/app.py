"""The ASGI application: Starlette routes, the GraphQL view, and its lifespan."""

import asyncio
import contextlib
from contextlib import asynccontextmanager
from datetime import timedelta
from json import JSONDecodeError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from helpdesk import db
from helpdesk.auth import viewer_from_header
from helpdesk.schema import build_schema
from helpdesk.schema.context import Context
from helpdesk.settings import Settings
from helpdesk.subscriptions.bus import get_bus, set_bus
from helpdesk.subscriptions.fanout import Hubs, LiveHandler
from helpdesk.subscriptions.redis_bus import RedisBus
from helpdesk.subscriptions.tailer import Tailer, get_tailer, set_tailer


class SizeLimitedAdapter(ASGIWebSocketAdapter):
    """Closes a socket that sends a message larger than the configured limit (4413)."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False):
        limit = self.view.settings.max_ws_message_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit:
                    await self.close(4413, f"Message larger than {limit} bytes")
                    return
                try:
                    yield self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


class HelpdeskGraphQL(GraphQL):
    websocket_adapter_class = SizeLimitedAdapter
    graphql_transport_ws_handler_class = LiveHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            # The legacy graphql-ws protocol had auth bypasses: only graphql-transport-ws.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.allowed_origins,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )
        self.settings = settings
        self.hubs = Hubs()
        self.sockets: dict[WebSocket, Context] = {}
        self._closing: set[asyncio.Task] = set()

    def new_context(self, viewer, request=None) -> Context:
        return Context(settings=self.settings, viewer=viewer, request=request)

    async def get_context(self, request, response) -> Context:
        # Runs once per HTTP request, but only once per websocket: the socket's viewer is
        # set by on_ws_connect from connection_init, never cached from headers here.
        if request.scope["type"] == "websocket":
            return self.new_context(None, request)
        viewer = await viewer_from_header(request.headers.get("authorization"))
        return self.new_context(viewer, request)

    async def on_ws_connect(self, context: Context):
        # Read the stream position before checking the token: a revocation committed
        # after it is seen by the tailer, one before it fails the check.
        context.checked_through = get_tailer().watermark
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        viewer = await viewer_from_header(header)
        if viewer is None:
            raise ConnectionRejectionError()  # closes with 4403
        context.set_viewer(viewer)
        self.sockets[context.request] = context

    async def run(self, request, context=UNSET, root_value=UNSET):
        try:
            return await super().run(request, context, root_value)
        finally:
            self.sockets.pop(request, None)

    def end_access(self, contacts: set[int], tokens: set[int]) -> None:
        """Called by the tailer: a deactivated contact, changed role or revoked token ends
        that person's sockets at once."""
        for socket, context in list(self.sockets.items()):
            viewer = context.viewer
            if viewer and (viewer.contact_id in contacts or viewer.token_id in tokens):
                task = asyncio.create_task(_close(socket, 4403, "Forbidden: access revoked"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def close_all(self, code: int = 1001, reason: str = "Server shutting down") -> None:
        await asyncio.gather(*(_close(s, code, reason) for s in list(self.sockets)))


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await socket.close(code=code, reason=reason)


async def healthz(request: Request) -> JSONResponse:
    graphql = request.app.state.graphql
    return JSONResponse(
        {
            "status": "ok",
            "liveSockets": len(graphql.sockets),
            "liveSubscriptions": graphql.hubs.members(),
            "subscriptionHubs": len(graphql.hubs),
        }
    )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (tests that share a loop)."""
    settings = settings or Settings.from_env()
    graphql = HelpdeskGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if manage_database:
            await db.connect(settings.database_url)
        if settings.redis_url:
            bus = RedisBus(settings.redis_url)
            await bus.start()
            set_bus(bus)
        tailer = Tailer(get_bus(), poll_interval=settings.tailer_poll_seconds)
        tailer.on_access_ended = graphql.end_access
        await tailer.start()
        set_tailer(tailer)
        try:
            yield
        finally:
            await graphql.close_all()
            await tailer.stop()
            set_tailer(None)
            if settings.redis_url:
                await bus.close()
                set_bus(None)
            if manage_database:
                await db.disconnect()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graphql = graphql
    return app
