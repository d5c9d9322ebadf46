"""Text matching for the grid's search boxes: `*` is a wildcard (seed 003), otherwise the
text may appear anywhere. Case-insensitive. One rule, used by the SQL query and by live
events in memory alike."""

import re

from tortoise.expressions import Q

from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.resolvers.validation import text_problem

MAX_SEARCH = 200


def checked(field: str, text: str) -> str:
    """Search text, stripped; too long a text is an error, not a slow query."""
    text = text.strip()
    if problem := text_problem(text):
        raise invalid(
            field, ErrorCode.INVALID_TEXT, f"{field} is not valid text: it holds {problem}"
        )
    if len(text) > MAX_SEARCH:
        raise invalid(field, ErrorCode.TOO_LONG, f"{field} must be at most {MAX_SEARCH} characters")
    return text


def wildcard_regex(pattern: str) -> str:
    """`Acme*Ltd` -> `^Acme.*Ltd$`: the parts in order, the ends anchored. Each middle part
    matches at its first occurrence (`(?:(?!part).)*part`), which is all "in order" needs:
    a plain `.*` per `*` backtracks exponentially (`*a*a*a*a*b` on a long "aaa…" name hangs
    the SQLite REGEXP function and the live matcher)."""
    first, *middle, last = pattern.strip().split("*")
    regex = "^" + re.escape(first)
    for part in filter(None, middle):
        part = re.escape(part)
        regex += f"(?:(?!{part}).)*{part}"
    return regex + ".*" + re.escape(last) + "$"


def wildcard_filter(column: str, pattern: str, *, field: str) -> Q:
    """`field` names the input in errors."""
    pattern = checked(field, pattern)
    if "*" not in pattern:
        return Q(**{f"{column}__icontains": pattern})
    return Q(**{f"{column}__iposix_regex": wildcard_regex(pattern)})


def wildcard_matches(pattern: str, text: str) -> bool:
    pattern = pattern.strip()
    if "*" not in pattern:
        return pattern.upper() in text.upper()  # as SQL compares: UPPER(column) LIKE UPPER(text)
    return re.search(wildcard_regex(pattern), text, re.IGNORECASE | re.DOTALL) is not None
