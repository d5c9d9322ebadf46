"""Text matching for the grid's search boxes: `*` is a wildcard (seed 003), otherwise the
text may appear anywhere. Case-insensitive. One rule, used by the SQL query and by live
events in memory alike.

Large tables answer searches through trigram indexes (migration 0008): on SQLite an FTS5
table per searched table (`trigram` tokenizer, kept in step by triggers), on PostgreSQL
pg_trgm GIN indexes on exactly the expressions Tortoise compares (`UPPER(CAST(col AS
VARCHAR))` for LIKE, `COALESCE(CAST(col AS VARCHAR), '')` for `~*`). Ticket summaries have
a second FTS5 table over open tickets only (migration 0010), for queries that keep to them:
a common word's rowids among every ticket outnumber the open tickets. A trigram index only
narrows: the exact rule above is always applied to what it finds, so results do not depend
on it. Text shorter than three characters holds no trigram: it still filters, but only the
longer words or wildcard parts beside it (or the query's other conditions) use the index.

FTS5 folds case letter by letter with its own tables; the rules above use Python's upper()
and re.IGNORECASE. They part on a few hundred letters (`UNUSUAL_CASE`: ß upper-cases to SS,
dotless i (U+0131) to I, Georgian and Cherokee capitals fold apart, ...), so a row holding one is
always a candidate (its FTS row carries a marker) and a search part holding one is not
looked up: SQLite answers exactly what the rules say, on every text."""

import re
from collections.abc import Iterable

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term, ValueWrapper
from tortoise.expressions import Q
from tortoise.models import Model

from helpdesk.models.text_index import MARKER, MARKER_COLUMN, UNUSUAL_CASE_CLASS
from helpdesk.resolvers.errors import ErrorCode, invalid
from helpdesk.resolvers.validation import text_problem

MAX_SEARCH = 200
TRIGRAM = 3  # the shortest text a trigram index can narrow by
_UNUSUAL = re.compile(UNUSUAL_CASE_CLASS)


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


class _FtsRowids(Term):
    """`(SELECT rowid FROM <fts> WHERE <fts> MATCH ?)`: the rows of an FTS5 table holding
    every part as a substring of one of the columns (each a quoted phrase; the trigram
    tokenizer matches phrases as case-insensitive substrings), and the marked rows. The
    text is a parameter, never pasted into the SQL."""

    def __init__(self, fts_table: str, columns: Iterable[str], parts: Iterable[str]) -> None:
        super().__init__()
        self.fts_table = fts_table
        phrases = " AND ".join('"' + part.replace('"', '""') + '"' for part in parts)
        self.match = f'{{{" ".join(columns)}}} : ({phrases}) OR {MARKER_COLUMN} : "{MARKER}"'

    def get_sql(self, ctx: SqlContext) -> str:
        param = ValueWrapper(self.match).get_sql(ctx)
        table = f'"{self.fts_table}"'
        return f"(SELECT rowid FROM {table} WHERE {table} MATCH {param})"


def fts_table(model: type[Model]) -> str:
    """The SQLite FTS5 table migration 0008 keeps beside a searched table."""
    return f"{model._meta.db_table}_fts"


def narrowed(
    model: type[Model], columns: list[str], parts: Iterable[str], *, fts: str | None = None
) -> Q:
    """A condition that every row holding each of `parts` in one of `columns` meets,
    answered by the SQLite trigram index (`fts`, by default the table's whole one: a
    partial one narrows only among the rows it covers, so the query must keep to those);
    Q() when no part can use it (under three characters, or holding a letter of
    UNUSUAL_CASE). On PostgreSQL the exact conditions use the GIN indexes themselves:
    nothing to add."""
    parts = [p for p in parts if len(p) >= TRIGRAM and not _UNUSUAL.search(p)]
    if not parts or model._meta.db.capabilities.dialect != "sqlite":
        return Q()
    return Q(id__in=_FtsRowids(fts or fts_table(model), columns, parts))


def text_search(model: type[Model], columns: list[str], pattern: str, *, field: str) -> Q:
    """Rows of `model` where any of `columns` matches the search, through its index: the
    text between `*`s (each at least three characters) must appear in the row."""
    exact = Q(*(wildcard_filter(c, pattern, field=field) for c in columns), join_type=Q.OR)
    return exact & narrowed(model, columns, checked(field, pattern).split("*"))


def keywords_filter(model: type[Model], column: str, text: str, *, fts: str | None = None) -> Q:
    """Rows whose `column` holds every word of `text` (case-insensitive), through its index
    (`fts`, as `narrowed` takes it) for the words of three characters or more."""
    words = text.split()
    exact = Q(*(Q(**{f"{column}__icontains": w}) for w in words))
    return exact & narrowed(model, [column], words, fts=fts)
