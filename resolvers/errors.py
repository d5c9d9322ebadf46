"""Domain errors. The schema layer turns them into GraphQL errors; nothing here knows GraphQL."""

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Every error code a client can meet: `extensions.code` of a top-level error and
    `UserError.code` in a payload. The schema shows it as `enum ErrorCode` with these
    descriptions. Clients switch on the strings: never rename one."""

    description: str

    def __new__(cls, value: str, description: str) -> "ErrorCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # Top-level errors: the request as a whole.
    UNAUTHENTICATED = "UNAUTHENTICATED", "No valid bearer token was sent: sign in first."
    FORBIDDEN = "FORBIDDEN", "Your role may not do this, or not to this field."
    NOT_FOUND = "NOT_FOUND", "No such object, or it is another organization's."
    RATE_LIMITED = "RATE_LIMITED", "Too many attempts or too much work: retry after `retryAfter` s."
    INVALID_INPUT = "INVALID_INPUT", "An argument of a query is wrong; `problems` lists each."
    DOCUMENT_TOO_COMPLEX = "DOCUMENT_TOO_COMPLEX", "The document is too deep, long or aliased."
    COST_LIMIT = "COST_LIMIT", "The operation may return more objects than one request may."
    WEBSOCKET_REQUIRED = "WEBSOCKET_REQUIRED", "Subscriptions run over the websocket only."
    # Logs and metrics only: a client sees no extensions.code for these.
    BAD_REQUEST = "BAD_REQUEST", "Logs and metrics: the document or its variables are invalid."
    INTERNAL_ERROR = "INTERNAL_ERROR", "Logs and metrics: an unexpected error, a bug."
    CANCELLED = "CANCELLED", "Logs and metrics: the client went away or the server stopped."
    # Payload errors: the mutation changed nothing.
    CONFLICT = "CONFLICT", "Someone changed the object since you read it: reload, retry."
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION", "The workflow does not allow this status change."
    TICKET_CLOSED = "TICKET_CLOSED", "The ticket is closed: it takes no more changes."
    CHAT_OVER = "CHAT_OVER", "The chat has ended: it takes no more messages."
    REQUIRED = "REQUIRED", "The field must be given and not blank."
    TOO_LONG = "TOO_LONG", "The text is longer than the field allows."
    TOO_SHORT = "TOO_SHORT", "The text is shorter than the field needs."
    TOO_MANY = "TOO_MANY", "The list holds more items than allowed."
    TOO_LARGE = "TOO_LARGE", "The file is larger than one upload may be."
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED", "The file's content is not an allowed type."
    NOT_A_FILE = "NOT_A_FILE", "An Upload must be a file part of a multipart request."
    OUT_OF_RANGE = "OUT_OF_RANGE", "The number or date is outside the allowed range."
    BEFORE_FROM = "BEFORE_FROM", "A range ends before it starts."
    CONFLICTING = "CONFLICTING", "Two arguments exclude each other."
    INVALID_TEXT = "INVALID_TEXT", "The text holds a NUL or a lone surrogate."
    INVALID_EMAIL = "INVALID_EMAIL", "Not an e-mail address."
    INVALID_TELEGRAM = "INVALID_TELEGRAM", "Not a Telegram handle."
    INVALID_PHONE = "INVALID_PHONE", "Not a phone number."
    INVALID_WALLET = "INVALID_WALLET", "Neither a wallet address nor a transaction hash."
    INVALID_ID = "INVALID_ID", "Not a global ID of the expected type."
    INVALID_CURSOR = "INVALID_CURSOR", "Not a cursor this list gave out."
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "The e-mail or password is wrong."
    TAKEN = "TAKEN", "The name or e-mail is already in use."
    NOT_ALLOWED = "NOT_ALLOWED", "This value may not be chosen (SYSTEM comments, say)."
    NOT_CONFIRMED = "NOT_CONFIRMED", "The action needs `confirm: true`."
    SELF_DEMOTION = "SELF_DEMOTION", "Admins cannot take away their own admin role."
    SELF_DEACTIVATION = "SELF_DEACTIVATION", "Admins cannot deactivate themselves."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which field, a stable code, and a sentence."""

    field: str | None
    code: ErrorCode
    message: str


class DomainError(Exception):
    code: ErrorCode

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Reported as top-level GraphQL errors with extensions.code.
class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, message: str = "sign in first: send Authorization: Bearer <token>"):
        super().__init__(message)


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    """Also what another organization's objects look like: never 'forbidden'."""

    code = ErrorCode.NOT_FOUND


class RateLimited(DomainError):
    """Too many attempts or too much work in a while: try again after `retry_after` seconds."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, retry_after: float):
        super().__init__(f"{message}; try again in {max(1, round(retry_after))} s")
        self.retry_after = max(1, round(retry_after))


# Reported in a mutation payload's `errors`.
class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class IllegalTransition(DomainError):
    code = ErrorCode.ILLEGAL_TRANSITION


def invalid(field: str | None, code: ErrorCode, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, code, message)])
