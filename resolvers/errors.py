"""Domain errors. The schema layer turns them into GraphQL errors; nothing here knows GraphQL."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which field, a stable code, and a sentence."""

    field: str | None
    code: str
    message: str


class DomainError(Exception):
    code = "ERROR"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Reported as top-level GraphQL errors with extensions.code.
class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in first: send Authorization: Bearer <token>"):
        super().__init__(message)


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    """Also what another organization's objects look like: never 'forbidden'."""

    code = "NOT_FOUND"


class RateLimited(DomainError):
    """Too many attempts or too much work in a while: try again after `retry_after` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: float):
        super().__init__(f"{message}; try again in {max(1, round(retry_after))} s")
        self.retry_after = max(1, round(retry_after))


# Reported in a mutation payload's `errors`.
class InvalidInput(DomainError):
    code = "INVALID_INPUT"

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Conflict(DomainError):
    code = "CONFLICT"


class IllegalTransition(DomainError):
    code = "ILLEGAL_TRANSITION"


def invalid(field: str | None, code: str, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, code, message)])
