"""What a GraphQL operation leaves in the log and the metrics: one line per query or mutation
(its name, type, duration and error codes), and a traceback for unexpected errors only.

Never the document, its variables or an error's message: strawberry's own error log prints
str(GraphQLError), which quotes the document, so a password written inline would land in
the log. Subscriptions are not logged per operation: their hubs are counted in /metrics."""

import asyncio
import logging
import re
import time

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from helpdesk.resolvers import metrics
from helpdesk.resolvers.errors import DomainError, ErrorCode

log = logging.getLogger("helpdesk.operations")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
# Raised instead of returned: no query, an operation the document lacks, or one not
# allowed here (a mutation over GET).
_REFUSED = (
    MissingQueryError,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
    GraphQLError,
    DomainError,
)


def unexpected(error: GraphQLError) -> bool:
    """A bug, not something the client did: an exception no layer meant to raise."""
    original = error.original_error
    expected = (GraphQLError, DomainError, GlobalIDValueError, *_REFUSED)
    if original is None or isinstance(original, expected):
        return False
    return not (error.extensions and "code" in error.extensions)


def operation_name(context: ExecutionContext) -> str:
    """The operation's name as the client gave it, if it is a GraphQL name of at most 100
    characters: anything else could forge log lines or flood the metrics."""
    name = context.operation_name
    if name is None:
        return "anonymous"
    return name if _NAME.fullmatch(name) else "invalid"


def operation_type(context: ExecutionContext) -> str:
    try:
        return context.operation_type.value
    except Exception:  # the document did not parse, or names no operation it holds
        return "unknown"


def error_codes(context: ExecutionContext) -> list[str]:
    """extensions.code of each error returned; BAD_REQUEST for a document or variables that
    are invalid, INTERNAL_ERROR for an unexpected error (masked or not)."""
    result = context.result
    shown = list(getattr(result, "errors", None) or [])
    # The errors as raised: the extensions rewrite and mask the returned ones one for one.
    raised = list(context.pre_execution_errors or [])
    if len(raised) != len(shown):
        raised = shown
    codes = []
    for returned, original in zip(shown, raised, strict=True):
        code = (returned.extensions or {}).get("code")
        if not isinstance(code, str):
            code = ErrorCode.INTERNAL_ERROR if unexpected(original) else ErrorCode.BAD_REQUEST
        codes.append(code)
    return codes


class OperationLog(SchemaExtension):
    """First in the schema's extensions, so it sees the final codes (and masking)."""

    def on_operation(self):
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            yield
        except BaseException as error:
            failure = error
            raise
        finally:
            self._done(time.perf_counter() - started, failure)

    def _done(self, seconds: float, failure: BaseException | None) -> None:
        context = self.execution_context
        type_ = operation_type(context)
        if type_ == "subscription":
            return
        name = operation_name(context)
        if failure is None:
            codes = error_codes(context)
        elif isinstance(failure, _REFUSED):
            codes = [ErrorCode.BAD_REQUEST]
        elif isinstance(failure, asyncio.CancelledError | GeneratorExit):
            codes = [ErrorCode.CANCELLED]  # the client went away, or the server is stopping
        else:
            codes = [ErrorCode.INTERNAL_ERROR]
        metrics.operation_done(name, type_, seconds, codes)
        errors = f" errors={','.join(codes)}" if codes else ""
        log.info(
            "%s %s %.1f ms%s",
            type_,
            name,
            seconds * 1000,
            errors,
            extra={
                "operation": name,
                "operation_type": type_,
                "duration_ms": round(seconds * 1000, 1),
                "error_codes": codes,
            },
        )


class LoggedSchema(strawberry.Schema):
    """Logs only unexpected errors, with their traceback; the codes of the expected ones
    are on the operation's line (OperationLog)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if original is None or not unexpected(error):
                continue
            where = ""
            if execution_context is not None:
                where = f" in {operation_type(execution_context)}"
                where += f" {operation_name(execution_context)}"
            path = ".".join(str(key) for key in error.path or ())
            log.error(
                "internal error%s at %s: %s",
                where,
                path or "-",
                type(original).__name__,
                exc_info=(type(original), original, original.__traceback__),
                extra={"error_codes": [ErrorCode.INTERNAL_ERROR]},
            )
