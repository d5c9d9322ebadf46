"""Text matching for the grid's search boxes: `*` is a wildcard (seed 003), otherwise the
text may appear anywhere. Case-insensitive. One rule, used by the SQL query and by live
events in memory alike."""

import re

from tortoise.expressions import Q


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


def wildcard_filter(field: str, pattern: str) -> Q:
    pattern = pattern.strip()
    if "*" not in pattern:
        return Q(**{f"{field}__icontains": pattern})
    return Q(**{f"{field}__iposix_regex": wildcard_regex(pattern)})


def wildcard_matches(pattern: str, text: str) -> bool:
    pattern = pattern.strip()
    if "*" not in pattern:
        return pattern.lower() in text.lower()
    return re.search(wildcard_regex(pattern), text, re.IGNORECASE | re.DOTALL) is not None
