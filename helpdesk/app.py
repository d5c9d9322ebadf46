"""The ASGI application: Starlette routes, the GraphQL view, and its lifespan."""

import asyncio
import contextlib
import itertools
import logging
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import cast

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import NonTextMessageReceived
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from helpdesk import db, downloads, logs, uploads, web
from helpdesk.access_log import AccessLog
from helpdesk.api import build_schema
from helpdesk.auth import viewer_from_header
from helpdesk.events.bus import get_bus, set_bus
from helpdesk.events.redis_bus import RedisBus
from helpdesk.health import Readiness, healthz, readyz
from helpdesk.http_limits import BadJson, BodySizeLimit, BoundedInputView
from helpdesk.mail_worker import MailWorker
from helpdesk.metrics import metrics_endpoint, watch_live_state
from helpdesk.resolvers import chats, mail, metrics, presence_board
from helpdesk.resolvers.metrics import Metrics
from helpdesk.schema.context import Context, login_throttle
from helpdesk.settings import Settings
from helpdesk.storage import set_storage, storage_from
from helpdesk.subscriptions.hubs import Hubs
from helpdesk.subscriptions.messages import shape_problem
from helpdesk.subscriptions.tailer import Tailer, get_tailer, set_tailer
from helpdesk.subscriptions.transport import LiveHandler, Refused


class SizeLimitedAdapter(ASGIWebSocketAdapter):
    """Closes a socket that sends a message larger than the configured limit (4413), or
    one that is not JSON or not shaped as graphql-transport-ws (4400, saying why)."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False):
        limit = cast("HelpdeskGraphQL", self.view).settings.max_ws_message_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit:
                    await self.close(4413, f"Message larger than {limit} bytes")
                    return
                try:
                    message = self.view.decode_json(text)
                except BadJson as error:  # says why: invalid JSON or text, nested too deeply
                    if not ignore_parsing_errors:
                        await self.close(4400, str(error))
                        return
                    continue
                if problem := shape_problem(message):
                    await self.close(4400, problem)
                    return
                yield message
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


class OperationIdsLiveHandler(LiveHandler):
    """Each websocket operation logs under a request id of its own: the socket's, then a
    number (abc123.2), so one operation's lines stand apart from the socket's others."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._operation_numbers = itertools.count(1)

    async def run_operation(self, operation) -> None:
        # strawberry runs each operation in a task of its own: the id stays with it.
        logs.request_id.set(f"{logs.request_id.get()}.{next(self._operation_numbers)}")
        await super().run_operation(operation)


class HelpdeskGraphQL(uploads.UploadView, BoundedInputView, GraphQL[Context, None]):
    websocket_adapter_class = SizeLimitedAdapter
    graphql_transport_ws_handler_class = OperationIdsLiveHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            # The legacy graphql-ws protocol had auth bypasses: only graphql-transport-ws.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.allowed_origins,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            multipart_uploads_enabled=True,  # files: helpdesk/uploads.py
        )
        self.settings = settings
        self.hubs = Hubs()
        self.sockets: dict[WebSocket, Context] = {}
        self.sockets_per_person: dict[int, int] = {}  # contact id -> open sockets
        self.logins = login_throttle(settings)
        self._closing: set[asyncio.Task] = set()

    def encode_json(self, data: object) -> str:
        # orjson: the grid's 27 KB page in a fraction of json.dumps' time. What it refuses
        # (an integer past 64 bits, a lone surrogate, a key that is not a string) goes the
        # standard library's way, as before.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return super().encode_json(data)  # type: ignore[return-value]

    async def render_graphql_ide(self, request):
        return web.graphiql()  # bundled, works offline (web/src/graphiql.ts)

    def new_context(self, viewer, request=None) -> Context:
        return Context(settings=self.settings, viewer=viewer, request=request, logins=self.logins)

    async def get_context(self, request, response) -> Context:
        # Runs once per HTTP request, but only once per websocket: the socket's viewer is
        # set by on_ws_connect from connection_init, never cached from headers here.
        if request.scope["type"] == "websocket":
            return self.new_context(None, request)
        viewer = await viewer_from_header(request.headers.get("authorization"))
        if refused := uploads.refusal(request, signed_in=viewer is not None):
            raise refused  # before the body is read
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
        open_sockets = self.sockets_per_person.get(viewer.contact_id, 0)
        if open_sockets >= self.settings.max_sockets_per_person:
            limit = self.settings.max_sockets_per_person
            metrics.rate_limited("sockets")
            raise Refused(4429, f"Too many open sockets: at most {limit} per person")
        context.set_viewer(viewer)
        self.sockets[context.request] = context
        self.sockets_per_person[viewer.contact_id] = open_sockets + 1

    async def run(self, request, context=UNSET, root_value=UNSET):
        try:
            return await super().run(request, context, root_value)
        finally:
            await uploads.close_files(request)
            registered = self.sockets.pop(request, None)
            if registered is not None and registered.viewer is not None:
                person = registered.viewer.contact_id
                self.sockets_per_person[person] -= 1
                if not self.sockets_per_person[person]:
                    del self.sockets_per_person[person]

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


async def end_abandoned_chats(timeout: float) -> None:
    """Ends the chats whose customer is gone past the timeout, looking three times per
    timeout. The first look waits a whole timeout after the start: customers whose socket a
    restart closed get that long to come back."""
    log = logging.getLogger("helpdesk.chats")
    await asyncio.sleep(timeout)
    while True:
        try:
            ended = await chats.end_abandoned(timeout)
            if ended:
                log.info("ended %s chats whose customer was gone", ended)
        except Exception:  # the next look retries; never die silently
            log.exception("ending abandoned chats failed")
        await asyncio.sleep(timeout / 3)


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (tests that share a loop)."""
    settings = settings or Settings.from_env()
    graphql = HelpdeskGraphQL(settings)
    storage = storage_from(settings)  # attachments' files: the data directory, or S3
    metrics = Metrics(settings.metrics_max_operation_names)
    watch_live_state(metrics, graphql)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if manage_database:
            await db.connect(settings.database_url)
        if settings.redis_url:
            bus = RedisBus(settings.redis_url, settings.redis_prefix)
            await bus.start()
            set_bus(bus)
        tailer = Tailer(get_bus(), poll_interval=settings.tailer_poll_seconds)
        tailer.on_access_ended = graphql.end_access
        await storage.start()
        set_storage(storage)
        await tailer.start()
        set_tailer(tailer)
        board = presence_board.Board(get_bus(), timeout=settings.presence_timeout_seconds)
        await board.start()
        presence_board.set_board(board)
        sweeper = asyncio.create_task(
            end_abandoned_chats(settings.chat_customer_timeout_seconds), name="chat sweeper"
        )
        mail.configure(settings)
        mailer = MailWorker(settings)
        await mailer.start()
        try:
            yield
        finally:
            sweeper.cancel()
            await mailer.stop()
            await graphql.close_all()
            await board.stop()  # after the sockets (their people leave), before the bus
            presence_board.set_board(None)
            await tailer.stop()
            set_tailer(None)
            await storage.close()
            set_storage(None)
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
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/attachments/{attachment_id}", downloads.download, methods=["GET"]),
            # The help desk in the browser (helpdesk/web.py), production included.
            Route("/", web.help_desk, methods=["GET"]),
            Route("/tickets/{number:int}", web.help_desk, methods=["GET"]),
            Mount("/static/assets", web.assets()),
        ],
        # Request ids, the access log and the app's metrics, for everything below.
        middleware=[
            Middleware(AccessLog, metrics=metrics),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_request_bytes,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graphql = graphql
    app.state.metrics = metrics
    app.state.readiness = Readiness(settings)
    return app
