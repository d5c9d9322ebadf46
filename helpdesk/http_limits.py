"""Bounded input at the door: a body-size limit in front of the app, and the JSON decoding
that every request body, GET parameter and websocket message goes through. A bad input gets
an answer that names the problem (413, or 400 saying why the JSON is refused), never a 500."""

import json
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from helpdesk.resolvers.errors import ErrorCode


class BadJson(json.JSONDecodeError):
    """JSON we refuse, with a short reason that fits a websocket close frame (123 bytes).
    A JSONDecodeError, so strawberry's own handling of bad JSON still applies."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _reason(error: json.JSONDecodeError, max_depth: int) -> str:
    message = error.msg
    if "depth limit" in message:
        return f"the JSON is nested more than {max_depth} levels deep"
    if "surrogate" in message or "UTF-8" in message:
        return "invalid text in the JSON: lone surrogates and bytes that are not UTF-8 are refused"
    return f"invalid JSON: {message[:60]} at character {error.pos}"


def decode_json(data: str | bytes, *, max_depth: int) -> Any:
    """orjson refuses lone surrogates, bytes that are not UTF-8, and nesting past 1024
    levels (the standard library would recurse until a RecursionError); then a walk without
    recursion enforces `max_depth`. The top level is an object (a list is a batch, which
    strawberry refuses by name)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise BadJson(_reason(error, max_depth)) from None
    if not isinstance(value, dict | list):
        raise BadJson("the JSON must be an object")
    if _depth_over(value, max_depth):
        raise BadJson(f"the JSON is nested more than {max_depth} levels deep")
    return value


def _depth_over(value: Any, max_depth: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


WEBSOCKET_ONLY = (
    "subscriptions are delivered over a websocket only: connect to /graphql with the "
    "graphql-transport-ws protocol"
)


class BoundedInputView:
    """For the GraphQL view (mixed in before strawberry's): JSON decoded by the rules above,
    a refused JSON answered with its reason, and subscriptions refused over plain HTTP,
    which cannot stream them (strawberry would run one as a query and fail on its null)."""

    settings: Any
    schema: Any

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data, max_depth=self.settings.max_json_depth)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except BadJson as error:
            raise HTTPException(400, str(error)) from None

    async def execute_single(
        self, request, request_adapter, sub_response, context, root_value, request_data
    ) -> ExecutionResult:
        if not isinstance(request_data.operation_name, str | None):  # strawberry lets it pass
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string")
        method = request_adapter.method
        allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                refusal = GraphQLError(
                    WEBSOCKET_ONLY, extensions={"code": ErrorCode.WEBSOCKET_REQUIRED}
                )
                return ExecutionResult(data=None, errors=[refusal])
            raise HTTPException(400, error.as_http_error_reason(method)) from error
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: a body announced (Content-Length) or streamed (chunked) past
    `max_bytes` gets 413 before it is read whole; a query string past it gets 414. A
    multipart body (file uploads, helpdesk/uploads.py) has its own, `max_upload_bytes`."""

    def __init__(self, app, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_bytes:
            await _refuse(send, 414, f"Query string larger than {self.max_bytes} bytes")
            return
        limit = self.max_upload_bytes if _is_multipart(scope) else self.max_bytes
        announced = _content_length(scope)
        if announced is not None and announced > limit:
            await _refuse(send, 413, f"Request body larger than {limit} bytes")
            return
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watching_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:  # too late to answer; the server closes the connection
                raise
            await _refuse(send, 413, f"Request body larger than {limit} bytes")


def _is_multipart(scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return False


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None  # the server refuses a bad one
    return None


async def _refuse(send, status: int, reason: str) -> None:
    body = reason.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
