"""Domain errors -> GraphQL. Expected failures go into a payload's `errors`; the others
(unauthenticated, forbidden, not found) become top-level errors with `extensions.code`."""

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from helpdesk.resolvers import errors
from helpdesk.resolvers.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    RateLimited,
)

T = TypeVar("T")

ErrorCode = strawberry.enum(
    errors.ErrorCode,
    name="ErrorCode",
    description="What went wrong: `UserError.code`, and `extensions.code` of top-level errors.",
)
# The descriptions live beside the codes, below the schema.
for _value in ErrorCode.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = errors.ErrorCode[_value.name].description


@strawberry.type(description="An expected failure of a mutation: nothing was changed.")
class UserError:
    code: errors.ErrorCode  # the class the ErrorCode enum above wraps
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    if isinstance(error, InvalidInput):
        return [UserError(code=p.code, field=p.field, message=p.message) for p in error.problems]
    return [UserError(code=error.code, field=None, message=error.message)]


async def attempt(work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Runs a resolver for a mutation payload: its result, or the user errors it raised
    (decoding the input's IDs included, so pass a lambda)."""
    try:
        return await work(), []
    except (InvalidInput, Conflict, IllegalTransition) as error:
        return None, user_errors(error)


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {"code": original.code}
        if isinstance(original, InvalidInput):
            extensions["problems"] = [vars(p) for p in original.problems]
        if isinstance(original, RateLimited):
            extensions["retryAfter"] = original.retry_after
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            original_error=original,
            extensions=extensions,
        )
    if isinstance(original, GlobalIDValueError):
        return GraphQLError(
            str(original),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": errors.ErrorCode.NOT_FOUND},
        )
    return error


def as_graphql_error(error: DomainError) -> GraphQLError:
    """A domain error raised outside any field (the live layer): the same shape as in a field."""
    return _with_code(GraphQLError(error.message, original_error=error))


# graphql-core's hints ("Did you mean 'tickets'?") map the schema for a stranger.
SUGGESTION = re.compile(r"\s*Did you mean .*\?$", re.DOTALL)


def _without_suggestion(error: GraphQLError) -> GraphQLError:
    if not SUGGESTION.search(error.message):
        return error
    return GraphQLError(
        SUGGESTION.sub("", error.message),
        nodes=error.nodes,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class DomainErrors(SchemaExtension):
    """Gives every domain error raised in a query or nested field its `extensions.code`;
    in production, also drops graphql-core's suggestions (validation hides them itself,
    variable coercion does not) and masks unexpected errors (`masked`), as strawberry's
    MaskErrors would: one extension fewer to run for every operation."""

    def __init__(self, *, production: bool = False) -> None:
        super().__init__()
        self.production = production

    def _rewrite(self, result) -> None:
        if result is None:
            return
        if result.errors:
            result.errors = [self._one(e) for e in result.errors]
        # Incremental parts of a streamed result (strawberry's MaskErrors reads them too).
        incremental = getattr(result, "incremental", None) or ()
        completed = getattr(result, "completed", None) or ()
        for part in (*incremental, *completed):
            if getattr(part, "errors", None):
                part.errors = [self._one(e) for e in part.errors]

    def _one(self, error: GraphQLError) -> GraphQLError:
        error = _with_code(error)
        if self.production:
            error = masked(_without_suggestion(error))
        return error

    def on_operation(self):
        yield
        self._rewrite(self.execution_context.result)

    def on_stream_result(self, result):  # subscriptions: every event, before it is sent
        self._rewrite(result)
        yield


MASKED_MESSAGE = "Internal error."


def masked(error: GraphQLError) -> GraphQLError:
    """In production, an unexpected error says only MASKED_MESSAGE (where it happened
    stays), as strawberry's MaskErrors.anonymise_error makes it."""
    if not is_unexpected(error):
        return error
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
    )


def is_unexpected(error: GraphQLError) -> bool:
    """What production masks: the details of unexpected errors only."""
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        return False  # syntax, validation and limit errors say what the client did wrong
    if isinstance(error.original_error, DomainError | GlobalIDValueError):
        return False
    return not (error.extensions and "code" in error.extensions)
