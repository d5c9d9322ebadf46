"""The ASGI application: Starlette routes, the GraphQL view, and its lifespan."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from helpdesk import db
from helpdesk.auth import viewer_from_header
from helpdesk.schema import build_schema
from helpdesk.schema.context import Context
from helpdesk.settings import Settings


class HelpdeskGraphQL(GraphQL):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            # The legacy graphql-ws protocol had auth bypasses: only graphql-transport-ws.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings

    async def get_context(self, request, response) -> Context:
        # Runs once per HTTP request, but only once per websocket: the socket's viewer is
        # set by on_ws_connect from connection_init, never cached from headers here.
        if request.scope["type"] == "websocket":
            return Context(settings=self.settings, viewer=None, request=request)
        viewer = await viewer_from_header(request.headers.get("authorization"))
        return Context(settings=self.settings, viewer=viewer, request=request)

    async def on_ws_connect(self, context: Context):
        params = context.connection_params or {}
        viewer = await viewer_from_header(
            params.get("Authorization") or params.get("authorization")
        )
        if viewer is None:
            raise ConnectionRejectionError()  # closes with 4403
        context.set_viewer(viewer)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (tests that share a loop)."""
    settings = settings or Settings.from_env()
    graphql = HelpdeskGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if manage_database:
            await db.connect(settings.database_url)
        try:
            yield
        finally:
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
